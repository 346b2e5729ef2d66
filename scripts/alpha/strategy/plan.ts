import { venueMeta } from "./config.js";
import { applyActions, findPerp, resizePerp, type ActionCost } from "./ledger.js";
import { marginNeed } from "./margin.js";
import { slippageFraction } from "./venueModel.js";
import type { Action, Asset, PortfolioState, StrategyConfig, VenueId } from "./types.js";
import { creditOf, markOf, type PriceView } from "./valuation.js";

/**
 * Turns per-venue target sizes into an ordered batch of abstract actions. Order: everything that
 * frees cash (perp reductions, margin releases, long-leg sales, loop unwinds) before everything that
 * uses it (debt repayment, margin additions, long-leg purchases, perp increases), so no intermediate
 * balance goes negative. The long leg always mirrors the perp total (delta neutral). Cash beyond the
 * idle floor funds the uses; in hybrid mode with the long leg in the credit market a shortfall is
 * borrowed against it up to `maxCreditLtv`; any rest is reported as `shortfallQuote` and the caller
 * shrinks the targets.
 */
export interface PlanInput {
  readonly config: StrategyConfig;
  readonly state: PortfolioState;
  readonly prices: PriceView;
  readonly navQuote: number;
  /** Signed target size per venue (negative = short). Held venues missing here are closed. */
  readonly targets: ReadonlyMap<VenueId, number>;
  readonly rebalanceNow: boolean;
}

export interface Plan {
  readonly actions: readonly Action[];
  readonly projected: PortfolioState;
  readonly cost: ActionCost;
  readonly shortfallQuote: number;
  /** Why each action is there, aligned with `actions`. */
  readonly notes: readonly PlanNote[];
}

export interface PlanNote {
  readonly action: Action;
  readonly reason: string;
  readonly numbers: Record<string, number>;
}

interface Step {
  readonly action: Action;
  readonly reason: string;
  readonly numbers: Record<string, number>;
  /** A margin top-up that protects an existing position (may be funded by debt). */
  readonly safety?: boolean;
}

