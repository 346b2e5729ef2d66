/**
 * Typed handles on the deployed core (typechain bindings through Hardhat's ethers). Every deploy-side module
 * gets the vault, its AccessManager and its oracle from here: the one place to swap `FuseboxVault` for the
 * `IFuseboxVault` interface when the vault's module split lands.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { ChainContext } from "./context.js";

export async function vaultAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("FuseboxVault", address, signer);
}

export async function accessManagerAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("AccessManager", address, signer);
}

export async function oracleAt(ctx: Pick<ChainContext, "ethers">, address: string, signer?: HardhatEthersSigner) {
  return ctx.ethers.getContractAt("PriceOracleMiddleware", address, signer);
}
