import { expect } from "chai";
import { network } from "hardhat";
import { ONE_USDC, addErc4626Market, deployVaultStack, type VaultStack } from "../fixtures/vault.js";

describe("FuseboxVault end to end (ERC-4626 supply fuse)", function () {
  let stack: VaultStack;
  let market: Awaited<ReturnType<typeof addErc4626Market>>;

  async function fixture() {
    const connection = await network.create();
    const s = await deployVaultStack(connection);
    const m = await addErc4626Market(s, 1n, { capBps: 5_000 });
    await (await s.vault.connect(s.atomist).setInstantWithdrawFuses([await m.fuse.getAddress()])).wait();
    return { s, m };
  }

  beforeEach(async function () {
    ({ s: stack, m: market } = await fixture());
  });

  it("deposits, supplies through the fuse, and redeems through instant withdrawal", async function () {
    const { vault, alpha, usdc, depositors } = stack;
    const [alice] = depositors;
    if (alice === undefined) throw new Error("no depositor");
    await vault.connect(alice).deposit(1_000n * ONE_USDC, alice.address);
    expect(await vault.totalAssets()).to.equal(1_000n * ONE_USDC);

    const target = await market.target.getAddress();
    const data = market.fuse.interface.encodeFunctionData("enter", [target, 400n * ONE_USDC]);
    await expect(vault.connect(alpha).execute([{ fuse: await market.fuse.getAddress(), data }]))
      .to.emit(vault, "MarketBalanceUpdated")
      .withArgs(1n, 400n * ONE_USDC, 0n);
    expect(await usdc.balanceOf(await vault.getAddress())).to.equal(600n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(1_000n * ONE_USDC);

    const before = await usdc.balanceOf(alice.address);
    await vault.connect(alice).redeem(await vault.balanceOf(alice.address), alice.address, alice.address);
    expect((await usdc.balanceOf(alice.address)) - before).to.equal(1_000n * ONE_USDC);
    expect(await vault.totalAssets()).to.equal(0n);
  });

  it("refuses a batch that breaches the market cap, naming market, cap and balance", async function () {
    const { vault, alpha, depositors } = stack;
    const [alice] = depositors;
    if (alice === undefined) throw new Error("no depositor");
    await vault.connect(alice).deposit(1_000n * ONE_USDC, alice.address);
    const data = market.fuse.interface.encodeFunctionData("enter", [await market.target.getAddress(), 600n * ONE_USDC]);
    await expect(vault.connect(alpha).execute([{ fuse: await market.fuse.getAddress(), data }]))
      .to.be.revertedWithCustomError(vault, "MarketCapExceeded")
      .withArgs(1n, 500n * ONE_USDC, 600n * ONE_USDC);
  });
});
