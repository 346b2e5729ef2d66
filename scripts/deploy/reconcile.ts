/**
 * `plan` and `deploy` in one call: open the record, plan (scripts/deploy/planner.ts), and for `deploy` apply
 * (scripts/deploy/executor.ts): contract creations first, then a fresh plan against the deployed contracts,
 * applied entry by entry. `preflight` refuses what can be refused before any transaction.
 *
 * Bootstrap: on a fresh vault (no deposits can exist yet) the deployer holds ATOMIST / FUSE_MANAGER /
 * GUARDIAN with no delay to apply the first configuration, then grants the configured holders with their
 * delays and revokes its own temporary roles. Every later change meets the timelocks.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { dirname, join } from "node:path";
import { fuseKind, missingKindContracts } from "../config/fuse-kinds.js";
import type { VaultConfig } from "../config/schema.js";
import { isLocalChain, signerFor, type ChainContext } from "./context.js";
import { Run, InjectedFailure, type Applied, type Progress } from "./executor.js";
import type { SenderKind, VaultPlan } from "./plan.js";
import { planVault } from "./planner.js";
import { emptyRecord, readRecord, recordPath, type DeploymentRecord } from "./record.js";
import { isSafe } from "./safe.js";
import type { SafeOptions } from "./safe-sender.js";

export { InjectedFailure };

export interface ReconcileOptions {
  configFile: string;
  configHash: string;
  recordsRoot: string;
  mode: "plan" | "apply";
  /** Test hook: throw after this many mined transactions (simulates an interrupted run). */
  failAfterTransactions?: number;
  deployer?: HardhatEthersSigner;
  progress?: Progress;
  safe?: SafeOptions;
}

export interface ReconcileResult {
  /** The plan as read before anything was sent. */
  plan: VaultPlan;
  /** What a deploy did with each entry (empty for a plan). */
  applied: Applied[];
  transactions: number;
  recordFile: string;
  record: DeploymentRecord;
  /** Safe Transaction Builder batch files written (`safe.batchFile`). */
  batchFiles: string[];
}

/** Refuse what can be refused before any transaction: test contracts off local chains, missing fuse contracts. */
export async function preflight(ctx: ChainContext, config: VaultConfig): Promise<string[]> {
  const problems: string[] = [];
  const local = isLocalChain(ctx);
  const where = `network "${ctx.networkName}" has chainId ${ctx.chainId}; test contracts (contracts/test) deploy only to a local chain (chainId 31337)`;
  if (!local) {
    if (typeof config.asset !== "string") problems.push(`asset: { deployTest } refused: ${where}`);
    config.oracle.feeds.forEach((f, i) => {
      if (typeof f.feed !== "string") problems.push(`oracle.feeds[${i}].feed: { deployTest } refused: ${where}`);
    });
    config.markets.forEach((m, i) => {
      m.substrates.forEach((s, j) => {
        if (typeof s !== "string") problems.push(`markets[${i}].substrates[${j}]: { deployTest } refused: ${where}`);
      });
      if (fuseKind(m.kind).localOnly === true) problems.push(`markets[${i}].kind: "${m.kind}" is a simulation-only kind: ${where}`);
    });
  }
  const missing = await missingKindContracts(config.markets.map((m) => m.kind), (n) => ctx.artifactExists(n));
  config.markets.forEach((m, i) => {
    const names = missing.get(m.kind);
    if (names !== undefined) problems.push(`markets[${i}].kind: "${m.kind}" needs ${names.join(", ")}, not compiled in this checkout (the kind is planned, not landed)`);
  });
  if (ctx.signers.length === 0) problems.push(`network "${ctx.networkName}" has no account to sign with (see docs/atomist.md, "Keys")`);
  return problems;
}

