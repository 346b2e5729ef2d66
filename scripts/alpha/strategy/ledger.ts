import { venueMeta } from "./config.js";
import { slippageFraction } from "./venueModel.js";
import type { Action, Asset, CreditPosition, PerpPosition, PortfolioState, StrategyConfig } from "./types.js";
import { EMPTY_CREDIT, markOf, type PriceView } from "./valuation.js";

/**
 * The book-keeping of every action: how it moves idle, spot, credit and venue balances, and what it
 * costs. The planner uses it to project a batch before proposing it (as the vault checks guardrails
 * on post-batch state); the backtester uses the very same function to execute, so the engine plans
 * with the costs it is charged.
 */
export interface ActionCost {
  readonly feeQuote: number;
  readonly slippageQuote: number;
  readonly gasQuote: number;
  readonly transferQuote: number;
  /** Notional traded (quote), for turnover. */
  readonly tradedQuote: number;
}

export const ZERO_COST: ActionCost = { feeQuote: 0, slippageQuote: 0, gasQuote: 0, transferQuote: 0, tradedQuote: 0 };

export function addCosts(a: ActionCost, b: ActionCost): ActionCost {
  return {
    feeQuote: a.feeQuote + b.feeQuote,
    slippageQuote: a.slippageQuote + b.slippageQuote,
    gasQuote: a.gasQuote + b.gasQuote,
    transferQuote: a.transferQuote + b.transferQuote,
    tradedQuote: a.tradedQuote + b.tradedQuote,
  };
}

export function totalCost(c: ActionCost): number {
  return c.feeQuote + c.slippageQuote + c.gasQuote + c.transferQuote;
}

const BPS = 10_000;

export function applyActions(
  config: StrategyConfig,
  state: PortfolioState,
  actions: readonly Action[],
  prices: PriceView,
): { state: PortfolioState; cost: ActionCost } {
  let current = state;
  let cost = ZERO_COST;
  for (const action of actions) {
    const step = applyAction(config, current, action, prices);
    current = step.state;
    cost = addCosts(cost, step.cost);
  }
  return { state: current, cost };
}

