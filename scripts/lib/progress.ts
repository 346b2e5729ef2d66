/**
 * Phase progress for long scripts (the backtest, the demo): `[2/4] replay 37/270 epochs, 14 %, ETA 1 min 12 s`.
 * On a terminal, an ora spinner on stderr that other output scrolls above; elsewhere (pipes, CI, tests) plain
 * lines on stderr (also on a terminal that reports no width): one when a phase starts, one at most every `everyMs` while it counts, one when it ends —
 * never an escape code. Stdout stays the script's own output.
 */
import ora, { type Ora } from "ora";

export interface Progress {
  /** Starts phase `name` (ending the one before); `total` steps of `unit` when it counts. */
  phase(name: string, total?: number, unit?: string): void;
  /** `done` of the phase's total steps. */
  tick(done: number): void;
  /** A line of the script's own output, printed above the spinner. */
  log(line: string): void;
  /** Ends the last phase and prints the total time. */
  finish(): void;
}

export interface ProgressOptions {
  /** Phase count, for `[i/n]`. */
  readonly phases: number;
  readonly interactive?: boolean;
  readonly everyMs?: number;
  readonly now?: () => number;
  /** Where plain lines go (default stderr). */
  readonly err?: (line: string) => void;
  /** Where `log` lines go (default stdout). */
  readonly out?: (line: string) => void;
}

/** `850 ms`, `12.3 s`, `2 min 05 s`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const s = Math.round(ms / 1_000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
}

/** Time left at the phase's rate so far; undefined until one step is done (no rate yet) or when there is no total. */
export function eta(done: number, total: number | undefined, elapsedMs: number): number | undefined {
  if (total === undefined || done <= 0 || elapsedMs <= 0) return undefined;
  return (Math.max(0, total - done) * elapsedMs) / done;
}

/** The status text of a phase: `[2/4] replay 37/270 epochs, 14 %, ETA 1 min 12 s`. */
export function statusText(index: number, phases: number, name: string, done: number, total: number | undefined, unit: string, elapsedMs: number): string {
  const head = `[${index}/${phases}] ${name}`;
  if (total === undefined) return `${head} …`;
  const left = eta(done, total, elapsedMs);
  const share = total > 0 ? Math.floor((done / total) * 100) : 100;
  return `${head} ${done}/${total} ${unit}, ${share} %, ${left === undefined ? "ETA —" : `ETA ${formatDuration(left)}`}`;
}

/**
 * A spinner only on a terminal that reports its width, outside CI. (A pseudo-terminal of width 0 would make ora
 * clear "infinitely many" wrapped lines: an escape-code flood.)
 */
export function spinnerWanted(stream: { readonly isTTY?: boolean; readonly columns?: number }, env: Readonly<Record<string, string | undefined>>): boolean {
  return stream.isTTY === true && (stream.columns ?? 0) >= 20 && env["CI"] === undefined;
}

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? Date.now;
  const err = o.err ?? ((line: string) => process.stderr.write(`${line}\n`));
  const out = o.out ?? ((line: string) => console.log(line));
  const interactive = o.interactive ?? spinnerWanted(process.stderr, process.env);
  const everyMs = o.everyMs ?? 10_000;
  const started = now();
  let spinner: Ora | undefined;
  let current: { index: number; name: string; total?: number; unit: string; started: number; done: number; lastLine: number } | undefined;
  let index = 0;
  const text = (): string => (current === undefined ? "" : statusText(current.index, o.phases, current.name, current.done, current.total, current.unit, now() - current.started));
  const end = (): void => {
    if (current === undefined) return;
    const line = `[${current.index}/${o.phases}] ${current.name} done in ${formatDuration(now() - current.started)}`;
    if (spinner !== undefined) spinner.succeed(line);
    else err(line);
    spinner = undefined;
    current = undefined;
  };
  return {
    phase(name, total, unit = "steps") {
      end();
      index += 1;
      current = { index, name, unit, started: now(), done: 0, lastLine: now(), ...(total === undefined ? {} : { total }) };
      if (interactive) spinner = ora({ text: text(), stream: process.stderr }).start();
      else err(text());
    },
    tick(done) {
      if (current === undefined) return;
      current.done = done;
      if (spinner !== undefined) spinner.text = text();
      else if (now() - current.lastLine >= everyMs) {
        current.lastLine = now();
        err(text());
      }
    },
    log(line) {
      spinner?.clear();
      out(line);
      spinner?.render();
    },
    finish() {
      end();
      err(`total ${formatDuration(now() - started)}`);
    },
  };
}
