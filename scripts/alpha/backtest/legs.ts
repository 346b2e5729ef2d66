import { venueMeta } from "../strategy/config.js";
import { ZERO_COST, type ActionCost } from "../strategy/ledger.js";
import type { Action, Asset, PerpPosition, PortfolioState, StrategyConfig, VenueId } from "../strategy/types.js";
import { creditOf, liquidationDistance, perpEquity } from "../strategy/valuation.js";
import { maintenanceMarginQuote, maintenanceRate } from "../strategy/venueModel.js";
import { performance, type Performance } from "./metrics.js";

/** The book-keeping the engine does for each leg (strategy and benchmarks) beside the strategy's own ledger. */
export interface LegReport {
  readonly performance: Performance;
  readonly fundingQuote: number;
  /** Funding received per venue (quote). */
  readonly fundingByVenueQuote: Readonly<Partial<Record<VenueId, number>>>;
  readonly costs: ActionCost;
  readonly costsQuote: number;
  readonly interestQuote: number;
  /** Yield earned on what waits (idle supply, staking of the long leg, margin), quote. */
  readonly yieldQuote: number;
  /**
   * Basis paid trading perps at a premium to the index (quote; negative = earned): a short sold at
   * premium P gains P × notional, bought back at P' pays P' × notional. Zero when every venue is marked
   * at one price that is also the index.
   */
  readonly basisQuote: number;
  readonly turnoverPerYear: number;
  /** Actions executed (fuse calls the leg's trades would take). */
  readonly actionCount: number;
  readonly liquidations: readonly { readonly time: number; readonly venue: VenueId; readonly lossQuote: number }[];
}

export interface Accumulator {
  funding: number;
  fundingByVenue: Partial<Record<VenueId, number>>;
  interest: number;
  yieldQuote: number;
  basis: number;
  costs: ActionCost;
  navSum: number;
  actions: number;
  liquidations: { time: number; venue: VenueId; lossQuote: number }[];
}

export function newAccumulator(): Accumulator {
  return { funding: 0, fundingByVenue: {}, interest: 0, yieldQuote: 0, basis: 0, costs: ZERO_COST, navSum: 0, actions: 0, liquidations: [] };
}

export function legReport(time: ArrayLike<number>, nav: ArrayLike<number>, acc: Accumulator, riskFreeApr: number): LegReport {
  const perf = performance(time, nav, riskFreeApr);
  const hours = time.length;
  const avgNav = hours > 0 ? acc.navSum / hours : 0;
  const years = perf.days / 365;
  return {
    performance: perf,
    fundingQuote: acc.funding,
    fundingByVenueQuote: acc.fundingByVenue,
    costs: acc.costs,
    costsQuote: acc.costs.feeQuote + acc.costs.slippageQuote + acc.costs.gasQuote + acc.costs.transferQuote,
    interestQuote: acc.interest,
    yieldQuote: acc.yieldQuote,
    basisQuote: acc.basis,
    turnoverPerYear: avgNav > 0 && years > 0 ? acc.costs.tradedQuote / avgNav / years : 0,
    actionCount: acc.actions,
    liquidations: acc.liquidations,
  };
}

/**
 * Liquidations inside a bar: a position whose equity at its venue's worst price (high for a short,
 * low for a long) is below the tiered maintenance margin is closed, its isolated margin lost.
 */
export function liquidate(
  config: StrategyConfig,
  state: PortfolioState,
  worst: (venue: VenueId, short: boolean) => number,
  t: number,
  acc: Accumulator,
): PortfolioState {
  let changed = false;
  const perps: PerpPosition[] = state.perps.map((pos) => {
    if (pos.sizeBase === 0) return pos;
    const price = worst(pos.venue, pos.sizeBase < 0);
    const maintenance = maintenanceMarginQuote(venueMeta(config, pos.venue), Math.abs(pos.sizeBase) * price);
    if (perpEquity(pos, price) >= maintenance) return pos;
    changed = true;
    acc.liquidations.push({ time: t, venue: pos.venue, lossQuote: pos.marginQuote });
    return { ...pos, sizeBase: 0, entryPrice: 0, marginQuote: 0 };
  });
  return changed ? { ...state, perps } : state;
}

export function payFunding(state: PortfolioState, venue: VenueId, rate: number, mark: number, acc: Accumulator): PortfolioState {
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

export function accrueInterest(config: StrategyConfig, state: PortfolioState, spot: number, acc: Accumulator): PortfolioState {
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

/** Basis of executed perp actions: Δsize × index × premium (positive = paid). */
export function basisOf(actions: readonly Action[], spot: number, markOf: (venue: VenueId) => number): number {
  let basis = 0;
  for (const a of actions) {
    if (a.kind !== "perp.adjustShort" && a.kind !== "perp.adjustLong") continue;
    const deltaSize = a.kind === "perp.adjustShort" ? -a.deltaBase : a.deltaBase;
    basis += deltaSize * (markOf(a.venue) - spot);
  }
  return basis;
}

export function hedgeNotional(state: PortfolioState, markOf: (venue: VenueId) => number): number {
  return state.perps.reduce((sum, pos) => sum + Math.abs(pos.sizeBase) * markOf(pos.venue), 0);
}

export function netDelta(state: PortfolioState, asset: Asset): number {
  const credit = creditOf(state, asset);
  return (state.spotBase[asset] ?? 0) + credit.supplyBase - credit.borrowBase + state.perps.reduce((s, x) => s + x.sizeBase, 0);
}

export function minLiqDistance(config: StrategyConfig, state: PortfolioState, markOf: (venue: VenueId) => number): number {
  let best = Number.POSITIVE_INFINITY;
  for (const pos of state.perps) {
    if (pos.sizeBase === 0) continue;
    const mark = markOf(pos.venue);
    best = Math.min(best, liquidationDistance(pos, mark, maintenanceRate(venueMeta(config, pos.venue), pos.sizeBase * mark)));
  }
  return best;
}
