/**
 * Typed handles on the deployed core (typechain bindings through Hardhat's ethers). Every deploy-side module
 * gets the vault, its AccessManager and its oracle from here. The vault is bound through `IFuseboxVault`: the
 * core and its modules answer at one address.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ChainContext } from "./context.js";

export async function vaultAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("IFuseboxVault", address, signer);
}

export async function accessManagerAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("AccessManager", address, signer);
}

export async function oracleAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("PriceOracleMiddleware", address, signer);
}
