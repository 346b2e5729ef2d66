import type { Asset, CreditPosition, PerpPosition, PortfolioState, VenueId } from "./types.js";

/** Prices the engine values a single-asset book with: spot, and each venue's perp mark. */
export interface PriceView {
  readonly asset: Asset;
  readonly spot: number;
  readonly mark: Readonly<Partial<Record<VenueId, number>>>;
}

export const EMPTY_CREDIT: CreditPosition = { supplyBase: 0, supplyQuote: 0, borrowBase: 0, borrowQuote: 0 };

export function markOf(prices: PriceView, venue: VenueId): number {
  // A venue without its own mark is valued at spot (stated in the backtest README as an approximation).
  return prices.mark[venue] ?? prices.spot;
}

export function perpUnrealised(position: PerpPosition, mark: number): number {
  return position.sizeBase * (mark - position.entryPrice);
}

/** Venue balance as the vault's balance fuse sees it: margin + unrealised PnL (funding is settled into margin). */
export function perpEquity(position: PerpPosition, mark: number): number {
  return position.marginQuote + perpUnrealised(position, mark);
}

export function perpNotional(position: PerpPosition, mark: number): number {
  return Math.abs(position.sizeBase) * mark;
}

/** |notional| / equity; Infinity when equity ≤ 0 with an open position, 0 when flat. */
export function perpLeverage(position: PerpPosition, mark: number): number {
  const notional = perpNotional(position, mark);
  if (notional === 0) return 0;
  const equity = perpEquity(position, mark);
  return equity <= 0 ? Number.POSITIVE_INFINITY : notional / equity;
}

/**
 * Price at which equity equals maintenance margin (isolated margin):
 *   margin + s·(p − entry) = mmr·|s|·p  ⇒  p = (s·entry − margin) / (s − mmr·|s|).
 */
export function liquidationPrice(position: PerpPosition, maintenanceMarginRate: number): number {
  const s = position.sizeBase;
  if (s === 0) return Number.NaN;
  const denominator = s - maintenanceMarginRate * Math.abs(s);
  return (s * position.entryPrice - position.marginQuote) / denominator;
}

/** Fractional price move from `mark` to liquidation (always ≥ 0 until liquidated); Infinity when flat. */
export function liquidationDistance(position: PerpPosition, mark: number, maintenanceMarginRate: number): number {
  if (position.sizeBase === 0) return Number.POSITIVE_INFINITY;
  const liq = liquidationPrice(position, maintenanceMarginRate);
  if (position.sizeBase < 0) return liq <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, liq / mark - 1);
  return liq <= 0 ? Number.POSITIVE_INFINITY : Math.max(0, 1 - liq / mark);
}

export function creditOf(state: PortfolioState, asset: Asset): CreditPosition {
  return state.credit[asset] ?? EMPTY_CREDIT;
}

/** Credit market balance: supplied − borrowed, in quote. */
export function creditValue(credit: CreditPosition, spot: number): number {
  return (credit.supplyBase - credit.borrowBase) * spot + credit.supplyQuote - credit.borrowQuote;
}

export function spotValue(state: PortfolioState, prices: PriceView): number {
  return (state.spotBase[prices.asset] ?? 0) * prices.spot;
}

/** Total assets A = idle + Σ market balances (the vault's definition). */
export function netAssetValue(state: PortfolioState, prices: PriceView): number {
  let nav = state.idleQuote + spotValue(state, prices) + creditValue(creditOf(state, prices.asset), prices.spot);
  for (const position of state.perps) nav += perpEquity(position, markOf(prices, position.venue));
  return nav;
}

/** Net delta in base: spot + supplied − borrowed + Σ perp sizes. */
export function netDeltaBase(state: PortfolioState, asset: Asset): number {
  const credit = creditOf(state, asset);
  let delta = (state.spotBase[asset] ?? 0) + credit.supplyBase - credit.borrowBase;
  for (const p of state.perps) if (p.asset === asset) delta += p.sizeBase;
  return delta;
}

/** Long leg held (spot + supplied asset), base. */
export function longLegBase(state: PortfolioState, asset: Asset): number {
  return (state.spotBase[asset] ?? 0) + creditOf(state, asset).supplyBase;
}

export function totalPerpSize(state: PortfolioState, asset: Asset): number {
  let size = 0;
  for (const p of state.perps) if (p.asset === asset) size += p.sizeBase;
  return size;
}

export function positionOn(state: PortfolioState, venue: VenueId, asset: Asset): PerpPosition | undefined {
  return state.perps.find((p) => p.venue === venue && p.asset === asset);
}

/** Quote debt / value of the asset supplied as collateral (0 when nothing is borrowed). */
export function creditLtv(credit: CreditPosition, spot: number): number {
  const debt = credit.borrowQuote + credit.borrowBase * spot;
  if (debt === 0) return 0;
  const collateral = credit.supplyBase * spot + credit.supplyQuote;
  return collateral <= 0 ? Number.POSITIVE_INFINITY : debt / collateral;
}
