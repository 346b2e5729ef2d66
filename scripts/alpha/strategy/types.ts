/**
 * Public types of the alpha's strategy engine. Everything is plain data: the engine is a set of pure
 * functions from (config, portfolio state, market snapshot, history) to abstract decisions that a
 * chain layer maps to vault fuse actions. Amounts are JS numbers in human units:
 *   - "Quote" amounts are in the vault's asset (a USD stablecoin), e.g. 1_000.5 = 1,000.5 USDC;
 *   - "Base" amounts are in units of the traded asset (BTC, ETH);
 *   - times are unix seconds, UTC;
 *   - funding rates are fractions (0.0001 = 0.01 %); positive means longs pay shorts.
 */

export type Asset = "BTC" | "ETH";
export const ASSETS: readonly Asset[] = ["BTC", "ETH"];

export type VenueId = "binance" | "bybit" | "gate" | "htx" | "kucoin" | "mexc" | "dydx";
export const VENUE_IDS: readonly VenueId[] = ["binance", "bybit", "gate", "htx", "kucoin", "mexc", "dydx"];

/**
 * How a venue computes its funding rate. `premium-clamped-interest`: average premium index over the
 * interval plus an interest component clamped around a fixed baseline (Binance-style; the baseline
 * 0.01 % per 8 h is where the rate rests when the premium is small). `premium-only`: the premium
 * alone, no baseline (dYdX v3, hourly).
 */
export type FundingMethod = "premium-clamped-interest" | "premium-only";

export interface VenueMeta {
  readonly id: VenueId;
  /** Hours between settlements (1, 4 or 8). */
  readonly intervalHours: number;
  /** UTC hour of the first settlement of the day modulo the interval (KuCoin settles 04/12/20 → 4). */
  readonly phaseHours: number;
  readonly method: FundingMethod;
  /** Resting rate per interval the method pulls toward (0.0001 for clamped-interest venues). */
  readonly baselineRatePerInterval: number;
  /** Absolute cap on one print per interval (exchange rule), used to sanity-check data. */
  readonly capRatePerInterval: number;
  readonly takerFeeBps: number;
  readonly slippageBps: number;
  /** Maintenance margin as a fraction of notional. */
  readonly maintenanceMarginRate: number;
  /** Cost (quote) of moving collateral to or from the venue: gas plus any withdrawal fee. */
  readonly transferCostQuote: number;
  /**
   * Book depth: the quote notional that moves this venue's price 1 % (one side). A market order of
   * notional N pays `slippageBps` plus ½ × 1 % × N / depth (the average fill walking a linear book).
   * Absent = no size-dependent slippage (a venue that fills at the mark, as the replay's simulated ones).
   */
  readonly depthQuote?: number;
  /**
   * Maintenance margin by notional tier (Binance-style: rate × notional − the tier's deduction, so the
   * requirement is continuous). Absent = `maintenanceMarginRate` for every size.
   */
  readonly maintenanceTiers?: readonly MaintenanceTier[];
  /** Clamp of the interest component in the funding formula, per interval (Binance: 0.05 %). */
  readonly interestClampPerInterval?: number;
}

export interface MaintenanceTier {
  /** Upper bound of the tier's notional (quote); the last tier may be Infinity. */
  readonly upToNotionalQuote: number;
  /** Maintenance margin rate in the tier (fraction of notional). */
  readonly rate: number;
}

/** One settled funding print, normalised. */
export interface FundingPrint {
  readonly venue: VenueId;
  /** Scheduled settlement time the print pays at (UTC, on the venue's schedule). */
  readonly settleTime: number;
  /** When the print became known (UTC). Equals settleTime except for late-recorded prints. */
  readonly knownAt: number;
  /** Rate per the venue's interval, as published. */
  readonly ratePerInterval: number;
  readonly intervalHours: number;
  /** ratePerInterval / intervalHours: comparable across venues. */
  readonly ratePerHour: number;
}

