/**
 * Static SVG charts for the self-contained HTML reports (backtest and replay): a UTC time axis and a value
 * axis from d3-scale (nice ticks, precision from the tick step, so no "0, -0, -0"), axis titles with units,
 * series told apart by colour and dash pattern (a series drawn over another of equal value stays visible),
 * stacked areas for shares, horizontal limit lines and time markers. Pure: the tick and path logic is tested
 * apart from any rendering (test/alpha/reportCharts.test.ts).
 */
import { scaleLinear, scaleUtc } from "d3-scale";

export type Unit = "USDC" | "quote" | "%" | "ETH" | "base" | "bps";

export interface ChartSeries {
  readonly name: string;
  readonly color: string;
  /** One value per time; NaN leaves a gap (no position, no data). */
  readonly values: readonly number[];
}

export interface ChartSpec {
  readonly title: string;
  /** Unix seconds, ascending. */
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly unit: Unit;
  /** The value axis title (the unit is appended). */
  readonly yTitle: string;
  /** "stacked": areas summed bottom-up (shares of a whole); default lines. */
  readonly kind?: "line" | "stacked";
  /** Values the axis must include (e.g. 0, or a limit). */
  readonly include?: readonly number[];
  readonly limits?: readonly { readonly value: number; readonly label: string }[];
  readonly markers?: readonly { readonly time: number; readonly label: string }[];
  readonly note?: string;
}

export interface Tick {
  readonly at: number;
  readonly label: string;
}

const W = 1060;
const H = 300;
const M = { left: 86, right: 18, top: 44, bottom: 52 } as const;
/** Dash patterns by series index: solid, dashed, dotted, dash-dot. */
const DASHES = ["", "7 4", "2 3", "9 3 2 3"] as const;

/** Time ticks: about one per 90 px (a 90-day window gets ~11), labelled YYYY-MM-DD, or YYYY-MM on month starts over long windows. */
export function timeTicks(t0: number, t1: number, widthPx = W - M.left - M.right): Tick[] {
  if (!(t1 > t0)) return [];
  const scale = scaleUtc().domain([new Date(t0 * 1000), new Date(t1 * 1000)]);
  const long = t1 - t0 > 400 * 86_400;
  return scale.ticks(Math.max(2, Math.floor(widthPx / 90))).map((d) => ({
    at: d.getTime() / 1000,
    label: long ? d.toISOString().slice(0, 7) : d.toISOString().slice(0, 10),
  }));
}

/** The value domain over finite values and `include`, widened when flat (±1 % of the value, ±1 around 0), then niced. */
export function valueDomain(values: readonly number[], include: readonly number[] = []): [number, number] {
  // Rounding noise (a net delta of 1e-10 bps) is zero: it must not set the axis' scale.
  const all = [...values, ...include].filter((v) => Number.isFinite(v)).map((v) => (Math.abs(v) < 1e-9 ? 0 : v));
  if (all.length === 0) return [0, 1];
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi - lo <= 1e-9 * Math.max(Math.abs(hi), Math.abs(lo))) {
    const pad = Math.abs(hi) * 0.01 || 1;
    lo -= pad;
    hi += pad;
  }
  const nice = scaleLinear().domain([lo, hi]).nice(5).domain();
  return [nice[0] as number, nice[1] as number];
}

/** Value ticks with a precision the step needs (d3's tickFormat): distinct labels, zero written "0". */
export function valueTicks(domain: readonly [number, number], unit: Unit, count = 5): Tick[] {
  const scale = scaleLinear().domain([domain[0], domain[1]]);
  const format = scale.tickFormat(count, unit === "%" ? "%" : ",f");
  return scale.ticks(count).map((v) => ({ at: v, label: format(v === 0 ? 0 : v).replace("−", "-").replace(/^-(0(\.0+)?%?)$/, "$1") }));
}

/** Each series' running sum from the first series up (the stack's upper edges); NaN counts as 0. */
export function stack(series: readonly ChartSeries[]): number[][] {
  const tops: number[][] = [];
  let base: number[] = series[0]?.values.map(() => 0) ?? [];
  for (const s of series) {
    const top = s.values.map((v, i) => (base[i] ?? 0) + (Number.isFinite(v) ? v : 0));
    tops.push(top);
    base = top;
  }
  return tops;
}

/** Drawdown from the running peak at each point: nav / max(nav so far) − 1 (≤ 0); NaN where nav is not finite or ≤ 0. */
export function drawdownSeries(navs: readonly number[]): number[] {
  let peak = Number.NEGATIVE_INFINITY;
  return navs.map((n) => {
    if (!Number.isFinite(n) || n <= 0) return Number.NaN;
    peak = Math.max(peak, n);
    return n / peak - 1;
  });
}

