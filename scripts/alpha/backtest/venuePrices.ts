import { indexAtOrAfter, type HourlyPrices } from "../data/prices.js";
import { impliedPremium } from "../strategy/venueModel.js";
import type { FundingPrint, VenueMeta } from "../strategy/types.js";

/**
 * How the backtest marks each venue's perp.
 *  - `per-venue` (default): mark_v(t) = index(t) × (1 + premium_v(t)), the premium implied by the
 *    print of venue v whose interval holds t (strategy/venueModel.ts: funding = premium + clamped
 *    interest, clamped at the venue's caps), zero where no print covers t. The index is the spot
 *    estimate of data/prices.ts. A position's bar high/low moves with the index: high × index / close.
 *    So basis is paid at entry, exit and every venue switch: a short sells at its venue's premium and
 *    buys back at the premium then. A model: the data hold per-venue funding, not per-venue prices.
 *  - `binance-mark`: every venue at the Binance perp close (what the chain replay's keeper sets; the
 *    demo compares the replay with this model so the two see the same prices).
 */
export type PriceModel = "per-venue" | "binance-mark";

export interface VenuePricePath {
  readonly mark: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
}

/** Premium (mark / index − 1) per hour of `prices` for one venue, from its prints. */
export function venuePremiums(prices: HourlyPrices, prints: readonly FundingPrint[], meta: VenueMeta): Float64Array {
  const premium = new Float64Array(prices.time.length);
  const intervalSec = meta.intervalHours * 3600;
  let k = 0;
  for (let i = 0; i < prices.time.length; i += 1) {
    const t = prices.time[i] as number;
    while (k < prints.length && (prints[k] as FundingPrint).settleTime < t) k += 1;
    const print = prints[k];
    // The print settled at s averages the premium over (s − interval, s].
    premium[i] = print !== undefined && print.settleTime - intervalSec < t ? impliedPremium(meta, print.ratePerInterval) : 0;
  }
  return premium;
}

export function venuePricePath(prices: HourlyPrices, prints: readonly FundingPrint[], meta: VenueMeta, model: PriceModel): VenuePricePath {
  if (model === "binance-mark") return { mark: prices.mark, high: prices.high, low: prices.low };
  const premium = venuePremiums(prices, prints, meta);
  const n = prices.time.length;
  const mark = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const index = prices.spot[i] as number;
    const factor = 1 + (premium[i] as number);
    const perIndex = index / (prices.mark[i] as number);
    mark[i] = index * factor;
    high[i] = (prices.high[i] as number) * perIndex * factor;
    low[i] = (prices.low[i] as number) * perIndex * factor;
  }
  return { mark, high, low };
}

/**
 * Daily spot samples known at t (the hybrid sentiment's price trend), over the lookback plus a day:
 * rebuilt once a day, the same array in between.
 */
export function dailySpotHistory(prices: HourlyPrices, lookbackHours: number): (t: number) => readonly { time: number; price: number }[] {
  let days: { time: number; price: number }[] = [];
  let builtAt = Number.NaN;
  return (t) => {
    const dayStart = t - (t % 86_400);
    if (dayStart !== builtAt) {
      builtAt = dayStart;
      days = [];
      for (let j = indexAtOrAfter(prices.time, dayStart - lookbackHours * 3600 - 86_400); j < prices.time.length && (prices.time[j] as number) <= dayStart; j += 24) {
        days.push({ time: prices.time[j] as number, price: prices.spot[j] as number });
      }
    }
    return days;
  };
}