export function buildPlan(input: PlanInput): Plan {
  const { config, state, prices, navQuote, rebalanceNow } = input;
  const asset = config.asset;
  const spotCostFraction = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
  const venues = new Set<VenueId>([...input.targets.keys()]);
  for (const p of state.perps) if (p.asset === asset && (p.sizeBase !== 0 || p.marginQuote !== 0)) venues.add(p.venue);
  const ordered = [...venues].sort();

  // 1. Final sizes: skip changes too small to be worth the gas (closing always goes through).
  const finalSize = new Map<VenueId, number>();
  for (const venue of ordered) {
    const current = findPerp(state, venue, asset).sizeBase;
    const target = input.targets.get(venue) ?? 0;
    const tradeQuote = Math.abs(target - current) * markOf(prices, venue);
    finalSize.set(venue, target !== 0 && tradeQuote < config.minTradeQuote ? current : target);
  }

  const sources: Step[] = [];
  const uses: Step[] = [];
  const increases: Step[] = [];

  // 2. Perp reductions (including closes and the closing half of a flip).
  for (const venue of ordered) {
    const current = findPerp(state, venue, asset).sizeBase;
    const target = finalSize.get(venue) ?? 0;
    if (target === current) continue;
    const flips = current !== 0 && target !== 0 && Math.sign(target) !== Math.sign(current);
    if (flips || Math.abs(target) < Math.abs(current)) {
      const reduceTo = flips ? 0 : target;
      sources.push({
        action: perpAction(venue, asset, current, reduceTo),
        reason: reduceTo === 0 ? "close venue position" : "reduce hedge",
        numbers: { fromBase: current, toBase: reduceTo },
      });
    }
    if (flips || Math.abs(target) > Math.abs(current)) {
      const from = flips ? 0 : current;
      increases.push({
        action: perpAction(venue, asset, from, target),
        reason: from === 0 ? "open venue position" : "increase hedge",
        numbers: { fromBase: from, toBase: target },
      });
    }
  }

  // 3. Margin: evaluated on each venue at its final size.
  const marginAdds: Step[] = [];
  for (const venue of ordered) {
    const before = findPerp(state, venue, asset);
    const target = finalSize.get(venue) ?? 0;
    const mark = markOf(prices, venue);
    const meta = venueMeta(config, venue);
    const traded = Math.abs(target - before.sizeBase) * mark;
    const fee = traded * (meta.takerFeeBps / 10_000 + slippageFraction(meta, traded));
    const resized = resizePerp(before, target, mark);
    const virtual = { ...resized, marginQuote: resized.marginQuote - fee };
    const need = marginNeed(config, virtual, mark, rebalanceNow, target !== before.sizeBase);
    const numbers = {
      equity: need.equityQuote,
      targetEquity: need.targetEquityQuote,
      drawdown: need.drawdown,
      liquidationDistance: need.liquidationDistance,
    };
    if (need.amountQuote < 0) {
      const amount = -need.amountQuote;
      // A closed venue's margin comes home whatever its size, but not dust under one quote unit (no batch for that).
      if ((need.reason === "close" && amount >= 1) || amount >= config.minTradeQuote) {
        sources.push({
          action: { kind: "perp.removeMargin", venue, asset, amountQuote: amount },
          reason: need.reason === "close" ? "withdraw margin of closed position" : "release excess margin (short gained)",
          numbers,
        });
      }
    } else if (need.amountQuote > 0) {
      marginAdds.push({
        safety: need.reason === "top-up" || need.reason === "liquidation-distance",
        action: { kind: "perp.addMargin", venue, asset, amountQuote: need.amountQuote },
        reason:
          need.reason === "top-up"
            ? `top up margin: equity ${(need.drawdown * 100).toFixed(1)}% below target`
            : need.reason === "liquidation-distance"
              ? "top up margin: liquidation too close"
              : "margin for new size",
        numbers,
      });
    }
  }

  // 4. Long leg and loop mirror the perp total.
  const perpTotal = [...finalSize.values()].reduce((a, b) => a + b, 0);
  const credit = creditOf(state, asset);
  const spotHeld = state.spotBase[asset] ?? 0;
  const longNow = spotHeld + credit.supplyBase;
  const longTarget = Math.max(0, -perpTotal);
  const loopTarget = Math.max(0, perpTotal);
  const longBuys: Step[] = [];
  // A mismatch worth less than a minimum trade is left alone (its delta is noise; its gas is not), unless the
  // hedge is gone, when the whole long leg goes.
  const longGap = Math.abs(longTarget - longNow) * prices.spot;
  const longWorthTrading = longGap >= config.minTradeQuote || (longTarget === 0 && longNow > 1e-12);
  if (longWorthTrading && longTarget < longNow - 1e-12) {
    const sell = longNow - longTarget;
    const fromCredit = Math.max(0, sell - spotHeld);
    if (fromCredit > 0) {
      sources.push({ action: { kind: "credit.withdraw", asset, amount: fromCredit }, reason: "withdraw long leg to sell", numbers: { base: fromCredit } });
    }
    sources.push({ action: { kind: "spot.sell", asset, amountBase: sell }, reason: "sell long leg to match hedge", numbers: { base: sell, price: prices.spot } });
  } else if (longWorthTrading && longTarget > longNow + 1e-12) {
    const buy = longTarget - longNow;
    longBuys.push({
      action: { kind: "spot.buy", asset, amountQuote: (buy * prices.spot) / (1 - spotCostFraction) },
      reason: "buy long leg to match hedge",
      numbers: { base: buy, price: prices.spot },
    });
  }
  const longSupply = config.longLeg === "credit" ? Math.max(0, longTarget - credit.supplyBase) : 0;
  if (longSupply * prices.spot >= config.minTradeQuote && longTarget >= longNow - 1e-12) {
    longBuys.push({ action: { kind: "credit.supply", asset, amount: longSupply }, reason: "supply long leg to credit market", numbers: { base: longSupply } });
  }
  const loopSteps: Step[] = [];
  // The loop trades only amounts worth a minimum trade (interest accruing on the asset debt every hour
  // is not bought back hour by hour), unless it is being closed.
  const loopGapQuote = Math.abs(loopTarget - credit.borrowBase) * prices.spot;
  const loopWorthTrading = loopGapQuote >= config.minTradeQuote || (loopTarget === 0 && credit.borrowBase > 1e-12);
  if (!loopWorthTrading) {
    // Leave the loop as it is.
  } else if (loopTarget < credit.borrowBase - 1e-12) {
    const unwind = credit.borrowBase - loopTarget;
    const collateral = credit.borrowBase > 0 ? (credit.supplyQuote * unwind) / credit.borrowBase : 0;
    sources.push(
      { action: { kind: "spot.buy", asset, amountQuote: (unwind * prices.spot) / (1 - spotCostFraction) }, reason: "buy back borrowed asset (loop unwind)", numbers: { base: unwind } },
      { action: { kind: "credit.repay", asset, amount: unwind }, reason: "repay asset borrow (loop unwind)", numbers: { base: unwind } },
      { action: { kind: "credit.withdraw", asset: "QUOTE", amount: collateral }, reason: "withdraw loop collateral", numbers: { quote: collateral } },
    );
  } else if (loopTarget > credit.borrowBase + 1e-12) {
    const build = loopTarget - credit.borrowBase;
    const collateral = (build * prices.spot) / Math.max(config.maxCreditLtv, 1e-9);
    loopSteps.push(
      { action: { kind: "credit.supply", asset: "QUOTE", amount: collateral }, reason: "supply quote collateral (loop)", numbers: { quote: collateral } },
      { action: { kind: "credit.borrow", asset, amount: build }, reason: "borrow asset (loop synthetic short)", numbers: { base: build } },
      { action: { kind: "spot.sell", asset, amountBase: build }, reason: "sell borrowed asset (loop synthetic short)", numbers: { base: build } },
    );
  }

  // 5. Cash: what the sources leave above the idle floor, against what the uses need.
  const afterSources = applyActions(config, state, sources.map((s) => s.action), prices).state;
  // Voluntary growth (new long, loop or size) keeps the slack above the buffer; top-ups and unwinds
  // only need the buffer itself, so gas spent between rebalances never forces a resize.
  const grows = longBuys.length + loopSteps.length + increases.length > 0;
  // A few actions' gas of cushion: the buffer is measured against post-batch NAV, after costs.
  const floor = (navQuote * (config.idleBufferBps + (grows ? config.idleSlackBps : 0))) / 10_000 + 3 * config.gasPerActionQuote;
  const available = afterSources.idleQuote - floor;
  const useCount = marginAdds.length + longBuys.length + loopSteps.length + increases.length;
  const gasReserve = (useCount > 0 ? useCount + 1 : 0) * config.gasPerActionQuote;
  const transferReserve = marginAdds.reduce((sum, s) => sum + (s.action.kind === "perp.addMargin" ? venueMeta(config, s.action.venue).transferCostQuote : 0), 0);
  const marginSum = (steps: readonly Step[]): number =>
    steps.reduce((sum, st) => sum + (st.action.kind === "perp.addMargin" ? st.action.amountQuote : 0), 0);
  const needSafety = marginSum(marginAdds.filter((st) => st.safety === true));
  const needLong = longBuys.reduce((sum, st) => sum + (st.action.kind === "spot.buy" ? st.action.amountQuote : 0), 0);
  const needLoop = loopSteps.reduce((sum, st) => {
    if (st.action.kind === "credit.supply") return sum + st.action.amount;
    if (st.action.kind === "spot.sell") return sum - st.action.amountBase * prices.spot * (1 - spotCostFraction);
    return sum;
  }, 0);
  const needGrowth = marginSum(marginAdds.filter((st) => st.safety !== true)) + needLong + needLoop;

  // Cash policy: (1) top-ups protecting open positions first, borrowing against the long leg if
  // needed (hybrid: notional is kept as prices rise); (2) at rebalances, repay debt before any growth;
  // (3) growth only from cash left, never from new debt: a shortfall makes the caller shrink targets.
  const afterCredit = creditOf(afterSources, asset);
  const debtSteps: Step[] = [];
  let cash = available - gasReserve - transferReserve - needSafety;
  if (cash < 0 && needSafety > 0 && config.mode === "hybrid" && config.longLeg === "credit") {
    const collateral = (afterCredit.supplyBase + longSupply) * prices.spot;
    const room = config.maxCreditLtv * collateral - afterCredit.borrowQuote;
    const borrow = Math.min(-cash, Math.max(0, room));
    if (borrow > 0) {
      debtSteps.push({
        action: { kind: "credit.borrow", asset: "QUOTE", amount: borrow },
        reason: "borrow quote against the long leg to fund margin (hybrid)",
        numbers: { borrow, ltvAfter: (afterCredit.borrowQuote + borrow) / Math.max(collateral, 1e-9) },
      });
      cash += borrow;
    }
  } else if (cash > 0 && afterCredit.borrowQuote > 0 && (rebalanceNow || longTarget < longNow)) {
    const repay = Math.min(afterCredit.borrowQuote, cash);
    if (repay >= config.minTradeQuote || repay === afterCredit.borrowQuote) {
      debtSteps.push({ action: { kind: "credit.repay", asset: "QUOTE", amount: repay }, reason: "repay quote debt from free cash", numbers: { repay } });
      cash -= repay;
    }
  }
  cash -= needGrowth;

  const steps = [...sources, ...debtSteps, ...marginAdds, ...longBuys, ...loopSteps, ...increases];
  const actions = steps.map((s) => s.action);
  const { state: projected, cost } = applyActions(config, state, actions, prices);
  const notes = steps.map((step) => ({ action: step.action, reason: step.reason, numbers: { ...step.numbers, ...amountOf(step.action) } }));
  // Idle under the floor with nothing to pay for is not a shortfall of this batch (the guardrail
  // check still refuses a batch that lowers idle below the buffer).
  return { actions, projected, cost, shortfallQuote: cash < 0 && useCount > 0 ? -cash : 0, notes };
}

function amountOf(action: Action): Record<string, number> {
  switch (action.kind) {
    case "perp.adjustShort":
    case "perp.adjustLong":
      return { targetSizeBase: action.targetSizeBase, deltaBase: action.deltaBase };
    case "perp.addMargin":
    case "perp.removeMargin":
    case "spot.buy":
      return { amountQuote: action.amountQuote };
    case "spot.sell":
      return { amountBase: action.amountBase };
    default:
      return { amount: action.amount };
  }
}

/** The abstract perp action moving `from` to `to` (same side or to zero). */
export function perpAction(venue: VenueId, asset: Asset, from: number, to: number): Action {
  const short = to < 0 || (to === 0 && from < 0);
  return short
    ? { kind: "perp.adjustShort", venue, asset, targetSizeBase: -to, deltaBase: -(to - from) }
    : { kind: "perp.adjustLong", venue, asset, targetSizeBase: to, deltaBase: to - from };
}