export interface VenueQuote {
  readonly venue: VenueId;
  /** Perp mark price at the venue (quote per base). */
  readonly markPrice: number;
  /** When the mark price was observed. */
  readonly markTime: number;
  /** Latest settled print known at the snapshot time, if any. */
  readonly lastFunding?: FundingPrint;
  /** Venue reported down (API error, withdrawals halted). Missing prints also count, see risk.ts. */
  readonly reportedDown?: boolean;
}

export interface MarketSnapshot {
  readonly time: number;
  readonly asset: Asset;
  /** Spot price of the asset in quote. */
  readonly spotPrice: number;
  readonly spotTime: number;
  /** Price of the quote stablecoin in USD (1 when pegged). Absent = not monitored. */
  readonly quotePegUsd?: number;
  readonly venues: readonly VenueQuote[];
}

/** Funding history the engine may use: prints known at or before the snapshot time, per venue, ascending. */
export interface MarketHistory {
  readonly funding: Partial<Record<VenueId, readonly FundingPrint[]>>;
  /** Spot samples known at or before the snapshot (ascending), for the hybrid sentiment's price trend. Optional. */
  readonly spot?: readonly { readonly time: number; readonly price: number }[];
}

export interface PerpPosition {
  readonly venue: VenueId;
  readonly asset: Asset;
  /** Signed size in base units: negative = short. */
  readonly sizeBase: number;
  /** Average entry price of the open size. */
  readonly entryPrice: number;
  /** Collateral balance on the venue (quote): deposits − withdrawals + settled funding + realised PnL − fees. */
  readonly marginQuote: number;
}

export interface CreditPosition {
  /** Asset supplied as collateral (the long leg when it is held in the credit market). */
  readonly supplyBase: number;
  /** Quote supplied (collateral for an asset borrow in the negative-funding loop). */
  readonly supplyQuote: number;
  /** Asset borrowed (sold: the synthetic short of the loop). */
  readonly borrowBase: number;
  /** Quote borrowed against the supplied asset (funds margin top-ups in hybrid mode). */
  readonly borrowQuote: number;
}

export interface PortfolioState {
  readonly time: number;
  /** Quote held idle in the vault. */
  readonly idleQuote: number;
  /** Asset held in the vault, not supplied anywhere. */
  readonly spotBase: Partial<Record<Asset, number>>;
  readonly credit: Partial<Record<Asset, CreditPosition>>;
  readonly perps: readonly PerpPosition[];
  /**
   * Cross-venue spread pairs inside `perps` (spread.ts): which part of two venues' positions is a spread
   * rather than hedge. Absent = the book does not track spreads, and the strategy opens none.
   */
  readonly spreads?: readonly SpreadPosition[];
  /**
   * What the vault's pending ERC-7540 redeem requests are owed at the current price (quote; still inside the NAV
   * until settled). Absent or 0 = no request pending. `decide` then plans the unwind that pays them (redeem.ts).
   */
  readonly redeemOwedQuote?: number;
  /** The vault's cross-market limits (risk groups, net-delta bands), read from chain; the planner keeps inside them. */
  readonly vaultRisk?: VaultRiskLimits;
}

/** A vault market as the strategy sees it: one of its legs, or a market it does not trade (a fixed balance). */
export type LegRef =
  | { readonly kind: "perp"; readonly venue: VenueId }
  | { readonly kind: "spot" }
  | { readonly kind: "credit" }
  | { readonly kind: "fixed"; readonly name: string; readonly balanceQuote: number; readonly notionalQuote: number; readonly deltaBase?: number };

/** A risk group: Σ balance of its markets ≤ min(capBps × NAV, capQuote); Σ gross notional ≤ maxNotional × NAV. */
export interface RiskGroupLimit {
  readonly name: string;
  readonly capBps: number;
  readonly capQuote?: number;
  readonly maxNotional?: number;
  readonly members: readonly LegRef[];
}

/** A net-delta band: |Σ exposure of the markets that report| × spot ≤ bandBps × NAV. */
export interface DeltaBandLimit {
  readonly asset: Asset;
  readonly bandBps: number;
  readonly reporting: readonly LegRef[];
}

