import type { NetworkConnection } from "hardhat/types/network";
import { expect } from "chai";
import type { Interface } from "ethers";
import { network } from "hardhat";
import {
  GasLog,
  SIM_ETH_PRICE,
  SIM_MAX_PRICE_AGE,
  addSimulatedPerpMarket,
  deploySimulatedPerpVenue,
} from "../fixtures/simulatedPerp.js";
import { ONE_USDC, WAD, addressSubstrate, deployVaultStack, leverageWadUp } from "../fixtures/vault.js";
import { deployHarness, keys } from "./harness.js";

const MARKET = 1n;
const Q = (usd: bigint): bigint => usd * WAD; // quote notional, 18 decimals

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
let connection: NetworkConnection;
let ethers: NetworkConnection["ethers"];
let networkHelpers: NetworkConnection["networkHelpers"];

describe("Simulated perp venue fuses (SimulatedPerpFuse / SimulatedPerpBalanceFuse)", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers } = connection);
  });

  const gas = new GasLog("SimulatedPerpFuse");

  async function fixture() {
    const stack = await deployVaultStack(connection);
    const { venue, ethMarket, otherMarket } = await deploySimulatedPerpVenue(ethers, stack.usdc);
    const perp = await addSimulatedPerpMarket(stack, MARKET, await venue.getAddress(), [ethMarket]);
    const [alice] = stack.depositors;
    if (alice === undefined) throw new Error("no depositor");
    await (await stack.vault.connect(alice).deposit(10_000n * ONE_USDC, alice.address)).wait();
    return { stack, venue, ethMarket, otherMarket, perp, alice };
  }

  after(() => gas.print());

  async function setup() {
    const f = await networkHelpers.loadFixture(fixture);
    const fuse = await f.perp.fuse.getAddress();
    const vaultAddress = await f.stack.vault.getAddress();
    const iface: Interface = f.perp.fuse.interface;
    const act = (fn: string, args: unknown[]) => ({ fuse, data: iface.encodeFunctionData(fn, args) });
    const execute = (actions: { fuse: string; data: string }[]) => f.stack.vault.connect(f.stack.alpha).execute(actions);
    const market = async () => f.stack.vault.getMarket(MARKET);
    return { ...f, fuse, vaultAddress, act, execute, market };
  }

  it("runs the whole life of a short through vault.execute; the balance fuse matches the venue", async function () {
    const { stack, venue, ethMarket, perp, vaultAddress, act, execute, market } = await setup();
    const { vault, usdc } = stack;

    await gas.record("depositMargin", execute([act("depositMargin", [3_000n * ONE_USDC])]));
    // 6,000 notional short at 2,000: sells 3 ETH; bound: sell at most 3 ETH.
    await gas.record("increasePosition (open short)", execute([act("increasePosition", [ethMarket, false, Q(6_000n), 3n * WAD])]));
    expect(await venue.positionSize(vaultAddress, ethMarket)).to.equal(-3n * WAD);
    // fee 5 bps of 6,000 = 3 USDC
    expect(await venue.getAccountValue(vaultAddress)).to.equal(2_997n * ONE_USDC);
    expect((await market()).balance).to.equal(2_997n * ONE_USDC);
    expect((await market()).grossNotional).to.equal(6_000n * ONE_USDC);
    await gas.record("increasePosition (add to short)", execute([act("increasePosition", [ethMarket, false, Q(200n), 0n])]));

    // Funding: +0.01% for one 8h interval, longs pay shorts: the short earns 3.1 × 2,000 × 0.0001 = 0.62 USDC.
    const valueBefore = await venue.getAccountValue(vaultAddress);
    await (await venue.applyFunding(ethMarket, 10n ** 14n)).wait();
    expect((await venue.getAccountValue(vaultAddress)) - valueBefore).to.equal(620_000n);
    // Price falls 5%: the short gains 3.1 × 100 = 310 USDC.
    await (await venue.setMarkPrice(ethMarket, 1_900n * WAD)).wait();
    expect((await venue.getAccountValue(vaultAddress)) - valueBefore).to.equal(310_620_000n);
    await (await vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    expect((await market()).balance).to.equal(await venue.getAccountValue(vaultAddress));
    expect((await market()).grossNotional).to.equal(3_100n * 1_900n * ONE_USDC / 1_000n);

    // Reduce by 1.1 ETH: buys at 1,900 = 2,090 quote; bound: pay at most 2,100.
    await gas.record("reducePosition", execute([act("reducePosition", [ethMarket, 11n * WAD / 10n, Q(2_100n)])]));
    expect(await venue.positionSize(vaultAddress, ethMarket)).to.equal(-2n * WAD);
    // Closing the 2 ETH short costs 3,800 quote: a bound of 3,000 refuses it.
    await expect(execute([act("closePosition", [ethMarket, Q(3_000n)])]))
      .to.be.revertedWithCustomError(perp.fuse, "PerpSlippageExceeded")
      .withArgs(ethMarket, Q(3_000n), Q(3_800n));
    await gas.record("closePosition", execute([act("closePosition", [ethMarket, Q(3_800n)])]));
    expect(await venue.positionSize(vaultAddress, ethMarket)).to.equal(0n);
    expect((await market()).grossNotional).to.equal(0n);

    const margin = await venue.freeCollateral(vaultAddress);
    expect(margin).to.equal(await venue.getAccountValue(vaultAddress));
    await gas.record("withdrawMargin", execute([act("withdrawMargin", [margin])]));
    expect((await market()).balance).to.equal(0n);
    // Margin, funding and PnL, less the fees, are all back in idle; the short made money.
    expect(await usdc.balanceOf(vaultAddress)).to.equal(10_000n * ONE_USDC - 3_000n * ONE_USDC + margin);
    expect(await vault.totalAssets()).to.equal(await usdc.balanceOf(vaultAddress));
    expect(margin).to.be.greaterThan(3_300n * ONE_USDC);
  });

  it("refuses a market that is not a substrate (SubstrateNotAllowed)", async function () {
    const { otherMarket, perp, act, execute } = await setup();
    await execute([act("depositMargin", [1_000n * ONE_USDC])]);
    await expect(execute([act("increasePosition", [otherMarket, false, Q(1_000n), 0n])]))
      .to.be.revertedWithCustomError(perp.fuse, "SubstrateNotAllowed")
      .withArgs(MARKET, addressSubstrate(ethers, otherMarket));
  });

  it("the market cap refuses a risk-raising batch and allows a reducing one", async function () {
    const { stack, act, execute, market } = await setup();
    await execute([act("depositMargin", [2_500n * ONE_USDC])]);
    await (await stack.vault.connect(stack.guardian).lowerMarketLimits(MARKET, 2_000, 0n, 3n * WAD)).wait();
    await expect(execute([act("depositMargin", [100n * ONE_USDC])]))
      .to.be.revertedWithCustomError(stack.vault, "MarketCapExceeded")
      .withArgs(MARKET, 2_000n * ONE_USDC, 2_600n * ONE_USDC);
    await execute([act("withdrawMargin", [200n * ONE_USDC])]); // still above the cap, but lower: allowed
    expect((await market()).balance).to.equal(2_300n * ONE_USDC);
  });

  it("refuses opening at 4x against a 3x limit with LeverageLimitExceeded(market, limit, attempted)", async function () {
    const { stack, ethMarket, act, execute } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC])]);
    const equity = 2_000n * ONE_USDC - 4n * ONE_USDC; // the 5 bps fee on 8,000
    await expect(execute([act("increasePosition", [ethMarket, false, Q(8_000n), 0n])]))
      .to.be.revertedWithCustomError(stack.vault, "LeverageLimitExceeded")
      .withArgs(MARKET, 3n * WAD, leverageWadUp(8_000n * ONE_USDC, equity));
  });

  it("allows reducing from a breached 4x after a price move, and refuses adding to it", async function () {
    const { stack, venue, ethMarket, act, execute, market } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [ethMarket, false, Q(5_800n), 0n])]);
    await (await venue.setMarkPrice(ethMarket, 2_140n * WAD)).wait(); // the short loses 406
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    const breached = leverageWadUp((await market()).grossNotional, (await market()).balance);
    expect(breached).to.be.greaterThan(3n * WAD);
    await expect(execute([act("increasePosition", [ethMarket, false, Q(100n), 0n])])).to.be.revertedWithCustomError(
      stack.vault,
      "LeverageLimitExceeded",
    );
    await execute([act("reducePosition", [ethMarket, WAD / 2n, 0n])]);
    const after = leverageWadUp((await market()).grossNotional, (await market()).balance);
    expect(after).to.be.lessThan(breached);
    expect(after).to.be.greaterThan(3n * WAD); // still breached, yet de-risking went through
  });

  it("refuses a batch that takes idle below the buffer", async function () {
    const { stack, act, execute } = await setup();
    await expect(execute([act("depositMargin", [9_500n * ONE_USDC])]))
      .to.be.revertedWithCustomError(stack.vault, "IdleBufferBreached")
      .withArgs(1_000n * ONE_USDC, 500n * ONE_USDC);
  });

  it("serves a redemption by instant withdrawal of margin above the leverage limit", async function () {
    const { stack, venue, ethMarket, fuse, alice, vaultAddress, act, execute, market } = await setup();
    const { vault, usdc, atomist } = stack;
    await (await vault.connect(atomist).setInstantWithdrawFuses([fuse])).wait();
    await execute([act("depositMargin", [9_000n * ONE_USDC]), act("increasePosition", [ethMarket, false, Q(15_000n), 0n])]);
    // equity 8,992.5; notional 15,000; at 3x the market must keep 5,000: 3,992.5 may leave.
    const before = await usdc.balanceOf(alice.address);
    await gas.record(
      "redeem through instantWithdraw",
      vault.connect(alice).withdraw(4_500n * ONE_USDC, alice.address, alice.address),
    );
    expect((await usdc.balanceOf(alice.address)) - before).to.equal(4_500n * ONE_USDC);
    expect(await venue.getAccountValue(vaultAddress)).to.equal(8_992_500_000n - 3_500n * ONE_USDC);
    // More than idle + withdrawable margin cannot be served instantly.
    await expect(vault.connect(alice).withdraw(3_000n * ONE_USDC, alice.address, alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity");
    const m = await market();
    expect(leverageWadUp(m.grossNotional, m.balance)).to.be.lessThanOrEqual(3n * WAD);
  });

  it("reflects a liquidation by a third party at maintenance margin", async function () {
    const { stack, venue, ethMarket, vaultAddress, act, execute, market } = await setup();
    const [, , , , , , , , , liquidator] = await ethers.getSigners();
    if (liquidator === undefined) throw new Error("no signer");
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [ethMarket, false, Q(5_800n), 0n])]);
    await expect(venue.connect(liquidator).liquidate(vaultAddress)).to.be.revertedWithCustomError(venue, "NotLiquidatable");
    await (await venue.setMarkPrice(ethMarket, 2_600n * WAD)).wait(); // 2.9 ETH short loses 1,740
    expect(await venue.isLiquidatable(vaultAddress)).to.equal(true);
    const valueBefore = await venue.getAccountValue(vaultAddress);
    const penalty = (29n * 2_600n * ONE_USDC / 10n) * 250n / 10_000n; // 2.5% of the closed notional
    await gas.record("venue.liquidate (third party)", venue.connect(liquidator).liquidate(vaultAddress));
    expect(await stack.usdc.balanceOf(liquidator.address)).to.equal(penalty);
    expect(await venue.positionSize(vaultAddress, ethMarket)).to.equal(0n);
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    expect((await market()).balance).to.equal(valueBefore - penalty);
    expect((await market()).grossNotional).to.equal(0n);
  });

  it("makes valuation revert when the mark price is stale", async function () {
    const { stack, venue, ethMarket, act, execute } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [ethMarket, true, Q(2_000n), 0n])]);
    await networkHelpers.time.increase(SIM_MAX_PRICE_AGE + 1);
    await expect(stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).to.be.revertedWithCustomError(venue, "StaleMarkPrice");
    await (await venue.setMarkPrice(ethMarket, SIM_ETH_PRICE)).wait();
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
  });

  it("venue: a long pays positive funding, a flip realises PnL on the closed side", async function () {
    const { venue, ethMarket, usdc, trader } = await (async () => {
      const f = await setup();
      const [, , , , , , , , , , trader] = await ethers.getSigners();
      if (trader === undefined) throw new Error("no signer");
      await (await f.stack.usdc.mint(trader.address, 1_000n * ONE_USDC)).wait();
      await (await f.stack.usdc.connect(trader).approve(await f.venue.getAddress(), ethers.MaxUint256)).wait();
      return { venue: f.venue, ethMarket: f.ethMarket, usdc: f.stack.usdc, trader };
    })();
    await (await venue.connect(trader).deposit(1_000n * ONE_USDC)).wait();
    await (await venue.connect(trader).trade(ethMarket, WAD)).wait(); // long 1 at 2,000, fee 1
    await (await venue.applyFunding(ethMarket, 10n ** 15n)).wait(); // 0.1%: the long pays 2
    expect(await venue.getAccountValue(trader.address)).to.equal(997n * ONE_USDC);
    await (await venue.setMarkPrice(ethMarket, 2_100n * WAD)).wait();
    await (await venue.connect(trader).trade(ethMarket, -2n * WAD)).wait(); // close +100, open short 1; fee 2.1
    expect(await venue.positionSize(trader.address, ethMarket)).to.equal(-WAD);
    expect(await venue.collateralWad(trader.address)).to.equal((1_000n - 1n - 2n + 100n) * WAD - 21n * WAD / 10n);
    expect(await venue.getAccountValue(trader.address)).to.equal(1_094_900_000n);
    expect(await usdc.balanceOf(trader.address)).to.equal(0n);
  });

  describe("keys, instantWithdrawable and the base fuse's errors", function () {
    it("both fuses key the market by the venue account", async function () {
      const { stack, venue, perp } = await setup();
      const h = await deployHarness(ethers, stack.usdc.target as string, stack.oracle.target as string);
      for (const fuse of [perp.fuse, perp.balanceFuse]) {
        expect((await h.probe(fuse, "valuationKeys"))[0]).to.deep.equal([keys.account(await venue.getAddress())]);
      }
    });

    it("instantWithdrawable is the margin above the leverage limit, and instantWithdraw brings exactly that", async function () {
      const { stack, ethMarket, perp, alice } = await setup();
      const h = await deployHarness(ethers, stack.usdc.target as string, stack.oracle.target as string);
      await h.grant(MARKET, [ethMarket]);
      await (await h.harness.setMaxLeverage(MARKET, 3n * WAD)).wait();
      await (await stack.usdc.connect(alice).transfer(h.address, 10_000n * ONE_USDC)).wait();
      expect((await h.probe(perp.fuse, "instantWithdrawable"))[0]).to.equal(0n); // no account yet
      await h.run(perp.fuse, "depositMargin", [9_000n * ONE_USDC]);
      expect((await h.probe(perp.fuse, "instantWithdrawable"))[0]).to.equal(9_000n * ONE_USDC); // no position: all
      await h.run(perp.fuse, "increasePosition", [ethMarket, false, Q(15_000n), 0n]);
      // equity 9,000 − 7.5 fee = 8,992.5; at 3x the market keeps 15,000 / 3 = 5,000: 3,992.5 may leave.
      const { promised, brought } = await h.measureInstantWithdraw(perp.fuse, 10_000n * ONE_USDC);
      expect(promised).to.equal(3_992_500_000n);
      expect(brought).to.equal(promised);
      const v = await h.valuation(perp.balanceFuse);
      expect(v).to.deep.equal({ equity: 5_000n * ONE_USDC, grossNotional: 15_000n * ONE_USDC, debt: 0n });
      // A market allowed no notional (limit 0) keeps all of its margin.
      await (await h.harness.setMaxLeverage(MARKET, 0n)).wait();
      expect((await h.probe(perp.fuse, "instantWithdrawable"))[0]).to.equal(0n);
    });

    it("promises and withdraws nothing when the venue settles in another token than the vault's asset", async function () {
      const { stack, ethMarket, perp, alice } = await setup();
      const other = await ethers.deployContract("TestERC20", ["Other asset (test)", "OTH", 6]);
      const h = await deployHarness(ethers, await other.getAddress(), stack.oracle.target as string);
      await h.grant(MARKET, [ethMarket]);
      await (await stack.usdc.connect(alice).transfer(h.address, 1_000n * ONE_USDC)).wait();
      await h.run(perp.fuse, "depositMargin", [1_000n * ONE_USDC]); // USDC margin; the "vault" counts OTH
      const { promised, brought } = await h.measureInstantWithdraw(perp.fuse, 1_000n * ONE_USDC);
      expect([promised, brought]).to.deep.equal([0n, 0n]);
      expect(await stack.usdc.balanceOf(h.address)).to.equal(0n); // margin stayed at the venue
      // Valued in the vault's asset through the oracle: 1,000 USDC at $1 = 2,000 OTH at $0.50.
      const feed = await ethers.deployContract("TestPriceFeed", [8, 50_000_000n]);
      await (await stack.oracle.connect(stack.atomist).setFeed(await other.getAddress(), await feed.getAddress(), 3600)).wait();
      await h.run(perp.fuse, "increasePosition", [ethMarket, false, Q(1_000n), 0n]); // fee 0.5 USDC
      expect(await h.valuation(perp.balanceFuse)).to.deep.equal({ equity: 1_999n * ONE_USDC, grossNotional: 2_000n * ONE_USDC + 1n, debt: 0n });
    });

    it("ZeroAmount, PerpNoPosition, PerpReduceExceedsPosition", async function () {
      const { ethMarket, perp, act, execute } = await setup();
      for (const [fn, args] of [
        ["depositMargin", [0n]],
        ["withdrawMargin", [0n]],
        ["increasePosition", [ethMarket, true, 0n, 0n]],
        ["reducePosition", [ethMarket, 0n, 0n]],
      ] as const) {
        await expect(execute([act(fn, [...args])])).to.be.revertedWithCustomError(perp.fuse, "ZeroAmount");
      }
      await expect(execute([act("reducePosition", [ethMarket, WAD, 0n])]))
        .to.be.revertedWithCustomError(perp.fuse, "PerpNoPosition")
        .withArgs(ethMarket);
      await expect(execute([act("closePosition", [ethMarket, 0n])]))
        .to.be.revertedWithCustomError(perp.fuse, "PerpNoPosition")
        .withArgs(ethMarket);
      await (await execute([act("depositMargin", [3_000n * ONE_USDC]), act("increasePosition", [ethMarket, false, Q(4_000n), 0n])])).wait();
      await expect(execute([act("reducePosition", [ethMarket, 3n * WAD, 0n])]))
        .to.be.revertedWithCustomError(perp.fuse, "PerpReduceExceedsPosition")
        .withArgs(ethMarket, 2n * WAD, 3n * WAD);
      // A long's bound is the least base to receive: 4,000 buys 2 ETH at 2,000, so asking for 2.1 is refused.
      await expect(execute([act("increasePosition", [ethMarket, true, Q(4_000n), (21n * WAD) / 10n])]))
        .to.be.revertedWithCustomError(perp.fuse, "PerpSlippageExceeded")
        .withArgs(ethMarket, (21n * WAD) / 10n, 2n * WAD);
    });
  });
});
