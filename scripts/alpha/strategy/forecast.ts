import { venueMeta } from "./config.js";
import type { FundingForecast, FundingPrint, MarketHistory, StrategyConfig, VenueForecast, VenueId } from "./types.js";

export const HOURS_PER_YEAR = 24 * 365;

/**
 * Funding forecast per venue, on hourly-normalised rates so 1 h, 4 h and 8 h venues compare:
 *  - fast and slow EWMAs with time-based decay (a 1 h venue's 8 prints weigh what one 8 h print does);
 *  - long-run level μ = slow EWMA blended with the venue method's resting rate (the 0.01 %/8 h
 *    interest baseline of clamped-interest venues, zero for premium-only venues);
 *  - the fast level reverts to μ with a half-life; the forecast is the expected *average* rate over
 *    the horizon:  μ + (fast − μ)·(1 − φ^H) / (H·(1 − φ)),  φ = 0.5^(1/half-life).
 * Only prints known at or before `now` are read (no look-ahead, whatever the caller passes).
 */
export function forecastVenue(
  config: StrategyConfig,
  venue: VenueId,
  prints: readonly FundingPrint[],
  now: number,
): VenueForecast | undefined {
  // The same history array asked again once every print in it is known: the answer cannot have changed.
  let byArray = WHOLE.get(config);
  if (byArray === undefined) {
    byArray = new WeakMap();
    WHOLE.set(config, byArray);
  }
  const whole = byArray.get(prints);
  if (whole !== undefined && now >= whole.maxKnownAt && whole.forecast.venue === venue) return whole.forecast;
  // Prints are ascending; the first one not yet known at `now` ends the usable run.
  let count = 0;
  let maxKnownAt = Number.NEGATIVE_INFINITY;
  while (count < prints.length && (prints[count] as FundingPrint).knownAt <= now) {
    maxKnownAt = Math.max(maxKnownAt, (prints[count] as FundingPrint).knownAt);
    count += 1;
  }

  if (count === 0) return undefined;
  // The result depends only on (config, the prints used): a caller that asks every hour with the same
  // window (a backtest between settlements) gets the forecast computed once.
  const first = prints[0] as FundingPrint;
  const last = prints[count - 1] as FundingPrint;
  const memo = memoFor(config, first);
  const key = `${count}:${last.settleTime}:${last.knownAt}`;
  const hit = memo.get(key);
  if (hit !== undefined && hit.last === last && hit.forecast.venue === venue) {
    if (count === prints.length) byArray.set(prints, { maxKnownAt, forecast: hit.forecast });
    return hit.forecast;
  }

  let fast = first.ratePerHour;
  let slow = first.ratePerHour;
  // 0.5^(dt/half-life) is the same for every regular step: computed once per distinct step.
  let stepHours = Number.NaN;
  let aFast = 1;
  let aSlow = 1;
  for (let i = 1; i < count; i += 1) {
    const print = prints[i] as FundingPrint;
    const dtHours = Math.max(0, (print.settleTime - (prints[i - 1] as FundingPrint).settleTime) / 3600);
    if (dtHours !== stepHours) {
      stepHours = dtHours;
      aFast = 0.5 ** (dtHours / config.fastHalfLifeHours);
      aSlow = 0.5 ** (dtHours / config.slowHalfLifeHours);
    }
    fast = aFast * fast + (1 - aFast) * print.ratePerHour;
    slow = aSlow * slow + (1 - aSlow) * print.ratePerHour;
  }
  const meta = venueMeta(config, venue);
  const baselinePerHour = meta.baselineRatePerInterval / meta.intervalHours;
  const longRun = (1 - config.baselineWeight) * slow + config.baselineWeight * baselinePerHour;
  const expected = expectedAverage(fast, longRun, config.reversionHalfLifeHours, config.forecastHorizonHours);
  const forecast: VenueForecast = {
    venue,
    prints: count,
    lastPerHour: last.ratePerHour,
    fastPerHour: fast,
    longRunPerHour: longRun,
    expectedPerHour: expected,
    expectedApr: expected * HOURS_PER_YEAR,
  };
  memo.set(key, { last, forecast });
  if (count === prints.length) byArray.set(prints, { maxKnownAt, forecast });
  return forecast;
}

/** Per config, per history array whose every print was known: its forecast. */
const WHOLE = new WeakMap<StrategyConfig, WeakMap<readonly FundingPrint[], { maxKnownAt: number; forecast: VenueForecast }>>();

/** Per config, per first print of a window: forecasts already computed (weakly held: no leak across runs). */
const MEMO = new WeakMap<StrategyConfig, WeakMap<FundingPrint, Map<string, { last: FundingPrint; forecast: VenueForecast }>>>();

function memoFor(config: StrategyConfig, first: FundingPrint): Map<string, { last: FundingPrint; forecast: VenueForecast }> {
  let byFirst = MEMO.get(config);
  if (byFirst === undefined) {
    byFirst = new WeakMap();
    MEMO.set(config, byFirst);
  }
  let memo = byFirst.get(first);
  if (memo === undefined) {
    memo = new Map();
    byFirst.set(first, memo);
  }
  return memo;
}

/** Average of an AR(1) path from `start` toward `mean` over `horizonHours`. */
export function expectedAverage(start: number, mean: number, halfLifeHours: number, horizonHours: number): number {
  const phi = 0.5 ** (1 / halfLifeHours);
  const factor = (1 - phi ** horizonHours) / (horizonHours * (1 - phi));
  return mean + (start - mean) * factor;
}

export function forecastAll(config: StrategyConfig, history: MarketHistory, now: number): FundingForecast {
  const venues: VenueForecast[] = [];
  for (const venue of config.allowedVenues) {
    const prints = history.funding[venue];
    if (prints === undefined) continue;
    const forecast = forecastVenue(config, venue, prints, now);
    if (forecast !== undefined) venues.push(forecast);
  }
  return { horizonHours: config.forecastHorizonHours, venues };
}
