/**
 * `fusebox status`'s risk-engine lines (scripts/deploy/risk-status.ts) on a vault deployed the way the scripts deploy
 * it (the risk module chained after the configuration module): groups against their limits, a breach after the
 * guardian lowers a cap, net-delta bands, the loss budget and the NAV-rate bounds.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { encodeBytes32String } from "ethers";
import { riskStatus } from "../../scripts/deploy/risk-status.js";
import { formatAmount } from "../../scripts/lib/units.js";
import { ONE_USDC, WAD, addLeveragedMarket, deployVaultStack } from "../fixtures/vault.js";

describe("risk engine in fusebox status", function () {
  it("prints each group against its limits, the bands and the bounds, and flags a breached group", async function () {
    const connection = await network.create();
    const stack = await deployVaultStack(connection);
    const { vault, atomist, alpha, guardian, depositors } = stack;
    const depositor = depositors[0];
    if (depositor === undefined) throw new Error("no depositor");
    await (await vault.connect(depositor).deposit(100_000n * ONE_USDC, depositor.address)).wait();
    const { venue, fuse } = await addLeveragedMarket(stack, 1n, { capBps: 5_000, maxLeverageWad: 3n * WAD });
    const group = encodeBytes32String("perp-margin");
    await (await vault.connect(atomist).setRiskGroup(group, 5_000, 0, WAD)).wait();
    await (await vault.connect(atomist).setMarketGroups(1n, [group])).wait();
    await (await vault.connect(atomist).setNetDeltaBand(await stack.usdc.getAddress(), 200)).wait();
    await (await vault.connect(atomist).setMaxBatchLoss(10)).wait();
    await (await vault.connect(atomist).setNavRateBounds(100, 1_000)).wait();
    const margin = fuse.interface.encodeFunctionData("addMargin", [await venue.getAddress(), 40_000n * ONE_USDC]);
    await (await vault.connect(alpha).execute([{ fuse: await fuse.getAddress(), data: margin }])).wait();

    const amount = (x: bigint) => formatAmount(x, { decimals: 6, symbol: "USDC" });
    const pct = (x: bigint, of: bigint) => `${(Number((x * 1_000_000n) / of) / 10_000).toFixed(2)}%`;
    const total = await vault.totalAssets();
    const ok = await riskStatus(vault, amount, pct, total);
    expect(ok.breaches).to.deep.equal([]);
    expect(ok.lines.join("\n")).to.match(/perp-margin \(markets 1\): balance 40,?000 USDC.*\(40\.00%\) vs cap 50,?000 USDC.*OK/);
    expect(ok.lines.join("\n")).to.match(/band 200 bps of NAV/);
    expect(ok.lines).to.include("batch loss budget: 10 bps of NAV");
    expect(ok.lines.join("\n")).to.match(/NAV-rate bounds: ±\(100 bps \+ 1000 bps\/year\)/);
    expect(ok.data?.groups[0]).to.include({ id: "perp-margin", balance: (40_000n * ONE_USDC).toString(), ok: true });

    await (await vault.connect(guardian).lowerRiskGroupLimits(group, 3_000, (1n << 128n) - 1n, WAD)).wait();
    const breached = await riskStatus(vault, amount, pct, total);
    expect(breached.breaches).to.have.length(1);
    expect(breached.breaches[0]).to.match(/^risk group perp-margin: balance 40,?000 USDC.* vs cap 30,?000 USDC/);
  });
});
