import { expect } from "chai";
import { decide } from "../../scripts/alpha/strategy/decide.js";
import { checkGuardrails } from "../../scripts/alpha/strategy/guardrails.js";
import { applyActions } from "../../scripts/alpha/strategy/ledger.js";
import { priceView } from "../../scripts/alpha/strategy/risk.js";
import type { Action, Decision, MarketSnapshot, PortfolioState, StrategyConfig, VenueId } from "../../scripts/alpha/strategy/types.js";
import {
  longLegBase,
  netAssetValue,
  netDeltaBase,
  perpEquity,
  perpLeverage,
  totalPerpSize,
} from "../../scripts/alpha/strategy/valuation.js";
import { DAY, emptyState, heldState, history, HOUR, snapshot, T0, testConfig, expectClose } from "./fixtures.js";

const CAPITAL = 1_000_000;
const PRICE = 40_000;

function kinds(decision: Decision): string[] {
  return decision.actions.map((a) => a.kind);
}

function execute(config: StrategyConfig, state: PortfolioState, snap: MarketSnapshot, decision: Decision): PortfolioState {
  const result = applyActions(config, state, decision.actions, priceView(snap));
  expect(checkGuardrails(config, state, result.state, priceView(snap)), "vault guardrails").to.deep.equal([]);
  return result.state;
}

function sizeOn(state: PortfolioState, venue: VenueId): number {
  return state.perps.find((p) => p.venue === venue)?.sizeBase ?? 0;
}

/** Positive carry for 23 days, then `negativeRate` for the last 7 (per 8 h). */
function flipHistory(now: number, negativeRate: number) {
  const rate = (t: number): number => (t > now - 7 * DAY ? negativeRate : 0.0003);
  return history(now, { binance: rate, bybit: rate, gate: rate });
}

describe("alpha strategy: entry and guardrails", () => {
  it("enters a delta-neutral carry inside the idle buffer, leverage and cap limits", () => {
    const config = testConfig();
    const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
    const snap = snapshot(T0, PRICE, h);
    const decision = decide(config, emptyState(CAPITAL), snap, h);
    expect(decision.regime.regime).to.equal("positive");
    expect(kinds(decision)).to.include.members(["spot.buy", "credit.supply", "perp.addMargin", "perp.adjustShort"]);
    const after = execute(config, emptyState(CAPITAL), snap, decision);
    const prices = priceView(snap);
    const nav = netAssetValue(after, prices);
    // Idle ≥ 10 % buffer (+1 % slack planned), ≈ 63.6 % long, ≈ 25.4 % margin.
    expect(after.idleQuote / nav).to.be.at.least(0.1).and.below(0.12);
    expect(Math.abs(netDeltaBase(after, "BTC")) * PRICE).to.be.below(nav * 0.001);
    const venues = after.perps.filter((p) => p.sizeBase !== 0);
    expect(venues.map((p) => p.venue)).to.have.length(2); // split over two venues (maxVenueShare 0.5)
    for (const p of venues) {
      expect(perpLeverage(p, PRICE)).to.be.within(2.4, 2.5 + 1e-9);
      expect(perpEquity(p, PRICE) / nav).to.be.at.most(config.perpVenueCapBps / 10_000);
    }
  });

  it("does not enter when the forecast carry does not pay the round trip", () => {
    const config = testConfig({ baselineWeight: 0 }); // forecast = the observed level, no pull to the 0.01 % baseline
    // 0.003 % per 8 h ≈ 3.3 % APR: a positive regime, but 30 days of it (0.27 %) do not pay the ≈ 0.35 % round trip.
    const h = history(T0, { binance: 0.00003, bybit: 0.00003, gate: 0.00003 });
    const decision = decide(config, emptyState(CAPITAL), snapshot(T0, PRICE, h), h);
    expect(decision.regime.regime).to.equal("positive");
    expect(decision.actions).to.deep.equal([]);
  });
});

