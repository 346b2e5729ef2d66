/** Performance statistics of a NAV path sampled hourly (times in unix seconds, UTC). */

export interface Performance {
  readonly startNav: number;
  readonly endNav: number;
  readonly days: number;
  readonly totalReturn: number;
  readonly annualisedReturn: number;
  /** Annualised Sharpe from daily returns (√365, zero risk-free rate). */
  readonly sharpe: number;
  readonly dailyVol: number;
  /** Largest peak-to-trough fall of the hourly NAV, as a positive fraction. */
  readonly maxDrawdown: number;
}

export function dailyReturns(time: readonly number[], nav: readonly number[]): number[] {
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

export function sharpeRatio(returns: readonly number[], periodsPerYear = 365): number {
  if (returns.length < 2) return 0;
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const variance = returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1);
  const sd = Math.sqrt(variance);
  return sd === 0 ? 0 : (mean / sd) * Math.sqrt(periodsPerYear);
}

export function maxDrawdown(nav: readonly number[]): number {
  let peak = Number.NEGATIVE_INFINITY;
  let worst = 0;
  for (const v of nav) {
    peak = Math.max(peak, v);
    if (peak > 0) worst = Math.max(worst, 1 - v / peak);
  }
  return worst;
}

export function performance(time: readonly number[], nav: readonly number[]): Performance {
  const startNav = nav[0] ?? 0;
  const endNav = nav[nav.length - 1] ?? 0;
  const days = time.length > 1 ? ((time[time.length - 1] as number) - (time[0] as number)) / 86_400 : 0;
  const totalReturn = startNav > 0 ? endNav / startNav - 1 : 0;
  const annualisedReturn = days > 0 && endNav > 0 ? (endNav / startNav) ** (365 / days) - 1 : endNav <= 0 ? -1 : 0;
  const returns = dailyReturns(time, nav);
  const mean = returns.length > 0 ? returns.reduce((a, b) => a + b, 0) / returns.length : 0;
  const dailyVol = returns.length > 1 ? Math.sqrt(returns.reduce((a, r) => a + (r - mean) ** 2, 0) / (returns.length - 1)) : 0;
  return { startNav, endNav, days, totalReturn, annualisedReturn, sharpe: sharpeRatio(returns), dailyVol, maxDrawdown: maxDrawdown(nav) };
}
