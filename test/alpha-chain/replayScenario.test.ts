import { expect } from "chai";
import hre, { network } from "hardhat";
import { loadScenario } from "../../scripts/alpha/backtest/scenario.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { runReplay, type EpochRecord } from "../../scripts/alpha/replay/run.js";

/**
 * Risk events in the chain replay: data/scenarios/venue-stress-2021-05.json reports KuCoin down from
 * 2021-05-19 00:00 to 05-21 00:00 UTC. Over a short window around it, the risk monitor must flag the
 * outage and the strategy leave KuCoin on chain (its position there closed by a sent batch), then the
 * batches keep passing the vault.
 */
const FROM = Date.parse("2021-05-17T00:00:00Z") / 1000;
const TO = Date.parse("2021-05-19T16:00:00Z") / 1000;
const OUT = Date.parse("2021-05-19T00:00:00Z") / 1000;

describe("alpha replay: a scenario's risk events reach the chain replay", () => {
  it("flags KuCoin's outage and leaves the venue on chain", async function () {
    this.timeout(600_000);
    const { ethers } = await network.create();
    const lines: string[] = [];
    const result = await runReplay({
      ethers,
      data: loadMarketData("ETH"),
      from: FROM,
      to: TO,
      capitalQuote: 1_000_000,
      abiOf: async (name) => (await hre.artifacts.readArtifact(name)).abi,
      artifactExists: (name) => hre.artifacts.artifactExists(name),
      scenario: loadScenario("data/scenarios/venue-stress-2021-05.json"),
      onLine: (line) => lines.push(line),
    });
    expect(lines.some((l) => /scenario venue-stress-2021-05 .* fed to the market view; not replayable .*adl, liquidityDrop/.test(l))).to.equal(true);
    const at = (t: number): EpochRecord => result.epochs.find((e) => e.time === t) as EpochRecord;
    const before = at(OUT - 8 * 3600);
    expect(Math.abs(before.perpSizes.kucoin ?? 0)).to.be.above(0);
    expect(before.flags.some((f) => /kucoin out/.test(f))).to.equal(false);
    const during = at(OUT);
    expect(during.flags.some((f) => /venue kucoin out/.test(f))).to.equal(true);
    expect(during.refusal).to.equal(undefined);
    expect(during.perpSizes.kucoin ?? 0).to.equal(0);
    expect(lines.some((l) => /monitor: leave kucoin/.test(l))).to.equal(true);
    // The hedge moved, not vanished: the book stays short about the same size on the healthy venues.
    expectWithin(during.perpSize, before.perpSize, 0.15);
    expect(result.refusals).to.equal(0);
  });
});

function expectWithin(actual: number, expected: number, fraction: number): void {
  expect(Math.abs(actual - expected)).to.be.at.most(Math.abs(expected) * fraction);
}
