/**
 * The console's HTTP API, as types shared by the server (scripts/console) and the page (web/src).
 * Pure types: nothing here imports node or the DOM.
 */
import type { PlanSummary, StepState, VaultPlan } from "../deploy/plan.js";
import type { StatusData } from "../deploy/status.js";

export type { PlanStep, PlanSummary, StepState, VaultPlan } from "../deploy/plan.js";
export type { MarketStatus, StatusData } from "../deploy/status.js";

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

export interface PlanResponse {
  ok: boolean;
  /** Problems that stop the plan (schema errors, preflight refusals), one line each. */
  errors: string[];
  warnings: string[];
  /** The reconciler's plan (scripts/deploy/plan.ts), every entry with its state; absent when refused. */
  plan?: VaultPlan;
  summary?: PlanSummary;
}

export interface JobStep {
  key: string;
  description: string;
  state: StepState;
  role?: string;
  /** What the executor did with the entry (deployed, sent, scheduled, executed, pending, waiting, manual…). */
  outcome: string;
  detail?: string;
}

export interface JobResponse {
  id: string;
  state: "running" | "done" | "failed";
  vault: string;
  network: string;
  /** Entries of the plan the run works through (its changes) and how many are done. */
  total: number;
  index: number;
  /** The entry being sent now. */
  current?: string;
  steps: JobStep[];
  transactions?: number;
  error?: string;
}

export interface VaultSummary {
  name: string;
  address: string;
  network: string;
  updatedAt: string;
}

export interface HistoryPoint {
  time: number;
  block: number;
  /** Whole asset units (display only; the chain's raw figures are in `status`). */
  nav: number;
  pricePerShare: number;
  idle: number;
}

export interface VaultView {
  name: string;
  chainTime: number;
  /** `fusebox status --json` (scripts/deploy/status.ts): raw base units, breaches. */
  status: StatusData;
  /** `fusebox status` as the CLI prints it. */
  statusLines: string[];
  /** Market id -> kind, from the record. */
  kinds: Record<string, string>;
  history: HistoryPoint[];
}

/** The alpha's journal, read through scripts/alpha/live/journal.ts. */
export interface JournalResponse {
  file: string;
  entries: { kind: string; tick: number; time: number; text: string }[];
}
