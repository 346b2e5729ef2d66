import type { VenueMeta } from "./types.js";

/**
 * The per-venue market model (a model, stated as one: the data hold funding prints per venue but
 * prices for Binance only).
 *
 *  - Maintenance margin by tier: rate × notional − deduction, the deduction making it continuous
 *    across tiers (how Binance's table works); a venue without tiers uses its flat rate.
 *  - Size-dependent slippage: `slippageBps` + ½ × 1 % × notional / depthQuote.
 *  - Premium implied by a funding print: under `premium-clamped-interest`,
 *      F = clamp(P + clamp(I − P, −c, +c), −cap, +cap)     (I = baseline interest, c = interest clamp),
 *    so a print above I came from P = F + c, one below I from P = F − c, and a print at I from any P
 *    in [I − c, I + c]: the model takes the point of that band nearest zero (mark = index). Under
 *    `premium-only` (dYdX: the hourly rate is the premium / 8), P = F × 8 / interval hours. A print
 *    at the cap gives the smallest premium consistent with it.
 */
export function maintenanceMarginQuote(meta: VenueMeta, notionalQuote: number): number {
  const tiers = meta.maintenanceTiers;
  const n = Math.abs(notionalQuote);
  if (tiers === undefined || tiers.length === 0) return meta.maintenanceMarginRate * n;
  let deduction = 0;
  let previousRate = (tiers[0] as (typeof tiers)[number]).rate;
  let previousBound = 0;
  for (const tier of tiers) {
    deduction += previousBound * (tier.rate - previousRate);
    if (n <= tier.upToNotionalQuote) return tier.rate * n - deduction;
    previousRate = tier.rate;
    previousBound = tier.upToNotionalQuote;
  }
  return previousRate * n - deduction;
}

/** Maintenance margin as a fraction of this notional (the tiered rate's effective value). */
export function maintenanceRate(meta: VenueMeta, notionalQuote: number): number {
  const n = Math.abs(notionalQuote);
  return n > 0 ? maintenanceMarginQuote(meta, n) / n : (meta.maintenanceTiers?.[0]?.rate ?? meta.maintenanceMarginRate);
}

/** Slippage of a market order of `notionalQuote`, as a fraction of notional. */
export function slippageFraction(meta: VenueMeta, notionalQuote: number): number {
  const impact = meta.depthQuote !== undefined && meta.depthQuote > 0 ? (0.5 * 0.01 * Math.abs(notionalQuote)) / meta.depthQuote : 0;
  return meta.slippageBps / 10_000 + impact;
}

export const DEFAULT_INTEREST_CLAMP = 0.0005;

/** The premium (mark / index − 1) a funding print implies under the venue's method (see above). */
export function impliedPremium(meta: VenueMeta, ratePerInterval: number): number {
  if (meta.method === "premium-only") return (ratePerInterval * 8) / meta.intervalHours;
  const interest = meta.baselineRatePerInterval;
  const clamp = meta.interestClampPerInterval ?? DEFAULT_INTEREST_CLAMP;
  const eps = 1e-10;
  // P > I + c gives F = P − c; P < I − c gives F = P + c.
  if (ratePerInterval > interest + eps) return ratePerInterval + clamp;
  if (ratePerInterval < interest - eps) return ratePerInterval - clamp;
  return Math.min(interest + clamp, Math.max(interest - clamp, 0));
}
