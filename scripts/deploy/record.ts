/**
 * Deployment records: `deployments/<network>/<vault>.json`, the file auditors and the alpha bot read.
 * It is written after every mined transaction (and before waiting on a contract creation), so an
 * interrupted run resumes from it without deploying anything twice.
 */
import type { RoleName } from "../lib/access.js";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** A constructor argument as recorded: a value, or a list of values (e.g. PerpV2BalanceFuse's base tokens). */
export type ConstructorArg = string | string[];

export interface ContractRecord {
  contract: string;
  address: string;
  txHash: string;
  block: number | null; // null while pending
  args: ConstructorArg[];
  status: "pending" | "deployed";
}

export interface TransactionRecord {
  step: string;
  txHash: string;
  block: number;
  from: string;
  to: string;
}

export interface ScheduledRecord {
  operationId: string;
  step: string;
  caller: string;
  target: string;
  data: string;
  dueAt: number; // unix seconds
  txHash: string;
}

export interface MarketRecord {
  id: number;
  name: string;
  kind: string;
  fuses: Record<string, string>; // contract name -> address
  balanceFuse: string;
  substrates: string[]; // bytes32
}

export interface DeploymentRecord {
  format: 1;
  vault: string;
  network: string;
  chainId: number;
  configFile: string;
  configHash: string;
  deployer: string;
  /** True once the first configuration was applied and the deployer's temporary roles were revoked. */
  bootstrapped: boolean;
  contracts: Record<string, ContractRecord>;
  markets: MarketRecord[];
  /** Role holders this tool granted (role name -> addresses), so it can revoke the ones a config drops. */
  roles: Record<string, string[]>;
  /** Depositors this tool allowed, for the same reason. */
  depositors: string[];
  scheduled: ScheduledRecord[];
  transactions: TransactionRecord[];
  updatedAt: string;
}

/** The folder of a network's records; the in-process chain's go to the git-ignored `hardhat*` folder. */
export function networkFolder(networkName: string, inProcess: boolean): string {
  if (!inProcess) return networkName;
  return networkName === "default" || networkName === "hardhat" ? "hardhat" : `hardhat-${networkName}`;
}

/** The accounts a record says hold `role` (role names as in scripts/lib/access.ts: "ALPHA", "GUARDIAN"…). */
export function roleHolders(record: DeploymentRecord, role: RoleName): readonly string[] {
  return record.roles[role] ?? [];
}

export function recordPath(root: string, folder: string, vault: string): string {
  return join(root, folder, `${vault}.json`);
}

export async function readRecord(path: string): Promise<DeploymentRecord | undefined> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return JSON.parse(text) as DeploymentRecord;
}

export function emptyRecord(fields: Pick<DeploymentRecord, "vault" | "network" | "chainId" | "configFile" | "configHash" | "deployer">): DeploymentRecord {
  return {
    format: 1,
    ...fields,
    bootstrapped: false,
    contracts: {},
    markets: [],
    roles: {},
    depositors: [],
    scheduled: [],
    transactions: [],
    updatedAt: new Date().toISOString(),
  };
}

/** Atomic write (temp file + rename): a kill mid-write never leaves a truncated record. */
export async function writeRecord(path: string, record: DeploymentRecord): Promise<void> {
  record.updatedAt = new Date().toISOString();
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`);
  await rename(tmp, path);
}