describe("alpha strategy: funding regime", () => {
  it("goes flat when funding flips negative (action 'flat')", () => {
    const config = testConfig({ negativeRegimeAction: "flat" });
    const h = flipHistory(T0, -0.0005);
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(T0, PRICE, h);
    const decision = decide(config, state, snap, h);
    expect(decision.regime.regime).to.equal("negative");
    const after = execute(config, state, snap, decision);
    expect(totalPerpSize(after, "BTC")).to.equal(0);
    expectClose(longLegBase(after, "BTC"), 0, 1e-9);
    expect(decision.log.some((l) => l.reason.includes("negative funding regime: go flat"))).to.equal(true);
  });

  it("reduces to reduceFraction of the full size (action 'reduce')", () => {
    const config = testConfig({ negativeRegimeAction: "reduce", reduceFraction: 0.3 });
    const h = flipHistory(T0, -0.0005);
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(T0, PRICE, h);
    const after = execute(config, state, snap, decide(config, state, snap, h));
    // full = NAV·(1 − 11 %) / (spot + mark/2.5) = 1e6·0.89 / 56,000 ≈ 15.89 BTC → 30 % ≈ 4.77 BTC.
    expectClose(-totalPerpSize(after, "BTC"), 0.3 * (CAPITAL * 0.89) / 56_000, 0.05);
    expect(Math.abs(netDeltaBase(after, "BTC"))).to.be.below(1e-6);
  });

  it("unwinds the short, then builds the credit-market loop (action 'loop')", () => {
    const config = testConfig({ negativeRegimeAction: "loop" });
    const h = flipHistory(T0, -0.0008);
    const held = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(T0, PRICE, h);
    const unwound = execute(config, held, snap, decide(config, held, snap, h));
    expect(totalPerpSize(unwound, "BTC")).to.equal(0);

    const later = T0 + 8 * HOUR;
    const h2 = flipHistory(later, -0.0008);
    const snap2 = snapshot(later, PRICE, h2);
    const decision = decide(config, unwound, snap2, h2);
    expect(kinds(decision)).to.include.members(["credit.supply", "credit.borrow", "spot.sell", "perp.adjustLong"]);
    const looped = execute(config, unwound, snap2, decision);
    expect(totalPerpSize(looped, "BTC")).to.be.greaterThan(0); // long perp receives negative funding
    expectClose(looped.credit.BTC?.borrowBase ?? 0, totalPerpSize(looped, "BTC"), 1e-9);
    expect(Math.abs(netDeltaBase(looped, "BTC"))).to.be.below(1e-6);
  });

  it("holds in a transition regime instead of adding risk", () => {
    const config = testConfig();
    // ≈ 0 % APR lately: between the −2 % and +3 % thresholds.
    const h = history(T0, { binance: (t) => (t > T0 - 10 * DAY ? 0 : 0.0003), bybit: (t) => (t > T0 - 10 * DAY ? 0 : 0.0003), gate: 0 });
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 10, venues: ["binance", "bybit"] }); // well below full
    const decision = decide(config, state, snapshot(T0, PRICE, h), h);
    expect(decision.regime.regime).to.equal("transition");
    expect(decision.actions.filter((a) => a.kind === "spot.buy" || a.kind === "perp.adjustShort")).to.deep.equal([]);
  });
});

