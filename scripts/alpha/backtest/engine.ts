import type { HourlyPrices } from "../data/prices.js";
import { indexAtOrAfter } from "../data/prices.js";
import { venueMeta } from "../strategy/config.js";
import { decide } from "../strategy/decide.js";
import { checkGuardrails } from "../strategy/guardrails.js";
import { addCosts, applyActions, ZERO_COST, type ActionCost } from "../strategy/ledger.js";
import type {
  Action,
  Asset,
  DecisionLog,
  FundingPrint,
  MarketHistory,
  MarketSnapshot,
  PerpPosition,
  PortfolioState,
  Regime,
  StrategyConfig,
  VenueId,
} from "../strategy/types.js";
import {
  creditOf,
  liquidationDistance,
  markOf,
  netAssetValue,
  perpEquity,
  type PriceView,
} from "../strategy/valuation.js";
import {
  checkHedgeLiquidation,
  emptyHedge,
  enterHedge,
  hedgeFunding,
  hedgeNav,
  hedgeNotional as bookHedgeNotional,
  type HedgeBenchmarkOptions,
  type HedgeBook,
} from "./benchmarks.js";
import { DEFAULT_RISK_FREE_APR, performance, type Performance } from "./metrics.js";

/**
 * Chain-free backtester. Each hour t (end of an hourly bar):
 *   1. liquidations: a position whose equity at the bar's worst price (high for a short, low for a
 *      long) is below maintenance margin is closed and its isolated margin lost;
 *   2. funding settled at t on each venue pays −size × mark × rate into that venue's margin;
 *   3. credit interest accrues for the hour;
 *   4. the strategy's `decide` sees only data known at t, and its actions are executed with the same
 *      ledger (fees, slippage, gas, transfer costs) the engine planned with;
 *   5. the vault's guardrails are checked on the post-batch state (breaches are counted).
 * Two benchmarks run beside it on the same data:
 *  - `benchmark` (the headline): the Ethena-style trade (benchmarks.ts): 1x short on one venue against
 *    spot posted as its collateral, delta-hedged, never liquidated in practice, never switching venue;
 *  - `passive` (second line): short Binance at fixed notional from the first hour, 3x, 10 % idle
 *    buffer, long spot, never rebalanced, liquidated if it would be.
 */
export interface WorldData {
  readonly asset: Asset;
  readonly prices: HourlyPrices;
  readonly funding: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
}

export interface PassiveOptions {
  readonly venue: VenueId;
  readonly leverage: number;
  /** After a liquidation: keep the spot leg (never rebalanced) or sell it and sit in cash. */
  readonly afterLiquidation: "hold-spot" | "sell-spot";
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
}

export interface LegReport {
  readonly performance: Performance;
  readonly fundingQuote: number;
  /** Funding received per venue (quote). */
  readonly fundingByVenueQuote: Readonly<Partial<Record<VenueId, number>>>;
  readonly costs: ActionCost;
  readonly costsQuote: number;
  readonly interestQuote: number;
  readonly turnoverPerYear: number;
  readonly liquidations: readonly { readonly time: number; readonly venue: VenueId; readonly lossQuote: number }[];
}

export interface DailyPoint {
  readonly time: number;
  readonly nav: number;
  readonly passiveNav: number;
  readonly benchmarkNav: number;
  readonly fundingCum: number;
  readonly benchmarkFundingCum: number;
  readonly passiveFundingCum: number;
  /** Hedge notional / NAV. */
  readonly exposure: number;
  readonly passiveExposure: number;
  readonly benchmarkExposure: number;
  /** Smallest liquidation distance over the day (fraction; capped at 1 for charts). */
  readonly minLiqDistance: number;
  readonly passiveMinLiqDistance: number;
  readonly netDeltaBps: number;
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
  readonly daily: readonly DailyPoint[];
  readonly regimeHours: Readonly<Record<Regime, number>>;
  /** Hedge base-hours per venue (share of time × size). */
  readonly venueShare: Readonly<Partial<Record<VenueId, number>>>;
  readonly guardrailBreaches: readonly { readonly time: number; readonly rule: string; readonly value: number; readonly limit: number }[];
  readonly decisions: readonly DecisionLog[];
  readonly actionCount: number;
}

