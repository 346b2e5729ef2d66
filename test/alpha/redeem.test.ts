import { expect } from "chai";
import { decide } from "../../scripts/alpha/strategy/decide.js";
import { planRedemptionUnwind } from "../../scripts/alpha/strategy/redeem.js";
import { priceView } from "../../scripts/alpha/strategy/risk.js";
import type { Action, PortfolioState } from "../../scripts/alpha/strategy/types.js";
import { creditOf, netAssetValue, netDeltaBase, perpEquity, perpLeverage } from "../../scripts/alpha/strategy/valuation.js";
import { expectClose, heldState, history, snapshot, T0, testConfig } from "./fixtures.js";

const PRICE = 40_000;
const config = testConfig();
const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
const snap = snapshot(T0, PRICE, h);
const prices = priceView(snap);
/** 1M quote: 14 BTC short over two venues at 2.5x (entry = price), 14 BTC supplied, 10k quote borrowed, the rest idle. */
const book = (): PortfolioState => heldState({ capital: 1_000_000, entry: PRICE, shortBase: 14, venues: ["binance", "bybit"], borrowQuote: 10_000 });

const floorOf = (navAfter: number): number => (navAfter * config.idleBufferBps) / 10_000 + 3 * config.gasPerActionQuote;
const kinds = (actions: readonly Action[]): string[] => actions.map((a) => a.kind);

describe("alpha strategy: the unwind that pays redeem requests (redeem.ts)", () => {
  it("plans nothing when idle above the floor covers the payout", () => {
    const state = book();
    const nav = netAssetValue(state, prices);
    const owed = state.idleQuote - floorOf(nav) - 5_000; // within idle's free part even after the floor shrinks
    const plan = planRedemptionUnwind(config, state, prices, owed);
    expect(plan.actions).to.deep.equal([]);
    expect(plan.fraction).to.equal(0);
    expect(plan.shortfallQuote).to.equal(0);
    expectClose(plan.floorQuote, floorOf(nav - owed), 1e-6);
    // No request: nothing at all.
    expect(planRedemptionUnwind(config, state, prices, 0).actions).to.deep.equal([]);
  });

  it("raises exactly the shortfall (owed − idle above the floor after the payout), costs included", () => {
    const state = book();
    const nav = netAssetValue(state, prices);
    const owed = 0.3 * nav;
    const plan = planRedemptionUnwind(config, state, prices, owed);
    const freeIdle = state.idleQuote - floorOf(nav - owed);
    expectClose(plan.idleFreeQuote, freeIdle, 1e-6);
    expectClose(plan.shortfallQuote, owed - freeIdle, 1e-6);
    // After the batch (projected through the ledger, its fees and gas) and the payout, idle is at its floor: not
    // below it, and not more than 0.1 % of NAV above it (no needless unwind).
    const after = plan.projected;
    const navAfter = netAssetValue(after, prices) - owed;
    const margin = after.idleQuote - owed - floorOf(navAfter);
    expect(margin).to.be.at.least(0);
    expect(margin).to.be.below(0.001 * nav);
    expectClose(plan.marginAfterQuote, margin, 1e-6);
    // The fraction is the shortfall over the invested book, grossed up by the batch's costs only (< 1 % more).
    const invested = nav - state.idleQuote;
    expect(plan.fraction).to.be.at.least(plan.shortfallQuote / invested);
    expect(plan.fraction).to.be.below((plan.shortfallQuote / invested) * 1.01);
  });

  it("takes the same fraction of every leg, keeping leverage, LTV and delta neutrality", () => {
    const state = book();
    const nav = netAssetValue(state, prices);
    const plan = planRedemptionUnwind(config, state, prices, 0.3 * nav);
    const f = plan.fraction;
    const after = plan.projected;
    // Sources before uses: perps, their margin, the debt, then the collateral and its sale.
    expect(kinds(plan.actions)).to.deep.equal([
      "perp.adjustShort", "perp.adjustShort", "perp.removeMargin", "perp.removeMargin", "credit.repay", "credit.withdraw", "spot.sell",
    ]);
    for (const venue of ["binance", "bybit"] as const) {
      const before = state.perps.find((p) => p.venue === venue);
      const now = after.perps.find((p) => p.venue === venue);
      if (before === undefined || now === undefined) throw new Error(`no ${venue} position`);
      expectClose(now.sizeBase, before.sizeBase * (1 - f), 1e-9);
      expectClose(perpEquity(now, PRICE), perpEquity(before, PRICE) * (1 - f), 1e-6);
      expectClose(perpLeverage(now, PRICE), perpLeverage(before, PRICE), 1e-9);
    }
    const c0 = creditOf(state, "BTC");
    const c1 = creditOf(after, "BTC");
    expectClose(c1.supplyBase, c0.supplyBase * (1 - f), 1e-9);
    expectClose(c1.borrowQuote, c0.borrowQuote * (1 - f), 1e-6);
    expectClose(after.spotBase.BTC ?? 0, 0, 1e-9); // what was withdrawn was sold
    expectClose(netDeltaBase(after, "BTC"), 0, 1e-9);
  });

  it("unwinds everything, and no more, when the request exceeds what the book can raise", () => {
    const state = book();
    const nav = netAssetValue(state, prices);
    const plan = planRedemptionUnwind(config, state, prices, nav);
    expect(plan.fraction).to.equal(1);
    expect(plan.marginAfterQuote).to.be.below(0); // short: the vault settles pro rata
    expect(plan.projected.perps.every((p) => p.sizeBase === 0)).to.equal(true);
    expect(() => planRedemptionUnwind(config, state, prices, -1)).to.throw(/owedQuote/);
  });

  it("decide: the batch is the unwind while requests need one; otherwise the strategy decides on the book after the payout", () => {
    const state = book();
    const nav = netAssetValue(state, prices);
    const big = decide(config, { ...state, redeemOwedQuote: 0.3 * nav }, snap, h);
    expect(big.redemption?.settle).to.equal(true);
    // Idle above its floor pays part: the book gives up less than the 30 % owed.
    expect(big.redemption?.fraction).to.be.above(0.1).and.below(0.3);
    expect(big.actions).to.deep.equal(planRedemptionUnwind(config, state, prices, 0.3 * nav).actions);
    // Idle covers a small request: the decision is the strategy's on the book with idle − owed, and settles.
    const small = 10_000;
    const covered = decide(config, { ...state, redeemOwedQuote: small }, snap, h);
    const postPayout = decide(config, { ...state, idleQuote: state.idleQuote - small }, snap, h);
    expect(covered.redemption).to.include({ owedQuote: small, fraction: 0, settle: true });
    expect(covered.actions).to.deep.equal(postPayout.actions);
    // Stale prices: hold, and do not settle.
    const stale = decide(config, { ...state, redeemOwedQuote: 0.3 * nav }, { ...snap, spotTime: T0 - 10 * 3600 }, h);
    expect(stale.actions).to.deep.equal([]);
    expect(stale.redemption?.settle).to.equal(false);
  });
});
