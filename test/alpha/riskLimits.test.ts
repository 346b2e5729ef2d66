import { expect } from "chai";
import { decide } from "../../scripts/alpha/strategy/decide.js";
import { applyActions } from "../../scripts/alpha/strategy/ledger.js";
import { priceView } from "../../scripts/alpha/strategy/risk.js";
import { bandDeltaBase, groupMeasures, riskLimitBreaches } from "../../scripts/alpha/strategy/riskLimits.js";
import type { LegRef, PortfolioState, VaultRiskLimits } from "../../scripts/alpha/strategy/types.js";
import { netAssetValue, netDeltaBase } from "../../scripts/alpha/strategy/valuation.js";
import { emptyState, heldState, history, snapshot, T0, testConfig } from "./fixtures.js";

const PRICE = 40_000;
const CAPITAL = 1_000_000;
const config = testConfig();
const h = history(T0, { binance: 0.0003, bybit: 0.0003, gate: 0.0003 });
const snap = snapshot(T0, PRICE, h);
const prices = priceView(snap);
const PERPS: LegRef[] = (["binance", "bybit", "gate"] as const).map((venue) => ({ kind: "perp", venue }));
const withLimits = (state: PortfolioState, vaultRisk: VaultRiskLimits): PortfolioState => ({ ...state, vaultRisk });
const after = (state: PortfolioState): PortfolioState => applyActions(config, state, decide(config, state, snap, h).actions, prices).state;

describe("alpha strategy: the vault's cross-market limits (risk groups, net-delta bands) clip the batch", () => {
  it("a perp-margin group caps the margin of every venue together; the hedge stays delta neutral", () => {
    // Unlimited, the entry posts about 25 % of NAV as margin over two venues.
    const free = after(emptyState(CAPITAL));
    const perpMargin = { name: "perp-margin", capBps: 2_000, members: PERPS };
    expect(groupMeasures(perpMargin, free, prices).balance / netAssetValue(free, prices)).to.be.above(0.24);
    const capped = after(withLimits(emptyState(CAPITAL), { groups: [perpMargin], deltaBands: [] }));
    const share = groupMeasures(perpMargin, capped, prices).balance / netAssetValue(capped, prices);
    expect(share).to.be.at.most(0.2).and.above(0.15); // inside the cap, not shrunk far below it
    expect(Math.abs(netDeltaBase(capped, "BTC")) * PRICE).to.be.below(0.001 * CAPITAL);
    // An absolute cap binds the same way.
    const absolute = after(withLimits(emptyState(CAPITAL), { groups: [{ ...perpMargin, capBps: 10_000, capQuote: 150_000 }], deltaBands: [] }));
    expect(groupMeasures(perpMargin, absolute, prices).balance).to.be.at.most(150_000).and.above(120_000);
  });

  it("a group already over its cap lets a batch through that does not grow it (de-risking is never blocked)", () => {
    const held = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 14, venues: ["binance", "bybit"] });
    const tight = { name: "perp-margin", capBps: 1_000, members: PERPS };
    const state = withLimits(held, { groups: [tight], deltaBands: [] });
    const before = groupMeasures(tight, state, prices).balance;
    expect(before / netAssetValue(state, prices)).to.be.above(0.2);
    const next = after(state);
    expect(groupMeasures(tight, next, prices).balance).to.be.at.most(before + 1e-6);
    expect(riskLimitBreaches(state, next, prices)).to.deep.equal([]);
  });

  it("a net-delta band over the markets that report: a long leg nobody hedges in the book is held inside the band", () => {
    // Only the long leg's markets report (the perps do not): the band sees the long leg alone and holds it to 5 %.
    const band = { asset: "BTC" as const, bandBps: 500, reporting: [{ kind: "spot" }, { kind: "credit" }] as LegRef[] };
    const state = withLimits(emptyState(CAPITAL), { groups: [], deltaBands: [band] });
    const next = after(state);
    const delta = Math.abs(bandDeltaBase(band, next, prices)) * PRICE;
    expect(delta).to.be.at.most(0.05 * netAssetValue(next, prices) + 1e-6);
    expect(riskLimitBreaches(state, next, prices)).to.deep.equal([]);
    // With every market reporting, the hedged book's net delta is ~0 and the entry goes through whole.
    const all = { ...band, reporting: [...band.reporting, ...PERPS] };
    const whole = after(withLimits(emptyState(CAPITAL), { groups: [], deltaBands: [all] }));
    expect(Math.abs(bandDeltaBase(all, whole, prices)) * PRICE).to.be.below(0.001 * CAPITAL);
    expect((whole.credit.BTC?.supplyBase ?? 0) * PRICE).to.be.above(0.6 * CAPITAL);
  });

  it("the batch loss budget: the entry's costs are held to the budget (fees and slippage of the batch)", () => {
    const free = after(emptyState(CAPITAL));
    const freeLoss = CAPITAL - netAssetValue(free, prices);
    expect(freeLoss).to.be.above(200); // about 5 bps of NAV unconstrained
    const state = withLimits(emptyState(CAPITAL), { groups: [], deltaBands: [], maxBatchLossBps: 2 });
    const next = after(state);
    expect(CAPITAL - netAssetValue(next, prices)).to.be.at.most(0.0002 * CAPITAL + 1e-6);
    expect(riskLimitBreaches(state, next, prices)).to.deep.equal([]);
  });

  it("a redemption's unwind never breaches a limit it did not breach (every measure shrinks)", () => {
    const held = heldState({ capital: CAPITAL, entry: PRICE, shortBase: 14, venues: ["binance", "bybit"] });
    const limits = { groups: [{ name: "perp-margin", capBps: 2_000, members: PERPS }], deltaBands: [{ asset: "BTC" as const, bandBps: 100, reporting: [...PERPS, { kind: "credit" } as LegRef] }] };
    const state = { ...withLimits(held, limits), redeemOwedQuote: 0.3 * CAPITAL };
    const d = decide(config, state, snap, h);
    expect(d.redemption?.fraction).to.be.above(0);
    expect(riskLimitBreaches(state, applyActions(config, state, d.actions, prices).state, prices)).to.deep.equal([]);
  });
});
