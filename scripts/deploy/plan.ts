/**
 * The deployment plan as data: what `planVault` (scripts/deploy/planner.ts) returns, what `applyPlan`
 * (scripts/deploy/executor.ts) applies, and what `plan`, `deploy`, `--json` and the console render.
 *
 * One entry per contract, setting, role holder and scheduled operation of the vault the config describes,
 * each with its state on the chain now. Nothing here talks to a chain: these are types and pure helpers.
 */
import type { ConstructorArg } from "./record.js";
import type { RoleName } from "../lib/access.js";

/**
 * - `present`   the chain already matches the config (nothing to send)
 * - `create`    absent on chain; created at once (a contract deployment, a new market, a role grant…)
 * - `change`    differs from the config; changed at once (a guardian lowering, an ADMIN call…)
 * - `remove`    on chain but not in the config; removed at once (revoke a role, drop a depositor…)
 * - `schedule`  a timelocked change: the run schedules it through the AccessManager
 * - `scheduled` scheduled by an earlier run, not yet due
 * - `due`       scheduled earlier and due now: the run executes it
 * - `waiting`   needs another entry to land on chain first (see `waitsFor`), e.g. fuses of a timelocked market
 * - `cancel`    a scheduled operation the config no longer asks for: the guardian cancels it
 */
export type StepState = "present" | "create" | "change" | "remove" | "schedule" | "scheduled" | "due" | "waiting" | "cancel";

export type StepKind =
  | "contract" | "wiring" | "feed" | "market" | "substrates" | "fuses" | "dependencies"
  | "withdraw-order" | "idle-buffer" | "fees" | "redeem-wait" | "depositors" | "role" | "bootstrap" | "risk-group"
  | "exposure" | "net-delta" | "batch-loss" | "nav-bounds";

/** How the sender of a step signs: a key of this connection, a Safe (owners' signatures), or nobody here. */
export type SenderKind = "key" | "safe" | "external";

export interface RestrictedCall {
  /** The contract whose restricted function is called (vault, oracle or AccessManager). */
  to: string;
  data: string;
  /** The function's name, for readers (`configureMarket`). */
  method: string;
}

export interface PlanStep {
  /** Stable id across runs, e.g. `market:1:configure`, `role:ATOMIST:0x…`. */
  key: string;
  kind: StepKind;
  state: StepState;
  /** One line for humans: what the entry is and, when it changes, from what to what. */
  description: string;
  /** The role whose function this is (ADMIN for AccessManager wiring and role grants). */
  role?: RoleName;
  /** Who sends it (or schedules / executes it), and how it signs. */
  sender?: string;
  senderKind?: SenderKind;
  /** The sender's AccessManager execution delay for this role, in seconds (0 = at once). */
  delaySeconds?: number;
  /** Unix seconds when a scheduled operation becomes executable. */
  dueAt?: number;
  /** AccessManager operation id (hashOperation(sender, to, data)) for timelocked steps. */
  operationId?: string;
  /** The call a non-present entry makes (for `schedule` / `due`: the call scheduled / executed). */
  call?: RestrictedCall;
  /** A contract creation (kind `contract`). */
  deploy?: { contract: string; args: ConstructorArg[]; address: string; predicted: boolean; inFlightTx?: string };
  /** What the chain has now and what the config wants, when they differ or for a present setting. */
  current?: string;
  desired?: string;
  /** Keys of entries that must land first (`waiting`). */
  waitsFor?: string[];
  /** Extra context: why waiting, when due, a note. */
  detail?: string;
}

export interface VaultPlan {
  vault: string;
  network: string;
  chainId: number;
  configHash: string;
  /** The deployer: AccessManager ADMIN, sender of every contract creation and wiring call. */
  deployer: string;
  /** Addresses of the core contracts (predicted on a fresh chain). */
  addresses: { asset: string; accessManager: string; oracle: string; vault: string };
  /** The first configuration is still applied by the deployer's temporary roles (no timelock yet). */
  bootstrapping: boolean;
  /** The run hands the temporary roles back at its end (no entry waits or needs a key it lacks). */
  bootstrapCompletes: boolean;
  /** Each market as the record lists it (fuse addresses predicted on a fresh chain). */
  markets: PlannedMarket[];
  steps: PlanStep[];
}

export interface PlannedMarket {
  id: number;
  name: string;
  kind: string;
  fuses: Record<string, string>;
  balanceFuse: string;
  substrates: string[];
}

/** Whether an entry asks the chain for anything (every state but `present`). */
export function isChange(step: PlanStep): boolean {
  return step.state !== "present";
}

/** Entries a run would send now (the others are present, waiting or scheduled for later). */
export function isActionable(step: PlanStep): boolean {
  return step.state === "create" || step.state === "change" || step.state === "remove" || step.state === "schedule" || step.state === "due" || step.state === "cancel";
}

export function planChanges(plan: VaultPlan): PlanStep[] {
  return plan.steps.filter(isChange);
}

export interface PlanSummary {
  entries: number;
  present: number;
  changes: number;
  byState: Record<StepState, number>;
  /** Entries whose sender cannot sign on this connection (printed with target and calldata). */
  external: number;
}

export function summarize(plan: VaultPlan): PlanSummary {
  const byState: Record<StepState, number> = { present: 0, create: 0, change: 0, remove: 0, schedule: 0, scheduled: 0, due: 0, waiting: 0, cancel: 0 };
  for (const s of plan.steps) byState[s.state] += 1;
  return {
    entries: plan.steps.length,
    present: byState.present,
    changes: plan.steps.length - byState.present,
    byState,
    external: plan.steps.filter((s) => isActionable(s) && s.senderKind === "external").length,
  };
}

const LABEL: Record<StepState, string> = {
  present: "ok", create: "create", change: "change", remove: "remove", schedule: "schedule",
  scheduled: "pending", due: "execute", waiting: "waiting", cancel: "cancel",
};

/** One line per entry: `  schedule [ATOMIST] market 1 (parking): capBps 5000 -> 7000  — timelock 3600s`. */
export function renderStep(step: PlanStep): string {
  const role = step.role === undefined ? "" : `[${step.role}] `;
  const via = isActionable(step) && step.senderKind === "safe" ? " (via Safe)" : isActionable(step) && step.senderKind === "external" ? " (MANUAL)" : "";
  return `  ${LABEL[step.state].padEnd(9)}${role}${step.description}${via}${step.detail === undefined ? "" : `  — ${step.detail}`}`;
}

/** JSON-safe form of a plan (bigints never appear in it; this is the contract of `--json`). */
export function planJson(plan: VaultPlan): object {
  return { ...plan, summary: summarize(plan) };
}
