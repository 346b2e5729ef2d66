import type { GuardrailBreach } from "./guardrails.js";
import type { LegRef, PortfolioState, RiskGroupLimit, DeltaBandLimit } from "./types.js";
import { creditOf, creditValue, markOf, netAssetValue, perpEquity, perpNotional, type PriceView } from "./valuation.js";

/**
 * The vault's limits that cross markets (its risk engine, read from chain into `PortfolioState.vaultRisk`), checked
 * as the vault checks them after a batch, with its never-block-de-risking rule:
 *  - a risk group: Σ balance of its markets ≤ min(capBps × NAV, capQuote), Σ gross notional ≤ maxNotional × NAV;
 *    refused only when the batch grew the measure past the limit;
 *  - a net-delta band: |Σ signed exposure of the reporting markets| × spot ≤ bandBps × NAV; refused only when the
 *    batch grew |net delta| past the band;
 *  - the batch loss budget: NAV may fall by at most maxBatchLossBps of itself in one batch (its projected costs).
 * The planner's shrink loop (decide.ts) treats a breach like any guardrail's: the growth shrinks until the batch
 * ends inside every limit or only reduces.
 */
export function legBalance(leg: LegRef, state: PortfolioState, prices: PriceView): number {
  switch (leg.kind) {
    case "perp": {
      const p = state.perps.find((x) => x.venue === leg.venue && x.asset === prices.asset);
      return p === undefined ? 0 : perpEquity(p, markOf(prices, leg.venue));
    }
    case "spot":
      return (state.spotBase[prices.asset] ?? 0) * prices.spot;
    case "credit":
      return creditValue(creditOf(state, prices.asset), prices.spot);
    case "fixed":
      return leg.balanceQuote;
  }
}

/** Gross notional as the vault's balance fuses report it: a perp's |size| × mark, a credit market's supply. */
export function legNotional(leg: LegRef, state: PortfolioState, prices: PriceView): number {
  switch (leg.kind) {
    case "perp": {
      const p = state.perps.find((x) => x.venue === leg.venue && x.asset === prices.asset);
      return p === undefined ? 0 : perpNotional(p, markOf(prices, leg.venue));
    }
    case "credit": {
      const c = creditOf(state, prices.asset);
      return c.supplyBase * prices.spot + c.supplyQuote;
    }
    case "spot":
      return 0;
    case "fixed":
      return leg.notionalQuote;
  }
}

/** The signed exposure (base units) a leg reports into the net-delta book: spot +, collateral +, debt −, short −. */
export function legDelta(leg: LegRef, state: PortfolioState, prices: PriceView): number {
  switch (leg.kind) {
    case "perp":
      return state.perps.find((x) => x.venue === leg.venue && x.asset === prices.asset)?.sizeBase ?? 0;
    case "spot":
      return state.spotBase[prices.asset] ?? 0;
    case "credit": {
      const c = creditOf(state, prices.asset);
      return c.supplyBase - c.borrowBase;
    }
    case "fixed":
      return leg.deltaBase ?? 0;
  }
}

export function groupMeasures(group: RiskGroupLimit, state: PortfolioState, prices: PriceView): { balance: number; notional: number } {
  let balance = 0;
  let notional = 0;
  for (const leg of group.members) {
    balance += legBalance(leg, state, prices);
    notional += legNotional(leg, state, prices);
  }
  return { balance, notional };
}

export function bandDeltaBase(band: DeltaBandLimit, state: PortfolioState, prices: PriceView): number {
  return band.reporting.reduce((sum, leg) => sum + legDelta(leg, state, prices), 0);
}

/** The cross-market limits `after` breaches and made worse than `before` (none when the state carries no limits). */
export function riskLimitBreaches(before: PortfolioState, after: PortfolioState, prices: PriceView): GuardrailBreach[] {
  const limits = before.vaultRisk;
  if (limits === undefined) return [];
  const breaches: GuardrailBreach[] = [];
  const navAfter = netAssetValue(after, prices);
  const EPS = 1e-6;
  for (const group of limits.groups) {
    const b = groupMeasures(group, before, prices);
    const a = groupMeasures(group, after, prices);
    const cap = Math.min((group.capBps / 10_000) * navAfter, group.capQuote ?? Number.POSITIVE_INFINITY);
    if (a.balance > cap + EPS && a.balance > b.balance + EPS) breaches.push({ rule: `group:${group.name}`, value: a.balance, limit: cap });
    if (group.maxNotional !== undefined) {
      const maxNotional = group.maxNotional * navAfter;
      if (a.notional > maxNotional + EPS && a.notional > b.notional + EPS) breaches.push({ rule: `groupNotional:${group.name}`, value: a.notional, limit: maxNotional });
    }
  }
  for (const band of limits.deltaBands) {
    if (band.asset !== prices.asset) continue;
    const b = Math.abs(bandDeltaBase(band, before, prices));
    const a = Math.abs(bandDeltaBase(band, after, prices));
    const limit = (band.bandBps / 10_000) * navAfter;
    if (a * prices.spot > limit + EPS && a > b + 1e-12) breaches.push({ rule: `netDeltaBand:${band.asset}`, value: a * prices.spot, limit });
  }
  if (limits.maxBatchLossBps !== undefined) {
    const navBefore = netAssetValue(before, prices);
    const budget = (limits.maxBatchLossBps / 10_000) * navBefore;
    if (navBefore - navAfter > budget + EPS) breaches.push({ rule: "batchLoss", value: navBefore - navAfter, limit: budget });
  }
  return breaches;
}
