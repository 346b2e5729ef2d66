import type { DecisionLog } from "./types.js";

/** Collects structured decision lines: every decision says what, why, and with which numbers. */
export class DecisionLogger {
  readonly entries: DecisionLog[] = [];
  constructor(private readonly time: number) {}

  add(action: DecisionLog["action"], reason: string, numbers: Record<string, number> = {}): void {
    this.entries.push({ time: this.time, action, reason, numbers: roundNumbers(numbers) });
  }
}

function roundNumbers(numbers: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key in numbers) {
    const value = numbers[key] as number;
    out[key] = Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(8));
  }
  return out;
}

/** One log line as text, for CLIs: `2021-03-01T08:00Z perp.addMargin  top-up: ... {equity=…}`. */
export function formatLog(entry: DecisionLog): string {
  const when = new Date(entry.time * 1000).toISOString().replace(":00.000Z", "Z");
  const numbers = Object.entries(entry.numbers)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  return `${when} ${entry.action.padEnd(18)} ${entry.reason}${numbers ? ` {${numbers}}` : ""}`;
}
