import { expect } from "chai";
import { network } from "hardhat";
import { mapActions } from "../../scripts/alpha/chain/actions.js";
import type { ChainBook } from "../../scripts/alpha/chain/book.js";
import { NO_QUEUE } from "../../scripts/alpha/chain/queue.js";
import { readCredit, resolveCredit } from "../../scripts/alpha/chain/venues/registry.js";
import { deployMorphoBlue, morphoPrice } from "../fixtures/morphoBlue.js";
import { deployVaultStack, marketParams, ONE_USDC, WAD } from "../fixtures/vault.js";

const MARKET = 4n;

/** The Morpho Blue credit leg on real Morpho Blue: resolved from a record market, mapped, executed, read back. */
describe("alpha chain: Morpho Blue credit leg (real Morpho Blue)", function () {
  it("the long leg posted as collateral and quote borrowed against it, read back from Morpho's position", async function () {
    const connection = await network.create();
    const s = await deployVaultStack(connection);
    const { ethers, admin, atomist, alpha, fuseManager, vault, usdc, oracle, depositors } = s;
    const [alice, lp] = depositors;
    if (alice === undefined || lp === undefined) throw new Error("signers");
    const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
    const wethFeed = await ethers.deployContract("TestPriceFeed", [8, 2_000n * 10n ** 8n]);
    await (await oracle.connect(atomist).setFeed(weth.target, wethFeed.target, 3600)).wait();
    const m = await deployMorphoBlue(ethers, admin, await usdc.getAddress(), await weth.getAddress(), morphoPrice(2_000n, 18, 6));
    await (await usdc.connect(lp).approve(m.morpho.target, ethers.MaxUint256)).wait();
    await (await m.morpho.connect(lp).supply(m.params, 100_000n * ONE_USDC, 0n, lp.address, "0x")).wait();
    const fuse = await ethers.deployContract("MorphoBlueFuse", [MARKET, m.morpho.target, 15n * WAD / 10n]);
    const balanceFuse = await ethers.deployContract("MorphoBlueBalanceFuse", [MARKET, m.morpho.target]);
    await (await vault.connect(atomist).grantSubstrates(MARKET, [m.id])).wait();
    await (await vault.connect(atomist).configureMarket(MARKET, marketParams(await balanceFuse.getAddress(), { maxLeverageWad: 5n * WAD }))).wait();
    await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
    await (await vault.connect(alice).deposit(10_000n * ONE_USDC, alice.address)).wait();
    await (await weth.mint(vault.target, 2n * WAD)).wait(); // the long leg, bought earlier

    const credit = await resolveCredit("morpho", { id: Number(MARKET), name: "morpho", kind: "morpho", fuses: { MorphoBlueFuse: fuse.target as string }, balanceFuse: balanceFuse.target as string, substrates: [m.id] }, ethers.provider);
    expect(credit).to.deep.include({ kind: "morpho", fuse: fuse.target, morpho: m.morpho.target });
    const tokens = { base: weth.target as string, quote: usdc.target as string };
    const book: ChainBook = {
      vault: vault.target as string, authority: s.manager.target as string, oracle: oracle.target as string,
      quote: { address: tokens.quote, decimals: 6 }, base: { address: tokens.base, decimals: 18, asset: "ETH" },
      perps: [], credit, spot: { kind: "spot", name: "spot", fuse: ethers.ZeroAddress, poolFee: 500 }, custody: [], ignored: [], markets: [],
    };
    const raw = { idleQuote: 10_000n * ONE_USDC, spotBase: 2n * WAD, aBase: 0n, aQuote: 0n, debtBase: 0n, debtQuote: 0n, perps: [], custody: [], queue: NO_QUEUE };
    const mapped = mapActions(book, [
      { kind: "credit.supply", asset: "ETH", amount: 1.5 },
      { kind: "credit.borrow", asset: "QUOTE", amount: 1_000 },
    ], raw, 2_000);
    await (await vault.connect(alpha).execute(mapped.map((x) => x.call))).wait();
    const read = await readCredit(credit, ethers.provider, vault.target as string, tokens);
    expect(read.aBase).to.equal(3n * WAD / 2n);
    expect(read.debtQuote, "the debt as Morpho rounds it (up)").to.be.oneOf([1_000n * ONE_USDC, 1_000n * ONE_USDC + 1n]);
    expect(read.aQuote).to.equal(0n);
    expect(read.debtBase).to.equal(0n);

    // Repay all (by shares) and withdraw all collateral: nothing left.
    const back = mapActions(book, [
      { kind: "credit.repay", asset: "QUOTE", amount: 1_000 },
      { kind: "credit.withdraw", asset: "ETH", amount: 1.5 },
    ], { ...raw, ...read, idleQuote: 11_000n * ONE_USDC, spotBase: WAD / 2n }, 2_000);
    await (await vault.connect(alpha).execute(back.map((x) => x.call))).wait();
    const after = await readCredit(credit, ethers.provider, vault.target as string, tokens);
    expect(after).to.deep.equal({ aBase: 0n, aQuote: 0n, debtBase: 0n, debtQuote: 0n });
  });
});
