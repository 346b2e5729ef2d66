import { venueMeta } from "./config.js";
import type { DecisionLogger } from "./log.js";
import { slippageFraction } from "./venueModel.js";
import type { VenueHealth } from "./risk.js";
import type { FundingForecast, PortfolioState, StrategyConfig, VenueForecast, VenueId } from "./types.js";

/**
 * Venue selection for the hedge. The hedge is split over `ceil(1 / maxVenueShare)` venues (a venue
 * failure then hits a bounded share). Venues are ranked by forecast carry for the side held (a short
 * earns +funding, a long earns −funding), on hourly-normalised rates. A held venue is swapped for a
 * better one only when the forecast gain over the horizon beats the cost of moving (close + open fees
 * and slippage, two collateral transfers, gas) by `switchHurdle`. Unhealthy venues are always left.
 */
export interface VenueAllocation {
  /** Target |size| per venue in base (sides are applied by the caller). */
  readonly sizes: ReadonlyMap<VenueId, number>;
  /** Total allocated; may be below the requested size when too few venues are eligible or caps bind. */
  readonly totalBase: number;
  /** Allocation-weighted expected carry per hour, per unit notional. */
  readonly expectedCarryPerHour: number;
}

export function carryPerHour(forecast: VenueForecast, side: "short" | "long"): number {
  return side === "short" ? forecast.expectedPerHour : -forecast.expectedPerHour;
}

/** Fraction of notional lost opening then closing on a venue (fees + slippage both ways, at this notional). */
export function perpRoundTripCost(config: StrategyConfig, venue: VenueId, notionalQuote = 0): number {
  const meta = venueMeta(config, venue);
  return 2 * (meta.takerFeeBps / 10_000 + slippageFraction(meta, notionalQuote));
}

/**
 * Funding-window awareness. Funding is paid to whoever holds the position at the settlement instant,
 * for the whole interval: entering a venue a fraction e of the way through its interval collects the
 * next payment in full for (1 − e) of the holding (a gain of e × one payment), and leaving it gives up
 * the e already accrued. Per unit notional: e × the expected carry of one interval. Zero at the
 * venue's settlement instants (the 8 h venues at 00/08/16 UTC); half a payment for KuCoin (04/12/20)
 * at those times.
 */
export function fundingWindowCarry(config: StrategyConfig, forecast: VenueForecast | undefined, side: "short" | "long", now: number): number {
  if (forecast === undefined) return 0;
  const meta = venueMeta(config, forecast.venue);
  const interval = meta.intervalHours * 3600;
  const elapsed = (((now - meta.phaseHours * 3600) % interval) + interval) % interval;
  return (elapsed / interval) * carryPerHour(forecast, side) * meta.intervalHours;
}

/**
 * Basis a short pays moving from `from` to `to` now: buy back at from's premium, sell at to's (per
 * unit notional; negative = a gain). Premium = mark / spot − 1 at each venue.
 */
export function switchBasisCost(markOf: (venue: VenueId) => number, spot: number | undefined, from: VenueId, to: VenueId, side: "short" | "long"): number {
  if (spot === undefined || !(spot > 0)) return 0;
  const premiumGap = (markOf(from) - markOf(to)) / spot;
  return side === "short" ? premiumGap : -premiumGap;
}

export function eligibleVenues(
  config: StrategyConfig,
  forecast: FundingForecast,
  health: readonly VenueHealth[],
): VenueForecast[] {
  const healthy = new Set(health.filter((h) => h.healthy).map((h) => h.venue));
  return forecast.venues.filter((v) => healthy.has(v.venue) && v.prints >= config.minPrintsForForecast);
}

