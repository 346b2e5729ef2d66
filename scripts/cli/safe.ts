/**
 * `fusebox safe create` (a k-of-n Safe from the npm artifacts, for local chains and trials) and
 * `fusebox safe sign` (an owner adds an EIP-712 signature to a proposal file written by `deploy`).
 */
import type { Command } from "commander";
import { getAddress, isAddress, recoverAddress } from "ethers";
import { signerFor } from "../deploy/context.js";
import { deploySafe, readProposal, safeContract, safeTxHash, signSafeTx, writeProposal } from "../deploy/safe.js";
import type { AlphaCliDeps, CliNetworkOptions } from "./alpha.js";

export function registerSafeCommands(program: Command, deps: AlphaCliDeps): void {
  const safe = program.command("safe").description("a Safe multisig as a role holder: create one locally, sign a proposal");

  deps.addNetworkOptions(safe.command("create")
    .description("deploy a k-of-n Safe (safe-global/safe-contracts 1.4.1 artifacts) and print its address")
    .requiredOption("--owners <addresses>", "comma-separated owner addresses")
    .requiredOption("--threshold <k>", "signatures needed"))
    .action(async (opts: CliNetworkOptions & { owners: string; threshold: string }) => {
      const owners = opts.owners.split(",").map((a) => a.trim());
      const bad = owners.filter((a) => !isAddress(a));
      if (bad.length > 0) throw deps.usageError(`--owners: ${bad.join(", ")} is not an address`);
      const threshold = Number(opts.threshold);
      if (!Number.isInteger(threshold) || threshold < 1 || threshold > owners.length) throw deps.usageError(`--threshold: ${opts.threshold} must be a whole number from 1 to ${owners.length}`);
      const ctx = await deps.connect(opts);
      const deployer = ctx.signers[0];
      if (deployer === undefined) throw new Error(`network "${ctx.networkName}" has no account to sign with`);
      const { safe: address } = await deploySafe(deployer, owners.map((o) => getAddress(o)), threshold);
      deps.io.out(address);
    });

  deps.addNetworkOptions(safe.command("sign")
    .description("sign a Safe proposal file written by `deploy` as one of the Safe's owners (a key of this connection)")
    .requiredOption("--file <proposal>", "the proposal JSON")
    .requiredOption("--from <owner>", "the owner who signs"))
    .action(async (opts: CliNetworkOptions & { file: string; from: string }) => {
      const proposal = await readProposal(opts.file);
      const ctx = await deps.connect(opts);
      const signer = signerFor(ctx, opts.from);
      if (signer === undefined) throw deps.usageError(`--from ${opts.from} is not an account of network "${ctx.networkName}"`);
      const contract = safeContract(proposal.safe, ctx.ethers.provider);
      const owners = ((await contract.getFunction("getOwners").staticCall()) as string[]).map((o) => o.toLowerCase());
      if (!owners.includes(signer.address.toLowerCase())) throw deps.usageError(`${signer.address} is not an owner of the Safe ${proposal.safe}`);
      const hash = await safeTxHash(contract, proposal.tx);
      if (hash !== proposal.safeTxHash) throw new Error(`${opts.file}: the Safe computes ${hash} for this transaction, the file says ${proposal.safeTxHash} (edited, or the Safe's nonce moved on)`);
      const signature = await signSafeTx(signer, proposal);
      if (recoverAddress(hash, signature).toLowerCase() !== signer.address.toLowerCase()) throw new Error("the signature does not recover to the signer");
      proposal.signatures[getAddress(signer.address)] = signature;
      await writeProposal(opts.file, proposal);
      const threshold = Number(await contract.getFunction("getThreshold").staticCall());
      deps.io.out(`signed ${proposal.step} as ${signer.address}: ${Object.keys(proposal.signatures).length} of ${threshold} signatures`);
    });
}
