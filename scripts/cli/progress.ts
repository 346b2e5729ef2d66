/**
 * Deploy progress: on a terminal, a spinner (ora, on stderr) naming the entry being sent, `[12/42]`, and one
 * persisted line per entry once done; elsewhere (pipes, CI, tests) the same lines without the spinner.
 */
import ora, { type Ora } from "ora";
import type { Output } from "../deploy/context.js";
import type { Applied, Outcome, Progress } from "../deploy/executor.js";
import { renderStep } from "../deploy/plan.js";

const OUTCOME_NOTE: Partial<Record<Outcome, string>> = {
  "awaiting-signatures": "AWAITING SAFE SIGNATURES",
  batched: "written to the Safe batch",
  manual: "MANUAL",
};

export function renderApplied(a: Applied): string {
  const note = OUTCOME_NOTE[a.outcome];
  const line = renderStep({ ...a.step, ...(a.detail === undefined ? {} : { detail: a.detail }) });
  return note === undefined ? line : `${line}  [${note}]`;
}

export function deployProgress(io: Output, interactive: boolean): Progress & { stop(): void } {
  let spinner: Ora | undefined;
  return {
    start(step, index, total) {
      if (!interactive) return;
      const text = `[${index}/${total}] ${step.description}`;
      if (spinner === undefined) spinner = ora({ text, stream: process.stderr }).start();
      else spinner.text = text;
    },
    done(applied) {
      spinner?.clear();
      io.out(renderApplied(applied));
      spinner?.render();
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}
