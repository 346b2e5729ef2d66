import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import type { ContractTransactionResponse } from "ethers";
import { ONE_USDC, addressSubstrate, deployVaultStack, marketParams, type VaultStack } from "../fixtures/vault.js";
import { FEE_MEDIUM, createPoolWithLiquidity, deployUniswapV3, swapExactIn, type UniswapV3 } from "../fixtures/uniswapV3.js";
import { deployHarness, keys } from "./harness.js";

const SPOT = 2n;
const MAX_SLIPPAGE_BPS = 100n; // 1%
const ETH = 10n ** 18n;
const BTC = 10n ** 8n;
const gasUsed = new Map<string, bigint>();

async function recordGas(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  gasUsed.set(label, receipt.gasUsed);
}

describe("Uniswap V3 spot swap fuse + spot balance fuse", function () {
  let connection: NetworkConnection;
  before(async function () {
    connection = await network.create();
  });

  async function fixture() {
    const s = await deployVaultStack(connection);
    const { ethers, admin, atomist, fuseManager, vault, oracle, usdc } = s;
    await connection.networkHelpers.setBalance(admin.address, 100_000n * ETH);
    const uni = await deployUniswapV3(admin);
    const weth = uni.weth;
    const wbtc = await ethers.deployContract("TestERC20", ["Wrapped BTC (test)", "WBTC", 8]);
    const doge = await ethers.deployContract("TestERC20", ["Doge (test)", "DOGE", 18]);
    const [usdcAddr, wethAddr, wbtcAddr] = [await usdc.getAddress(), await weth.getAddress(), await wbtc.getAddress()];

    const wethFeed = await ethers.deployContract("TestPriceFeed", [8, 2_000n * 10n ** 8n]);
    const wbtcFeed = await ethers.deployContract("TestPriceFeed", [8, 60_000n * 10n ** 8n]);
    await (await oracle.connect(atomist).setFeed(wethAddr, await wethFeed.getAddress(), 3600)).wait();
    await (await oracle.connect(atomist).setFeed(wbtcAddr, await wbtcFeed.getAddress(), 3600)).wait();

    // Pools at the oracle prices: USDC/WETH 20M : 10k, WETH/WBTC 3k : 100.
    await (await usdc.mint(admin.address, 20_000_000n * ONE_USDC)).wait();
    await (await wbtc.mint(admin.address, 100n * BTC)).wait();
    await (await weth.getFunction("deposit")({ value: 13_000n * ETH })).wait();
    await createPoolWithLiquidity(uni, admin, usdcAddr, 20_000_000n * ONE_USDC, wethAddr, 10_000n * ETH);
    await createPoolWithLiquidity(uni, admin, wethAddr, 3_000n * ETH, wbtcAddr, 100n * BTC);

    const fuse = await ethers.deployContract("UniswapV3SwapFuse", [SPOT, await uni.router.getAddress(), MAX_SLIPPAGE_BPS, FEE_MEDIUM]);
    const balanceFuse = await ethers.deployContract("SpotBalanceFuse", [SPOT]);
    const substrates = [usdcAddr, wethAddr, wbtcAddr].map((a) => addressSubstrate(ethers, a));
    await (await vault.connect(atomist).grantSubstrates(SPOT, substrates)).wait();
    await (await vault.connect(atomist).configureMarket(SPOT, marketParams(await balanceFuse.getAddress(), { capBps: 9_000 }))).wait();
    await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
    await (await vault.connect(atomist).setInstantWithdrawFuses([await fuse.getAddress()])).wait();

    const [alice] = s.depositors;
    if (alice === undefined) throw new Error("no depositor");
    await (await vault.connect(alice).deposit(100_000n * ONE_USDC, alice.address)).wait();
    return { connection, s, uni, weth, wbtc, doge, wethFeed, wbtcFeed, fuse, balanceFuse, alice, usdcAddr, wethAddr, wbtcAddr };
  }

  let f: Awaited<ReturnType<typeof fixture>>;
  let stack: VaultStack;
  let uni: UniswapV3;
  beforeEach(async function () {
    f = await connection.networkHelpers.loadFixture(fixture);
    stack = f.s;
    uni = f.uni;
  });

  after(function () {
    console.log("      gas (vault.execute / redeem, whole tx):");
    for (const [label, gas] of gasUsed) console.log(`        ${label}: ${gas}`);
  });

  function swapSingle(tokenIn: string, tokenOut: string, amountIn: bigint) {
    return { fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("swapExactInputSingle", [tokenIn, tokenOut, FEE_MEDIUM, amountIn]) };
  }

  it("buys WETH with USDC through the real router; the balance fuse values it at the oracle", async function () {
    const { vault, alpha, oracle } = stack;
    const amountIn = 20_000n * ONE_USDC;
    const minOut = (10n * ETH * (10_000n - MAX_SLIPPAGE_BPS)) / 10_000n;
    const tx = vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, amountIn)]);
    await expect(tx).to.emit(f.fuse.attach(vault.target), "UniswapV3Swapped").withArgs(f.usdcAddr, f.wethAddr, amountIn, anyValue, minOut);
    await recordGas("UniswapV3SwapFuse.swapExactInputSingle (USDC->WETH)", tx);

    const held = await f.weth.getFunction("balanceOf")(vault.target);
    expect(held).to.be.greaterThanOrEqual(minOut);
    expect(held).to.be.lessThan(10n * ETH); // 0.3% fee + impact
    const value = await oracle.quote(f.wethAddr, held, f.usdcAddr);
    expect((await vault.getMarket(SPOT)).balance).to.equal(value);
    expect(await vault.totalAssets()).to.equal(80_000n * ONE_USDC + value);
  });

  it("swaps along a multi-hop path USDC -> WETH -> WBTC, every hop's token allowed", async function () {
    const { ethers, vault, alpha } = stack;
    const path = ethers.solidityPacked(["address", "uint24", "address", "uint24", "address"], [f.usdcAddr, FEE_MEDIUM, f.wethAddr, FEE_MEDIUM, f.wbtcAddr]);
    const data = f.fuse.interface.encodeFunctionData("swapExactInput", [path, 6_000n * ONE_USDC]);
    await recordGas("UniswapV3SwapFuse.swapExactInput (2 hops)", vault.connect(alpha).execute([{ fuse: f.fuse.target as string, data }]));
    const held = await f.wbtc.balanceOf(vault.target);
    expect(held).to.be.greaterThanOrEqual((BTC / 10n) * 9_900n / 10_000n); // 0.1 BTC less 1%
    expect(await f.weth.getFunction("balanceOf")(vault.target)).to.equal(0n); // nothing stranded mid-path
  });

  it("refuses a token the market does not allow, directly or as a hop of a path", async function () {
    const { ethers, vault, alpha } = stack;
    const doge = await f.doge.getAddress();
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, doge, 1_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(f.fuse, "SubstrateNotAllowed")
      .withArgs(SPOT, addressSubstrate(ethers, doge));
    const path = ethers.solidityPacked(["address", "uint24", "address", "uint24", "address"], [f.usdcAddr, FEE_MEDIUM, doge, FEE_MEDIUM, f.wethAddr]);
    await expect(vault.connect(alpha).execute([{ fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("swapExactInput", [path, ONE_USDC]) }]))
      .to.be.revertedWithCustomError(f.fuse, "SubstrateNotAllowed")
      .withArgs(SPOT, addressSubstrate(ethers, doge));
    await expect(vault.connect(alpha).execute([{ fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("swapExactInput", [f.usdcAddr + "000bb8", ONE_USDC]) }]))
      .to.be.revertedWithCustomError(f.fuse, "InvalidPath")
      .withArgs(23n);
  });

  it("market cap: refuses a risk-raising buy, allows a risk-reducing sale while still above the cap", async function () {
    const { vault, alpha, guardian } = stack;
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 40_000n * ONE_USDC)])).wait();
    await (await vault.connect(guardian).lowerMarketLimits(SPOT, 2_000, 0n, 0n)).wait(); // cap 20% < ~40%
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 1_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded")
      .withArgs(SPOT, anyValue, anyValue);
    const tx = vault.connect(alpha).execute([swapSingle(f.wethAddr, f.usdcAddr, 5n * ETH)]);
    await recordGas("UniswapV3SwapFuse.swapExactInputSingle (WETH->USDC)", tx);
    const market = await vault.getMarket(SPOT);
    expect(market.balance).to.be.greaterThan((await vault.totalAssets()) / 5n); // still breached, yet allowed
  });

  it("idle buffer: refuses a buy that eats the buffer, allows a sale that refills part of it", async function () {
    const { vault, alpha, atomist } = stack;
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 91_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded"); // cap 90% first
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 50_000n * ONE_USDC)])).wait();
    await (await vault.connect(atomist).setIdleBufferBps(6_000)).wait(); // now breached: idle 50% < 60%
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 1_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "IdleBufferBreached")
      .withArgs(anyValue, 49_000n * ONE_USDC);
    await (await vault.connect(alpha).execute([swapSingle(f.wethAddr, f.usdcAddr, 2n * ETH)])).wait();
    expect(await stack.usdc.balanceOf(vault.target)).to.be.lessThan(60_000n * ONE_USDC); // still below, allowed
  });

  it("serves a redemption by selling WETH back to USDC (instant withdrawal, same oracle min-out)", async function () {
    const { vault, alpha, usdc } = stack;
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 80_000n * ONE_USDC)])).wait();
    const shares = (await vault.balanceOf(f.alice.address)) / 2n;
    const expected = await vault.previewRedeem(shares);
    const before = await usdc.balanceOf(f.alice.address);
    const tx = vault.connect(f.alice).redeem(shares, f.alice.address, f.alice.address);
    await expect(tx).to.emit(vault, "InstantWithdrawal");
    await recordGas("redeem via UniswapV3SwapFuse.instantWithdraw (sells WETH)", tx);
    expect((await usdc.balanceOf(f.alice.address)) - before).to.equal(expected);
    expect(expected).to.be.greaterThan(49_000n * ONE_USDC);
  });

  it("a price crash moves the spot valuation and total assets", async function () {
    const { vault, alpha } = stack;
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 20_000n * ONE_USDC)])).wait();
    const before = (await vault.getMarket(SPOT)).balance;
    await (await f.wethFeed.setAnswer(1_000n * 10n ** 8n)).wait(); // WETH -50%
    await recordGas("vault.connect(alpha).refreshMarketBalances([spot])", vault.connect(alpha).refreshMarketBalances([SPOT]));
    const after = (await vault.getMarket(SPOT)).balance;
    expect(after).to.be.closeTo(before / 2n, 1n);
    expect(await vault.totalAssets()).to.equal(80_000n * ONE_USDC + after);
  });

  it("a stale feed makes valuation, swaps and deposits revert instead of pricing", async function () {
    const { vault, alpha, oracle, ethers } = stack;
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 20_000n * ONE_USDC)])).wait();
    const block = await ethers.provider.getBlock("latest");
    if (block === null) throw new Error("no block");
    const stale = BigInt(block.timestamp) - 7_200n;
    await (await f.wethFeed.setAnswerAt(2_000n * 10n ** 8n, stale)).wait();
    await expect(vault.connect(alpha).refreshMarketBalances([SPOT])).to.be.revertedWithCustomError(oracle, "StalePrice").withArgs(f.wethAddr, stale, 3600n);
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, ONE_USDC)])).to.be.revertedWithCustomError(oracle, "StalePrice");
    await f.connection.networkHelpers.time.increase(3_601); // the cached balance expires too
    await (await stack.usdcFeed.getFunction("setAnswer")(100_000_000n)).wait();
    await expect(vault.connect(f.alice).deposit(ONE_USDC, f.alice.address)).to.be.revertedWithCustomError(oracle, "StalePrice");
  });

  it("refuses a swap in a pool pushed away from the oracle, naming the expected minimum and the output", async function () {
    const { vault, alpha, usdc, depositors } = stack;
    const trader = depositors[3];
    if (trader === undefined) throw new Error("no trader");
    await (await usdc.mint(trader.address, 3_000_000n * ONE_USDC)).wait();
    await swapExactIn(uni, trader, f.usdcAddr, f.wethAddr, 3_000_000n * ONE_USDC); // WETH ~+30% in the pool
    const minOut = (5n * ETH * (10_000n - MAX_SLIPPAGE_BPS)) / 10_000n; // 10k USDC = 5 WETH at the oracle
    await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 10_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(f.fuse, "SlippageExceeded")
      .withArgs(f.usdcAddr, f.wethAddr, minOut, anyValue);
  });

  it("does not sell at a bad pool price to serve a redemption: the vault reports the shortfall", async function () {
    const { vault, alpha, depositors } = stack;
    await (await vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 80_000n * ONE_USDC)])).wait();
    const trader = depositors[3];
    if (trader === undefined) throw new Error("no trader");
    await (await f.weth.connect(trader).getFunction("deposit")({ value: 3_000n * ETH })).wait();
    await swapExactIn(uni, trader, f.wethAddr, f.usdcAddr, 3_000n * ETH); // WETH ~-40% in the pool
    const shares = (await vault.balanceOf(f.alice.address)) / 2n;
    await expect(vault.connect(f.alice).redeem(shares, f.alice.address, f.alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity");
    expect(await f.weth.getFunction("balanceOf")(vault.target)).to.be.greaterThan(39n * ETH); // nothing sold
  });

  describe("keys, instantWithdrawable and constructor errors (fuses called directly, FuseHarness)", function () {
    /** A harness holding 10 WETH, with the spot market's substrates (USDC, WETH, WBTC). */
    const setup = async () => {
      const { ethers, usdc, oracle, admin } = stack;
      const h = await deployHarness(ethers, f.usdcAddr, oracle.target as string);
      await h.grant(SPOT, [f.usdcAddr, f.wethAddr, f.wbtcAddr]);
      await (await f.weth.connect(admin).getFunction("deposit")({ value: 10n * ETH })).wait();
      await (await f.weth.connect(admin).getFunction("transfer")(h.address, 10n * ETH)).wait();
      return { h, usdc };
    };

    it("the swap fuse and the spot balance fuse name the same keys: every substrate's token balance but the asset's", async function () {
      const { h } = await setup();
      const expected = [keys.tokenBalance(f.wethAddr), keys.tokenBalance(f.wbtcAddr)];
      expect((await h.probe(f.fuse, "valuationKeys"))[0]).to.deep.equal(expected);
      expect((await h.probe(f.balanceFuse, "valuationKeys"))[0]).to.deep.equal(expected);
      const { equity, grossNotional, debt } = await h.valuation(f.balanceFuse);
      expect([equity, grossNotional, debt]).to.deep.equal([20_000n * ONE_USDC, 0n, 0n]);
    });

    it("instantWithdrawable promises the oracle minimum of selling everything, and instantWithdraw brings at least that", async function () {
      const { h, usdc } = await setup();
      // 10 WETH at $2,000 less 1% slippage, rounded up as the fuse's minimum is.
      const floor = (20_000n * ONE_USDC * (10_000n - MAX_SLIPPAGE_BPS) + 9_999n) / 10_000n;
      expect((await h.probe(f.fuse, "instantWithdrawable"))[0]).to.equal(floor);
      const before = await usdc.balanceOf(h.address);
      await h.run(f.fuse, "instantWithdraw", [1_000_000n * ONE_USDC]);
      expect((await usdc.balanceOf(h.address)) - before).to.be.greaterThanOrEqual(floor);
      expect(await f.weth.getFunction("balanceOf")(h.address)).to.equal(0n);
      expect((await h.probe(f.fuse, "instantWithdrawable"))[0]).to.equal(0n); // nothing left to sell
    });

    it("promises nothing for a token without a pool to the asset at the instant-withdrawal fee (WBTC here)", async function () {
      const { h } = await setup();
      await (await f.wbtc.mint(h.address, BTC)).wait();
      const floor = (20_000n * ONE_USDC * (10_000n - MAX_SLIPPAGE_BPS) + 9_999n) / 10_000n; // the 10 WETH only
      expect((await h.probe(f.fuse, "instantWithdrawable"))[0]).to.equal(floor);
    });

    it("promises nothing from a pool pushed below the minimum (the sale would be refused)", async function () {
      const { h, usdc } = await setup();
      const trader = stack.depositors[3];
      if (trader === undefined) throw new Error("no trader");
      await (await f.weth.connect(trader).getFunction("deposit")({ value: 3_000n * ETH })).wait();
      await swapExactIn(uni, trader, f.wethAddr, f.usdcAddr, 3_000n * ETH); // WETH ~-40% in the pool
      expect((await h.probe(f.fuse, "instantWithdrawable"))[0]).to.equal(0n);
      const before = await usdc.balanceOf(h.address);
      await h.run(f.fuse, "instantWithdraw", [1_000n * ONE_USDC]);
      expect(await usdc.balanceOf(h.address)).to.equal(before);
    });

    it("ZeroRouter, InvalidMaxSlippage, ZeroAmount", async function () {
      const { ethers, vault, alpha } = stack;
      const router = await uni.router.getAddress();
      await expect(ethers.deployContract("UniswapV3SwapFuse", [SPOT, ethers.ZeroAddress, MAX_SLIPPAGE_BPS, FEE_MEDIUM]))
        .to.be.revertedWithCustomError(f.fuse, "ZeroRouter");
      await expect(ethers.deployContract("UniswapV3SwapFuse", [SPOT, router, 10_000n, FEE_MEDIUM]))
        .to.be.revertedWithCustomError(f.fuse, "InvalidMaxSlippage")
        .withArgs(10_000n);
      await expect(vault.connect(alpha).execute([swapSingle(f.usdcAddr, f.wethAddr, 0n)])).to.be.revertedWithCustomError(f.fuse, "ZeroAmount");
      const path = ethers.solidityPacked(["address", "uint24", "address"], [f.usdcAddr, FEE_MEDIUM, f.wethAddr]);
      const multi = { fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("swapExactInput", [path, 0n]) };
      await expect(vault.connect(alpha).execute([multi])).to.be.revertedWithCustomError(f.fuse, "ZeroAmount");
    });
  });
});
