import { expect } from "chai";
import { runBacktest, type LegReport, type WorldData } from "../../scripts/alpha/backtest/engine.js";
import { dailyRate, maxDrawdown, performance, sharpeRatio } from "../../scripts/alpha/backtest/metrics.js";
import { goalAgainstBenchmark, ratio, renderReport } from "../../scripts/alpha/backtest/report.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { defaultStrategyConfig, VENUES } from "../../scripts/alpha/strategy/config.js";
import type { FundingPrint, StrategyConfig, VenueId, VenueMeta } from "../../scripts/alpha/strategy/types.js";
import { DAY, HOUR, prints, syntheticWorld, T0, testConfig, expectClose } from "./fixtures.js";

/** No fees, slippage, gas or transfer costs: the NAV then moves only with funding and prices. */
function costFree(overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  const free = (meta: VenueMeta): VenueMeta => ({ ...meta, takerFeeBps: 0, slippageBps: 0, transferCostQuote: 0, depthQuote: undefined });
  return defaultStrategyConfig("BTC", {
    venues: { binance: free(VENUES.binance), bybit: free(VENUES.bybit) },
    allowedVenues: ["binance", "bybit"],
    spotFeeBps: 0,
    spotSlippageBps: 0,
    gasPerActionQuote: 0,
    ...overrides,
  });
}

function print(venue: VenueId, t: number, rate: number): FundingPrint {
  return { venue, settleTime: t, knownAt: t, ratePerInterval: rate, intervalHours: 8, ratePerHour: rate / 8 };
}