describe("alpha strategy: margin management", () => {
  const config = testConfig();
  const h = (now: number) => history(now, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
  const notRebalance = T0 + HOUR;

  it("tops a short's margin back up on each 10 % drawdown as the price rallies", () => {
    let state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    // +2 %: equity 120,000 − 7.5·800 = 114,000 vs target 7.5·40,800/2.5 = 122,400 → 6.9 % down: no action.
    let snap = snapshot(notRebalance, PRICE * 1.02, h(notRebalance));
    expect(decide(config, state, snap, h(notRebalance)).actions).to.deep.equal([]);
    // +3 %: equity 111,000 vs target 123,600 → 10.2 % down: add 12,600 per venue.
    snap = snapshot(notRebalance, PRICE * 1.03, h(notRebalance));
    let decision = decide(config, state, snap, h(notRebalance));
    const adds = decision.actions.filter((a): a is Extract<Action, { kind: "perp.addMargin" }> => a.kind === "perp.addMargin");
    expect(adds.map((a) => a.venue).sort()).to.deep.equal(["binance", "bybit"]);
    for (const a of adds) expectClose(a.amountQuote, 12_600, 1e-6);
    expect(decision.actions.some((a) => a.kind === "perp.adjustShort")).to.equal(false); // notional kept
    state = execute(config, state, snap, decision);
    // Another +3 % from there: the next 10 % drawdown, the next top-up.
    const t2 = notRebalance + HOUR;
    snap = snapshot(t2, PRICE * 1.03 * 1.03, h(t2));
    decision = decide(config, state, snap, h(t2));
    expect(kinds(decision).filter((k) => k === "perp.addMargin")).to.have.length(2);
    expect(decision.log.some((l) => l.reason.startsWith("top up margin"))).to.equal(true);
  });

  it("funds a top-up by borrowing against the long leg when idle is at the buffer (hybrid)", () => {
    // Same book, but idle left at exactly 10 % of NAV: no cash to spare for margin.
    const base = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const state: PortfolioState = { ...base, idleQuote: 100_000 };
    const snap = snapshot(notRebalance, PRICE * 1.04, h(notRebalance));
    const decision = decide(config, state, snap, h(notRebalance));
    expect(kinds(decision)).to.include.members(["credit.borrow", "perp.addMargin"]);
    expect(kinds(decision)).to.not.include("spot.sell"); // notional kept: the hedge is not sold down
    const after = execute(config, state, snap, decision);
    expect(after.credit.BTC?.borrowQuote ?? 0).to.be.greaterThan(0);
    expect(-totalPerpSize(after, "BTC")).to.equal(15);
    expect(Math.abs(netDeltaBase(after, "BTC"))).to.be.below(1e-9);
  });

  it("sells down the hedge to fund a top-up when borrowing is not allowed (constant mode)", () => {
    const constant = testConfig({ mode: "constant" });
    const base = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const state: PortfolioState = { ...base, idleQuote: 100_000 };
    const snap = snapshot(notRebalance, PRICE * 1.04, h(notRebalance));
    const decision = decide(constant, state, snap, h(notRebalance));
    expect(kinds(decision)).to.include.members(["spot.sell", "perp.adjustShort", "perp.addMargin"]);
    expect(kinds(decision)).to.not.include("credit.borrow");
    const after = execute(constant, state, snap, decision);
    expect(-totalPerpSize(after, "BTC")).to.be.below(15);
    for (const p of after.perps) expect(perpLeverage(p, PRICE * 1.04)).to.be.at.most(2.5 + 1e-6);
  });

  it("after a crash, releases the short's gains and buys more of the long leg (hybrid)", () => {
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(T0, PRICE * 0.8, h(T0)); // rebalance time
    const decision = decide(config, state, snap, h(T0));
    expect(kinds(decision)).to.include.members(["perp.removeMargin", "spot.buy", "perp.adjustShort"]);
    const after = execute(config, state, snap, decision);
    expect(longLegBase(after, "BTC")).to.be.greaterThan(15);
    expect(Math.abs(netDeltaBase(after, "BTC"))).to.be.below(1e-6);
  });
});

describe("alpha strategy: data and venue failures", () => {
  const config = testConfig();

  it("refuses to act on a stale spot price", () => {
    const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    // A rally that would trigger a top-up, but the price is 3 h old.
    const snap = snapshot(T0 + HOUR, PRICE * 1.1, h, { spotTime: T0 - 2 * HOUR });
    const decision = decide(config, state, snap, h);
    expect(decision.actions).to.deep.equal([]);
    expect(decision.log.map((l) => l.reason)).to.include("stale price data: refuse to act");
    expect(decision.risk.flags.some((f) => f.kind === "stalePrice")).to.equal(true);
  });

  it("leaves a venue whose funding prints stopped and re-hedges on a healthy one", () => {
    const now = T0 + HOUR; // not a scheduled rebalance: the outage alone triggers it
    const h = history(now, { binance: 0.0003, bybit: (t) => (t > now - 2 * DAY ? Number.NaN : 0.0003), gate: 0.0003 });
    const bybit = (h.funding.bybit ?? []).filter((p) => Number.isFinite(p.ratePerInterval));
    const outage = { funding: { ...h.funding, bybit } };
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(now, PRICE, outage);
    const decision = decide(config, state, snap, outage);
    expect(decision.risk.flags.some((f) => f.kind === "venueOutage" && f.venue === "bybit")).to.equal(true);
    const after = execute(config, state, snap, decision);
    expect(sizeOn(after, "bybit")).to.equal(0);
    expect(sizeOn(after, "gate")).to.be.lessThan(0);
    expect(Math.abs(netDeltaBase(after, "BTC"))).to.be.below(1e-6);
  });

  it("de-risks when the quote stablecoin is off peg", () => {
    const h = history(T0 + HOUR, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
    const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });
    const snap = snapshot(T0 + HOUR, PRICE, h, { quotePegUsd: 0.96 });
    const after = execute(config, state, snap, decide(config, state, snap, h));
    // Cut to reduceFraction of the full size: 0.3 · 1e6 · 0.89 / 56,000 ≈ 4.77 BTC (from 15).
    expectClose(-totalPerpSize(after, "BTC"), (config.reduceFraction * CAPITAL * 0.89) / 56_000, 0.02);
  });
});