export async function reconcile(ctx: ChainContext, config: VaultConfig, options: ReconcileOptions): Promise<ReconcileResult> {
  const deployer = options.deployer ?? ctx.signers[0];
  if (deployer === undefined) throw new Error("no deployer account");
  const recordFile = recordPath(options.recordsRoot, ctx.recordFolder, config.name);
  const record = await openRecord(ctx, config, recordFile, deployer.address, options);
  const kinds = new Map<string, SenderKind>();
  const senderKind = async (address: string): Promise<SenderKind> => {
    const key = address.toLowerCase();
    let kind = kinds.get(key);
    if (kind === undefined) {
      kind = signerFor(ctx, address) !== undefined ? "key" : (await isSafe(ctx.ethers.provider, address)) ? "safe" : "external";
      kinds.set(key, kind);
    }
    return kind;
  };
  const planOptions = { record, deployer: deployer.address, configHash: options.configHash, senderKind };
  const first = await planVault(ctx, config, planOptions);
  if (options.mode === "plan") return { plan: first, applied: [], transactions: 0, recordFile, record, batchFiles: [] };

  const safe: SafeOptions = { proposalsDir: join(dirname(recordFile), `${config.name}.safe`), ...options.safe };
  const run = new Run(ctx, record, {
    recordFile, deployer, safe,
    ...(options.failAfterTransactions === undefined ? {} : { failAfterTransactions: options.failAfterTransactions }),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  const creations = first.steps.filter((s) => s.kind === "contract" && s.state !== "present");
  run.total = first.steps.filter((s) => s.state !== "present").length;
  let plan = first;
  if (creations.length > 0) {
    // Create the contracts, then plan again against them (real addresses, the chain's own state).
    await run.apply({ ...first, steps: creations });
    plan = await planVault(ctx, config, planOptions);
  }
  await run.apply({ ...plan, steps: plan.steps.filter((s) => s.kind !== "contract") });

  record.configHash = options.configHash;
  record.configFile = options.configFile;
  record.markets = plan.markets;
  record.depositors = [...config.depositors.allowed];
  const r = config.roles;
  record.roles = { ATOMIST: [...r.atomist], ALPHA: [...r.alpha], GUARDIAN: [...r.guardian], FUSE_MANAGER: [...r.fuseManager], REPORTER: [...r.reporters] };
  if (plan.bootstrapCompletes && run.landedAll(plan.steps.filter((s) => s.kind === "bootstrap").map((s) => s.key))) record.bootstrapped = true;
  const am = await ctx.ethers.getContractAt("AccessManager", plan.addresses.accessManager);
  const live: typeof record.scheduled = [];
  for (const s of record.scheduled) if ((await am.getSchedule(s.operationId)) !== 0n) live.push(s);
  record.scheduled = live;
  await run.save();
  const batchFiles = await run.safe.flush(plan);
  return { plan: first, applied: run.applied, transactions: run.transactions, recordFile, record, batchFiles };
}

/** The record of this vault on this network, or a fresh one; refuses a record of another chain or deployer. */
async function openRecord(ctx: ChainContext, config: VaultConfig, recordFile: string, deployer: string, options: ReconcileOptions): Promise<DeploymentRecord> {
  // The in-process chain starts empty on every run: its previous record describes a chain that is gone.
  let existing = ctx.inProcess ? undefined : await readRecord(recordFile);
  const recordedManager = existing?.contracts["AccessManager"];
  if (existing !== undefined && isLocalChain(ctx) && recordedManager?.status === "deployed" && (await ctx.ethers.provider.getCode(recordedManager.address)) === "0x") {
    // A local node restarted since the record was written: that chain is gone, so start afresh.
    ctx.io.err(`note: ${recordFile} describes a local chain that is gone (no AccessManager at ${recordedManager.address}); starting afresh`);
    existing = undefined;
  }
  if (existing !== undefined && BigInt(existing.chainId) !== ctx.chainId) {
    throw new Error(`${recordFile} records chainId ${existing.chainId}, but network "${ctx.networkName}" has chainId ${ctx.chainId}`);
  }
  if (existing !== undefined && existing.deployer.toLowerCase() !== deployer.toLowerCase()) {
    throw new Error(`${recordFile} was deployed by ${existing.deployer}, who is the AccessManager admin; connect with that account (this run signs as ${deployer})`);
  }
  return existing ?? emptyRecord({
    vault: config.name, network: ctx.networkName, chainId: Number(ctx.chainId), configFile: options.configFile, configHash: options.configHash, deployer,
  });
}
