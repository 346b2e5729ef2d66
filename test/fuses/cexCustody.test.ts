import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import type { ContractTransactionResponse } from "ethers";
import { DAY, ONE_USDC, addressSubstrate, deployVaultStack, marketParams } from "../fixtures/vault.js";
import { CUSTODY_FUNCTION_ROLES, ROLES, wireTargetRoles } from "../../scripts/lib/access.js";
import { deployHarness, keys } from "./harness.js";

const CEX = 3n;
const MAX_REPORT_AGE = DAY;
const MAX_CHANGE_BPS = 500n; // 5% of unexplained change ...
const CHANGE_WINDOW = DAY; // ... per day, however many reports it is split into
const gasUsed = new Map<string, bigint>();

async function recordGas(label: string, tx: Promise<ContractTransactionResponse>): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  gasUsed.set(label, receipt.gasUsed);
}

function signer<T>(list: T[], i: number): T {
  const s = list[i];
  if (s === undefined) throw new Error(`no signer ${i}`);
  return s;
}

describe("CEX whitelist fuse + custody reports", function () {
  let connection: NetworkConnection;
  before(async function () {
    connection = await network.create();
  });

  async function fixture() {
    const s = await deployVaultStack(connection);
    const { ethers, admin, atomist, fuseManager, manager, vault, depositors } = s;
    const [alice, bob] = [signer(depositors, 0), signer(depositors, 1)];
    const [reporter1, reporter2] = [signer(depositors, 5), signer(depositors, 6)];
    const [binance, okx, stranger] = [signer(depositors, 7), signer(depositors, 8), signer(depositors, 9)];

    const custody = await ethers.deployContract("CexCustodyOracle", [vault.target, manager.target, MAX_REPORT_AGE, MAX_CHANGE_BPS, CHANGE_WINDOW]);
    await wireTargetRoles(manager, custody, CUSTODY_FUNCTION_ROLES);
    await (await manager.connect(admin).grantRole(ROLES.REPORTER, reporter1.address, 0)).wait();
    await (await manager.connect(admin).grantRole(ROLES.REPORTER, reporter2.address, 0)).wait();
    // The custody contract pauses the vault on a jumping report: it holds GUARDIAN, and its code calls only pause().
    await (await manager.connect(admin).grantRole(ROLES.GUARDIAN, custody.target, 0)).wait();

    const fuse = await ethers.deployContract("CexTransferFuse", [CEX, custody.target]);
    const balanceFuse = await ethers.deployContract("CexBalanceFuse", [CEX, custody.target]);
    const substrates = [binance.address, okx.address].map((a) => addressSubstrate(ethers, a));
    await (await vault.connect(atomist).grantSubstrates(CEX, substrates)).wait();
    await (await vault.connect(atomist).configureMarket(CEX, marketParams(await balanceFuse.getAddress()))).wait();
    await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
    await (await vault.connect(atomist).setDepositorAllowlistEnabled(true)).wait();
    await (await vault.connect(atomist).setDepositorsAllowed([alice.address, bob.address], true)).wait();
    await (await vault.connect(alice).deposit(100_000n * ONE_USDC, alice.address)).wait();
    return { s, custody, fuse, balanceFuse, alice, bob, reporter1, reporter2, binance, okx, stranger };
  }

  let f: Awaited<ReturnType<typeof fixture>>;
  beforeEach(async function () {
    f = await connection.networkHelpers.loadFixture(fixture);
  });

  after(function () {
    console.log("      gas (whole tx):");
    for (const [label, gas] of gasUsed) console.log(`        ${label}: ${gas}`);
  });

  async function now(): Promise<bigint> {
    return BigInt(await connection.networkHelpers.time.latest());
  }
  /** A report's as-of time: reporters observe the exchange a minute after the last on-chain action. */
  async function observe(): Promise<bigint> {
    await connection.networkHelpers.time.increase(60);
    return now();
  }
  function send(account: string, amount: bigint) {
    return { fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("transferToExchange", [account, amount]) };
  }
  function requestReturn(account: string, amount: bigint) {
    return { fuse: f.fuse.target as string, data: f.fuse.interface.encodeFunctionData("requestReturn", [account, amount]) };
  }
  async function report(account: string, balance: bigint, sentCovered: bigint, returnedCovered: bigint, gasLabel?: string) {
    const asOf = await observe();
    const args = [account, balance, sentCovered, returnedCovered, asOf] as const;
    const proposeTx = f.custody.connect(f.reporter1).propose(...args);
    const confirmTx = async () => f.custody.connect(f.reporter2).confirm(...args);
    if (gasLabel === undefined) {
      await (await proposeTx).wait();
      await (await confirmTx()).wait();
    } else {
      await recordGas(`CexCustodyOracle.propose${gasLabel}`, proposeTx);
      await recordGas(`CexCustodyOracle.confirm${gasLabel}`, confirmTx());
    }
    return asOf;
  }
  async function marketBalance(): Promise<bigint> {
    await (await f.s.vault.connect(f.s.alpha).refreshMarketBalances([CEX])).wait();
    return (await f.s.vault.getMarket(CEX)).balance;
  }

  it("sends margin, counts it in transit, and a covering report neither double-counts nor drops it", async function () {
    const { vault, alpha, usdc } = f.s;
    const binance = f.binance.address;
    await recordGas("CexTransferFuse.transferToExchange (first, via execute)", vault.connect(alpha).execute([send(binance, 30_000n * ONE_USDC)]));
    expect(await usdc.balanceOf(binance)).to.equal(30_000n * ONE_USDC);
    expect((await vault.getMarket(CEX)).balance).to.equal(30_000n * ONE_USDC); // in transit
    expect(await vault.totalAssets()).to.equal(100_000n * ONE_USDC);

    await report(binance, 30_000n * ONE_USDC, 30_000n * ONE_USDC, 0n, " (applied)");
    expect(await marketBalance()).to.equal(30_000n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(100_000n * ONE_USDC);

    await recordGas("CexTransferFuse.transferToExchange (next, via execute)", vault.connect(alpha).execute([send(binance, 10_000n * ONE_USDC)]));
    expect(await vault.totalAssets()).to.equal(100_000n * ONE_USDC);
    // A report taken before the exchange credited the second transfer: +1% PnL on the first, the 10k still in transit.
    await report(binance, 30_300n * ONE_USDC, 30_000n * ONE_USDC, 0n);
    expect(await marketBalance()).to.equal(40_300n * ONE_USDC);
    // The next report covers it.
    await report(binance, 40_350n * ONE_USDC, 40_000n * ONE_USDC, 0n);
    await recordGas("vault.connect(alpha).refreshMarketBalances([cex]) (CexBalanceFuse)", vault.connect(alpha).refreshMarketBalances([CEX]));
    expect((await vault.getMarket(CEX)).balance).to.equal(40_350n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(100_350n * ONE_USDC);
  });

  it("books a return before it is asked for: undervalued in flight, exact once it lands and once reported", async function () {
    const { vault, alpha, usdc } = f.s;
    const binance = f.binance.address;
    await (await vault.connect(alpha).execute([send(binance, 40_000n * ONE_USDC)])).wait();
    await report(binance, 40_000n * ONE_USDC, 40_000n * ONE_USDC, 0n);

    await recordGas("CexTransferFuse.requestReturn (via execute)", vault.connect(alpha).execute([requestReturn(binance, 15_000n * ONE_USDC)]));
    expect((await vault.getMarket(CEX)).balance).to.equal(25_000n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(85_000n * ONE_USDC); // in flight back: counted nowhere, never twice

    await (await usdc.connect(f.binance).transfer(vault.target, 15_000n * ONE_USDC)).wait(); // the exchange pays out
    expect(await vault.totalAssets()).to.equal(100_000n * ONE_USDC);
    await report(binance, 25_000n * ONE_USDC, 40_000n * ONE_USDC, 15_000n * ONE_USDC);
    expect(await marketBalance()).to.equal(25_000n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(100_000n * ONE_USDC);

    await expect(vault.connect(alpha).execute([requestReturn(binance, 25_001n * ONE_USDC)]))
      .to.be.revertedWithCustomError(f.custody, "ReturnExceedsValue")
      .withArgs(binance, 25_001n * ONE_USDC, 25_000n * ONE_USDC);
  });

  it("refuses an exchange address the market does not allow", async function () {
    const { vault, alpha, ethers } = f.s;
    await expect(vault.connect(alpha).execute([send(f.stranger.address, ONE_USDC)]))
      .to.be.revertedWithCustomError(f.fuse, "SubstrateNotAllowed")
      .withArgs(CEX, addressSubstrate(ethers, f.stranger.address));
  });

  it("refuses to send in a public vault (depositor allowlist off)", async function () {
    const { vault, alpha, atomist } = f.s;
    await (await vault.connect(atomist).setDepositorAllowlistEnabled(false)).wait();
    await expect(vault.connect(alpha).execute([send(f.binance.address, ONE_USDC)])).to.be.revertedWithCustomError(
      f.fuse,
      "CexFuseRequiresRestrictedVault",
    );
  });

  it("market cap: refuses a risk-raising transfer, allows booking a return while still above the cap", async function () {
    const { vault, alpha, guardian } = f.s;
    await (await vault.connect(guardian).lowerMarketLimits(CEX, 4_000, 0n, 0n)).wait();
    await expect(vault.connect(alpha).execute([send(f.binance.address, 50_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded")
      .withArgs(CEX, 40_000n * ONE_USDC, 50_000n * ONE_USDC);
    await (await vault.connect(alpha).execute([send(f.binance.address, 40_000n * ONE_USDC)])).wait();
    await (await vault.connect(guardian).lowerMarketLimits(CEX, 2_000, 0n, 0n)).wait();
    await expect(vault.connect(alpha).execute([send(f.okx.address, ONE_USDC)])).to.be.revertedWithCustomError(vault, "MarketCapExceeded");
    await (await vault.connect(alpha).execute([requestReturn(f.binance.address, 5_000n * ONE_USDC)])).wait();
    expect((await vault.getMarket(CEX)).balance).to.equal(35_000n * ONE_USDC); // still above 20%, allowed
  });

  it("idle buffer: refuses a transfer that eats the buffer, allows booking a return", async function () {
    const { vault, alpha, atomist } = f.s;
    await expect(vault.connect(alpha).execute([send(f.binance.address, 95_000n * ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "IdleBufferBreached")
      .withArgs(10_000n * ONE_USDC, 5_000n * ONE_USDC);
    await (await vault.connect(alpha).execute([send(f.binance.address, 85_000n * ONE_USDC)])).wait();
    await (await vault.connect(atomist).setIdleBufferBps(2_000)).wait();
    await expect(vault.connect(alpha).execute([send(f.binance.address, ONE_USDC)]))
      .to.be.revertedWithCustomError(vault, "IdleBufferBreached")
      .withArgs(20_000n * ONE_USDC, 15_000n * ONE_USDC - ONE_USDC);
    await (await vault.connect(alpha).execute([requestReturn(f.binance.address, 10_000n * ONE_USDC)])).wait();
  });

  it("needs two different reporters restating the same numbers; others may not report", async function () {
    const { vault, alpha } = f.s;
    const binance = f.binance.address;
    await (await vault.connect(alpha).execute([send(binance, 10_000n * ONE_USDC)])).wait();
    const asOf = await observe();
    const args = [binance, 10_000n * ONE_USDC, 10_000n * ONE_USDC, 0n, asOf] as const;
    await expect(f.custody.connect(f.stranger).propose(...args)).to.be.revertedWithCustomError(f.custody, "AccessManagedUnauthorized");
    await (await f.custody.connect(f.reporter1).propose(...args)).wait();
    await expect(f.custody.connect(f.reporter1).confirm(...args))
      .to.be.revertedWithCustomError(f.custody, "SelfConfirmation")
      .withArgs(f.reporter1.address);
    await expect(f.custody.connect(f.reporter2).confirm(binance, 10_001n * ONE_USDC, 10_000n * ONE_USDC, 0n, asOf))
      .to.be.revertedWithCustomError(f.custody, "ReportMismatch")
      .withArgs(binance);
    // Coverage beyond what was really sent, or a report on an address never used, is refused outright.
    await expect(f.custody.connect(f.reporter1).propose(binance, 0n, 10_001n * ONE_USDC, 0n, asOf))
      .to.be.revertedWithCustomError(f.custody, "InvalidCoverage")
      .withArgs(10_001n * ONE_USDC, 0n, 10_000n * ONE_USDC);
    await expect(f.custody.connect(f.reporter1).propose(f.okx.address, 1n, 0n, 0n, asOf))
      .to.be.revertedWithCustomError(f.custody, "UnknownAccount")
      .withArgs(f.okx.address);
    await expect(f.custody.connect(f.reporter2).confirm(...args)).to.emit(f.custody, "ReportConfirmed").withArgs(binance, f.reporter2.address, 10_000n * ONE_USDC, asOf);
  });

  it("a stale report blocks deposits with StaleCustodyReport until a fresh one lands; redemptions go on with it at zero", async function () {
    const { vault, alpha } = f.s;
    const binance = f.binance.address;
    await (await vault.connect(alpha).execute([send(binance, 30_000n * ONE_USDC)])).wait();
    const sentAt = await now();
    // Before any report, staleness runs from the first transfer.
    await connection.networkHelpers.time.increase(MAX_REPORT_AGE + 1n);
    await expect(vault.connect(alpha).refreshMarketBalances([CEX]))
      .to.be.revertedWithCustomError(f.custody, "StaleCustodyReport")
      .withArgs(binance, sentAt, MAX_REPORT_AGE);
    const asOf = await report(binance, 30_000n * ONE_USDC, 30_000n * ONE_USDC, 0n);
    await (await vault.connect(alpha).refreshMarketBalances([CEX])).wait();

    await connection.networkHelpers.time.increase(MAX_REPORT_AGE + 1n); // report and cached balance both expire
    await expect(vault.connect(f.alice).deposit(ONE_USDC, f.alice.address))
      .to.be.revertedWithCustomError(f.custody, "StaleCustodyReport")
      .withArgs(binance, asOf, MAX_REPORT_AGE);
    // Exits never freeze: the custody balance counts zero for this redemption's price (never in the redeemer's favour).
    await expect(vault.connect(f.alice).redeem(ONE_USDC, f.alice.address, f.alice.address))
      .to.emit(vault, "MarketValuationFailed");

    await report(binance, 30_000n * ONE_USDC, 30_000n * ONE_USDC, 0n);
    await (await vault.connect(f.alice).deposit(ONE_USDC, f.alice.address)).wait();
    await (await vault.connect(f.alice).redeem(ONE_USDC, f.alice.address, f.alice.address)).wait();
  });

  it("a jumping report pauses deposits, values the lower view, and waits for the atomist", async function () {
    const { vault, alpha, atomist, usdc } = f.s;
    const binance = f.binance.address;
    await (await vault.connect(alpha).execute([send(binance, 30_000n * ONE_USDC)])).wait();
    await report(binance, 30_000n * ONE_USDC, 30_000n * ONE_USDC, 0n);

    // -10% in one report (bound 5%): e.g. a loss, or a withdrawal nobody booked.
    const asOf = await observe();
    const args = [binance, 27_000n * ONE_USDC, 30_000n * ONE_USDC, 0n, asOf] as const;
    await (await f.custody.connect(f.reporter1).propose(...args)).wait();
    const confirmTx = f.custody.connect(f.reporter2).confirm(...args);
    await expect(confirmTx).to.emit(f.custody, "ReportFlagged").withArgs(binance, 30_000n * ONE_USDC, 27_000n * ONE_USDC, 1_000n, MAX_CHANGE_BPS);
    await recordGas("CexCustodyOracle.confirm (flagged: pauses the vault)", confirmTx);
    expect(await vault.paused()).to.equal(true);
    expect(await marketBalance()).to.equal(27_000n * ONE_USDC); // the lower of the two views
    await expect(vault.connect(f.alice).deposit(ONE_USDC, f.alice.address)).to.be.revertedWithCustomError(vault, "VaultPaused");
    await expect(vault.connect(alpha).execute([send(binance, ONE_USDC)])).to.be.revertedWithCustomError(vault, "RiskIncreaseWhilePaused");
    await expect(f.custody.connect(f.reporter1).propose(binance, 0n, 30_000n * ONE_USDC, 0n, asOf))
      .to.be.revertedWithCustomError(f.custody, "ReportUnderReview")
      .withArgs(binance);
    // Redemptions go on, at the lower value.
    const before = await usdc.balanceOf(f.alice.address);
    await (await vault.connect(f.alice).redeem(1_000n * 10n ** 12n, f.alice.address, f.alice.address)).wait();
    expect((await usdc.balanceOf(f.alice.address)) - before).to.equal(970n * ONE_USDC);

    await expect(f.custody.connect(f.reporter1).acknowledge(binance, true)).to.be.revertedWithCustomError(f.custody, "AccessManagedUnauthorized");
    await recordGas("CexCustodyOracle.acknowledge (accept)", f.custody.connect(atomist).acknowledge(binance, true));
    expect((await f.custody.getAccount(binance)).confirmed.balance).to.equal(27_000n * ONE_USDC);
    await (await vault.connect(atomist).unpause()).wait();
    await (await vault.connect(f.alice).deposit(ONE_USDC, f.alice.address)).wait();
  });

  it("a jump upward is not believed before the atomist accepts it", async function () {
    const { vault, alpha, atomist } = f.s;
    const binance = f.binance.address;
    await (await vault.connect(alpha).execute([send(binance, 30_000n * ONE_USDC)])).wait();
    await report(binance, 30_000n * ONE_USDC, 30_000n * ONE_USDC, 0n);
    await report(binance, 60_000n * ONE_USDC, 30_000n * ONE_USDC, 0n);
    expect(await vault.paused()).to.equal(true);
    expect(await marketBalance()).to.equal(30_000n * ONE_USDC);
    await (await f.custody.connect(atomist).acknowledge(binance, false)).wait(); // rejected
    expect(await marketBalance()).to.equal(30_000n * ONE_USDC);
  });

  describe("change bound per time, not per report", function () {
    /** Propose and confirm `balance` for binance (everything sent already covered), `gap` seconds after the last block. */
    async function reportAfter(gap: bigint, balance: bigint, sentCovered: bigint) {
      await connection.networkHelpers.time.increase(gap);
      const asOf = await now();
      const args = [f.binance.address, balance, sentCovered, 0n, asOf] as const;
      await (await f.custody.connect(f.reporter1).propose(...args)).wait();
      return f.custody.connect(f.reporter2).confirm(...args);
    }
    const bps = (x: bigint, b: bigint) => (x * (10_000n + b)) / 10_000n;

    it("ten +4.9% reports in 30 s: the second is flagged (per-report bounds let +61% through)", async function () {
      const { vault, alpha } = f.s;
      const sent = 30_000n * ONE_USDC;
      await (await vault.connect(alpha).execute([send(f.binance.address, sent)])).wait();
      await (await reportAfter(1n, sent, sent)).wait();
      let balance = sent;
      const outcomes: string[] = [];
      for (let i = 0; i < 10 && !(await vault.paused()); i++) {
        const next = bps(balance, 490n);
        const receipt = await (await reportAfter(3n, next, sent)).wait();
        const flagged = receipt?.logs.some((l) => f.custody.interface.parseLog(l)?.name === "ReportFlagged") ?? false;
        outcomes.push(flagged ? "flagged" : "applied");
        if (!flagged) balance = next;
      }
      expect(outcomes).to.deep.equal(["applied", "flagged"]);
      expect(await vault.paused()).to.equal(true);
      expect((await f.custody.getAccount(f.binance.address)).confirmed.balance).to.equal(bps(sent, 490n));
      expect(await marketBalance()).to.equal(bps(sent, 490n)); // the lower view: +4.9%, never +61%
    });

    it("the budget drains at maxChangeBps per window: +4.9% a day passes day after day, +4.9% twice in 12 h does not", async function () {
      const { vault, alpha } = f.s;
      const sent = 30_000n * ONE_USDC;
      await (await vault.connect(alpha).execute([send(f.binance.address, sent)])).wait();
      await (await reportAfter(1n, sent, sent)).wait();
      let balance = sent;
      for (let day = 0; day < 3; day++) {
        balance = bps(balance, 490n);
        await expect(reportAfter(CHANGE_WINDOW, balance, sent)).to.emit(f.custody, "ReportConfirmed");
      }
      // Half a window later half the budget is back: 490 − 250 + 250 = 490 bps passes, then another 250 does not.
      balance = bps(balance, 250n);
      await expect(reportAfter(CHANGE_WINDOW / 2n, balance, sent)).to.emit(f.custody, "ReportConfirmed");
      const next = bps(balance, 250n);
      await expect(reportAfter(60n, next, sent))
        .to.emit(f.custody, "ReportFlagged")
        .withArgs(f.binance.address, balance, next, (d: bigint) => d > MAX_CHANGE_BPS && d <= 740n, MAX_CHANGE_BPS);
      expect(await vault.paused()).to.equal(true);
    });

    it("an accepted jump restarts the budget; a rejected one leaves it where it was", async function () {
      const { vault, alpha, atomist } = f.s;
      const sent = 30_000n * ONE_USDC;
      await (await vault.connect(alpha).execute([send(f.binance.address, sent)])).wait();
      await (await reportAfter(1n, sent, sent)).wait();
      await (await reportAfter(60n, bps(sent, 490n), sent)).wait(); // budget nearly used
      await expect(reportAfter(60n, bps(sent, 980n), sent)).to.emit(f.custody, "ReportFlagged");
      await (await f.custody.connect(atomist).acknowledge(f.binance.address, false)).wait();
      await (await vault.connect(atomist).unpause()).wait();
      await expect(reportAfter(60n, bps(sent, 980n), sent)).to.emit(f.custody, "ReportFlagged"); // still used
      await (await f.custody.connect(atomist).acknowledge(f.binance.address, true)).wait();
      await (await vault.connect(atomist).unpause()).wait();
      const accepted = bps(sent, 980n);
      await expect(reportAfter(60n, bps(accepted, 490n), sent)).to.emit(f.custody, "ReportConfirmed"); // fresh budget
    });
  });

  it("a balance where none was expected is an unbounded change; unused accounts are worth 0 and not listed", async function () {
    const { ethers, vault, alpha } = f.s;
    const binance = f.binance.address;
    expect(await f.custody.accountValue(f.okx.address)).to.equal(0n);
    await (await vault.connect(alpha).execute([send(binance, 1_000n * ONE_USDC)])).wait();
    expect(await f.custody.getAccounts()).to.deep.equal([binance]);
    await report(binance, 1_000n * ONE_USDC, 1_000n * ONE_USDC, 0n);
    await (await vault.connect(alpha).execute([requestReturn(binance, 1_000n * ONE_USDC)])).wait();
    // All of it asked back and covered: 0 expected, 50 reported.
    const asOf = await observe();
    const args = [binance, 50n * ONE_USDC, 1_000n * ONE_USDC, 1_000n * ONE_USDC, asOf] as const;
    await (await f.custody.connect(f.reporter1).propose(...args)).wait();
    await expect(f.custody.connect(f.reporter2).confirm(...args))
      .to.emit(f.custody, "ReportFlagged")
      .withArgs(binance, 0n, 50n * ONE_USDC, ethers.MaxUint256, MAX_CHANGE_BPS);
  });

  describe("every custom error of the custody oracle and the CEX fuses", function () {
    it("constructor and setLimits: ZeroAddress, InvalidMaxReportAge, InvalidMaxChangeBps, InvalidChangeWindow", async function () {
      const { ethers, vault, manager, atomist } = f.s;
      const deploy = (v: string, age: bigint, change: bigint, window: bigint) =>
        ethers.deployContract("CexCustodyOracle", [v, manager.target, age, change, window]);
      await expect(deploy(ethers.ZeroAddress, DAY, 500n, DAY)).to.be.revertedWithCustomError(f.custody, "ZeroAddress");
      await expect(deploy(vault.target as string, 0n, 500n, DAY)).to.be.revertedWithCustomError(f.custody, "InvalidMaxReportAge");
      await expect(deploy(vault.target as string, DAY, 10_001n, DAY))
        .to.be.revertedWithCustomError(f.custody, "InvalidMaxChangeBps")
        .withArgs(10_001n);
      await expect(deploy(vault.target as string, DAY, 500n, 0n)).to.be.revertedWithCustomError(f.custody, "InvalidChangeWindow");
      await expect(f.custody.connect(atomist).setLimits(0n, 500n, DAY)).to.be.revertedWithCustomError(f.custody, "InvalidMaxReportAge");
      await expect(f.custody.connect(atomist).setLimits(DAY, 10_001n, DAY))
        .to.be.revertedWithCustomError(f.custody, "InvalidMaxChangeBps")
        .withArgs(10_001n);
      await expect(f.custody.connect(atomist).setLimits(DAY, 500n, 0n)).to.be.revertedWithCustomError(f.custody, "InvalidChangeWindow");
      await expect(f.custody.connect(atomist).setLimits(2n * DAY, 300n, 3600n)).to.emit(f.custody, "LimitsSet").withArgs(2n * DAY, 300n, 3600n);
      expect([await f.custody.maxReportAge(), await f.custody.maxChangeBps(), await f.custody.changeWindow()]).to.deep.equal([2n * DAY, 300n, 3600n]);
    });

    it("NotVault: only the vault records transfers and returns", async function () {
      await expect(f.custody.connect(f.stranger).recordSent(f.binance.address, 1n))
        .to.be.revertedWithCustomError(f.custody, "NotVault")
        .withArgs(f.stranger.address);
      await expect(f.custody.connect(f.stranger).recordReturnRequested(f.binance.address, 1n))
        .to.be.revertedWithCustomError(f.custody, "NotVault")
        .withArgs(f.stranger.address);
    });

    it("InvalidAsOf: a replayed, an older or a future-dated report", async function () {
      const { vault, alpha } = f.s;
      const binance = f.binance.address;
      await (await vault.connect(alpha).execute([send(binance, 10_000n * ONE_USDC)])).wait();
      const asOf = await report(binance, 10_000n * ONE_USDC, 10_000n * ONE_USDC, 0n);
      for (const [stamp, delay] of [[asOf, 10n], [asOf - 1n, 10n], [0n, 10n]] as const) {
        const at = (await now()) + delay;
        await connection.networkHelpers.time.setNextBlockTimestamp(at);
        await expect(f.custody.connect(f.reporter1).propose(binance, 10_000n * ONE_USDC, 10_000n * ONE_USDC, 0n, stamp))
          .to.be.revertedWithCustomError(f.custody, "InvalidAsOf")
          .withArgs(stamp, asOf, at);
      }
      const at = (await now()) + 10n;
      await connection.networkHelpers.time.setNextBlockTimestamp(at);
      await expect(f.custody.connect(f.reporter1).propose(binance, 10_000n * ONE_USDC, 10_000n * ONE_USDC, 0n, at + 1n))
        .to.be.revertedWithCustomError(f.custody, "InvalidAsOf")
        .withArgs(at + 1n, asOf, at);
    });

    it("InvalidCoverage: coverage behind the last report or beyond the counters, on either side", async function () {
      const { vault, alpha } = f.s;
      const binance = f.binance.address;
      await (await vault.connect(alpha).execute([send(binance, 10_000n * ONE_USDC)])).wait();
      await report(binance, 10_000n * ONE_USDC, 10_000n * ONE_USDC, 0n);
      await (await vault.connect(alpha).execute([requestReturn(binance, 1_000n * ONE_USDC)])).wait();
      const asOf = await observe();
      await expect(f.custody.connect(f.reporter1).propose(binance, 1n, 9_999n * ONE_USDC, 0n, asOf))
        .to.be.revertedWithCustomError(f.custody, "InvalidCoverage")
        .withArgs(9_999n * ONE_USDC, 10_000n * ONE_USDC, 10_000n * ONE_USDC);
      await expect(f.custody.connect(f.reporter1).propose(binance, 1n, 10_000n * ONE_USDC, 1_001n * ONE_USDC, asOf))
        .to.be.revertedWithCustomError(f.custody, "InvalidCoverage")
        .withArgs(1_001n * ONE_USDC, 0n, 1_000n * ONE_USDC);
    });

    it("NoPendingReport, NotFlagged, and ReportUnderReview on confirm", async function () {
      const { vault, alpha, atomist } = f.s;
      const binance = f.binance.address;
      await expect(f.custody.connect(f.reporter2).confirm(binance, 0n, 0n, 0n, 1n))
        .to.be.revertedWithCustomError(f.custody, "NoPendingReport")
        .withArgs(binance);
      await expect(f.custody.connect(atomist).acknowledge(binance, true))
        .to.be.revertedWithCustomError(f.custody, "NotFlagged")
        .withArgs(binance);
      await (await vault.connect(alpha).execute([send(binance, 10_000n * ONE_USDC)])).wait();
      const asOf = await observe();
      const args = [binance, 20_000n * ONE_USDC, 10_000n * ONE_USDC, 0n, asOf] as const;
      await (await f.custody.connect(f.reporter1).propose(...args)).wait();
      await expect(f.custody.connect(f.reporter2).confirm(...args)).to.emit(f.custody, "ReportFlagged");
      await expect(f.custody.connect(f.reporter2).confirm(...args))
        .to.be.revertedWithCustomError(f.custody, "ReportUnderReview")
        .withArgs(binance);
    });

    it("TooManyAccounts: a 17th exchange account is refused", async function () {
      const { ethers, vault, alpha, atomist } = f.s;
      const accounts = Array.from({ length: 17 }, (_, i) => ethers.getAddress(`0x${(0x1000 + i).toString(16).padStart(40, "0")}`));
      await (await vault.connect(atomist).grantSubstrates(CEX, accounts.map((a) => addressSubstrate(ethers, a)))).wait();
      await (await vault.connect(alpha).execute(accounts.slice(0, 16).map((a) => send(a, ONE_USDC)))).wait();
      const last = accounts[16];
      if (last === undefined) throw new Error("accounts");
      await expect(vault.connect(alpha).execute([send(last, ONE_USDC)]))
        .to.be.revertedWithCustomError(f.custody, "TooManyAccounts")
        .withArgs(16n);
    });

    it("ZeroAmount on both fuse actions; CustodyVaultMismatch for a custody contract of another vault", async function () {
      const { ethers, vault, alpha, manager, usdc, oracle } = f.s;
      await expect(vault.connect(alpha).execute([send(f.binance.address, 0n)])).to.be.revertedWithCustomError(f.fuse, "ZeroAmount");
      await expect(vault.connect(alpha).execute([requestReturn(f.binance.address, 0n)])).to.be.revertedWithCustomError(f.fuse, "ZeroAmount");
      const other = await ethers.deployContract("TestErc4626Target", [usdc.target, 0]);
      const foreign = await ethers.deployContract("CexCustodyOracle", [other.target, manager.target, DAY, 500n, DAY]);
      const balanceFuse = await ethers.deployContract("CexBalanceFuse", [CEX, foreign.target]);
      const h = await deployHarness(ethers, usdc.target as string, oracle.target as string);
      await expect(h.probe(balanceFuse, "marketValuation"))
        .to.be.revertedWithCustomError(balanceFuse, "CustodyVaultMismatch")
        .withArgs(other.target, h.address);
    });
  });

  it("both fuses name the custody contract as the market's one key", async function () {
    const { ethers, usdc, oracle } = f.s;
    const h = await deployHarness(ethers, usdc.target as string, oracle.target as string);
    for (const fuse of [f.fuse, f.balanceFuse]) {
      expect((await h.probe(fuse, "valuationKeys"))[0]).to.deep.equal([keys.account(f.custody.target as string)]);
    }
  });
});