describe("alpha strategy: venue selection", () => {
  const config = testConfig();
  const state = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 15, venues: ["binance", "bybit"] });

  it("does not switch venue for a one-print spike that does not pay the move", () => {
    const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: (t) => (t === T0 ? 0.0015 : 0.0003) });
    const decision = decide(config, state, snapshot(T0, PRICE, h), h);
    expect(decision.actions.filter((a) => a.kind === "perp.adjustShort")).to.deep.equal([]);
  });

  it("switches to a venue whose funding is persistently higher, net of costs", () => {
    const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: (t) => (t > T0 - 10 * DAY ? 0.0008 : 0.0003) });
    const snap = snapshot(T0, PRICE, h);
    const decision = decide(config, state, snap, h);
    const switchLine = decision.log.find((l) => l.reason.startsWith("switch venue"));
    expect(switchLine, "switch logged").to.not.equal(undefined);
    expect(switchLine?.numbers.gainQuote ?? 0).to.be.greaterThan((switchLine?.numbers.costQuote ?? 0) * config.switchHurdle);
    const after = execute(config, state, snap, decision);
    expect(sizeOn(after, "gate")).to.be.lessThan(0);
    expectClose(-totalPerpSize(after, "BTC"), 15, 1e-9);
  });

  it("compares 1 h and 8 h venues on per-hour rates", () => {
    const dydxConfig = testConfig({ allowedVenues: ["binance", "bybit", "dydx"] });
    // dYdX 0.00005 per hour = 0.0004 per 8 h: better than 0.0003 per 8 h once normalised.
    const h = history(T0, { binance: 0.0003, bybit: 0.0003 });
    const dydx = history(T0, { binance: 0.0003 }).funding.binance ?? [];
    const hourly = [];
    for (let t = T0 - 30 * DAY; t <= T0; t += HOUR) {
      hourly.push({ venue: "dydx" as const, settleTime: t, knownAt: t, ratePerInterval: 0.00005, intervalHours: 1, ratePerHour: 0.00005 });
    }
    expect(dydx.length).to.be.greaterThan(0);
    const withDydx = { funding: { ...h.funding, dydx: hourly } };
    const decision = decide(dydxConfig, emptyState(CAPITAL), snapshot(T0, PRICE, withDydx), withDydx);
    const forecast = decision.forecast.venues.find((v) => v.venue === "dydx");
    expect(forecast?.lastPerHour).to.equal(0.00005);
    const after = execute(dydxConfig, emptyState(CAPITAL), snapshot(T0, PRICE, withDydx), decision);
    expect(sizeOn(after, "dydx")).to.be.lessThan(0);
  });
});

describe("alpha strategy: guardrails along a price path", () => {
  it("never proposes a batch the vault would refuse, over a rally and a crash", () => {
    const config = testConfig();
    let state = emptyState(CAPITAL);
    const path = [1, 1.04, 1.09, 1.15, 1.22, 1.3, 1.2, 1.05, 0.9, 0.8, 0.72, 0.8, 0.95, 1.1];
    path.forEach((multiple, i) => {
      const now = T0 + i * 4 * HOUR; // every other step is a rebalance time
      const h = history(now, { binance: 0.0003, bybit: 0.0004, gate: 0.0002 });
      const snap = snapshot(now, PRICE * multiple, h);
      const decision = decide(config, state, snap, h);
      state = execute(config, state, snap, decision); // asserts the guardrails
      const nav = netAssetValue(state, priceView(snap));
      expect(state.idleQuote / nav, `idle at step ${i}`).to.be.at.least(0.1 - 1e-9);
      expect(Math.abs(netDeltaBase(state, "BTC")) * snap.spotPrice, `delta at step ${i}`).to.be.below(nav * 0.005);
      for (const p of state.perps) {
        if (p.sizeBase !== 0) expect(perpLeverage(p, snap.spotPrice), `leverage ${p.venue} at step ${i}`).to.be.at.most(config.maxLeverage);
      }
    });
    expect(totalPerpSize(state, "BTC")).to.be.lessThan(0);
  });
});