export function applyAction(
  config: StrategyConfig,
  state: PortfolioState,
  action: Action,
  prices: PriceView,
): { state: PortfolioState; cost: ActionCost } {
  const gas = config.gasPerActionQuote;
  const withIdle = (s: PortfolioState, delta: number): PortfolioState => ({ ...s, idleQuote: s.idleQuote + delta });
  switch (action.kind) {
    case "perp.adjustShort":
    case "perp.adjustLong": {
      const meta = venueMeta(config, action.venue);
      const mark = markOf(prices, action.venue);
      const signedTarget = action.kind === "perp.adjustShort" ? -action.targetSizeBase : action.targetSizeBase;
      const before = findPerp(state, action.venue, action.asset);
      const tradedBase = Math.abs(signedTarget - before.sizeBase);
      const fee = (tradedBase * mark * meta.takerFeeBps) / BPS;
      const slippage = tradedBase * mark * slippageFraction(meta, tradedBase * mark);
      const resized = resizePerp(before, signedTarget, mark);
      const after: PerpPosition = { ...resized, marginQuote: resized.marginQuote - fee - slippage };
      return {
        state: withIdle(replacePerp(state, after), -gas),
        cost: { feeQuote: fee, slippageQuote: slippage, gasQuote: gas, transferQuote: 0, tradedQuote: tradedBase * mark },
      };
    }
    case "perp.addMargin":
    case "perp.removeMargin": {
      const meta = venueMeta(config, action.venue);
      const before = findPerp(state, action.venue, action.asset);
      const sign = action.kind === "perp.addMargin" ? 1 : -1;
      const after: PerpPosition = { ...before, marginQuote: before.marginQuote + sign * action.amountQuote };
      return {
        state: withIdle(replacePerp(state, after), -sign * action.amountQuote - gas - meta.transferCostQuote),
        cost: { ...ZERO_COST, gasQuote: gas, transferQuote: meta.transferCostQuote },
      };
    }
    case "spot.buy": {
      const fee = (action.amountQuote * config.spotFeeBps) / BPS;
      const slippage = (action.amountQuote * config.spotSlippageBps) / BPS;
      const base = (action.amountQuote - fee - slippage) / prices.spot;
      return {
        state: withIdle(withSpot(state, action.asset, base), -action.amountQuote - gas),
        cost: { feeQuote: fee, slippageQuote: slippage, gasQuote: gas, transferQuote: 0, tradedQuote: action.amountQuote },
      };
    }
    case "spot.sell": {
      const gross = action.amountBase * prices.spot;
      const fee = (gross * config.spotFeeBps) / BPS;
      const slippage = (gross * config.spotSlippageBps) / BPS;
      return {
        state: withIdle(withSpot(state, action.asset, -action.amountBase), gross - fee - slippage - gas),
        cost: { feeQuote: fee, slippageQuote: slippage, gasQuote: gas, transferQuote: 0, tradedQuote: gross },
      };
    }
    case "credit.supply":
    case "credit.withdraw":
    case "credit.borrow":
    case "credit.repay": {
      const book = prices.asset;
      const credit = state.credit[book] ?? EMPTY_CREDIT;
      const isQuote = action.asset === "QUOTE";
      const supplyLike = action.kind === "credit.supply" || action.kind === "credit.withdraw";
      // Supply and repay move funds from the vault into the market; withdraw and borrow bring them back.
      const intoMarket = action.kind === "credit.supply" || action.kind === "credit.repay" ? 1 : -1;
      const field: keyof CreditPosition = supplyLike
        ? isQuote ? "supplyQuote" : "supplyBase"
        : isQuote ? "borrowQuote" : "borrowBase";
      // Supplying or withdrawing changes the supplied balance by ±amount; borrowing adds debt, repaying removes it.
      const delta = supplyLike ? intoMarket * action.amount : -intoMarket * action.amount;
      const nextCredit: CreditPosition = { ...credit, [field]: credit[field] + delta };
      let next: PortfolioState = { ...state, credit: { ...state.credit, [book]: nextCredit } };
      next = isQuote ? withIdle(next, -intoMarket * action.amount) : withSpot(next, book, -intoMarket * action.amount);
      return { state: withIdle(next, -gas), cost: { ...ZERO_COST, gasQuote: gas } };
    }
  }
}

function withSpot(state: PortfolioState, asset: Asset, deltaBase: number): PortfolioState {
  return { ...state, spotBase: { ...state.spotBase, [asset]: (state.spotBase[asset] ?? 0) + deltaBase } };
}

export function findPerp(state: PortfolioState, venue: PerpPosition["venue"], asset: Asset): PerpPosition {
  return (
    state.perps.find((p) => p.venue === venue && p.asset === asset) ?? { venue, asset, sizeBase: 0, entryPrice: 0, marginQuote: 0 }
  );
}

export function replacePerp(state: PortfolioState, position: PerpPosition): PortfolioState {
  const others = state.perps.filter((p) => !(p.venue === position.venue && p.asset === position.asset));
  return { ...state, perps: [...others, position].sort((a, b) => (a.venue < b.venue ? -1 : a.venue > b.venue ? 1 : 0)) };
}

/**
 * Moves a position to `target` size at `mark`: the closed part realises PnL into margin at the old
 * entry; an increase averages the entry; a flip closes then opens the rest at mark.
 */
export function resizePerp(position: PerpPosition, target: number, mark: number): PerpPosition {
  const s = position.sizeBase;
  if (s === 0 || Math.sign(target) === Math.sign(s)) {
    if (Math.abs(target) >= Math.abs(s)) {
      const added = target - s;
      const entry = target === 0 ? 0 : (s * position.entryPrice + added * mark) / target;
      return { ...position, sizeBase: target, entryPrice: entry };
    }
    const closed = s - target;
    return {
      ...position,
      sizeBase: target,
      entryPrice: target === 0 ? 0 : position.entryPrice,
      marginQuote: position.marginQuote + closed * (mark - position.entryPrice),
    };
  }
  // Sign change (or close to exactly zero from a position): realise everything, reopen the remainder.
  const realised = s * (mark - position.entryPrice);
  return { ...position, sizeBase: target, entryPrice: target === 0 ? 0 : mark, marginQuote: position.marginQuote + realised };
}
