import { expect } from "chai";
import { network } from "hardhat";
import { staleSources } from "../../scripts/alpha/chain/marketData.js";
import { readCustody, resolveCustody } from "../../scripts/alpha/chain/venues/cex.js";
import { CUSTODY_FUNCTION_ROLES, ROLES, wireTargetRoles } from "../../scripts/lib/access.js";
import { addressSubstrate, DAY, deployVaultStack, marketParams, ONE_USDC } from "../fixtures/vault.js";

const CEX = 3n;

/** The CEX custody leg as the bot reads it: the custody oracle's confirmed value and each report's age. */
describe("alpha chain: CEX custody leg (read only)", function () {
  it("reads the custody value and the report's age; past maxReportAge the source is stale and the account counts 0", async function () {
    const connection = await network.create();
    const s = await deployVaultStack(connection);
    const { ethers, admin, atomist, alpha, fuseManager, manager, vault, depositors } = s;
    const [alice, reporter1, reporter2, binance] = [depositors[0], depositors[1], depositors[2], depositors[3]];
    if (alice === undefined || reporter1 === undefined || reporter2 === undefined || binance === undefined) throw new Error("signers");
    const custody = await ethers.deployContract("CexCustodyOracle", [vault.target, manager.target, DAY, 500n, DAY]);
    await wireTargetRoles(manager, custody, CUSTODY_FUNCTION_ROLES);
    for (const r of [reporter1, reporter2]) await (await manager.connect(admin).grantRole(ROLES.REPORTER, r.address, 0)).wait();
    await (await manager.connect(admin).grantRole(ROLES.GUARDIAN, custody.target, 0)).wait();
    const fuse = await ethers.deployContract("CexTransferFuse", [CEX, custody.target]);
    const balanceFuse = await ethers.deployContract("CexBalanceFuse", [CEX, custody.target]);
    await (await vault.connect(atomist).grantSubstrates(CEX, [addressSubstrate(ethers, binance.address)])).wait();
    await (await vault.connect(atomist).configureMarket(CEX, marketParams(await balanceFuse.getAddress()))).wait();
    await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
    await (await vault.connect(atomist).setDepositorAllowlistEnabled(true)).wait();
    await (await vault.connect(atomist).setDepositorsAllowed([alice.address], true)).wait();
    await (await vault.connect(alice).deposit(100_000n * ONE_USDC, alice.address)).wait();
    await (await vault.connect(alpha).execute([{ fuse: fuse.target as string, data: fuse.interface.encodeFunctionData("transferToExchange", [binance.address, 10_000n * ONE_USDC]) }])).wait();
    await connection.networkHelpers.time.increase(60);
    const asOf = BigInt(await connection.networkHelpers.time.latest());
    const args = [binance.address, 10_050n * ONE_USDC, 10_000n * ONE_USDC, 0n, asOf] as const;
    await (await custody.connect(reporter1).propose(...args)).wait();
    await (await custody.connect(reporter2).confirm(...args)).wait();

    const leg = await resolveCustody({ id: Number(CEX), name: "binance-cex", kind: "cex", fuses: { CexTransferFuse: fuse.target as string }, balanceFuse: balanceFuse.target as string, substrates: [] }, ethers.provider);
    expect(leg.custody).to.equal(custody.target);
    const fresh = await readCustody(leg, ethers.provider);
    expect(fresh.valueQuote).to.equal(10_050n * ONE_USDC);
    expect(fresh.sources).to.deep.equal([{ source: `binance-cex custody report ${binance.address}`, updatedAt: Number(asOf), maxAgeSec: Number(DAY) }]);
    expect(staleSources(fresh.sources, Number(asOf) + 3600)).to.deep.equal([]);

    await connection.networkHelpers.time.increase(Number(DAY) + 1);
    const stale = await readCustody(leg, ethers.provider);
    expect(stale.valueQuote, "the vault cannot value a stale account either").to.equal(0n);
    const now = await connection.networkHelpers.time.latest();
    expect(staleSources(stale.sources, now).map((x) => x.source)).to.deep.equal([`binance-cex custody report ${binance.address}`]);
  });
});
