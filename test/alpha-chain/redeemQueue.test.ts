import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { toNumber } from "../../scripts/alpha/chain/read.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { Journal } from "../../scripts/alpha/live/journal.js";
import { runAlphaLoop } from "../../scripts/alpha/live/loop.js";
import { replayChain, setupReplay, stepEpoch, type ReplaySetup } from "../../scripts/alpha/replay/run.js";
import { expectClose } from "../alpha/fixtures.js";

const EPOCH = 8 * 3600;
const FROM = Date.parse("2021-05-01T00:00:00Z") / 1000;
const data = loadMarketData("ETH");
const connection = await network.create();
const { ethers, networkHelpers } = connection;

async function setup(): Promise<ReplaySetup> {
  return setupReplay({
    ethers, data, from: FROM, capitalQuote: 1_000_000,
    abiOf: async (name) => (await hre.artifacts.readArtifact(name)).abi,
    artifactExists: (name) => hre.artifacts.artifactExists(name),
  });
}

/** Two epochs of the strategy: the hedge is on, idle near its buffer. */
async function invested(s: ReplaySetup): Promise<void> {
  const { chain } = await replayChain(s);
  for (let t = FROM; t < FROM + 2 * EPOCH; t += EPOCH) {
    await stepEpoch(s, t);
    const { decision, actions } = await chain.decide(t + s.clockOffset);
    if (actions > 0) expect((await chain.wait(await chain.send(decision, await chain.nonce()))).ok).to.equal(true);
  }
}

describe("alpha chain: the redeem queue (unwind, settle, claim) on the replay world", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "alpha-queue-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a 30 % request: the alpha unwinds every leg by one fraction, settles every pending controller, idle keeps its buffer", async () => {
    const s = await networkHelpers.loadFixture(setup);
    await invested(s);
    const [big, small] = s.depositors;
    if (big === undefined || small === undefined) throw new Error("depositors");
    const vault = s.vault;
    const supply = await vault.totalSupply();
    const bigShares = (supply * 30n) / 100n;
    // More than an instant redemption can pay: it queues.
    expect(await vault.maxRedeem(big.address)).to.be.lessThan(bigShares);
    await (await vault.connect(big).requestRedeem(bigShares, big.address, big.address)).wait();
    await (await vault.connect(small).requestRedeem(supply / 100n, small.address, small.address)).wait();

    const t = FROM + 2 * EPOCH;
    await stepEpoch(s, t);
    const { chain, reader } = await replayChain(s);
    const before = await reader.portfolio(t);
    const owed = before.redeemOwedQuote ?? 0;
    expect(owed / toNumber(await vault.totalAssets(), 6)).to.be.within(0.3, 0.32); // 31 % of the shares
    const { decision, actions } = await chain.decide(t + s.clockOffset);
    expect(decision.refusal, decision.refusal).to.equal(undefined);
    const redemption = decision.decision.redemption;
    expect(redemption?.settle).to.equal(true);
    expect(redemption?.shortfallQuote).to.be.greaterThan(0);
    expect(actions).to.be.greaterThan(0);
    const receipt = await chain.wait(await chain.send(decision, await chain.nonce()));
    expect(receipt.ok, receipt.reason).to.equal(true);

    // Every leg went down by the planned fraction (perps by size; the long leg with them: delta neutral).
    const f = redemption?.fraction ?? 0;
    const mid = await reader.portfolio(t);
    for (const p of before.perps.filter((x) => x.sizeBase !== 0)) {
      const now = mid.perps.find((x) => x.venue === p.venue)?.sizeBase ?? 0;
      expectClose(now / p.sizeBase, 1 - f, 1e-3);
    }
    const long = (x: typeof before): number => (x.spotBase.ETH ?? 0) + (x.credit.ETH?.supplyBase ?? 0);
    expectClose(long(mid) / long(before), 1 - f, 2e-3);

    const settled = await chain.settle(decision);
    expect(settled?.ok, settled?.reason).to.equal(true);
    expect(settled?.controllers, "both controllers, discovered from the events").to.equal(2);
    expect(settled?.sharesLeftPending).to.equal("0");
    const [pending, setAside] = await vault.redeemQueue();
    expect(pending).to.equal(0n);
    // Paid in full at one price, set aside; idle (balance − set aside) keeps the buffer of what is left.
    const claimable = await vault.claimableRedeemAssets(big.address);
    expectClose(toNumber(claimable, 6), owed * 30 / 31, owed * 0.002);
    const after = await reader.portfolio(t);
    const nav = toNumber(await vault.totalAssets(), 6);
    expectClose(toNumber(setAside, 6), owed, owed * 0.002);
    expect(after.idleQuote / nav).to.be.at.least(0.1);
    expect(after.redeemOwedQuote).to.equal(undefined);
    // Nothing more to settle; the claim pays what was set aside.
    expect(await chain.settle(decision)).to.equal(undefined);
    const usdcBefore = await s.world.usdc.balanceOf(big.address);
    await (await vault.connect(big).redeem(await vault.claimableRedeemRequest(0n, big.address), big.address, big.address)).wait();
    expect((await s.world.usdc.balanceOf(big.address)) - usdcBefore).to.equal(claimable);
  });

  it("live loop: idle pays a small request; the tick settles after its batch and journals it", async () => {
    const s = await networkHelpers.loadFixture(setup);
    await invested(s);
    const [, , holder] = s.depositors;
    if (holder === undefined) throw new Error("depositor");
    // A new deposit of 20,000 lands in idle; a request of 0.5 % of the shares (about 5,000) is paid from it.
    const extra = 20_000n * 10n ** 6n;
    await (await s.world.usdc.mint(holder.address, extra)).wait();
    await (await s.world.usdc.connect(holder).approve(s.book.vault, extra)).wait();
    await (await s.vault.connect(holder).deposit(extra, holder.address)).wait();
    const shares = (await s.vault.totalSupply()) / 200n;
    await (await s.vault.connect(holder).requestRedeem(shares, holder.address, holder.address)).wait();
    const t = FROM + 2 * EPOCH;
    await stepEpoch(s, t);
    await networkHelpers.time.increaseTo(t + s.clockOffset);
    const journalPath = join(dir, "journal.jsonl");
    const { chain } = await replayChain(s);
    await runAlphaLoop(chain, new Journal(journalPath), { intervalSec: EPOCH, sleep: async () => undefined, pollMs: 1, maxTicks: 1, maxBackoffMs: 1 });
    const entries = new Journal(journalPath).all();
    const decided = entries.find((e) => e.kind === "decided");
    expect(decided?.kind === "decided" && decided.details?.reasons?.some((r) => r.includes("idle pays them"))).to.equal(true);
    const settled = entries.find((e) => e.kind === "settled");
    expect(settled?.kind === "settled" && settled.ok).to.equal(true);
    expect(settled?.kind === "settled" ? settled.shares : "").to.equal(shares.toString());
    expect(await s.vault.pendingRedeemRequest(0n, holder.address)).to.equal(0n);
    expect(await s.vault.claimableRedeemRequest(0n, holder.address)).to.equal(shares);
  });
});
