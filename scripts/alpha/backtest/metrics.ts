/** Performance statistics of a NAV path sampled hourly (times in unix seconds, UTC). */

/**
 * Default annual risk-free rate: ≈ the 2021–2023 mean of the 3-month US Treasury bill yield (annual
 * averages about 0.05 %, 2.0 % and 5.1 %). A parameter everywhere (`--rf` on the CLI).
 */
export const DEFAULT_RISK_FREE_APR = 0.024;

export interface Performance {
  readonly startNav: number;
  readonly endNav: number;
  readonly days: number;
  readonly totalReturn: number;
  readonly annualisedReturn: number;
  /** The annual risk-free rate the Sharpe ratio and the excess return are measured against. */
  readonly riskFreeApr: number;
  /** Annualised return − risk-free rate. */
  readonly excessReturn: number;
  /**
   * Annualised Sharpe ratio of daily returns in excess of the risk-free rate (√365). NaN when it is
   * undefined (fewer than two daily returns, or none of them varies): print it with `ratio()`.
   */
  readonly sharpe: number;
  readonly dailyVol: number;
  /** Largest peak-to-trough fall of the hourly NAV, as a positive fraction. */
  readonly maxDrawdown: number;
}

export function dailyReturns(time: ArrayLike<number>, nav: ArrayLike<number>): number[] {
  const closes: number[] = [];
  for (let i = 0; i < time.length; i += 1) {
    if (i === 0 || (time[i] as number) % 86_400 === 0) closes.push(nav[i] as number);
  }
  const last = nav[nav.length - 1];
  if (last !== undefined && (time[time.length - 1] as number) % 86_400 !== 0) closes.push(last);
  const returns: number[] = [];
  for (let i = 1; i < closes.length; i += 1) {
    const prev = closes[i - 1] as number;
    returns.push(prev > 0 ? (closes[i] as number) / prev - 1 : 0);
  }
  return returns;
}

/** Daily rate equivalent to an annual rate compounded over 365 days. */
export function dailyRate(apr: number): number {
  return (1 + apr) ** (1 / 365) - 1;
}

/**
 * Annualised Sharpe ratio of periodic returns over a risk-free return per period. NaN (undefined)
 * with fewer than two returns or zero dispersion: a flat line has no risk-adjusted return.
 */
export function sharpeRatio(returns: readonly number[], periodsPerYear = 365, riskFreePerPeriod = 0): number {
  if (returns.length < 2) return Number.NaN;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length - riskFreePerPeriod;
  const variance = returns.reduce((a, r) => a + (r - riskFreePerPeriod - mean) ** 2, 0) / (returns.length - 1);
  const sd = Math.sqrt(variance);
  return sd < 1e-15 ? Number.NaN : (mean / sd) * Math.sqrt(periodsPerYear);
}

export function maxDrawdown(nav: ArrayLike<number>): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (let i = 0; i < nav.length; i += 1) {
    const v = nav[i] as number;
    peak = Math.max(peak, v);
    if (peak > 0) worst = Math.max(worst, 1 - v / peak);
  }
  return worst;
}

export function performance(time: ArrayLike<number>, nav: ArrayLike<number>, riskFreeApr = 0): Performance {
  const startNav = nav[0] ?? 0;
  const endNav = nav[nav.length - 1] ?? 0;
  const days = time.length > 1 ? ((time[time.length - 1] as number) - (time[0] as number)) / 86_400 : 0;
  const totalReturn = startNav > 0 ? endNav / startNav - 1 : 0;
  const annualisedReturn = days > 0 && endNav > 0 ? (endNav / startNav) ** (365 / days) - 1 : endNav <= 0 ? -1 : 0;
  const returns = dailyReturns(time, nav);
  const mean = returns.length > 0 ? returns.reduce((a, b) => a + b, 0) / returns.length : 0;
  const dailyVol = returns.length > 1 ? Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)) : 0;
  return {
    startNav,
    endNav,
    days,
    totalReturn,
    annualisedReturn,
    riskFreeApr,
    excessReturn: annualisedReturn - riskFreeApr,
    sharpe: sharpeRatio(returns, 365, dailyRate(riskFreeApr)),
    dailyVol,
    maxDrawdown: maxDrawdown(nav),
  };
}

/** A ratio of two figures, NaN when undefined (the denominator is zero or either side is undefined). */
export function divide(numerator: number, denominator: number): number {
  return Number.isFinite(numerator) && Number.isFinite(denominator) && denominator !== 0 ? numerator / denominator : Number.NaN;
}