const DEFAULT_PASSIVE: PassiveOptions = { venue: "binance", leverage: 3, afterLiquidation: "hold-spot" };
const HOUR = 3600;

export function runBacktest(world: WorldData, options: BacktestOptions): BacktestResult {
  const { config, capitalQuote } = options;
  const passiveOptions = options.passive ?? DEFAULT_PASSIVE;
  const benchOptions: HedgeBenchmarkOptions = options.benchmark ?? { venue: "binance" };
  const riskFreeApr = options.riskFreeApr ?? DEFAULT_RISK_FREE_APR;
  if (world.asset !== config.asset) throw new Error(`data is ${world.asset}, config trades ${config.asset}`);
  if (!(capitalQuote > 0)) throw new Error(`capitalQuote must be > 0 (got ${capitalQuote})`);
  const p = world.prices;
  const start = indexAtOrAfter(p.time, options.from);
  const endExclusive = indexAtOrAfter(p.time, options.to + 1);
  if (start >= endExclusive) throw new Error("the window holds no price data");
  const windowSec = (options.historyWindowHours ?? 24 * 60) * HOUR;

  const venues = config.allowedVenues.filter((v) => (world.funding[v]?.length ?? 0) > 0);
  const settled = [...new Set<VenueId>([...venues, benchOptions.venue, passiveOptions.venue])].filter((v) => (world.funding[v]?.length ?? 0) > 0);
  const settlePtr = new Map<VenueId, number>();
  const knownPtr = new Map<VenueId, number>();
  const lowPtr = new Map<VenueId, number>();
  for (const v of settled) {
    const prints = world.funding[v] ?? [];
    const t0 = p.time[start] as number;
    // Funding settled before the window does not pay the (not yet opened) positions.
    settlePtr.set(v, prints.findIndex((x) => x.settleTime >= t0) < 0 ? prints.length : prints.findIndex((x) => x.settleTime >= t0));
    knownPtr.set(v, 0);
    lowPtr.set(v, 0);
  }

  let state: PortfolioState = { time: p.time[start] as number, idleQuote: capitalQuote, spotBase: {}, credit: {}, perps: [] };
  let passive: PortfolioState = { ...state };
  const strat = newAccumulator();
  const pass = newAccumulator();
  const bench = newAccumulator();
  let hedge: HedgeBook = emptyHedge(benchOptions.venue, capitalQuote);
  const passiveConfig: StrategyConfig = { ...config, longLeg: "spot" };
  let passiveEntered = false;

  const hourly = { time: [] as number[], nav: [] as number[], passiveNav: [] as number[], benchmarkNav: [] as number[] };
  const daily: DailyPoint[] = [];
  const regimeHours: Record<Regime, number> = { positive: 0, negative: 0, transition: 0 };
  const venueShare: Partial<Record<VenueId, number>> = {};
  const breaches: BacktestResult["guardrailBreaches"][number][] = [];
  const decisions: DecisionLog[] = [];
  let actionCount = 0;
  let dayMinLiq = Number.POSITIVE_INFINITY;
  let dayMinLiqPassive = Number.POSITIVE_INFINITY;
  const mmQuote = (venue: VenueId) => (notional: number): number => venueMeta(config, venue).maintenanceMarginRate * notional;

  for (let i = start; i < endExclusive; i += 1) {
    const t = p.time[i] as number;
    const mark = p.mark[i] as number;
    const prices: PriceView = { asset: config.asset, spot: p.spot[i] as number, mark: Object.fromEntries(settled.map((v) => [v, mark])) };

    // 1. Liquidations inside the bar that ends at t.
    state = liquidate(config, state, p.high[i] as number, p.low[i] as number, t, strat);
    passive = liquidate(config, passive, p.high[i] as number, p.low[i] as number, t, pass);
    if (passiveOptions.afterLiquidation === "sell-spot" && pass.liquidations.length > 0 && (passive.spotBase[config.asset] ?? 0) > 0) {
      const sold = applyActions(passiveConfig, passive, [{ kind: "spot.sell", asset: config.asset, amountBase: passive.spotBase[config.asset] ?? 0 }], prices);
      passive = sold.state;
      pass.costs = addCosts(pass.costs, sold.cost);
    }
    const spotPerMark = prices.spot / mark;
    const hedgeLiq = checkHedgeLiquidation(hedge, (p.high[i] as number) * spotPerMark, p.high[i] as number, mmQuote(hedge.venue));
    if (hedgeLiq !== undefined) {
      hedge = hedgeLiq.book;
      bench.liquidations.push({ time: t, venue: hedge.venue, lossQuote: hedgeLiq.lossQuote });
    }

    // 2. Funding settled at t.
    for (const v of settled) {
      const prints = world.funding[v] ?? [];
      let ptr = settlePtr.get(v) ?? 0;
      while (ptr < prints.length && (prints[ptr] as FundingPrint).settleTime <= t) {
        const print = prints[ptr] as FundingPrint;
        state = payFunding(state, v, print.ratePerInterval, mark, strat);
        passive = payFunding(passive, v, print.ratePerInterval, mark, pass);
        if (v === hedge.venue) {
          const paid = hedgeFunding(hedge, print.ratePerInterval, mark);
          hedge = paid.book;
          bench.funding += paid.paymentQuote;
          bench.fundingByVenue[v] = (bench.fundingByVenue[v] ?? 0) + paid.paymentQuote;
        }
        ptr += 1;
      }
      settlePtr.set(v, ptr);
    }

    // 3. Credit interest for the hour.
    state = accrueInterest(config, state, prices.spot, strat);

    // 4. Decide on what is known at t, execute.
    const history: { funding: Partial<Record<VenueId, readonly FundingPrint[]>> } = { funding: {} };
    const quotes: MarketSnapshot["venues"][number][] = [];
    for (const v of venues) {
      const prints = world.funding[v] ?? [];
      let hi = knownPtr.get(v) ?? 0;
      while (hi < prints.length && (prints[hi] as FundingPrint).knownAt <= t) hi += 1;
      knownPtr.set(v, hi);
      let lo = lowPtr.get(v) ?? 0;
      while (lo < hi && (prints[lo] as FundingPrint).settleTime < t - windowSec) lo += 1;
      lowPtr.set(v, lo);
      history.funding[v] = prints.slice(lo, hi);
      const last = hi > 0 ? prints[hi - 1] : undefined;
      quotes.push(last === undefined ? { venue: v, markPrice: mark, markTime: t } : { venue: v, markPrice: mark, markTime: t, lastFunding: last });
    }
    const snapshot: MarketSnapshot = { time: t, asset: config.asset, spotPrice: prices.spot, spotTime: t, venues: quotes };
    const decision = decide(config, { ...state, time: t }, snapshot, history as MarketHistory);
    regimeHours[decision.regime.regime] += 1;
    for (const entry of decision.log) decisions.push(entry);
    if (decision.actions.length > 0) {
      const before = state;
      const executed = applyActions(config, state, decision.actions, prices);
      state = executed.state;
      strat.costs = addCosts(strat.costs, executed.cost);
      actionCount += decision.actions.length;
      for (const b of checkGuardrails(config, before, state, prices)) breaches.push({ time: t, ...b });
    }
    state = { ...state, time: t };

    // Passive: enter once, at the first hour, then never touch it.
    if (!passiveEntered) {
      passiveEntered = true;
      const entry = passiveEntry(passiveConfig, passiveOptions, capitalQuote, prices, mark);
      const executed = applyActions(passiveConfig, passive, entry, prices);
      passive = executed.state;
      pass.costs = addCosts(pass.costs, executed.cost);
      const entered = enterHedge(config, benchOptions, capitalQuote, prices.spot, markOf(prices, hedge.venue), venueMeta(config, hedge.venue).slippageBps / 10_000);
      hedge = entered.book;
      bench.costs = addCosts(bench.costs, entered.cost);
    }

    // 5. Record.
    const nav = netAssetValue(state, prices);
    const passiveNav = netAssetValue(passive, prices);
    hourly.time.push(t);
    hourly.nav.push(nav);
    const benchmarkNav = hedgeNav(hedge, prices.spot, markOf(prices, hedge.venue));
    hourly.passiveNav.push(passiveNav);
    hourly.benchmarkNav.push(benchmarkNav);
    strat.navSum += nav;
    pass.navSum += passiveNav;
    bench.navSum += benchmarkNav;
    for (const pos of state.perps) {
      if (pos.sizeBase !== 0) venueShare[pos.venue] = (venueShare[pos.venue] ?? 0) + Math.abs(pos.sizeBase);
    }
    dayMinLiq = Math.min(dayMinLiq, minLiqDistance(config, state, mark));
    dayMinLiqPassive = Math.min(dayMinLiqPassive, minLiqDistance(config, passive, mark));
    if (t % 86_400 === 0 || i === endExclusive - 1) {
      daily.push({
        time: t,
        nav,
        passiveNav,
        benchmarkNav,
        fundingCum: strat.funding,
        passiveFundingCum: pass.funding,
        benchmarkFundingCum: bench.funding,
        exposure: hedgeNotional(state, mark) / nav,
        passiveExposure: passiveNav > 0 ? hedgeNotional(passive, mark) / passiveNav : 0,
        benchmarkExposure: benchmarkNav > 0 ? bookHedgeNotional(hedge, markOf(prices, hedge.venue)) / benchmarkNav : 0,
        minLiqDistance: Math.min(1, dayMinLiq),
        passiveMinLiqDistance: Math.min(1, dayMinLiqPassive),
        netDeltaBps: (netDelta(state, config.asset) * prices.spot * 10_000) / nav,
      });
      dayMinLiq = Number.POSITIVE_INFINITY;
      dayMinLiqPassive = Number.POSITIVE_INFINITY;
    }
  }

  const totalShare = Object.values(venueShare).reduce((a, b) => a + (b ?? 0), 0);
  const shares: Partial<Record<VenueId, number>> = {};
  for (const [v, x] of Object.entries(venueShare)) shares[v as VenueId] = totalShare > 0 ? (x ?? 0) / totalShare : 0;
  const hours = hourly.time.length;
  return {
    asset: config.asset,
    from: hourly.time[0] as number,
    to: hourly.time[hours - 1] as number,
    capitalQuote,
    strategy: legReport(hourly.time, hourly.nav, strat, hours, riskFreeApr),
    benchmark: legReport(hourly.time, hourly.benchmarkNav, bench, hours, riskFreeApr),
    benchmarkVenue: benchOptions.venue,
    passive: legReport(hourly.time, hourly.passiveNav, pass, hours, riskFreeApr),
    riskFreeApr,
    daily,
    regimeHours,
    venueShare: shares,
    guardrailBreaches: breaches,
    decisions,
    actionCount,
  };
}

