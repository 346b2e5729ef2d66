import { applyActions, findPerp } from "./ledger.js";
import { perpAction } from "./plan.js";
import type { Action, Asset, PortfolioState, StrategyConfig } from "./types.js";
import { creditOf, markOf, netAssetValue, perpEquity, type PriceView } from "./valuation.js";

/**
 * The unwind that pays the vault's pending ERC-7540 redeem requests (pure).
 *
 * The requests are owed `owedQuote` (their shares at the current price; they are still inside the NAV until the
 * vault settles them). After the payout the vault must still hold its idle floor: the buffer on the NAV left, plus a
 * few actions' gas (the strategy's slack above the buffer is for its own growth, not raised here). Idle above that floor pays first; the rest — the shortfall — comes from the invested book,
 * **proportionally**: the same fraction `f` of every leg (each perp's size and margin, the long leg's spot and
 * credit collateral, the quote debt against it, the negative-funding loop), so every ratio the strategy manages
 * (leverage, LTV, each venue's share, delta neutrality: spot and perp go down together) is what it was, on a
 * smaller book. `f` starts at shortfall / invested value and grows by what the projected batch (fees, slippage,
 * gas, from the ledger) still misses, so the projected idle after the payout meets the floor.
 *
 * Nothing to do (no actions, fraction 0) when idle covers the payout and the floor. Legs whose trade is dust (below
 * one quote unit) are left alone; the strategy's minimum trade does not apply: a payout must be raised.
 */
export interface RedemptionUnwind {
  /** Owed to the pending requests at the current price (quote). */
  readonly owedQuote: number;
  /** The idle floor after the payout: buffer × (NAV − owed) + a few actions' gas. */
  readonly floorQuote: number;
  /** Idle above that floor before the unwind (negative: idle is below it even before paying). */
  readonly idleFreeQuote: number;
  /** What the invested book must raise: owed − idle free (0 = idle covers it). */
  readonly shortfallQuote: number;
  /** The share of every leg unwound (0 … 1). */
  readonly fraction: number;
  /** Ordered: perp reductions and margin releases, quote debt repaid, collateral withdrawn, the long leg sold. */
  readonly actions: readonly Action[];
  /** The book after the unwind, before the payout (the payout leaves idle with the settlement). */
  readonly projected: PortfolioState;
  /** Projected idle after the payout minus the floor (≥ 0 when the unwind raises enough; < 0 when f hit 1). */
  readonly marginAfterQuote: number;
}

const DUST_QUOTE = 1;

export function planRedemptionUnwind(config: StrategyConfig, state: PortfolioState, prices: PriceView, owedQuote: number): RedemptionUnwind {
  if (!(owedQuote >= 0) || !Number.isFinite(owedQuote)) throw new Error(`owedQuote must be a finite amount ≥ 0 (got ${owedQuote})`);
  const nav = netAssetValue(state, prices);
  const floorOf = (navAfterPayout: number): number =>
    (Math.max(0, navAfterPayout) * config.idleBufferBps) / 10_000 + 3 * config.gasPerActionQuote;
  const floorQuote = floorOf(nav - owedQuote);
  const idleFreeQuote = state.idleQuote - floorQuote;
  const shortfallQuote = Math.max(0, owedQuote - idleFreeQuote);
  const none = { owedQuote, floorQuote, idleFreeQuote, shortfallQuote, actions: [], projected: state };
  if (owedQuote === 0 || shortfallQuote === 0) return { ...none, fraction: 0, marginAfterQuote: idleFreeQuote - owedQuote };
  const invested = nav - state.idleQuote;
  if (!(invested > 0)) return { ...none, fraction: 0, marginAfterQuote: idleFreeQuote - owedQuote };

  let fraction = Math.min(1, shortfallQuote / invested);
  let best = unwindBy(config, state, prices, fraction);
  let marginAfter = 0;
  for (let attempt = 0; attempt < 8; attempt += 1) {
    const after = best.projected;
    marginAfter = after.idleQuote - owedQuote - floorOf(netAssetValue(after, prices) - owedQuote);
    if (marginAfter >= 0 || fraction >= 1) break;
    // What the batch still misses (its costs), plus 1 % of it, raised by the same fraction of every leg.
    fraction = Math.min(1, fraction + (-marginAfter * 1.01) / invested);
    best = unwindBy(config, state, prices, fraction);
  }
  return { owedQuote, floorQuote, idleFreeQuote, shortfallQuote, fraction, actions: best.actions, projected: best.projected, marginAfterQuote: marginAfter };
}

/** The batch that takes `fraction` of every leg of the book, and its projection through the ledger. */
function unwindBy(config: StrategyConfig, state: PortfolioState, prices: PriceView, fraction: number): { actions: Action[]; projected: PortfolioState } {
  const asset: Asset = config.asset;
  const keep = 1 - fraction;
  const worth = (quote: number): boolean => Math.abs(quote) >= DUST_QUOTE;
  const actions: Action[] = [];
  // 1. Perps: each venue's size and its margin by the same fraction (its leverage unchanged). The margin released
  //    is what the venue holds after the resize (its fee paid) above (1 − f) of its equity before.
  for (const p of [...state.perps].sort((a, b) => (a.venue < b.venue ? -1 : 1))) {
    if (p.asset !== asset) continue;
    const mark = markOf(prices, p.venue);
    const target = fraction >= 1 ? 0 : p.sizeBase * keep;
    if (worth((p.sizeBase - target) * mark)) actions.push(perpAction(p.venue, asset, p.sizeBase, target));
  }
  const afterPerps = applyActions(config, state, actions, prices).state;
  for (const p of state.perps) {
    if (p.asset !== asset) continue;
    const mark = markOf(prices, p.venue);
    const now = findPerp(afterPerps, p.venue, asset);
    const release = perpEquity(now, mark) - keep * perpEquity(p, mark);
    if (worth(release)) actions.push({ kind: "perp.removeMargin", venue: p.venue, asset, amountQuote: release });
  }
  // 2. Credit: quote debt repaid before its collateral comes out (the LTV never rises), then the long leg.
  const credit = creditOf(state, asset);
  const repayQuote = credit.borrowQuote * fraction;
  if (worth(repayQuote)) actions.push({ kind: "credit.repay", asset: "QUOTE", amount: repayQuote });
  const withdrawBase = credit.supplyBase * fraction;
  if (worth(withdrawBase * prices.spot)) actions.push({ kind: "credit.withdraw", asset, amount: withdrawBase });
  // 3. The long leg sold: the same fraction of the spot held and of the collateral just withdrawn.
  const sellBase = (state.spotBase[asset] ?? 0) * fraction + (worth(withdrawBase * prices.spot) ? withdrawBase : 0);
  if (worth(sellBase * prices.spot)) actions.push({ kind: "spot.sell", asset, amountBase: sellBase });
  // 4. The negative-funding loop (asset borrowed and sold against quote collateral): bought back, repaid, released.
  const loopBase = credit.borrowBase * fraction;
  if (worth(loopBase * prices.spot)) {
    const spotCost = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
    actions.push(
      { kind: "spot.buy", asset, amountQuote: (loopBase * prices.spot) / (1 - spotCost) },
      { kind: "credit.repay", asset, amount: loopBase },
      { kind: "credit.withdraw", asset: "QUOTE", amount: credit.supplyQuote * fraction },
    );
  }
  return { actions, projected: applyActions(config, state, actions, prices).state };
}
