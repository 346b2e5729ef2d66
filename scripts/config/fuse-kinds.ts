/**
 * The fuse-kind registry: everything the config checker and the deployer need to know about one kind of
 * market, in one entry. Adding a kind = adding one entry here (and its contracts under fuses/).
 *
 * A kind is "available" when its contracts are compiled in this checkout; a config that names a kind whose
 * contracts are missing is refused before any transaction (see `requireAvailableKinds`).
 */
import { zeroPadValue, isHexString } from "ethers";

/** How a config's substrate strings become the vault's bytes32 substrates. */
export type SubstrateEncoding =
  | { type: "address"; what: string } // left-padded address (FuseboxStorageLib.toSubstrate)
  | { type: "bytes32"; what: string }; // raw 32-byte id (e.g. a Morpho market id)

/** What a kind's constructors receive. */
export interface FuseConstructorContext {
  marketId: bigint;
  asset: string; // the vault's asset
}

export interface FuseKindSpec {
  /** One-line description for `--help` and error messages. */
  summary: string;
  /** Action fuses the vault may `execute` (each deployed once per market). */
  fuses: readonly string[];
  /** The market's balance fuse (IBalanceFuse). */
  balanceFuse: string;
  /** Constructor arguments shared by the kind's fuses and balance fuse. */
  constructorArgs: (ctx: FuseConstructorContext) => unknown[];
  substrates: SubstrateEncoding;
  /** Whether the market may carry notional (needs `maxLeverage` >= 1; unlevered markets get 0). */
  levered: boolean;
  /** Whether the vault must keep its depositor allowlist on (e.g. assets leave the chain). */
  requiresRestrictedVault: boolean;
  /** The action fuse that implements IInstantWithdrawFuse, if any (candidate for the withdraw order). */
  instantWithdrawFuse?: string;
  /** Test-only contract a local config may deploy as a substrate (`{ deployTest: true }`), chainId 31337 only. */
  localTestSubstrate?: { contract: string; args: (ctx: { asset: string }) => unknown[] };
  /** Whether the kind's venue exists only on local chains (simulation): refused on real networks. */
  localOnly?: boolean;
}

const byMarketId = ({ marketId }: FuseConstructorContext): unknown[] => [marketId];

/**
 * The kinds. `erc4626` exists now; the others are the names agreed for the fuses being written in parallel
 * (their entries will be corrected by whoever lands them if a constructor differs).
 */
export const FUSE_KINDS = {
  erc4626: {
    summary: "ERC-4626 supply (vault of vaults); substrates = target ERC-4626 vaults taking the vault's asset",
    fuses: ["Erc4626SupplyFuse"],
    balanceFuse: "Erc4626BalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "target ERC-4626 vault" },
    levered: false,
    requiresRestrictedVault: false,
    instantWithdrawFuse: "Erc4626SupplyFuse",
    localTestSubstrate: { contract: "TestErc4626Target", args: ({ asset }) => [asset, 0] },
  },
  "perp-v2": {
    summary: "Perpetual Protocol v2 positions; substrates = Perp v2 base tokens (markets)",
    fuses: ["PerpV2Fuse"],
    balanceFuse: "PerpV2BalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "Perp v2 base token" },
    levered: true,
    requiresRestrictedVault: false,
  },
  "perp-sim": {
    summary: "simulated perp venue (replay and tests only); substrates = simulated venue markets",
    fuses: ["SimulatedPerpFuse"],
    balanceFuse: "SimulatedPerpBalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "simulated perp venue" },
    levered: true,
    requiresRestrictedVault: false,
    localOnly: true,
  },
  "aave-v3": {
    summary: "Aave V3 supply/borrow; substrates = reserve tokens",
    fuses: ["AaveV3SupplyFuse", "AaveV3BorrowFuse"],
    balanceFuse: "AaveV3BalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "Aave V3 reserve token" },
    levered: true,
    requiresRestrictedVault: false,
  },
  morpho: {
    summary: "Morpho Blue supply/borrow; substrates = Morpho market ids (bytes32)",
    fuses: ["MorphoSupplyFuse", "MorphoBorrowFuse"],
    balanceFuse: "MorphoBalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "bytes32", what: "Morpho Blue market id" },
    levered: true,
    requiresRestrictedVault: false,
  },
  spot: {
    summary: "Uniswap V3 spot swaps under an oracle min-out; substrates = tokens the vault may hold",
    fuses: ["UniswapV3SwapFuse"],
    balanceFuse: "SpotBalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "token" },
    levered: false,
    requiresRestrictedVault: false,
  },
  cex: {
    summary: "transfers to allowlisted CEX deposit addresses; valued by reporters; substrates = deposit addresses",
    fuses: ["CexWhitelistFuse"],
    balanceFuse: "CexBalanceFuse",
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "CEX deposit address" },
    levered: false,
    requiresRestrictedVault: true,
  },
} as const satisfies Record<string, FuseKindSpec>;

export type FuseKind = keyof typeof FUSE_KINDS;
export const FUSE_KIND_NAMES = Object.keys(FUSE_KINDS) as FuseKind[];

export function fuseKind(kind: FuseKind): FuseKindSpec {
  return FUSE_KINDS[kind];
}

export function isFuseKind(kind: string): kind is FuseKind {
  return Object.hasOwn(FUSE_KINDS, kind);
}

/** Every contract a kind deploys per market: action fuses then the balance fuse. */
export function kindContracts(kind: FuseKind): string[] {
  const spec = fuseKind(kind);
  return [...spec.fuses, spec.balanceFuse];
}

/** The vault's bytes32 form of a config substrate, per the kind's encoding (lower-case hex). */
export function encodeSubstrate(kind: FuseKind, value: string): string {
  const spec = fuseKind(kind);
  if (spec.substrates.type === "address") return zeroPadValue(value, 32).toLowerCase();
  if (!isHexString(value, 32)) throw new Error(`substrate ${value} is not 32 bytes`);
  return value.toLowerCase();
}

/** Names of kinds whose contracts are missing, given an artifact-existence check. */
export async function missingKindContracts(
  kinds: Iterable<FuseKind>,
  artifactExists: (name: string) => Promise<boolean>,
): Promise<Map<FuseKind, string[]>> {
  const missing = new Map<FuseKind, string[]>();
  for (const kind of new Set(kinds)) {
    const names: string[] = [];
    for (const name of kindContracts(kind)) if (!(await artifactExists(name))) names.push(name);
    if (names.length > 0) missing.set(kind, names);
  }
  return missing;
}
