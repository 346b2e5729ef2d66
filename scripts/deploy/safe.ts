/**
 * A Safe (safe-global/safe-contracts 1.4.1) as a role holder: the reconciler sends a role's call as a Safe
 * transaction — proposed to a file, signed by the owners (EIP-712, from keys of this connection or added to
 * the file by `fusebox safe sign` on the owner's machine), executed once the threshold is met — or writes a
 * Safe Transaction Builder batch for a Safe administered elsewhere. The ABIs are the package's own artifacts.
 */
import { createRequire } from "node:module";
import { mkdir, readFile, readdir, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Contract, ContractFactory, Interface, ZeroAddress, getAddress, type ContractRunner, type InterfaceAbi, type Provider, type Signer, type TypedDataField } from "ethers";

const require = createRequire(import.meta.url);
const ARTIFACTS = "@safe-global/safe-contracts/build/artifacts/contracts";

export interface SafeArtifact {
  abi: InterfaceAbi;
  bytecode: string;
}

/** The package's compiled artifact, e.g. `Safe.sol/Safe.json`, `proxies/SafeProxyFactory.sol/SafeProxyFactory.json`. */
export function safeArtifact(path: string): SafeArtifact {
  return require(`${ARTIFACTS}/${path}`) as SafeArtifact;
}

export function safeContract(address: string, runner: ContractRunner): Contract {
  return new Contract(address, safeArtifact("Safe.sol/Safe.json").abi, runner);
}

export interface SafeTx {
  to: string;
  value: string;
  data: string;
  operation: number;
  safeTxGas: string;
  baseGas: string;
  gasPrice: string;
  gasToken: string;
  refundReceiver: string;
  nonce: string;
}

/** A proposed Safe transaction and the owners' signatures collected so far (the file owners sign). */
export interface SafeProposal {
  format: "fusebox-safe-proposal/1";
  safe: string;
  chainId: number;
  safeTxHash: string;
  /** What it does, e.g. `schedule market:1:configure`. */
  step: string;
  tx: SafeTx;
  signatures: Record<string, string>; // owner -> 65-byte signature
}

const SAFE_TX_TYPES: Record<string, TypedDataField[]> = {
  SafeTx: [
    { name: "to", type: "address" }, { name: "value", type: "uint256" }, { name: "data", type: "bytes" },
    { name: "operation", type: "uint8" }, { name: "safeTxGas", type: "uint256" }, { name: "baseGas", type: "uint256" },
    { name: "gasPrice", type: "uint256" }, { name: "gasToken", type: "address" }, { name: "refundReceiver", type: "address" },
    { name: "nonce", type: "uint256" },
  ],
};

/** Whether `address` is a Safe (answers getThreshold and getOwners). */
export async function isSafe(provider: Provider, address: string): Promise<boolean> {
  if ((await provider.getCode(address)) === "0x") return false;
  try {
    const safe = safeContract(address, provider);
    const [threshold, owners] = await Promise.all([safe.getFunction("getThreshold").staticCall(), safe.getFunction("getOwners").staticCall()]);
    return BigInt(threshold as bigint) > 0n && (owners as string[]).length > 0;
  } catch {
    return false;
  }
}

/** A call through the Safe at its current nonce (no refund, no gas token). */
export async function safeTxFor(safe: Contract, to: string, data: string): Promise<SafeTx> {
  const nonce = BigInt(await safe.getFunction("nonce").staticCall());
  return { to, value: "0", data, operation: 0, safeTxGas: "0", baseGas: "0", gasPrice: "0", gasToken: ZeroAddress, refundReceiver: ZeroAddress, nonce: nonce.toString() };
}

export async function safeTxHash(safe: Contract, tx: SafeTx): Promise<string> {
  return String(await safe.getFunction("getTransactionHash").staticCall(tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce));
}

/** An owner's EIP-712 signature of the Safe transaction (eth_signTypedData_v4). */
export async function signSafeTx(signer: Signer, proposal: Pick<SafeProposal, "safe" | "chainId" | "tx">): Promise<string> {
  return signer.signTypedData({ chainId: proposal.chainId, verifyingContract: proposal.safe }, SAFE_TX_TYPES, proposal.tx);
}

/** Signatures concatenated in ascending owner order, as Safe's checkNSignatures requires. */
export function packSignatures(signatures: Record<string, string>): string {
  const owners = Object.keys(signatures).sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
  return `0x${owners.map((o) => (signatures[o] ?? "").slice(2)).join("")}`;
}

export function proposalFile(folder: string, proposal: Pick<SafeProposal, "safe" | "tx" | "safeTxHash">): string {
  return join(folder, `${getAddress(proposal.safe)}-${proposal.tx.nonce}-${proposal.safeTxHash.slice(2, 10)}.json`);
}

