import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { Asset, FundingPrint, VenueId, VenueMeta } from "../strategy/types.js";
import { numberCell, readCsv, stringCell } from "./csv.js";
import { parseTimestampMs, type NaiveZone } from "./time.js";

/**
 * Zone of the naive `Date` column of each multi-venue funding file (data/market/README.md): the
 * fetcher wrote Binance, Bybit, HTX, KuCoin and MEXC in local time UTC+3 with no DST, Gate and dYdX
 * in UTC. Verified there against Binance's own UTC settlement times and KuCoin's 04/12/20 schedule.
 */
export const FUNDING_FILE_ZONE: Readonly<Record<VenueId, NaiveZone>> = {
  binance: { kind: "fixedOffset", offsetHours: 3 },
  bybit: { kind: "fixedOffset", offsetHours: 3 },
  htx: { kind: "fixedOffset", offsetHours: 3 },
  kucoin: { kind: "fixedOffset", offsetHours: 3 },
  mexc: { kind: "fixedOffset", offsetHours: 3 },
  gate: { kind: "utc" },
  dydx: { kind: "utc" },
};

export interface FundingLoadReport {
  readonly venue: VenueId;
  readonly file: string;
  readonly rows: number;
  /** Prints stamped off the venue's schedule (late records), moved back to their settlement slot. */
  readonly snapped: number;
  /** Prints dropped because their slot already had one. */
  readonly duplicates: number;
  /** Prints beyond the venue's cap (kept, counted). */
  readonly beyondCap: number;
  /** Scheduled slots with no print between the first and last print. */
  readonly missingSlots: number;
}

/** Settlement slot at or before `t` on a venue's schedule (unix seconds). */
export function settlementSlot(t: number, meta: VenueMeta): number {
  const interval = meta.intervalHours * 3600;
  const phase = meta.phaseHours * 3600;
  return phase + Math.floor((t - phase) / interval) * interval;
}

/**
 * Parses one venue's funding rows into normalised prints. Late stamps (HTX has a few, e.g. 21:00
 * local for the 16:00 UTC settlement) are assigned to the slot they settle, with `knownAt` kept at
 * the recorded time so the engine cannot see them earlier; millisecond jitter (Binance) is dropped.
 */
export function parseFundingRows(
  rows: readonly { readonly date: string; readonly rate: number }[],
  meta: VenueMeta,
  zone: NaiveZone,
  file: string,
): { prints: FundingPrint[]; report: FundingLoadReport } {
  const bySlot = new Map<number, FundingPrint>();
  let snapped = 0;
  let duplicates = 0;
  let beyondCap = 0;
  for (const row of rows) {
    const t = Math.floor(parseTimestampMs(row.date, zone) / 1000);
    const slot = settlementSlot(t, meta);
    if (t - slot >= 60) snapped += 1;
    if (Math.abs(row.rate) > meta.capRatePerInterval + 1e-12) beyondCap += 1;
    if (bySlot.has(slot)) {
      duplicates += 1;
      continue;
    }
    bySlot.set(slot, {
      venue: meta.id,
      settleTime: slot,
      knownAt: Math.max(slot, t),
      ratePerInterval: row.rate,
      intervalHours: meta.intervalHours,
      ratePerHour: row.rate / meta.intervalHours,
    });
  }
  const prints = [...bySlot.values()].sort((a, b) => a.settleTime - b.settleTime);
  const first = prints[0];
  const last = prints[prints.length - 1];
  const expected = first && last ? (last.settleTime - first.settleTime) / (meta.intervalHours * 3600) + 1 : 0;
  return {
    prints,
    report: { venue: meta.id, file, rows: rows.length, snapped, duplicates, beyondCap, missingSlots: expected - prints.length },
  };
}

/** Finds `<ASSET>-USDT_<venue>_*_funding_history.csv` in `dir`. */
export function fundingFile(dir: string, asset: Asset, venue: VenueId): string | undefined {
  const prefix = `${asset}-USDT_${venue}_`;
  const name = readdirSync(dir).find((f) => f.startsWith(prefix) && f.endsWith("_funding_history.csv"));
  return name === undefined ? undefined : join(dir, name);
}

export function loadVenueFunding(
  dir: string,
  asset: Asset,
  meta: VenueMeta,
): { prints: FundingPrint[]; report: FundingLoadReport } | undefined {
  const file = fundingFile(dir, asset, meta.id);
  if (file === undefined) return undefined;
  const table = readCsv(file);
  const dateCol = table.column("Date");
  const rateCol = table.column("Funding Rate");
  const symbolCol = table.column("Symbol");
  const rows = table.rows.map((row, i) => {
    const where = `${file}:${i + 2}`;
    const symbol = stringCell(row, symbolCol, where);
    if (symbol !== `${asset}-USDT`) throw new Error(`${where}: symbol ${symbol}, expected ${asset}-USDT`);
    return { date: stringCell(row, dateCol, where), rate: numberCell(row, rateCol, where) };
  });
  return parseFundingRows(rows, meta, FUNDING_FILE_ZONE[meta.id], file);
}
