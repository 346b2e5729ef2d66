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
  let fast = 0;
  let slow = 0;
  let last: FundingPrint | undefined;
  let count = 0;
  for (const print of prints) {
    if (print.knownAt > now) break;
    if (last === undefined) {
      fast = print.ratePerHour;
      slow = print.ratePerHour;
    } else {
      const dtHours = Math.max(0, (print.settleTime - last.settleTime) / 3600);
      const aFast = 0.5 ** (dtHours / config.fastHalfLifeHours);
      const aSlow = 0.5 ** (dtHours / config.slowHalfLifeHours);
      fast = aFast * fast + (1 - aFast) * print.ratePerHour;
      slow = aSlow * slow + (1 - aSlow) * print.ratePerHour;
    }
    last = print;
    count += 1;
  }
  if (last === undefined) return undefined;
  const meta = venueMeta(config, venue);
  const baselinePerHour = meta.baselineRatePerInterval / meta.intervalHours;
  const longRun = (1 - config.baselineWeight) * slow + config.baselineWeight * baselinePerHour;
  const expected = expectedAverage(fast, longRun, config.reversionHalfLifeHours, config.forecastHorizonHours);
  return {
    venue,
    prints: count,
    lastPerHour: last.ratePerHour,
    fastPerHour: fast,
    longRunPerHour: longRun,
    expectedPerHour: expected,
    expectedApr: expected * HOURS_PER_YEAR,
  };
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
