import { expect } from "chai";
import { drawdownSeries, linePath, renderChart, stack, timeTicks, valueDomain, valueTicks } from "../../scripts/alpha/backtest/chart.js";
import { runBacktest } from "../../scripts/alpha/backtest/engine.js";
import { backtestCharts } from "../../scripts/alpha/backtest/report.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { grossPerShareReturn, indexedNav, perpHeadroom, riskRows } from "../../scripts/alpha/replay/report.js";
import type { EpochRecord } from "../../scripts/alpha/replay/run.js";
import { defaultStrategyConfig } from "../../scripts/alpha/strategy/config.js";
import { expectClose } from "./fixtures.js";

const DAY = 86_400;
const MAY_2021 = Date.UTC(2021, 4, 1) / 1000;

describe("report charts: axes", () => {
  it("a 90-day window gets a time tick about every week, inside the window, dated", () => {
    const ticks = timeTicks(MAY_2021, MAY_2021 + 90 * DAY);
    expect(ticks.length).to.be.within(8, 16);
    for (const t of ticks) {
      expect(t.at).to.be.within(MAY_2021, MAY_2021 + 90 * DAY);
      expect(t.label).to.match(/^2021-\d{2}-\d{2}$/);
    }
    expect(new Set(ticks.map((t) => t.label)).size).to.equal(ticks.length);
    expect(ticks.map((t) => t.at)).to.deep.equal([...ticks.map((t) => t.at)].sort((a, b) => a - b));
  });

  it("a 3-year window is labelled by month", () => {
    const ticks = timeTicks(Date.UTC(2021, 0, 1) / 1000, Date.UTC(2023, 11, 31) / 1000);
    expect(ticks.length).to.be.at.least(6);
    for (const t of ticks) expect(t.label).to.match(/^20\d{2}-\d{2}$/);
  });

  it("value ticks never read -0 and stay distinct on small ranges", () => {
    for (const [domain, unit] of [
      [[-0.0035, 0], "%"],
      [[-0.001, 0.001], "%"],
      [[-2e-10, 1e-10], "bps"],
      [[998_000, 1_040_000], "USDC"],
    ] as const) {
      const ticks = valueTicks(valueDomain(domain), unit);
      const labels = ticks.map((t) => t.label);
      expect(labels.length, `${domain.join("..")}`).to.be.at.least(3);
      expect(new Set(labels).size, labels.join(", ")).to.equal(labels.length);
      for (const l of labels) expect(l, labels.join(", ")).not.to.match(/^[-−]0(\.0+)?%?$/);
    }
    expect(valueTicks([-0.004, 0], "%").map((t) => t.label)).to.include("0.0%");
  });

  it("rounding noise around zero does not set the scale; a flat series gets a visible range", () => {
    expect(valueDomain([1e-10, -2e-10, 0])).to.deep.equal([-1, 1]);
    const [lo, hi] = valueDomain([1_000_000, 1_000_000]);
    expect(lo).to.be.below(1_000_000);
    expect(hi).to.be.above(1_000_000);
    expect(valueDomain([0.2, 0.4], [0, 1])).to.deep.equal([0, 1]);
  });
});

describe("report charts: series", () => {
  it("drawdown from the running peak", () => {
    const dd = drawdownSeries([100, 110, 99, 121, Number.NaN, 60.5]);
    expect(dd.slice(0, 4).map((x) => Number(x.toFixed(6)))).to.deep.equal([0, 0, -0.1, 0]);
    expect(dd[4]).to.be.NaN;
    expectClose(dd[5], -0.5, 1e-12);
  });

  it("a stack's bands keep each series' own thickness (a 43 % venue under a 50 % one stays visible)", () => {
    const tops = stack([
      { name: "binance", color: "#000", values: [7, 7] },
      { name: "bybit", color: "#000", values: [43, Number.NaN] },
      { name: "kucoin", color: "#000", values: [50, 50] },
    ]);
    expect(tops).to.deep.equal([[7, 7], [50, 7], [100, 57]]);
  });

  it("a gap starts a new segment", () => {
    expect(linePath([0, 1, 2, 3], [5, Number.NaN, 6, 7])).to.equal("M0.0,5.0M2.0,6.0L3.0,7.0");
  });

  it("the SVG carries axis titles with the unit, and a dash pattern on the second series", () => {
    const svg = renderChart({
      title: "NAV", unit: "USDC", yTitle: "NAV", times: [MAY_2021, MAY_2021 + DAY, MAY_2021 + 2 * DAY],
      series: [{ name: "a", color: "#111", values: [1, 2, 3] }, { name: "b", color: "#222", values: [1, 2, 3] }],
    });
    expect(svg).to.include("NAV (USDC)");
    expect(svg).to.include("date (UTC)");
    expect(svg).to.match(/stroke="#222" stroke-width="[\d.]+" stroke-dasharray=/);
  });
});

