/**
 * Erc4626SupplyFuse + Erc4626BalanceFuse called directly in a vault-like context (FuseHarness): valuation keys,
 * instantWithdrawable against what instantWithdraw brings, and every refusal. (The vault-driven paths — execute,
 * caps, redemptions through the fuse — are covered by test/vault/.)
 */
import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { ONE_USDC, addressSubstrate, deployVaultStack } from "../fixtures/vault.js";
import { deployHarness, keys } from "./harness.js";

const MARKET = 4n;

describe("ERC-4626 supply fuse + balance fuse (called directly)", function () {
  let connection: NetworkConnection;
  before(async function () {
    connection = await network.create();
  });

  async function fixture() {
    const s = await deployVaultStack(connection);
    const { ethers, usdc, oracle, depositors } = s;
    const [alice] = depositors;
    if (alice === undefined) throw new Error("signers");
    const targets = [
      await ethers.deployContract("TestErc4626Target", [usdc.target, 0]),
      await ethers.deployContract("TestErc4626Target", [usdc.target, 6]),
    ];
    const fuse = await ethers.deployContract("Erc4626SupplyFuse", [MARKET]);
    const balanceFuse = await ethers.deployContract("Erc4626BalanceFuse", [MARKET]);
    const h = await deployHarness(ethers, usdc.target as string, oracle.target as string);
    await h.grant(MARKET, await Promise.all(targets.map((t) => t.getAddress())));
    await (await usdc.connect(alice).transfer(h.address, 10_000n * ONE_USDC)).wait();
    return { s, targets, fuse, balanceFuse, h };
  }
  let f: Awaited<ReturnType<typeof fixture>>;
  beforeEach(async function () {
    f = await connection.networkHelpers.loadFixture(fixture);
  });

  it("both fuses key the market by each target's share balance", async function () {
    const expected = await Promise.all(f.targets.map(async (t) => keys.tokenBalance(await t.getAddress())));
    expect((await f.h.probe(f.fuse, "valuationKeys"))[0]).to.deep.equal(expected);
    expect((await f.h.probe(f.balanceFuse, "valuationKeys"))[0]).to.deep.equal(expected);
  });

  it("instantWithdrawable is Σ maxWithdraw over the targets, and instantWithdraw brings exactly that", async function () {
    const [t0, t1] = f.targets;
    if (t0 === undefined || t1 === undefined) throw new Error("targets");
    expect((await f.h.probe(f.fuse, "instantWithdrawable"))[0]).to.equal(0n);
    await f.h.run(f.fuse, "enter", [await t0.getAddress(), 3_000n * ONE_USDC]);
    await f.h.run(f.fuse, "enter", [await t1.getAddress(), 2_000n * ONE_USDC]);
    // A gain in one target (a donation to it) is withdrawable too, rounded down by the target.
    await (await f.s.usdc.mint(await t1.getAddress(), 1_000n * ONE_USDC)).wait();
    const sum = (await t0.maxWithdraw(f.h.address)) + (await t1.maxWithdraw(f.h.address));
    expect(sum).to.be.closeTo(6_000n * ONE_USDC, 1n);
    expect(await f.h.valuation(f.balanceFuse)).to.deep.equal({ equity: sum, grossNotional: 0n, debt: 0n });
    const { promised, brought } = await f.h.measureInstantWithdraw(f.fuse, 100_000n * ONE_USDC);
    expect(promised).to.equal(sum);
    expect(brought).to.equal(promised);
  });

  it("exit takes what the target lets go, and nothing from a target the vault holds no shares of", async function () {
    const [t0, t1] = f.targets;
    if (t0 === undefined || t1 === undefined) throw new Error("targets");
    await f.h.run(f.fuse, "enter", [await t0.getAddress(), 3_000n * ONE_USDC]);
    const before = await f.s.usdc.balanceOf(f.h.address);
    await f.h.run(f.fuse, "exit", [await t0.getAddress(), 5_000n * ONE_USDC]); // capped at the 3,000 held
    expect((await f.s.usdc.balanceOf(f.h.address)) - before).to.equal(3_000n * ONE_USDC);
    await f.h.run(f.fuse, "exit", [await t1.getAddress(), ONE_USDC]); // holds none: a no-op
    expect((await f.s.usdc.balanceOf(f.h.address)) - before).to.equal(3_000n * ONE_USDC);
  });

  it("ZeroAmount and SubstrateNotAllowed on enter and exit", async function () {
    const { ethers } = f.s;
    const stray = await ethers.deployContract("TestErc4626Target", [f.s.usdc.target, 0]);
    const target = await f.targets[0]?.getAddress();
    for (const fn of ["enter", "exit"]) {
      await expect(f.h.run(f.fuse, fn, [target, 0n])).to.be.revertedWithCustomError(f.fuse, "ZeroAmount");
      await expect(f.h.run(f.fuse, fn, [await stray.getAddress(), ONE_USDC]))
        .to.be.revertedWithCustomError(f.fuse, "SubstrateNotAllowed")
        .withArgs(MARKET, addressSubstrate(ethers, await stray.getAddress()));
    }
  });
});
