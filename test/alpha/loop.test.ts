import { expect } from "chai";
import { buildPlan } from "../../scripts/alpha/strategy/plan.js";
import type { PortfolioState } from "../../scripts/alpha/strategy/types.js";
import { T0, testConfig } from "./fixtures.js";

describe("alpha loop: a minimum trade", () => {
  // A built loop: 10 BTC long perp on binance against 10 BTC borrowed and sold (quote collateral supplied).
  const config = testConfig({ negativeRegimeAction: "loop", minTradeQuote: 1_000 });
  const prices = { asset: "BTC" as const, spot: 100, mark: { binance: 100 } };
  const loop = (borrowBase: number): PortfolioState => ({
    time: T0,
    idleQuote: 50_000,
    spotBase: {},
    credit: { BTC: { supplyBase: 0, supplyQuote: 2_500, borrowBase, borrowQuote: 0 } },
    perps: [{ venue: "binance", asset: "BTC", sizeBase: 10, entryPrice: 100, marginQuote: 400 }],
  });
  const loopActions = (state: PortfolioState): string[] =>
    buildPlan({ config, state, prices, navQuote: 50_000, targets: new Map([["binance", 10]]), rebalanceNow: true })
      .actions.filter((a) => a.kind.startsWith("credit.") || a.kind.startsWith("spot."))
      .map((a) => a.kind);

  it("does not buy back the interest accrued on the asset debt hour by hour", () => {
    expect(loopActions(loop(10.0004))).to.deep.equal([]); // 0.04 quote of interest
    expect(loopActions(loop(10 + 9 / 100))).to.deep.equal([]); // 9 quote: below the 1,000 minimum
  });

  it("unwinds a gap worth a minimum trade, and closes a loop whatever its size", () => {
    expect(loopActions(loop(30))).to.include.members(["spot.buy", "credit.repay"]); // 20 BTC = 2,000 quote
    const closing = buildPlan({ config, state: loop(10.0004), prices, navQuote: 50_000, targets: new Map(), rebalanceNow: true });
    expect(closing.actions.map((a) => a.kind)).to.include("credit.repay");
  });
});
