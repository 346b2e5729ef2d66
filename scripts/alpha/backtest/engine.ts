import type { HourlyPrices } from "../data/prices.js";
import { indexAtOrAfter } from "../data/prices.js";
import { venueMeta } from "../strategy/config.js";
import { decide } from "../strategy/decide.js";
import { checkGuardrails } from "../strategy/guardrails.js";
import { addCosts, applyActions } from "../strategy/ledger.js";
import type { Asset, DecisionLog, FundingPrint, MarketHistory, MarketSnapshot, PortfolioState, Regime, StrategyConfig, VenueId } from "../strategy/types.js";
import { netAssetValue, type PriceView } from "../strategy/valuation.js";
import { maintenanceMarginQuote, slippageFraction } from "../strategy/venueModel.js";
import { checkHedgeLiquidation, emptyHedge, enterHedge, hedgeFunding, hedgeNav, hedgeNotional as bookHedgeNotional, rehedge, type HedgeBenchmarkOptions, type HedgeBook } from "./benchmarks.js";
import {
  accrueInterest,
  basisOf,
  hedgeNotional,
  legReport,
  liquidate,
  minLiqDistance,
  netDelta,
  newAccumulator,
  payFunding,
  type LegReport,
} from "./legs.js";
import { DEFAULT_RISK_FREE_APR } from "./metrics.js";
import { passiveEntry, type PassiveOptions } from "./passive.js";
import { dailySpotHistory, venuePricePath, type PriceModel, type VenuePricePath } from "./venuePrices.js";
import { accrueYield, NO_YIELD, type YieldAssumptions } from "./yields.js";
import { EventTracker, ScenarioClock, withOutage, type EventOutcome, type Scenario } from "./scenario.js";
import { findPerp, replacePerp, resizePerp } from "../strategy/ledger.js";

export type { LegReport } from "./legs.js";
export type { PassiveOptions } from "./passive.js";
export { passiveEntry } from "./passive.js";

/**
 * Chain-free backtester. Each hour t (end of an hourly bar):
 *   1. liquidations: a position whose equity at its venue's worst price in the bar (high for a short,
 *      low for a long) is below the tiered maintenance margin is closed and its isolated margin lost;
 *   2. funding settled at t on each venue pays −size × that venue's mark × rate into its margin;
 *   3. credit interest and the yield on what waits accrue for the hour;
 *   4. the strategy's `decide` sees only data known at t, and its actions are executed with the same
 *      ledger (fees, size-dependent slippage, gas, transfer costs) the engine planned with;
 *   5. the vault's guardrails are checked on the post-batch state (breaches are counted).
 * Prices: each venue's own mark (venuePrices.ts: index × (1 + the premium its funding implies)), or
 * every venue at the Binance perp close (`priceModel: "binance-mark"`, as the chain replay).
 * Two benchmarks run beside it on the same data and prices:
 *  - `benchmark` (the headline): the Ethena-style trade (benchmarks.ts): 1x short on one venue against
 *    spot posted as its collateral, delta-hedged, never liquidated in practice, never switching venue;
 *  - `passive` (second line): short one venue at fixed notional from the first hour, 3x, 10 % idle
 *    buffer, long spot, never rebalanced, liquidated if it would be.
 */
export interface WorldData {
  readonly asset: Asset;
  readonly prices: HourlyPrices;
  readonly funding: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
}

export interface BacktestOptions {
  readonly config: StrategyConfig;
  readonly capitalQuote: number;
  /** Window, unix seconds UTC: first and last decision instants (inclusive). */
  readonly from: number;
  readonly to: number;
  readonly historyWindowHours?: number;
  readonly passive?: PassiveOptions;
  /** The Ethena-style benchmark (default: Binance, the strategy's idle buffer). */
  readonly benchmark?: HedgeBenchmarkOptions;
  /** Annual risk-free rate for Sharpe ratios and excess returns (default DEFAULT_RISK_FREE_APR). */
  readonly riskFreeApr?: number;
  /** Default "per-venue". */
  readonly priceModel?: PriceModel;
  /** Yield on idle, margin and the long leg (default none). */
  readonly yields?: YieldAssumptions;
  /** Risk events (venue outage, quote depeg, ADL, liquidity drop) fed to the strategy and the ledger. */
  readonly scenario?: Scenario;
}

