/**
 * Sending a role's call through the Safe that holds the role: propose (a file per Safe transaction), collect the
 * owners' EIP-712 signatures (keys of this connection that own the Safe, and signatures already in the
 * proposal folder), execute once the threshold is met. Or, with a batch file, write the calls as a Safe
 * Transaction Builder batch for a Safe administered elsewhere.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { writeFile } from "node:fs/promises";
import { getAddress, recoverAddress } from "ethers";
import { explainError, signerFor, type ChainContext } from "./context.js";
import type { VaultPlan } from "./plan.js";
import type { DeploymentRecord } from "./record.js";
import {
  packSignatures, proposalFile, safeContract, safeTxFor, safeTxHash, signSafeTx, signaturesInFolder, transactionBuilderBatch,
  validSignatures, writeProposal, type SafeProposal,
} from "./safe.js";

export interface SafeOptions {
  /** Where proposals and their signatures are kept (default: next to the record, `<vault>.safe/`). */
  proposalsDir?: string;
  /** Owners whose keys of this connection may sign (default: every owner this connection can sign for). */
  signWith?: string[];
  /** Write the Safe's calls to this Safe Transaction Builder batch instead of proposing them. */
  batchFile?: string;
}

export type SafeOutcome =
  | { outcome: "sent"; txHash: string; block: number }
  | { outcome: "awaiting-signatures" | "batched" | "waiting"; detail: string };

export class SafeSender {
  /** Safes with an unexecuted proposal in this run: their later calls wait (the next one needs the next nonce). */
  private readonly blocked = new Set<string>();
  private readonly batch = new Map<string, { to: string; data: string; label: string }[]>();

  constructor(private readonly ctx: ChainContext, private readonly submitter: HardhatEthersSigner, private readonly options: SafeOptions) {}

  async send(plan: VaultPlan, safeAddress: string, label: string, to: string, data: string, record: DeploymentRecord): Promise<SafeOutcome> {
    const key = safeAddress.toLowerCase();
    if (this.options.batchFile !== undefined) {
      const list = this.batch.get(key) ?? [];
      list.push({ to, data, label });
      this.batch.set(key, list);
      return { outcome: "batched", detail: `call ${list.length} of the Safe ${safeAddress} batch in ${this.options.batchFile}` };
    }
    if (this.blocked.has(key)) return { outcome: "waiting", detail: `the Safe ${safeAddress} has an earlier proposal awaiting signatures` };
    const safe = safeContract(safeAddress, this.submitter);
    const tx = await safeTxFor(safe, to, data);
    const hash = await safeTxHash(safe, tx);
    const owners = (await safe.getFunction("getOwners").staticCall()) as string[];
    const threshold = Number(await safe.getFunction("getThreshold").staticCall());
    const proposal: SafeProposal = { format: "fusebox-safe-proposal/1", safe: getAddress(safeAddress), chainId: plan.chainId, safeTxHash: hash, step: label, tx, signatures: {} };
    const folder = this.options.proposalsDir ?? `${record.vault}.safe`;
    const recover = (h: string, sig: string): string | undefined => {
      try {
        return recoverAddress(h, sig);
      } catch {
        return undefined;
      }
    };
    proposal.signatures = validSignatures(hash, await signaturesInFolder(folder, hash), owners, recover);
    const allowed = this.options.signWith?.map((a) => a.toLowerCase());
    for (const owner of owners) {
      if (Object.keys(proposal.signatures).length >= threshold) break;
      if (proposal.signatures[getAddress(owner)] !== undefined || (allowed !== undefined && !allowed.includes(owner.toLowerCase()))) continue;
      const signer = signerFor(this.ctx, owner);
      if (signer !== undefined) proposal.signatures[getAddress(owner)] = await signSafeTx(signer, proposal);
    }
    const have = Object.keys(proposal.signatures).length;
    const file = proposalFile(folder, proposal);
    if (have < threshold) {
      await writeProposal(file, proposal);
      this.blocked.add(key);
      return {
        outcome: "awaiting-signatures",
        detail: `${have} of ${threshold} owner signatures; proposal ${file}. Each missing owner signs with \`npm run fusebox -- safe sign --file ${file} --from <owner> --network ${plan.network}\`, then run deploy again`,
      };
    }
    try {
      const sent = await safe.getFunction("execTransaction")(tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, packSignatures(proposal.signatures));
      const receipt = await sent.wait();
      if (receipt === null) throw new Error("dropped");
      return { outcome: "sent", txHash: String(receipt.hash), block: Number(receipt.blockNumber) };
    } catch (error) {
      throw new Error(`${label}: Safe ${safeAddress} transaction failed: ${await explainError(this.ctx, error)}`);
    }
  }

  /** Write the collected Transaction Builder batch (one Safe per file; several Safes get `-<safe>` suffixes). */
  async flush(plan: VaultPlan): Promise<string[]> {
    const file = this.options.batchFile;
    if (file === undefined || this.batch.size === 0) return [];
    const written: string[] = [];
    for (const [safe, calls] of this.batch) {
      const path = this.batch.size === 1 ? file : file.replace(/(\.json)?$/, `-${safe.slice(0, 10)}.json`);
      const batch = transactionBuilderBatch(safe, plan.chainId, `${plan.vault}: ${calls.length} change(s)`, calls.map((c) => c.label).join("; "), calls);
      await writeFile(path, `${JSON.stringify(batch, null, 2)}\n`);
      written.push(path);
    }
    return written;
  }
}