describe("report charts: the backtest's and the replay's data", () => {
  it("the 3x short has no margin health once liquidated (a gap, not 100 %), and a marker at the liquidation", function () {
    this.timeout(60_000);
    const data = loadMarketData("ETH");
    const result = runBacktest(data, { config: defaultStrategyConfig("ETH"), capitalQuote: 1_000_000, from: MAY_2021, to: MAY_2021 + 30 * DAY - 3600 });
    const liquidated = Math.min(...result.passive.liquidations.map((l) => l.time));
    expect(liquidated, "the May 2021 crash liquidates the 3x short").to.be.below(MAY_2021 + 30 * DAY);
    const health = backtestCharts(result).find((c) => c.title.startsWith("Margin health"));
    const passive = health?.series[1]?.values ?? [];
    result.daily.forEach((d, i) => {
      if (d.time - DAY >= liquidated) expect(passive[i], `day ${d.time}`).to.be.NaN;
      if (d.time < liquidated) expect(passive[i]).to.be.finite;
    });
    expect(health?.markers?.[0]?.time).to.equal(liquidated);
    const drawdown = backtestCharts(result).find((c) => c.title.includes("Drawdown") && c.title.includes("3x short"));
    expect(Math.min(...(drawdown?.series[0]?.values ?? []).filter(Number.isFinite))).to.be.below(-0.2);
  });

  it("perp headroom: a venue's notional / NAV over cap × max leverage", () => {
    const epoch = (nav: number, spot: number, sizes: Record<string, number>): EpochRecord => ({
      time: MAY_2021, spot, fundingRates: {}, fundingQuote: 0, fundingByVenue: {}, nav, perpSize: 0, perpSizes: sizes,
      longBase: 0, actions: 0, gasUsed: 0n, summary: "", flags: [], pricePerShare: 1, supply: 1, feeShares: 0, pendingShares: 0, setAside: 0, risk: { groups: [], bands: [] },
    });
    const series = perpHeadroom({ epochs: [epoch(1_000_000, 2_000, { binance: -150, bybit: -75 }), epoch(0, 2_000, { binance: -1 })] }, ["binance", "bybit"], 2_500, 3);
    // 150 ETH × 2,000 = 300,000 notional = 30 % of NAV; the bound is 25 % × 3 = 75 % of NAV: 40 % of the limit.
    expectClose(series[0]?.values[0], 0.4, 1e-12);
    expectClose(series[1]?.values[0], 0.2, 1e-12);
    expect(series[0]?.values[1]).to.be.NaN;
  });

  it("per share: the NAV indexed by the price per share ignores a redemption; fees added back by their dilution", () => {
    const base: EpochRecord = {
      time: MAY_2021, spot: 2_000, fundingRates: {}, fundingQuote: 0, fundingByVenue: {}, nav: 1_000_000, perpSize: 0, perpSizes: {},
      longBase: 0, actions: 0, gasUsed: 0n, summary: "", flags: [], pricePerShare: 1, supply: 1_000_000, feeShares: 0, pendingShares: 0, setAside: 0,
      risk: { groups: [{ name: "perp-margin", balance: 300_000, notional: 0, cap: 600_000, maxNotional: 0 }], bands: [] },
    };
    // The book earns 2 % (before fees); 1,000 fee shares are minted on 1,000,000 (0.1 % dilution); then 30 % leaves
    // at the price of the day: NAV falls, the price per share does not.
    const grossPps = 1.02;
    const netPps = grossPps * (1 - 1_000 / 1_001_000);
    const epochs: EpochRecord[] = [
      { ...base, nav: 1_001_000 * netPps, pricePerShare: netPps, supply: 1_001_000, feeShares: 1_000 },
      { ...base, nav: 0.7 * 1_001_000 * netPps, pricePerShare: netPps, supply: 0.7 * 1_001_000 + 300, feeShares: 1_000,
        risk: { groups: [{ name: "perp-margin", balance: 200_000, notional: 0, cap: 420_000, maxNotional: 0 }], bands: [] } },
    ];
    const r = { epochs, startNav: 1_000_000, startPricePerShare: 1 };
    expect(indexedNav(r).map((x) => Math.round(x))).to.deep.equal([Math.round(1_000_000 * netPps), Math.round(1_000_000 * netPps)]);
    expectClose(grossPerShareReturn(r), 0.02, 1e-9);
    // The group's largest balance as a share of NAV and of its cap.
    const [row] = riskRows(r);
    expect(row?.[1]).to.match(/^balance up to 29\.41 % of NAV, 50\.00 % of its cap/); // 300,000 / 1,020,000
  });
});
