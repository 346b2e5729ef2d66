import { venueMeta } from "./config.js";
import type {
  MarketHistory,
  MarketSnapshot,
  PortfolioMarginView,
  PortfolioState,
  RiskFlag,
  RiskReport,
  StrategyConfig,
  VenueId,
  VenueMeta,
  VenueRisk,
} from "./types.js";
import {
  creditLtv,
  creditOf,
  creditValue,
  liquidationDistance,
  markOf,
  netAssetValue,
  netDeltaBase,
  perpEquity,
  perpLeverage,
  perpNotional,
  spotValue,
  type PriceView,
} from "./valuation.js";
import { maintenanceMarginQuote, maintenanceRate } from "./venueModel.js";

export interface VenueHealth {
  readonly venue: VenueId;
  /** Eligible for new or larger positions. */
  readonly healthy: boolean;
  /** Has ever printed (a venue that has not listed yet is not an outage). */
  readonly listed: boolean;
  readonly reasons: readonly string[];
  readonly lastPrintAgeSec: number;
}

export function priceView(snapshot: MarketSnapshot): PriceView {
  const mark: Partial<Record<VenueId, number>> = {};
  for (const q of snapshot.venues) mark[q.venue] = q.markPrice;
  return { asset: snapshot.asset, spot: snapshot.spotPrice, mark };
}

/**
 * Age of the oldest price the book's valuation needs: spot, and the mark of every venue holding a
 * position (a stale mark on a venue the book does not use only makes that venue ineligible).
 */
export function stalePriceAge(snapshot: MarketSnapshot, state: PortfolioState): number {
  let age = snapshot.time - snapshot.spotTime;
  for (const q of snapshot.venues) {
    const held = state.perps.some((p) => p.venue === q.venue && (p.sizeBase !== 0 || p.marginQuote !== 0));
    if (held) age = Math.max(age, snapshot.time - q.markTime);
  }
  for (const p of state.perps) {
    const quoted = snapshot.venues.some((q) => q.venue === p.venue);
    if (!quoted && (p.sizeBase !== 0 || p.marginQuote !== 0)) age = Number.POSITIVE_INFINITY;
  }
  return age;
}

/**
 * Per-venue health. A listed venue whose last print is older than `staleFundingIntervals` of its
 * own interval is treated as out (missing prints = outage: the data or the venue is down), as is a
 * venue reported down, with a stale mark, or whose mark is dislocated from spot.
 */
export function assessVenues(
  config: StrategyConfig,
  snapshot: MarketSnapshot,
  history: MarketHistory,
): { health: readonly VenueHealth[]; flags: readonly RiskFlag[] } {
  const health: VenueHealth[] = [];
  const flags: RiskFlag[] = [];
  for (const venue of config.allowedVenues) {
    const meta = venueMeta(config, venue);
    const quote = snapshot.venues.find((q) => q.venue === venue);
    const prints = history.funding[venue] ?? [];
    let lastKnown = quote?.lastFunding;
    for (let i = prints.length - 1; i >= 0; i -= 1) {
      const print = prints[i];
      if (print !== undefined && print.knownAt <= snapshot.time) {
        if (lastKnown === undefined || print.settleTime > lastKnown.settleTime) lastKnown = print;
        break;
      }
    }
    const reasons: string[] = [];
    const listed = lastKnown !== undefined;
    const lastPrintAgeSec = lastKnown === undefined ? Number.POSITIVE_INFINITY : snapshot.time - lastKnown.settleTime;
    if (!listed) reasons.push("no funding history");
    else if (lastPrintAgeSec > config.staleFundingIntervals * meta.intervalHours * 3600) {
      reasons.push("funding prints missing");
      flags.push({ kind: "venueOutage", venue, lastPrintAgeSec });
    }
    if (quote === undefined) reasons.push("no quote");
    else {
      if (quote.reportedDown === true) {
        reasons.push("reported down");
        flags.push({ kind: "venueOutage", venue, lastPrintAgeSec });
      }
      if (snapshot.time - quote.markTime > config.maxPriceAgeSec) reasons.push("stale mark");
      const basis = quote.markPrice / snapshot.spotPrice - 1;
      if (Math.abs(basis) > config.maxBasis) {
        reasons.push("mark dislocated from spot");
        flags.push({ kind: "basisDislocation", venue, basis });
      }
    }
    health.push({ venue, healthy: reasons.length === 0, listed, reasons, lastPrintAgeSec });
  }
  return { health, flags };
}

