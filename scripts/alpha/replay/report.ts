/** The replay's summary table (console) and HTML report, beside the backtester's figures for the same window. */
import type { BacktestResult } from "../backtest/engine.js";
import { DEFAULT_RISK_FREE_APR, maxDrawdown, performance, type Performance } from "../backtest/metrics.js";
import { drawdownSeries, renderChart, type ChartSeries, type ChartSpec } from "../backtest/chart.js";
import { iso, money, pct, ratio } from "../backtest/report.js";
import type { VenueId } from "../strategy/types.js";
import type { ReplayResult } from "./run.js";

/**
 * Columns: replay on chain, the backtest of the same config and window, the Ethena-style benchmark on the same data.
 * `economics`: the replay's fees, redeem request, settlement and claim, and its refusals (label, value).
 */
export interface ReplaySummary {
  readonly rows: readonly (readonly [string, string, string, string])[];
  readonly economics: readonly (readonly [string, string])[];
  readonly benchmarkVenue: string;
}

/**
 * The replay's NAV per share, indexed to the start NAV (start NAV × price per share / the start price): what one
 * unit of the start capital is worth, net of fees and unmoved by deposits or redemptions — the measure comparable
 * with the backtest's NAV (which has neither fees nor a redemption).
 */
export function indexedNav(r: Pick<ReplayResult, "epochs" | "startNav" | "startPricePerShare">): number[] {
  return r.epochs.map((e) => (r.startNav * e.pricePerShare) / r.startPricePerShare);
}

/** The replay's per-share path (the deposit, then each epoch after its batch) as a Performance at `riskFreeApr`. */
export function replayPerformance(r: ReplayResult, riskFreeApr: number): Performance {
  // The first epoch acts at the window's first instant: the deposit's NAV stands for that instant.
  const skip = r.epochs.length > 0 && r.epochs[0]?.time === r.from ? 1 : 0;
  const navs = indexedNav(r).slice(skip);
  return performance([r.from, ...r.epochs.slice(skip).map((e) => e.time)], [r.startNav, ...navs], riskFreeApr);
}

const hours = (sec: number): string => `${(sec / 3600).toFixed(1)} h`;