export interface VaultRiskLimits {
  readonly groups: readonly RiskGroupLimit[];
  readonly deltaBands: readonly DeltaBandLimit[];
  /** One batch may lose at most this share of NAV (bps: fees, slippage, round trips); absent = no budget. */
  readonly maxBatchLossBps?: number;
}

/** Long `sizeBase` on `longVenue` against short `sizeBase` on `shortVenue`, opened at `openedAt`. */
export interface SpreadPosition {
  readonly longVenue: VenueId;
  readonly shortVenue: VenueId;
  readonly sizeBase: number;
  readonly openedAt: number;
}

/** Cross-venue spread trades (spread.ts). */
export interface SpreadConfig {
  /** Margin of both legs together, as a share of NAV. */
  readonly maxNavShare: number;
  /** Open only when the forecast excess over the holding horizon beats this × the round trip. */
  readonly entryHurdle: number;
  /** Close when the forecast spread, net of the hedge carry on the same capital, falls below this (annual). */
  readonly exitApr: number;
}

export type RebalanceMode = "constant" | "hybrid";
export type NegativeRegimeAction = "reduce" | "flat" | "loop";

export interface StrategyConfig {
  readonly asset: Asset;
  readonly venues: Readonly<Partial<Record<VenueId, VenueMeta>>>;
  /** Venues the strategy may trade (subset of `venues`). */
  readonly allowedVenues: readonly VenueId[];
  /** Where the long leg sits: bought spot kept in the vault, or supplied to the credit market. */
  readonly longLeg: "spot" | "credit";

  // Vault guardrails (mirrors of the on-chain limits: the engine targets inside them).
  readonly idleBufferBps: number;
  /** Extra idle kept above the buffer so fees and small moves do not breach it (bps of NAV). */
  readonly idleSlackBps: number;
  /** Per perp venue: |notional| / equity must stay ≤ this (vault leverage limit). */
  readonly maxLeverage: number;
  /** Per perp venue: margin equity ≤ capBps × NAV. */
  readonly perpVenueCapBps: number;
  /** Spot market and credit market balance caps (bps of NAV). */
  readonly spotCapBps: number;
  readonly creditCapBps: number;

  // Sizing and margin.
  /** Leverage the engine sizes each venue at (≤ maxLeverage, leaving headroom). */
  readonly targetLeverage: number;
  /** Top up a venue's margin when its equity has fallen this fraction below target (0.10 = each 10 %). */
  readonly topUpDrawdown: number;
  /** At rebalance times, release margin above (1 + this) × target equity. */
  readonly releaseExcess: number;
  /** De-risk when the price move to liquidation is below this fraction. */
  readonly minLiquidationDistance: number;
  /** Largest share of the hedge on one venue (diversifies venue failure). */
  readonly maxVenueShare: number;

  // Rebalancing.
  readonly mode: RebalanceMode;
  /** Hours between scheduled rebalances (aligned to 00:00 UTC). */
  readonly rebalanceIntervalHours: number;
  /** Constant mode: rebalance when hedge size drifts more than this fraction from target. */
  readonly driftBand: number;
  /** Hybrid mode: let the hedge grow to (1 + this) × target while prices rise ... */
  readonly hybridUpperBand: number;
  /** ... and rebalance as soon as it falls this fraction below target while prices fall. */
  readonly hybridLowerBand: number;
  /**
   * Hybrid mode's sentiment input (sentiment.ts): how far the trailing funding level and price trend
   * widen or narrow the hybrid bands (0 = off; 0.5 = up to ±50 %). Optional: absent = 0.
   */
  readonly sentimentWeight?: number;
  /** Hours of price trend the sentiment looks back over (default 168). */
  readonly trendLookbackHours?: number;
  /** Hybrid mode: most quote debt against the long collateral, as a fraction of its value. */
  readonly maxCreditLtv: number;
  /** Do not trade amounts below this (quote): the gas would eat it. */
  readonly minTradeQuote: number;

  // Costs the engine plans with.
  readonly spotFeeBps: number;
  readonly spotSlippageBps: number;
  readonly gasPerActionQuote: number;