/** An SVG path through the finite points, starting a new segment after each gap. */
export function linePath(xs: readonly number[], ys: readonly number[]): string {
  let d = "";
  let pen = false;
  ys.forEach((y, i) => {
    const x = xs[i];
    if (!Number.isFinite(y) || x === undefined) {
      pen = false;
      return;
    }
    d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
    pen = true;
  });
  return d;
}

export function renderChart(spec: ChartSpec): string {
  const { times, series } = spec;
  const stacked = spec.kind === "stacked";
  const tops = stacked ? stack(series) : series.map((s) => [...s.values]);
  const values = tops.flat();
  if (times.length < 2 || !values.some((v) => Number.isFinite(v))) return `<h3>${esc(spec.title)}</h3><p>no data</p>`;
  const t0 = times[0] as number;
  const t1 = times[times.length - 1] as number;
  const domain = valueDomain(values, [...(spec.include ?? []), ...(stacked ? [0] : []), ...(spec.limits ?? []).map((l) => l.value)]);
  const x = scaleUtc().domain([new Date(t0 * 1000), new Date(t1 * 1000)]).range([M.left, W - M.right]);
  const xs = times.map((t) => x(new Date(t * 1000)));
  const y = scaleLinear().domain(domain).range([H - M.bottom, M.top]);
  const parts: string[] = [];
  for (const t of valueTicks(domain, spec.unit)) {
    const py = y(t.at).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="${t.at === 0 ? "#999" : "#eee"}"/>`);
    parts.push(`<text x="${M.left - 6}" y="${(y(t.at) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${esc(t.label)}</text>`);
  }
  for (const t of timeTicks(t0, t1)) {
    const px = x(new Date(t.at * 1000)).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    parts.push(`<line x1="${px}" x2="${px}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" stroke="#999"/>`);
    parts.push(`<text x="${px}" y="${H - M.bottom + 16}" text-anchor="middle" font-size="11" fill="#555">${esc(t.label)}</text>`);
  }
  if (stacked) {
    tops.forEach((top, i) => {
      const below = i === 0 ? top.map(() => 0) : (tops[i - 1] as number[]);
      const upper = top.map((v, k) => `${(xs[k] as number).toFixed(1)},${y(v).toFixed(1)}`);
      const lower = below.map((v, k) => `${(xs[k] as number).toFixed(1)},${y(v).toFixed(1)}`).reverse();
      const color = series[i]?.color ?? "#888";
      parts.push(`<path d="M${upper.join("L")}L${lower.join("L")}Z" fill="${color}" fill-opacity="0.55" stroke="${color}" stroke-width="1"/>`);
    });
  } else {
    // First series widest and at the bottom: a later series of equal value, thinner and dashed, leaves it visible.
    series.forEach((s, i) => {
      const dash = DASHES[i % DASHES.length] ?? "";
      const width = Math.max(1.4, 3.2 - i * 0.6);
      parts.push(`<path d="${linePath(xs, (tops[i] ?? []).map((v) => (Number.isFinite(v) ? y(v) : Number.NaN))).trim()}" fill="none" stroke="${s.color}" stroke-width="${width.toFixed(1)}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    });
  }
  for (const l of spec.limits ?? []) {
    const py = y(l.value).toFixed(1);
    parts.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${py}" y2="${py}" stroke="#d62728" stroke-dasharray="4 3"/>`);
    parts.push(`<text x="${W - M.right - 4}" y="${(y(l.value) - 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#d62728">${esc(l.label)}</text>`);
  }
  for (const m of spec.markers ?? []) {
    const px = x(new Date(m.time * 1000)).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${M.top}" y2="${H - M.bottom}" stroke="#000" stroke-dasharray="3 3"/>`);
    parts.push(`<text x="${px}" y="${M.top + 12}" dx="4" font-size="11">${esc(m.label)}</text>`);
  }
  let lx = M.left;
  for (const [i, s] of series.entries()) {
    const dash = stacked ? "" : (DASHES[i % DASHES.length] ?? "");
    parts.push(stacked
      ? `<rect x="${lx}" y="14" width="18" height="10" fill="${s.color}" fill-opacity="0.55" stroke="${s.color}"/>`
      : `<line x1="${lx}" x2="${lx + 26}" y1="19" y2="19" stroke="${s.color}" stroke-width="2.4"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`);
    parts.push(`<text x="${lx + 32}" y="23" font-size="12">${esc(s.name)}</text>`);
    lx += 44 + s.name.length * 6.6;
  }
  const unit = spec.unit === "%" ? "%" : spec.unit;
  parts.push(`<text transform="translate(16,${(M.top + (H - M.bottom)) / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${esc(`${spec.yTitle} (${unit})`)}</text>`);
  parts.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - 10}" text-anchor="middle" font-size="12" fill="#333">date (UTC)</text>`);
  parts.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#ccc"/>`);
  return `<h3>${esc(spec.title)}</h3>${spec.note === undefined ? "" : `<p class="note">${esc(spec.note)}</p>`}
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(spec.title)}">
${parts.join("\n")}
</svg>`;
}

export function esc(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