export interface DailyPoint {
  readonly time: number;
  readonly nav: number;
  readonly passiveNav: number;
  readonly benchmarkNav: number;
  readonly fundingCum: number;
  readonly passiveFundingCum: number;
  readonly benchmarkFundingCum: number;
  /** Hedge notional / NAV. */
  readonly exposure: number;
  readonly passiveExposure: number;
  readonly benchmarkExposure: number;
  /** Smallest liquidation distance over the day (fraction; capped at 1 for charts). */
  readonly minLiqDistance: number;
  readonly passiveMinLiqDistance: number;
  readonly netDeltaBps: number;
  /** The risk monitor's portfolio-margin view at the day's last decision: collateral posted on venues, and what netting would free. */
  readonly postedMarginQuote: number;
  readonly nettingFreesQuote: number;
}

export interface BacktestResult {
  readonly asset: Asset;
  readonly from: number;
  readonly to: number;
  readonly capitalQuote: number;
  readonly strategy: LegReport;
  /** The Ethena-style benchmark: the headline comparison. */
  readonly benchmark: LegReport;
  readonly benchmarkVenue: VenueId;
  /** The 3x never-rebalanced short: the second line. */
  readonly passive: LegReport;
  readonly riskFreeApr: number;
  readonly priceModel: PriceModel;
  readonly yields: YieldAssumptions;
  readonly daily: readonly DailyPoint[];
  readonly regimeHours: Readonly<Record<Regime, number>>;
  /** Hedge base-hours per venue (share of time × size). */
  readonly venueShare: Readonly<Partial<Record<VenueId, number>>>;
  readonly guardrailBreaches: readonly { readonly time: number; readonly rule: string; readonly value: number; readonly limit: number }[];
  readonly decisions: readonly DecisionLog[];
  readonly actionCount: number;
  readonly scenario?: { readonly name: string; readonly kind: Scenario["kind"]; readonly outcomes: readonly EventOutcome[] };
}

const DEFAULT_PASSIVE: PassiveOptions = { venue: "binance", leverage: 3, afterLiquidation: "hold-spot" };
const HOUR = 3600;

