/**
 * The reconciler plans the risk engine's limits (issue #10) on the in-process chain: exposure reporting, net-delta
 * bands, the batch loss budget and the NAV-rate bounds land with the vault; a converged config sends nothing; a
 * narrower band and a lower loss budget go by the guardian at once; a wider band or new bounds wait for the atomist's
 * timelock; a bad config is refused before anything is sent.
 */
import { expect } from "chai";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ZeroAddress } from "ethers";
import { main } from "../../scripts/cli/main.js";
import type { VaultConfigInput } from "../../scripts/config/schema.js";
import type { PlanStep } from "../../scripts/deploy/plan.js";
import { acknowledgeNav } from "../../scripts/deploy/acknowledge.js";
import { redeemQueueListing, settleOverdue } from "../../scripts/deploy/queue.js";
import { vaultStatus } from "../../scripts/deploy/status.js";
import { formatAmount } from "../../scripts/lib/units.js";
import { deploySimulatedPerpVenueWith } from "../../scripts/local/simulatedPerp.js";
import { ONE_USDC, WAD } from "../fixtures/vault.js";
import { inProcessChain, type InProcessChain } from "./in-process.js";
import { A as ATOMIST, C as GUARDIAN, baseConfig } from "../config/fixtures.js";

const HOUR = 3_600;
type Risk = NonNullable<VaultConfigInput["risk"]>;

