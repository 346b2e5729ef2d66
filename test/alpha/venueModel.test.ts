import { expect } from "chai";
import { rehedge, emptyHedge, enterHedge, hedgeEquity } from "../../scripts/alpha/backtest/benchmarks.js";
import { runBacktest } from "../../scripts/alpha/backtest/engine.js";
import { fitAndTest } from "../../scripts/alpha/backtest/fit.js";
import { loadScenario, parseScenario } from "../../scripts/alpha/backtest/scenario.js";
import { venuePremiums, venuePricePath } from "../../scripts/alpha/backtest/venuePrices.js";
import { defaultStrategyConfig, VENUES } from "../../scripts/alpha/strategy/config.js";
import type { VenueMeta } from "../../scripts/alpha/strategy/types.js";
import { impliedPremium, maintenanceMarginQuote, maintenanceRate, slippageFraction } from "../../scripts/alpha/strategy/venueModel.js";
import { portfolioMarginView } from "../../scripts/alpha/strategy/risk.js";
import { DAY, HOUR, expectClose, heldState, syntheticWorld, T0, testConfig } from "./fixtures.js";

describe("alpha venue model: premium from funding, tiered maintenance, size-dependent slippage", () => {
  it("implies the premium from a print: F = P + clamp(I − P, ±0.05 %)", () => {
    const binance = VENUES.binance; // interest 0.01 % per 8 h, clamp 0.05 %
    // P = 0.08 %: I − P = −0.07 % → clamped to −0.05 % → F = 0.03 %. Inverted: P = F + 0.05 %.
    expectClose(impliedPremium(binance, 0.0003), 0.0008, 1e-15);
    // P = −0.1 %: I − P = 0.11 % → +0.05 % → F = −0.05 %. Inverted: P = F − 0.05 %.
    expectClose(impliedPremium(binance, -0.0005), -0.001, 1e-15);
    // F = I: P anywhere in [−0.04 %, 0.06 %]; the model takes the point nearest zero.
    expect(impliedPremium(binance, 0.0001)).to.equal(0);
    // dYdX (premium-only, hourly): rate = premium / 8.
    expectClose(impliedPremium(VENUES.dydx, 0.00001), 0.00008, 1e-15);
  });

  it("maintenance margin by tier is continuous: rate × notional − deduction", () => {
    const m = VENUES.binance;
    expectClose(maintenanceMarginQuote(m, 40_000), 160, 1e-9); // 0.4 %
    expectClose(maintenanceMarginQuote(m, 50_000), 200, 1e-9);
    expectClose(maintenanceMarginQuote(m, 100_000), 500 - 50, 1e-9); // 0.5 % − 50
    expectClose(maintenanceMarginQuote(m, 2_000_000), 50_000 - 16_300, 1e-9); // 2.5 % − 16,300
    for (const bound of [50_000, 250_000, 1_000_000, 10_000_000]) {
      expectClose(maintenanceMarginQuote(m, bound * (1 + 1e-9)), maintenanceMarginQuote(m, bound), 1);
    }
    expect(maintenanceRate(m, 2_000_000)).to.be.above(maintenanceRate(m, 100_000));
    // A venue without tiers keeps its flat rate.
    const flat: VenueMeta = { ...m, maintenanceTiers: undefined };
    expectClose(maintenanceMarginQuote(flat, 2_000_000), 10_000, 1e-9);
  });

  it("slippage grows with size against the venue's depth", () => {
    const m: VenueMeta = { ...VENUES.kucoin, slippageBps: 2, depthQuote: 5e6 };
    expectClose(slippageFraction(m, 0), 0.0002, 1e-15);
    // 1M against 5M per 1 %: ½ × 1 % × 0.2 = 0.1 % on top of 2 bps.
    expectClose(slippageFraction(m, 1e6), 0.0002 + 0.001, 1e-15);
    expectClose(slippageFraction({ ...m, depthQuote: undefined }, 1e6), 0.0002, 1e-15);
  });

  it("marks each venue at index × (1 + its premium) over the interval each print covers", () => {
    const world = syntheticWorld({ from: T0, hours: 17, price: () => 100, rates: { binance: (t) => (t <= T0 + 8 * HOUR ? 0.0003 : 0.0001) } });
    const premium = venuePremiums(world.prices, world.funding.binance ?? [], VENUES.binance);
    // T0 belongs to the interval settled at T0 (0.03 % → 0.08 %); (T0, T0 + 8 h] to the one at T0 + 8 h (0.08 %); then 0.
    expectClose(premium[0], 0.0008, 1e-15);
    expectClose(premium[8], 0.0008, 1e-15);
    expect(premium[9]).to.equal(0);
    const path = venuePricePath(world.prices, world.funding.binance ?? [], VENUES.binance, "per-venue");
    expectClose(path.mark[1], 100.08, 1e-9);
    expect(venuePricePath(world.prices, [], VENUES.binance, "binance-mark").mark).to.equal(world.prices.mark);
  });

  it("a backtest under per-venue prices pays basis; under one price it pays none", () => {
    const rate = (t: number): number => 0.0004 + 0.0002 * Math.sin(t / (3 * DAY));
    const world = syntheticWorld({ from: T0, hours: 20 * 24, price: () => 100, rates: { binance: rate, bybit: (t) => rate(t) * 1.5 } });
    const config = defaultStrategyConfig("BTC", { allowedVenues: ["binance", "bybit"] });
    const options = { config, capitalQuote: 1_000_000, from: T0, to: T0 + 20 * DAY - HOUR };
    const perVenue = runBacktest(world, options);
    const single = runBacktest(world, { ...options, priceModel: "binance-mark" });
    expect(single.strategy.basisQuote).to.equal(0);
    expect(perVenue.strategy.basisQuote).to.not.equal(0);
    expect(perVenue.priceModel).to.equal("per-venue");
    // Marks differ by venue: bybit's higher funding implies a higher premium.
    expect(perVenue.strategy.performance.endNav).to.not.equal(single.strategy.performance.endNav);
  });
});

