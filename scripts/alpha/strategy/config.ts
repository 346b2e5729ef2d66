import type { Asset, MaintenanceTier, StrategyConfig, VenueId, VenueMeta } from "./types.js";
import { VENUE_IDS } from "./types.js";

/**
 * Maintenance tiers of Binance's BTCUSDT perp (2021–2023, rounded), applied to every CEX venue as an
 * approximation: rate × notional − deduction (venueModel.ts), so a 2M position needs 2.5 % less 16,300.
 */
export const CEX_MAINTENANCE_TIERS: readonly MaintenanceTier[] = [
  { upToNotionalQuote: 50_000, rate: 0.004 },
  { upToNotionalQuote: 250_000, rate: 0.005 },
  { upToNotionalQuote: 1_000_000, rate: 0.01 },
  { upToNotionalQuote: 10_000_000, rate: 0.025 },
  { upToNotionalQuote: 20_000_000, rate: 0.05 },
  { upToNotionalQuote: 50_000_000, rate: 0.1 },
  { upToNotionalQuote: Number.POSITIVE_INFINITY, rate: 0.125 },
];

/**
 * Venue metadata. Intervals and schedules are those of the BTC/ETH USDT perps in 2021–2023 (checked
 * against the data: see data/market/README.md). Fees are VIP-0 taker fees of the period, rounded.
 * Depth (`depthQuote`, the notional that moves the book 1 %) is an assumption of this model, by
 * venue size, not measured: Binance 40M, Bybit 20M, the smaller CEXs 5M, dYdX 3M (USDT).
 */
export const VENUES: Readonly<Record<VenueId, VenueMeta>> = {
  binance: venue("binance", 8, 0, "premium-clamped-interest", 4, 40e6),
  bybit: venue("bybit", 8, 0, "premium-clamped-interest", 6, 20e6),
  gate: venue("gate", 8, 0, "premium-clamped-interest", 5, 5e6),
  htx: venue("htx", 8, 0, "premium-clamped-interest", 5, 5e6),
  kucoin: venue("kucoin", 8, 4, "premium-clamped-interest", 6, 5e6),
  mexc: venue("mexc", 8, 0, "premium-clamped-interest", 6, 5e6),
  dydx: {
    id: "dydx",
    intervalHours: 1,
    phaseHours: 0,
    method: "premium-only",
    baselineRatePerInterval: 0,
    capRatePerInterval: 0.01,
    takerFeeBps: 5,
    slippageBps: 3,
    maintenanceMarginRate: 0.03,
    transferCostQuote: 10,
    depthQuote: 3e6,
  },
};

function venue(
  id: VenueId,
  intervalHours: number,
  phaseHours: number,
  method: VenueMeta["method"],
  takerFeeBps: number,
  depthQuote: number,
): VenueMeta {
  return {
    id,
    intervalHours,
    phaseHours,
    method,
    baselineRatePerInterval: 0.0001,
    capRatePerInterval: 0.00375,
    takerFeeBps,
    slippageBps: 2,
    maintenanceMarginRate: 0.005,
    transferCostQuote: 10,
    depthQuote,
    maintenanceTiers: CEX_MAINTENANCE_TIERS,
    interestClampPerInterval: 0.0005,
  };
}

/** The engine's defaults: the configuration the backtest figures in the README were produced with. */
export function defaultStrategyConfig(asset: Asset, overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  const config: StrategyConfig = {
    asset,
    venues: VENUES,
    allowedVenues: VENUE_IDS,
    longLeg: "credit",
    idleBufferBps: 1_000,
    idleSlackBps: 100,
    maxLeverage: 3,
    perpVenueCapBps: 2_500,
    spotCapBps: 8_000,
    creditCapBps: 8_000,
    targetLeverage: 2.5,
    topUpDrawdown: 0.1,
    releaseExcess: 0.25,
    minLiquidationDistance: 0.12,
    maxVenueShare: 0.5,
    mode: "hybrid",
    rebalanceIntervalHours: 8,
    driftBand: 0.1,
    hybridUpperBand: 0.35,
    hybridLowerBand: 0.1,
    maxCreditLtv: 0.4,
    minTradeQuote: 1_000,
    spotFeeBps: 5,
    spotSlippageBps: 5,
    gasPerActionQuote: 10,
    fastHalfLifeHours: 48,
    slowHalfLifeHours: 24 * 14,
    reversionHalfLifeHours: 24 * 3,
    baselineWeight: 0.3,
    forecastHorizonHours: 24 * 7,
    holdingHorizonHours: 24 * 30,
    minPrintsForForecast: 9,
    positiveEnterApr: 0.03,
    negativeEnterApr: -0.02,
    negativeRegimeAction: "flat",
    reduceFraction: 0.3,
    switchHurdle: 1.5,
    maxPriceAgeSec: 2 * 3600,
    staleFundingIntervals: 3,
    quoteDepegThreshold: 0.01,
    maxBasis: 0.03,
    creditBorrowAprBase: 0.02,
    creditBorrowAprQuote: 0.05,
    creditSupplyAprQuote: 0,
    ...overrides,
  };
  validateConfig(config);
  return config;
}

