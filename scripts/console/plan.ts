/**
 * The console's use of the atomist's reconciler (scripts/deploy/reconcile.ts): validate with the config schema,
 * refuse what preflight refuses, then plan (the reconciler's VaultPlan, sent to the page as it is) or apply with
 * the executor's progress callbacks. No planning logic here.
 */
import { validateConfig, type VaultConfig } from "../config/schema.js";
import { configHash } from "../config/load.js";
import type { ChainContext } from "../deploy/context.js";
import type { Progress } from "../deploy/executor.js";
import { summarize } from "../deploy/plan.js";
import { preflight, reconcile, type ReconcileResult } from "../deploy/reconcile.js";
import type { PlanResponse } from "./types.js";

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

export interface RunOptions {
  recordsRoot: string;
  configFile: string;
}

export async function planVault(ctx: ChainContext, input: unknown, options: RunOptions): Promise<PlanResponse> {
  const checked = await check(ctx, input);
  if (checked.config === undefined || checked.hash === undefined) return { ok: false, errors: checked.errors, warnings: checked.warnings };
  const { plan } = await reconcile(ctx, checked.config, { ...options, configHash: checked.hash, mode: "plan" });
  return { ok: true, errors: [], warnings: checked.warnings, plan, summary: summarize(plan) };
}

export async function applyVault(ctx: ChainContext, config: VaultConfig, hash: string, options: RunOptions, progress: Progress): Promise<ReconcileResult> {
  return reconcile(ctx, config, { ...options, configHash: hash, mode: "apply", progress });
}
