import { riskLimitBreaches } from "./riskLimits.js";
import type { PortfolioState, StrategyConfig } from "./types.js";
import {
  creditLtv,
  creditOf,
  creditValue,
  markOf,
  netAssetValue,
  netDeltaBase,
  perpEquity,
  perpLeverage,
  spotValue,
  type PriceView,
} from "./valuation.js";

/**
 * The vault's guardrails, evaluated as the vault does: on the post-batch state, each rule either
 * within its limit or no worse than before the batch (de-risking is never blocked). Plus the engine's
 * own invariants: no negative balance anywhere, net delta within tolerance, credit LTV within limit.
 */
export interface GuardrailBreach {
  readonly rule: string;
  readonly value: number;
  readonly limit: number;
}

const DELTA_TOLERANCE_BPS = 50;

export function checkGuardrails(
  config: StrategyConfig,
  before: PortfolioState,
  after: PortfolioState,
  prices: PriceView,
): GuardrailBreach[] {
  const breaches: GuardrailBreach[] = [];
  const navBefore = netAssetValue(before, prices);
  const navAfter = netAssetValue(after, prices);
  const rule = (name: string, valueBefore: number, valueAfter: number, limit: number, higherIsWorse = true): void => {
    const bad = higherIsWorse ? valueAfter > limit + 1e-9 : valueAfter < limit - 1e-9;
    const worse = higherIsWorse ? valueAfter > valueBefore + 1e-9 : valueAfter < valueBefore - 1e-9;
    if (bad && worse) breaches.push({ rule: name, value: valueAfter, limit });
  };
  const share = (x: number, nav: number): number => (nav > 0 ? (x / nav) * 10_000 : 0);

  rule("idleBuffer", share(before.idleQuote, navBefore), share(after.idleQuote, navAfter), config.idleBufferBps, false);
  rule("spotCap", share(spotValue(before, prices), navBefore), share(spotValue(after, prices), navAfter), config.spotCapBps);
  const creditBefore = creditValue(creditOf(before, prices.asset), prices.spot);
  const creditAfter = creditValue(creditOf(after, prices.asset), prices.spot);
  rule("creditCap", share(creditBefore, navBefore), share(creditAfter, navAfter), config.creditCapBps);
  rule(
    "creditLtv",
    creditLtv(creditOf(before, prices.asset), prices.spot),
    creditLtv(creditOf(after, prices.asset), prices.spot),
    config.maxCreditLtv + 1e-6,
  );
  for (const position of after.perps) {
    const mark = markOf(prices, position.venue);
    const prior = before.perps.find((p) => p.venue === position.venue && p.asset === position.asset);
    const levBefore = prior === undefined ? 0 : perpLeverage(prior, mark);
    rule(`leverage:${position.venue}`, levBefore, perpLeverage(position, mark), config.maxLeverage);
    const capBefore = prior === undefined ? 0 : share(perpEquity(prior, mark), navBefore);
    rule(`venueCap:${position.venue}`, capBefore, share(perpEquity(position, mark), navAfter), config.perpVenueCapBps);
  }
  const deltaBefore = Math.abs(share(netDeltaBase(before, prices.asset) * prices.spot, navBefore));
  const deltaAfter = Math.abs(share(netDeltaBase(after, prices.asset) * prices.spot, navAfter));
  rule("netDelta", deltaBefore, deltaAfter, DELTA_TOLERANCE_BPS);
  // Balances can never be negative: a batch that needs more than exists would revert on chain.
  const negative = (name: string, value: number): void => {
    if (value < -1e-6) breaches.push({ rule: `negative:${name}`, value, limit: 0 });
  };
  // The vault's limits across markets (risk groups, net-delta bands), when the state carries them.
  breaches.push(...riskLimitBreaches(before, after, prices));
  negative("idle", after.idleQuote);
  negative("spot", after.spotBase[prices.asset] ?? 0);
  const credit = creditOf(after, prices.asset);
  negative("supplyBase", credit.supplyBase);
  negative("supplyQuote", credit.supplyQuote);
  negative("borrowBase", credit.borrowBase);
  negative("borrowQuote", credit.borrowQuote);
  for (const p of after.perps) negative(`margin:${p.venue}`, p.marginQuote);
  return breaches;
}