export function runBacktest(world: WorldData, options: BacktestOptions): BacktestResult {
  const { config, capitalQuote } = options;
  const passiveOptions = options.passive ?? DEFAULT_PASSIVE;
  const benchOptions: HedgeBenchmarkOptions = options.benchmark ?? { venue: "binance" };
  const riskFreeApr = options.riskFreeApr ?? DEFAULT_RISK_FREE_APR;
  const priceModel = options.priceModel ?? "per-venue";
  const yields = options.yields ?? NO_YIELD;
  if (world.asset !== config.asset) throw new Error(`data is ${world.asset}, config trades ${config.asset}`);
  if (!(capitalQuote > 0)) throw new Error(`capitalQuote must be > 0 (got ${capitalQuote})`);
  const p = world.prices;
  const start = indexAtOrAfter(p.time, options.from);
  const endExclusive = indexAtOrAfter(p.time, options.to + 1);
  if (start >= endExclusive) throw new Error("the window holds no price data");
  const windowSec = (options.historyWindowHours ?? 24 * 60) * HOUR;

  const venues = config.allowedVenues.filter((v) => (world.funding[v]?.length ?? 0) > 0);
  const settled = [...new Set<VenueId>([...venues, benchOptions.venue, passiveOptions.venue])].filter((v) => (world.funding[v]?.length ?? 0) > 0);
  for (const v of [benchOptions.venue, passiveOptions.venue]) {
    if (!settled.includes(v)) throw new Error(`benchmark venue ${v} has no funding data for ${world.asset}`);
  }
  const paths = new Map<VenueId, VenuePricePath>();
  for (const v of settled) paths.set(v, venuePricePath(p, world.funding[v] ?? [], venueMeta(config, v), priceModel));
  const path = (v: VenueId): VenuePricePath => paths.get(v) as VenuePricePath;
  const settlePtr = new Map<VenueId, number>();
  const knownPtr = new Map<VenueId, number>();
  const lowPtr = new Map<VenueId, number>();
  // Each venue's history window, re-sliced only when it moves (between settlements it is the same array).
  const windowCache = new Map<VenueId, { lo: number; hi: number; prints: readonly FundingPrint[] }>();
  const t0 = p.time[start] as number;
  for (const v of settled) {
    const prints = world.funding[v] ?? [];
    // Funding settled before the window does not pay the (not yet opened) positions.
    const first = prints.findIndex((x) => x.settleTime >= t0);
    settlePtr.set(v, first < 0 ? prints.length : first);
    knownPtr.set(v, 0);
    lowPtr.set(v, 0);
  }

  let state: PortfolioState = { time: t0, idleQuote: capitalQuote, spotBase: {}, credit: {}, perps: [] };
  let passive: PortfolioState = { ...state };
  const strat = newAccumulator();
  const pass = newAccumulator();
  const bench = newAccumulator();
  let hedge: HedgeBook = emptyHedge(benchOptions.venue, capitalQuote);
  const passiveConfig: StrategyConfig = { ...config, longLeg: "spot" };
  let entered = false;

  const n = endExclusive - start;
  const hourly = { time: new Float64Array(n), nav: new Float64Array(n), passiveNav: new Float64Array(n), benchmarkNav: new Float64Array(n) };
  const daily: DailyPoint[] = [];
  const regimeHours: Record<Regime, number> = { positive: 0, negative: 0, transition: 0 };
  const venueShare: Partial<Record<VenueId, number>> = {};
  const breaches: BacktestResult["guardrailBreaches"][number][] = [];
  const decisions: DecisionLog[] = [];
  let actionCount = 0;
  let dayMinLiq = Number.POSITIVE_INFINITY;
  let dayMinLiqPassive = Number.POSITIVE_INFINITY;
  let pm = { posted: 0, freed: 0 };
  const hedgeMeta = venueMeta(config, benchOptions.venue);
  const clock = new ScenarioClock(options.scenario, config);
  const spotHistory = dailySpotHistory(p, config.trendLookbackHours ?? 168);
  const tracker = new EventTracker(options.scenario);

  for (let i = start; i < endExclusive; i += 1) {
    const t = p.time[i] as number;
    const spot = p.spot[i] as number;
    const mark: Partial<Record<VenueId, number>> = {};
    for (const v of settled) mark[v] = path(v).mark[i] as number;
    const markOf = (v: VenueId): number => mark[v] ?? spot;
    const prices: PriceView = { asset: config.asset, spot, mark };
    const worst = (v: VenueId, short: boolean): number => (short ? path(v).high[i] : path(v).low[i]) as number;

    const events = clock.at(t);
    const cfg = events.config;
    tracker.before(t, state);
    // Auto-deleveraging: the venue closes part of the book's position at the mark, unasked.
    for (const adl of events.adl) {
      const pos = findPerp(state, adl.venue, config.asset);
      if (pos.sizeBase === 0) continue;
      const cut = pos.sizeBase * adl.fraction;
      state = replacePerp(state, resizePerp(pos, pos.sizeBase - cut, markOf(adl.venue)));
      tracker.deleveraged(t, adl.venue, Math.abs(cut));
    }

    // 1. Liquidations inside the bar that ends at t.
    state = liquidate(config, state, worst, t, strat);
    const passiveLiquidations = pass.liquidations.length;
    passive = liquidate(config, passive, worst, t, pass);
    if (passiveOptions.afterLiquidation === "sell-spot" && pass.liquidations.length > passiveLiquidations && (passive.spotBase[config.asset] ?? 0) > 0) {
      const sold = applyActions(passiveConfig, passive, [{ kind: "spot.sell", asset: config.asset, amountBase: passive.spotBase[config.asset] ?? 0 }], prices);
      passive = sold.state;
      pass.costs = addCosts(pass.costs, sold.cost);
      pass.actions += 1;
    }
    const hedgeHigh = worst(hedge.venue, true);
    const hedgeLiq = checkHedgeLiquidation(hedge, (hedgeHigh * spot) / markOf(hedge.venue), hedgeHigh, (notional) => maintenanceMarginQuote(hedgeMeta, notional));
    if (hedgeLiq !== undefined) {
      hedge = hedgeLiq.book;
      bench.liquidations.push({ time: t, venue: hedge.venue, lossQuote: hedgeLiq.lossQuote });
    }

    // 2. Funding settled at t, on each venue at its own mark.
    for (const v of settled) {
      const prints = world.funding[v] ?? [];
      let ptr = settlePtr.get(v) ?? 0;
      while (ptr < prints.length && (prints[ptr] as FundingPrint).settleTime <= t) {
        const rate = (prints[ptr] as FundingPrint).ratePerInterval;
        state = payFunding(state, v, rate, markOf(v), strat);
        passive = payFunding(passive, v, rate, markOf(v), pass);
        if (v === hedge.venue) {
          const paid = hedgeFunding(hedge, rate, markOf(v));
          hedge = paid.book;
          bench.funding += paid.paymentQuote;
          bench.fundingByVenue[v] = (bench.fundingByVenue[v] ?? 0) + paid.paymentQuote;
        }
        ptr += 1;
      }
      settlePtr.set(v, ptr);
    }

    // 3. Credit interest and yield for the hour.
    state = accrueInterest(config, state, spot, strat);
    state = accrueYield(state, config.asset, yields, spot, strat);
    passive = accrueYield(passive, config.asset, yields, spot, pass);
    hedge = accrueHedgeYield(hedge, yields, spot, bench);

    // 4. Decide on what is known at t, execute.
    const history: { funding: Partial<Record<VenueId, readonly FundingPrint[]>>; spot?: readonly { time: number; price: number }[] } = { funding: {} };
    if ((config.sentimentWeight ?? 0) > 0) history.spot = spotHistory(t);
    const quotes: MarketSnapshot["venues"][number][] = [];
    for (const v of venues) {
      const prints = world.funding[v] ?? [];
      let hi = knownPtr.get(v) ?? 0;
      while (hi < prints.length && (prints[hi] as FundingPrint).knownAt <= t) hi += 1;
      knownPtr.set(v, hi);
      let lo = lowPtr.get(v) ?? 0;
      while (lo < hi && (prints[lo] as FundingPrint).settleTime < t - windowSec) lo += 1;
      lowPtr.set(v, lo);
      let cached = windowCache.get(v);
      if (cached === undefined || cached.lo !== lo || cached.hi !== hi) {
        cached = { lo, hi, prints: prints.slice(lo, hi) };
        windowCache.set(v, cached);
      }
      history.funding[v] = cached.prints;
      const last = hi > 0 ? prints[hi - 1] : undefined;
      const quote = last === undefined ? { venue: v, markPrice: markOf(v), markTime: t } : { venue: v, markPrice: markOf(v), markTime: t, lastFunding: last };
      quotes.push(events.down.size > 0 ? withOutage(quote, events.down) : quote);
    }
    const snapshot: MarketSnapshot = {
      time: t,
      asset: config.asset,
      spotPrice: spot,
      spotTime: t,
      venues: quotes,
      ...(events.pegUsd === undefined ? {} : { quotePegUsd: events.pegUsd }),
    };
    const decision = decide(cfg, { ...state, time: t }, snapshot, history as MarketHistory);
    regimeHours[decision.regime.regime] += 1;
    pm = { posted: decision.risk.portfolioMargin?.postedQuote ?? 0, freed: decision.risk.portfolioMargin?.freedQuote ?? 0 };
    for (const entry of decision.log) decisions.push(entry);
    if (decision.actions.length > 0) {
      const before = state;
      const executed = applyActions(cfg, state, decision.actions, prices);
      state = executed.state;
      strat.costs = addCosts(strat.costs, executed.cost);
      strat.basis += basisOf(decision.actions, spot, markOf);
      actionCount += decision.actions.length;
      strat.actions += decision.actions.length;
      for (const b of checkGuardrails(cfg, before, state, prices)) breaches.push({ time: t, ...b });
    }
    tracker.after(t, state, decision);
    state = { ...state, time: t };

    // Benchmarks: enter once, at the first hour, then never touch them.
    if (!entered) {
      entered = true;
      const entry = passiveEntry(passiveConfig, passiveOptions, capitalQuote, prices, markOf(passiveOptions.venue));
      const executed = applyActions(passiveConfig, passive, entry, prices);
      passive = executed.state;
      pass.costs = addCosts(pass.costs, executed.cost);
      pass.basis += basisOf(entry, spot, markOf);
      pass.actions += entry.length;
      const hedgeMark = markOf(hedge.venue);
      const spend = capitalQuote * (1 - (benchOptions.bufferBps ?? config.idleBufferBps) / 10_000);
      const opened = enterHedge(config, benchOptions, capitalQuote, spot, hedgeMark, slippageFraction(hedgeMeta, spend));
      hedge = opened.book;
      bench.costs = addCosts(bench.costs, opened.cost);
      bench.basis += -hedge.base * (hedgeMark - spot);
      bench.actions += 3;
    }

    if (t % 86_400 === 0) {
      const rehedged = rehedge(config, hedge, spot, markOf(hedge.venue), (notional) => slippageFraction(hedgeMeta, notional), benchOptions.rehedgeBand);
      if (rehedged !== undefined) {
        bench.basis += (rehedged.book.base - hedge.base) * -(markOf(hedge.venue) - spot);
        hedge = rehedged.book;
        bench.costs = addCosts(bench.costs, rehedged.cost);
        bench.actions += 2;
      }
    }

    // 5. Record.
    const nav = netAssetValue(state, prices);
    const passiveNav = netAssetValue(passive, prices);
    const benchmarkNav = hedgeNav(hedge, spot, markOf(hedge.venue));
    const k = i - start;
    hourly.time[k] = t;
    hourly.nav[k] = nav;
    hourly.passiveNav[k] = passiveNav;
    hourly.benchmarkNav[k] = benchmarkNav;
    strat.navSum += nav;
    pass.navSum += passiveNav;
    bench.navSum += benchmarkNav;
    for (const pos of state.perps) {
      if (pos.sizeBase !== 0) venueShare[pos.venue] = (venueShare[pos.venue] ?? 0) + Math.abs(pos.sizeBase);
    }
    dayMinLiq = Math.min(dayMinLiq, minLiqDistance(config, state, markOf));
    dayMinLiqPassive = Math.min(dayMinLiqPassive, minLiqDistance(config, passive, markOf));
    if (t % 86_400 === 0 || i === endExclusive - 1) {
      daily.push({
        time: t,
        nav,
        passiveNav,
        benchmarkNav,
        fundingCum: strat.funding,
        passiveFundingCum: pass.funding,
        benchmarkFundingCum: bench.funding,
        exposure: hedgeNotional(state, markOf) / nav,
        passiveExposure: passiveNav > 0 ? hedgeNotional(passive, markOf) / passiveNav : 0,
        benchmarkExposure: benchmarkNav > 0 ? bookHedgeNotional(hedge, markOf(hedge.venue)) / benchmarkNav : 0,
        minLiqDistance: Math.min(1, dayMinLiq),
        passiveMinLiqDistance: Math.min(1, dayMinLiqPassive),
        netDeltaBps: (netDelta(state, config.asset) * spot * 10_000) / nav,
        postedMarginQuote: pm.posted,
        nettingFreesQuote: pm.freed,
      });
      dayMinLiq = Number.POSITIVE_INFINITY;
      dayMinLiqPassive = Number.POSITIVE_INFINITY;
    }
  }

  const totalShare = Object.values(venueShare).reduce((a, b) => a + (b ?? 0), 0);
  const shares: Partial<Record<VenueId, number>> = {};
  for (const [v, x] of Object.entries(venueShare)) shares[v as VenueId] = totalShare > 0 ? (x ?? 0) / totalShare : 0;
  return {
    asset: config.asset,
    from: hourly.time[0] as number,
    to: hourly.time[n - 1] as number,
    capitalQuote,
    strategy: legReport(hourly.time, hourly.nav, strat, riskFreeApr),
    benchmark: legReport(hourly.time, hourly.benchmarkNav, bench, riskFreeApr),
    benchmarkVenue: benchOptions.venue,
    passive: legReport(hourly.time, hourly.passiveNav, pass, riskFreeApr),
    riskFreeApr,
    priceModel,
    yields,
    daily,
    regimeHours,
    venueShare: shares,
    guardrailBreaches: breaches,
    decisions,
    actionCount,
    ...(options.scenario === undefined
      ? {}
      : {
          scenario: {
            name: options.scenario.name,
            kind: options.scenario.kind,
            outcomes: tracker.outcomes(),
          },
        }),
  };
}

/** The benchmark's idle earns the idle rate; its collateral's staking yield is sold as it accrues (the hedge stays exact). */
function accrueHedgeYield(book: HedgeBook, y: YieldAssumptions, spot: number, acc: ReturnType<typeof newAccumulator>): HedgeBook {
  const idle = Math.max(0, book.idleQuote) * y.idleSupplyApr / 8760;
  const staking = book.base * spot * y.stakingApr / 8760;
  if (idle === 0 && staking === 0) return book;
  acc.yieldQuote += idle + staking;
  return { ...book, idleQuote: book.idleQuote + idle, cashQuote: book.cashQuote + staking };
}
