import type { DecisionLogger } from "./log.js";
import type { VenueHealth } from "./risk.js";
import type { FundingForecast, PortfolioState, SpreadPosition, StrategyConfig, VenueId } from "./types.js";
import { eligibleVenues, perpRoundTripCost } from "./venues.js";

/**
 * Cross-venue spread trades: long the perp on the venue whose funding is forecast lowest against short
 * on the one forecast highest, equal sizes (delta neutral by itself: the long leg does not change).
 * Per unit notional it earns f_rich − f_cheap per hour and needs margin on both venues, 2 / L of the
 * notional, which it takes from the carry hedge (the hedge is sized on NAV minus that reserve). So it
 * opens, at a scheduled rebalance, only when its forecast spread beats what the same capital earns in
 * the hedge, and the excess over the holding horizon beats `entryHurdle` × the round trip:
 *   fees and size-dependent slippage in and out on both venues, the premium gap between the two
 *   marks (paid in full, as if it never converged: conservative), four collateral transfers, gas,
 *   and the displaced hedge's own round trip.
 * It closes when the forecast spread (net of the hedge's carry on the same capital) falls below
 * `exitApr`, or at any hour when either venue is unhealthy. One spread at a time; its size is fixed
 * at entry (trimmed only by the venue caps).
 * The book must carry its spread pairs (`PortfolioState.spreads`): a venue's position alone does not
 * say which part is hedge and which spread. Without it (the chain layer's book today) no spread opens.
 */
export interface SpreadDecision {
  readonly spread: SpreadPosition | undefined;
  /** Margin the spread holds (or is about to): the hedge is sized on NAV minus this. */
  readonly reserveQuote: number;
  readonly opening: boolean;
}

/** Signed per-venue size the spreads contribute (long venue +, short venue −). */
export function spreadLegs(spreads: readonly SpreadPosition[] | undefined): Map<VenueId, number> {
  const legs = new Map<VenueId, number>();
  for (const s of spreads ?? []) {
    legs.set(s.longVenue, (legs.get(s.longVenue) ?? 0) + s.sizeBase);
    legs.set(s.shortVenue, (legs.get(s.shortVenue) ?? 0) - s.sizeBase);
  }
  return legs;
}

/** The book as the carry hedge sees it: every venue's position minus the spreads' legs. */
export function hedgeOnlyState(state: PortfolioState): PortfolioState {
  const legs = spreadLegs(state.spreads);
  if (legs.size === 0) return state;
  const perps = state.perps.map((p) => {
    const leg = legs.get(p.venue) ?? 0;
    if (leg === 0 || p.sizeBase === 0) return p;
    const size = p.sizeBase - leg;
    return { ...p, sizeBase: Math.abs(size) < 1e-12 ? 0 : size, marginQuote: p.marginQuote * Math.min(1, Math.abs(size) / Math.abs(p.sizeBase)) };
  });
  return { ...state, perps };
}

/** Round trip of a spread of `notionalQuote` per leg, as a fraction of that notional. */
export function spreadRoundTripCost(
  config: StrategyConfig,
  longVenue: VenueId,
  shortVenue: VenueId,
  notionalQuote: number,
  markOf: (venue: VenueId) => number,
  spot: number,
): number {
  const fees = perpRoundTripCost(config, longVenue, notionalQuote) + perpRoundTripCost(config, shortVenue, notionalQuote);
  const basis = Math.abs(markOf(longVenue) - markOf(shortVenue)) / spot;
  const transfers = 2 * ((config.venues[longVenue]?.transferCostQuote ?? 0) + (config.venues[shortVenue]?.transferCostQuote ?? 0));
  const fixed = transfers + 8 * config.gasPerActionQuote;
  return fees + basis + (notionalQuote > 0 ? fixed / notionalQuote : Number.POSITIVE_INFINITY);
}

