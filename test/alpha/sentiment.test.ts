import { expect } from "chai";
import { DecisionLogger } from "../../scripts/alpha/strategy/log.js";
import { fullShortSize, targetHedgeSize } from "../../scripts/alpha/strategy/rebalance.js";
import { hybridBands, sentiment } from "../../scripts/alpha/strategy/sentiment.js";
import { DAY, T0, expectClose, testConfig } from "./fixtures.js";

describe("alpha hybrid sentiment: trailing funding level and price trend", () => {
  const config = testConfig({ mode: "hybrid", sentimentWeight: 0.5 });
  const regime = (signalApr: number) => ({ regime: "positive" as const, signalApr, negativeShare: 0 });
  const prices = (from: number, to: number) => ({ funding: {}, spot: [{ time: T0 - 7 * DAY, price: from }, { time: T0, price: to }] });

  it("scores rich funding and a rising price bullish, the opposite bearish, no price history neutral on trend", () => {
    // Funding 23 % APR = 0.2 above the 3 % threshold → +1; price +20 % over 7 days → +1 (clipped).
    expect(sentiment(config, regime(0.23), prices(100, 120), T0, 120).score).to.equal(1);
    // Funding at the threshold (0), price −5 % → −0.5 → score −0.25.
    expectClose(sentiment(config, regime(0.03), prices(100, 95), T0, 95).score, -0.25, 1e-12);
    const noPrices = sentiment(config, regime(0.13), { funding: {} }, T0, 100);
    expect(noPrices.trend).to.equal(0);
    expectClose(noPrices.score, 0.25, 1e-12);
  });

  it("widens the upper band and narrows the lower one when bullish (weight 0.5)", () => {
    const bull = hybridBands(config, 1);
    expectClose(bull.upper, config.hybridUpperBand * 1.5, 1e-12);
    expectClose(bull.lower, config.hybridLowerBand * 0.5, 1e-12);
    expect(hybridBands({ ...config, sentimentWeight: undefined }, 1)).to.deep.equal({ upper: config.hybridUpperBand, lower: config.hybridLowerBand });
  });

  it("holds a hedge 45 % above target when bullish, resizes it when neutral", () => {
    const full = fullShortSize(config, 1_000_000, 100, 100);
    const inputs = {
      config,
      currentSize: -1.45 * full,
      navQuote: 1_000_000,
      spot: 100,
      mark: 100,
      regime: "positive" as const,
      rebalanceNow: true,
      heldCarryPerHour: 0.2 / 8760,
      entryShortCarryPerHour: 0.2 / 8760,
      entryLongCarryPerHour: -0.2 / 8760,
      roundTripCost: 0.003,
      depeg: false,
      log: new DecisionLogger(T0),
    };
    expect(targetHedgeSize({ ...inputs, sentimentScore: 1 })).to.equal(-1.45 * full); // upper band 52.5 %
    expectClose(targetHedgeSize({ ...inputs, sentimentScore: 0 }), -full, 1e-9); // upper band 35 %
  });
});
