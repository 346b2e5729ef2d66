/**
 * `npm run demo` — the README's main job, on the in-process chain. For now it walks the vault engine end to
 * end with the ERC-4626 supply fuse: deploy, deposit, execute under guardrails, redeem, print the state.
 * (The full funding-rate replay grows here as the alpha lands.)
 */
import { network } from "hardhat";
import { ROLES, VAULT_FUNCTION_ROLES, ORACLE_FUNCTION_ROLES, wireRoleGuardians, wireTargetRoles } from "./lib/access.js";

const { ethers } = await network.create();
const [admin, atomist, alpha, , fuseManager, alice] = await ethers.getSigners();
if (!admin || !atomist || !alpha || !fuseManager || !alice) throw new Error("the demo needs 6 accounts");
const usd = (x: bigint): string => ethers.formatUnits(x, 6);

const manager = await ethers.deployContract("AccessManager", [admin.address]);
const usdc = await ethers.deployContract("TestERC20", ["USD Coin (test)", "USDC", 6]);
const oracle = await ethers.deployContract("PriceOracleMiddleware", [await manager.getAddress()]);
const vault = await ethers.deployContract("FuseboxVault", [
  await usdc.getAddress(), "Fusebox USDC", "fbUSDC", await manager.getAddress(), await oracle.getAddress(), 6,
]);
await wireTargetRoles(manager, vault, VAULT_FUNCTION_ROLES);
await wireTargetRoles(manager, oracle, ORACLE_FUNCTION_ROLES);
await wireRoleGuardians(manager);
for (const [role, who] of [[ROLES.ATOMIST, atomist], [ROLES.ALPHA, alpha], [ROLES.FUSE_MANAGER, fuseManager]] as const) {
  await (await manager.grantRole(role, who.address, 0)).wait();
}

const target = await ethers.deployContract("TestErc4626Target", [await usdc.getAddress(), 0]);
const fuse = await ethers.deployContract("Erc4626SupplyFuse", [1]);
const balanceFuse = await ethers.deployContract("Erc4626BalanceFuse", [1]);
await (await vault.connect(atomist).grantSubstrates(1, [ethers.zeroPadValue(await target.getAddress(), 32)])).wait();
await (await vault.connect(atomist).configureMarket(1, {
  balanceFuse: await balanceFuse.getAddress(), capBps: 6_000, capAssets: 0, maxLeverageWad: 0, maxBalanceAge: 3600,
})).wait();
await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
await (await vault.connect(atomist).setInstantWithdrawFuses([await fuse.getAddress()])).wait();

await (await usdc.mint(alice.address, 10_000n * 10n ** 6n)).wait();
await (await usdc.connect(alice).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
await (await vault.connect(alice).deposit(10_000n * 10n ** 6n, alice.address)).wait();
console.log(`deposit      alice deposits ${usd(10_000n * 10n ** 6n)} USDC -> ${ethers.formatUnits(await vault.balanceOf(alice.address), 12)} fbUSDC`);

const enter = (amount: bigint) => [{ fuse: fuse.target as string, data: fuse.interface.encodeFunctionData("enter", [target.target as string, amount]) }];
const tooMuch = 9_500n * 10n ** 6n;
try {
  await vault.connect(alpha).execute.staticCall(enter(tooMuch));
} catch (error) {
  const parsed = vault.interface.parseError((error as { data: string }).data);
  console.log(`guardrail    supplying ${usd(tooMuch)} refused: ${parsed?.name}(${parsed?.args.join(", ")})`);
}
const receipt = await (await vault.connect(alpha).execute(enter(5_000n * 10n ** 6n))).wait();
console.log(`execute      alpha supplies 5000 USDC to market 1 (gas ${receipt?.gasUsed})`);
const market = await vault.getMarket(1);
console.log(`state        total ${usd(await vault.totalAssets())}, idle ${usd(await usdc.balanceOf(vault.target))}, market 1 ${usd(market.balance)} (cap 60%)`);
await (await vault.connect(alice).redeem(await vault.balanceOf(alice.address), alice.address, alice.address)).wait();
console.log(`redeem       alice redeems all -> ${usd(await usdc.balanceOf(alice.address))} USDC (idle first, then instant withdrawal)`);
console.log(`state        total ${usd(await vault.totalAssets())}, supply ${await vault.totalSupply()}`);
