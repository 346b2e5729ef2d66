import type { Asset, PortfolioState, StrategyConfig } from "../strategy/types.js";
import type { Accumulator } from "./legs.js";

/**
 * Yield on what waits, as constants (annual fractions, accrued hourly). Assumptions, printed in the
 * report: none of these rates is in the shipped data.
 *  - `idleSupplyApr`: the vault's idle quote (the buffer and any cash) supplied to a money market;
 *  - `marginApr`: quote collateral posted on perp venues (CEX margin usually earns nothing);
 *  - `assetSupplyApr`: the long leg supplied as collateral to the credit market (Aave-style);
 *  - `stakingApr`: a liquid-staking long leg (an LST held instead of the asset: ETH only), accrued in
 *    base on the spot or supplied long leg; the Ethena-style benchmark's collateral earns it too.
 * Borrow rates of the loop and of quote debt are the strategy config's `creditBorrowApr*` constants.
 */
export interface YieldAssumptions {
  readonly idleSupplyApr: number;
  readonly marginApr: number;
  readonly assetSupplyApr: number;
  readonly stakingApr: number;
}

export const NO_YIELD: YieldAssumptions = { idleSupplyApr: 0, marginApr: 0, assetSupplyApr: 0, stakingApr: 0 };

/** The CLI's defaults: idle USDC in a money market at 2 % a year (an assumption, about Aave's 2021–2023 USDC supply rate), nothing else. */
export const DEFAULT_YIELDS: YieldAssumptions = { idleSupplyApr: 0.02, marginApr: 0, assetSupplyApr: 0, stakingApr: 0 };

export function hasYield(y: YieldAssumptions): boolean {
  return y.idleSupplyApr !== 0 || y.marginApr !== 0 || y.assetSupplyApr !== 0 || y.stakingApr !== 0;
}

/** One hour of yield on a portfolio (idle, margin, the long leg). */
export function accrueYield(state: PortfolioState, asset: Asset, y: YieldAssumptions, spot: number, acc: Accumulator): PortfolioState {
  if (!hasYield(y)) return state;
  const h = 1 / 8760;
  const idle = Math.max(0, state.idleQuote) * y.idleSupplyApr * h;
  const spotBase = state.spotBase[asset] ?? 0;
  const credit = state.credit[asset];
  const supplied = credit?.supplyBase ?? 0;
  const spotGain = spotBase * y.stakingApr * h;
  const suppliedGain = supplied * (y.stakingApr + y.assetSupplyApr) * h;
  let marginGain = 0;
  const perps =
    y.marginApr === 0
      ? state.perps
      : state.perps.map((p) => {
          const gain = Math.max(0, p.marginQuote) * y.marginApr * h;
          marginGain += gain;
          return { ...p, marginQuote: p.marginQuote + gain };
        });
  acc.yieldQuote += idle + (spotGain + suppliedGain) * spot + marginGain;
  return {
    ...state,
    idleQuote: state.idleQuote + idle,
    spotBase: spotGain === 0 ? state.spotBase : { ...state.spotBase, [asset]: spotBase + spotGain },
    credit: credit === undefined || suppliedGain === 0 ? state.credit : { ...state.credit, [asset]: { ...credit, supplyBase: supplied + suppliedGain } },
    perps,
  };
}

/** The assumptions as report lines. */
export function describeYields(y: YieldAssumptions, config: StrategyConfig): string[] {
  const p = (x: number): string => `${(x * 100).toFixed(2)} %`;
  return [
    `Yield assumptions (constants, not data): idle quote supplied at ${p(y.idleSupplyApr)} a year; perp margin ${p(y.marginApr)}; long leg supplied to the credit market ${p(y.assetSupplyApr)}; liquid-staking yield on the long leg ${p(y.stakingApr)}${y.stakingApr > 0 ? " (the long leg is an LST)" : ""}.`,
    `Borrow rates (strategy config): asset ${p(config.creditBorrowAprBase)}, quote ${p(config.creditBorrowAprQuote)}; quote supplied as loop collateral ${p(config.creditSupplyAprQuote)}.`,
  ];
}