/** The vault economics of the replay: fees, the redemption's request, settlement and claim, refusals. */
export function economicsRows(r: ReplayResult): [string, string][] {
  const f = r.fees;
  const rows: [string, string][] = [
    ["fees (on chain)", `management ${(f.managementBps / 100).toFixed(2)} %/yr, performance ${(f.performanceBps / 100).toFixed(0)} % above the high-water mark, to ${f.recipient}`],
    ["fees accrued", `${money(f.feeShares)} shares minted in ${f.accruals} accruals, worth ${money(f.recipientValue)} USDC at the end (management ${money(f.managementAssets)}, performance ${money(f.performanceAssets)} USDC when minted)`],
    ["high-water mark / NAV per share at the end", `${f.highWaterMark.toFixed(6)} / ${r.endPricePerShare.toFixed(6)} USDC per share (start ${r.startPricePerShare.toFixed(6)})`],
  ];
  const q = r.redemption;
  if (q !== undefined) {
    rows.push([
      "redeem request",
      `${iso(q.requestedAt)}: ${money(q.shares)} shares (${pct(q.supplyShare)} of the supply) worth ${money(q.valueAtRequest)} USDC at ${q.navPerShareAtRequest.toFixed(6)} per share; an instant redemption could have paid ${money(q.instantMaxAssets)}${q.instantMaxAssets >= q.valueAtRequest ? " (all of it: the book was mostly idle; queued all the same)" : ""}`,
    ]);
    rows.push([
      "settlement (by the alpha)",
      q.settledAt === undefined
        ? "not settled within the window"
        : `${iso(q.settledAt)}: waited ${hours(q.waitSec ?? 0)} of the ${hours(q.maxWaitSec)} maximum; paid ${money(q.assetsPaid ?? 0)} USDC = ${(q.settlePricePerShare ?? 0).toFixed(6)} per share (${pct((q.settlePricePerShare ?? 0) / q.navPerShareAtRequest - 1)} vs the NAV per share at the request)${(q.sharesLeftPending ?? 0) > 0 ? `, ${money(q.sharesLeftPending ?? 0)} shares left pending` : ""}`,
    ]);
    rows.push(["claim", q.claimedAt === undefined ? "not claimed within the window" : `${iso(q.claimedAt)}: ${money(q.claimedAssets ?? 0)} USDC`]);
  }
  rows.push(...riskRows(r));
  const nb = r.navBound;
  if (nb.perUpdateBps + nb.annualRateBps > 0) {
    let maxMove = 0;
    r.epochs.forEach((e, i) => {
      const prev = i === 0 ? r.startPricePerShare : (r.epochs[i - 1]?.pricePerShare ?? e.pricePerShare);
      if (prev > 0) maxMove = Math.max(maxMove, Math.abs(e.pricePerShare / prev - 1));
    });
    rows.push(["NAV-rate bounds", `±(${nb.perUpdateBps} bps + ${nb.annualRateBps} bps/yr pro rata) between full refreshes; largest epoch-to-epoch move of the price per share ${(maxMove * 1e4).toFixed(1)} bps; breaches ${nb.breaches}${nb.paused ? " (the vault is paused)" : ""}`]);
  }
  rows.push(["queue settlements (refused)", `${r.settlements} (${r.settleFailures})`]);
  rows.push(["refused batches", String(r.refusals)]);
  return rows;
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
  const navs = [r.startNav, ...indexedNav(r)];
  const rf = bt?.riskFreeApr ?? DEFAULT_RISK_FREE_APR;
  const rp = replayPerformance(r, rf);
  const s = bt?.strategy;
  const b = bt?.benchmark;
  const na = "—";
  const rows: [string, string, string, string][] = [
    ["start NAV (USDC)", money(r.startNav), s ? money(s.performance.startNav) : na, b ? money(b.performance.startNav) : na],
    ["end NAV (USDC; replay: after the redemption)", money(r.endNav), s ? money(s.performance.endNav) : na, b ? money(b.performance.endNav) : na],
    ["return (replay: per share, net of fees)", pct(r.endPricePerShare / r.startPricePerShare - 1), s ? pct(s.performance.totalReturn) : na, b ? pct(b.performance.totalReturn) : na],
    ["  replay per share before fees", pct(grossPerShareReturn(r)), na, na],
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
  return { rows, economics: economicsRows(r), benchmarkVenue: bt?.benchmarkVenue ?? "binance" };
}

/** The risk engine over the replay: each group's largest balance against its cap, each band's net delta range. */
export function riskRows(r: Pick<ReplayResult, "epochs">): [string, string][] {
  const rows: [string, string][] = [];
  const last = r.epochs.at(-1)?.risk;
  for (const g of last?.groups ?? []) {
    const shares = r.epochs.map((e) => e.risk.groups.find((x) => x.name === g.name)).filter((x) => x !== undefined).map((x) => (x.cap > 0 ? x.balance / x.cap : 0));
    const navShare = r.epochs.map((e) => { const x = e.risk.groups.find((y) => y.name === g.name); return x === undefined || e.nav <= 0 ? 0 : x.balance / e.nav; });
    rows.push([`risk group ${g.name}`, `balance up to ${pct(Math.max(...navShare))} of NAV, ${pct(Math.max(...shares))} of its cap (${money(g.cap)} USDC at the end)`]);
  }
  for (const b of last?.bands ?? []) {
    const bps = r.epochs.map((e) => { const x = e.risk.bands.find((y) => y.asset === b.asset); return x === undefined || e.nav <= 0 ? 0 : (x.deltaBase * e.spot) / e.nav * 10_000; });
    rows.push([`net delta ${b.symbol} (booked on chain)`, `${Math.min(...bps).toFixed(1)} … ${Math.max(...bps).toFixed(1)} bps of NAV over the epochs (band ±${b.bandBps} bps); at the end ${b.deltaBase.toFixed(3)} = ${b.markets.map((m) => `${m.name} ${m.amountBase >= 0 ? "+" : ""}${m.amountBase.toFixed(3)}`).join(", ")}`]);
  }
  return rows;
}

/**
 * The per-share return as if no fee shares had been minted: each epoch's change of the price per share with the
 * dilution of that epoch's fee shares (minted / supply) added back, chained over the window.
 */
export function grossPerShareReturn(r: Pick<ReplayResult, "epochs" | "startPricePerShare">): number {
  let growth = 1;
  let pps = r.startPricePerShare;
  let fees = 0;
  for (const e of r.epochs) {
    const minted = e.feeShares - fees;
    growth *= (e.pricePerShare / pps) / (e.supply > 0 ? 1 - minted / e.supply : 1);
    pps = e.pricePerShare;
    fees = e.feeShares;
  }
  return growth - 1;
}

export function printSummary(summary: ReplaySummary, out: (line: string) => void): void {
  out(`${"".padEnd(44)} ${"replay (chain)".padStart(16)} ${"backtest (same window)".padStart(24)} ${`Ethena-style 1x (${summary.benchmarkVenue})`.padStart(26)}`);
  for (const [k, a, b, c] of summary.rows) out(`${k.padEnd(44)} ${a.padStart(16)} ${b.padStart(24)} ${c.padStart(26)}`);
  out("");
  for (const [k, v] of summary.economics) out(`${`${k}:`.padEnd(44)} ${v}`);
}

export function renderReplayReport(r: ReplayResult, summary: ReplaySummary, bt: BacktestResult | undefined, notes: readonly string[]): string {
  const charts = replayCharts(r, bt).map(renderChart).join("\n");
  const rows = summary.rows.map(([k, a, b, c]) => `<tr><td>${k}</td><td>${a}</td><td>${b}</td><td>${c}</td></tr>`).join("");
  const economics = summary.economics.map(([k, v]) => `<tr><td>${k}</td><td>${v}</td></tr>`).join("");
  const epochRows = r.epochs
    .filter((e) => e.actions > 0 || e.refusal !== undefined || e.settlement !== undefined)
    .map((e) => `<tr><td>${iso(e.time)}</td><td>${e.spot.toFixed(0)}</td><td>${money(e.nav)}</td><td>${e.perpSize.toFixed(2)}</td><td>${[e.refusal ?? e.summary, e.settlement ?? ""].filter((x) => x !== "").join("; then ")}</td></tr>`)
    .join("");
  return `<!doctype html><html><head><meta charset="utf-8"><title>Fusebox replay ${iso(r.from)} – ${iso(r.to)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px}td:nth-child(n+2){text-align:right}.log td:last-child{text-align:left}</style></head><body>
<h1>Fusebox alpha replay on the local chain</h1>
<p>ETH, ${iso(r.from)} → ${iso(r.to)} UTC, ${r.epochs.length} epochs of 8 h. Vault ${r.book.vault}; real Aave V3 (long leg collateral, quote borrowing), real Uniswap V3 (spot), one simulated perp venue per strategy venue (${r.book.perps.map((p) => p.venueId).join(", ")}), each fed its own funding prints, all marked at the Binance perp price.</p>
<table><tr><th></th><th>replay (chain)</th><th>backtest (same window)</th><th>Ethena-style 1x (${summary.benchmarkVenue}; backtest, same data)</th></tr>${rows}</table>
<h3>Vault economics: fees and the redemption</h3><table class="log">${economics}</table>
${charts}
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

const VENUE_COLORS = ["#d62728", "#ff7f0e", "#17becf", "#bcbd22", "#e377c2"];

/**
 * How close each perp market came to its guardrail, per epoch: the venue's hedge notional / NAV against the
 * most the vault allows, cap × max leverage (margin ≤ cap of NAV, notional ≤ max leverage × margin), as a
 * fraction of that bound (1 = at the limit). NaN before the first epoch with a NAV.
 */
export function perpHeadroom(r: Pick<ReplayResult, "epochs">, venues: readonly VenueId[], capBps: number, maxLeverage: number): ChartSeries[] {
  const bound = (capBps / 10_000) * maxLeverage;
  return venues.map((v, i) => ({
    name: v,
    color: VENUE_COLORS[i % VENUE_COLORS.length] ?? "#888",
    values: r.epochs.map((e) => (e.nav > 0 ? (Math.abs(e.perpSizes[v] ?? 0) * e.spot) / e.nav / bound : Number.NaN)),
  }));
}

export function replayCharts(r: ReplayResult, bt: BacktestResult | undefined): ChartSpec[] {
  const times = r.epochs.map((e) => e.time);
  const venues = r.book.perps.map((leg) => leg.venueId);
  const venueSeries = (pick: (e: ReplayResult["epochs"][number], v: VenueId) => number): ChartSeries[] =>
    venues.map((v, i) => ({ name: v, color: VENUE_COLORS[i % VENUE_COLORS.length] ?? "#888", values: r.epochs.map((e) => pick(e, v)) }));
  const cumulative = (xs: readonly number[]): number[] => {
    let c = 0;
    return xs.map((x) => (c += x));
  };
  const navs = indexedNav(r);
  const btNav = bt === undefined ? [] : dailyAt(bt, times, (d) => d.nav);
  const benchNav = bt === undefined ? [] : dailyAt(bt, times, (d) => d.benchmarkNav);
  const withBt = (replay: readonly number[], backtest: readonly number[], bench: readonly number[]): ChartSeries[] => [
    { name: "replay on chain (8 h epochs)", color: "#1f77b4", values: replay },
    ...(bt === undefined ? [] : [
      { name: "backtest (daily)", color: "#ff7f0e", values: backtest },
      { name: `Ethena-style 1x (${bt.benchmarkVenue}, daily)`, color: "#2ca02c", values: bench },
    ]),
  ];
  const { perpVenueCapBps, maxLeverage } = r.config;
  return [
    {
      title: "NAV per unit of the start capital (replay: NAV per share × start supply, net of fees; the redemption does not move it)", times, unit: "USDC", yTitle: "NAV",
      series: withBt(navs, btNav, benchNav),
    },
    {
      title: "Vault NAV and the redeem queue (the 30 % redemption leaves at its settlement)", times, unit: "USDC", yTitle: "USDC", include: [0],
      series: [
        { name: "total assets (NAV)", color: "#1f77b4", values: r.epochs.map((e) => e.nav) },
        { name: "pending requests (at the NAV per share)", color: "#d62728", values: r.epochs.map((e) => e.pendingShares * e.pricePerShare) },
        { name: "set aside for claims", color: "#2ca02c", values: r.epochs.map((e) => e.setAside) },
      ],
    },
    { title: "Drawdown from the running peak", times, unit: "%", yTitle: "drawdown", include: [0], series: withBt(drawdownSeries(navs), drawdownSeries(btNav), drawdownSeries(benchNav)) },
    { title: "Funding earned, cumulative", times, unit: "USDC", yTitle: "funding", include: [0], series: [{ name: "replay on chain", color: "#2ca02c", values: cumulative(r.epochs.map((e) => e.fundingQuote)) }] },
    {
      title: "Hedge: long leg vs perp short (equal when delta-neutral: the short is drawn dashed over the long)", times, unit: "ETH", yTitle: "size", include: [0],
      series: [
        { name: "long leg (spot + Aave)", color: "#9467bd", values: r.epochs.map((e) => e.longBase) },
        { name: "perp short (−size, all venues)", color: "#d62728", values: r.epochs.map((e) => -e.perpSize) },
      ],
    },
    { title: "Perp short per venue, stacked (each band is one venue's short)", kind: "stacked", times, unit: "ETH", yTitle: "short size", series: venueSeries((e, v) => -(e.perpSizes[v] ?? 0)) },
    { title: "Funding earned per venue, cumulative", times, unit: "USDC", yTitle: "funding", include: [0], series: venueSeries(() => 0).map((s, i) => ({ ...s, values: cumulative(r.epochs.map((e) => e.fundingByVenue[venues[i] as VenueId] ?? 0)) })) },
    ...riskCharts(r),
    {
      title: "Guardrail headroom: each perp market's notional against its limit",
      note: `Hedge notional / NAV as a share of the most a market may hold: its cap (${perpVenueCapBps / 100} % of NAV as margin) × its max leverage (${maxLeverage}x) = ${pct((perpVenueCapBps / 10_000) * maxLeverage, 0)} of NAV; 100 % is the limit. Idle against the buffer and the long leg's markets are not charted: the epoch records carry no per-market balances.`,
      times, unit: "%", yTitle: "share of limit", include: [0, 1], limits: [{ value: 1, label: "limit (cap × max leverage)" }],
      series: perpHeadroom(r, venues, perpVenueCapBps, maxLeverage),
    },
  ];
}

