import { expect } from "chai";
import { runBacktest } from "../../scripts/alpha/backtest/engine.js";
import { VENUES } from "../../scripts/alpha/strategy/config.js";
import { decide } from "../../scripts/alpha/strategy/decide.js";
import { capSpread, spreadRoundTripCost } from "../../scripts/alpha/strategy/spread.js";
import type { StrategyConfig, VenueId } from "../../scripts/alpha/strategy/types.js";
import { DAY, expectClose, HOUR, heldState, history, snapshot, syntheticWorld, T0, testConfig } from "./fixtures.js";

/**
 * Cross-venue spread trades on constructed data: Gate's funding 0.06 % per 8 h (≈ 66 % a year) against
 * 0.01 % on Binance and Bybit for 20 days, then all three at 0.01 %. The spread (long the cheap venue,
 * short Gate) must open at a rebalance and close once Gate's forecast has come back down.
 */
const hours = 40 * DAY / HOUR;
const base = (): number => 0.0001;
const rich = (t: number): number => (t < T0 + 20 * DAY ? 0.0006 : 0.0001);
const world = syntheticWorld({ from: T0, hours, price: () => 30_000, rates: { binance: base, bybit: base, gate: rich } });
const window = { capitalQuote: 1_000_000, from: T0, to: T0 + (hours - 1) * HOUR };

function dearVenues(feeBps: number): Partial<StrategyConfig> {
  const venues: StrategyConfig["venues"] = Object.fromEntries(
    (["binance", "bybit", "gate"] as VenueId[]).map((v) => [v, { ...VENUES[v], takerFeeBps: feeBps }]),
  );
  return { venues };
}

describe("alpha spread trades (constructed data)", () => {
  it("opens long the cheap venue against short the rich one, then closes when the forecast no longer pays", () => {
    const result = runBacktest(world, { ...window, config: testConfig() });
    const s = result.spreads;
    expect(s.opened).to.equal(1);
    expect(s.closed).to.equal(1);
    const trade = s.trades[0];
    expect(trade?.shortVenue).to.equal("gate");
    expect(["binance", "bybit"]).to.include(trade?.longVenue);
    expect(trade?.openedAt).to.be.below(T0 + 20 * DAY);
    expect(trade?.closedAt).to.be.above(T0 + 20 * DAY);
    expect(trade?.closeReason).to.match(/no longer pays/);
    // The spread collected funding (Gate's short leg earned more than the cheap long paid) and paid its costs.
    expect(s.fundingQuote).to.be.above(0);
    expect(s.costQuote).to.be.above(0);
    expect(s.pnlQuote).to.be.above(0);
    expect(result.guardrailBreaches).to.deep.equal([]);
    // Delta neutral throughout: the spread's legs cancel.
    for (const d of result.daily) expect(Math.abs(d.netDeltaBps)).to.be.below(60);
    // And it is worth having: the same run without spread trades ends lower.
    const off = runBacktest(world, { ...window, config: testConfig({ spread: undefined }) });
    expect(off.spreads.opened).to.equal(0);
    expect(result.strategy.performance.totalReturn).to.be.above(off.strategy.performance.totalReturn);
  });

  it("costs forbid it: at 1 % taker fees the same spread never opens", () => {
    const config = testConfig(dearVenues(100));
    const cost = spreadRoundTripCost(config, "binance", "gate", 100_000, () => 30_000, 30_000);
    expect(cost).to.be.above(0.04);
    const result = runBacktest(world, { ...window, config });
    expect(result.spreads.opened).to.equal(0);
  });

  it("a book that does not track spreads (the chain layer's) never opens one", () => {
    const h = history(T0, { binance: 0.0001, bybit: 0.0001, gate: 0.0006 });
    const state = heldState({ capital: 1_000_000, entry: 30_000, shortBase: 18, venues: ["binance", "bybit", "gate"] });
    const untracked = decide(testConfig(), state, snapshot(T0, 30_000, h), h);
    expect(untracked.spreads).to.equal(undefined);
    expect(untracked.actions.filter((a) => a.kind === "perp.adjustLong")).to.deep.equal([]);
    const tracked = decide(testConfig(), { ...state, spreads: [] }, snapshot(T0, 30_000, h), h);
    expect(tracked.spreads?.length).to.equal(1);
    expect(tracked.spreads?.[0]).to.include({ shortVenue: "gate" });
    // The long leg nets against the cheap venue's short: that venue's short shrinks by the spread's size.
    const longVenue = tracked.spreads?.[0]?.longVenue as VenueId;
    const onLong = tracked.actions.find((a) => (a.kind === "perp.adjustShort" || a.kind === "perp.adjustLong") && a.venue === longVenue);
    expect(onLong).to.not.equal(undefined);
  });

  it("stays inside the venue caps: the short venue holds hedge + spread, the long venue spread − hedge", () => {
    const config = testConfig({ perpVenueCapBps: 2_500, targetLeverage: 2.5 });
    // Cap in base at NAV 1M, price 30,000: 0.25 × 1M × 2.5 / 30,000 ≈ 20.83 BTC per venue.
    const cap = (0.25 * 1_000_000 * 2.5) / 30_000;
    const spread = { longVenue: "binance" as VenueId, shortVenue: "gate" as VenueId, sizeBase: 10, openedAt: T0 };
    const hedge = (gateBase: number, binanceBase: number) => (v: VenueId): number => (v === "gate" ? gateBase : v === "binance" ? binanceBase : 0);
    expect(capSpread(config, spread, hedge(5, 0), () => 30_000, 1_000_000)).to.equal(spread);
    expectClose(capSpread(config, spread, hedge(15, 0), () => 30_000, 1_000_000)?.sizeBase, cap - 15, 1e-9);
    // The long leg nets against a hedge short on the cheap venue: room = cap + that short.
    expectClose(capSpread(config, { ...spread, sizeBase: 30 }, hedge(0, 12), () => 30_000, 1_000_000)?.sizeBase, cap, 1e-9);
    // Nothing left worth a minimum trade: no spread.
    expect(capSpread(config, spread, hedge(cap, 0), () => 30_000, 1_000_000)).to.equal(undefined);
  });
});
