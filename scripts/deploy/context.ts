/**
 * What the deploy / plan / status code needs from a network connection, built once per CLI command.
 * Keys never live in files: local nodes sign with their unlocked accounts; real networks with the accounts
 * the Hardhat config declares through `configVariable(...)` (keystore or environment).
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { InterfaceAbi } from "ethers";
import { revertDecoder } from "../lib/revert.js";

export const LOCAL_CHAIN_ID = 31337n;

export interface Output {
  out(line: string): void;
  err(line: string): void;
}

export interface ChainContext {
  ethers: HardhatEthers;
  networkName: string;
  /** Folder under deployments/ for this network's records. */
  recordFolder: string;
  chainId: bigint;
  /** The in-process chain: it starts empty on every run, so its previous record is ignored. */
  inProcess: boolean;
  /** The accounts this connection can sign for (unlocked on a local node, configured keys elsewhere). */
  signers: HardhatEthersSigner[];
  artifactExists(name: string): Promise<boolean>;
  abiOf(name: string): Promise<InterfaceAbi>;
  io: Output;
}

export function isLocalChain(ctx: ChainContext): boolean {
  return ctx.chainId === LOCAL_CHAIN_ID;
}

export function signerFor(ctx: ChainContext, address: string): HardhatEthersSigner | undefined {
  const lower = address.toLowerCase();
  return ctx.signers.find((s) => s.address.toLowerCase() === lower);
}

/** Decode a revert into `ErrorName(args)` with the ABIs of the contracts the deployment calls. */
export async function explainError(ctx: ChainContext, error: unknown): Promise<string> {
  const abis = await Promise.all(["IFuseboxVault", "AccessManager", "PriceOracleMiddleware"].map((name) => ctx.abiOf(name)));
  return revertDecoder(abis)(error);
}