/** The risk engine's books per epoch: each group's balance as a share of its cap, each band's net delta vs its band. */
function riskCharts(r: ReplayResult): ChartSpec[] {
  const times = r.epochs.map((e) => e.time);
  const last = r.epochs.at(-1)?.risk;
  const out: ChartSpec[] = [];
  if (last !== undefined && last.groups.length > 0) {
    out.push({
      title: "Risk groups: each group's summed balance against its cap (100 % is the cap)", times, unit: "%", yTitle: "share of cap", include: [0, 1],
      limits: [{ value: 1, label: "cap" }],
      series: last.groups.map((g, i) => ({ name: g.name, color: VENUE_COLORS[i % VENUE_COLORS.length] ?? "#888", values: r.epochs.map((e) => { const x = e.risk.groups.find((y) => y.name === g.name); return x === undefined || x.cap <= 0 ? Number.NaN : x.balance / x.cap; }) })),
    });
  }
  for (const b of last?.bands ?? []) {
    out.push({
      title: `Net delta of ${b.symbol} booked on chain (markets reporting: ${b.markets.map((m) => m.name).join(", ") || "none"}), as a share of NAV`, times, unit: "%", yTitle: "net delta / NAV",
      include: [-(b.bandBps / 10_000), b.bandBps / 10_000],
      limits: [{ value: b.bandBps / 10_000, label: "band" }, { value: -(b.bandBps / 10_000), label: "−band" }],
      series: [{ name: "net delta / NAV", color: "#9467bd", values: r.epochs.map((e) => { const x = e.risk.bands.find((y) => y.asset === b.asset); return x === undefined || e.nav <= 0 ? Number.NaN : (x.deltaBase * e.spot) / e.nav; }) }],
    });
  }
  return out;
}
