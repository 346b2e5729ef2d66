import type { NetworkConnection } from "hardhat/types/network";
/**
 * MorphoBlueFuse + MorphoBlueBalanceFuse against the real Morpho Blue singleton (compiled from
 * @morpho-org/morpho-blue 1.0.0) on the local chain, driven through `vault.execute`. Market 2: one Morpho market,
 * USDC (the vault's asset) lent against WETH collateral, LLTV 86%; minimum health factor 1.2.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse, Interface } from "ethers";
import { DAY, ONE_USDC, WAD, deployVaultStack, marketParams } from "../fixtures/vault.js";
import { MORPHO_LLTV, deployMorphoBlue, morphoPrice } from "../fixtures/morphoBlue.js";
import { deployHarness, keys } from "./harness.js";

const MARKET = 2n;
const ONE_WETH = 10n ** 18n;
const MIN_HF = (12n * WAD) / 10n;
const WETH_USD_8 = 2_000n * 10n ** 8n;
const VIRTUAL_SHARES = 10n ** 6n;

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
let connection: NetworkConnection;
let ethers: NetworkConnection["ethers"];
let networkHelpers: NetworkConnection["networkHelpers"];
let provider: NetworkConnection["provider"];

async function fixture() {
  const s = await deployVaultStack(connection);
  const { admin, atomist, fuseManager, vault, usdc, oracle, depositors } = s;
  const [alice, lp] = depositors;
  if (alice === undefined || lp === undefined) throw new Error("signers");
  const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
  const wethFeed = await ethers.deployContract("TestPriceFeed", [8, WETH_USD_8]);
  await (await oracle.connect(atomist).setFeed(await weth.getAddress(), await wethFeed.getAddress(), 3600)).wait();

  const m = await deployMorphoBlue(ethers, admin, await usdc.getAddress(), await weth.getAddress(), morphoPrice(2_000n, 18, 6));
  const morphoAddress = await m.morpho.getAddress();
  // A third party lends USDC in the market.
  await (await usdc.connect(lp).approve(morphoAddress, ethers.MaxUint256)).wait();
  await (await m.morpho.connect(lp).supply(m.params, 100_000n * ONE_USDC, 0n, lp.address, "0x")).wait();

  const fuse = await ethers.deployContract("MorphoBlueFuse", [MARKET, morphoAddress, MIN_HF]);
  const balanceFuse = await ethers.deployContract("MorphoBlueBalanceFuse", [MARKET, morphoAddress]);
  await (await vault.connect(atomist).grantSubstrates(MARKET, [m.id])).wait();
  await (await vault.connect(atomist).configureMarket(MARKET, marketParams(await balanceFuse.getAddress(), { maxLeverageWad: 5n * WAD }))).wait();
  await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
  await (await vault.connect(atomist).setInstantWithdrawFuses([await fuse.getAddress()])).wait();
  await (await vault.connect(alice).deposit(10_000n * ONE_USDC, alice.address)).wait();
  return { s, m, weth, wethFeed, fuse, balanceFuse, alice, lp };
}

type Ctx = Awaited<ReturnType<typeof fixture>>;
type Action = "supply" | "withdraw" | "supplyCollateral" | "withdrawCollateral" | "borrow" | "repay";
const gas: Record<string, bigint> = {};

async function record(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  gas[label] = receipt.gasUsed;
}

describe("Morpho Blue fuses (real Morpho Blue)", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers, provider } = connection);
  });

  let c: Ctx;
  let vaultAddr: string;

  beforeEach(async function () {
    c = await networkHelpers.loadFixture(fixture);
    vaultAddr = await c.s.vault.getAddress();
  });

  after(function () {
    console.log("      gas (Morpho; execute with one action includes the vault's refresh + guardrails):");
    for (const [label, used] of Object.entries(gas)) console.log(`        ${label.padEnd(44)} ${used}`);
  });

  const act = (name: Action, amount: bigint, params = c.m.params) => ({
    fuse: c.fuse.target as string,
    data: (c.fuse.interface as Interface).encodeFunctionData(name, [params, amount]),
  });
  const execute = (...actions: { fuse: string; data: string }[]) => c.s.vault.connect(c.s.alpha).execute(actions);
  const marketBalance = async () => {
    const m = await c.s.vault.getMarket(MARKET);
    return { equity: m.balance, notional: m.grossNotional };
  };
  /** The vault's Morpho position at oracle prices (USDC $1), from Morpho's own stored totals. */
  const expectedValuation = async (wethUsd8: bigint) => {
    const p = await c.m.morpho.position(c.m.id, vaultAddr);
    const mk = await c.m.morpho.market(c.m.id);
    const lent = (p.supplyShares * (mk.totalSupplyAssets + 1n)) / (mk.totalSupplyShares + VIRTUAL_SHARES);
    const borrowShares = p.borrowShares;
    const num = borrowShares * (mk.totalBorrowAssets + 1n);
    const den = mk.totalBorrowShares + VIRTUAL_SHARES;
    const borrowed = (num + den - 1n) / den;
    const supplied = lent + (p.collateral * wethUsd8) / 10n ** 20n;
    return { equity: supplied > borrowed ? supplied - borrowed : 0n, notional: supplied };
  };
  /** Refresh the vault's balance, then let Morpho accrue interest itself, in the same block: the balance fuse's
   * view-accrued numbers can then be compared with Morpho's stored ones. */
  const refreshThenAccrueInOneBlock = async (): Promise<ContractTransactionResponse> => {
    await provider.request({ method: "evm_setAutomine", params: [false] });
    const refresh = await c.s.vault.connect(c.s.alpha).refreshMarketBalances([MARKET], { gasLimit: 1_000_000n });
    await c.m.morpho.accrueInterest(c.m.params, { gasLimit: 1_000_000n });
    await provider.request({ method: "evm_mine", params: [] });
    await provider.request({ method: "evm_setAutomine", params: [true] });
    return refresh;
  };
  const mintWeth = async (amount: bigint) => (await c.weth.mint(vaultAddr, amount)).wait(); // bought out of band

  it("lends USDC, posts WETH, borrows, repays and withdraws end to end; the balance fuse matches Morpho", async function () {
    const { vault, usdc } = c.s;
    await mintWeth(ONE_WETH);
    await record("supply USDC (lend, first)", execute(act("supply", 5_000n * ONE_USDC)));
    await record("supplyCollateral WETH", execute(act("supplyCollateral", ONE_WETH)));
    await record("borrow USDC", execute(act("borrow", 1_000n * ONE_USDC)));
    expect(await usdc.balanceOf(vaultAddr)).to.equal(6_000n * ONE_USDC);
    expect(await marketBalance()).to.deep.equal(await expectedValuation(WETH_USD_8));
    expect(await marketBalance()).to.deep.equal({ equity: 6_000n * ONE_USDC, notional: 7_000n * ONE_USDC });
    expect(await vault.totalAssets()).to.equal(12_000n * ONE_USDC);

    // A year later: the balance fuse's expected balances (interest accrued in view) equal what Morpho itself
    // accrues in the same block.
    await networkHelpers.time.increase(365n * DAY);
    await (await c.s.usdcFeed.getFunction("setAnswer")(10n ** 8n)).wait();
    await (await c.wethFeed.setAnswer(WETH_USD_8)).wait();
    await record("balance refresh (refreshMarketBalances, 1 market)", refreshThenAccrueInOneBlock());
    const accrued = await marketBalance();
    expect(accrued).to.deep.equal(await expectedValuation(WETH_USD_8));
    expect(accrued.notional).to.be.greaterThan(7_000n * ONE_USDC); // lending interest

    await record("repay USDC (all, by shares)", execute(act("repay", ethers.MaxUint256)));
    expect((await c.m.morpho.position(c.m.id, vaultAddr)).borrowShares).to.equal(0n);
    await record("withdrawCollateral WETH (all)", execute(act("withdrawCollateral", ethers.MaxUint256)));
    await record("withdraw USDC (part)", execute(act("withdraw", 1_000n * ONE_USDC)));
    await (await execute(act("withdraw", ethers.MaxUint256))).wait();
    expect(await c.weth.balanceOf(vaultAddr)).to.equal(ONE_WETH);
    expect(await marketBalance()).to.deep.equal({ equity: 0n, notional: 0n });
    expect(await c.m.morpho.position(c.m.id, vaultAddr)).to.deep.equal([0n, 0n, 0n]);
    await record("supply USDC (lend, again)", execute(act("supply", 1_000n * ONE_USDC)));
    await record("batch: supplyCollateral + borrow + repay part", execute(act("supplyCollateral", ONE_WETH), act("borrow", 100n * ONE_USDC), act("repay", 50n * ONE_USDC)));
  });

  it("refuses a Morpho market that is not a substrate of the market", async function () {
    const other = { ...c.m.params, lltv: MORPHO_LLTV - 1n };
    const otherId = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(
      ["address", "address", "address", "address", "uint256"],
      [other.loanToken, other.collateralToken, other.oracle, other.irm, other.lltv],
    ));
    for (const name of ["supply", "withdraw", "supplyCollateral", "withdrawCollateral", "borrow", "repay"] as const) {
      await expect(execute(act(name, 1n, other)))
        .to.be.revertedWithCustomError(c.fuse, "SubstrateNotAllowed")
        .withArgs(MARKET, otherId);
    }
  });

  it("market cap: refuses a risk-raising batch, allows a reducing one", async function () {
    const { vault, guardian } = c.s;
    await (await execute(act("supply", 6_000n * ONE_USDC))).wait();
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 5_000, 0n, 5n * WAD)).wait();
    await expect(execute(act("supply", 100n * ONE_USDC)))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded")
      .withArgs(MARKET, 5_000n * ONE_USDC, 6_100n * ONE_USDC);
    await (await execute(act("withdraw", 500n * ONE_USDC))).wait();
    expect((await marketBalance()).equity).to.equal(5_500n * ONE_USDC);
  });

  it("leverage limit: a loop over the limit reverts; reducing from a breached limit is allowed", async function () {
    const { vault, guardian, atomist } = c.s;
    await mintWeth(2n * ONE_WETH);
    // collateral 4,000 + lent 2,000 (the borrowed USDC) = 6,000 gross over 4,000 equity = 1.5x
    const loop = [act("supplyCollateral", 2n * ONE_WETH), act("borrow", 2_000n * ONE_USDC), act("supply", 2_000n * ONE_USDC)];
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 10_000, 0n, (5n * WAD) / 4n)).wait();
    await expect(execute(...loop))
      .to.be.revertedWithCustomError(vault, "LeverageLimitExceeded")
      .withArgs(MARKET, (5n * WAD) / 4n, (3n * WAD) / 2n);

    await (await vault.connect(atomist).configureMarket(MARKET, marketParams(c.balanceFuse.target as string, { maxLeverageWad: 2n * WAD }))).wait();
    await (await execute(...loop)).wait();
    expect(await marketBalance()).to.deep.equal({ equity: 4_000n * ONE_USDC, notional: 6_000n * ONE_USDC });
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 10_000, 0n, (5n * WAD) / 4n)).wait();
    // Still breached (5,500 / 4,000 = 1.375x > 1.25x) but lower: allowed.
    await (await execute(act("withdraw", 500n * ONE_USDC), act("repay", 500n * ONE_USDC))).wait();
    const reduced = await marketBalance();
    expect(reduced.notional).to.be.closeTo(5_500n * ONE_USDC, 10n);
    expect(reduced.equity).to.be.closeTo(4_000n * ONE_USDC, 10n);
    await expect(execute(act("borrow", 100n * ONE_USDC), act("supply", 100n * ONE_USDC)))
      .to.be.revertedWithCustomError(vault, "LeverageLimitExceeded");
  });

  it("minimum health factor: a borrow or a collateral withdrawal below 1.2 reverts with the attempted value", async function () {
    await mintWeth(2n * ONE_WETH);
    await (await execute(act("supplyCollateral", 2n * ONE_WETH))).wait();
    // max borrow 4,000 × 86% = 3,440; 3,440 / 3,000 = 1.1466…
    await expect(execute(act("borrow", 3_000n * ONE_USDC)))
      .to.be.revertedWithCustomError(c.fuse, "MorphoBlueHealthFactorTooLow")
      .withArgs(MARKET, c.m.id, MIN_HF, (3_440n * WAD) / 3_000n);
    await (await execute(act("borrow", 2_000n * ONE_USDC))).wait(); // HF 1.72
    // 1.4 WETH left: 2,800 × 86% / 2,000 = 1.204 passes; 1.3 WETH: 2,600 × 86% / 2,000 = 1.118 fails
    // (a block of interest on the debt since the borrow lowers it by a hair)
    await expect(execute(act("withdrawCollateral", (7n * ONE_WETH) / 10n)))
      .to.be.revertedWithCustomError(c.fuse, "MorphoBlueHealthFactorTooLow")
      .withArgs(MARKET, c.m.id, MIN_HF, (hf: bigint) => hf <= 1_118_000_000_000_000_000n && hf > 1_117_990_000_000_000_000n);
    await (await execute(act("withdrawCollateral", (6n * ONE_WETH) / 10n))).wait();
    await expect(ethers.deployContract("MorphoBlueFuse", [MARKET, c.m.morpho.target as string, WAD - 1n]))
      .to.be.revertedWithCustomError(c.fuse, "MorphoBlueInvalidMinHealthFactor")
      .withArgs(WAD - 1n);
  });

  it("idle buffer: refuses lending into the last 10%", async function () {
    await expect(execute(act("supply", 9_500n * ONE_USDC)))
      .to.be.revertedWithCustomError(c.s.vault, "IdleBufferBreached")
      .withArgs(1_000n * ONE_USDC, 500n * ONE_USDC);
    await (await execute(act("supply", 9_000n * ONE_USDC))).wait();
  });

  it("redeems more than idle by withdrawing from the Morpho lending position (instant withdrawal)", async function () {
    const { vault, usdc } = c.s;
    await (await execute(act("supply", 8_000n * ONE_USDC))).wait();
    const before = await usdc.balanceOf(c.alice.address);
    await record("redeem pulling 8,000 from Morpho (instantWithdraw)", vault.connect(c.alice).redeem(await vault.balanceOf(c.alice.address), c.alice.address, c.alice.address));
    expect((await usdc.balanceOf(c.alice.address)) - before).to.equal(10_000n * ONE_USDC);
    expect((await c.m.morpho.position(c.m.id, vaultAddr)).supplyShares).to.equal(0n);
  });

  it("instant withdrawal takes only the market's free liquidity, without reverting", async function () {
    const { vault, usdc } = c.s;
    await (await execute(act("supply", 8_000n * ONE_USDC))).wait();
    // A third party borrows all but 1,000 of the market's USDC.
    const borrower = c.s.depositors[2];
    if (borrower === undefined) throw new Error("signers");
    await (await c.weth.mint(borrower.address, 1_000n * ONE_WETH)).wait();
    await (await c.weth.connect(borrower).approve(c.m.morpho.target as string, ethers.MaxUint256)).wait();
    await (await c.m.morpho.connect(borrower).supplyCollateral(c.m.params, 1_000n * ONE_WETH, borrower.address, "0x")).wait();
    await (await c.m.morpho.connect(borrower).borrow(c.m.params, 107_000n * ONE_USDC, 0n, borrower.address, borrower.address)).wait();
    await expect(vault.connect(c.alice).withdraw(5_000n * ONE_USDC, c.alice.address, c.alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity")
      .withArgs(5_000n * ONE_USDC, 3_000n * ONE_USDC);
    const before = await usdc.balanceOf(c.alice.address);
    await (await vault.connect(c.alice).withdraw(2_500n * ONE_USDC, c.alice.address, c.alice.address)).wait();
    expect((await usdc.balanceOf(c.alice.address)) - before).to.equal(2_500n * ONE_USDC);
  });

  it("price crash and a liquidation on Morpho: the balance fuse reflects the loss", async function () {
    const { vault, usdc } = c.s;
    await mintWeth(2n * ONE_WETH);
    await (await execute(act("supplyCollateral", 2n * ONE_WETH), act("borrow", 2_800n * ONE_USDC))).wait(); // HF 3,440 / 2,800 = 1.23; 3.33x
    expect((await marketBalance()).equity).to.equal(1_200n * ONE_USDC);

    const crashed = 1_500n * 10n ** 8n;
    await (await c.wethFeed.setAnswer(crashed)).wait();
    await (await c.m.oracle.setPrice(morphoPrice(1_500n, 18, 6))).wait();
    await (await refreshThenAccrueInOneBlock()).wait();
    const afterCrash = await marketBalance();
    expect(afterCrash).to.deep.equal(await expectedValuation(crashed));
    expect(afterCrash.equity).to.be.closeTo(200n * ONE_USDC, ONE_USDC); // 3,000 − 2,800

    // 3,000 × 86% = 2,580 < 2,800: a third party seizes 1 WETH (liquidation incentive ≈ 4.4% at LLTV 86%).
    const liquidator = c.lp;
    await (await c.m.morpho.connect(liquidator).liquidate(c.m.params, vaultAddr, ONE_WETH, 0n, "0x")).wait();
    await (await refreshThenAccrueInOneBlock()).wait();
    const afterLiquidation = await marketBalance();
    expect(afterLiquidation).to.deep.equal(await expectedValuation(crashed));
    const p = await c.m.morpho.position(c.m.id, vaultAddr);
    expect(p.collateral).to.equal(ONE_WETH);
    const loss = afterCrash.equity - afterLiquidation.equity;
    expect(loss).to.be.greaterThan(50n * ONE_USDC); // the incentive paid out of the vault's equity
    expect(loss).to.be.lessThan(70n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal((await usdc.balanceOf(vaultAddr)) + afterLiquidation.equity);
  });

  it("a stale price feed makes valuation revert: a deposit refuses to price", async function () {
    const { vault, oracle } = c.s;
    await mintWeth(ONE_WETH);
    await (await execute(act("supplyCollateral", ONE_WETH))).wait();
    await networkHelpers.time.increase(2n * 3600n);
    await (await c.s.usdcFeed.getFunction("setAnswer")(10n ** 8n)).wait();
    await expect(vault.connect(c.alice).deposit(ONE_USDC, c.alice.address)).to.be.revertedWithCustomError(oracle, "StalePrice");
    await (await c.wethFeed.setAnswer(WETH_USD_8)).wait();
    await (await vault.connect(c.alice).deposit(ONE_USDC, c.alice.address)).wait();
  });

  describe("debt, keys and instantWithdrawable (fuses called directly, FuseHarness)", function () {
    /** A harness holding 10,000 USDC and 2 WETH, allowed the fixture's Morpho market. */
    const setup = async () => {
      const h = await deployHarness(ethers, c.s.usdc.target as string, c.s.oracle.target as string);
      await (await c.s.usdc.connect(c.alice).transfer(h.address, 10_000n * ONE_USDC)).wait();
      await (await c.weth.mint(h.address, 2n * ONE_WETH)).wait();
      await h.grant(MARKET, [c.m.id]);
      return h;
    };

    it("both fuses key the market by its Morpho position; the balance fuse returns the open debt", async function () {
      const h = await setup();
      const expected = [keys.position(c.m.morpho.target as string, c.m.id)];
      expect((await h.probe(c.fuse, "valuationKeys"))[0]).to.deep.equal(expected);
      expect((await h.probe(c.balanceFuse, "valuationKeys"))[0]).to.deep.equal(expected);
      await h.run(c.fuse, "supplyCollateral", [c.m.params, 2n * ONE_WETH]);
      await h.run(c.fuse, "borrow", [c.m.params, 2_000n * ONE_USDC]);
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.equal(0n); // collateral is never withdrawn for redemptions
      const { equity, grossNotional, debt } = await h.valuation(c.balanceFuse);
      expect(grossNotional).to.equal(4_000n * ONE_USDC);
      expect(debt).to.be.closeTo(2_000n * ONE_USDC, 2n);
      expect(equity).to.equal(grossNotional - debt);
    });

    it("instantWithdrawable is the lending side within liquidity and the leverage limit; instantWithdraw brings it", async function () {
      const h = await setup();
      await (await h.harness.setMaxLeverage(MARKET, 5n * WAD)).wait();
      await h.run(c.fuse, "supply", [c.m.params, 5_000n * ONE_USDC]);
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.equal(5_000n * ONE_USDC); // no debt: all of it
      await h.run(c.fuse, "supplyCollateral", [c.m.params, 2n * ONE_WETH]);
      await h.run(c.fuse, "borrow", [c.m.params, 2_000n * ONE_USDC]);
      // S = 5,000 + 4,000, E = 7,000: at 5x the cap (5E − S) / 4 = 6,500 is above the 5,000 lent.
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.be.closeTo(5_000n * ONE_USDC, 2n);
      // At 1.5x: (1.5 × 7,000 − 9,000) / 0.5 = 3,000.
      await (await h.harness.setMaxLeverage(MARKET, (3n * WAD) / 2n)).wait();
      const { promised, brought } = await h.measureInstantWithdraw(c.fuse, 10_000n * ONE_USDC);
      expect(promised).to.be.closeTo(3_000n * ONE_USDC, 10n); // less a few seconds of interest
      expect(brought).to.equal(promised); // same block: exactly what was promised
      const { equity, grossNotional: supplied } = await h.valuation(c.balanceFuse);
      expect(supplied * 2n).to.be.lessThanOrEqual(3n * equity); // still within 1.5x
    });

    it("ZeroAmount on every action", async function () {
      for (const name of ["supply", "withdraw", "supplyCollateral", "withdrawCollateral", "borrow", "repay"] as const) {
        await expect(execute(act(name, 0n))).to.be.revertedWithCustomError(c.fuse, "ZeroAmount");
      }
    });
  });
});
