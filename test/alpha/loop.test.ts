import { expect } from "chai";
import { buildPlan } from "../../scripts/alpha/strategy/plan.js";
import { capWithoutChurn, fundingWindowCarry } from "../../scripts/alpha/strategy/venues.js";
import type { PortfolioState } from "../../scripts/alpha/strategy/types.js";
import { expectClose, T0, testConfig } from "./fixtures.js";

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

describe("alpha venue caps without churn", () => {
  const config = testConfig(); // driftBand 0.1, target 2.5x, max 3x: tolerance above the cap 5 %
  it("leaves a held size near a binding cap alone, cuts it beyond the tolerance, grows it only by a drift band", () => {
    expect(capWithoutChurn(config, 120, 100, 103)).to.equal(103); // 3 % over the cap: kept
    expect(capWithoutChurn(config, 120, 100, 108)).to.equal(100); // 8 % over: cut to the cap
    expect(capWithoutChurn(config, 120, 100, 95)).to.equal(95); // 5 below a binding cap (< 10 % of 95): wait
    expect(capWithoutChurn(config, 120, 100, 80)).to.equal(100); // 20 below: grow to the cap
    expect(capWithoutChurn(config, 90, 100, 85)).to.equal(90); // cap not binding: the wanted size
    expect(capWithoutChurn(config, 50, 100, 103)).to.equal(50); // a reduction is never held back
    expect(capWithoutChurn(config, 120, 100, 0)).to.equal(100); // a new position: at most the cap
  });
});

describe("alpha funding-window awareness", () => {
  const config = testConfig({ allowedVenues: ["binance", "kucoin"] });
  const forecast = (venue: "binance" | "kucoin", perHour: number) =>
    ({ venue, prints: 30, lastPerHour: perHour, fastPerHour: perHour, longRunPerHour: perHour, expectedPerHour: perHour, expectedApr: perHour * 8760 });
  it("counts the share of the next payment a move collects or gives up", () => {
    const r = 0.0001 / 8;
    // 00:00 UTC: Binance has just settled (nothing accrued); KuCoin (04/12/20) is half way through its interval.
    expect(fundingWindowCarry(config, forecast("binance", r), "short", T0)).to.equal(0);
    expectClose(fundingWindowCarry(config, forecast("kucoin", r), "short", T0), 0.5 * r * 8, 1e-18);
    // 02:00: six of KuCoin's eight hours have passed; a long earns −funding.
    expectClose(fundingWindowCarry(config, forecast("kucoin", r), "long", T0 + 2 * 3600), -0.75 * r * 8, 1e-18);
    expect(fundingWindowCarry(config, undefined, "short", T0)).to.equal(0);
  });
});
