/** NAV and price per share over time (uPlot): two series, their own axes, titled and in the asset's units. */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { HistoryPoint } from "../../scripts/console/types.js";

export function NavChart({ points, symbol }: { points: HistoryPoint[]; symbol: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (el === null || points.length === 0) return;
    const data: uPlot.AlignedData = [points.map((p) => p.time), points.map((p) => p.nav), points.map((p) => p.pricePerShare), points.map((p) => p.idle)];
    const plot = new uPlot({
      width: Math.max(320, el.clientWidth),
      height: 240,
      title: `NAV and price per share (${symbol})`,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), "Etc/UTC"),
      scales: { x: { time: true }, pps: { auto: true } },
      axes: [
        { label: "chain time (UTC)" },
        { label: `NAV, idle (${symbol})`, size: 70 },
        { side: 1, scale: "pps", label: `price per share (${symbol})`, size: 70, grid: { show: false } },
      ],
      series: [
        {},
        { label: "NAV", stroke: "#2563eb", width: 2 },
        { label: "price per share", stroke: "#d97706", width: 2, dash: [6, 4], scale: "pps" },
        { label: "idle", stroke: "#16a34a", width: 1.5, dash: [2, 3] },
      ],
    }, data, el);
    return () => plot.destroy();
  }, [points, symbol]);
  if (points.length === 0) return <p class="muted">No history yet.</p>;
  return <div class="chart" ref={box} data-testid="nav-chart" />;
}