export async function readProposal(path: string): Promise<SafeProposal> {
  const parsed = JSON.parse(await readFile(path, "utf8")) as SafeProposal;
  if (parsed.format !== "fusebox-safe-proposal/1") throw new Error(`${path}: not a fusebox Safe proposal`);
  return parsed;
}

export async function writeProposal(path: string, proposal: SafeProposal): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(`${path}.tmp`, `${JSON.stringify(proposal, null, 2)}\n`);
  await rename(`${path}.tmp`, path);
}

/** Signatures for `safeTxHash` found in proposal files of `folder` (owners may sign copies elsewhere). */
export async function signaturesInFolder(folder: string, hash: string): Promise<Record<string, string>> {
  let files: string[];
  try {
    files = await readdir(folder);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const file of files.filter((f) => f.endsWith(".json"))) {
    const p = await readProposal(join(folder, file)).catch(() => undefined);
    if (p?.safeTxHash === hash) Object.assign(out, p.signatures);
  }
  return out;
}

/** Keep the signatures of actual owners that really signed this hash (a bad file cannot smuggle one in). */
export function validSignatures(hash: string, signatures: Record<string, string>, owners: string[], recover: (hash: string, proposalSig: string) => string | undefined): Record<string, string> {
  const lower = owners.map((o) => o.toLowerCase());
  const out: Record<string, string> = {};
  for (const [owner, sig] of Object.entries(signatures)) {
    const who = recover(hash, sig);
    if (who !== undefined && who.toLowerCase() === owner.toLowerCase() && lower.includes(owner.toLowerCase())) out[getAddress(owner)] = sig;
  }
  return out;
}

/** Safe Transaction Builder batch (the Safe{Wallet} app's "Transaction Builder" import format). */
export interface TransactionBuilderBatch {
  version: "1.0";
  chainId: string;
  createdAt: number;
  meta: { name: string; description: string; txBuilderVersion: string; createdFromSafeAddress: string; createdFromOwnerAddress: string };
  transactions: { to: string; value: string; data: string; contractMethod: null; contractInputsValues: null }[];
}

export function transactionBuilderBatch(safe: string, chainId: number, name: string, description: string, calls: { to: string; data: string }[]): TransactionBuilderBatch {
  return {
    version: "1.0",
    chainId: String(chainId),
    createdAt: Date.now(),
    meta: { name, description, txBuilderVersion: "1.16.5", createdFromSafeAddress: getAddress(safe), createdFromOwnerAddress: "" },
    transactions: calls.map((c) => ({ to: getAddress(c.to), value: "0", data: c.data, contractMethod: null, contractInputsValues: null })),
  };
}

/**
 * Deploy a k-of-n Safe from the package's artifacts: the Safe singleton, SafeProxyFactory and the
 * CompatibilityFallbackHandler (once per chain, reused when `existing` is given), then a proxy set up with
 * `owners` and `threshold`. For local chains and tests; on a real network use the canonical deployments.
 */
export async function deploySafe(
  signer: Signer,
  owners: string[],
  threshold: number,
  existing?: { singleton: string; factory: string; fallbackHandler: string },
): Promise<{ safe: string; singleton: string; factory: string; fallbackHandler: string }> {
  if (threshold < 1 || threshold > owners.length) throw new Error(`threshold ${threshold} must be between 1 and the number of owners (${owners.length})`);
  const deploy = async (path: string): Promise<string> => {
    const a = safeArtifact(path);
    const contract = await new ContractFactory(a.abi, a.bytecode, signer).deploy();
    await contract.waitForDeployment();
    return contract.getAddress();
  };
  const singleton = existing?.singleton ?? (await deploy("Safe.sol/Safe.json"));
  const factory = existing?.factory ?? (await deploy("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"));
  const fallbackHandler = existing?.fallbackHandler ?? (await deploy("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"));
  const safeIface = new Interface(safeArtifact("Safe.sol/Safe.json").abi);
  const setup = safeIface.encodeFunctionData("setup", [owners, threshold, ZeroAddress, "0x", fallbackHandler, ZeroAddress, 0, ZeroAddress]);
  const f = new Contract(factory, safeArtifact("proxies/SafeProxyFactory.sol/SafeProxyFactory.json").abi, signer);
  const salt = BigInt(Date.now());
  const safe = String(await f.getFunction("createProxyWithNonce").staticCall(singleton, setup, salt));
  await (await f.getFunction("createProxyWithNonce")(singleton, setup, salt)).wait();
  return { safe, singleton, factory, fallbackHandler };
}
