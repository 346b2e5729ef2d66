/**
 * The live alpha's journal: one JSON object per line (JSON Lines), appended and flushed before the next step, so
 * a restart can tell what the previous process decided, sent, and saw mined or reverted — and a person can read
 * why (`fusebox alpha journal`). Every line has `kind`, `tick` (= floor(chain time / interval); −1 when the error
 * came before the tick was known) and `time` (unix seconds). Kinds, in the order a tick writes them:
 *
 * | kind | fields | meaning |
 * |---|---|---|
 * | `decided` | `actions`, `log`, `details?` | the strategy's decision; `details`: `reasons` (the decision log), `batch` (fuse calls), `held` (actions the policy held and why), `stale` (stale sources), `refusal` (the vault's decoded refusal of the simulated batch), `funding` (prints first seen this tick) |
 * | `sending` | `nonce` | about to broadcast with this nonce (written first: a crash after it is recognised on restart) |
 * | `sent` | `txHash`, `nonce` | broadcast |
 * | `mined` | `txHash`, `gasUsed` | executed |
 * | `reverted` | `txHash?`, `reason` | the batch reverted on chain (decoded custom error) |
 * | `skipped` | `reason` | the tick ends without a (new) transaction: a hold and why, a revert, a batch mined before a restart |
 * | `error` | `error` | an RPC or other error; the loop backs off and retries the tick |
 * | `settled` | `ok`, `controllers`, `shares`, `assets?`, `sharesLeftPending?`, `txHash?`, `gasUsed?`, `reason?` | after the tick's batch: the pending redeem requests settled (`settleRedeemRequests`), or why not (`ok: false`: refused in simulation or reverted; the next tick tries again) |
 *
 * A tick is settled by its `mined` or `skipped` line; it is never acted on again. Its `settled` line comes after
 * (a crash between the two leaves the requests to the next tick, which reads the queue afresh).
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import type { FundingPrint, VenueId } from "../strategy/types.js";

export interface DecisionDetails {
  readonly reasons?: readonly string[];
  readonly batch?: readonly string[];
  readonly held?: readonly string[];
  readonly stale?: readonly string[];
  readonly refusal?: string;
  readonly funding?: readonly { venue: VenueId; settleTime: number; ratePerInterval: number; intervalHours: number }[];
}

export type JournalEntry =
  | { readonly kind: "decided"; readonly tick: number; readonly time: number; readonly actions: number; readonly log: readonly string[]; readonly details?: DecisionDetails }
  | { readonly kind: "sending"; readonly tick: number; readonly time: number; readonly nonce: number }
  | { readonly kind: "sent"; readonly tick: number; readonly time: number; readonly txHash: string; readonly nonce: number }
  | { readonly kind: "mined"; readonly tick: number; readonly time: number; readonly txHash: string; readonly gasUsed: string }
  | { readonly kind: "reverted"; readonly tick: number; readonly time: number; readonly txHash?: string; readonly reason: string }
  | { readonly kind: "skipped"; readonly tick: number; readonly time: number; readonly reason: string }
  | { readonly kind: "error"; readonly tick: number; readonly time: number; readonly error: string }
  | ({ readonly kind: "settled"; readonly tick: number; readonly time: number } & SettleOutcome);

/** What settling the redeem queue did (amounts as decimal strings of token units). */
export interface SettleOutcome {
  readonly ok: boolean;
  readonly controllers: number;
  readonly shares: string;
  readonly assets?: string;
  readonly sharesLeftPending?: string;
  readonly txHash?: string;
  readonly gasUsed?: string;
  readonly reason?: string;
}

const KINDS = new Set(["decided", "sending", "sent", "mined", "reverted", "skipped", "error", "settled"]);

