import { formatLog } from "../strategy/log.js";
import { drawdownSeries, esc, renderChart, type ChartSpec } from "./chart.js";
import type { StrategyConfig } from "../strategy/types.js";
import type { BacktestResult, LegReport } from "./engine.js";
import { divide } from "./metrics.js";
import type { EventOutcome, RiskEvent } from "./scenario.js";

/**
 * Self-contained HTML report: inline CSS and SVG only (no script, no external resource), so it opens
 * offline and can be attached to an issue as a single file.
 */
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

  const charts = backtestCharts(result).map(renderChart).join("\n");

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

const STRATEGY = "#1f77b4";
const BENCHMARK = "#2ca02c";
const PASSIVE = "#d62728";

/**
 * The backtest's charts as data. The 3x short's margin health is a gap (no position) from its first
 * liquidation on, and the strategy's while it is flat, not the 100 % an empty book would otherwise read as.
 */
export function backtestCharts(result: BacktestResult): ChartSpec[] {
  const d = result.daily;
  const times = d.map((p) => p.time);
  const legs = (pick: (p: BacktestResult["daily"][number]) => readonly [number, number, number]): ChartSpec["series"] => [
    { name: "strategy", color: STRATEGY, values: d.map((p) => pick(p)[0]) },
    { name: `Ethena-style 1x (${result.benchmarkVenue})`, color: BENCHMARK, values: d.map((p) => pick(p)[1]) },
    { name: "3x short, never rebalanced", color: PASSIVE, values: d.map((p) => pick(p)[2]) },
  ];
  const passiveLiquidated = result.passive.liquidations.length > 0 ? Math.min(...result.passive.liquidations.map((l) => l.time)) : Number.POSITIVE_INFINITY;
  const strategyLiquidations = result.strategy.liquidations.map((l) => ({ time: l.time, label: `strategy liquidated (${l.venue})` }));
  return [
    { title: "NAV", times, unit: "quote", yTitle: "NAV", series: legs((p) => [p.nav, p.benchmarkNav, p.passiveNav]) },
    {
      // The 3x short's drawdown (tens of %) has its own chart: on one scale it would flatten these two to a line.
      title: "Drawdown from the running peak: strategy and the benchmark", times, unit: "%", yTitle: "drawdown", include: [0],
      series: [
        { name: "strategy", color: STRATEGY, values: drawdownSeries(d.map((p) => p.nav)) },
        { name: `Ethena-style 1x (${result.benchmarkVenue})`, color: BENCHMARK, values: drawdownSeries(d.map((p) => p.benchmarkNav)) },
      ],
    },
    {
      title: "Drawdown from the running peak: the 3x short, never rebalanced", times, unit: "%", yTitle: "drawdown", include: [0],
      series: [{ name: "3x short, never rebalanced", color: PASSIVE, values: drawdownSeries(d.map((p) => p.passiveNav)) }],
    },
    { title: "Cumulative funding received", times, unit: "quote", yTitle: "funding", include: [0], series: legs((p) => [p.fundingCum, p.benchmarkFundingCum, p.passiveFundingCum]) },
    { title: "Exposure: hedge notional / NAV", times, unit: "%", yTitle: "notional / NAV", include: [0], series: legs((p) => [p.exposure, p.benchmarkExposure, p.passiveExposure]) },
    {
      title: "Margin health: smallest distance to liquidation over the day (capped at 100 %)", times, unit: "%", yTitle: "distance to liquidation", include: [0, 1],
      series: [
        // A day ending flat that never came near liquidation held no position: a gap, not "100 % healthy".
        { name: "strategy (no line while flat)", color: STRATEGY, values: d.map((p) => (p.exposure === 0 && p.minLiqDistance >= 1 ? Number.NaN : p.minLiqDistance)) },
        { name: "3x short (no line once liquidated: no position)", color: PASSIVE, values: d.map((p) => (p.time - 86_400 >= passiveLiquidated ? Number.NaN : p.passiveMinLiqDistance)) },
      ],
      markers: [
        ...(Number.isFinite(passiveLiquidated) ? [{ time: passiveLiquidated, label: `3x short liquidated ${iso(passiveLiquidated).slice(0, 10)}` }] : []),
        ...strategyLiquidations,
      ],
    },
    { title: "Strategy net delta", times, unit: "bps", yTitle: "net delta, of NAV", include: [0], series: [{ name: "net delta", color: STRATEGY, values: d.map((p) => p.netDeltaBps) }] },
  ];
}