export function allocateVenues(args: {
  config: StrategyConfig;
  state: PortfolioState;
  requestedBase: number;
  side: "short" | "long";
  forecast: FundingForecast;
  health: readonly VenueHealth[];
  reselect: boolean;
  markOf: (venue: VenueId) => number;
  navQuote: number;
  log: DecisionLogger;
  /** Spot price: with it, a switch also pays the premium gap between the two venues' marks. */
  spot?: number;
  /** Decision time: with it, a switch accounts for where each venue is in its funding window. */
  now?: number;
}): VenueAllocation {
  const { config, state, requestedBase, side, forecast, health, reselect, log } = args;
  const slots = Math.ceil(1 / config.maxVenueShare - 1e-9);
  const eligible = eligibleVenues(config, forecast, health);
  const carry = new Map(eligible.map((v) => [v.venue, carryPerHour(v, side)]));
  const ranked = [...eligible].sort((a, b) => carryPerHour(b, side) - carryPerHour(a, side) || (a.venue < b.venue ? -1 : 1));
  const healthyIds = new Set(health.filter((h) => h.healthy).map((h) => h.venue));
  const sideSign = side === "short" ? -1 : 1;
  const held = state.perps.filter((p) => p.asset === config.asset && p.sizeBase * sideSign > 0);

  let chosen: VenueId[] = [];
  for (const p of held) {
    if (healthyIds.has(p.venue)) chosen.push(p.venue);
    else {
      const reasons = health.find((h) => h.venue === p.venue)?.reasons.join(", ") ?? "not allowed";
      log.add("flag", `leave ${p.venue}: ${reasons}`, { sizeBase: p.sizeBase });
    }
  }
  const forcedExit = chosen.length < held.length;
  if (reselect || forcedExit || held.length === 0) {
    for (const candidate of ranked) {
      if (chosen.length >= slots) break;
      if (!chosen.includes(candidate.venue)) chosen.push(candidate.venue);
    }
    // Swap a held venue for a better one only when the forecast gain pays for the move.
    const perVenueNotional = (requestedBase / Math.max(1, Math.min(slots, chosen.length))) * avgMark(args, chosen);
    for (const incumbent of [...chosen].sort((a, b) => (carry.get(a) ?? 0) - (carry.get(b) ?? 0))) {
      const challenger = ranked.find((v) => !chosen.includes(v.venue));
      if (challenger === undefined) break;
      const gainPerHour = carryPerHour(challenger, side) - (carry.get(incumbent) ?? 0);
      const gain = gainPerHour * config.forecastHorizonHours * perVenueNotional;
      const basis = perVenueNotional * switchBasisCost(args.markOf, args.spot, incumbent, challenger.venue, side);
      const window =
        args.now === undefined
          ? 0
          : perVenueNotional *
            (fundingWindowCarry(config, challenger, side, args.now) - fundingWindowCarry(config, forecast.venues.find((v) => v.venue === incumbent), side, args.now));
      const moveCost =
        -window +
        (perVenueNotional * (perpRoundTripCost(config, incumbent, perVenueNotional) + perpRoundTripCost(config, challenger.venue, perVenueNotional))) / 2 +
        basis +
        venueMeta(config, incumbent).transferCostQuote +
        venueMeta(config, challenger.venue).transferCostQuote +
        4 * config.gasPerActionQuote;
      if (gain > config.switchHurdle * moveCost) {
        chosen = chosen.map((v) => (v === incumbent ? challenger.venue : v));
        log.add("flag", `switch venue ${incumbent} -> ${challenger.venue}: forecast gain beats move cost`, {
          gainQuote: gain,
          costQuote: moveCost,
          basisQuote: basis,
          fundingWindowQuote: window,
          incumbentApr: (carry.get(incumbent) ?? 0) * 8760,
          challengerApr: carryPerHour(challenger, side) * 8760,
        });
      }
    }
  }

  const sizes = new Map<VenueId, number>();
  if (chosen.length === 0 || requestedBase <= 0) return { sizes, totalBase: 0, expectedCarryPerHour: 0 };
  const perVenueShare = Math.min(config.maxVenueShare, 1 / chosen.length);
  let total = 0;
  let carrySum = 0;
  const keepProportions = !reselect && !forcedExit && held.length > 0;
  const heldTotal = held.reduce((sum, p) => sum + Math.abs(p.sizeBase), 0);
  for (const venue of chosen) {
    const mark = args.markOf(venue);
    const capBase = (config.perpVenueCapBps / 10_000) * args.navQuote * config.targetLeverage / mark;
    const heldSize = Math.abs(held.find((p) => p.venue === venue)?.sizeBase ?? 0);
    const share = keepProportions && heldTotal > 0 ? heldSize / heldTotal : perVenueShare;
    const size = capWithoutChurn(config, requestedBase * share, capBase, heldSize);
    sizes.set(venue, size);
    total += size;
    carrySum += size * (carry.get(venue) ?? 0);
  }
  return { sizes, totalBase: total, expectedCarryPerHour: total > 0 ? carrySum / total : 0 };
}

/**
 * The venue cap without churn. The cap in base (cap × NAV × target leverage / mark) moves with NAV and
 * price every hour; a hedge pinned to it would be trimmed and topped up in small steps at every
 * rebalance. A held size near a binding cap is left alone: it is cut back only when it exceeds the cap
 * by more than half the leverage headroom (the vault's limit is on margin equity, and the position may
 * run between target and maximum leverage), and grown toward the cap only by more than `driftBand`.
 */
export function capWithoutChurn(config: StrategyConfig, wanted: number, capBase: number, heldSize: number): number {
  const capped = Math.min(wanted, capBase);
  if (heldSize <= 0 || wanted < heldSize) return capped;
  const tolerance = Math.min(config.driftBand, config.maxLeverage / config.targetLeverage - 1) / 2;
  if (heldSize > capBase) return heldSize <= capBase * (1 + tolerance) ? heldSize : capBase;
  // Below the cap: growth toward a binding cap in steps smaller than the drift band waits.
  return wanted > capBase && capBase - heldSize < config.driftBand * heldSize ? heldSize : capped;
}

function avgMark(args: { markOf: (venue: VenueId) => number }, venues: readonly VenueId[]): number {
  if (venues.length === 0) return 0;
  return venues.reduce((sum, v) => sum + args.markOf(v), 0) / venues.length;
}

/** Best achievable carry per hour for a fresh entry on the top venues (for entry/exit decisions). */
export function bestEntryCarry(
  config: StrategyConfig,
  forecast: FundingForecast,
  health: readonly VenueHealth[],
  side: "short" | "long",
): number {
  const slots = Math.ceil(1 / config.maxVenueShare - 1e-9);
  const top = eligibleVenues(config, forecast, health)
    .map((v) => carryPerHour(v, side))
    .sort((a, b) => b - a)
    .slice(0, slots);
  return top.length === 0 ? Number.NEGATIVE_INFINITY : top.reduce((a, b) => a + b, 0) / top.length;
}
