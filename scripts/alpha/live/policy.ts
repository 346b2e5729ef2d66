/**
 * The live bot's own leash on a decision, applied after the strategy and before the batch is built (pure):
 * - a stale or failed market-data source stops every risk-raising action (the risk-reducing ones still go: a
 *   stale price must never block de-risking);
 * - optional per-tick caps on perp notional added and on margin moved (quote): over a cap, the risk-raising
 *   actions are held, so a compromised or buggy bot's damage per tick is bounded.
 * Every held action is returned with its reason (the journal records them).
 */
import type { Action, MarketSnapshot } from "../strategy/types.js";

export interface TickCaps {
  /** Most perp notional (quote, at the decision's marks) one tick may add across venues. */
  readonly maxNotionalAddedQuote?: number;
  /** Most margin (quote) one tick may deposit to or withdraw from perp venues. */
  readonly maxMarginMovedQuote?: number;
}

export interface PolicyInput {
  readonly actions: readonly Action[];
  readonly snapshot: MarketSnapshot;
  /** Stale or failed sources (`staleSources`). */
  readonly stale: readonly { source: string; why: string }[];
  readonly caps: TickCaps;
}

export interface PolicyResult {
  readonly actions: readonly Action[];
  readonly held: readonly { action: Action; reason: string }[];
  /** One line per rule that held something. */
  readonly reasons: readonly string[];
  readonly notionalAddedQuote: number;
  readonly marginMovedQuote: number;
}

/** Whether `action` can only lower the vault's risk: a perp reduced toward zero, margin added, debt repaid, collateral supplied. */
export function isRiskReducing(action: Action): boolean {
  switch (action.kind) {
    case "perp.adjustShort":
    case "perp.adjustLong":
      // deltaBase < 0 shrinks the short (or long) toward its target; the mapper never flips a side.
      return action.deltaBase < 0;
    case "perp.addMargin":
    case "credit.repay":
    case "credit.supply":
      return true;
    default:
      return false;
  }
}

export function applyPolicy(input: PolicyInput): PolicyResult {
  const { actions, snapshot, stale, caps } = input;
  const mark = (venue: string): number => snapshot.venues.find((v) => v.venue === venue)?.markPrice ?? snapshot.spotPrice;
  let notionalAddedQuote = 0;
  let marginMovedQuote = 0;
  for (const a of actions) {
    if ((a.kind === "perp.adjustShort" || a.kind === "perp.adjustLong") && !isRiskReducing(a)) notionalAddedQuote += Math.abs(a.deltaBase) * mark(a.venue);
    if (a.kind === "perp.addMargin" || a.kind === "perp.removeMargin") marginMovedQuote += a.amountQuote;
  }
  const reasons: string[] = [];
  if (stale.length > 0) reasons.push(`stale market data (${stale.map((s) => `${s.source}: ${s.why}`).join("; ")}): risk-raising actions held`);
  if (caps.maxNotionalAddedQuote !== undefined && notionalAddedQuote > caps.maxNotionalAddedQuote) {
    reasons.push(`per-tick cap: notional added ${notionalAddedQuote.toFixed(0)} > ${caps.maxNotionalAddedQuote} quote: risk-raising actions held`);
  }
  if (caps.maxMarginMovedQuote !== undefined && marginMovedQuote > caps.maxMarginMovedQuote) {
    reasons.push(`per-tick cap: margin moved ${marginMovedQuote.toFixed(0)} > ${caps.maxMarginMovedQuote} quote: risk-raising actions held`);
  }
  if (reasons.length === 0) return { actions, held: [], reasons, notionalAddedQuote, marginMovedQuote };
  const kept: Action[] = [];
  const held: { action: Action; reason: string }[] = [];
  const reason = reasons.join(" | ");
  for (const a of actions) {
    // A margin deposit over the margin cap is held too: the cap bounds what moves, whichever way.
    const overMarginCap = caps.maxMarginMovedQuote !== undefined && marginMovedQuote > caps.maxMarginMovedQuote && a.kind === "perp.addMargin";
    if (isRiskReducing(a) && !overMarginCap) kept.push(a);
    else held.push({ action: a, reason });
  }
  return { actions: kept, held, reasons, notionalAddedQuote, marginMovedQuote };
}