export function decideSpread(args: {
  config: StrategyConfig;
  held: SpreadPosition | undefined;
  forecast: FundingForecast;
  health: readonly VenueHealth[];
  markOf: (venue: VenueId) => number;
  spot: number;
  navQuote: number;
  rebalanceNow: boolean;
  /** Carry per hour per unit notional of the hedge the spread's capital comes from (≥ 0 counted). */
  hedgeCarryPerHour: number;
  /** The hedge's round trip (fraction of notional): the displaced part pays it. */
  hedgeRoundTripCost: number;
  now: number;
  log: DecisionLogger;
}): SpreadDecision {
  const { config, held, forecast, log } = args;
  const cfg = config.spread;
  const none: SpreadDecision = { spread: undefined, reserveQuote: 0, opening: false };
  const lev = config.targetLeverage;
  // Hedge notional the spread's capital would otherwise carry, per unit of spread notional.
  const displaced = 2 / (lev + 1);
  const eligible = eligibleVenues(config, forecast, args.health);
  const rate = (venue: VenueId): number | undefined => eligible.find((v) => v.venue === venue)?.expectedPerHour;
  const excessPerHour = (cheap: number, rich: number): number => rich - cheap - displaced * Math.max(0, args.hedgeCarryPerHour);
  const reserve = (s: SpreadPosition): number => (s.sizeBase * (args.markOf(s.longVenue) + args.markOf(s.shortVenue))) / lev;

  if (held !== undefined) {
    const cheap = rate(held.longVenue);
    const rich = rate(held.shortVenue);
    const numbers = { sizeBase: held.sizeBase, heldHours: (args.now - held.openedAt) / 3600 };
    if (cfg === undefined) {
      log.add("flag", "close spread: spread trades are off", numbers);
      return none;
    }
    if (cheap === undefined || rich === undefined) {
      log.add("flag", `close spread ${held.longVenue}/${held.shortVenue}: a venue is unhealthy or has too few prints`, numbers);
      return none;
    }
    if (!args.rebalanceNow) return { spread: held, reserveQuote: reserve(held), opening: false };
    const excessApr = excessPerHour(cheap, rich) * 8760;
    if (excessApr < cfg.exitApr) {
      log.add("flag", `close spread long ${held.longVenue} / short ${held.shortVenue}: forecast spread no longer pays`, { ...numbers, excessApr, spreadApr: (rich - cheap) * 8760 });
      return none;
    }
    return { spread: held, reserveQuote: reserve(held), opening: false };
  }
  if (cfg === undefined || !args.rebalanceNow || eligible.length < 2) return none;

  const byRate = [...eligible].sort((a, b) => a.expectedPerHour - b.expectedPerHour || (a.venue < b.venue ? -1 : 1));
  const cheap = byRate[0];
  const rich = byRate[byRate.length - 1];
  if (cheap === undefined || rich === undefined || cheap.venue === rich.venue) return none;
  const marginQuote = cfg.maxNavShare * args.navQuote;
  const notional = (marginQuote * lev) / 2;
  const excess = excessPerHour(cheap.expectedPerHour, rich.expectedPerHour);
  const cost = spreadRoundTripCost(config, cheap.venue, rich.venue, notional, args.markOf, args.spot) + displaced * args.hedgeRoundTripCost;
  const gain = excess * config.holdingHorizonHours;
  const numbers = { spreadApr: (rich.expectedPerHour - cheap.expectedPerHour) * 8760, excessApr: excess * 8760, gain, cost, notionalQuote: notional };
  if (!(excess * 8760 > cfg.exitApr) || gain <= cfg.entryHurdle * cost) return none;
  const sizeBase = notional / ((args.markOf(cheap.venue) + args.markOf(rich.venue)) / 2);
  const spread: SpreadPosition = { longVenue: cheap.venue, shortVenue: rich.venue, sizeBase, openedAt: args.now };
  log.add("flag", `open spread long ${cheap.venue} / short ${rich.venue}: forecast spread beats the round trip`, numbers);
  return { spread, reserveQuote: reserve(spread), opening: true };
}

/**
 * The spread within the venue caps, given the hedge's |size| per venue: the short venue holds hedge +
 * spread (≤ cap), the long venue −hedge + spread (|·| ≤ cap). Undefined when what is left is below a
 * minimum trade.
 */
export function capSpread(
  config: StrategyConfig,
  spread: SpreadPosition,
  hedgeAbs: (venue: VenueId) => number,
  markOf: (venue: VenueId) => number,
  navQuote: number,
): SpreadPosition | undefined {
  const capBase = (venue: VenueId): number => ((config.perpVenueCapBps / 10_000) * navQuote * config.targetLeverage) / markOf(venue);
  const room = Math.min(capBase(spread.shortVenue) - hedgeAbs(spread.shortVenue), capBase(spread.longVenue) + hedgeAbs(spread.longVenue));
  const size = Math.min(spread.sizeBase, Math.max(0, room));
  if (size * markOf(spread.longVenue) < config.minTradeQuote) return undefined;
  return size === spread.sizeBase ? spread : { ...spread, sizeBase: size };
}
