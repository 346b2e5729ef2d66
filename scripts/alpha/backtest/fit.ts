import { defaultStrategyConfig } from "../strategy/config.js";
import type { StrategyConfig } from "../strategy/types.js";
import { runBacktest, type BacktestOptions, type BacktestResult, type WorldData } from "./engine.js";

/**
 * Out-of-sample discipline: the tunables are fitted on the train window only, then the chosen config
 * runs once on the test window. The grid is small and stated: the forecast's fast half-life, the
 * regime's entry threshold, the number of venues the hedge is split over (1 / maxVenueShare) and the
 * weight of the hybrid mode's sentiment input (0 = off).
 * Objective: the strategy's annualised return on the train window (ties: the smaller max drawdown).
 */
export interface Tunables {
  readonly fastHalfLifeHours: number;
  readonly positiveEnterApr: number;
  readonly venueCount: number;
  readonly sentimentWeight: number;
}

export const DEFAULT_GRID: readonly Tunables[] = [24, 72].flatMap((fastHalfLifeHours) =>
  [0.03, 0.08].flatMap((positiveEnterApr) =>
    [2, 3].flatMap((venueCount) => [0, 0.5].map((sentimentWeight) => ({ fastHalfLifeHours, positiveEnterApr, venueCount, sentimentWeight }))),
  ),
);

export function applyTunables(base: StrategyConfig, t: Tunables): StrategyConfig {
  return defaultStrategyConfig(base.asset, {
    ...base,
    fastHalfLifeHours: t.fastHalfLifeHours,
    positiveEnterApr: t.positiveEnterApr,
    maxVenueShare: 1 / t.venueCount,
    sentimentWeight: t.sentimentWeight,
  });
}

export interface FitResult {
  readonly trials: readonly { readonly tunables: Tunables; readonly annualisedReturn: number; readonly maxDrawdown: number }[];
  readonly chosen: Tunables;
  readonly config: StrategyConfig;
  readonly train: BacktestResult;
  readonly test: BacktestResult;
}

/** `options` without config/from/to: the rest (capital, benchmarks, rf, prices, yields) is shared by train and test. */
export function fitAndTest(
  world: WorldData,
  base: StrategyConfig,
  options: Omit<BacktestOptions, "config" | "from" | "to">,
  train: { from: number; to: number },
  test: { from: number; to: number },
  grid: readonly Tunables[] = DEFAULT_GRID,
): FitResult {
  if (train.to >= test.from) throw new Error("the train window must end before the test window starts (no overlap)");
  if (grid.length === 0) throw new Error("empty grid");
  let best: { tunables: Tunables; result: BacktestResult } | undefined;
  const trials: FitResult["trials"][number][] = [];
  for (const tunables of grid) {
    const result = runBacktest(world, { ...options, config: applyTunables(base, tunables), ...train });
    const perf = result.strategy.performance;
    trials.push({ tunables, annualisedReturn: perf.annualisedReturn, maxDrawdown: perf.maxDrawdown });
    const b = best?.result.strategy.performance;
    if (b === undefined || perf.annualisedReturn > b.annualisedReturn || (perf.annualisedReturn === b.annualisedReturn && perf.maxDrawdown < b.maxDrawdown)) {
      best = { tunables, result };
    }
  }
  const chosen = (best as { tunables: Tunables; result: BacktestResult }).tunables;
  const config = applyTunables(base, chosen);
  return { trials, chosen, config, train: (best as { result: BacktestResult }).result, test: runBacktest(world, { ...options, config, ...test }) };
}