/** Parse a journal's text; a line that is not a journal entry is an error naming its line number. */
export function parseJournal(text: string, path = "journal"): JournalEntry[] {
  const out: JournalEntry[] = [];
  for (const [i, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let entry: unknown;
    try {
      entry = JSON.parse(line);
    } catch {
      throw new Error(`${path}:${i + 1}: not JSON`);
    }
    if (!isEntry(entry)) throw new Error(`${path}:${i + 1}: not a journal entry (needs kind, tick, time)`);
    out.push(entry);
  }
  return out;
}

function isEntry(x: unknown): x is JournalEntry {
  if (typeof x !== "object" || x === null) return false;
  const { kind, tick, time } = x as Record<string, unknown>;
  return typeof kind === "string" && KINDS.has(kind) && typeof tick === "number" && typeof time === "number";
}

export class Journal {
  private readonly entries: JournalEntry[];

  constructor(private readonly path: string) {
    this.entries = existsSync(path) ? parseJournal(readFileSync(path, "utf8"), path) : [];
  }

  append(entry: JournalEntry): void {
    mkdirSync(dirname(this.path), { recursive: true });
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
    this.entries.push(entry);
  }

  all(): readonly JournalEntry[] {
    return this.entries;
  }

  /** Whether tick `tick` already ended in a mined transaction or a deliberate skip. */
  isSettled(tick: number): boolean {
    return this.entries.some((e) => e.tick === tick && (e.kind === "mined" || e.kind === "skipped"));
  }

  /** The nonce of a batch that `tick` started to send and whose outcome is not recorded (crash or RPC error). */
  unsettledNonce(tick: number): number | undefined {
    if (this.isSettled(tick)) return undefined;
    const sending = this.entries.filter((e): e is Extract<JournalEntry, { kind: "sending" }> => e.tick === tick && e.kind === "sending");
    return sending.at(-1)?.nonce;
  }

  /** The transaction sent for `tick` whose outcome the journal has not recorded (a crash between send and receipt). */
  pendingTx(tick: number): string | undefined {
    const sent = this.entries.filter((e): e is Extract<JournalEntry, { kind: "sent" }> => e.tick === tick && e.kind === "sent");
    for (const s of sent.reverse()) {
      const closed = this.entries.some(
        (e) => e.tick === tick && (e.kind === "mined" || e.kind === "reverted") && e.txHash === s.txHash,
      );
      if (!closed) return s.txHash;
    }
    return undefined;
  }

  /** Funding prints earlier ticks observed (live samples of continuous funding), per venue: a restart's seed. */
  observedFunding(): Partial<Record<VenueId, FundingPrint[]>> {
    const out: Partial<Record<VenueId, FundingPrint[]>> = {};
    for (const e of this.entries) {
      if (e.kind !== "decided") continue;
      for (const f of e.details?.funding ?? []) {
        const list = out[f.venue] ?? [];
        list.push({ venue: f.venue, settleTime: f.settleTime, knownAt: f.settleTime, ratePerInterval: f.ratePerInterval, intervalHours: f.intervalHours, ratePerHour: f.ratePerInterval / f.intervalHours });
        out[f.venue] = list;
      }
    }
    return out;
  }
}

/** What `status` shows of the bot: its last tick, that tick's decision, its last batch and how it ended. */
export interface BotStatus {
  readonly lastTick?: { readonly tick: number; readonly time: number; readonly outcome: string };
  readonly lastDecision?: { readonly tick: number; readonly actions: number; readonly reasons: readonly string[]; readonly held: readonly string[]; readonly stale: readonly string[] };
  readonly lastBatch?: { readonly tick: number; readonly txHash: string; readonly outcome: "mined" | "reverted" | "pending"; readonly detail?: string };
  readonly errors: number;
}

export function botStatus(entries: readonly JournalEntry[]): BotStatus {
  let lastTick: BotStatus["lastTick"];
  let lastDecision: BotStatus["lastDecision"];
  let lastBatch: BotStatus["lastBatch"];
  let errors = 0;
  for (const e of entries) {
    switch (e.kind) {
      case "decided":
        lastDecision = { tick: e.tick, actions: e.actions, reasons: e.details?.reasons ?? e.log, held: e.details?.held ?? [], stale: e.details?.stale ?? [] };
        break;
      case "sent":
        lastBatch = { tick: e.tick, txHash: e.txHash, outcome: "pending" };
        break;
      case "mined":
        lastBatch = { tick: e.tick, txHash: e.txHash, outcome: "mined", detail: `gas ${e.gasUsed}` };
        lastTick = { tick: e.tick, time: e.time, outcome: `executed ${e.txHash}` };
        break;
      case "reverted":
        lastBatch = { tick: e.tick, txHash: e.txHash ?? "?", outcome: "reverted", detail: e.reason };
        break;
      case "skipped":
        lastTick = { tick: e.tick, time: e.time, outcome: e.reason };
        break;
      case "error":
        errors += 1;
        break;
      default:
        break;
    }
  }
  return { ...(lastTick === undefined ? {} : { lastTick }), ...(lastDecision === undefined ? {} : { lastDecision }), ...(lastBatch === undefined ? {} : { lastBatch }), errors };
}

/** `botStatus` of the journal at `path` (undefined when there is none). */
export function readBotStatus(path: string): BotStatus | undefined {
  if (!existsSync(path)) return undefined;
  return botStatus(parseJournal(readFileSync(path, "utf8"), path));
}

/** One journal line as text for a person: `tick 123 2026-12-01T08:00Z decided 3 actions: …`. */
export function formatEntry(e: JournalEntry): string {
  const when = new Date(e.time * 1000).toISOString().replace(/:\d\d\.\d{3}Z$/, "Z");
  const head = `tick ${e.tick} ${when} ${e.kind.padEnd(8)}`;
  switch (e.kind) {
    case "decided": {
      const d = e.details;
      const lines = [`${head} ${e.actions} action(s)`, ...(d?.reasons ?? e.log).map((r) => `    why: ${r}`)];
      for (const b of d?.batch ?? []) lines.push(`    call: ${b}`);
      for (const h of d?.held ?? []) lines.push(`    held: ${h}`);
      for (const s of d?.stale ?? []) lines.push(`    stale: ${s}`);
      if (d?.refusal !== undefined) lines.push(`    refused: ${d.refusal}`);
      return lines.join("\n");
    }
    case "sending":
      return `${head} nonce ${e.nonce}`;
    case "sent":
      return `${head} ${e.txHash} (nonce ${e.nonce})`;
    case "mined":
      return `${head} ${e.txHash} gas ${e.gasUsed}`;
    case "reverted":
      return `${head} ${e.txHash ?? ""} ${e.reason}`;
    case "skipped":
      return `${head} ${e.reason}`;
    case "error":
      return `${head} ${e.error}`;
    case "settled":
      return e.ok
        ? `${head} ${e.controllers} controller(s), ${e.shares} shares for ${e.assets ?? "?"} assets${e.sharesLeftPending !== undefined && e.sharesLeftPending !== "0" ? ` (${e.sharesLeftPending} left pending)` : ""} ${e.txHash ?? ""} gas ${e.gasUsed ?? "?"}`
        : `${head} not settled: ${e.reason ?? "?"}`;
  }
}