describe("reconciler: net-delta bands, loss budget, NAV-rate bounds, exposure reporting (in-process chain)", function () {
  this.timeout(120_000);
  let chain: InProcessChain;
  let usdc: string;
  let weth: string;
  let venue: Awaited<ReturnType<typeof deploySimulatedPerpVenueWith>>;

  before(async function () {
    chain = await inProcessChain();
    const { ethers } = chain.connection;
    const usdcToken = await ethers.deployContract("TestERC20", ["USD Coin (test)", "USDC", 6]);
    const wethToken = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
    [usdc, weth] = [await usdcToken.getAddress(), await wethToken.getAddress()];
    // The venue lists its ETH market under WETH's address, so the perp short books into WETH's net delta.
    const listing = { fundingIntervalSeconds: 8 * HOUR, takerFeeBps: 5, initialMarginBps: 1_000, maintenanceMarginBps: 500, liquidationPenaltyBps: 250, maxPriceAgeSeconds: 30 * 86_400 };
    venue = await deploySimulatedPerpVenueWith(ethers, usdcToken, [{ market: weth, markPriceWad: 2_000n * WAD, ...listing }], 10_000_000n * ONE_USDC);
  });

  after(async function () {
    await chain?.close();
  });

  function config(risk: Risk): VaultConfigInput {
    const markets: VaultConfigInput["markets"] = [
      { id: 1, name: "parking", kind: "erc4626", substrates: [{ deployTest: true }], capBps: 5_000 },
      { id: 2, name: "perp", kind: "perp-sim", substrates: [weth], capBps: 3_000, maxLeverage: 3, params: { venue: venue.target as string } },
    ];
    return baseConfig(markets, {
      name: "risk-limits",
      asset: usdc,
      oracle: {
        feeds: [
          { asset: "vault-asset", feed: { deployTest: { decimals: 8, answer: "1" } }, maxStalenessSeconds: 30 * 86_400 },
          { asset: weth, feed: { deployTest: { decimals: 8, answer: "2000" } }, maxStalenessSeconds: 30 * 86_400 },
        ],
      },
      timelocks: { atomistSeconds: HOUR, fuseManagerSeconds: HOUR },
      risk,
    });
  }
  const initial: Risk = { maxBatchLossBps: 50, navRateBounds: { perUpdateBps: 100, annualRateBps: 2_000 } };
  const withBand = (risk: Risk, bandBps: number): Risk => ({ ...risk, netDeltaBands: [{ asset: weth, bandBps }] });
  const vault = async () => chain.connection.ethers.getContractAt("IFuseboxVault", (await chain.deploy(config(withBand(initial, 3_000)), "plan")).plan.addresses.vault);
  const riskSteps = (steps: PlanStep[]): PlanStep[] => steps.filter((s) => ["exposure", "net-delta", "batch-loss", "nav-bounds"].includes(s.kind));
  const sent = (steps: PlanStep[]): PlanStep[] => riskSteps(steps).filter((s) => s.state !== "present");

  it("a fresh vault gets them all; the rerun of a converged config sends 0 transactions", async function () {
    const first = await chain.deploy(config(withBand(initial, 3_000)));
    expect(sent(first.plan.steps).map((s) => `${s.key.replace(weth.toLowerCase(), "WETH")} ${s.call?.method ?? ""}`)).to.deep.equal([
      "market:2:exposure setExposureReporting", // perp-sim reports by default once a band exists; erc4626 cannot
      "net-delta:WETH setNetDeltaBand",
      "batch-loss lowerMaxBatchLoss", // a first budget lowers risk: the guardian's
      "nav-bounds setNavRateBounds",
    ]);
    const v = await vault();
    expect((await v.marketExposure(2n, ZeroAddress))[1]).to.equal(true);
    expect((await v.marketExposure(1n, ZeroAddress))[1]).to.equal(false);
    expect(await v.getBandAssets()).to.deep.equal([weth]);
    expect((await v.netDelta(weth))[1]).to.equal(3_000n);
    expect(await v.maxBatchLossBps()).to.equal(50n);
    const bounds = await v.navRateBounds();
    expect([bounds.perUpdateBps, bounds.annualRateBps]).to.deep.equal([100n, 2_000n]);

    const again = await chain.deploy(config(withBand(initial, 3_000)));
    expect(again.transactions).to.equal(0);
    expect(riskSteps(again.plan.steps).map((s) => s.state)).to.deep.equal(["present", "present", "present", "present"]);
  });

  it("a narrower band and a lower loss budget go by the guardian at once; a wider band and new bounds wait for the timelock", async function () {
    const lowered: Risk = { ...withBand(initial, 1_000), maxBatchLossBps: 20 };
    const plan = await chain.deploy(config(lowered), "plan");
    expect(sent(plan.plan.steps).map((s) => [s.call?.method, s.role, s.state, s.sender])).to.deep.equal([
      ["lowerNetDeltaBand", "GUARDIAN", "change", GUARDIAN],
      ["lowerMaxBatchLoss", "GUARDIAN", "change", GUARDIAN],
    ]);
    const applied = await chain.deploy(config(lowered));
    expect(applied.transactions).to.equal(2);
    const v = await vault();
    expect((await v.netDelta(weth))[1]).to.equal(1_000n);
    expect(await v.maxBatchLossBps()).to.equal(20n);
    expect((await chain.deploy(config(lowered))).transactions).to.equal(0);

    // Wider band, no budget, other bounds: the atomist's, scheduled; nothing changes before the delay.
    const raised: Risk = { netDeltaBands: [{ asset: weth, bandBps: 2_000 }], navRateBounds: { perUpdateBps: 200, annualRateBps: 0 } };
    const scheduled = await chain.deploy(config(raised));
    expect(sent(scheduled.plan.steps).map((s) => [s.call?.method, s.role, s.state])).to.deep.equal([
      ["setNetDeltaBand", "ATOMIST", "schedule"],
      ["setMaxBatchLoss", "ATOMIST", "schedule"],
      ["setNavRateBounds", "ATOMIST", "schedule"],
    ]);
    expect(scheduled.transactions).to.equal(3);
    expect((await v.netDelta(weth))[1]).to.equal(1_000n);
    expect((await chain.deploy(config(raised))).transactions).to.equal(0); // pending, not due: nothing sent
    await chain.connection.networkHelpers.time.increase(HOUR + 1);
    const executed = await chain.deploy(config(raised));
    expect(sent(executed.plan.steps).map((s) => s.state)).to.deep.equal(["due", "due", "due"]);
    expect(executed.transactions).to.equal(3);
    expect((await v.netDelta(weth))[1]).to.equal(2_000n);
    expect(await v.maxBatchLossBps()).to.equal(0n);
    const bounds = await v.navRateBounds();
    expect([bounds.perUpdateBps, bounds.annualRateBps]).to.deep.equal([200n, 0n]);
    expect((await chain.deploy(config(raised))).transactions).to.equal(0);
  });

  it("status prints each banded asset's net delta in its units and % of NAV vs the band, the bounds and a stop by a bound", async function () {
    const { ethers } = chain.connection;
    const signers = await ethers.getSigners();
    const [alpha, depositor] = [signers[2]!, signers[5]!];
    const v = await vault();
    const token = await ethers.getContractAt("TestERC20", usdc);
    await (await token.mint(depositor.address, 100_000n * ONE_USDC)).wait();
    await (await token.connect(depositor).approve(await v.getAddress(), 100_000n * ONE_USDC)).wait();
    await (await v.connect(depositor).deposit(100_000n * ONE_USDC, depositor.address)).wait();
    const record = (await chain.deploy(config({ netDeltaBands: [{ asset: weth, bandBps: 2_000 }], navRateBounds: { perUpdateBps: 200, annualRateBps: 0 } }), "plan")).record;
    const fuse = await ethers.getContractAt("SimulatedPerpFuse", record.markets.find((m) => m.id === 2)!.fuses["SimulatedPerpFuse"]!);
    const margin = fuse.interface.encodeFunctionData("depositMargin", [10_000n * ONE_USDC]);
    const short = fuse.interface.encodeFunctionData("increasePosition", [weth, false, 15_000n * WAD, 0n]);
    // 10,000 USDC margin, a 15,000 USDC short of WETH at 2,000: 7.5 WETH short, 15 % of NAV, inside the 20 % band.
    await (await v.connect(alpha).execute([{ fuse: fuse.target as string, data: margin }, { fuse: fuse.target as string, data: short }])).wait();
    expect((await vaultStatus(chain.ctx, chain.records, "risk-limits")).lines.join("\n")).to.match(/NAV-rate bounds: .* no baseline yet \(the next full refresh sets it\)/);
    await (await v.connect(alpha).refreshAllMarketBalances()).wait(); // the first full refresh: the baseline
    const total = await v.totalAssets();
    expect((await v.netDelta(weth))[0]).to.equal(-7_500_000_000_000_000_000n);

    const status = await vaultStatus(chain.ctx, chain.records, "risk-limits");
    const text = status.lines.join("\n");
    const band = (total * 2_000n) / 10_000n;
    expect(text).to.include(`  WETH ${weth}: -7.5 WETH (-7500000000000000000) = -15,000 USDC (-15000000000) (-15.00% of NAV) vs band 2000 bps of NAV = ${formatAmount(band, { decimals: 6, symbol: "USDC" })}  OK`);
    expect(status.data.risk?.netDelta).to.deep.equal([{ asset: weth, symbol: "WETH", decimals: 18, netDelta: "-7500000000000000000", bandBps: 2_000, value: "-15000000000", band: band.toString(), ok: true }]);
    expect(text).to.match(/batch loss budget: none/);
    expect(text).to.match(/NAV-rate bounds: ±\(200 bps \+ 0 bps\/year\) per refresh; price per share .* vs baseline .* window ±200 bps  within/);
    expect(status.breaches).to.deep.equal([]);

    // The guardian narrows the band to 10 %: the held delta (15 %) is now beyond it, shown as a breach.
    expect((await chain.deploy(config({ netDeltaBands: [{ asset: weth, bandBps: 1_000 }], navRateBounds: { perUpdateBps: 200, annualRateBps: 0 } }))).transactions).to.equal(1);
    const narrowed = await vaultStatus(chain.ctx, chain.records, "risk-limits");
    expect(narrowed.breaches).to.deep.equal([`net delta of WETH ${weth}: -15,000 USDC (-15000000000) (15.00% of NAV) beyond its band 1000 bps = ${formatAmount((total * 1_000n) / 10_000n, { decimals: 6, symbol: "USDC" })}`]);

    // The short loses 3,000 USDC (3 % of NAV, past the 2 % bound) and a full refresh records it: the vault stops.
    await (await venue.setMarkPrice(weth, 2_400n * WAD)).wait();
    await (await v.connect(alpha).refreshAllMarketBalances()).wait();
    expect(await v.paused()).to.equal(true);
    const stopped = await vaultStatus(chain.ctx, chain.records, "risk-limits");
    expect(stopped.lines.join("\n")).to.match(/NAV-rate bounds: .*\(-3\.0\d%\) set \d+s ago, window ±200 bps  STOPPED BY THE BOUND: deposits stop and batches are reduce-only until the atomist acknowledges/);
    expect(stopped.data.risk?.navRateBounds).to.include({ pausedByBound: true, withinBound: false, allowedBps: 200 });
    expect(stopped.breaches).to.include("NAV-rate bound breached: the vault is paused until the atomist acknowledges the move (acknowledgeNavMove)");
  });

  it("acknowledge-nav schedules the atomist's acknowledgement, executes it once due, then has nothing to do", async function () {
    const { ethers, networkHelpers } = chain.connection;
    const v = await vault();
    const outsider = (await ethers.getSigners())[9]!.address;
    await expect(acknowledgeNav(chain.ctx, chain.records, "risk-limits", outsider)).to.be.rejectedWith(new RegExp(`${outsider} is not an account of network "hardhat" holding ATOMIST; the atomist calls .* with data 0x`));
    const before = (await v.navRateBounds()).lastPpsWad;
    const scheduled = await acknowledgeNav(chain.ctx, chain.records, "risk-limits");
    expect(scheduled).to.include({ outcome: "scheduled", sender: ATOMIST });
    expect(await v.paused()).to.equal(true);
    const block = await ethers.provider.getBlockNumber();
    expect((await acknowledgeNav(chain.ctx, chain.records, "risk-limits")).outcome).to.equal("pending");
    expect(await ethers.provider.getBlockNumber()).to.equal(block); // nothing sent
    await networkHelpers.time.increase(HOUR + 1);
    const executed = await acknowledgeNav(chain.ctx, chain.records, "risk-limits");
    expect(executed.outcome).to.equal("executed");
    expect(await v.paused()).to.equal(false);
    const bounds = await v.navRateBounds();
    expect(bounds.pausedByBound).to.equal(false);
    expect(bounds.lastPpsWad < before).to.equal(true); // the baseline moved down to the acknowledged price
    expect((await vaultStatus(chain.ctx, chain.records, "risk-limits")).data.risk?.navRateBounds.withinBound).to.equal(true);
    expect((await acknowledgeNav(chain.ctx, chain.records, "risk-limits")).lines).to.deep.equal(["nothing to acknowledge: its NAV-rate bound has not stopped it (nothing sent)"]);
  });

  it("queue lists the redeem requests per controller: pending shares, age vs the maximum wait, overdue, claimable", async function () {
    const { ethers, networkHelpers } = chain.connection;
    const signers = await ethers.getSigners();
    const [alpha, first, second] = [signers[2]!, signers[5]!, signers[6]!];
    const v = await vault();
    const token = await ethers.getContractAt("TestERC20", usdc);
    await (await token.mint(second.address, 10_000n * ONE_USDC)).wait();
    await (await token.connect(second).approve(await v.getAddress(), 10_000n * ONE_USDC)).wait();
    await (await v.connect(second).deposit(10_000n * ONE_USDC, second.address)).wait();
    const firstShares = (await v.balanceOf(first.address)) / 4n;
    const secondShares = await v.balanceOf(second.address);
    await (await v.connect(first).requestRedeem(firstShares, first.address, first.address)).wait();
    await networkHelpers.time.increase(4 * 86_400); // past the default maximum wait of 3 days
    await (await v.connect(second).requestRedeem(secondShares, second.address, second.address)).wait();

    const open = await redeemQueueListing(chain.ctx, chain.records, "risk-limits");
    expect(open.data.pendingShares).to.equal((firstShares + secondShares).toString());
    expect(open.data.unaccountedShares).to.equal("0");
    expect(open.data.entries.map((e) => [e.controller, e.pendingShares, e.overdue])).to.deep.equal([
      [first.address, firstShares.toString(), true],
      [second.address, secondShares.toString(), false],
    ]);
    expect(open.data.entries[0]!.ageSeconds).to.be.greaterThan(4 * 86_400 - 1);
    expect(open.lines.join("\n")).to.match(new RegExp(`${first.address}: pending ${firstShares} shares .*, waiting \\d+s of 259200s  OVERDUE`));

    await (await v.connect(alpha).settleRedeemRequests([first.address, second.address])).wait();
    const settled = await redeemQueueListing(chain.ctx, chain.records, "risk-limits");
    expect(settled.data.pendingShares).to.equal("0");
    for (const [i, shares] of [firstShares, secondShares].entries()) {
      const entry = settled.data.entries[i]!;
      expect([entry.pendingShares, entry.claimableShares]).to.deep.equal(["0", shares.toString()]);
      // Settled at the NAV they were worth while pending (no fee, nothing moved), to the base unit.
      const worth = BigInt(open.data.entries[i]!.pendingAssets);
      const claim = BigInt(entry.claimableAssets);
      expect(claim <= worth && worth - claim <= 1n, `${claim} vs ${worth}`).to.equal(true);
    }
    await (await v.connect(first).redeem(firstShares, first.address, first.address)).wait();
    const claimed = await redeemQueueListing(chain.ctx, chain.records, "risk-limits");
    expect(claimed.data.entries.map((e) => e.controller)).to.deep.equal([second.address]);
  });

  it("queue --settle-overdue: nothing before the maximum wait; past it anyone settles from what is liquid", async function () {
    const { ethers, networkHelpers } = chain.connection;
    const signers = await ethers.getSigners();
    const [holder, stranger] = [signers[10]!, signers[9]!]; // a holder with no earlier request
    const v = await vault();
    const token = await ethers.getContractAt("TestERC20", usdc);
    await (await token.mint(holder.address, 5_000n * ONE_USDC)).wait();
    await (await token.connect(holder).approve(await v.getAddress(), 5_000n * ONE_USDC)).wait();
    await (await v.connect(holder).deposit(5_000n * ONE_USDC, holder.address)).wait();
    const shares = await v.balanceOf(holder.address);
    await (await v.connect(holder).requestRedeem(shares, holder.address, holder.address)).wait();
    const worth = await v.convertToAssets(shares);
    const early = await settleOverdue(chain.ctx, chain.records, "risk-limits", stranger.address);
    expect(early.outcome).to.equal("not-needed");
    expect(early.lines[0]).to.match(/nothing to settle: no request has waited past the maximum wait of 259200s \(nothing sent/);
    expect(await v.pendingRedeemRequest(0, holder.address)).to.equal(shares);

    await networkHelpers.time.increase(3 * 86_400 + 1);
    const settled = await settleOverdue(chain.ctx, chain.records, "risk-limits", stranger.address);
    expect(settled.outcome).to.equal("sent");
    expect(settled.sender).to.equal(stranger.address);
    expect(settled.controllers).to.include(holder.address);
    expect(await v.pendingRedeemRequest(0, holder.address)).to.equal(0n);
    expect(await v.claimableRedeemRequest(0, holder.address)).to.equal(shares);
    const claim = await v.claimableRedeemAssets(holder.address);
    expect(claim <= worth && worth - claim <= 1n, `${claim} vs ${worth}`).to.equal(true);
    expect(settled.lines.join("\n")).to.contain("every pending share is now claimable");
    expect((await settleOverdue(chain.ctx, chain.records, "risk-limits", stranger.address)).outcome, "nothing left to settle").to.equal("not-needed");
  });

  it("refuses a bad risk config with a clear message and sends nothing", async function () {
    const bad = config({ netDeltaBands: [{ asset: weth, bandBps: 20_000 }], navRateBounds: { perUpdateBps: 0, annualRateBps: 0 } });
    bad.markets[0] = { ...bad.markets[0]!, reportsExposure: true };
    const file = join(chain.records, "bad-risk.json");
    await writeFile(file, JSON.stringify(bad));
    const block = await chain.connection.ethers.provider.getBlockNumber();
    await expect(chain.deploy(bad)).to.be.rejectedWith(/markets\[0\]\.reportsExposure: true "erc4626" balance fuses do not report exposures/);
    const err: string[] = [];
    const code = await main(["deploy", "--config", file, "--no-build"], { out: () => undefined, err: (l) => err.push(l) });
    expect(code).to.equal(1);
    expect(err.join("\n")).to.match(/risk\.netDeltaBands\[0\]\.bandBps: 20000 must be <= 10000/)
      .and.match(/risk\.navRateBounds: bounds nothing \(both 0\)/)
      .and.match(/markets\[0\]\.reportsExposure: true "erc4626" balance fuses do not report exposures/);
    expect(await chain.connection.ethers.provider.getBlockNumber()).to.equal(block);
  });
});
