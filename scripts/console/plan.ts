/**
 * The adapter between the console and the atomist's reconciler (scripts/deploy/reconcile.ts): validate with
 * the config schema, refuse what preflight refuses, then plan (send nothing) or apply. The console renders
 * only what this returns; when the reconciler's planner returns its plan as data, only this file changes.
 */
import { validateConfig, type VaultConfig } from "../config/schema.js";
import { configHash } from "../config/load.js";
import type { ChainContext } from "../deploy/context.js";
import { preflight, reconcile, type Change } from "../deploy/reconcile.js";
import { recordPath } from "../deploy/record.js";
import type { PlanEntry, PlanResponse } from "./types.js";

export interface Checked {
  config?: VaultConfig;
  hash?: string;
  errors: string[];
  warnings: string[];
}

/** The schema's verdict, then preflight's (test contracts off local chains, kinds not compiled, no signer). */
export async function check(ctx: ChainContext, input: unknown): Promise<Checked> {
  const { config, errors, warnings } = validateConfig(input);
  if (config === undefined) return { errors, warnings };
  const problems = await preflight(ctx, config);
  return problems.length > 0 ? { errors: problems, warnings } : { config, hash: configHash(config), errors: [], warnings };
}

function entry(c: Change): PlanEntry {
  return {
    step: c.step,
    action: c.action,
    description: c.description,
    ...(c.role === undefined ? {} : { role: c.role }),
    ...(c.detail === undefined ? {} : { detail: c.detail }),
  };
}

export interface RunOptions {
  recordsRoot: string;
  configFile: string;
}

export async function planVault(ctx: ChainContext, input: unknown, options: RunOptions): Promise<PlanResponse> {
  const checked = await check(ctx, input);
  const where = { network: ctx.networkName, chainId: ctx.chainId.toString() };
  if (checked.config === undefined || checked.hash === undefined) return { ok: false, errors: checked.errors, warnings: checked.warnings, entries: [], ...where };
  const result = await reconcile(ctx, checked.config, { ...options, configHash: checked.hash, mode: "plan" });
  return { ok: true, errors: [], warnings: checked.warnings, entries: result.changes.map(entry), ...where };
}

export interface Applied {
  entries: PlanEntry[];
  transactions: number;
  recordFile: string;
}

export async function applyVault(ctx: ChainContext, config: VaultConfig, hash: string, options: RunOptions): Promise<Applied> {
  const result = await reconcile(ctx, config, { ...options, configHash: hash, mode: "apply" });
  return { entries: result.changes.map(entry), transactions: result.transactions, recordFile: result.recordFile };
}

/** Plan entries that send a transaction when applied. */
export function sendsTransaction(e: PlanEntry): boolean {
  return e.action === "deploy" || e.action === "send" || e.action === "schedule" || e.action === "execute" || e.action === "cancel";
}

export function recordFileOf(ctx: ChainContext, root: string, vault: string): string {
  return recordPath(root, ctx.recordFolder, vault);
}
