import type { NetworkConnection } from "hardhat/types/network";
import { expect } from "chai";
import type { Interface } from "ethers";
import { network } from "hardhat";
import { GasLog } from "../fixtures/simulatedPerp.js";
import { addPerpV2Market, deployPerpV2, sqrtPriceX96 } from "../fixtures/perpV2.js";
import { ONE_USDC, WAD, addressSubstrate, deployVaultStack, leverageWadUp } from "../fixtures/vault.js";
import { deployHarness, keys } from "./harness.js";

const MARKET = 2n;
const Q = (usd: bigint): bigint => usd * WAD;
const TX_GAS = 8_000_000n;

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
let connection: NetworkConnection;
let ethers: NetworkConnection["ethers"];
let networkHelpers: NetworkConnection["networkHelpers"];

describe("Perpetual Protocol v2 fuses (PerpV2Fuse / PerpV2BalanceFuse)", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers } = connection);
  });

  const gas = new GasLog("PerpV2Fuse on Perp v2 (Curie)");

  async function fixture() {
    const stack = await deployVaultStack(connection);
    const perpV2 = await deployPerpV2(stack, networkHelpers);
    const baseToken = await perpV2.baseToken.getAddress();
    // The spot asset vETH tracks, for the exposure report (a plain 18-decimals token stands in for WETH).
    const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
    const perp = await addPerpV2Market(stack, MARKET, await perpV2.clearingHouse.getAddress(), [baseToken], {
      underlyings: [{ baseToken, underlying: await weth.getAddress() }],
    });
    const [alice] = stack.depositors;
    if (alice === undefined) throw new Error("no depositor");
    await (await stack.vault.connect(alice).deposit(10_000n * ONE_USDC, alice.address)).wait();
    return { stack, perpV2, baseToken, weth, perp, alice };
  }

  after(() => gas.print());

  async function setup() {
    const f = await networkHelpers.loadFixture(fixture);
    const fuse = await f.perp.fuse.getAddress();
    const vaultAddress = await f.stack.vault.getAddress();
    const iface: Interface = f.perp.fuse.interface;
    const act = (fn: string, args: unknown[]) => ({ fuse, data: iface.encodeFunctionData(fn, args) });
    // Explicit gas: Perp's gas depends on the block timestamp (TWAP observations, funding), so an estimate made
    // on one block can fall short on the next.
    const execute = (actions: { fuse: string; data: string }[]) =>
      f.stack.vault.connect(f.stack.alpha).execute(actions, { gasLimit: TX_GAS });
    const market = async () => f.stack.vault.getMarket(MARKET);
    const accountValue = async (): Promise<bigint> => f.perpV2.perpVault.getFunction("getAccountValue")(vaultAddress) as Promise<bigint>;
    const size = async (): Promise<bigint> => f.perpV2.accountBalance.getFunction("getTakerPositionSize")(vaultAddress, f.baseToken) as Promise<bigint>;
    return { ...f, fuse, vaultAddress, act, execute, market, accountValue, size };
  }

  it("runs the whole life of a short through vault.execute; the balance fuse matches Perp's account value", async function () {
    const { stack, perpV2, baseToken, vaultAddress, act, execute, market, accountValue, size } = await setup();
    const { vault, usdc } = stack;
    await gas.record("depositMargin", execute([act("depositMargin", [3_000n * ONE_USDC])]));
    expect(await accountValue()).to.equal(3_000n * ONE_USDC);
    await gas.record("increasePosition (open short)", execute([act("increasePosition", [baseToken, false, Q(6_000n), 41n * WAD])]));
    expect(await size()).to.be.lessThan(0n);
    expect(-(await size())).to.be.lessThanOrEqual(41n * WAD);
    const m1 = await market();
    expect(m1.balance).to.equal(await accountValue());
    const totalAbs = (await perpV2.accountBalance.getFunction("getTotalAbsPositionValue")(vaultAddress)) as bigint;
    expect(m1.grossNotional).to.equal((totalAbs + 10n ** 12n - 1n) / 10n ** 12n);
    // Perp's ClearingHouse values the same account in 18 decimals.
    const chValue = (await perpV2.clearingHouse.getFunction("getAccountValue")(vaultAddress)) as bigint;
    expect(m1.balance).to.equal(chValue / 10n ** 12n);
    await gas.record("increasePosition (add to short)", execute([act("increasePosition", [baseToken, false, Q(200n), 0n])]));

    // Funding accrues over time (mark below index after the short: shorts pay), and the index moves.
    await networkHelpers.time.increase(3_600);
    await perpV2.setIndexPrice(145n);
    await (await vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    expect((await market()).balance).to.equal(await accountValue());
    const sizeBefore = await size();

    // Reduce by a third of the size: buys base, pays at most 2,500 quote.
    await gas.record("reducePosition", execute([act("reducePosition", [baseToken, -sizeBefore / 3n, Q(2_500n)])]));
    expect(await size()).to.equal(sizeBefore - sizeBefore / 3n);
    // A bound Perp cannot meet: Perp's own slippage check refuses the close (CH_TMRL: too much quote in).
    await expect(execute([act("closePosition", [baseToken, Q(1_000n)])])).to.be.revertedWith("CH_TMRL");
    await gas.record("closePosition", execute([act("closePosition", [baseToken, 0n])]));
    expect(await size()).to.equal(0n);
    expect((await market()).grossNotional).to.equal(0n);

    const free = (await perpV2.perpVault.getFunction("getFreeCollateral")(vaultAddress)) as bigint;
    expect(free).to.equal(await accountValue());
    await gas.record("withdrawMargin", execute([act("withdrawMargin", [free])]));
    expect(await accountValue()).to.equal(0n);
    expect((await market()).balance).to.equal(0n);
    expect(await vault.totalAssets()).to.equal(await usdc.balanceOf(vaultAddress));
    expect(await usdc.balanceOf(vaultAddress)).to.equal(7_000n * ONE_USDC + free);
  });

  it("refuses a base token that is not a substrate (SubstrateNotAllowed)", async function () {
    const { perp, act, execute } = await setup();
    const other = ethers.getAddress("0x00000000000000000000000000000000000b7c01");
    await expect(execute([act("increasePosition", [other, false, Q(1_000n), 0n])]))
      .to.be.revertedWithCustomError(perp.fuse, "SubstrateNotAllowed")
      .withArgs(MARKET, addressSubstrate(ethers, other));
  });

  it("the market cap refuses a risk-raising batch and allows a reducing one", async function () {
    const { stack, act, execute, market } = await setup();
    await execute([act("depositMargin", [2_500n * ONE_USDC])]);
    await (await stack.vault.connect(stack.guardian).lowerMarketLimits(MARKET, 2_000, 0n, 3n * WAD)).wait();
    await expect(execute([act("depositMargin", [100n * ONE_USDC])]))
      .to.be.revertedWithCustomError(stack.vault, "MarketCapExceeded")
      .withArgs(MARKET, 2_000n * ONE_USDC, 2_600n * ONE_USDC);
    await execute([act("withdrawMargin", [200n * ONE_USDC])]);
    expect((await market()).balance).to.equal(2_300n * ONE_USDC);
  });

  it("refuses opening at 4x against a 3x limit with LeverageLimitExceeded(market, limit, attempted)", async function () {
    const { stack, baseToken, act, execute } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC])]);
    await expect(execute([act("increasePosition", [baseToken, false, Q(8_000n), 0n])]))
      .to.be.revertedWithCustomError(stack.vault, "LeverageLimitExceeded")
      .withArgs(MARKET, 3n * WAD, (attempted: bigint) => attempted > 4n * WAD && attempted < 5n * WAD);
  });

  it("allows reducing from a breached 4x after a price move, and refuses adding to it", async function () {
    const { stack, perpV2, baseToken, act, execute, market } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [baseToken, false, Q(5_500n), 0n])]);
    await pushPrice(perpV2, baseToken, [162n]);
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    const breached = leverageWadUp((await market()).grossNotional, (await market()).balance);
    expect(breached).to.be.greaterThan(4n * WAD);
    await expect(execute([act("increasePosition", [baseToken, false, Q(100n), 0n])])).to.be.revertedWithCustomError(
      stack.vault,
      "LeverageLimitExceeded",
    );
    await execute([act("reducePosition", [baseToken, 5n * WAD, 0n])]);
    const after = leverageWadUp((await market()).grossNotional, (await market()).balance);
    expect(after).to.be.lessThan(breached);
    expect(after).to.be.greaterThan(3n * WAD);
  });

  it("refuses a batch that takes idle below the buffer", async function () {
    const { stack, act, execute } = await setup();
    await expect(execute([act("depositMargin", [9_500n * ONE_USDC])]))
      .to.be.revertedWithCustomError(stack.vault, "IdleBufferBreached")
      .withArgs(1_000n * ONE_USDC, 500n * ONE_USDC);
  });

  it("serves a redemption by instant withdrawal of free margin within the leverage limit", async function () {
    const { stack, perpV2, baseToken, fuse, alice, vaultAddress, act, execute, market } = await setup();
    const { vault, usdc, atomist } = stack;
    await (await vault.connect(atomist).setInstantWithdrawFuses([fuse])).wait();
    await execute([act("depositMargin", [9_000n * ONE_USDC]), act("increasePosition", [baseToken, false, Q(9_000n), 0n])]);
    const perpVaultAddress = await perpV2.perpVault.getAddress();
    const heldByPerp = await usdc.balanceOf(perpVaultAddress);
    const before = await usdc.balanceOf(alice.address);
    await gas.record("redeem through instantWithdraw", vault.connect(alice).withdraw(4_500n * ONE_USDC, alice.address, alice.address, { gasLimit: TX_GAS }));
    expect((await usdc.balanceOf(alice.address)) - before).to.equal(4_500n * ONE_USDC);
    // Idle covered 1,000; the other 3,500 came out of Perp.
    expect(heldByPerp - (await usdc.balanceOf(perpVaultAddress))).to.equal(3_500n * ONE_USDC);
    const m = await market();
    expect(leverageWadUp(m.grossNotional, m.balance)).to.be.lessThanOrEqual(3n * WAD);
    // What is left above the 3x limit is less than this: the redemption cannot be served in full.
    await expect(vault.connect(alice).withdraw(4_000n * ONE_USDC, alice.address, alice.address)).to.be.revertedWithCustomError(
      vault,
      "InsufficientLiquidity",
    );
  });

  it("reflects Perp's own liquidation of the short by a third party", async function () {
    const { stack, perpV2, baseToken, vaultAddress, act, execute, market, accountValue, size } = await setup();
    const liquidator = (await ethers.getSigners())[12];
    if (liquidator === undefined) throw new Error("no signer");
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [baseToken, false, Q(5_600n), 0n])]);
    // Perp liquidates a position when account value < maintenance margin (6.25% of position value).
    const belowMaintenance = async () =>
      (await accountValue()) * 10n ** 12n < ((await perpV2.accountBalance.getFunction("getMarginRequirementForLiquidation")(vaultAddress)) as bigint);
    expect(await belowMaintenance()).to.equal(false);
    await expect(
      (perpV2.clearingHouse.connect(liquidator) as typeof perpV2.clearingHouse).getFunction("liquidate(address,address)")(vaultAddress, baseToken, { gasLimit: TX_GAS }),
    ).to.be.revertedWith("CH_EAV");
    await pushPrice(perpV2, baseToken, [162n, 175n, 189n, 200n]);
    expect(await belowMaintenance()).to.equal(true);
    const sizeBefore = await size();
    await perpV2.fund(liquidator, 100_000n * ONE_USDC);
    await gas.record(
      "ClearingHouse.liquidate (third party)",
      (perpV2.clearingHouse.connect(liquidator) as typeof perpV2.clearingHouse).getFunction("liquidate(address,address)")(vaultAddress, baseToken, { gasLimit: TX_GAS }),
    );
    expect(-(await size())).to.be.lessThan(-sizeBefore);
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
    const m = await market();
    const value = await accountValue();
    expect(m.balance).to.equal(value > 0n ? value : 0n);
    const totalAbs = (await perpV2.accountBalance.getFunction("getTotalAbsPositionValue")(vaultAddress)) as bigint;
    expect(m.grossNotional).to.equal((totalAbs + 10n ** 12n - 1n) / 10n ** 12n);
  });

  it("makes valuation revert when the index feed has timed out", async function () {
    const { stack, perpV2, baseToken, perp, act, execute } = await setup();
    await execute([act("depositMargin", [2_000n * ONE_USDC]), act("increasePosition", [baseToken, true, Q(2_000n), 0n])]);
    await networkHelpers.time.increase(2_401);
    await expect(stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET]))
      .to.be.revertedWithCustomError(perp.balanceFuse, "PerpV2StaleIndexPrice")
      .withArgs(baseToken, await perpV2.chainlinkV3.getAddress());
    await perpV2.setIndexPrice(150n);
    await (await stack.vault.connect(stack.alpha).refreshMarketBalances([MARKET])).wait();
  });

  it("both fuses key the market by the ClearingHouse account; instantWithdrawable of an idle account is its margin", async function () {
    const { stack, perpV2, perp, alice } = await setup();
    const h = await deployHarness(ethers, stack.usdc.target as string, stack.oracle.target as string);
    for (const fuse of [perp.fuse, perp.balanceFuse]) {
      expect((await h.probe(fuse, "valuationKeys"))[0]).to.deep.equal([keys.account(await perpV2.clearingHouse.getAddress())]);
    }
    await (await stack.usdc.connect(alice).transfer(h.address, 1_000n * ONE_USDC)).wait();
    await h.run(perp.fuse, "depositMargin", [1_000n * ONE_USDC]);
    const { promised, brought } = await h.measureInstantWithdraw(perp.fuse, 5_000n * ONE_USDC);
    expect([promised, brought]).to.deep.equal([1_000n * ONE_USDC, 1_000n * ONE_USDC]);
  });

  it("reports the short as negative exposure in the underlying it was given (vETH → WETH) for the net-delta book (issue #10)", async function () {
    const { stack, baseToken, weth, act, execute, size } = await setup();
    const { vault, atomist } = stack;
    const wethAddr = await weth.getAddress();
    await (await vault.connect(atomist).setExposureReporting(MARKET, true)).wait();
    await (await execute([act("depositMargin", [3_000n * ONE_USDC]), act("increasePosition", [baseToken, false, Q(6_000n), 41n * WAD])])).wait();
    const short = await size();
    expect(short).to.be.lessThan(0n);
    expect((await vault.marketExposure(MARKET, wethAddr))[0]).to.equal(short);
    expect((await vault.netDelta(wethAddr))[0]).to.equal(short);
    // Closing books zero: the band sees the hedge gone.
    await (await execute([act("closePosition", [baseToken, 0n])])).wait();
    expect((await vault.marketExposure(MARKET, wethAddr))[0]).to.equal(0n);
    expect((await vault.netDelta(wethAddr))[0]).to.equal(0n);
  });

  it("refuses a malformed base-token → underlying list at deployment", async function () {
    const { perpV2, baseToken, weth } = await setup();
    const ch = await perpV2.clearingHouse.getAddress();
    const wethAddr = await weth.getAddress();
    const factory = await ethers.getContractFactory("PerpV2BalanceFuse");
    await expect(ethers.deployContract("PerpV2BalanceFuse", [MARKET, ch, [baseToken], []]))
      .to.be.revertedWithCustomError(factory, "PerpV2UnderlyingsInvalid").withArgs(1n, 0n);
    await expect(ethers.deployContract("PerpV2BalanceFuse", [MARKET, ch, Array(5).fill(baseToken), Array(5).fill(wethAddr)]))
      .to.be.revertedWithCustomError(factory, "PerpV2UnderlyingsInvalid").withArgs(5n, 5n);
    await expect(ethers.deployContract("PerpV2BalanceFuse", [MARKET, ch, [baseToken], [ethers.ZeroAddress]]))
      .to.be.revertedWithCustomError(factory, "PerpV2UnderlyingsInvalid").withArgs(1n, 1n);
  });

  it("ZeroAmount and PerpNoPosition on Perp v2", async function () {
    const { baseToken, perp, act, execute } = await setup();
    for (const [fn, args] of [
      ["depositMargin", [0n]],
      ["withdrawMargin", [0n]],
      ["increasePosition", [baseToken, false, 0n, 0n]],
      ["reducePosition", [baseToken, 0n, 0n]],
    ] as const) {
      await expect(execute([act(fn, [...args])])).to.be.revertedWithCustomError(perp.fuse, "ZeroAmount");
    }
    for (const [fn, args] of [["reducePosition", [baseToken, WAD, 0n]], ["closePosition", [baseToken, 0n]]] as const) {
      await expect(execute([act(fn, [...args])]))
        .to.be.revertedWithCustomError(perp.fuse, "PerpNoPosition")
        .withArgs(baseToken);
    }
  });
});

/**
 * Move vETH up through `prices`: at each step the index (Chainlink) moves first, then a third-party taker buys
 * until the pool reaches that price (Perp bounds each block's tick move), then 15 min pass for the TWAPs.
 */
async function pushPrice(perpV2: Awaited<ReturnType<typeof deployPerpV2>>, baseToken: string, prices: bigint[]) {
  const pusher = (await ethers.getSigners())[11];
  if (pusher === undefined) throw new Error("no signer");
  await perpV2.fund(pusher, 1_000_000n * ONE_USDC);
  const ch = perpV2.clearingHouse.connect(pusher) as typeof perpV2.clearingHouse;
  for (const price of prices) {
    await perpV2.setIndexPrice(price);
    await (
      await ch.getFunction("openPosition")({
        baseToken,
        isBaseToQuote: false,
        isExactInput: true,
        amount: Q(1_000_000n),
        oppositeAmountBound: 0n,
        deadline: ethers.MaxUint256,
        sqrtPriceLimitX96: sqrtPriceX96(price),
        referralCode: ethers.ZeroHash,
      }, { gasLimit: TX_GAS })
    ).wait();
    await networkHelpers.time.increase(900);
    await perpV2.setIndexPrice(price);
  }
}