interface Accumulator {
  funding: number;
  fundingByVenue: Partial<Record<VenueId, number>>;
  interest: number;
  costs: ActionCost;
  navSum: number;
  liquidations: { time: number; venue: VenueId; lossQuote: number }[];
}

function newAccumulator(): Accumulator {
  return { funding: 0, fundingByVenue: {}, interest: 0, costs: ZERO_COST, navSum: 0, liquidations: [] };
}

function legReport(time: readonly number[], nav: readonly number[], acc: Accumulator, hours: number, riskFreeApr: number): LegReport {
  const perf = performance(time, nav, riskFreeApr);
  const avgNav = hours > 0 ? acc.navSum / hours : 0;
  const years = perf.days / 365;
  return {
    performance: perf,
    fundingQuote: acc.funding,
    fundingByVenueQuote: acc.fundingByVenue,
    costs: acc.costs,
    costsQuote: acc.costs.feeQuote + acc.costs.slippageQuote + acc.costs.gasQuote + acc.costs.transferQuote,
    interestQuote: acc.interest,
    turnoverPerYear: avgNav > 0 && years > 0 ? acc.costs.tradedQuote / avgNav / years : 0,
    liquidations: acc.liquidations,
  };
}

function liquidate(config: StrategyConfig, state: PortfolioState, high: number, low: number, t: number, acc: Accumulator): PortfolioState {
  let changed = false;
  const perps: PerpPosition[] = state.perps.map((pos) => {
    if (pos.sizeBase === 0) return pos;
    const worst = pos.sizeBase < 0 ? high : low;
    const mmr = venueMeta(config, pos.venue).maintenanceMarginRate;
    if (perpEquity(pos, worst) >= mmr * Math.abs(pos.sizeBase) * worst) return pos;
    changed = true;
    // Isolated margin: the liquidation engine takes the whole margin.
    acc.liquidations.push({ time: t, venue: pos.venue, lossQuote: pos.marginQuote });
    return { ...pos, sizeBase: 0, entryPrice: 0, marginQuote: 0 };
  });
  return changed ? { ...state, perps } : state;
}

