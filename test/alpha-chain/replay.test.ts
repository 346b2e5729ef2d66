import { expect } from "chai";
import type { Provider } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { simVenueAt } from "../../scripts/alpha/chain/contracts.js";
import { ChainMarketData } from "../../scripts/alpha/chain/marketData.js";
import type { EthersAlphaChain, PreparedBatch } from "../../scripts/alpha/chain/alphaChain.js";
import { createLiveAlpha } from "../../scripts/alpha/chain/live.js";
import { toNumber } from "../../scripts/alpha/chain/read.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { Journal } from "../../scripts/alpha/live/journal.js";
import { runAlphaLoop, type AlphaChain } from "../../scripts/alpha/live/loop.js";
import { bookIntervals } from "../../scripts/alpha/chain/live.js";
import { replayChain, setupReplay, simVenue, stepEpoch, type ReplaySetup } from "../../scripts/alpha/replay/run.js";

const EPOCH = 8 * 3600;
const FROM = Date.parse("2021-05-01T00:00:00Z") / 1000;
const data = loadMarketData("ETH");
const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function setup(): Promise<ReplaySetup> {
  return setupReplay({
    ethers,
    data,
    from: FROM,
    capitalQuote: 1_000_000,
    abiOf: async (name) => (await hre.artifacts.readArtifact(name)).abi,
    artifactExists: (name) => hre.artifacts.artifactExists(name),
  });
}

