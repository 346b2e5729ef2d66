/**
 * Amounts for humans: whole units with thousands separators, the raw base units in parentheses
 * (`5,000,000 USDC (5000000000000)`), so an atomist reads the figure and an auditor can still match calldata.
 */
import { formatUnits } from "ethers";

export interface AssetUnits {
  decimals: number;
  symbol: string;
}

/** `1234567.5` -> `1,234,567.5` (the integer part grouped; the fraction kept exactly). */
export function groupThousands(decimal: string): string {
  const [whole = "0", fraction] = decimal.split(".");
  const negative = whole.startsWith("-");
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const frac = fraction === undefined || /^0*$/.test(fraction) ? "" : `.${fraction}`;
  return `${negative ? "-" : ""}${grouped}${frac}`;
}

export function formatAmount(raw: bigint, units: AssetUnits): string {
  return `${groupThousands(formatUnits(raw, units.decimals))} ${units.symbol} (${raw})`;
}

/** Basis points as a percentage too: `8000 bps (80%)`. */
export function formatBps(bps: bigint | number): string {
  return `${bps} bps (${Number(bps) / 100}%)`;
}

/** A duration in seconds with a readable unit: `86400s (1 d)`. */
export function formatSeconds(seconds: bigint | number): string {
  const s = Number(seconds);
  const unit = s === 0 ? "" : s % 86_400 === 0 ? ` (${s / 86_400} d)` : s % 3_600 === 0 ? ` (${s / 3_600} h)` : s % 60 === 0 ? ` (${s / 60} min)` : "";
  return `${s}s${unit}`;
}

/** A WAD leverage (1e18 = 1x). */
export function formatLeverageWad(wad: bigint): string {
  return wad === 0n ? "0 (unlevered)" : `${Number(wad) / 1e18}x`;
}
