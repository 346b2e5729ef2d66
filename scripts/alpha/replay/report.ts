/** The replay's summary table (console) and HTML report, beside the backtester's figures for the same window. */
import type { BacktestResult } from "../backtest/engine.js";
import { maxDrawdown } from "../backtest/metrics.js";
import { iso, lineChart, money, pct } from "../backtest/report.js";
import type { VenueId } from "../strategy/types.js";
import type { ReplayResult } from "./run.js";

export interface ReplaySummary {
  readonly rows: readonly (readonly [string, string, string])[];
}


/** Gas priced at 20 gwei and the window's mean ETH price (a mainnet-like figure for a sense of scale). */
export function gasQuote(r: ReplayResult): number {
  const meanSpot = r.epochs.reduce((s, e) => s + e.spot, 0) / Math.max(1, r.epochs.length);
  return (Number(r.gasUsed) * 20e-9) * meanSpot;
}

/** Each venue's share of the hedge over the window: |size| summed over epochs / total (the backtest's base-hours). */
export function hedgeShares(r: ReplayResult): Partial<Record<VenueId, number>> {
  const sums: Partial<Record<VenueId, number>> = {};
  for (const e of r.epochs) for (const [v, x] of Object.entries(e.perpSizes) as [VenueId, number][]) sums[v] = (sums[v] ?? 0) + Math.abs(x);
  const total = Object.values(sums).reduce((a, b) => a + (b ?? 0), 0);
  const shares: Partial<Record<VenueId, number>> = {};
  for (const leg of r.book.perps) shares[leg.venueId] = total > 0 ? (sums[leg.venueId] ?? 0) / total : 0;
  return shares;
}

export function summarise(r: ReplayResult, bt?: BacktestResult): ReplaySummary {
  const navs = [r.startNav, ...r.epochs.map((e) => e.nav)];
  const s = bt?.strategy;
  const rows: [string, string, string][] = [
    ["start NAV (USDC)", money(r.startNav), s ? money(s.performance.startNav) : "—"],
    ["end NAV (USDC)", money(r.endNav), s ? money(s.performance.endNav) : "—"],
    ["return", pct(r.endNav / r.startNav - 1), s ? pct(s.performance.totalReturn) : "—"],
    ["annualised", pct((r.endNav / r.startNav) ** (365 * 86_400 / Math.max(1, r.to - r.from + 8 * 3600)) - 1), s ? pct(s.performance.annualisedReturn) : "—"],
    ["funding earned (USDC)", money(r.fundingQuote), s ? money(s.fundingQuote) : "—"],
    ...r.book.perps.flatMap((leg): [string, string, string][] => {
      const v = leg.venueId;
      return [[`  ${v}: hedge share, funding`, `${pct(hedgeShares(r)[v] ?? 0)}, ${money(r.fundingByVenue[v] ?? 0)}`, bt ? `${pct(bt.venueShare[v] ?? 0)}, ${money(s?.fundingByVenueQuote[v] ?? 0)}` : "—"]];
    }),
    ["perp fees (USDC; backtest: all fees)", money(r.perpFeesQuote), s ? money(s.costs.feeQuote) : "—"],
    ["gas (units; USDC at 20 gwei)", `${(Number(r.gasUsed) / 1e6).toFixed(1)}M; ${money(gasQuote(r))}`, s ? `model: ${money(s.costs.gasQuote)}` : "—"],
    ["batches sent (backtest: actions)", String(r.batches), bt ? String(bt.actionCount) : "—"],
    ["guardrail refusals", String(r.refusals), bt ? String(bt.guardrailBreaches.length) : "—"],
    ["max drawdown", pct(maxDrawdown(navs)), s ? pct(s.performance.maxDrawdown) : "—"],
  ];
  return { rows };
}

export function printSummary(summary: ReplaySummary, out: (line: string) => void): void {
  out(`${"".padEnd(30)} ${"replay (chain)".padStart(22)} ${"backtest (same window)".padStart(24)}`);
  for (const [k, a, b] of summary.rows) out(`${k.padEnd(30)} ${a.padStart(22)} ${b.padStart(24)}`);
}