function payFunding(state: PortfolioState, venue: VenueId, rate: number, mark: number, acc: Accumulator): PortfolioState {
  let changed = false;
  const perps = state.perps.map((pos) => {
    if (pos.venue !== venue || pos.sizeBase === 0) return pos;
    const payment = -pos.sizeBase * mark * rate;
    acc.funding += payment;
    acc.fundingByVenue[venue] = (acc.fundingByVenue[venue] ?? 0) + payment;
    changed = true;
    return { ...pos, marginQuote: pos.marginQuote + payment };
  });
  return changed ? { ...state, perps } : state;
}

function accrueInterest(config: StrategyConfig, state: PortfolioState, spot: number, acc: Accumulator): PortfolioState {
  const credit = creditOf(state, config.asset);
  if (credit.borrowQuote === 0 && credit.borrowBase === 0 && credit.supplyQuote === 0) return state;
  const borrowQuote = credit.borrowQuote * (config.creditBorrowAprQuote / 8760);
  const borrowBase = credit.borrowBase * (config.creditBorrowAprBase / 8760);
  const supplyQuote = credit.supplyQuote * (config.creditSupplyAprQuote / 8760);
  acc.interest += borrowQuote + borrowBase * spot - supplyQuote;
  return {
    ...state,
    credit: {
      ...state.credit,
      [config.asset]: {
        ...credit,
        borrowQuote: credit.borrowQuote + borrowQuote,
        borrowBase: credit.borrowBase + borrowBase,
        supplyQuote: credit.supplyQuote + supplyQuote,
      },
    },
  };
}

