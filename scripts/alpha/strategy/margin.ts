import { venueMeta } from "./config.js";
import type { PerpPosition, StrategyConfig } from "./types.js";
import { liquidationDistance, perpEquity } from "./valuation.js";
import { maintenanceRate } from "./venueModel.js";

/**
 * Margin policy of one venue. Every venue is sized at `targetLeverage`, so its target equity is
 * |size|·mark / targetLeverage. A short loses margin as the price rises: each time the equity has
 * fallen `topUpDrawdown` (10 %) below target, it is topped back up to target — the next top-up
 * comes after the next 10 % drawdown. Margin above (1 + releaseExcess) × target (the short gained:
 * prices fell) is released at scheduled rebalances, so the gains can buy more of the long leg.
 */
export interface MarginNeed {
  /** Positive: add this much. Negative: this much may be released. Zero: leave it. */
  readonly amountQuote: number;
  readonly reason: "new-position" | "resize" | "top-up" | "liquidation-distance" | "release-excess" | "close" | "none";
  readonly equityQuote: number;
  readonly targetEquityQuote: number;
  readonly drawdown: number;
  readonly liquidationDistance: number;
}

export function targetEquity(config: StrategyConfig, sizeBase: number, mark: number): number {
  return (Math.abs(sizeBase) * mark) / config.targetLeverage;
}

/**
 * @param position the position after this batch's resize (size = target size, margin net of fees)
 * @param sizeChanged whether the batch changed this venue's size
 */
export function marginNeed(
  config: StrategyConfig,
  position: PerpPosition,
  mark: number,
  rebalanceNow: boolean,
  sizeChanged: boolean,
): MarginNeed {
  const equity = perpEquity(position, mark);
  const target = targetEquity(config, position.sizeBase, mark);
  const meta = venueMeta(config, position.venue);
  const distance = liquidationDistance(position, mark, maintenanceRate(meta, position.sizeBase * mark));
  const drawdown = target > 0 ? 1 - equity / target : 0;
  const base = { equityQuote: equity, targetEquityQuote: target, drawdown, liquidationDistance: distance };
  if (position.sizeBase === 0) {
    return { ...base, amountQuote: equity > 0 ? -equity : 0, reason: equity > 0 ? "close" : "none" };
  }
  if (sizeChanged && equity < target) {
    return { ...base, amountQuote: target - equity, reason: equity <= 0 ? "new-position" : "resize" };
  }
  if (drawdown >= config.topUpDrawdown - 1e-12) return { ...base, amountQuote: target - equity, reason: "top-up" };
  if (distance < config.minLiquidationDistance && equity < target) {
    return { ...base, amountQuote: target - equity, reason: "liquidation-distance" };
  }
  if ((rebalanceNow || sizeChanged) && equity > (1 + config.releaseExcess) * target) {
    // Unrealised profit is not withdrawable: the cash margin left must still cover the venue's
    // initial margin at the leverage limit on its own.
    const withdrawable = position.marginQuote - (Math.abs(position.sizeBase) * mark) / config.maxLeverage;
    const amount = Math.min(equity - target, withdrawable);
    if (amount > 0) return { ...base, amountQuote: -amount, reason: "release-excess" };
  }
  return { ...base, amountQuote: 0, reason: "none" };
}