export function renderReplayReport(r: ReplayResult, summary: ReplaySummary, bt: BacktestResult | undefined, notes: readonly string[]): string {
  const times = r.epochs.map((e) => e.time);
  const btNav = bt === undefined ? [] : times.map((t) => {
    let v = Number.NaN;
    for (const d of bt.daily) if (d.time <= t) v = d.nav;
    return v;
  });
  const navChart = lineChart("NAV (USDC)", times, [
    { name: "replay on chain", color: "#1f77b4", values: r.epochs.map((e) => e.nav) },
    ...(bt === undefined ? [] : [{ name: "backtest (daily)", color: "#ff7f0e", values: btNav }]),
  ], money);
  let cum = 0;
  const fundingChart = lineChart("Funding earned, cumulative (USDC)", times, [
    { name: "replay on chain", color: "#2ca02c", values: r.epochs.map((e) => (cum += e.fundingQuote)) },
  ], money);
  const hedgeChart = lineChart("Hedge (ETH): perp short vs long leg (they coincide when delta-neutral)", times, [
    { name: "long leg (spot + Aave)", color: "#9467bd", values: r.epochs.map((e) => e.longBase) },
    { name: "perp short (−size)", color: "#d62728", values: r.epochs.map((e) => -e.perpSize), dashed: true },
  ], (x) => x.toFixed(1));
  const venueColors = ["#d62728", "#8c564b", "#17becf", "#bcbd22", "#e377c2"];
  const venueChart = lineChart("Perp short per venue (ETH)", times, r.book.perps.map((leg, i) => ({
    name: leg.venueId, color: venueColors[i % venueColors.length] ?? "#d62728", values: r.epochs.map((e) => -(e.perpSizes[leg.venueId] ?? 0)),
  })), (x) => x.toFixed(1));
  let venueCum = 0;
  const venueFundingChart = lineChart("Funding earned per venue, cumulative (USDC)", times, r.book.perps.map((leg, i) => {
    venueCum = 0;
    return { name: leg.venueId, color: venueColors[i % venueColors.length] ?? "#d62728", values: r.epochs.map((e) => (venueCum += e.fundingByVenue[leg.venueId] ?? 0)) };
  }), money);
  const rows = summary.rows.map(([k, a, b]) => `<tr><td>${k}</td><td>${a}</td><td>${b}</td></tr>`).join("");
  const epochRows = r.epochs
    .filter((e) => e.actions > 0 || e.refusal !== undefined)
    .map((e) => `<tr><td>${iso(e.time)}</td><td>${e.spot.toFixed(0)}</td><td>${money(e.nav)}</td><td>${e.perpSize.toFixed(2)}</td><td>${e.refusal ?? e.summary}</td></tr>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Fusebox replay ${iso(r.from)} – ${iso(r.to)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px}td:nth-child(n+2){text-align:right}.log td:last-child{text-align:left}</style></head><body>
<h1>Fusebox alpha replay on the local chain</h1>
<p>ETH, ${iso(r.from)} → ${iso(r.to)} UTC, ${r.epochs.length} epochs of 8 h. Vault ${r.book.vault}; real Aave V3 (long leg collateral, quote borrowing), real Uniswap V3 (spot), one simulated perp venue per strategy venue (${r.book.perps.map((p) => p.venueId).join(", ")}), each fed its own funding prints, all marked at the Binance perp price.</p>
<table><tr><th></th><th>replay (chain)</th><th>backtest (same window)</th></tr>${rows}</table>
${navChart}${fundingChart}${hedgeChart}${venueChart}${venueFundingChart}
<h3>Batches</h3><table class="log"><tr><th>time</th><th>ETH</th><th>NAV</th><th>perp size</th><th>fuse calls / refusal</th></tr>${epochRows}</table>
<ul>${notes.map((n) => `<li>${n}</li>`).join("")}</ul></body></html>`;
}