/** Throws with the field name and the problem; returns nothing when the config is usable. */
export function validateConfig(config: StrategyConfig): void {
  const problems: string[] = [];
  const check = (ok: boolean, field: keyof StrategyConfig, problem: string): void => {
    if (!ok) problems.push(`${field}: ${problem}`);
  };
  check(config.idleBufferBps >= 0 && config.idleBufferBps < 10_000, "idleBufferBps", "must be in [0, 10000)");
  check(config.idleSlackBps >= 0, "idleSlackBps", "must be ≥ 0");
  check(config.maxLeverage >= 1, "maxLeverage", "must be ≥ 1");
  check(
    config.targetLeverage > 0 && config.targetLeverage <= config.maxLeverage,
    "targetLeverage",
    `must be in (0, maxLeverage=${config.maxLeverage}]`,
  );
  check(config.topUpDrawdown > 0 && config.topUpDrawdown < 1, "topUpDrawdown", "must be in (0, 1)");
  // A venue is topped up before it reaches the leverage limit: target / (1 - drawdown) ≤ max.
  check(
    config.targetLeverage / (1 - config.topUpDrawdown) <= config.maxLeverage + 1e-9,
    "topUpDrawdown",
    `top-up trigger leverage ${(config.targetLeverage / (1 - config.topUpDrawdown)).toFixed(3)} exceeds maxLeverage ${config.maxLeverage}`,
  );
  check(config.maxVenueShare > 0 && config.maxVenueShare <= 1, "maxVenueShare", "must be in (0, 1]");
  check(config.rebalanceIntervalHours >= 1 && Number.isInteger(config.rebalanceIntervalHours), "rebalanceIntervalHours", "must be a whole number ≥ 1");
  check((config.sentimentWeight ?? 0) >= 0 && (config.sentimentWeight ?? 0) < 1, "sentimentWeight", "must be in [0, 1)");
  check((config.trendLookbackHours ?? 168) >= 1, "trendLookbackHours", "must be ≥ 1");
  check(config.maxCreditLtv >= 0 && config.maxCreditLtv < 0.8, "maxCreditLtv", "must be in [0, 0.8)");
  check(config.reduceFraction >= 0 && config.reduceFraction <= 1, "reduceFraction", "must be in [0, 1]");
  check(config.positiveEnterApr > config.negativeEnterApr, "positiveEnterApr", "must exceed negativeEnterApr (hysteresis)");
  check(config.holdingHorizonHours > 0 && config.forecastHorizonHours > 0, "holdingHorizonHours", "horizons must be > 0");
  check(config.allowedVenues.length > 0, "allowedVenues", "must name at least one venue");
  for (const id of config.allowedVenues) {
    check(config.venues[id] !== undefined, "allowedVenues", `venue "${id}" has no metadata in venues`);
  }
  check(config.perpVenueCapBps > 0 && config.perpVenueCapBps <= 10_000, "perpVenueCapBps", "must be in (0, 10000]");
  check(config.fastHalfLifeHours > 0 && config.slowHalfLifeHours > config.fastHalfLifeHours, "slowHalfLifeHours", "must exceed fastHalfLifeHours");
  if (problems.length > 0) throw new Error(`invalid StrategyConfig:\n  ${problems.join("\n  ")}`);
}

export function venueMeta(config: StrategyConfig, venue: VenueId): VenueMeta {
  const meta = config.venues[venue];
  if (meta === undefined) throw new Error(`no metadata for venue "${venue}"`);
  return meta;
}
