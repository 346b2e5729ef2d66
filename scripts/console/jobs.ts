/**
 * Deploy jobs: one at a time per server (the reconciler assumes it is the deployer's only sender). Progress is
 * read from the deployment record, which the reconciler writes after every mined transaction.
 */
import type { VaultConfig } from "../config/schema.js";
import type { ChainContext } from "../deploy/context.js";
import { readRecord } from "../deploy/record.js";
import { explainError } from "../deploy/context.js";
import { applyVault, recordFileOf, sendsTransaction, type RunOptions } from "./plan.js";
import type { JobResponse, PlanEntry } from "./types.js";

const POLL_MS = 200;

export class Jobs {
  private readonly jobs = new Map<string, JobResponse>();
  private running: string | undefined;
  private counter = 0;

  get(id: string): JobResponse | undefined {
    return this.jobs.get(id);
  }

  async start(ctx: ChainContext, config: VaultConfig, hash: string, plan: PlanEntry[], options: RunOptions): Promise<JobResponse> {
    if (this.running !== undefined) throw new Error(`deploy ${this.running} is still running; wait for it to end`);
    const id = `job-${++this.counter}`;
    const file = recordFileOf(ctx, options.recordsRoot, config.name);
    const before = new Set((await readRecord(file).catch(() => undefined))?.transactions.map((t) => t.txHash) ?? []);
    const job: JobResponse = { id, state: "running", vault: config.name, network: ctx.networkName, planned: plan.filter(sendsTransaction).length, steps: [] };
    this.jobs.set(id, job);
    this.running = id;

    const poll = async (): Promise<void> => {
      const record = await readRecord(file).catch(() => undefined); // a record mid-rename reads next time
      if (record === undefined) return;
      job.steps = record.transactions.filter((t) => !before.has(t.txHash)).map((t) => ({ step: t.step, ref: t.txHash }));
    };
    const timer = setInterval(() => void poll(), POLL_MS);
    void applyVault(ctx, config, hash, options)
      .then(async (result) => {
        await poll();
        job.entries = result.entries;
        job.transactions = result.transactions;
        job.state = "done";
      }, async (error: unknown) => {
        await poll();
        job.error = await explainError(ctx, error).catch(() => (error instanceof Error ? error.message : String(error)));
        job.state = "failed";
      })
      .finally(() => {
        clearInterval(timer);
        this.running = undefined;
      });
    return job;
  }

  idle(): boolean {
    return this.running === undefined;
  }
}