  // Funding forecast and regime.
  /** Half-life (hours) of the fast EWMA of hourly funding. */
  readonly fastHalfLifeHours: number;
  /** Half-life (hours) of the slow EWMA: the long-run level the forecast reverts to. */
  readonly slowHalfLifeHours: number;
  /** Half-life (hours) of the mean reversion of funding deviations. */
  readonly reversionHalfLifeHours: number;
  /** Weight of the venue's method baseline in the long-run level (0..1). */
  readonly baselineWeight: number;
  /** Horizon (hours) of the funding forecast (expected average rate) and of venue-switch decisions. */
  readonly forecastHorizonHours: number;
  /** Expected holding period (hours) over which entering (or building the loop) must pay its round trip. */
  readonly holdingHorizonHours: number;
  /** Prints a venue needs before it is eligible. */
  readonly minPrintsForForecast: number;
  /** Regime thresholds on the annualised fast funding across healthy venues. */
  readonly positiveEnterApr: number;
  readonly negativeEnterApr: number;
  readonly negativeRegimeAction: NegativeRegimeAction;
  /** Hedge size kept in a negative regime when the action is "reduce". */
  readonly reduceFraction: number;
  /** Venue switch only if forecast gain over the horizon > cost × this. */
  readonly switchHurdle: number;

  // Staleness and failure detection.
  readonly maxPriceAgeSec: number;
  /** A venue is flagged as out when its last print is older than this many intervals. */
  readonly staleFundingIntervals: number;
  readonly quoteDepegThreshold: number;
  /** Perp mark vs spot beyond this fraction = dislocation flag. */
  readonly maxBasis: number;

  // Credit-market rates used for planning the loop (annual, fractions).
  readonly creditBorrowAprBase: number;
  readonly creditBorrowAprQuote: number;
  readonly creditSupplyAprQuote: number;

  /** Cross-venue spread trades; absent = off. They open only on a book that tracks them (`PortfolioState.spreads`). */
  readonly spread?: SpreadConfig;
}

export type Action =
  | { readonly kind: "perp.adjustShort"; readonly venue: VenueId; readonly asset: Asset; readonly targetSizeBase: number; readonly deltaBase: number }
  | { readonly kind: "perp.adjustLong"; readonly venue: VenueId; readonly asset: Asset; readonly targetSizeBase: number; readonly deltaBase: number }
  | { readonly kind: "perp.addMargin"; readonly venue: VenueId; readonly asset: Asset; readonly amountQuote: number }
  | { readonly kind: "perp.removeMargin"; readonly venue: VenueId; readonly asset: Asset; readonly amountQuote: number }
  | { readonly kind: "spot.buy"; readonly asset: Asset; readonly amountQuote: number }
  | { readonly kind: "spot.sell"; readonly asset: Asset; readonly amountBase: number }
  | { readonly kind: "credit.supply"; readonly asset: Asset | "QUOTE"; readonly amount: number }
  | { readonly kind: "credit.withdraw"; readonly asset: Asset | "QUOTE"; readonly amount: number }
  | { readonly kind: "credit.borrow"; readonly asset: Asset | "QUOTE"; readonly amount: number }
  | { readonly kind: "credit.repay"; readonly asset: Asset | "QUOTE"; readonly amount: number };

export type ActionKind = Action["kind"];

export type Regime = "positive" | "negative" | "transition";

export interface VenueForecast {
  readonly venue: VenueId;
  readonly prints: number;
  /** Latest known print, per hour. */
  readonly lastPerHour: number;
  /** Fast EWMA per hour. */
  readonly fastPerHour: number;
  /** Long-run level per hour (slow EWMA blended with the method baseline). */
  readonly longRunPerHour: number;
  /** Expected average rate per hour over the horizon (mean-reverting from fast toward long-run). */
  readonly expectedPerHour: number;
  readonly expectedApr: number;
}

export interface FundingForecast {
  readonly horizonHours: number;
  readonly venues: readonly VenueForecast[];
}