export function assessRisk(
  config: StrategyConfig,
  state: PortfolioState,
  snapshot: MarketSnapshot,
  health: readonly VenueHealth[],
  venueFlags: readonly RiskFlag[],
): RiskReport {
  const prices = priceView(snapshot);
  const nav = netAssetValue(state, prices);
  const bps = (x: number): number => (nav > 0 ? (x / nav) * 10_000 : 0);
  const flags: RiskFlag[] = [...venueFlags];
  const priceAge = stalePriceAge(snapshot, state);
  if (priceAge > config.maxPriceAgeSec) flags.push({ kind: "stalePrice", ageSec: priceAge });
  if (snapshot.quotePegUsd !== undefined && Math.abs(snapshot.quotePegUsd - 1) > config.quoteDepegThreshold) {
    flags.push({ kind: "quoteDepeg", pegUsd: snapshot.quotePegUsd });
  }
  const venues: VenueRisk[] = [];
  for (const position of state.perps) {
    if (position.sizeBase === 0 && position.marginQuote === 0) continue;
    const mark = markOf(prices, position.venue);
    const meta = venueMeta(config, position.venue);
    const distance = liquidationDistance(position, mark, maintenanceRate(meta, position.sizeBase * mark));
    const equity = perpEquity(position, mark);
    if (distance < config.minLiquidationDistance) flags.push({ kind: "liquidationNear", venue: position.venue, distance });
    venues.push({
      venue: position.venue,
      notionalQuote: perpNotional(position, mark),
      equityQuote: equity,
      leverage: perpLeverage(position, mark),
      liquidationDistance: distance,
      exposureBps: bps(equity),
      stale: health.find((h) => h.venue === position.venue)?.healthy === false,
    });
  }
  const credit = creditOf(state, snapshot.asset);
  const delta = netDeltaBase(state, snapshot.asset);
  const portfolioMargin = portfolioMarginView(config, state, prices);
  return {
    navQuote: nav,
    idleBps: bps(state.idleQuote),
    spotBps: bps(spotValue(state, prices)),
    creditBps: bps(creditValue(credit, prices.spot)),
    venues,
    netDeltaBase: { [snapshot.asset]: delta },
    netDeltaBps: { [snapshot.asset]: bps(delta * prices.spot) },
    creditLtv: creditLtv(credit, prices.spot),
    flags,
    portfolioMargin,
  };
}

/** Isolated per-venue margin against one netted account (types.ts `PortfolioMarginView`). */
export function portfolioMarginView(config: StrategyConfig, state: PortfolioState, prices: PriceView): PortfolioMarginView {
  const asset = config.asset;
  let perpBase = 0;
  let gross = 0;
  let posted = 0;
  let isolatedMaintenance = 0;
  let isolatedInitial = 0;
  let worstMeta: VenueMeta | undefined;
  for (const p of state.perps) {
    if (p.asset !== asset) continue;
    const mark = markOf(prices, p.venue);
    const meta = venueMeta(config, p.venue);
    const notional = perpNotional(p, mark);
    perpBase += p.sizeBase;
    gross += notional;
    posted += perpEquity(p, mark);
    isolatedMaintenance += maintenanceMarginQuote(meta, notional);
    isolatedInitial += notional / config.maxLeverage;
    if (worstMeta === undefined || maintenanceRate(meta, notional) > maintenanceRate(worstMeta, notional)) worstMeta = meta;
  }
  const credit = creditOf(state, asset);
  const longLegBase = (state.spotBase[asset] ?? 0) + credit.supplyBase - credit.borrowBase;
  const netBase = perpBase + longLegBase;
  const netNotional = Math.abs(netBase) * prices.spot;
  const basisAddOn = config.maxBasis * gross;
  const nettedMaintenance = (worstMeta === undefined ? 0 : maintenanceMarginQuote(worstMeta, netNotional)) + basisAddOn;
  const nettedInitial = netNotional / config.maxLeverage + basisAddOn;
  return {
    perpBase,
    longLegBase,
    netBase,
    grossNotionalQuote: gross,
    postedQuote: posted,
    isolatedMaintenanceQuote: isolatedMaintenance,
    isolatedInitialQuote: isolatedInitial,
    nettedMaintenanceQuote: nettedMaintenance,
    nettedInitialQuote: nettedInitial,
    freedQuote: Math.max(0, posted - nettedInitial),
  };
}
