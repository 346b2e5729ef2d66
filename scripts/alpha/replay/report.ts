/** The replay's summary table (console) and HTML report, beside the backtester's figures for the same window. */
import type { BacktestResult } from "../backtest/engine.js";
import { DEFAULT_RISK_FREE_APR, maxDrawdown, performance, type Performance } from "../backtest/metrics.js";
import { iso, lineChart, money, pct, ratio } from "../backtest/report.js";
import type { VenueId } from "../strategy/types.js";
import type { ReplayResult } from "./run.js";

/** Columns: replay on chain, the backtest of the same config and window, the Ethena-style benchmark on the same data. */
export interface ReplaySummary {
  readonly rows: readonly (readonly [string, string, string, string])[];
  readonly benchmarkVenue: string;
}

/** The replay's NAV path (the deposit, then each epoch after its batch) as a Performance at `riskFreeApr`. */
export function replayPerformance(r: ReplayResult, riskFreeApr: number): Performance {
  // The first epoch acts at the window's first instant: the deposit's NAV stands for that instant.
  const epochs = r.epochs.length > 0 && r.epochs[0]?.time === r.from ? r.epochs.slice(1) : r.epochs;
  return performance([r.from, ...epochs.map((e) => e.time)], [r.startNav, ...epochs.map((e) => e.nav)], riskFreeApr);
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
  const rf = bt?.riskFreeApr ?? DEFAULT_RISK_FREE_APR;
  const rp = replayPerformance(r, rf);
  const s = bt?.strategy;
  const b = bt?.benchmark;
  const na = "—";
  const rows: [string, string, string, string][] = [
    ["start NAV (USDC)", money(r.startNav), s ? money(s.performance.startNav) : na, b ? money(b.performance.startNav) : na],
    ["end NAV (USDC)", money(r.endNav), s ? money(s.performance.endNav) : na, b ? money(b.performance.endNav) : na],
    ["return", pct(r.endNav / r.startNav - 1), s ? pct(s.performance.totalReturn) : na, b ? pct(b.performance.totalReturn) : na],
    ["annualised", pct(rp.annualisedReturn), s ? pct(s.performance.annualisedReturn) : na, b ? pct(b.performance.annualisedReturn) : na],
    [`excess over rf ${pct(rf)}`, pct(rp.excessReturn), s ? pct(s.performance.excessReturn) : na, b ? pct(b.performance.excessReturn) : na],
    [`Sharpe (daily, rf ${pct(rf)})`, ratio(rp.sharpe), s ? ratio(s.performance.sharpe) : na, b ? ratio(b.performance.sharpe) : na],
    ["max drawdown", pct(maxDrawdown(navs)), s ? pct(s.performance.maxDrawdown) : na, b ? pct(b.performance.maxDrawdown) : na],
    ["funding earned (USDC)", money(r.fundingQuote), s ? money(s.fundingQuote) : na, b ? money(b.fundingQuote) : na],
    ...r.book.perps.map((leg): [string, string, string, string] => {
      const v = leg.venueId;
      return [
        `  ${v}: hedge share, funding`,
        `${pct(hedgeShares(r)[v] ?? 0)}, ${money(r.fundingByVenue[v] ?? 0)}`,
        bt ? `${pct(bt.venueShare[v] ?? 0)}, ${money(s?.fundingByVenueQuote[v] ?? 0)}` : na,
        bt ? (v === bt.benchmarkVenue ? `100 %, ${money(b?.fundingQuote ?? 0)}` : "0 %") : na,
      ];
    }),
    ["perp fees (USDC; backtest: all fees)", money(r.perpFeesQuote), s ? money(s.costs.feeQuote) : na, b ? money(b.costs.feeQuote) : na],
    ["gas (units; USDC at 20 gwei)", `${(Number(r.gasUsed) / 1e6).toFixed(1)}M; ${money(gasQuote(r))}`, s ? `model: ${money(s.costs.gasQuote)}` : na, b ? `model: ${money(b.costs.gasQuote)}` : na],
    ["batches sent (backtest: actions)", String(r.batches), bt ? String(bt.actionCount) : na, b ? String(b.actionCount) : na],
    ["guardrail refusals", String(r.refusals), bt ? String(bt.guardrailBreaches.length) : na, na],
    ["liquidations", na, s ? String(s.liquidations.length) : na, b ? String(b.liquidations.length) : na],
  ];
  return { rows, benchmarkVenue: bt?.benchmarkVenue ?? "binance" };
}