export interface RegimeState {
  readonly regime: Regime;
  /** Annualised fast funding (median over healthy venues) the regime was judged on. */
  readonly signalApr: number;
  /** Share of the latest prints (healthy venues) that are negative. */
  readonly negativeShare: number;
}

export interface DecisionLog {
  readonly time: number;
  readonly action: ActionKind | "hold" | "flag";
  readonly reason: string;
  readonly numbers: Readonly<Record<string, number>>;
}

export interface VenueRisk {
  readonly venue: VenueId;
  readonly notionalQuote: number;
  readonly equityQuote: number;
  readonly leverage: number;
  /** Price move (fraction) that would reach the liquidation price; Infinity when flat. */
  readonly liquidationDistance: number;
  readonly exposureBps: number;
  readonly stale: boolean;
}

export interface RiskReport {
  readonly navQuote: number;
  readonly idleBps: number;
  readonly spotBps: number;
  readonly creditBps: number;
  readonly venues: readonly VenueRisk[];
  /** Net delta per asset in base units and as bps of NAV. */
  readonly netDeltaBase: Partial<Record<Asset, number>>;
  readonly netDeltaBps: Partial<Record<Asset, number>>;
  readonly creditLtv: number;
  readonly flags: readonly RiskFlag[];
  /** The book margined as a prime broker would, netted across venues and the long leg (beside the isolated view in `venues`). */
  readonly portfolioMargin?: PortfolioMarginView;
}

/**
 * Portfolio margin of one asset book (seed 000): what the isolated venues require against what one
 * account netting every venue and the long leg would. A model: the netted requirement is the tiered
 * maintenance (and the vault's leverage limit for the initial margin) on the net delta, plus a basis
 * add-on of `maxBasis` × the gross perp notional (spot and perps, or two venues, can part by that much).
 */
export interface PortfolioMarginView {
  /** Σ signed perp sizes across venues (base). */
  readonly perpBase: number;
  /** Spot + supplied − borrowed asset (base). */
  readonly longLegBase: number;
  /** perpBase + longLegBase. */
  readonly netBase: number;
  readonly grossNotionalQuote: number;
  /** Collateral posted on the venues: Σ venue equity. */
  readonly postedQuote: number;
  /** Σ per-venue maintenance margin; Σ per-venue notional / maxLeverage. */
  readonly isolatedMaintenanceQuote: number;
  readonly isolatedInitialQuote: number;
  readonly nettedMaintenanceQuote: number;
  readonly nettedInitialQuote: number;
  /** Posted collateral netting would free: posted − netted initial requirement (≥ 0). */
  readonly freedQuote: number;
}

export type RiskFlag =
  | { readonly kind: "stalePrice"; readonly ageSec: number }
  | { readonly kind: "venueOutage"; readonly venue: VenueId; readonly lastPrintAgeSec: number }
  | { readonly kind: "quoteDepeg"; readonly pegUsd: number }
  | { readonly kind: "basisDislocation"; readonly venue: VenueId; readonly basis: number }
  | { readonly kind: "liquidationNear"; readonly venue: VenueId; readonly distance: number }
  | { readonly kind: "guardrail"; readonly rule: string; readonly value: number; readonly limit: number };

export interface Decision {
  readonly actions: readonly Action[];
  readonly log: readonly DecisionLog[];
  readonly regime: RegimeState;
  readonly forecast: FundingForecast;
  readonly risk: RiskReport;
  /** The spread pairs after this batch; present when the state tracks them (`PortfolioState.spreads`). */
  readonly spreads?: readonly SpreadPosition[];
  /** Present when redeem requests are pending (`PortfolioState.redeemOwedQuote`): the payout and its unwind. */
  readonly redemption?: RedemptionDecision;
}

export interface RedemptionDecision {
  readonly owedQuote: number;
  /** What idle could not pay while keeping its floor, raised from the invested book (0 = idle covers it). */
  readonly shortfallQuote: number;
  /** The share of every leg this batch unwinds (0 when idle covers the payout). */
  readonly fraction: number;
  /** Whether the chain layer should settle the requests after this batch (false while prices are stale). */
  readonly settle: boolean;
}
