/**
 * The console's HTTP API, as types shared by the server (scripts/console) and the page (web/src).
 * Pure types: nothing here imports node or the DOM.
 */

/** A network the console can reach: the in-process chain, or an http network of hardhat.config.ts. */
export interface NetworkInfo {
  name: string;
  kind: "in-process" | "http";
  url?: string;
}

export interface KindInfo {
  kind: string;
  summary: string;
  levered: boolean;
  /** Whether the kind's contracts are compiled in this checkout (else it is planned, not landed). */
  available: boolean;
  localOnly: boolean;
  params: Record<string, string>;
  substrates: string;
  hasTestSubstrate: boolean;
  requiresRestrictedVault: boolean;
}

export interface InfoResponse {
  networks: NetworkInfo[];
  kinds: KindInfo[];
  reports: { name: string; href: string }[];
  journals: string[];
}

export interface AccountsResponse {
  network: string;
  chainId: string;
  /** Only local chains sign from the console (with the node's unlocked accounts). */
  canSign: boolean;
  accounts: string[];
}

/** One row of a plan, as the reconciler's planner returns it. */
export interface PlanEntry {
  step: string;
  action: string;
  description: string;
  role?: string;
  detail?: string;
}

export interface PlanResponse {
  ok: boolean;
  /** Problems that stop the plan (schema errors, preflight refusals), one line each. */
  errors: string[];
  warnings: string[];
  entries: PlanEntry[];
  network?: string;
  chainId?: string;
}

export interface JobStep {
  step: string;
  /** Transaction hash, or a contract's address for a creation. */
  ref: string;
}

export interface JobResponse {
  id: string;
  state: "running" | "done" | "failed";
  vault: string;
  network: string;
  /** Transactions the plan announced (contract creations and calls; a fresh chain's configuration adds more). */
  planned: number;
  steps: JobStep[];
  error?: string;
  entries?: PlanEntry[];
  transactions?: number;
}

export interface VaultSummary {
  name: string;
  address: string;
  network: string;
  updatedAt: string;
}

export interface MarketGauge {
  id: string;
  name: string;
  kind: string;
  balance: number;
  cap: number;
  capBps: number;
  capAssets: number | null;
  capOk: boolean;
  levered: boolean;
  /** Gross notional over balance; null when notional is held on no equity (unbounded). */
  leverage: number | null;
  maxLeverage: number;
  leverageOk: boolean;
  balanceAgeSeconds: number;
  maxBalanceAgeSeconds: number;
}

export interface PendingChange {
  step: string;
  caller: string;
  state: "waiting" | "due" | "closed";
  /** Unix seconds the change becomes executable (null once executed, expired or cancelled). */
  dueAt: number | null;
  secondsLeft: number | null;
}

export interface HistoryPoint {
  time: number;
  block: number;
  nav: number;
  pricePerShare: number;
  idle: number;
}

export interface VaultView {
  name: string;
  address: string;
  network: string;
  chainId: string;
  asset: { address: string; symbol: string; decimals: number };
  chainTime: number;
  paused: boolean;
  total: number;
  idle: number;
  requiredIdle: number;
  idleBufferBps: number;
  idleOk: boolean;
  markets: MarketGauge[];
  pending: PendingChange[];
  roles: { role: string; holders: { address: string; granted: boolean; delaySeconds: number }[] }[];
  /** `fusebox status` as the CLI prints it (scripts/deploy/status.ts), and its breaches. */
  statusLines: string[];
  breaches: string[];
  history: HistoryPoint[];
}

/** The alpha's journal, read through scripts/alpha/live/journal.ts. */
export interface JournalResponse {
  file: string;
  entries: { kind: string; tick: number; time: number; text: string }[];
}
