import type { NetworkConnection } from "hardhat/types/network";
/**
 * AaveV3Fuse + AaveV3BalanceFuse against a real Aave V3 pool (core-v3 1.19.3) on the local chain, driven
 * through `vault.execute`. Market 1: reserves USDC (the vault's asset) and WETH; minimum health factor 1.2.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { ContractTransactionResponse, Interface } from "ethers";
import { DAY, ONE_USDC, WAD, addressSubstrate, deployVaultStack, marketParams } from "../fixtures/vault.js";
import { deployAaveV3 } from "../fixtures/aaveV3.js";
import { deployHarness, keys } from "./harness.js";

const MARKET = 1n;
const ONE_WETH = 10n ** 18n;
const MIN_HF = (12n * WAD) / 10n;
const WETH_USD_8 = 2_000n * 10n ** 8n;

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
let connection: NetworkConnection;
let ethers: NetworkConnection["ethers"];
let networkHelpers: NetworkConnection["networkHelpers"];

async function fixture() {
  const s = await deployVaultStack(connection);
  const { admin, atomist, fuseManager, vault, usdc, usdcFeed, oracle, depositors } = s;
  const [alice, lp] = depositors;
  if (alice === undefined || lp === undefined) throw new Error("signers");
  const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
  const wethFeed = await ethers.deployContract("TestPriceFeed", [8, WETH_USD_8]);
  await (await oracle.connect(atomist).setFeed(await weth.getAddress(), await wethFeed.getAddress(), 3600)).wait();

  const aave = await deployAaveV3(ethers, admin, [
    { asset: await usdc.getAddress(), decimals: 6, symbol: "USDC", feed: await usdcFeed.getAddress(), ltvBps: 8_000, liquidationThresholdBps: 8_500, liquidationBonusBps: 10_500 },
    { asset: await weth.getAddress(), decimals: 18, symbol: "WETH", feed: await wethFeed.getAddress(), ltvBps: 8_000, liquidationThresholdBps: 8_250, liquidationBonusBps: 10_500 },
  ]);
  const poolAddress = await aave.pool.getAddress();
  // A third party provides liquidity on both reserves.
  await (await weth.mint(lp.address, 1_000n * ONE_WETH)).wait();
  await (await usdc.connect(lp).approve(poolAddress, ethers.MaxUint256)).wait();
  await (await weth.connect(lp).approve(poolAddress, ethers.MaxUint256)).wait();
  await (await aave.pool.connect(lp).getFunction("supply")(await usdc.getAddress(), 100_000n * ONE_USDC, lp.address, 0)).wait();
  await (await aave.pool.connect(lp).getFunction("supply")(await weth.getAddress(), 100n * ONE_WETH, lp.address, 0)).wait();

  const fuse = await ethers.deployContract("AaveV3Fuse", [MARKET, poolAddress, MIN_HF]);
  const balanceFuse = await ethers.deployContract("AaveV3BalanceFuse", [MARKET, poolAddress]);
  await (await vault.connect(atomist).grantSubstrates(MARKET, [
    addressSubstrate(ethers, await usdc.getAddress()),
    addressSubstrate(ethers, await weth.getAddress()),
  ])).wait();
  await (await vault.connect(atomist).configureMarket(MARKET, marketParams(await balanceFuse.getAddress(), { maxLeverageWad: 3n * WAD }))).wait();
  await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
  await (await vault.connect(atomist).setInstantWithdrawFuses([await fuse.getAddress()])).wait();
  await (await vault.connect(alice).deposit(10_000n * ONE_USDC, alice.address)).wait();
  return { s, aave, weth, wethFeed, fuse, balanceFuse, alice, lp };
}

type Ctx = Awaited<ReturnType<typeof fixture>>;
const gas: Record<string, bigint> = {};

async function record(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  gas[label] = receipt.gasUsed;
}

describe("Aave V3 fuses (real Aave V3 pool)", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers } = connection);
  });

  let c: Ctx;
  let usdcAddr: string;
  let wethAddr: string;
  let vaultAddr: string;

  beforeEach(async function () {
    c = await networkHelpers.loadFixture(fixture);
    usdcAddr = await c.s.usdc.getAddress();
    wethAddr = await c.weth.getAddress();
    vaultAddr = await c.s.vault.getAddress();
  });

  after(function () {
    console.log("      gas (Aave; execute with one action includes the vault's refresh + guardrails):");
    for (const [label, used] of Object.entries(gas)) console.log(`        ${label.padEnd(44)} ${used}`);
  });

  const act = (name: "supply" | "withdraw" | "borrow" | "repay", asset: string, amount: bigint) => ({
    fuse: c.fuse.target as string,
    data: (c.fuse.interface as Interface).encodeFunctionData(name, [asset, amount]),
  });
  const execute = (...actions: { fuse: string; data: string }[]) => c.s.vault.connect(c.s.alpha).execute(actions);
  const balanceOf = async (token: "a" | "d", asset: string): Promise<bigint> => {
    const t = c.aave.tokens.get(asset);
    if (t === undefined) throw new Error("reserve");
    return (await (token === "a" ? t.aToken : t.variableDebtToken).getFunction("balanceOf")(vaultAddr)) as bigint;
  };
  const marketBalance = async () => {
    const m = await c.s.vault.getMarket(MARKET);
    return { equity: m.balance, notional: m.grossNotional };
  };
  /** The vault's Aave position at oracle prices (USDC $1), from Aave's own token balances. */
  const expectedValuation = async (wethUsd8: bigint) => {
    const supplied = (await balanceOf("a", usdcAddr)) + ((await balanceOf("a", wethAddr)) * wethUsd8) / 10n ** 20n;
    const debt = (await balanceOf("d", usdcAddr)) + ((await balanceOf("d", wethAddr)) * wethUsd8) / 10n ** 20n;
    return { equity: supplied > debt ? supplied - debt : 0n, notional: supplied };
  };

  it("supplies USDC, posts WETH, borrows, repays and withdraws end to end; the balance fuse matches Aave", async function () {
    const { vault, usdc } = c.s;
    await (await c.weth.mint(vaultAddr, ONE_WETH)).wait(); // WETH bought out of band (e.g. by a swap fuse)

    await record("supply USDC (first)", execute(act("supply", usdcAddr, 5_000n * ONE_USDC)));
    await record("supply WETH (collateral)", execute(act("supply", wethAddr, ONE_WETH)));
    await record("borrow USDC", execute(act("borrow", usdcAddr, 1_000n * ONE_USDC)));
    expect(await usdc.balanceOf(vaultAddr)).to.equal(6_000n * ONE_USDC);
    expect(await marketBalance()).to.deep.equal(await expectedValuation(WETH_USD_8));
    expect((await marketBalance()).equity).to.equal(6_000n * ONE_USDC); // 5,000 + 2,000 - 1,000
    // Aave's own account data (base currency USD, 8 decimals) agrees.
    const account = await c.aave.pool.getFunction("getUserAccountData")(vaultAddr);
    expect((account.totalCollateralBase as bigint) - (account.totalDebtBase as bigint)).to.equal(6_000n * 10n ** 8n);
    expect(await vault.totalAssets()).to.equal(12_000n * ONE_USDC); // 10,000 deposit + 2,000 of WETH posted

    await networkHelpers.time.increase(30n * DAY);
    await (await c.s.usdcFeed.getFunction("setAnswer")(10n ** 8n)).wait();
    await (await c.wethFeed.setAnswer(WETH_USD_8)).wait();
    await record("balance refresh (refreshMarketBalances, 2 reserves)", vault.connect(c.s.alpha).refreshMarketBalances([MARKET]));
    expect(await marketBalance()).to.deep.equal(await expectedValuation(WETH_USD_8));
    expect(await balanceOf("d", usdcAddr)).to.be.greaterThan(1_000n * ONE_USDC); // interest accrued on the debt

    await record("repay USDC (all)", execute(act("repay", usdcAddr, ethers.MaxUint256)));
    expect(await balanceOf("d", usdcAddr)).to.equal(0n);
    await record("withdraw WETH (all)", execute(act("withdraw", wethAddr, ethers.MaxUint256)));
    await record("withdraw USDC (part)", execute(act("withdraw", usdcAddr, 1_000n * ONE_USDC)));
    await (await execute(act("withdraw", usdcAddr, ethers.MaxUint256))).wait();
    expect(await c.weth.balanceOf(vaultAddr)).to.equal(ONE_WETH);
    expect(await marketBalance()).to.deep.equal({ equity: 0n, notional: 0n });
    // Supply interest (paid by the vault's own borrow, in part) offsets most of the borrow interest.
    expect(await usdc.balanceOf(vaultAddr)).to.be.greaterThan(9_995n * ONE_USDC);
    await record("supply USDC (again)", execute(act("supply", usdcAddr, 1_000n * ONE_USDC)));
  });

  it("reports exposure per reserve for the risk engine's net-delta book: collateral +, debt − (issue #10)", async function () {
    const { vault, atomist } = c.s;
    await (await vault.connect(atomist).setExposureReporting(MARKET, true)).wait();
    await (await c.weth.mint(vaultAddr, ONE_WETH)).wait();
    await (await execute(act("supply", usdcAddr, 5_000n * ONE_USDC), act("supply", wethAddr, ONE_WETH), act("borrow", usdcAddr, 1_000n * ONE_USDC))).wait();
    const booked = async (asset: string) => (await vault.marketExposure(MARKET, asset))[0];
    expect(await booked(wethAddr)).to.equal(await balanceOf("a", wethAddr));
    expect(await booked(usdcAddr)).to.equal((await balanceOf("a", usdcAddr)) - (await balanceOf("d", usdcAddr)));
    // Borrowing WETH against the USDC makes the WETH leg smaller; the net book follows.
    await (await execute(act("borrow", wethAddr, ONE_WETH / 2n))).wait();
    const wethNet = (await balanceOf("a", wethAddr)) - (await balanceOf("d", wethAddr));
    expect(await booked(wethAddr)).to.equal(wethNet);
    expect((await vault.netDelta(wethAddr))[0]).to.equal(wethNet); // the only reporting market
  });

  it("refuses an asset that is not a substrate of the market", async function () {
    const dai = await ethers.deployContract("TestERC20", ["Dai (test)", "DAI", 18]);
    const daiAddr = await dai.getAddress();
    for (const name of ["supply", "withdraw", "borrow", "repay"] as const) {
      await expect(execute(act(name, daiAddr, 1n)))
        .to.be.revertedWithCustomError(c.fuse, "SubstrateNotAllowed")
        .withArgs(MARKET, addressSubstrate(ethers, daiAddr));
    }
  });

  it("market cap: refuses a risk-raising batch, allows a reducing one", async function () {
    const { vault, guardian } = c.s;
    await (await execute(act("supply", usdcAddr, 6_000n * ONE_USDC))).wait();
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 5_000, 0n, 3n * WAD)).wait();
    await expect(execute(act("supply", usdcAddr, 100n * ONE_USDC)))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded")
      .withArgs(MARKET, 5_000n * ONE_USDC, 6_100n * ONE_USDC);
    await (await execute(act("withdraw", usdcAddr, 500n * ONE_USDC))).wait();
    expect((await marketBalance()).equity).to.equal(5_500n * ONE_USDC); // still above the cap, but lower
  });

  it("leverage limit: a loop over the limit reverts; reducing from a breached limit is allowed", async function () {
    const { vault, guardian, atomist } = c.s;
    const loop = [
      act("supply", usdcAddr, 5_000n * ONE_USDC),
      act("borrow", usdcAddr, 3_000n * ONE_USDC), // HF 5,000 × 85% / 3,000 = 1.42
      act("supply", usdcAddr, 3_000n * ONE_USDC),
    ];
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 10_000, 0n, (3n * WAD) / 2n)).wait();
    // supplied 8,000 / equity 5,000 = 1.6x over 1.5x
    await expect(execute(...loop))
      .to.be.revertedWithCustomError(vault, "LeverageLimitExceeded")
      .withArgs(MARKET, (3n * WAD) / 2n, (8n * WAD) / 5n);

    await (await vault.connect(atomist).configureMarket(MARKET, marketParams(c.balanceFuse.target as string, { maxLeverageWad: 2n * WAD }))).wait();
    await (await execute(...loop)).wait();
    expect(await marketBalance()).to.deep.equal({ equity: 5_000n * ONE_USDC, notional: 8_000n * ONE_USDC });
    await (await vault.connect(guardian).lowerMarketLimits(MARKET, 10_000, 0n, (5n * WAD) / 4n)).wait();
    // Still breached (7,500 / 5,000 = 1.5x > 1.25x) but lower: allowed.
    await (await execute(act("withdraw", usdcAddr, 500n * ONE_USDC), act("repay", usdcAddr, 500n * ONE_USDC))).wait();
    const reduced = await marketBalance();
    expect(reduced.notional).to.equal(7_500n * ONE_USDC);
    expect(reduced.equity).to.be.closeTo(5_000n * ONE_USDC, 10n);
    await expect(execute(act("borrow", usdcAddr, 100n * ONE_USDC))).to.be.revertedWithCustomError(vault, "LeverageLimitExceeded");
  });

  it("minimum health factor: a borrow or a withdrawal that leaves it below 1.2 reverts with the attempted value", async function () {
    await (await c.weth.mint(vaultAddr, ONE_WETH)).wait();
    await (await execute(act("supply", wethAddr, ONE_WETH))).wait();
    // 2,000 × 82.5% / 1,500 = 1.1
    await expect(execute(act("borrow", usdcAddr, 1_500n * ONE_USDC)))
      .to.be.revertedWithCustomError(c.fuse, "AaveV3HealthFactorTooLow")
      .withArgs(MARKET, MIN_HF, (11n * WAD) / 10n);
    await (await execute(act("borrow", usdcAddr, 1_000n * ONE_USDC))).wait(); // HF 1.65
    // 1,400 × 82.5% / 1,000 = 1.155
    await expect(execute(act("withdraw", wethAddr, (3n * ONE_WETH) / 10n)))
      .to.be.revertedWithCustomError(c.fuse, "AaveV3HealthFactorTooLow")
      .withArgs(MARKET, MIN_HF, 1_155_000_000_000_000_000n);
    await expect(ethers.deployContract("AaveV3Fuse", [MARKET, c.aave.pool.target as string, WAD - 1n]))
      .to.be.revertedWithCustomError(c.fuse, "AaveV3InvalidMinHealthFactor")
      .withArgs(WAD - 1n);
    for (const name of ["supply", "withdraw", "borrow", "repay"] as const) {
      await expect(execute(act(name, usdcAddr, 0n))).to.be.revertedWithCustomError(c.fuse, "ZeroAmount");
    }
  });

  it("idle buffer: refuses supplying into the last 10%", async function () {
    await expect(execute(act("supply", usdcAddr, 9_500n * ONE_USDC)))
      .to.be.revertedWithCustomError(c.s.vault, "IdleBufferBreached")
      .withArgs(1_000n * ONE_USDC, 500n * ONE_USDC);
    await (await execute(act("supply", usdcAddr, 9_000n * ONE_USDC))).wait();
  });

  it("redeems more than idle by withdrawing from Aave (instant withdrawal)", async function () {
    const { vault, usdc } = c.s;
    await (await execute(act("supply", usdcAddr, 8_000n * ONE_USDC))).wait();
    const before = await usdc.balanceOf(c.alice.address);
    await record("redeem pulling 8,000 from Aave (instantWithdraw)", vault.connect(c.alice).redeem(await vault.balanceOf(c.alice.address), c.alice.address, c.alice.address));
    expect((await usdc.balanceOf(c.alice.address)) - before).to.equal(10_000n * ONE_USDC);
    expect(await balanceOf("a", usdcAddr)).to.equal(0n);
  });

  it("an instant withdrawal never takes the market over its leverage limit (supplied / equity)", async function () {
    const { vault } = c.s;
    await (await execute(act("supply", usdcAddr, 8_000n * ONE_USDC), act("borrow", usdcAddr, 4_000n * ONE_USDC))).wait();
    // 2x now, limit 3x: (8,000 − w) / (4,000 − w) ≤ 3 gives w ≤ 2,000 (the health factor alone would let
    // 2,352.94 go, which left the market at 3.43x: the finding "2.72x → 3.21x over the limit").
    const shares = await vault.balanceOf(c.alice.address);
    await expect(vault.connect(c.alice).redeem(shares, c.alice.address, c.alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity")
      .withArgs(10_000n * ONE_USDC, (v: bigint) => v > 7_999n * ONE_USDC && v <= 8_000n * ONE_USDC);
    await (await vault.connect(c.alice).withdraw(7_999n * ONE_USDC, c.alice.address, c.alice.address)).wait();
    const supplied = await balanceOf("a", usdcAddr);
    const debt = await balanceOf("d", usdcAddr);
    expect(supplied * WAD).to.be.lessThanOrEqual(3n * WAD * (supplied - debt)); // still within 3x
    expect(supplied).to.be.closeTo(6_001n * ONE_USDC, ONE_USDC); // 1,999 of the 2,000 taken
  });

  it("instant withdrawal takes only what Aave liquidity and the minimum health factor allow, without reverting", async function () {
    const { vault, usdc } = c.s;
    // A 10x limit, so the health factor is what binds here.
    await (await vault.connect(c.s.atomist).configureMarket(MARKET, marketParams(c.balanceFuse.target as string, { maxLeverageWad: 10n * WAD }))).wait();
    await (await execute(act("supply", usdcAddr, 8_000n * ONE_USDC), act("borrow", usdcAddr, 4_000n * ONE_USDC))).wait();
    // idle 6,000; HF 8,000 × 85% / 4,000 = 1.7; at most (6,800 − 1.2 × 4,000) / 0.85 = 2,352.94 may leave.
    const shares = await vault.balanceOf(c.alice.address);
    await expect(vault.connect(c.alice).redeem(shares, c.alice.address, c.alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity")
      .withArgs(10_000n * ONE_USDC, 8_352_941_176n);
    await (await vault.connect(c.alice).withdraw(8_000n * ONE_USDC, c.alice.address, c.alice.address)).wait();
    const account = await c.aave.pool.getFunction("getUserAccountData")(vaultAddr);
    expect(account.healthFactor as bigint).to.be.greaterThanOrEqual(MIN_HF);

    // Aave liquidity drained by a third party: the fuse takes what is there and the vault reports the shortfall.
    const whale = c.s.depositors[2];
    if (whale === undefined) throw new Error("signers");
    await (await c.weth.mint(whale.address, 1_000n * ONE_WETH)).wait();
    await (await c.weth.connect(whale).approve(c.aave.pool.target as string, ethers.MaxUint256)).wait();
    await (await c.aave.pool.connect(whale).getFunction("supply")(wethAddr, 1_000n * ONE_WETH, whale.address, 0)).wait();
    const aUsdc = c.aave.tokens.get(usdcAddr)?.aToken.target as string;
    const free = await usdc.balanceOf(aUsdc);
    await (await c.aave.pool.connect(whale).getFunction("borrow")(usdcAddr, free - 100n * ONE_USDC, 2, 0, whale.address)).wait();
    await expect(vault.connect(c.alice).withdraw(1_000n * ONE_USDC, c.alice.address, c.alice.address))
      .to.be.revertedWithCustomError(vault, "InsufficientLiquidity");
    await (await vault.connect(c.alice).withdraw(50n * ONE_USDC, c.alice.address, c.alice.address)).wait();
  });

  it("price crash and a liquidation on Aave: the balance fuse reflects the loss", async function () {
    const { vault, usdc } = c.s;
    await (await c.weth.mint(vaultAddr, 2n * ONE_WETH)).wait();
    await (await execute(act("supply", wethAddr, 2n * ONE_WETH), act("borrow", usdcAddr, 2_400n * ONE_USDC))).wait();
    expect((await marketBalance()).equity).to.equal(1_600n * ONE_USDC); // 4,000 − 2,400; HF 1.375

    const crashed = 1_400n * 10n ** 8n;
    await (await c.wethFeed.setAnswer(crashed)).wait(); // Aave and the vault read the same feed
    await (await vault.connect(c.s.alpha).refreshMarketBalances([MARKET])).wait();
    const afterCrash = await marketBalance();
    expect(afterCrash).to.deep.equal(await expectedValuation(crashed));
    expect(afterCrash.equity).to.be.closeTo(400n * ONE_USDC, ONE_USDC); // 2,800 − 2,400 (+ seconds of interest)
    const account = await c.aave.pool.getFunction("getUserAccountData")(vaultAddr);
    expect(account.healthFactor as bigint).to.be.lessThan(WAD);

    // A third party liquidates half the debt and seizes WETH at a 5% bonus.
    const liquidator = c.lp;
    const wethBefore = await c.weth.balanceOf(liquidator.address);
    await (await usdc.connect(liquidator).approve(c.aave.pool.target as string, ethers.MaxUint256)).wait();
    await (await c.aave.pool.connect(liquidator).getFunction("liquidationCall")(wethAddr, usdcAddr, vaultAddr, 1_200n * ONE_USDC, false)).wait();
    expect((await c.weth.balanceOf(liquidator.address)) - wethBefore).to.be.closeTo(900_000_000_000_000_000n, 1n); // 1,200 / 1,400 × 1.05
    await (await vault.connect(c.s.alpha).refreshMarketBalances([MARKET])).wait();
    const afterLiquidation = await marketBalance();
    expect(afterLiquidation).to.deep.equal(await expectedValuation(crashed));
    // Lost the bonus: 5% of the 1,200 repaid = 60 USDC of equity.
    expect(afterCrash.equity - afterLiquidation.equity).to.be.closeTo(60n * ONE_USDC, ONE_USDC);
    expect(await vault.totalAssets()).to.equal((await usdc.balanceOf(vaultAddr)) + afterLiquidation.equity);
  });

  it("a stale price feed makes valuation revert: a deposit refuses to price", async function () {
    const { vault, oracle } = c.s;
    await (await c.weth.mint(vaultAddr, ONE_WETH)).wait();
    await (await execute(act("supply", wethAddr, ONE_WETH))).wait();
    await networkHelpers.time.increase(2n * 3600n); // past the market's max balance age and WETH's staleness
    await (await c.s.usdcFeed.getFunction("setAnswer")(10n ** 8n)).wait();
    await expect(vault.connect(c.alice).deposit(ONE_USDC, c.alice.address)).to.be.revertedWithCustomError(oracle, "StalePrice");
    await (await c.wethFeed.setAnswer(WETH_USD_8)).wait();
    await (await vault.connect(c.alice).deposit(ONE_USDC, c.alice.address)).wait();
  });

  describe("whole-account valuation, keys and instantWithdrawable (fuses called directly, FuseHarness)", function () {
    const OTHER = 2n;
    /** A harness holding 10,000 USDC and 2 WETH; market 1 allows USDC only, market 2 WETH only (the vault would
     * refuse two markets on one pool: the fuses must still value the whole account). */
    const setup = async () => {
      const h = await deployHarness(ethers, usdcAddr, c.s.oracle.target as string);
      await (await c.s.usdc.connect(c.alice).transfer(h.address, 10_000n * ONE_USDC)).wait();
      await (await c.weth.mint(h.address, 2n * ONE_WETH)).wait();
      await h.grant(MARKET, [usdcAddr]);
      await h.grant(OTHER, [wethAddr]);
      const pool = c.aave.pool.target as string;
      const fuse2 = await ethers.deployContract("AaveV3Fuse", [OTHER, pool, MIN_HF]);
      const balance2 = await ethers.deployContract("AaveV3BalanceFuse", [OTHER, pool]);
      return { h, fuse2, balance2 };
    };
    const tokens = (asset: string) => {
      const t = c.aave.tokens.get(asset);
      if (t === undefined) throw new Error("reserve");
      return t;
    };
    /** The harness's Aave account from Aave's own token balances, at the oracle ($1 USDC, $2,000 WETH). */
    const account = async (holder: string) => {
      const bal = async (token: { getFunction(n: string): (a: string) => Promise<unknown> }) => (await token.getFunction("balanceOf")(holder)) as bigint;
      const supplied = (await bal(tokens(usdcAddr).aToken)) + ((await bal(tokens(wethAddr).aToken)) * WETH_USD_8) / 10n ** 20n;
      const usdcDebt = await bal(tokens(usdcAddr).variableDebtToken);
      const wethDebt = await bal(tokens(wethAddr).variableDebtToken);
      const debt = usdcDebt + (wethDebt === 0n ? 0n : (wethDebt * WETH_USD_8) / 10n ** 20n + 1n);
      return { equity: supplied > debt ? supplied - debt : 0n, supplied, debt };
    };

    it("a borrow against collateral in another market's reserve shows in both markets' equity and debt", async function () {
      const { h, fuse2, balance2 } = await setup();
      await h.run(fuse2, "supply", [wethAddr, 2n * ONE_WETH]); // $4,000 of collateral, a WETH-only market
      await h.run(c.fuse, "borrow", [usdcAddr, 1_000n * ONE_USDC]); // borrowed by the USDC-only market
      const expected = await account(h.address);
      expect(expected.debt).to.be.greaterThanOrEqual(1_000n * ONE_USDC);
      // Before: market 1 read (0, 0) (debt floored away), market 2 read 4,000: NAV +1,000 too high.
      for (const fuse of [c.balanceFuse, balance2]) {
        const { equity, grossNotional, debt } = await h.valuation(fuse);
        expect(equity).to.be.closeTo(expected.equity, 2n);
        expect(equity).to.be.closeTo(3_000n * ONE_USDC, 2n);
        expect(grossNotional).to.be.closeTo(expected.supplied, 2n);
        expect(debt).to.be.closeTo(expected.debt, 2n);
      }
    });

    it("debt beyond the collateral: equity floors at zero for the account as a whole, debt stays reported", async function () {
      const { h, fuse2 } = await setup();
      await h.run(fuse2, "supply", [wethAddr, ONE_WETH]);
      await h.run(c.fuse, "borrow", [usdcAddr, 1_300n * ONE_USDC]); // HF 2,000 × 82.5% / 1,300 = 1.27
      await (await c.wethFeed.setAnswer(1_000n * 10n ** 8n)).wait(); // collateral 1,000 < debt 1,300
      const { equity, grossNotional, debt } = await h.valuation(c.balanceFuse);
      expect(equity).to.equal(0n);
      expect(grossNotional).to.equal(1_000n * ONE_USDC);
      expect(debt).to.be.closeTo(1_300n * ONE_USDC, 2n);
    });

    it("finds collateral outside the substrates through Aave's user-configuration bitmap", async function () {
      const { h, fuse2 } = await setup();
      await h.run(fuse2, "supply", [wethAddr, ONE_WETH]); // collateral in a reserve market 1 does not list
      const { equity, grossNotional, debt } = await h.valuation(c.balanceFuse);
      expect([equity, grossNotional, debt]).to.deep.equal([2_000n * ONE_USDC, 2_000n * ONE_USDC, 0n]);
    });

    it("promises and takes nothing where nothing may go: not a substrate, reserve paused, health at the minimum", async function () {
      const { h, fuse2 } = await setup();
      await h.run(c.fuse, "supply", [usdcAddr, 1_000n * ONE_USDC]);
      // Market 2 lists WETH only: it may not withdraw the vault's asset (USDC) for a redemption.
      expect(await h.measureInstantWithdraw(fuse2, 1_000n * ONE_USDC)).to.deep.equal({ promised: 0n, brought: 0n });
      await h.run(c.fuse, "instantWithdraw", [0n]); // a zero request is a no-op
      // A paused reserve refuses withdrawals: nothing is promised.
      await (await c.aave.configurator.connect(c.s.admin).getFunction("setReservePause")(usdcAddr, true)).wait();
      expect(await h.measureInstantWithdraw(c.fuse, 1_000n * ONE_USDC)).to.deep.equal({ promised: 0n, brought: 0n });
      await (await c.aave.configurator.connect(c.s.admin).getFunction("setReservePause")(usdcAddr, false)).wait();
      // Borrow WETH against the USDC (HF 1,000 × 85% / 700 = 1.21), then WETH +5%: HF 1.16 < 1.2, nothing may leave.
      await h.run(fuse2, "borrow", [wethAddr, (35n * ONE_WETH) / 100n]);
      await (await c.wethFeed.setAnswer(2_100n * 10n ** 8n)).wait();
      expect(await h.measureInstantWithdraw(c.fuse, 1_000n * ONE_USDC)).to.deep.equal({ promised: 0n, brought: 0n });
      const v = await h.valuation(c.balanceFuse);
      expect(v.debt).to.be.closeTo(735n * ONE_USDC + 1n, 10n); // 0.35 WETH at $2,100 (+1: rounded up; + seconds of interest)
    });

    it("the action fuse and the balance fuse name the same key: account(pool)", async function () {
      const { h, fuse2, balance2 } = await setup();
      const pool = c.aave.pool.target as string;
      for (const fuse of [c.fuse, c.balanceFuse, fuse2, balance2]) {
        const [k] = await h.probe(fuse, "valuationKeys") as unknown as string[][];
        expect(k).to.deep.equal([keys.account(pool)]);
      }
    });

    it("instantWithdrawable is what instantWithdraw then brings, within the leverage limit, and writes nothing", async function () {
      const { h } = await setup();
      await (await h.harness.setMaxLeverage(MARKET, 3n * WAD)).wait();
      // A cold cache: the probe (a static call) would revert on any write; marketValuation writes the cache.
      await expect(h.probe(c.balanceFuse, "marketValuation")).to.be.revertedWithCustomError(h.harness, "FailedCall");
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.equal(0n); // nothing supplied
      await h.run(c.fuse, "supply", [usdcAddr, 8_000n * ONE_USDC]);
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.equal(8_000n * ONE_USDC); // no debt: all of it
      await h.run(c.fuse, "borrow", [usdcAddr, 4_000n * ONE_USDC]);
      // (3 × E − S) / 2 with S ≈ 8,000 and E ≈ 4,000: ≈ 2,000 (the health factor alone would allow 2,352.94).
      const a = await account(h.address);
      const { promised, brought } = await h.measureInstantWithdraw(c.fuse, 10_000n * ONE_USDC);
      expect(promised).to.be.closeTo((3n * WAD * a.equity - a.supplied * WAD) / (2n * WAD), 10n);
      expect(brought).to.equal(promised); // same block: exactly what was promised
      const after = await account(h.address);
      expect(after.supplied * WAD).to.be.lessThanOrEqual(3n * WAD * after.equity); // within 3x
      // The same cap through the vault-independent math: at 1x nothing may leave while debt is open.
      await (await h.harness.setMaxLeverage(MARKET, WAD)).wait();
      expect((await h.probe(c.fuse, "instantWithdrawable"))[0]).to.equal(0n);
    });
  });
});
