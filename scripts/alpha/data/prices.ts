import type { Asset } from "../strategy/types.js";
import { numberCell, readCsv, stringCell } from "./csv.js";
import { DAY, HOUR, parseTimestampSec } from "./time.js";

/**
 * Hourly price path of one asset, as instants (not bars): `time[i]` is the end of an hourly bar.
 *  - `mark[i]`: Binance USDT-M perp close of the bar ending at time[i];
 *  - `high[i]`: highest perp trade in that bar (liquidation checks for shorts);
 *  - `low[i]`: lowest perp trade in that bar (liquidation checks for longs);
 *  - `spot[i]`: spot estimate = mark / (1 + basis), with basis = Binance perp/spot daily close − 1 of
 *    the last daily close at or before time[i] (the first one before it exists). Binance daily closes
 *    are the only 2021–2023 spot series matching the perp venue. Holding the last known basis (not
 *    interpolating toward the next close) keeps the simulated spot free of future information.
 */
export interface HourlyPrices {
  readonly asset: Asset;
  readonly time: Float64Array;
  readonly mark: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly spot: Float64Array;
}

export function loadHourlyPrices(perpFile: string, dailyFile: string, asset: Asset): HourlyPrices {
  const perp = readCsv(perpFile);
  const tCol = perp.column("open_time_utc");
  const cCol = perp.column("close");
  const hCol = perp.column("high");
  const lCol = perp.column("low");
  const n = perp.rows.length;
  const time = new Float64Array(n);
  const mark = new Float64Array(n);
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  perp.rows.forEach((row, i) => {
    const where = `${perpFile}:${i + 2}`;
    time[i] = parseTimestampSec(stringCell(row, tCol, where), { kind: "explicit" }) + HOUR;
    mark[i] = numberCell(row, cCol, where);
    high[i] = numberCell(row, hCol, where);
    low[i] = numberCell(row, lCol, where);
    if (i > 0 && time[i] !== (time[i - 1] as number) + HOUR) throw new Error(`${where}: hourly step broken`);
  });

  const daily = readCsv(dailyFile);
  const dCol = daily.column("date_utc");
  const sCol = daily.column("spot_close");
  const pCol = daily.column("perp_close");
  const basisTime: number[] = [];
  const basis: number[] = [];
  daily.rows.forEach((row, i) => {
    const where = `${dailyFile}:${i + 2}`;
    // The daily close is at the end of the UTC day: the next midnight.
    basisTime.push(parseTimestampSec(`${stringCell(row, dCol, where)}T00:00:00Z`, { kind: "explicit" }) + DAY);
    basis.push(numberCell(row, pCol, where) / numberCell(row, sCol, where) - 1);
  });
  const spot = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < n; i += 1) {
    const t = time[i] as number;
    while (j + 1 < basisTime.length && (basisTime[j + 1] as number) <= t) j += 1;
    spot[i] = (mark[i] as number) / (1 + (basis[j] ?? 0));
  }
  return { asset, time, mark, high, low, spot };
}

/** Index of the first instant ≥ t (binary search). */
export function indexAtOrAfter(time: Float64Array, t: number): number {
  let lo = 0;
  let hi = time.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((time[mid] as number) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
