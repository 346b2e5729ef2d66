import type { MarketHistory, RegimeState, StrategyConfig } from "./types.js";

/**
 * The hybrid mode's sentiment: a score in [−1, 1] from the trailing funding level (the regime's
 * median fast funding, as a multiple of 20 % APR above the entry threshold) and the price trend (the
 * spot's return over `trendLookbackHours`, as a multiple of 10 %), averaged and clipped. Bullish
 * (rich funding, rising price): funding tends to stay rich and the hedge's notional keeps growing, so
 * hybrid lets it run further before resizing down and resizes up later; bearish, the opposite.
 * Needs `history.spot` (absent = 0: no opinion).
 */
export interface Sentiment {
  readonly score: number;
  readonly fundingSignal: number;
  readonly trend: number;
}

const clip = (x: number): number => Math.max(-1, Math.min(1, x));

export function sentiment(config: StrategyConfig, regime: RegimeState, history: MarketHistory, now: number, spot: number): Sentiment {
  const fundingSignal = clip((regime.signalApr - config.positiveEnterApr) / 0.2);
  const lookback = config.trendLookbackHours ?? 24 * 7;
  let trend = 0;
  const series = history.spot;
  if (series !== undefined && series.length > 0) {
    // The last sample at or before now − lookback.
    let past: number | undefined;
    for (const point of series) {
      if (point.time > now - lookback * 3600) break;
      past = point.price;
    }
    if (past !== undefined && past > 0) trend = spot / past - 1;
  }
  return { score: clip((fundingSignal + clip(trend / 0.1)) / 2), fundingSignal, trend };
}

/** Hybrid bands scaled by sentiment: the upper band × (1 + w·s), the lower band × (1 − w·s), w = sentimentWeight. */
export function hybridBands(config: StrategyConfig, score: number): { upper: number; lower: number } {
  const w = config.sentimentWeight ?? 0;
  return { upper: config.hybridUpperBand * (1 + w * score), lower: config.hybridLowerBand * (1 - w * score) };
}
