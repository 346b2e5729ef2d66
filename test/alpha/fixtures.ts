import type { WorldData } from "../../scripts/alpha/backtest/engine.js";
import { defaultStrategyConfig, VENUES } from "../../scripts/alpha/strategy/config.js";
import type {
  FundingPrint,
  MarketHistory,
  MarketSnapshot,
  PerpPosition,
  PortfolioState,
  StrategyConfig,
  VenueId,
} from "../../scripts/alpha/strategy/types.js";
import { AssertionError } from "chai";

export const HOUR = 3600;
export const DAY = 86_400;
/** 2022-03-01 00:00 UTC: a rebalance instant (multiple of 8 h). */
export const T0 = Date.UTC(2022, 2, 1) / 1000;

/** Three 8-hourly venues keep the scenarios small; everything else is the production default. */
export function testConfig(overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  return defaultStrategyConfig("BTC", { allowedVenues: ["binance", "bybit", "gate"], ...overrides });
}

/** Prints of one venue on its schedule over [from, to], rate per interval given by `rate(t)`. */
export function prints(venue: VenueId, from: number, to: number, rate: (t: number) => number): FundingPrint[] {
  const meta = VENUES[venue];
  const step = meta.intervalHours * HOUR;
  const out: FundingPrint[] = [];
  for (let t = Math.ceil((from - meta.phaseHours * HOUR) / step) * step + meta.phaseHours * HOUR; t <= to; t += step) {
    const r = rate(t);
    out.push({ venue, settleTime: t, knownAt: t, ratePerInterval: r, intervalHours: meta.intervalHours, ratePerHour: r / meta.intervalHours });
  }
  return out;
}

/** 30 days of history to `now` for each venue with a constant (or time-dependent) rate per 8 h. */
export function history(now: number, rates: Partial<Record<VenueId, number | ((t: number) => number)>>): MarketHistory {
  const funding: Partial<Record<VenueId, FundingPrint[]>> = {};
  for (const [venue, rate] of Object.entries(rates) as [VenueId, number | ((t: number) => number)][]) {
    funding[venue] = prints(venue, now - 30 * DAY, now, typeof rate === "number" ? () => rate : rate);
  }
  return { funding };
}

export function snapshot(now: number, price: number, h: MarketHistory, extra: Partial<MarketSnapshot> = {}): MarketSnapshot {
  const venues = (Object.keys(h.funding) as VenueId[]).map((venue) => {
    const list = h.funding[venue] ?? [];
    const last = list[list.length - 1];
    return last === undefined ? { venue, markPrice: price, markTime: now } : { venue, markPrice: price, markTime: now, lastFunding: last };
  });
  return { time: now, asset: "BTC", spotPrice: price, spotTime: now, venues, ...extra };
}

export function emptyState(capital: number, now: number = T0): PortfolioState {
  return { time: now, idleQuote: capital, spotBase: {}, credit: {}, perps: [] };
}

/**
 * A carry book built by hand: `shortBase` split evenly over `venues`, each at `leverage` (margin =
 * notional / leverage, entry at `entry`), the long leg supplied to the credit market, the rest idle.
 */
export function heldState(args: {
  capital: number;
  entry: number;
  shortBase: number;
  venues: readonly VenueId[];
  leverage?: number;
  now?: number;
  borrowQuote?: number;
}): PortfolioState {
  const leverage = args.leverage ?? 2.5;
  const per = args.shortBase / args.venues.length;
  const perps: PerpPosition[] = args.venues.map((venue) => ({
    venue,
    asset: "BTC",
    sizeBase: -per,
    entryPrice: args.entry,
    marginQuote: (per * args.entry) / leverage,
  }));
  const used = args.shortBase * args.entry * (1 + 1 / leverage);
  return {
    time: args.now ?? T0,
    idleQuote: args.capital - used + (args.borrowQuote ?? 0),
    spotBase: {},
    credit: { BTC: { supplyBase: args.shortBase, supplyQuote: 0, borrowBase: 0, borrowQuote: args.borrowQuote ?? 0 } },
    perps,
  };
}

/** A synthetic hourly world: price path `price(t)`, high = low = close, spot = mark. */
export function syntheticWorld(args: {
  from: number;
  hours: number;
  price: (t: number) => number;
  rates: Partial<Record<VenueId, (t: number) => number>>;
  highs?: (t: number) => number;
}): WorldData {
  const n = args.hours;
  const time = new Float64Array(n);
  const mark = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  for (let i = 0; i < n; i += 1) {
    const t = args.from + i * HOUR;
    time[i] = t;
    mark[i] = args.price(t);
    high[i] = args.highs?.(t) ?? args.price(t);
    low[i] = args.price(t);
  }
  const funding: Partial<Record<VenueId, FundingPrint[]>> = {};
  for (const [venue, rate] of Object.entries(args.rates) as [VenueId, (t: number) => number][]) {
    funding[venue] = prints(venue, args.from - 30 * DAY, args.from + n * HOUR, rate);
  }
  return { asset: "BTC", prices: { asset: "BTC", time, mark, high, low, spot: mark.slice() }, funding };
}

/**
 * `actual` is within `tolerance` of `expected`. (Not chai's `closeTo`: Hardhat's chai-matchers plugin, once any
 * suite opens a network connection, replaces it with a bigint version that rejects fractional numbers.)
 */
export function expectClose(actual: number | undefined, expected: number, tolerance: number): void {
  if (actual === undefined || !Number.isFinite(actual) || Math.abs(actual - expected) > tolerance) {
    throw new AssertionError(`expected ${actual} to be within ${tolerance} of ${expected}`, {
      actual,
      expected,
      showDiff: true,
    });
  }
}