export function printSummary(summary: ReplaySummary, out: (line: string) => void): void {
  out(`${"".padEnd(30)} ${"replay (chain)".padStart(22)} ${"backtest (same window)".padStart(24)} ${`Ethena-style 1x (${summary.benchmarkVenue})`.padStart(26)}`);
  for (const [k, a, b, c] of summary.rows) out(`${k.padEnd(30)} ${a.padStart(22)} ${b.padStart(24)} ${c.padStart(26)}`);
}

export function renderReplayReport(r: ReplayResult, summary: ReplaySummary, bt: BacktestResult | undefined, notes: readonly string[]): string {
  const times = r.epochs.map((e) => e.time);
  const btNav = bt === undefined ? [] : dailyAt(bt, times, (d) => d.nav);
  const navChart = lineChart("NAV (USDC)", times, [
    { name: "replay on chain", color: "#1f77b4", values: r.epochs.map((e) => e.nav) },
    ...(bt === undefined ? [] : [{ name: "backtest (daily)", color: "#ff7f0e", values: btNav }]),
    ...(bt === undefined ? [] : [{ name: "Ethena-style 1x (daily)", color: "#2ca02c", values: dailyAt(bt, times, (d) => d.benchmarkNav) }]),
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
  const rows = summary.rows.map(([k, a, b, c]) => `<tr><td>${k}</td><td>${a}</td><td>${b}</td><td>${c}</td></tr>`).join("");
  const epochRows = r.epochs
    .filter((e) => e.actions > 0 || e.refusal !== undefined)
    .map((e) => `<tr><td>${iso(e.time)}</td><td>${e.spot.toFixed(0)}</td><td>${money(e.nav)}</td><td>${e.perpSize.toFixed(2)}</td><td>${e.refusal ?? e.summary}</td></tr>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Fusebox replay ${iso(r.from)} – ${iso(r.to)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px}td:nth-child(n+2){text-align:right}.log td:last-child{text-align:left}</style></head><body>
<h1>Fusebox alpha replay on the local chain</h1>
<p>ETH, ${iso(r.from)} → ${iso(r.to)} UTC, ${r.epochs.length} epochs of 8 h. Vault ${r.book.vault}; real Aave V3 (long leg collateral, quote borrowing), real Uniswap V3 (spot), one simulated perp venue per strategy venue (${r.book.perps.map((p) => p.venueId).join(", ")}), each fed its own funding prints, all marked at the Binance perp price.</p>
<table><tr><th></th><th>replay (chain)</th><th>backtest (same window)</th><th>Ethena-style 1x (${summary.benchmarkVenue}; backtest, same data)</th></tr>${rows}</table>
${navChart}${fundingChart}${hedgeChart}${venueChart}${venueFundingChart}
<h3>Batches</h3><table class="log"><tr><th>time</th><th>ETH</th><th>NAV</th><th>perp size</th><th>fuse calls / refusal</th></tr>${epochRows}</table>
<ul>${notes.map((n) => `<li>${n}</li>`).join("")}</ul></body></html>`;
}

/** A daily backtest series sampled at each epoch time (the last daily point at or before it). */
function dailyAt(bt: BacktestResult, times: readonly number[], pick: (d: BacktestResult["daily"][number]) => number): number[] {
  return times.map((t) => {
    let v = Number.NaN;
    for (const d of bt.daily) if (d.time <= t) v = pick(d);
    return v;
  });
}