describe("alpha Ethena-style benchmark: margin managed, 1x", () => {
  it("resizes both legs back to 1x of equity when a rally has levered it up", () => {
    const config = defaultStrategyConfig("BTC", { spotFeeBps: 0, spotSlippageBps: 0, gasPerActionQuote: 0 });
    const free = { ...config, venues: { ...config.venues, binance: { ...VENUES.binance, takerFeeBps: 0, slippageBps: 0, transferCostQuote: 0 } } };
    const { book } = enterHedge(free, { venue: "binance" }, 100_000, 100, 100, 0);
    expectClose(book.base, 900, 1e-9);
    expect(emptyHedge("binance", 1).base).to.equal(0);
    // Price doubles: equity stays 90,000, notional 180,000 = 2x → resized to 450 base, equity unchanged.
    const equity = hedgeEquity(book, 200, 200);
    expectClose(equity, 90_000, 1e-6);
    const resized = rehedge(free, book, 200, 200, () => 0);
    expectClose(resized?.book.base, 450, 1e-9);
    expectClose(hedgeEquity(resized!.book, 200, 200), 90_000, 1e-6);
    // Within the band: nothing to do.
    expect(rehedge(free, book, 105, 105, () => 0)).to.equal(undefined);
  });
});

describe("alpha backtest: yield on what waits and the train/test fit", () => {
  it("idle quote earns the idle rate hour by hour; the benchmark's buffer too", () => {
    // Two prints of history: the strategy never trades, so its NAV is idle compounding hourly at 2 %.
    const time = Float64Array.from([T0, T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR]);
    const mark = Float64Array.from([100, 100, 100, 100]);
    const world = {
      asset: "BTC" as const,
      prices: { asset: "BTC" as const, time, mark, high: mark.slice(), low: mark.slice(), spot: mark.slice() },
      funding: { binance: [{ venue: "binance" as const, settleTime: T0 + HOUR, knownAt: T0 + HOUR, ratePerInterval: 0.0001, intervalHours: 8, ratePerHour: 0.0001 / 8 }] },
    };
    const yields = { idleSupplyApr: 0.02, marginApr: 0, assetSupplyApr: 0, stakingApr: 0 };
    const r = runBacktest(world, { config: defaultStrategyConfig("BTC"), capitalQuote: 100_000, from: T0, to: T0 + 3 * HOUR, yields, priceModel: "binance-mark" });
    // Yield accrues at hours 0..3 (4 accruals) on the idle balance.
    expectClose(r.strategy.performance.endNav, 100_000 * (1 + 0.02 / 8760) ** 4, 1e-6);
    expectClose(r.strategy.yieldQuote, 100_000 * ((1 + 0.02 / 8760) ** 4 - 1), 1e-6);
    expect(r.benchmark.yieldQuote).to.be.above(0);
    expect(r.yields).to.deep.equal(yields);
  });

  it("fits the tunables on the train window only and runs the chosen config once on the test window", () => {
    const rate = (t: number): number => 0.0003 + 0.0002 * Math.sin(t / (4 * DAY));
    const world = syntheticWorld({ from: T0, hours: 30 * 24, price: () => 100, rates: { binance: rate, bybit: (t) => rate(t) * 1.3, gate: (t) => rate(t) * 0.7 } });
    const base = defaultStrategyConfig("BTC", { allowedVenues: ["binance", "bybit", "gate"] });
    const grid = [
      { fastHalfLifeHours: 24, positiveEnterApr: 0.03, venueCount: 2, sentimentWeight: 0 },
      { fastHalfLifeHours: 24, positiveEnterApr: 0.5, venueCount: 2, sentimentWeight: 0 }, // never enters: 0 % on train
    ];
    const train = { from: T0, to: T0 + 15 * DAY - HOUR };
    const test = { from: T0 + 15 * DAY, to: T0 + 30 * DAY - HOUR };
    const fit = fitAndTest(world, base, { capitalQuote: 1_000_000 }, train, test, grid);
    expect(fit.chosen).to.deep.equal(grid[0]);
    expect(fit.trials[1]?.annualisedReturn).to.be.below(fit.trials[0]?.annualisedReturn ?? 0);
    expect(fit.test.from).to.equal(test.from);
    expect(fit.config.maxVenueShare).to.equal(0.5);
    expect(() => fitAndTest(world, base, { capitalQuote: 1_000_000 }, test, train, grid)).to.throw(/train window must end before the test window/);
  });
});