/** A provider whose `getBlock` throws `failures` times (an RPC outage), then answers. */
function flakyProvider(inner: Provider, failures: { left: number }): Provider {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (prop === "getBlock") {
        return (...args: unknown[]) => {
          if (failures.left > 0) {
            failures.left -= 1;
            return Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:8545 (injected)"));
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (value as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

/** Broadcasts, then loses the answer once (the process or the RPC dies between send and hash). */
class LosesSendAnswer implements AlphaChain<PreparedBatch> {
  lose = true;
  constructor(private readonly inner: EthersAlphaChain) {}
  now(): Promise<number> { return this.inner.now(); }
  nonce(): Promise<number> { return this.inner.nonce(); }
  decide(time: number) { return this.inner.decide(time); }
  wait(hash: string) { return this.inner.wait(hash); }
  async send(batch: PreparedBatch, nonce: number): Promise<string> {
    const hash = await this.inner.send(batch, nonce);
    if (this.lose) {
      this.lose = false;
      throw new Error("socket hang up (injected)");
    }
    return hash;
  }
}

const noSleep = async (): Promise<void> => undefined;

describe("alpha chain on the local chain (replay world: Aave V3, Uniswap V3, simulated perp)", function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "alpha-chain-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("replays a few epochs: short perps on several venues hedge the long leg, inside the guardrails, NAV accounted", async () => {
    const s = await networkHelpers.loadFixture(setup);
    expect(s.book.perps.map((p) => p.venueId)).to.deep.equal(["binance", "bybit", "kucoin"]);
    expect(new Set(s.book.perps.map(simVenue)).size, "one venue contract per strategy venue").to.equal(3);
    expect(new Set(s.book.perps.map((p) => p.fuse)).size, "one fuse per perp market").to.equal(3);
    const fromBlock = (await ethers.provider.getBlockNumber()) + 1;
    const { chain, reader } = await replayChain(s);
    let sent = 0;
    let funding = 0;
    for (let t = FROM; t < FROM + 4 * EPOCH; t += EPOCH) {
      funding += (await stepEpoch(s, t)).fundingQuote;
      const { decision, actions } = await chain.decide(t + s.clockOffset);
      expect(decision.refusal, decision.refusal).to.equal(undefined);
      if (actions === 0) continue;
      const receipt = await chain.wait(await chain.send(decision, await chain.nonce()));
      expect(receipt.ok, receipt.reason).to.equal(true);
      sent += 1;
    }
    expect(sent).to.be.greaterThan(0);
    expect(funding, "the shorts received funding").to.be.greaterThan(0);
    await (await s.vault.getFunction("refreshAllMarketBalances")()).wait();
    const state = await reader.portfolio(FROM + 3 * EPOCH);
    const credit = state.credit.ETH;
    if (credit === undefined) throw new Error("no credit position");
    const shorts = state.perps.filter((p) => p.sizeBase < 0);
    expect(shorts.length, "the hedge is split over venues").to.be.greaterThan(1);
    const totalShort = -shorts.reduce((sum, p) => sum + p.sizeBase, 0);
    const longLeg = (state.spotBase.ETH ?? 0) + credit.supplyBase;
    expect(totalShort).to.be.greaterThan(100); // ~230 ETH short on 1M USDC
    expect(Math.abs(longLeg / totalShort - 1)).to.be.lessThan(0.01); // delta neutral within 1 %

    // Guardrails as the vault measures them, per venue market: leverage ≤ 3x, margin ≤ 25 % of NAV; idle ≥ 10 %.
    const nav = toNumber((await s.vault.getFunction("totalAssets")()) as bigint, 6);
    let equities = 0;
    for (const leg of s.book.perps) {
      const venue = simVenueAt(simVenue(leg), ethers.provider);
      const equity = toNumber(await venue.getAccountValue(s.book.vault), 6);
      const mark = toNumber((await venue.markets(leg.market)).markPriceWad, 18);
      const size = state.perps.find((p) => p.venue === leg.venueId)?.sizeBase ?? 0;
      if (size !== 0) expect((-size * mark) / equity, leg.venueId).to.be.lessThanOrEqual(3);
      expect(equity / nav, leg.venueId).to.be.lessThanOrEqual(0.25);
      equities += equity;
    }
    expect(state.idleQuote / nav).to.be.greaterThanOrEqual(0.1);
    // NAV = idle + every venue's equity + Aave equity + spot, all at the oracle price.
    const market = new ChainMarketData({ book: s.book, provider: ethers.provider, clockOffset: s.clockOffset, seed: {}, fromBlock, intervalHours: bookIntervals(s.book, s.config) });
    const view = await market.at(FROM + 3 * EPOCH);
    const ethPrice = view.snapshot.spotPrice;
    const accounted = state.idleQuote + equities + (credit.supplyBase - credit.borrowBase) * ethPrice + credit.supplyQuote - credit.borrowQuote + (state.spotBase.ETH ?? 0) * ethPrice;
    expect(Math.abs(nav - accounted) / nav).to.be.lessThan(1e-5);
    expect(Math.abs(nav / s.startNav - 1)).to.be.lessThan(0.01);

    // Each venue's FundingApplied events land in its own history at their settlement hour: KuCoin's between the
    // epochs (04/12/20 UTC), the others on them; the chain's prints equal the data's.
    const history = view.history;
    for (const leg of s.book.perps) {
      const fromChain = history.funding[leg.venueId] ?? [];
      const fromData = (data.funding[leg.venueId] ?? []).filter((p) => p.settleTime >= FROM && p.settleTime <= FROM + 3 * EPOCH);
      expect(fromChain.map((p) => p.settleTime), leg.venueId).to.deep.equal(fromData.map((p) => p.settleTime));
      fromChain.forEach((p, i) => expect(Math.abs(p.ratePerInterval - (fromData[i]?.ratePerInterval ?? Number.NaN)), `${leg.venueId} print ${i}`).to.be.lessThan(1e-12));
    }
    expect((history.funding.kucoin ?? []).map((p) => new Date(p.settleTime * 1000).getUTCHours())).to.include(4);
  });

  it("live loop: an RPC failure, a lost send answer and a restart never act twice", async () => {
    const s = await networkHelpers.loadFixture(setup);
    const journalPath = join(dir, "journal.jsonl");
    const alpha = s.alpha.address;
    const options = { intervalSec: EPOCH, sleep: noSleep, pollMs: 1, maxBackoffMs: 1 };
    const atTick = async (t: number): Promise<void> => {
      await stepEpoch(s, t);
      await networkHelpers.time.increaseTo(t + s.clockOffset); // the loop's clock: exactly on the tick
    };

    // Tick 1: the provider fails once; the loop retries and sends exactly one batch.
    await atTick(FROM);
    const n0 = await ethers.provider.getTransactionCount(alpha);
    const failures = { left: 1 };
    const flaky = await replayChain(s, flakyProvider(ethers.provider, failures));
    await runAlphaLoop(flaky.chain, new Journal(journalPath), { ...options, maxTicks: 1 });
    expect(failures.left).to.equal(0);
    expect(await ethers.provider.getTransactionCount(alpha)).to.equal(n0 + 1);
    const journal1 = new Journal(journalPath).all();
    expect(journal1.filter((e) => e.kind === "error")).to.have.length(1);
    expect(journal1.filter((e) => e.kind === "mined")).to.have.length(1);
    const shortAfter1 = (await (await replayChain(s)).reader.portfolio(FROM)).perps.reduce((sum, p) => sum + p.sizeBase, 0);
    expect(shortAfter1).to.be.lessThan(0);

    // Restart within the same tick, wired as `fusebox alpha run` does (from the deployment record): a new loop
    // with the same journal sends nothing.
    const live = async (): Promise<EthersAlphaChain> =>
      (await createLiveAlpha({
        record: s.record,
        provider: ethers.provider,
        signer: s.alpha,
        abiOf: s.abiOf,
        seed: s.seed,
        clockOffset: s.clockOffset,
        fromBlock: await ethers.provider.getBlockNumber(),
      })).chain;
    await runAlphaLoop(await live(), new Journal(journalPath), { ...options, maxTicks: 1 });
    expect(await ethers.provider.getTransactionCount(alpha)).to.equal(n0 + 1);

    // Next tick, prices moved: the batch is broadcast but its hash is lost; the loop sees the nonce mined
    // and does not send it again. Then a restart in the same tick sends nothing either.
    await atTick(FROM + 3 * EPOCH);
    const n1 = await ethers.provider.getTransactionCount(alpha); // the epoch's balance refresh is the alpha's too
    const losing = new LosesSendAnswer((await replayChain(s)).chain);
    const prepared = await losing.decide(FROM + 3 * EPOCH + s.clockOffset);
    expect(prepared.actions, "the moved market needs a batch").to.be.greaterThan(0);
    await runAlphaLoop(losing, new Journal(journalPath), { ...options, maxTicks: 1 });
    expect(await ethers.provider.getTransactionCount(alpha)).to.equal(n1 + 1);
    await runAlphaLoop(await live(), new Journal(journalPath), { ...options, maxTicks: 1 });
    expect(await ethers.provider.getTransactionCount(alpha)).to.equal(n1 + 1);
    const kinds = new Journal(journalPath).all().map((e) => e.kind);
    expect(kinds.filter((k) => k === "skipped").length).to.be.greaterThanOrEqual(1);
    expect(kinds.filter((k) => k === "sending")).to.have.length(2);
  });
});
