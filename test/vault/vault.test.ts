/**
 * FuseboxVault: every external function's success and failure modes (roles, parameters, pause, allowlist,
 * stale NAV, guardrails, instant withdrawals, events). One stack per file, reverted between tests.
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import {
  DAY,
  ONE_USDC,
  WAD,
  addErc4626Market,
  addLeveragedMarket,
  addressSubstrate,
  deployVaultStack,
  marketParams,
} from "../fixtures/vault.js";

// Opened when the suite starts, not at import: loading a test file has no side effects on the run.
type Connection = NetworkConnection;
let connection: Connection;
let ethers: Connection["ethers"];
let networkHelpers: Connection["networkHelpers"];
let time: Connection["networkHelpers"]["time"];

const ERC4626_MARKET = 1n;
const LEV_MARKET = 2n;
const ORACLE_MARKET = 3n;
const WRITER_MARKET = 4n;

async function fixture() {
  const s = await deployVaultStack(connection);
  const m4626 = await addErc4626Market(s, ERC4626_MARKET);
  const lev = await addLeveragedMarket(s, LEV_MARKET, { maxLeverageWad: 3n * WAD });
  await (await s.vault.connect(s.atomist).setInstantWithdrawFuses([await m4626.fuse.getAddress()])).wait();
  const [alice, bob, carol, dave] = s.depositors;
  if (alice === undefined || bob === undefined || carol === undefined || dave === undefined) throw new Error("signers");
  // A spare signer with no role: the outsider of the access tests.
  const outsider = s.depositors[6];
  if (outsider === undefined) throw new Error("signers");
  return { s, m4626, lev, alice, bob, carol, dave, outsider };
}

type Fixture = Awaited<ReturnType<typeof fixture>>;

async function load(): Promise<Fixture> {
  return networkHelpers.loadFixture(fixture);
}

function enter(f: Fixture, assets: bigint) {
  return f.m4626.fuse.getAddress().then(async (fuse) => ({
    fuse,
    data: f.m4626.fuse.interface.encodeFunctionData("enter", [await f.m4626.target.getAddress(), assets]),
  }));
}
function exit(f: Fixture, assets: bigint) {
  return f.m4626.fuse.getAddress().then(async (fuse) => ({
    fuse,
    data: f.m4626.fuse.interface.encodeFunctionData("exit", [await f.m4626.target.getAddress(), assets]),
  }));
}
async function levAction(f: Fixture, fn: "addMargin" | "removeMargin" | "setNotional", amount: bigint) {
  const venue = await f.lev.venue.getAddress();
  const iface = f.lev.fuse.interface;
  const data =
    fn === "addMargin"
      ? iface.encodeFunctionData("addMargin", [venue, amount])
      : fn === "removeMargin"
        ? iface.encodeFunctionData("removeMargin", [venue, amount])
        : iface.encodeFunctionData("setNotional", [venue, amount]);
  return { fuse: await f.lev.fuse.getAddress(), data };
}

const U = ONE_USDC;

describe("FuseboxVault", function () {
  before(async function () {
    connection = await network.create();
    ({ ethers, networkHelpers } = connection);
    ({ time } = networkHelpers);
  });

  describe("deployment and views", function () {
    it("starts with a 10% buffer, no markets cached, unpaused, allowlist off, oracle set", async function () {
      const s = await deployVaultStack(await network.create());
      expect(await s.vault.idleBufferBps()).to.equal(1_000n);
      expect(await s.vault.paused()).to.equal(false);
      expect(await s.vault.depositorAllowlistEnabled()).to.equal(false);
      expect(await s.vault.priceOracle()).to.equal(await s.oracle.getAddress());
      expect(await s.vault.navExpiresAt()).to.equal(2n ** 64n - 1n);
      expect(await s.vault.getMarketIds()).to.deep.equal([]);
      expect(await s.vault.decimals()).to.equal(12n);
    });

    it("refuses a zero price oracle at construction", async function () {
      const f = await load();
      const factory = await ethers.getContractFactory("FuseboxVault");
      await expect(
        factory.deploy(await f.s.usdc.getAddress(), "x", "x", await f.s.manager.getAddress(), ethers.ZeroAddress, 6, await f.s.vault.MODULE()),
      ).to.be.revertedWithCustomError(f.s.vault, "ZeroAddress");
      await expect(
        factory.deploy(await f.s.usdc.getAddress(), "x", "x", await f.s.manager.getAddress(), await f.s.oracle.getAddress(), 6, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(f.s.vault, "ZeroAddress");
      await expect(
        factory.deploy(await f.s.usdc.getAddress(), "x", "x", await f.s.manager.getAddress(), await f.s.oracle.getAddress(), 19, await f.s.vault.MODULE()),
      ).to.be.revertedWithCustomError(f.s.vault, "InvalidDecimalsOffset").withArgs(19);
    });

    it("reports markets, substrates, fuses and the withdraw order", async function () {
      const f = await load();
      const { vault } = f.s;
      expect(await vault.getMarketIds()).to.deep.equal([ERC4626_MARKET, LEV_MARKET]);
      const target = await f.m4626.target.getAddress();
      expect(await vault.getSubstrates(ERC4626_MARKET)).to.deep.equal([addressSubstrate(ethers, target)]);
      expect(await vault.isSubstrateAllowed(ERC4626_MARKET, addressSubstrate(ethers, target))).to.equal(true);
      expect(await vault.isSubstrateAllowed(LEV_MARKET, addressSubstrate(ethers, target))).to.equal(false);
      expect(await vault.fuseMarketId(await f.m4626.fuse.getAddress())).to.equal(ERC4626_MARKET);
      expect(await vault.fuseMarketId(await f.lev.fuse.getAddress())).to.equal(LEV_MARKET);
      expect(await vault.getInstantWithdrawFuses()).to.deep.equal([await f.m4626.fuse.getAddress()]);
      const market = await vault.getMarket(LEV_MARKET);
      expect(market.active).to.equal(true);
      expect(market.maxLeverageWad).to.equal(3n * WAD);
      expect(market.capBps).to.equal(10_000n);
      expect(market.balanceFuse).to.equal(await f.lev.balanceFuse.getAddress());
    });
  });

  describe("deposit / mint / withdraw / redeem", function () {
    it("deposit mints shares at the 6-decimal offset and emits Deposit", async function () {
      const { s, alice } = await load();
      await expect(s.vault.connect(alice).deposit(100n * U, alice.address))
        .to.emit(s.vault, "Deposit")
        .withArgs(alice.address, alice.address, 100n * U, 100n * U * 10n ** 6n);
      expect(await s.vault.totalAssets()).to.equal(100n * U);
      expect(await s.vault.balanceOf(alice.address)).to.equal(100n * U * 10n ** 6n);
    });

    it("mint pulls the assets the shares cost, rounded up", async function () {
      const { s, alice, bob } = await load();
      await s.vault.connect(alice).deposit(100n * U, alice.address);
      await s.usdc.mint(await s.vault.getAddress(), 7n); // odd NAV so mint rounds
      const shares = 3n * 10n ** 6n + 1n;
      const expected = await s.vault.previewMint(shares);
      const before = await s.usdc.balanceOf(bob.address);
      await expect(s.vault.connect(bob).mint(shares, bob.address)).to.emit(s.vault, "Deposit");
      expect(before - (await s.usdc.balanceOf(bob.address))).to.equal(expected);
      expect(await s.vault.balanceOf(bob.address)).to.equal(shares);
    });

    it("withdraw burns shares rounded up; redeem pays assets rounded down", async function () {
      const { s, alice } = await load();
      await s.vault.connect(alice).deposit(100n * U, alice.address);
      await s.usdc.mint(await s.vault.getAddress(), 3n);
      const sharesNeeded = await s.vault.previewWithdraw(10n * U);
      await expect(s.vault.connect(alice).withdraw(10n * U, alice.address, alice.address))
        .to.emit(s.vault, "Withdraw")
        .withArgs(alice.address, alice.address, alice.address, 10n * U, sharesNeeded);
      const shares = await s.vault.balanceOf(alice.address);
      const assets = await s.vault.previewRedeem(shares);
      await expect(s.vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.emit(s.vault, "Withdraw")
        .withArgs(alice.address, alice.address, alice.address, assets, shares);
      expect(await s.vault.totalSupply()).to.equal(0n);
    });

    it("redeem and withdraw on behalf of an owner spend the allowance, and fail without one", async function () {
      const { s, alice, bob } = await load();
      await s.vault.connect(alice).deposit(100n * U, alice.address);
      const shares = 10n * 10n ** 12n;
      await expect(s.vault.connect(bob).redeem(shares, bob.address, alice.address))
        .to.be.revertedWithCustomError(s.vault, "ERC20InsufficientAllowance")
        .withArgs(bob.address, 0n, shares);
      await s.vault.connect(alice).approve(bob.address, shares * 2n);
      const before = await s.usdc.balanceOf(bob.address);
      await s.vault.connect(bob).redeem(shares, bob.address, alice.address);
      expect((await s.usdc.balanceOf(bob.address)) - before).to.equal(10n * U);
      expect(await s.vault.allowance(alice.address, bob.address)).to.equal(shares);
      await s.vault.connect(bob).withdraw(10n * U, bob.address, alice.address);
      expect(await s.vault.allowance(alice.address, bob.address)).to.equal(0n);
      await expect(s.vault.connect(bob).withdraw(1n, bob.address, alice.address)).to.be.revertedWithCustomError(
        s.vault,
        "ERC20InsufficientAllowance",
      );
    });

    it("redeeming more shares than owned reverts ERC20InsufficientBalance", async function () {
      const { s, alice } = await load();
      await s.vault.connect(alice).deposit(1n * U, alice.address);
      const shares = await s.vault.balanceOf(alice.address);
      await expect(s.vault.connect(alice).redeem(shares + 1n, alice.address, alice.address))
        .to.be.revertedWithCustomError(s.vault, "ERC20InsufficientBalance")
        .withArgs(alice.address, shares, shares + 1n);
    });

    it("max* views: unlimited deposit, withdraw capped by idle + instant-withdrawable markets", async function () {
      const f = await load();
      const { s, alice } = f;
      expect(await s.vault.maxDeposit(alice.address)).to.equal(ethers.MaxUint256);
      expect(await s.vault.maxMint(alice.address)).to.equal(ethers.MaxUint256);
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      // 300 into the ERC-4626 market (instant) and 200 into the leveraged venue (not instant).
      await s.vault.connect(s.alpha).execute([await enter(f, 300n * U), await levAction(f, "addMargin", 200n * U)]);
      // Idle 500 + the 300 the ERC-4626 fuse can release, less the allowance for the pull's cost: 2 units per
      // pulling fuse and 1 bp of what must be pulled.
      const allowance = 2n + (300n * U) / 10_000n;
      expect(await s.vault.maxWithdraw(alice.address)).to.equal(800n * U - allowance);
      const maxShares = await s.vault.maxRedeem(alice.address);
      expect(maxShares).to.equal(await s.vault.convertToShares(800n * U));
      await expect(s.vault.connect(alice).withdraw(800n * U - allowance, alice.address, alice.address)).to.emit(
        s.vault,
        "InstantWithdrawal",
      );
      // What is left in the instant market is exactly what maxRedeem now offers; maxWithdraw keeps its allowance.
      const left = allowance;
      expect(await s.vault.maxWithdraw(alice.address)).to.equal(left - 2n - (left + 9_999n) / 10_000n);
      expect(await s.vault.maxRedeem(alice.address)).to.equal(await s.vault.convertToShares(allowance));
    });

    it("maxRedeem returns all shares when liquidity covers them", async function () {
      const { s, alice } = await load();
      await s.vault.connect(alice).deposit(5n * U, alice.address);
      expect(await s.vault.maxRedeem(alice.address)).to.equal(await s.vault.balanceOf(alice.address));
      expect(await s.vault.maxWithdraw(alice.address)).to.equal(5n * U);
    });

    it("totalAssets = idle + cached market balances", async function () {
      const f = await load();
      const { s, alice } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 300n * U), await levAction(f, "addMargin", 200n * U)]);
      expect(await s.vault.totalMarketBalance()).to.equal(500n * U);
      expect(await s.usdc.balanceOf(await s.vault.getAddress())).to.equal(500n * U);
      expect(await s.vault.totalAssets()).to.equal(1_000n * U);
    });
  });

  describe("depositor allowlist", function () {
    it("refuses receivers off the list, accepts listed ones, and max* views follow", async function () {
      const { s, alice, bob } = await load();
      await expect(s.vault.connect(s.atomist).setDepositorAllowlistEnabled(true))
        .to.emit(s.vault, "DepositorAllowlistSet")
        .withArgs(true);
      await expect(s.vault.connect(alice).deposit(1n * U, alice.address))
        .to.be.revertedWithCustomError(s.vault, "DepositorNotAllowed")
        .withArgs(alice.address);
      await expect(s.vault.connect(alice).mint(1n, alice.address))
        .to.be.revertedWithCustomError(s.vault, "DepositorNotAllowed")
        .withArgs(alice.address);
      expect(await s.vault.maxDeposit(alice.address)).to.equal(0n);
      expect(await s.vault.maxMint(alice.address)).to.equal(0n);
      await expect(s.vault.connect(s.atomist).setDepositorsAllowed([alice.address], true))
        .to.emit(s.vault, "DepositorAllowedSet")
        .withArgs(alice.address, true);
      expect(await s.vault.isDepositorAllowed(alice.address)).to.equal(true);
      await s.vault.connect(alice).deposit(1n * U, alice.address);
      // The receiver is what is checked: a listed sender cannot deposit for an unlisted receiver.
      await expect(s.vault.connect(alice).deposit(1n * U, bob.address))
        .to.be.revertedWithCustomError(s.vault, "DepositorNotAllowed")
        .withArgs(bob.address);
      await expect(s.vault.connect(s.atomist).setDepositorsAllowed([alice.address], false))
        .to.emit(s.vault, "DepositorAllowedSet")
        .withArgs(alice.address, false);
      await expect(s.vault.connect(alice).deposit(1n * U, alice.address)).to.be.revertedWithCustomError(
        s.vault,
        "DepositorNotAllowed",
      );
      // Redemptions are never gated by the allowlist.
      await s.vault.connect(alice).redeem(await s.vault.balanceOf(alice.address), alice.address, alice.address);
      await s.vault.connect(s.atomist).setDepositorAllowlistEnabled(false);
      await s.vault.connect(bob).deposit(1n * U, bob.address);
    });
  });

  describe("pause", function () {
    it("refuses deposit and mint with VaultPaused, still redeems from idle and from markets", async function () {
      const f = await load();
      const { s, alice } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      await expect(s.vault.connect(s.guardian).pause()).to.emit(s.vault, "PausedSet").withArgs(true);
      expect(await s.vault.paused()).to.equal(true);
      await expect(s.vault.connect(alice).deposit(1n * U, alice.address)).to.be.revertedWithCustomError(
        s.vault,
        "VaultPaused",
      );
      await expect(s.vault.connect(alice).mint(1n, alice.address)).to.be.revertedWithCustomError(s.vault, "VaultPaused");
      expect(await s.vault.maxDeposit(alice.address)).to.equal(0n);
      expect(await s.vault.maxMint(alice.address)).to.equal(0n);
      await s.vault.connect(alice).withdraw(400n * U, alice.address, alice.address); // from idle
      await s.vault.connect(alice).withdraw(300n * U, alice.address, alice.address); // idle + market
      expect(await s.vault.totalAssets()).to.equal(300n * U);
      await expect(s.vault.connect(s.atomist).unpause()).to.emit(s.vault, "PausedSet").withArgs(false);
      await s.vault.connect(alice).deposit(1n * U, alice.address);
    });

    it("refuses a capital-raising batch and a leverage-raising batch, allows a de-risking batch", async function () {
      const f = await load();
      const { s, alice } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault
        .connect(s.alpha)
        .execute([await enter(f, 300n * U), await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 200n * U)]);
      await s.vault.connect(s.guardian).pause();
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 10n * U)]))
        .to.be.revertedWithCustomError(s.vault, "RiskIncreaseWhilePaused")
        .withArgs(ERC4626_MARKET, 300n * U, 310n * U);
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "setNotional", 250n * U)]))
        .to.be.revertedWithCustomError(s.vault, "RiskIncreaseWhilePaused")
        .withArgs(LEV_MARKET, 200n * U, 250n * U); // notional before, attempted
      // De-risking: exit a market, cut notional, add margin that lowers leverage.
      await expect(
        s.vault
          .connect(s.alpha)
          .execute([await exit(f, 100n * U), await levAction(f, "setNotional", 100n * U), await levAction(f, "addMargin", 50n * U)]),
      ).to.emit(s.vault, "FuseExecuted");
      expect((await s.vault.getMarket(ERC4626_MARKET)).balance).to.equal(200n * U);
      expect((await s.vault.getMarket(LEV_MARKET)).balance).to.equal(150n * U);
    });
  });

  describe("stale NAV", function () {
    it("a deposit after maxBalanceAge refreshes markets first and prices at the fresh NAV", async function () {
      const f = await load();
      const { s, alice, bob } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      // The target earns 100 (a donation to it): the vault's cached balance (500) is now behind.
      await s.usdc.mint(await f.m4626.target.getAddress(), 100n * U);
      // Inside maxBalanceAge the cache prices the deposit: no refresh.
      await expect(s.vault.connect(bob).deposit(1n * U, bob.address)).not.to.emit(s.vault, "MarketBalanceUpdated");
      await time.increase(3601);
      const freshBalance = await f.m4626.target.convertToAssets(await f.m4626.target.balanceOf(await s.vault.getAddress()));
      expect(freshBalance).to.be.greaterThan(599n * U);
      const idle = await s.usdc.balanceOf(await s.vault.getAddress());
      const supply = await s.vault.totalSupply();
      const assets = 100n * U;
      const expectedShares = (assets * (supply + 10n ** 6n)) / (idle + freshBalance + 1n);
      // A preview cannot promise what the deposit (which refreshes first) gives: it refuses rather than over-promise.
      const expiresAt = await s.vault.navExpiresAt();
      for (const preview of ["previewDeposit", "previewMint", "previewWithdraw", "previewRedeem"] as const) {
        await expect(s.vault[preview](assets)).to.be.revertedWithCustomError(s.vault, "NavExpired").withArgs(expiresAt);
      }
      await expect(s.vault.connect(bob).deposit(assets, bob.address))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(ERC4626_MARKET, freshBalance, 0n)
        .and.to.emit(s.vault, "Deposit")
        .withArgs(bob.address, bob.address, assets, expectedShares);
    });

    it("a redemption after maxBalanceAge refreshes markets first", async function () {
      const f = await load();
      const { s, alice } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      await s.usdc.mint(await f.m4626.target.getAddress(), 100n * U);
      await time.increase(3601);
      const shares = (await s.vault.balanceOf(alice.address)) / 10n;
      const fresh = await f.m4626.target.convertToAssets(await f.m4626.target.balanceOf(await s.vault.getAddress()));
      // Fresh NAV ~1100 (the cache says 1000): 10% of the shares is worth ~110.
      const expected = (shares * (500n * U + fresh + 1n)) / ((await s.vault.totalSupply()) + 10n ** 6n);
      expect(expected).to.be.greaterThan(109n * U);
      await expect(s.vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(ERC4626_MARKET, fresh, 0n)
        .and.to.emit(s.vault, "Withdraw")
        .withArgs(alice.address, alice.address, alice.address, expected, shares);
    });

    it("a market that cannot be valued (stale oracle) refuses deposits; redemptions go on with it at zero", async function () {
      const f = await load();
      const { s, alice } = f;
      const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
      const wethFeed = await ethers.deployContract("TestPriceFeed", [8, 2_000n * 10n ** 8n]);
      await s.oracle.connect(s.atomist).setFeed(await weth.getAddress(), await wethFeed.getAddress(), 7200);
      const balanceFuse = await ethers.deployContract("TestOracleValuedBalanceFuse", [ORACLE_MARKET, await weth.getAddress()]);
      await s.vault.connect(s.atomist).configureMarket(ORACLE_MARKET, marketParams(await balanceFuse.getAddress()));
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await weth.mint(await s.vault.getAddress(), 10n ** 17n); // 0.1 WETH = 200 USDC
      await s.vault.connect(s.alpha).refreshMarketBalances([ORACLE_MARKET]);
      expect((await s.vault.getMarket(ORACLE_MARKET)).balance).to.equal(200n * U);
      // The ETH price moves; the USDC feed is kept fresh; the WETH feed goes stale.
      await time.increase(7201);
      await s.usdcFeed.getFunction("setAnswer")(100_000_000n);
      const stamp = await wethFeed.updatedAt();
      await expect(s.vault.connect(alice).deposit(1n * U, alice.address))
        .to.be.revertedWithCustomError(s.oracle, "StalePrice")
        .withArgs(await weth.getAddress(), stamp, 7200n);
      // Exits never freeze: the redemption is priced as if the WETH were worth nothing (never in the redeemer's favour).
      const shares = 10n ** 12n; // a thousandth of the supply
      const supply = await s.vault.totalSupply();
      const idle = await s.usdc.balanceOf(await s.vault.getAddress());
      const expectedAssets = (shares * (idle + 1n)) / (supply + 10n ** 6n); // WETH at zero, the other markets empty
      await expect(s.vault.connect(alice).redeem(shares, alice.address, alice.address))
        .to.emit(s.vault, "MarketValuationFailed")
        .and.to.emit(s.vault, "Withdraw")
        .withArgs(alice.address, alice.address, alice.address, expectedAssets, shares);
      const fairWithWeth = (shares * (idle + 200n * U + 1n)) / (supply + 10n ** 6n);
      expect(expectedAssets).to.be.lessThan(fairWithWeth); // the stale market's share stays with the holders
      // A fresh price (and a price move) unblocks it, at the new price.
      await wethFeed.setAnswer(3_000n * 10n ** 8n);
      await expect(s.vault.connect(alice).deposit(1n * U, alice.address))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(ORACLE_MARKET, 300n * U, 0n);
    });

    it("refreshMarketBalances and refreshAllMarketBalances update cache and expiry; only the alpha refreshes; unknown market reverts", async function () {
      const f = await load();
      const { s, alice } = f;
      await s.vault.connect(alice).deposit(1_000n * U, alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      await s.usdc.mint(await f.m4626.target.getAddress(), 50n * U);
      const fresh = await f.m4626.target.convertToAssets(await f.m4626.target.balanceOf(await s.vault.getAddress()));
      expect(fresh).to.be.greaterThan(549n * U);
      // A depositor cannot refresh (else: deposit at the cached NAV, refresh it up, redeem, in one transaction).
      await expect(s.vault.connect(alice).refreshMarketBalances([ERC4626_MARKET]))
        .to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized")
        .withArgs(alice.address);
      await expect(s.vault.connect(alice).refreshAllMarketBalances())
        .to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized")
        .withArgs(alice.address);
      await expect(s.vault.connect(s.alpha).refreshMarketBalances([ERC4626_MARKET]))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(ERC4626_MARKET, fresh, 0n);
      expect(await s.vault.totalAssets()).to.equal(500n * U + fresh);
      await expect(s.vault.connect(s.alpha).refreshMarketBalances([9n])).to.be.revertedWithCustomError(s.vault, "MarketNotActive").withArgs(9n);
      await time.increase(100);
      const tx = s.vault.connect(s.alpha).refreshAllMarketBalances();
      await expect(tx).to.emit(s.vault, "MarketBalanceUpdated").withArgs(ERC4626_MARKET, fresh, 0n);
      await expect(tx).to.emit(s.vault, "MarketBalanceUpdated").withArgs(LEV_MARKET, 0n, 0n);
      const now = BigInt(await time.latest());
      expect(await s.vault.navExpiresAt()).to.equal(now + 3600n);
    });
  });

  describe("execute and guardrails", function () {
    it("past the NAV's expiry, execute refreshes every market before checking caps against total assets", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 400n * U)]);
      await s.vault.connect(s.atomist).configureMarket(LEV_MARKET, marketParams(await f.lev.balanceFuse.getAddress(), { capBps: 3_000, maxLeverageWad: 3n * WAD }));
      // The ERC-4626 market doubles (yield the cache has not seen); the batch touches only the leveraged market.
      await s.usdc.mint(await f.m4626.target.getAddress(), 400n * U);
      await time.increase(3601);
      // 400 into the leveraged market: over its 30% cap of the stale total (300 of 1,000), within it of the fresh
      // one (420 of 1,400). The batch goes through because the vault refreshed the untouched market first.
      const fresh = await f.m4626.target.convertToAssets(await f.m4626.target.balanceOf(await s.vault.getAddress()));
      expect(fresh).to.be.greaterThan(799n * U);
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 400n * U)]))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(ERC4626_MARKET, fresh, 0n);
      expect(await s.vault.totalAssets()).to.equal(600n * U + fresh);
    });

    it("only the alpha executes", async function () {
      const f = await load();
      for (const signer of [f.s.atomist, f.s.guardian, f.outsider]) {
        await expect(f.s.vault.connect(signer).execute([await enter(f, 1n)]))
          .to.be.revertedWithCustomError(f.s.vault, "AccessManagedUnauthorized")
          .withArgs(signer.address);
      }
    });

    it("refuses an empty batch, an unknown fuse and a removed fuse", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(100n * U, f.alice.address);
      await expect(s.vault.connect(s.alpha).execute([])).to.be.revertedWithCustomError(s.vault, "EmptyBatch");
      const rogue = await ethers.deployContract("Erc4626SupplyFuse", [ERC4626_MARKET]);
      const action = await enter(f, 1n * U);
      await expect(s.vault.connect(s.alpha).execute([{ ...action, fuse: await rogue.getAddress() }]))
        .to.be.revertedWithCustomError(s.vault, "FuseNotAllowed")
        .withArgs(await rogue.getAddress());
      await expect(s.vault.connect(s.guardian).removeFuses([action.fuse]))
        .to.emit(s.vault, "FuseRemoved")
        .withArgs(action.fuse, ERC4626_MARKET);
      expect(await s.vault.fuseMarketId(action.fuse)).to.equal(0n);
      await expect(s.vault.connect(s.alpha).execute([action]))
        .to.be.revertedWithCustomError(s.vault, "FuseNotAllowed")
        .withArgs(action.fuse);
    });

    it("emits FuseExecuted per action and MarketBalanceUpdated per touched market", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      const a = await enter(f, 100n * U);
      const tx = s.vault.connect(s.alpha).execute([a, await enter(f, 50n * U)]);
      await expect(tx).to.emit(s.vault, "FuseExecuted").withArgs(a.fuse, ERC4626_MARKET);
      await expect(tx).to.emit(s.vault, "MarketBalanceUpdated").withArgs(ERC4626_MARKET, 150n * U, 0n);
      const receipt = await (await tx).wait();
      const names = receipt?.logs
        .map((l) => s.vault.interface.parseLog(l)?.name)
        .filter((n) => n === "FuseExecuted" || n === "MarketBalanceUpdated");
      // Pre-batch refresh is skipped when the cache is from this block; here it was refreshed at configure time.
      expect(names?.filter((n) => n === "FuseExecuted").length).to.equal(2);
    });

    it("a fuse's substrate check holds: a venue not granted reverts SubstrateNotAllowed", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      const other = await ethers.deployContract("TestLeveragedVenue", [await s.usdc.getAddress()]);
      const data = f.lev.fuse.interface.encodeFunctionData("addMargin", [await other.getAddress(), 1n * U]);
      await expect(s.vault.connect(s.alpha).execute([{ fuse: await f.lev.fuse.getAddress(), data }]))
        .to.be.revertedWithCustomError(f.lev.fuse, "SubstrateNotAllowed")
        .withArgs(LEV_MARKET, addressSubstrate(ethers, await other.getAddress()));
    });

    it("cap in bps: refuses above, names market, cap and balance", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.atomist).configureMarket(ERC4626_MARKET, marketParams(await f.m4626.balanceFuse.getAddress(), { capBps: 2_500 }));
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 251n * U)]))
        .to.be.revertedWithCustomError(s.vault, "MarketCapExceeded")
        .withArgs(ERC4626_MARKET, 250n * U, 251n * U);
      await s.vault.connect(s.alpha).execute([await enter(f, 250n * U)]);
    });

    it("absolute cap: the lower of bps and assets applies", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault
        .connect(s.atomist)
        .configureMarket(ERC4626_MARKET, marketParams(await f.m4626.balanceFuse.getAddress(), { capBps: 5_000, capAssets: 120n * U }));
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 121n * U)]))
        .to.be.revertedWithCustomError(s.vault, "MarketCapExceeded")
        .withArgs(ERC4626_MARKET, 120n * U, 121n * U);
      await s.vault.connect(s.alpha).execute([await enter(f, 120n * U)]);
    });

    it("a market above its cap after a cap cut may shrink but not grow", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 600n * U)]);
      await expect(s.vault.connect(s.guardian).lowerMarketLimits(ERC4626_MARKET, 2_000, 0n, 0n))
        .to.emit(s.vault, "MarketLimitsLowered")
        .withArgs(ERC4626_MARKET, 2_000n, 0n, 0n);
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 1n * U)]))
        .to.be.revertedWithCustomError(s.vault, "MarketCapExceeded")
        .withArgs(ERC4626_MARKET, 200n * U, 601n * U);
      await s.vault.connect(s.alpha).execute([await exit(f, 100n * U)]); // still above 200, but lower
      expect((await s.vault.getMarket(ERC4626_MARKET)).balance).to.equal(500n * U);
    });

    it("leverage: 4x against a 3x limit reverts with the limit and the attempted leverage", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await expect(
        s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 400n * U)]),
      )
        .to.be.revertedWithCustomError(s.vault, "LeverageLimitExceeded")
        .withArgs(LEV_MARKET, 3n * WAD, 4n * WAD);
      await s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 300n * U)]);
      expect((await s.vault.getMarket(LEV_MARKET)).grossNotional).to.equal(300n * U);
    });

    it("leverage pushed above the limit by PnL: a reducing batch passes, an increasing one is refused", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 300n * U)]);
      await f.lev.venue.applyPnl(await s.vault.getAddress(), -40n * U); // equity 60, notional 300: 5x
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "setNotional", 310n * U)]))
        .to.be.revertedWithCustomError(s.vault, "LeverageLimitExceeded")
        .withArgs(LEV_MARKET, 3n * WAD, (310n * WAD + 59n) / 60n);
      // Removing margin raises leverage too.
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "removeMargin", 1n * U)])).to.be.revertedWithCustomError(
        s.vault,
        "LeverageLimitExceeded",
      );
      // Reducing to 4x: still above 3x, but lower — allowed.
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "setNotional", 240n * U)]))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(LEV_MARKET, 60n * U, 240n * U);
    });

    it("the pre-batch valuation is fresh even when the cache was refreshed earlier in the same block", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 290n * U)]);
      // One block: a refresh (cache 100 / 290 = 2.9x), a loss at the venue (60 / 290 = 4.83x), then the alpha
      // de-risks to 4x. Against the same-block cache (2.9x) the cut would look like a leverage rise and be refused.
      await connection.provider.request({ method: "evm_setAutomine", params: [false] });
      try {
        const gasLimit = 1_000_000n;
        await s.vault.connect(s.alpha).refreshMarketBalances([LEV_MARKET], { gasLimit });
        await f.lev.venue.applyPnl(await s.vault.getAddress(), -40n * U, { gasLimit });
        const cut = await s.vault.connect(s.alpha).execute([await levAction(f, "setNotional", 240n * U)], { gasLimit });
        await networkHelpers.mine();
        const receipt = await ethers.provider.getTransactionReceipt(cut.hash);
        expect(receipt?.status).to.equal(1);
      } finally {
        await connection.provider.request({ method: "evm_setAutomine", params: [true] });
      }
      const m = await s.vault.getMarket(LEV_MARKET);
      expect([m.balance, m.grossNotional]).to.deep.equal([60n * U, 240n * U]);
    });

    it("a market with maxLeverageWad 0 may hold no notional", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.guardian).lowerMarketLimits(LEV_MARKET, 10_000, 0n, 0n);
      await expect(
        s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 1n)]),
      )
        .to.be.revertedWithCustomError(s.vault, "LeverageLimitExceeded")
        .withArgs(LEV_MARKET, 0n, (1n * WAD + 100n * U - 1n) / (100n * U));
    });

    it("idle buffer: refuses a batch that drops idle below it; a redemption may consume it", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 950n * U)]))
        .to.be.revertedWithCustomError(s.vault, "IdleBufferBreached")
        .withArgs(100n * U, 50n * U);
      await s.vault.connect(s.alpha).execute([await enter(f, 900n * U)]);
      // Redemption eats the whole buffer (from idle), then dips into the market.
      await s.vault.connect(f.alice).withdraw(100n * U, f.alice.address, f.alice.address);
      expect(await s.usdc.balanceOf(await s.vault.getAddress())).to.equal(0n);
      // Buffer breached now; a batch that does not lower idle is fine, one that raises it too.
      await s.vault.connect(s.alpha).execute([await exit(f, 10n * U)]);
      await expect(s.vault.connect(s.alpha).execute([await enter(f, 1n * U)]))
        .to.be.revertedWithCustomError(s.vault, "IdleBufferBreached")
        .withArgs(90n * U, 9n * U);
    });

    it("setIdleBufferBps changes the requirement; above 10_000 is refused", async function () {
      const f = await load();
      const { s } = f;
      await expect(s.vault.connect(s.atomist).setIdleBufferBps(10_001))
        .to.be.revertedWithCustomError(s.vault, "InvalidBps")
        .withArgs(10_001n);
      await expect(s.vault.connect(s.atomist).setIdleBufferBps(0)).to.emit(s.vault, "IdleBufferSet").withArgs(0n);
      expect(await s.vault.idleBufferBps()).to.equal(0n);
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 1_000n * U)]);
    });

    it("execute cannot change the share supply (a fuse writing the totalSupply slot is refused)", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(10n * U, f.alice.address);
      const balanceFuse = await ethers.deployContract("TestLeveragedBalanceFuse", [WRITER_MARKET]);
      const writer = await ethers.deployContract("TestSupplyWriterFuse", [WRITER_MARKET]);
      await s.vault.connect(s.atomist).configureMarket(WRITER_MARKET, marketParams(await balanceFuse.getAddress()));
      await s.vault.connect(s.fuseManager).addFuses([await writer.getAddress()]);
      const supply = await s.vault.totalSupply();
      const data = writer.interface.encodeFunctionData("writeTotalSupply", [supply + 1n]);
      await expect(s.vault.connect(s.alpha).execute([{ fuse: await writer.getAddress(), data }]))
        .to.be.revertedWithCustomError(s.vault, "ShareSupplyChanged")
        .withArgs(supply, supply + 1n);
      const noop = writer.interface.encodeFunctionData("noop");
      await s.vault.connect(s.alpha).execute([{ fuse: await writer.getAddress(), data: noop }]);
    });
  });

  describe("instant withdrawals", function () {
    it("serves from idle, then markets in the configured order; InsufficientLiquidity beyond", async function () {
      const f = await load();
      const { s } = f;
      const second = await addErc4626Market(s, 5n);
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([
        await enter(f, 300n * U),
        {
          fuse: await second.fuse.getAddress(),
          data: second.fuse.interface.encodeFunctionData("enter", [await second.target.getAddress(), 300n * U]),
        },
        await levAction(f, "addMargin", 300n * U),
      ]);
      const firstFuse = await f.m4626.fuse.getAddress();
      const secondFuse = await second.fuse.getAddress();
      await expect(s.vault.connect(s.atomist).setInstantWithdrawFuses([secondFuse, firstFuse]))
        .to.emit(s.vault, "InstantWithdrawFusesSet")
        .withArgs([secondFuse, firstFuse]);
      // Idle 100; withdraw 500: second market gives 300, first 100.
      const tx = s.vault.connect(f.alice).withdraw(500n * U, f.alice.address, f.alice.address);
      await expect(tx).to.emit(s.vault, "InstantWithdrawal").withArgs(secondFuse, 400n * U, 300n * U);
      await expect(tx).to.emit(s.vault, "InstantWithdrawal").withArgs(firstFuse, 100n * U, 100n * U);
      const receipt = await (await tx).wait();
      const order = receipt?.logs
        .map((l) => s.vault.interface.parseLog(l))
        .filter((p) => p?.name === "InstantWithdrawal")
        .map((p) => p?.args[0]);
      expect(order).to.deep.equal([secondFuse, firstFuse]);
      expect((await s.vault.getMarket(5n)).balance).to.equal(0n);
      expect((await s.vault.getMarket(ERC4626_MARKET)).balance).to.equal(200n * U);
      // 200 instant-withdrawable left, 300 stuck at the leveraged venue.
      await expect(s.vault.connect(f.alice).withdraw(201n * U, f.alice.address, f.alice.address))
        .to.be.revertedWithCustomError(s.vault, "InsufficientLiquidity")
        .withArgs(201n * U, 200n * U);
    });

    it("setInstantWithdrawFuses refuses a fuse that is not allowed, and too many fuses", async function () {
      const f = await load();
      const { s } = f;
      const levFuse = await f.lev.fuse.getAddress();
      await expect(s.vault.connect(s.atomist).setInstantWithdrawFuses([f.outsider.address]))
        .to.be.revertedWithCustomError(s.vault, "FuseNotAllowed")
        .withArgs(f.outsider.address);
      await expect(s.vault.connect(s.atomist).setInstantWithdrawFuses(Array<string>(33).fill(levFuse)))
        .to.be.revertedWithCustomError(s.vault, "TooManyMarkets")
        .withArgs(32n);
    });

    it("a removed instant-withdraw fuse is skipped", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      await s.vault.connect(s.guardian).removeFuses([await f.m4626.fuse.getAddress()]);
      expect(await s.vault.maxWithdraw(f.alice.address)).to.equal(500n * U);
      await expect(s.vault.connect(f.alice).withdraw(501n * U, f.alice.address, f.alice.address))
        .to.be.revertedWithCustomError(s.vault, "InsufficientLiquidity")
        .withArgs(501n * U, 500n * U);
    });
    it("a reverting instant-withdraw fuse is skipped, not fatal: the next one serves the redemption", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U)]);
      // The leveraged test fuse has no instantWithdraw: listed first, its delegatecall reverts.
      const levFuse = await f.lev.fuse.getAddress();
      await s.vault.connect(s.atomist).setInstantWithdrawFuses([levFuse, await f.m4626.fuse.getAddress()]);
      await expect(s.vault.connect(f.alice).withdraw(700n * U, f.alice.address, f.alice.address))
        .to.emit(s.vault, "InstantWithdrawalFailed")
        .and.to.emit(s.vault, "InstantWithdrawal")
        .withArgs(await f.m4626.fuse.getAddress(), 200n * U, 200n * U);
      expect(await s.vault.totalAssets()).to.equal(300n * U);
    });
  });

  describe("market dependencies", function () {
    // A WETH-like token (6 decimals, $1) the vault can hold: market A (a venue taking WETH) moves it out of the
    // vault, market B values what the vault holds. Without the dependency, B's cache would keep counting it.
    async function twoMarkets() {
      const f = await load();
      const { s } = f;
      const weth = await ethers.deployContract("TestERC20", ["WETH (test)", "WETH", 6]);
      const wethFeed = await ethers.deployContract("TestPriceFeed", [8, 100_000_000n]);
      await s.oracle.connect(s.atomist).setFeed(await weth.getAddress(), await wethFeed.getAddress(), 3600);
      const venue = await ethers.deployContract("TestLeveragedVenue", [await weth.getAddress()]);
      const fuseA = await ethers.deployContract("TestLeveragedFuse", [10n]);
      const balanceA = await ethers.deployContract("TestLeveragedBalanceFuse", [10n]);
      const balanceB = await ethers.deployContract("TestOracleValuedBalanceFuse", [11n, await weth.getAddress()]);
      await s.vault.connect(s.atomist).grantSubstrates(10n, [addressSubstrate(ethers, await venue.getAddress())]);
      await s.vault.connect(s.atomist).configureMarket(10n, marketParams(await balanceA.getAddress()));
      await s.vault.connect(s.atomist).configureMarket(11n, marketParams(await balanceB.getAddress()));
      await s.vault.connect(s.fuseManager).addFuses([await fuseA.getAddress()]);
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await weth.mint(await s.vault.getAddress(), 100n * U); // e.g. bought by a swap fuse
      await s.vault.connect(s.alpha).refreshMarketBalances([11n]);
      const supplyWeth = {
        fuse: await fuseA.getAddress(),
        data: fuseA.interface.encodeFunctionData("addMargin", [await venue.getAddress(), 100n * U]),
      };
      return { ...f, supplyWeth };
    }

    it("without a declared dependency, a market's cache goes on counting tokens another market took", async function () {
      const { s, supplyWeth } = await twoMarkets();
      await s.vault.connect(s.alpha).execute([supplyWeth]);
      expect(await s.vault.totalAssets()).to.equal(1_200n * U); // 100 WETH counted twice
    });

    it("with it, execute values both markets together: no double count, and both pass the guardrails", async function () {
      const { s, supplyWeth } = await twoMarkets();
      await expect(s.vault.connect(s.atomist).setMarketDependencies(10n, [11n]))
        .to.emit(s.vault, "MarketDependenciesSet")
        .withArgs(10n, [11n]);
      expect(await s.vault.getMarketDependencies(10n)).to.deep.equal([11n]);
      await expect(s.vault.connect(s.alpha).execute([supplyWeth]))
        .to.emit(s.vault, "MarketBalanceUpdated")
        .withArgs(11n, 0n, 0n);
      expect(await s.vault.totalAssets()).to.equal(1_100n * U);
    });

    it("setMarketDependencies refuses itself, an inactive market, a repeat, and a caller without the role", async function () {
      const { s, outsider } = await twoMarkets();
      await expect(s.vault.connect(s.atomist).setMarketDependencies(10n, [10n]))
        .to.be.revertedWithCustomError(s.vault, "InvalidDependency").withArgs(10n, 10n);
      await expect(s.vault.connect(s.atomist).setMarketDependencies(10n, [99n]))
        .to.be.revertedWithCustomError(s.vault, "InvalidDependency").withArgs(10n, 99n);
      await expect(s.vault.connect(s.atomist).setMarketDependencies(10n, [11n, 11n]))
        .to.be.revertedWithCustomError(s.vault, "InvalidDependency").withArgs(10n, 11n);
      await expect(s.vault.connect(s.atomist).setMarketDependencies(99n, [11n]))
        .to.be.revertedWithCustomError(s.vault, "MarketNotActive").withArgs(99n);
      await expect(s.vault.connect(outsider).setMarketDependencies(10n, [11n]))
        .to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized").withArgs(outsider.address);
    });
  });

  describe("configuration", function () {
    it("configureMarket validates id, fuse, bps, age, market id match and the market count", async function () {
      const f = await load();
      const { s } = f;
      const bf = await f.m4626.balanceFuse.getAddress();
      const v = s.vault.connect(s.atomist);
      await expect(v.configureMarket(0n, marketParams(bf))).to.be.revertedWithCustomError(s.vault, "InvalidMarketId");
      await expect(v.configureMarket(1n, marketParams(ethers.ZeroAddress))).to.be.revertedWithCustomError(s.vault, "ZeroAddress");
      await expect(v.configureMarket(1n, marketParams(bf, { capBps: 10_001 })))
        .to.be.revertedWithCustomError(s.vault, "InvalidBps")
        .withArgs(10_001n);
      await expect(v.configureMarket(1n, marketParams(bf, { maxBalanceAge: 0 }))).to.be.revertedWithCustomError(
        s.vault,
        "InvalidMaxBalanceAge",
      );
      await expect(v.configureMarket(7n, marketParams(bf)))
        .to.be.revertedWithCustomError(s.vault, "FuseMarketMismatch")
        .withArgs(bf, 7n, ERC4626_MARKET);
      for (let id = 10n; id < 40n; id++) {
        const b = await ethers.deployContract("TestLeveragedBalanceFuse", [id]);
        await v.configureMarket(id, marketParams(await b.getAddress()));
      }
      const extra = await ethers.deployContract("TestLeveragedBalanceFuse", [40n]);
      await expect(v.configureMarket(40n, marketParams(await extra.getAddress())))
        .to.be.revertedWithCustomError(s.vault, "TooManyMarkets")
        .withArgs(32n);
    });

    it("configureMarket emits MarketConfigured and values the market at once; updating keeps one entry", async function () {
      const f = await load();
      const { s } = f;
      const bf = await ethers.deployContract("TestLeveragedBalanceFuse", [6n]);
      const params = marketParams(await bf.getAddress(), { capBps: 1_234, capAssets: 5n, maxLeverageWad: WAD, maxBalanceAge: 60 });
      const tx = s.vault.connect(s.atomist).configureMarket(6n, params);
      await expect(tx)
        .to.emit(s.vault, "MarketConfigured")
        .withArgs(6n, await bf.getAddress(), 1_234n, 5n, WAD, 60n);
      await expect(tx).to.emit(s.vault, "MarketBalanceUpdated").withArgs(6n, 0n, 0n);
      expect(await s.vault.navExpiresAt()).to.equal(BigInt(await time.latest()) + 60n);
      await s.vault.connect(s.atomist).configureMarket(6n, { ...params, capBps: 10 });
      expect(await s.vault.getMarketIds()).to.deep.equal([ERC4626_MARKET, LEV_MARKET, 6n]);
      expect((await s.vault.getMarket(6n)).capBps).to.equal(10n);
    });

    it("addFuses needs an active market and emits FuseAdded", async function () {
      const f = await load();
      const { s } = f;
      const orphan = await ethers.deployContract("Erc4626SupplyFuse", [77n]);
      await expect(s.vault.connect(s.fuseManager).addFuses([await orphan.getAddress()]))
        .to.be.revertedWithCustomError(s.vault, "MarketNotActive")
        .withArgs(77n);
      const fuse = await ethers.deployContract("Erc4626SupplyFuse", [ERC4626_MARKET]);
      await expect(s.vault.connect(s.fuseManager).addFuses([await fuse.getAddress()]))
        .to.emit(s.vault, "FuseAdded")
        .withArgs(await fuse.getAddress(), ERC4626_MARKET);
    });

    it("grantSubstrates / revokeSubstrates emit once per change and keep the list consistent", async function () {
      const f = await load();
      const { s } = f;
      const a = addressSubstrate(ethers, f.alice.address);
      const b = addressSubstrate(ethers, f.bob.address);
      await expect(s.vault.connect(s.atomist).grantSubstrates(9n, [a, b, a]))
        .to.emit(s.vault, "SubstrateGranted")
        .withArgs(9n, a);
      expect(await s.vault.getSubstrates(9n)).to.deep.equal([a, b]);
      await expect(s.vault.connect(s.guardian).revokeSubstrates(9n, [a, a]))
        .to.emit(s.vault, "SubstrateRevoked")
        .withArgs(9n, a);
      expect(await s.vault.getSubstrates(9n)).to.deep.equal([b]);
      expect(await s.vault.isSubstrateAllowed(9n, a)).to.equal(false);
      await expect(s.vault.connect(s.guardian).revokeSubstrates(9n, [a])).not.to.emit(s.vault, "SubstrateRevoked");
    });

    it("a revoked venue can no longer be used by the fuse", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      const venue = addressSubstrate(ethers, await f.lev.venue.getAddress());
      await s.vault.connect(s.guardian).revokeSubstrates(LEV_MARKET, [venue]);
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 1n)]))
        .to.be.revertedWithCustomError(f.lev.fuse, "SubstrateNotAllowed")
        .withArgs(LEV_MARKET, venue);
    });

    it("revokeSubstrates refuses to revoke a substrate that still holds a position (it would vanish from NAV)", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await enter(f, 500n * U), await levAction(f, "addMargin", 100n * U)]);
      const target = addressSubstrate(ethers, await f.m4626.target.getAddress());
      await expect(s.vault.connect(s.guardian).revokeSubstrates(ERC4626_MARKET, [target]))
        .to.be.revertedWithCustomError(s.vault, "SubstrateHoldsPosition")
        .withArgs(ERC4626_MARKET, 500n * U, 0n, 0n, 0n);
      const venue = addressSubstrate(ethers, await f.lev.venue.getAddress());
      await expect(s.vault.connect(s.guardian).revokeSubstrates(LEV_MARKET, [venue]))
        .to.be.revertedWithCustomError(s.vault, "SubstrateHoldsPosition")
        .withArgs(LEV_MARKET, 100n * U, 0n, 0n, 0n);
      // Once unwound, the revocation goes through; NAV is intact and the market can be removed.
      await s.vault.connect(s.alpha).execute([await exit(f, 500n * U)]);
      await expect(s.vault.connect(s.guardian).revokeSubstrates(ERC4626_MARKET, [target]))
        .to.emit(s.vault, "SubstrateRevoked")
        .withArgs(ERC4626_MARKET, target);
      await s.vault.connect(s.atomist).removeMarket(ERC4626_MARKET);
      expect(await s.vault.totalAssets()).to.equal(1_000n * U);
    });

    it("setPriceOracle refuses zero and emits PriceOracleSet", async function () {
      const f = await load();
      const { s } = f;
      await expect(s.vault.connect(s.atomist).setPriceOracle(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        s.vault,
        "ZeroAddress",
      );
      await expect(s.vault.connect(s.atomist).setPriceOracle(f.bob.address))
        .to.emit(s.vault, "PriceOracleSet")
        .withArgs(f.bob.address);
      expect(await s.vault.priceOracle()).to.equal(f.bob.address);
    });

    it("lowerMarketLimits refuses raises and inactive markets", async function () {
      const f = await load();
      const { s } = f;
      const g = s.vault.connect(s.guardian);
      await expect(g.lowerMarketLimits(9n, 0, 0n, 0n)).to.be.revertedWithCustomError(s.vault, "MarketNotActive").withArgs(9n);
      await expect(g.lowerMarketLimits(LEV_MARKET, 10_000, 0n, 4n * WAD))
        .to.be.revertedWithCustomError(s.vault, "NotALowering")
        .withArgs(LEV_MARKET);
      await g.lowerMarketLimits(LEV_MARKET, 5_000, 100n * U, 2n * WAD);
      await expect(g.lowerMarketLimits(LEV_MARKET, 5_001, 100n * U, 2n * WAD)).to.be.revertedWithCustomError(s.vault, "NotALowering");
      await expect(g.lowerMarketLimits(LEV_MARKET, 5_000, 101n * U, 2n * WAD)).to.be.revertedWithCustomError(s.vault, "NotALowering");
      // Dropping an absolute cap (0 = none) would raise it.
      await expect(g.lowerMarketLimits(LEV_MARKET, 5_000, 0n, 2n * WAD)).to.be.revertedWithCustomError(s.vault, "NotALowering");
      await g.lowerMarketLimits(LEV_MARKET, 5_000, 99n * U, 2n * WAD);
      const m = await s.vault.getMarket(LEV_MARKET);
      expect([m.capBps, m.capAssets, m.maxLeverageWad]).to.deep.equal([5_000n, 99n * U, 2n * WAD]);
    });

    it("removeMarket refuses a non-empty market, removes an empty one, and its fuses stop", async function () {
      const f = await load();
      const { s } = f;
      await s.vault.connect(f.alice).deposit(1_000n * U, f.alice.address);
      await s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 100n * U), await levAction(f, "setNotional", 50n * U)]);
      await expect(s.vault.connect(s.atomist).removeMarket(LEV_MARKET))
        .to.be.revertedWithCustomError(s.vault, "MarketNotEmpty")
        .withArgs(LEV_MARKET, 100n * U, 50n * U, 0n);
      await s.vault.connect(s.alpha).execute([await levAction(f, "setNotional", 0n), await levAction(f, "removeMargin", 100n * U)]);
      await expect(s.vault.connect(s.atomist).removeMarket(LEV_MARKET)).to.emit(s.vault, "MarketRemoved").withArgs(LEV_MARKET);
      expect(await s.vault.getMarketIds()).to.deep.equal([ERC4626_MARKET]);
      expect((await s.vault.getMarket(LEV_MARKET)).active).to.equal(false);
      await expect(s.vault.connect(s.atomist).removeMarket(LEV_MARKET))
        .to.be.revertedWithCustomError(s.vault, "MarketNotActive")
        .withArgs(LEV_MARKET);
      // The market's fuses and substrates are forgotten with it: reusing the id later starts from nothing.
      const levFuse = await f.lev.fuse.getAddress();
      await expect(s.vault.connect(s.alpha).execute([await levAction(f, "addMargin", 1n)]))
        .to.be.revertedWithCustomError(s.vault, "FuseNotAllowed")
        .withArgs(levFuse);
      expect(await s.vault.fuseMarketId(levFuse)).to.equal(0n);
      expect(await s.vault.getMarketFuses(LEV_MARKET)).to.deep.equal([]);
      expect(await s.vault.getSubstrates(LEV_MARKET)).to.deep.equal([]);
      expect(await s.vault.totalAssets()).to.equal(1_000n * U);
    });
  });

  describe("roles", function () {
    it("every restricted function refuses a caller without its role", async function () {
      const f = await load();
      const { s, outsider } = f;
      const v = s.vault.connect(outsider);
      const bf = await f.m4626.balanceFuse.getAddress();
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["configureMarket", () => v.configureMarket(1n, marketParams(bf))],
        ["addFuses", () => v.addFuses([bf])],
        ["grantSubstrates", () => v.grantSubstrates(1n, [])],
        ["setIdleBufferBps", () => v.setIdleBufferBps(0)],
        ["setInstantWithdrawFuses", () => v.setInstantWithdrawFuses([])],
        ["setDepositorAllowlistEnabled", () => v.setDepositorAllowlistEnabled(true)],
        ["setDepositorsAllowed", () => v.setDepositorsAllowed([], true)],
        ["setPriceOracle", () => v.setPriceOracle(outsider.address)],
        ["pause", () => v.pause()],
        ["unpause", () => v.unpause()],
        ["lowerMarketLimits", () => v.lowerMarketLimits(1n, 0, 0n, 0n)],
        ["revokeSubstrates", () => v.revokeSubstrates(1n, [])],
        ["removeFuses", () => v.removeFuses([])],
        ["removeMarket", () => v.removeMarket(1n)],
        ["execute", () => v.execute([])],
      ];
      for (const [, call] of calls) {
        await expect(call()).to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized").withArgs(outsider.address);
      }
      // Roles are not interchangeable: the alpha cannot pause, the guardian cannot configure or unpause.
      await expect(s.vault.connect(s.alpha).pause()).to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized");
      await expect(s.vault.connect(s.guardian).unpause()).to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized");
      await expect(s.vault.connect(s.guardian).setIdleBufferBps(0)).to.be.revertedWithCustomError(
        s.vault,
        "AccessManagedUnauthorized",
      );
      await expect(s.vault.connect(s.atomist).addFuses([])).to.be.revertedWithCustomError(s.vault, "AccessManagedUnauthorized");
    });
  });

  describe("timelocks (AccessManager execution delay)", function () {
    async function delayedAtomist(f: Fixture): Promise<HardhatEthersSigner> {
      const signer = f.s.depositors[7];
      if (signer === undefined) throw new Error("signers");
      await f.s.manager.grantRole(1n, signer.address, Number(DAY));
      return signer;
    }

    it("a delayed atomist cannot call directly, cannot execute early, and applies after the delay", async function () {
      const f = await load();
      const { s } = f;
      const atomist = await delayedAtomist(f);
      const vaultAddress = await s.vault.getAddress();
      const data = s.vault.interface.encodeFunctionData("setIdleBufferBps", [2_000]);
      await expect(s.vault.connect(atomist).setIdleBufferBps(2_000)).to.be.revertedWithCustomError(
        s.manager,
        "AccessManagerNotScheduled",
      );
      const opId = await s.manager.hashOperation(atomist.address, vaultAddress, data);
      await expect(s.manager.connect(atomist).schedule(vaultAddress, data, 0)).to.emit(s.manager, "OperationScheduled");
      await expect(s.manager.connect(atomist).execute(vaultAddress, data))
        .to.be.revertedWithCustomError(s.manager, "AccessManagerNotReady")
        .withArgs(opId);
      await time.increase(DAY - 10n);
      await expect(s.manager.connect(atomist).execute(vaultAddress, data)).to.be.revertedWithCustomError(
        s.manager,
        "AccessManagerNotReady",
      );
      await time.increase(10n);
      await expect(s.manager.connect(atomist).execute(vaultAddress, data)).to.emit(s.vault, "IdleBufferSet").withArgs(2_000n);
      expect(await s.vault.idleBufferBps()).to.equal(2_000n);
    });

    it("a delayed configureMarket applies only through schedule + execute", async function () {
      const f = await load();
      const { s } = f;
      const atomist = await delayedAtomist(f);
      const vaultAddress = await s.vault.getAddress();
      const params = marketParams(await f.m4626.balanceFuse.getAddress(), { capBps: 100 });
      await expect(s.vault.connect(atomist).configureMarket(ERC4626_MARKET, params)).to.be.revertedWithCustomError(
        s.manager,
        "AccessManagerNotScheduled",
      );
      const data = s.vault.interface.encodeFunctionData("configureMarket", [ERC4626_MARKET, params]);
      await s.manager.connect(atomist).schedule(vaultAddress, data, 0);
      await expect(s.manager.connect(atomist).execute(vaultAddress, data)).to.be.revertedWithCustomError(
        s.manager,
        "AccessManagerNotReady",
      );
      await time.increase(DAY);
      await expect(s.manager.connect(atomist).execute(vaultAddress, data)).to.emit(s.vault, "MarketConfigured");
      expect((await s.vault.getMarket(ERC4626_MARKET)).capBps).to.equal(100n);
    });

    it("the guardian cancels a scheduled change; guardian functions have no delay", async function () {
      const f = await load();
      const { s } = f;
      const atomist = await delayedAtomist(f);
      const vaultAddress = await s.vault.getAddress();
      const data = s.vault.interface.encodeFunctionData("setIdleBufferBps", [0]);
      await s.manager.connect(atomist).schedule(vaultAddress, data, 0);
      const opId = await s.manager.hashOperation(atomist.address, vaultAddress, data);
      // An outsider cannot cancel.
      await expect(s.manager.connect(f.outsider).cancel(atomist.address, vaultAddress, data)).to.be.revertedWithCustomError(
        s.manager,
        "AccessManagerUnauthorizedCancel",
      );
      await expect(s.manager.connect(s.guardian).cancel(atomist.address, vaultAddress, data))
        .to.emit(s.manager, "OperationCanceled")
        .withArgs(opId, 1n);
      await time.increase(DAY);
      await expect(s.manager.connect(atomist).execute(vaultAddress, data))
        .to.be.revertedWithCustomError(s.manager, "AccessManagerNotScheduled")
        .withArgs(opId);
      expect(await s.vault.idleBufferBps()).to.equal(1_000n);
      // Guardian: immediate.
      await s.vault.connect(s.guardian).pause();
      await s.vault.connect(s.guardian).lowerMarketLimits(ERC4626_MARKET, 1, 0n, 0n);
      expect(await s.vault.paused()).to.equal(true);
    });
  });
});
