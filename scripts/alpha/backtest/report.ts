import { formatLog } from "../strategy/log.js";
import type { StrategyConfig } from "../strategy/types.js";
import type { BacktestResult, LegReport } from "./engine.js";
import { divide } from "./metrics.js";
import type { EventOutcome, RiskEvent } from "./scenario.js";

/**
 * Self-contained HTML report: inline CSS and SVG only (no script, no external resource), so it opens
 * offline and can be attached to an issue as a single file.
 */
export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  readonly values: readonly number[];
  /** Draw dashed and thicker, so a series that coincides with another (a matched hedge) stays visible. */
  readonly dashed?: boolean;
}

export function renderReport(result: BacktestResult, config: StrategyConfig, notes: readonly string[] = []): string {
  const times = result.daily.map((d) => d.time);
  const s = result.strategy;
  const b = result.benchmark;
  const p = result.passive;
  const rf = pct(result.riskFreeApr);
  const rows: [string, (l: LegReport) => string][] = [
    ["Annualised return", (l) => pct(l.performance.annualisedReturn)],
    [`Excess return (over the risk-free ${rf})`, (l) => pct(l.performance.excessReturn)],
    ["Total return", (l) => pct(l.performance.totalReturn)],
    [`Sharpe (daily returns over rf ${rf}, √365)`, (l) => ratio(l.performance.sharpe)],
    ["Max drawdown", (l) => pct(l.performance.maxDrawdown)],
    ["Daily volatility", (l) => pct(l.performance.dailyVol, 3)],
    ["Final NAV", (l) => money(l.performance.endNav)],
    ["Funding earned", (l) => money(l.fundingQuote)],
    ["Trading costs (fees + slippage + gas + transfers)", (l) => money(l.costsQuote)],
    ["  of which fees / slippage", (l) => `${money(l.costs.feeQuote)} / ${money(l.costs.slippageQuote)}`],
    ["  of which gas / transfers", (l) => `${money(l.costs.gasQuote)} / ${money(l.costs.transferQuote)}`],
    ["Credit interest paid (net)", (l) => money(l.interestQuote)],
    ["Yield earned on what waits (idle, margin, long leg)", (l) => money(l.yieldQuote)],
    ["Basis paid trading at venue premiums (negative = earned)", (l) => money(l.basisQuote)],
    ["Traded notional", (l) => money(l.costs.tradedQuote)],
    ["Turnover (traded / average NAV, per year)", (l) => `${l.turnoverPerYear.toFixed(2)}×`],
    ["Liquidations", (l) => String(l.liquidations.length)],
  ];
  const table = rows
    .map(([label, f]) => `<tr><th>${esc(label)}</th><td>${esc(f(s))}</td><td>${esc(f(b))}</td><td>${esc(f(p))}</td></tr>`)
    .join("\n");
  const goal = goalAgainstBenchmark(s, b);
  const targets = `<p>Goal against the Ethena-style benchmark: ≥ 2 points a year of excess return — <b>${esc(goal.excessVerdict)}</b>
(${(goal.excessPoints * 100).toFixed(2)} points); max drawdown ≤ ½ the benchmark's — <b>${esc(goal.drawdownVerdict)}</b> (ratio ${esc(ratio(goal.drawdownRatio, 3))}).</p>`;

  const charts = [
    lineChart("NAV (quote)", times, [
      { name: "strategy", color: "#1f77b4", values: result.daily.map((d) => d.nav) },
      { name: `Ethena-style 1x (${result.benchmarkVenue})`, color: "#2ca02c", values: result.daily.map((d) => d.benchmarkNav) },
      { name: "3x short, never rebalanced", color: "#d62728", values: result.daily.map((d) => d.passiveNav) },
    ], money),
    lineChart("Cumulative funding received (quote)", times, [
      { name: "strategy", color: "#1f77b4", values: result.daily.map((d) => d.fundingCum) },
      { name: "Ethena-style 1x", color: "#2ca02c", values: result.daily.map((d) => d.benchmarkFundingCum) },
      { name: "3x short", color: "#d62728", values: result.daily.map((d) => d.passiveFundingCum) },
    ], money),
    lineChart("Exposure: hedge notional / NAV", times, [
      { name: "strategy", color: "#1f77b4", values: result.daily.map((d) => d.exposure) },
      { name: "Ethena-style 1x", color: "#2ca02c", values: result.daily.map((d) => d.benchmarkExposure) },
      { name: "3x short", color: "#d62728", values: result.daily.map((d) => d.passiveExposure) },
    ], (x) => pct(x, 0)),
    lineChart("Margin health: smallest distance to liquidation over the day (capped at 100 %)", times, [
      { name: "strategy", color: "#1f77b4", values: result.daily.map((d) => d.minLiqDistance) },
      { name: "passive", color: "#d62728", values: result.daily.map((d) => d.passiveMinLiqDistance) },
    ], (x) => pct(x, 0)),
    lineChart("Strategy net delta (bps of NAV)", times, [
      { name: "net delta", color: "#2ca02c", values: result.daily.map((d) => d.netDeltaBps) },
    ], (x) => x.toFixed(0)),
  ].join("\n");

  const totalHours = result.regimeHours.positive + result.regimeHours.negative + result.regimeHours.transition;
  const regimes = (["positive", "transition", "negative"] as const)
    .map((r) => `<tr><th>${r}</th><td>${pct(result.regimeHours[r] / Math.max(1, totalHours))}</td></tr>`)
    .join("");
  const venues = Object.entries(result.venueShare)
    .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
    .map(([v, x]) => `<tr><th>${esc(v)}</th><td>${pct(x ?? 0)}</td></tr>`)
    .join("");
  const counts = new Map<string, number>();
  for (const d of result.decisions) {
    if (d.action === "hold" && d.reason.startsWith("scheduled check")) continue;
    const key = `${d.action} — ${d.reason.replace(/-?\d+(\.\d+)?%/g, "x%")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const countRows = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `<tr><td>${n}</td><td>${esc(k)}</td></tr>`)
    .join("");
  const interesting = result.decisions.filter((d) => d.action === "flag" || (d.action === "hold" && !d.reason.startsWith("scheduled") && !d.reason.startsWith("batch planned")));
  const logLines = interesting.slice(0, 400).map((d) => esc(formatLog(d))).join("\n");
  const liquidations = [
    ...s.liquidations.map((l) => ({ ...l, who: "strategy" })),
    ...b.liquidations.map((l) => ({ ...l, who: "Ethena-style 1x" })),
    ...p.liquidations.map((l) => ({ ...l, who: "3x short" })),
  ]
    .map((l) => `<tr><td>${esc(l.who)}</td><td>${iso(l.time)}</td><td>${esc(l.venue)}</td><td>${money(l.lossQuote)}</td></tr>`)
    .join("");
  const configRows = Object.entries(config)
    .filter(([k]) => k !== "venues")
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(Array.isArray(v) ? v.join(", ") : String(v))}</td></tr>`)
    .join("");

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Fusebox backtest — ${esc(result.asset)} ${iso(result.from)} → ${iso(result.to)}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#222;padding:0 16px}
table{border-collapse:collapse;margin:8px 0 20px}th,td{border:1px solid #ddd;padding:4px 10px;text-align:right}
th{text-align:left;font-weight:500;background:#fafafa}h2{margin-top:32px;border-bottom:1px solid #eee}
pre{background:#f6f6f6;padding:10px;overflow:auto;max-height:420px;font-size:12px}svg{display:block;margin:8px 0 24px}
.note{color:#555}
</style></head><body>
<h1>Delta-neutral funding carry — ${esc(result.asset)}</h1>
<p>Window ${iso(result.from)} → ${iso(result.to)} (UTC), capital ${money(result.capitalQuote)}, mode <b>${esc(config.mode)}</b>,
negative regime: <b>${esc(config.negativeRegimeAction)}</b>, target leverage ${config.targetLeverage}× (limit ${config.maxLeverage}×),
idle buffer ${config.idleBufferBps / 100} %. ${result.actionCount} actions executed; ${result.guardrailBreaches.length} guardrail breaches.</p>
${targets}
<table><tr><th></th><th>strategy</th><th>Ethena-style 1x (${esc(result.benchmarkVenue)}), the benchmark</th><th>3x short, never rebalanced</th></tr>
${table}
</table>
${notes.map((n) => `<p class="note">${esc(n)}</p>`).join("\n")}
<p class="note">${esc(portfolioMarginNote(result, config.maxBasis))}</p>
<h2>Charts (daily points)</h2>
${charts}
<h2>Regimes and venues</h2>
<table><tr><th>regime</th><th>share of hours</th></tr>${regimes}</table>
<table><tr><th>venue</th><th>share of hedge (size × hours)</th></tr>${venues}</table>
${result.scenario === undefined ? "" : `<h2>Risk events: ${esc(result.scenario.name)} (${esc(result.scenario.kind)})</h2>
<table><tr><th>event</th><th>monitor's response</th></tr>${result.scenario.outcomes.map((o) => `<tr><th>${esc(describeEvent(o.event))}</th><td>${esc(describeOutcome(o))}</td></tr>`).join("")}</table>`}
<h2>Liquidations</h2>
<table><tr><th>who</th><th>time</th><th>venue</th><th>margin lost</th></tr>${liquidations || '<tr><td colspan="4">none</td></tr>'}</table>
<h2>Decisions</h2>
<table><tr><th>count</th><th>action — reason</th></tr>${countRows}</table>
<p>Flags and regime decisions (first 400; the CLI's <code>--log</code> writes every line as JSON):</p>
<pre>${logLines}</pre>
<h2>Configuration</h2>
<table>${configRows}</table>
<h2>Data and model</h2>
<p class="note">Funding: supervik multi-venue files (MIT), normalised to UTC and per-hour rates. Prices: Binance USDT-M perp hourly
closes/highs/lows (no licence stated; exchange data); index (spot) = perp / (1 + last Binance daily perp/spot basis). ${
    result.priceModel === "per-venue"
      ? "Each venue is marked at index × (1 + premium), the premium implied by that venue's own funding print for the interval (funding = premium + interest clamped at ±0.05 %, at the venue's caps): a model, the data hold no per-venue prices. Basis is paid at entry, exit and every venue switch."
      : "Every venue is marked at the Binance perp price (one price: no basis between venues)."
  } Slippage: per-venue bps plus ½ × 1 % × notional / the venue's assumed 1 % depth. Maintenance margin by Binance-style tier.
Liquidation: equity at the bar's worst price below maintenance margin loses the isolated margin.
Decisions at time t use only data known at t.</p>
</body></html>
`;
}

export function lineChart(title: string, times: readonly number[], series: readonly ChartSeries[], format: (x: number) => string): string {
  const width = 1060;
  const height = 280;
  const left = 90;
  const right = 16;
  const top = 28;
  const bottom = 40;
  const all = series.flatMap((s) => s.values.filter((v) => Number.isFinite(v)));
  if (all.length === 0 || times.length < 2) return `<p>${esc(title)}: no data</p>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    hi += Math.abs(hi) * 0.01 + 1e-9;
    lo -= Math.abs(lo) * 0.01 + 1e-9;
  }
  const t0 = times[0] as number;
  const t1 = times[times.length - 1] as number;
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v: number): number => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);
  const grid: string[] = [];
  for (let k = 0; k <= 4; k += 1) {
    const v = lo + ((hi - lo) * k) / 4;
    grid.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/>`);
    grid.push(`<text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${esc(format(v))}</text>`);
  }
  const start = new Date(t0 * 1000);
  for (let m = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)); m.getTime() / 1000 <= t1; m = new Date(Date.UTC(m.getUTCFullYear(), m.getUTCMonth() + 3, 1))) {
    const xm = x(m.getTime() / 1000);
    grid.push(`<line x1="${xm.toFixed(1)}" x2="${xm.toFixed(1)}" y1="${top}" y2="${height - bottom}" stroke="#f2f2f2"/>`);
    grid.push(`<text x="${xm.toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11" fill="#555">${m.toISOString().slice(0, 7)}</text>`);
  }
  const paths = series.map((s) => {
    let d = "";
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) return;
      d += `${d === "" ? "M" : "L"}${x(times[i] as number).toFixed(1)},${y(v).toFixed(1)}`;
    });
    const style = s.dashed === true ? ` stroke-dasharray="6 4" stroke-width="2.6"` : ` stroke-width="1.6"`;
    return `<path d="${d}" fill="none" stroke="${s.color}"${style}/>`;
  });
  const legend = series
    .map((s, i) => `<rect x="${left + 10 + i * 300}" y="8" width="12" height="3" fill="${s.color}"/><text x="${left + 28 + i * 300}" y="13" font-size="12">${esc(s.name)}</text>`)
    .join("");
  return `<h3>${esc(title)}</h3>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${esc(title)}">
${grid.join("")}${paths.join("")}${legend}
<rect x="${left}" y="${top}" width="${width - left - right}" height="${height - top - bottom}" fill="none" stroke="#ccc"/>
</svg>`;
}

function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * The issue's goal against the Ethena-style benchmark: ≥ 2 points a year of excess return with at most
 * half its max drawdown. A drawdown ratio against a benchmark that never drew down is undefined, and
 * so is its verdict: never "met".
 */
export function goalAgainstBenchmark(strategy: LegReport, benchmark: LegReport): {
  excessPoints: number;
  excessVerdict: "met" | "not met";
  drawdownRatio: number;
  drawdownVerdict: "met" | "not met" | "undefined";
} {
  const excessPoints = strategy.performance.annualisedReturn - benchmark.performance.annualisedReturn;
  const drawdownRatio = divide(strategy.performance.maxDrawdown, benchmark.performance.maxDrawdown);
  return {
    excessPoints,
    excessVerdict: excessPoints >= 0.02 ? "met" : "not met",
    drawdownRatio,
    drawdownVerdict: Number.isFinite(drawdownRatio) ? (drawdownRatio <= 0.5 ? "met" : "not met") : "undefined",
  };
}

/** A ratio with `digits` decimals; "undefined" when it is not a finite number (never ∞, never "met"). */
export function ratio(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "undefined";
}

/** The risk monitor's portfolio-margin view over the run, in one sentence. */
export function portfolioMarginNote(result: BacktestResult, basisAddOn: number): string {
  const days = result.daily.filter((d) => d.postedMarginQuote > 0);
  if (days.length === 0) return "Portfolio margin: no perp collateral was posted.";
  const posted = days.reduce((s, d) => s + d.postedMarginQuote, 0) / days.length;
  const freed = days.reduce((s, d) => s + d.nettingFreesQuote, 0) / days.length;
  return `Portfolio margin (risk monitor, netted across venues and the long leg, basis add-on ${pct(basisAddOn, 0)} of gross notional): on average ${money(freed)} of the ${money(posted)} posted on venues (${pct(freed / posted, 0)}) would be freed by one netted account; isolated venues cannot net, so the vault posts it.`;
}

export function describeEvent(e: RiskEvent): string {
  switch (e.kind) {
    case "venueOutage":
      return `${e.venue} down ${e.from} → ${e.to}`;
    case "quoteDepeg":
      return `quote at ${e.pegUsd} USD ${e.from} → ${e.to}`;
    case "adl":
      return `${e.venue} ADL of ${(e.fraction * 100).toFixed(0)} % at ${e.at}`;
    case "liquidityDrop":
      return `${e.venue} depth × ${e.depthFactor} ${e.from} → ${e.to}`;
  }
}

export function describeOutcome(o: EventOutcome): string {
  const where = "venue" in o.event ? `on ${o.event.venue}` : "in total";
  const size = (x: number): string => (Number.isFinite(x) ? x.toFixed(3) : "—");
  return `${o.flags} monitor flags, ${o.actions} actions; perp size ${where} ${size(o.sizeBefore)} → ${size(o.sizeAfter)}${
    o.event.kind === "adl" ? `; ${size(o.deleveragedBase)} closed by the venue` : ""
  }${o.event.kind === "adl" ? " (window: the 24 h after)" : ""}`;
}

/** `12.34 %`; `—` when not finite. (The report formatters, shared by the replay's report and the demo.) */
export function pct(x: number, digits = 2): string {
  return Number.isFinite(x) ? `${(x * 100).toFixed(digits)} %` : "—";
}

/** Whole units with thousands separators; `—` when not finite. */
export function money(x: number): string {
  return Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "—";
}

/** `YYYY-MM-DD HH:MM` (UTC) of unix seconds. */
export function iso(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");
}