describe("alpha backtest: risk events from a scenario exercise the monitor", () => {
  const rate = (): number => 0.0004;
  const world = syntheticWorld({ from: T0, hours: 12 * 24, price: () => 100, rates: { binance: rate, bybit: rate, gate: (t) => rate() * 0.9 + 0 * t } });
  const config = defaultStrategyConfig("BTC", { allowedVenues: ["binance", "bybit", "gate"] });
  const iso = (t: number): string => new Date(t * 1000).toISOString().replace(":00.000Z", "Z");
  const run = (events: unknown[]) =>
    runBacktest(world, {
      config,
      capitalQuote: 1_000_000,
      from: T0,
      to: T0 + 12 * DAY - HOUR,
      scenario: parseScenario({ name: "t", description: "test", kind: "hypothetical", events }, "test"),
    });

  it("an outage makes the strategy leave the venue; a depeg de-risks the hedge", () => {
    const r = run([
      { kind: "venueOutage", venue: "binance", from: iso(T0 + 4 * DAY), to: iso(T0 + 6 * DAY) },
      { kind: "quoteDepeg", pegUsd: 0.95, from: iso(T0 + 8 * DAY), to: iso(T0 + 9 * DAY) },
    ]);
    const [outage, depeg] = r.scenario?.outcomes ?? [];
    expect(outage?.sizeBefore).to.be.above(0);
    expect(outage?.sizeAfter).to.equal(0);
    expect(outage?.flags).to.be.above(0);
    expect(depeg?.sizeAfter).to.be.below((depeg?.sizeBefore ?? 0) * 0.9);
    expect(r.decisions.some((d) => d.reason.startsWith("quote stablecoin depeg"))).to.equal(true);
    expect(r.guardrailBreaches).to.deep.equal([]);
  });

  it("an ADL cuts the hedge unasked, and the strategy re-hedges", () => {
    const at = T0 + 5 * DAY + 3 * HOUR;
    const r = run([{ kind: "adl", venue: "bybit", at: iso(at), fraction: 0.5 }]);
    const adl = r.scenario?.outcomes[0];
    expectClose(adl?.deleveragedBase, (adl?.sizeBefore ?? 0) * 0.5, 1e-9);
    expect(adl?.actions).to.be.above(0);
    // By the day after, the book is delta-neutral again.
    const after = r.daily.find((d) => d.time >= at + DAY);
    expect(Math.abs(after?.netDeltaBps ?? 1e9)).to.be.below(50);
  });

  it("refuses a scenario file that is not one, naming the field", () => {
    expect(() => parseScenario({ name: "x", description: "", kind: "hypothetical", events: [{ kind: "adl", venue: "ftx", at: "2021-01-01T00:00Z", fraction: 0.5 }] }, "f.json")).to.throw(/f\.json: not a scenario: events\.0\.venue/);
    expect(() => parseScenario({ name: "x", description: "", kind: "hypothetical", events: [{ kind: "quoteDepeg", pegUsd: 0.9, from: "2021-01-02T00:00Z", to: "2021-01-01T00:00Z" }] }, "f.json")).to.throw(/"to" must be after "from"/);
    for (const file of ["usdc-depeg-2023-03.json", "venue-stress-2021-05.json"]) expect(() => loadScenario(`data/scenarios/${file}`)).to.not.throw();
  });
});

describe("alpha risk monitor: portfolio margin netted across venues", () => {
  it("a delta-neutral book needs only the basis add-on netted; isolated venues need their own margin", () => {
    // 10 BTC short over binance and bybit at 100 (margin 1,000 / 2.5 = 400 posted), 10 BTC long supplied: net 0.
    const state = heldState({ capital: 10_000, entry: 100, shortBase: 10, venues: ["binance", "bybit"] });
    const config = testConfig();
    const pm = portfolioMarginView(config, state, { asset: "BTC", spot: 100, mark: { binance: 100, bybit: 100 } });
    expectClose(pm.netBase, 0, 1e-12);
    expectClose(pm.postedQuote, 400, 1e-9);
    expectClose(pm.isolatedInitialQuote, 1_000 / 3, 1e-9);
    expectClose(pm.isolatedMaintenanceQuote, 2 * 0.004 * 500, 1e-9);
    expectClose(pm.nettedInitialQuote, 0.03 * 1_000, 1e-9); // the basis add-on only
    expectClose(pm.freedQuote, 400 - 30, 1e-9);
    // Half the hedge gone (an ADL): 5 BTC of net delta is margined too.
    const cut = { ...state, perps: state.perps.map((p) => (p.venue === "bybit" ? { ...p, sizeBase: 0 } : p)) };
    const pm2 = portfolioMarginView(config, cut, { asset: "BTC", spot: 100, mark: { binance: 100, bybit: 100 } });
    expectClose(pm2.nettedInitialQuote, 500 / 3 + 0.03 * 500, 1e-9);
  });
});
