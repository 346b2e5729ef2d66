import { HOURS_PER_YEAR } from "./forecast.js";
import type { FundingForecast, RegimeState, StrategyConfig, VenueId } from "./types.js";

/**
 * Funding regime across the healthy venues: the median fast EWMA, annualised, against two thresholds.
 * Between them the market is in transition; the engine then neither adds nor removes hedge, which
 * gives the regime switch its hysteresis without remembering anything between calls.
 */
export function detectRegime(
  config: StrategyConfig,
  forecast: FundingForecast,
  healthyVenues: ReadonlySet<VenueId>,
): RegimeState {
  const eligible = forecast.venues.filter((v) => healthyVenues.has(v.venue) && v.prints >= config.minPrintsForForecast);
  if (eligible.length === 0) return { regime: "transition", signalApr: 0, negativeShare: 0 };
  const signalApr = median(eligible.map((v) => v.fastPerHour)) * HOURS_PER_YEAR;
  const negativeShare = eligible.filter((v) => v.lastPerHour < 0).length / eligible.length;
  const regime = signalApr >= config.positiveEnterApr ? "positive" : signalApr <= config.negativeEnterApr ? "negative" : "transition";
  return { regime, signalApr, negativeShare };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}
