/**
 * The Fusebox core on a local chain, wired the way the deployment wires it: an AccessManager, the price oracle
 * middleware and a FuseboxVault whose functions are mapped to roles by scripts/lib/access.ts, plus installing a
 * market as the atomist and fuse manager would. Used by the tests' fixtures and the gas benchmark; the
 * atomist's reconciler (scripts/deploy) is what deploys to real networks.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { zeroPadValue } from "ethers";
import { ROLES, VAULT_FUNCTION_ROLES, ORACLE_FUNCTION_ROLES, wireRoleGuardians, wireTargetRoles } from "../lib/access.js";

/** The vault core and its module chain (FuseboxVaultModule → FuseboxEconomicsModule); the contract returned answers the whole `IFuseboxVault` at the core's address. */
async function deployVault(ethers: HardhatEthers, asset: string, manager: string, oracle: string, decimalsOffset: number) {
  const economicsModule = await ethers.deployContract("FuseboxEconomicsModule");
  const riskModule = await ethers.deployContract("FuseboxRiskModule", [await economicsModule.getAddress()]); // risk engine
  const vaultModule = await ethers.deployContract("FuseboxVaultModule", [await riskModule.getAddress()]);
  const core = await ethers.deployContract("FuseboxVault", [asset, "Fusebox USDC", "fbUSDC", manager, oracle, decimalsOffset, await vaultModule.getAddress()]);
  return ethers.getContractAt("IFuseboxVault", await core.getAddress());
}
export type FuseboxVaultContract = Awaited<ReturnType<typeof deployVault>>;

/** Who holds each role (no execution delay: tests of delays grant their own). */
export interface CoreRoleHolders {
  atomist: HardhatEthersSigner;
  alpha: HardhatEthersSigner;
  fuseManager: HardhatEthersSigner;
  guardian?: HardhatEthersSigner;
}

/** Deploy the AccessManager (admin: `admin`), the oracle middleware and the vault over `asset`, and wire roles. */
export async function deployCore(
  ethers: HardhatEthers,
  admin: HardhatEthersSigner,
  asset: string,
  holders: CoreRoleHolders,
  decimalsOffset = 6,
) {
  const manager = await ethers.deployContract("AccessManager", [admin.address]);
  const oracle = await ethers.deployContract("PriceOracleMiddleware", [await manager.getAddress()]);
  const vault = await deployVault(ethers, asset, await manager.getAddress(), await oracle.getAddress(), decimalsOffset);
  await wireTargetRoles(manager, vault, VAULT_FUNCTION_ROLES);
  await wireTargetRoles(manager, oracle, ORACLE_FUNCTION_ROLES);
  await wireRoleGuardians(manager);
  const grants: [bigint, HardhatEthersSigner | undefined][] = [
    [ROLES.ATOMIST, holders.atomist],
    [ROLES.ALPHA, holders.alpha],
    [ROLES.GUARDIAN, holders.guardian],
    [ROLES.FUSE_MANAGER, holders.fuseManager],
  ];
  for (const [role, holder] of grants) {
    if (holder !== undefined) await (await manager.grantRole(role, holder.address, 0)).wait();
  }
  return { manager, oracle, vault };
}

/** A market's parameters, with the defaults most callers want. */
export function marketParams(balanceFuse: string, overrides: Partial<{
  capBps: number;
  capAssets: bigint;
  maxLeverageWad: bigint;
  maxBalanceAge: number;
}> = {}) {
  return {
    balanceFuse,
    capBps: overrides.capBps ?? 10_000,
    capAssets: overrides.capAssets ?? 0n,
    maxLeverageWad: overrides.maxLeverageWad ?? 0n,
    maxBalanceAge: overrides.maxBalanceAge ?? 3600,
  };
}

/** Bytes32 substrate of an address (left-padded), as FuseboxStorageLib.toSubstrate. */
export function addressSubstrate(_ethers: HardhatEthers | undefined, address: string): string {
  return zeroPadValue(address, 32);
}

/**
 * Install a market on `core.vault` as the atomist and fuse manager would: grant its substrates (addresses),
 * configure it with its balance fuse, allow its action fuse. Both fuses are deployed here from their names and
 * constructor arguments.
 */
export async function installMarket(
  core: { ethers: HardhatEthers; vault: FuseboxVaultContract; atomist: HardhatEthersSigner; fuseManager: HardhatEthersSigner },
  marketId: bigint,
  market: {
    fuse: [name: string, args: unknown[]];
    balanceFuse: [name: string, args: unknown[]];
    substrates: string[];
    params?: Parameters<typeof marketParams>[1];
  },
) {
  const { ethers, vault, atomist, fuseManager } = core;
  const fuse = await ethers.deployContract(market.fuse[0], market.fuse[1]);
  const balanceFuse = await ethers.deployContract(market.balanceFuse[0], market.balanceFuse[1]);
  await (await vault.connect(atomist).grantSubstrates(marketId, market.substrates.map((a) => addressSubstrate(ethers, a)))).wait();
  await (await vault.connect(atomist).configureMarket(marketId, marketParams(await balanceFuse.getAddress(), market.params ?? {}))).wait();
  await (await vault.connect(fuseManager).addFuses([await fuse.getAddress()])).wait();
  return { fuse, balanceFuse };
}