/** The passive trade's one batch: buy spot, post margin, open the short at `leverage`, keeping the idle buffer. */
export function passiveEntry(
  config: StrategyConfig,
  passive: PassiveOptions,
  capitalQuote: number,
  prices: PriceView,
  mark: number,
): Action[] {
  const spotCost = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
  const meta = venueMeta(config, passive.venue);
  const perpCost = (meta.takerFeeBps + meta.slippageBps) / 10_000;
  const budget = capitalQuote * (1 - config.idleBufferBps / 10_000) - 3 * config.gasPerActionQuote - meta.transferCostQuote;
  // budget = base·spot/(1 − c) + base·mark/L + base·mark·perpCost
  const base = budget / (prices.spot / (1 - spotCost) + mark / passive.leverage + mark * perpCost);
  return [
    { kind: "spot.buy", asset: config.asset, amountQuote: (base * prices.spot) / (1 - spotCost) },
    { kind: "perp.addMargin", venue: passive.venue, asset: config.asset, amountQuote: (base * mark) / passive.leverage + base * mark * perpCost },
    { kind: "perp.adjustShort", venue: passive.venue, asset: config.asset, targetSizeBase: base, deltaBase: base },
  ];
}

function hedgeNotional(state: PortfolioState, mark: number): number {
  return state.perps.reduce((sum, pos) => sum + Math.abs(pos.sizeBase) * mark, 0);
}

function netDelta(state: PortfolioState, asset: Asset): number {
  const credit = creditOf(state, asset);
  return (state.spotBase[asset] ?? 0) + credit.supplyBase - credit.borrowBase + state.perps.reduce((s, x) => s + x.sizeBase, 0);
}

function minLiqDistance(config: StrategyConfig, state: PortfolioState, mark: number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const pos of state.perps) {
    if (pos.sizeBase === 0) continue;
    best = Math.min(best, liquidationDistance(pos, mark, venueMeta(config, pos.venue).maintenanceMarginRate));
  }
  return best;
}