describe("alpha backtest: accounting against hand-computed cases", () => {
  it("passive trade: entry, funding both ways, then liquidation (3 periods)", () => {
    // Capital 100,000, 3x, 10 % idle, zero costs, spot = mark.
    // t0 price 100: base = 90,000 / (100 + 100/3) = 675 → spot 67,500, margin 22,500, idle 10,000.
    // t1 price 110, funding +0.001: short receives 675·110·0.001 = 74.25 → margin 22,574.25;
    //    NAV = 10,000 + 74,250 + 22,574.25 − 675·10 = 100,074.25.
    // t2 price 90, funding −0.0005: short pays 675·90·0.0005 = 30.375 → margin 22,543.875;
    //    NAV = 10,000 + 60,750 + 22,543.875 + 675·10 = 100,043.875.
    // t3 high 140 (close 130): equity at 140 = 22,543.875 − 675·40 < 0 < maintenance → liquidated,
    //    the whole margin (22,543.875) lost; NAV = 10,000 + 675·130 = 97,750.
    // Strategy: two prints of history are below minPrintsForForecast, so it never trades: 100,000 flat.
    const time = Float64Array.from([T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
    const mark = Float64Array.from([100, 110, 90, 130]);
    const world: WorldData = {
      asset: "BTC",
      prices: { asset: "BTC", time, mark, high: Float64Array.from([100, 110, 90, 140]), low: mark.slice(), spot: mark.slice() },
      funding: { binance: [print("binance", T0 + HOUR, 0.001), print("binance", T0 + 2 * HOUR, -0.0005)] },
    };
    const result = runBacktest(world, { config: costFree(), capitalQuote: 100_000, from: T0, to: T0 + 3 * HOUR, priceModel: "binance-mark" });
    const passive = result.passive;
    expectClose(passive.performance.startNav, 100_000, 1e-6);
    expectClose(passive.fundingQuote, 74.25 - 30.375, 1e-9);
    expect(passive.liquidations).to.have.length(1);
    expectClose(passive.liquidations[0]?.lossQuote, 22_543.875, 1e-6);
    expectClose(passive.performance.endNav, 97_750, 1e-6);
    expectClose(passive.performance.maxDrawdown, 1 - 97_750 / 100_074.25, 1e-12);
    expect(passive.costsQuote).to.equal(0);
    expect(result.strategy.performance.endNav).to.equal(100_000);
    expect(result.actionCount).to.equal(0);
    // Ethena-style 1x: 90,000 buys 900 spot (posted as collateral), 900 short at 100.
    // Funding +0.001·900·110 = 99, then −0.0005·900·90 = −40.5. At t3 (high 140) the account holds
    // 900·140 + 900·(100 − 140) + 58.5 = 90,058.5 ≫ maintenance: not liquidated.
    // NAV t3 = 10,000 + 900·130 + 900·(100 − 130) + 58.5 = 100,058.5; worst fall 100,099 → 100,058.5.
    const bench = result.benchmark;
    expect(result.benchmarkVenue).to.equal("binance");
    expectClose(bench.fundingQuote, 99 - 40.5, 1e-9);
    expect(bench.liquidations).to.deep.equal([]);
    expectClose(bench.performance.endNav, 100_058.5, 1e-6);
    expectClose(bench.performance.maxDrawdown, 40.5 / 100_099, 1e-12);
    for (const d of result.daily) expectClose(d.benchmarkExposure, (900 * (d.time === T0 ? 100 : 130)) / d.benchmarkNav, 1e-9);
  });

  it("strategy: funding on the entered hedge is the only NAV change when trading is free", () => {
    // 30 days of 0.0005 per 8 h on both venues → positive regime, enters at t0 (a rebalance time).
    // Size = NAV·(1 − 11 %) / (100 + 100/2.5) = 89,000 / 140 = 635.714… BTC short (split over 2 venues).
    // Price flat at 100; the print at t0 + 8 h pays 635.714·100·0.0005 = 31.7857 → NAV 100,031.7857.
    // Passive: 675 BTC short on Binance receives 675·100·0.0005 = 33.75 → NAV 100,033.75.
    const rate = (): number => 0.0005;
    const world = syntheticWorld({ from: T0, hours: 9, price: () => 100, rates: { binance: rate, bybit: rate } });
    const result = runBacktest(world, { config: costFree(), capitalQuote: 100_000, from: T0, to: T0 + 8 * HOUR, priceModel: "binance-mark" });
    const size = 89_000 / 140;
    expectClose(result.strategy.fundingQuote, size * 100 * 0.0005, 1e-6);
    expectClose(result.strategy.performance.endNav, 100_000 + size * 100 * 0.0005, 1e-6);
    expectClose(result.passive.performance.endNav, 100_033.75, 1e-6);
    expect(result.guardrailBreaches).to.deep.equal([]);
  });

  it("metrics: drawdown and Sharpe of known series, the risk-free rate, undefined ratios", () => {
    expectClose(maxDrawdown([100, 120, 90, 130, 104]), 0.25, 1e-12);
    expect(sharpeRatio([0.01, -0.01, 0.01, -0.01])).to.equal(0);
    // mean 0.002, sample sd 0.001 → 2·√365; over a risk-free 0.001 a day: 1·√365.
    expectClose(sharpeRatio([0.001, 0.002, 0.003]), 2 * Math.sqrt(365), 1e-9);
    expectClose(sharpeRatio([0.001, 0.002, 0.003], 365, 0.001), Math.sqrt(365), 1e-9);
    // A flat line and a single return have no Sharpe ratio: undefined, printed so.
    expect(sharpeRatio([0.001, 0.001, 0.001])).to.be.NaN;
    expect(sharpeRatio([0.01])).to.be.NaN;
    expect(ratio(Number.NaN)).to.equal("undefined");
    expect(ratio(Number.POSITIVE_INFINITY)).to.equal("undefined");
    // 10 % in one year at rf 2.4 %: excess 7.6 %.
    const perf = performance([T0, T0 + 365 * DAY], [100, 110], 0.024);
    expectClose(perf.excessReturn, 0.1 - 0.024, 1e-12);
    expectClose(dailyRate(0.024), 1.024 ** (1 / 365) - 1, 1e-15);
  });

  it("the goal against the benchmark is undefined, never met, when the benchmark never drew down", () => {
    const leg = (annualisedReturn: number, maxDd: number): LegReport =>
      ({ performance: { ...performance([T0, T0 + DAY], [100, 100]), annualisedReturn, maxDrawdown: maxDd } }) as unknown as LegReport;
    expect(goalAgainstBenchmark(leg(0.1, 0.01), leg(0.05, 0))).to.include({ excessVerdict: "met", drawdownVerdict: "undefined" });
    expect(goalAgainstBenchmark(leg(0.06, 0.01), leg(0.05, 0.03))).to.include({ excessVerdict: "not met", drawdownVerdict: "met" });
    expect(goalAgainstBenchmark(leg(0.1, 0.02), leg(0.05, 0.03))).to.include({ drawdownVerdict: "not met" });
  });
});

describe("alpha backtest: liquidation avoidance and no look-ahead (synthetic)", () => {
  // A 60 % rally over 20 days then a 40 % fall, positive funding throughout.
  const hours = 40 * 24;
  const price = (t: number): number => {
    const d = (t - T0) / DAY;
    return d < 20 ? 100 * (1 + 0.6 * (d / 20)) : 160 * (1 - 0.4 * Math.min(1, (d - 20) / 20));
  };
  const rate = (t: number): number => 0.0002 + 0.0001 * Math.sin(t / (5 * DAY));
  const world = syntheticWorld({ from: T0, hours, price, rates: { binance: rate, bybit: rate, gate: (t) => rate(t) * 1.2 } });
  const options = { config: testConfig(), capitalQuote: 1_000_000, from: T0, to: T0 + (hours - 1) * HOUR };

  it("the strategy survives a rally that liquidates the passive 3x short", () => {
    const result = runBacktest(world, options);
    expect(result.passive.liquidations.length).to.equal(1);
    expect(result.strategy.liquidations).to.deep.equal([]);
    expect(result.guardrailBreaches).to.deep.equal([]);
    expect(result.strategy.performance.maxDrawdown).to.be.below(result.passive.performance.maxDrawdown / 2);
    for (const d of result.daily) expect(Math.abs(d.netDeltaBps)).to.be.below(50);
  });

  it("decisions up to t do not change when data after t is removed", () => {
    const cut = T0 + 25 * DAY;
    const truncate = (w: WorldData): WorldData => {
      const n = w.prices.time.findIndex((t) => t > cut);
      const funding: Partial<Record<VenueId, FundingPrint[]>> = {};
      for (const [v, list] of Object.entries(w.funding) as [VenueId, FundingPrint[]][]) funding[v] = list.filter((p) => p.knownAt <= cut);
      const p = w.prices;
      return {
        asset: w.asset,
        prices: { asset: p.asset, time: p.time.slice(0, n), mark: p.mark.slice(0, n), high: p.high.slice(0, n), low: p.low.slice(0, n), spot: p.spot.slice(0, n) },
        funding,
      };
    };
    const full = runBacktest(world, { ...options, to: cut });
    const truncated = runBacktest(truncate(world), { ...options, to: cut });
    expect(truncated.decisions).to.deep.equal(full.decisions);
    expect(truncated.strategy).to.deep.equal(full.strategy);
  });
});

describe("alpha backtest: real data (BTC, May–July 2022) and report", () => {
  it("is deterministic, stays inside the guardrails and writes an offline report", function () {
    this.timeout(20_000);
    const data = loadMarketData("BTC");
    const config = defaultStrategyConfig("BTC");
    const options = { config, capitalQuote: 1_000_000, from: Date.UTC(2022, 4, 1) / 1000, to: Date.UTC(2022, 6, 31, 23) / 1000 };
    const first = runBacktest(data, options);
    const second = runBacktest(data, options);
    expect(second).to.deep.equal(first);
    expect(first.guardrailBreaches).to.deep.equal([]);
    expect(first.strategy.liquidations).to.deep.equal([]);
    expect(first.daily.length).to.equal(93); // 92 UTC midnights from May 1 plus the last hour
    const html = renderReport(first, config);
    expect(html).to.match(/^<!doctype html>/);
    expect(html).to.not.match(/<script|<link|src=|href=/i);
    expect((html.match(/<svg /g) ?? []).length).to.equal(5);
  });
});

// Keep the fixture's schedule helper honest: KuCoin prints land on 04/12/20 UTC.
describe("alpha test fixtures", () => {
  it("generate prints on each venue's schedule", () => {
    const list = prints("kucoin", T0, T0 + DAY, () => 0.0001);
    expect(list.map((p) => new Date(p.settleTime * 1000).getUTCHours())).to.deep.equal([4, 12, 20]);
  });
});
