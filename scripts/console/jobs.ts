/**
 * Deploy jobs: one at a time per server (the executor assumes it is the deployer's only sender). Progress comes
 * from the executor's own callbacks, entry by entry; the page polls the job.
 */
import type { VaultConfig } from "../config/schema.js";
import type { ChainContext } from "../deploy/context.js";
import { explainError } from "../deploy/context.js";
import type { Progress } from "../deploy/executor.js";
import { applyVault, type RunOptions } from "./plan.js";
import type { JobResponse } from "./types.js";

export class Jobs {
  private readonly jobs = new Map<string, JobResponse>();
  private running: string | undefined;
  private counter = 0;

  get(id: string): JobResponse | undefined {
    return this.jobs.get(id);
  }

  idle(): boolean {
    return this.running === undefined;
  }

  start(ctx: ChainContext, config: VaultConfig, hash: string, options: RunOptions): JobResponse {
    if (this.running !== undefined) throw new Error(`deploy ${this.running} is still running; wait for it to end`);
    const id = `job-${++this.counter}`;
    const job: JobResponse = { id, state: "running", vault: config.name, network: ctx.networkName, total: 0, index: 0, steps: [] };
    this.jobs.set(id, job);
    this.running = id;
    const progress: Progress = {
      start(step, index, total) {
        job.current = step.description;
        job.index = index - 1;
        job.total = total;
      },
      done({ step, outcome, detail }, index, total) {
        job.index = index;
        job.total = total;
        job.steps.push({
          key: step.key, description: step.description, state: step.state, outcome,
          ...(step.role === undefined ? {} : { role: step.role }), ...(detail === undefined ? {} : { detail }),
        });
      },
    };
    void applyVault(ctx, config, hash, options, progress)
      .then((result) => {
        job.transactions = result.transactions;
        job.index = job.total;
        job.state = "done";
      }, async (error: unknown) => {
        job.error = await explainError(ctx, error).catch(() => (error instanceof Error ? error.message : String(error)));
        job.state = "failed";
      })
      .finally(() => {
        delete job.current;
        this.running = undefined;
      });
    return job;
  }
}
