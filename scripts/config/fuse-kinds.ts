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
  /** The market's `params` from the config, checked against the kind's `params` spec. */
  params: Readonly<Record<string, string | number>>;
}

/** A per-market parameter a kind's constructors need: an address, a plain integer, or a decimal scaled to 1e18. */
export type ParamType = "address" | "integer" | "wad";

export interface FuseKindSpec {
  /** One-line description for `--help` and error messages. */
  summary: string;
  /** Action fuses the vault may `execute` (each deployed once per market). */
  fuses: readonly string[];
  /** The market's balance fuse (IBalanceFuse). */
  balanceFuse: string;
  /** Per-market parameters (the market's `params` in the config), e.g. the venue's address. */
  params: Readonly<Record<string, ParamType>>;
  /** Constructor arguments of `contract` (one of `fuses` or `balanceFuse`). */
  constructorArgs: (contract: string, ctx: FuseConstructorContext) => unknown[];
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

const byMarketId = (_contract: string, { marketId }: FuseConstructorContext): unknown[] => [marketId];
const wad = (x: string | number | undefined): bigint => BigInt(Math.round(Number(x) * 1e6)) * 10n ** 12n;

/**
 * The kinds. `erc4626` is on main now; the others follow the contracts on the perp, credit and spot-cex
 * branches (names and constructors as committed there), and become available once those land.
 */
export const FUSE_KINDS = {
  erc4626: {
    summary: "ERC-4626 supply (vault of vaults); substrates = target ERC-4626 vaults taking the vault's asset",
    fuses: ["Erc4626SupplyFuse"],
    balanceFuse: "Erc4626BalanceFuse",
    params: {},
    constructorArgs: byMarketId,
    substrates: { type: "address", what: "target ERC-4626 vault" },
    levered: false,
    requiresRestrictedVault: false,
    instantWithdrawFuse: "Erc4626SupplyFuse",
    localTestSubstrate: { contract: "TestErc4626Target", args: ({ asset }) => [asset, 0] },
  },
  "perp-v2": {
    summary: "Perpetual Protocol v2 positions; substrates = Perp v2 base tokens; params: clearingHouse",
    fuses: ["PerpV2Fuse"],
    balanceFuse: "PerpV2BalanceFuse",
    params: { clearingHouse: "address" },
    constructorArgs: (_c, { marketId, params }) => [marketId, params["clearingHouse"]],
    substrates: { type: "address", what: "Perp v2 base token" },
    levered: true,
    requiresRestrictedVault: false,
  },
  "perp-sim": {
    summary: "simulated perp venue (replay and tests only); substrates = venue markets; params: venue",
    fuses: ["SimulatedPerpFuse"],
    balanceFuse: "SimulatedPerpBalanceFuse",
    params: { venue: "address" },
    constructorArgs: (_c, { marketId, params }) => [marketId, params["venue"]],
    substrates: { type: "address", what: "simulated venue market" },
    levered: true,
    requiresRestrictedVault: false,
    localOnly: true,
  },
  "aave-v3": {
    summary: "Aave V3 supply/borrow; substrates = reserve tokens; params: pool, minHealthFactor",
    fuses: ["AaveV3Fuse"],
    balanceFuse: "AaveV3BalanceFuse",
    params: { pool: "address", minHealthFactor: "wad" },
    constructorArgs: (c, { marketId, params }) =>
      c === "AaveV3Fuse" ? [marketId, params["pool"], wad(params["minHealthFactor"])] : [marketId, params["pool"]],
    substrates: { type: "address", what: "Aave V3 reserve token" },
    levered: true,
    requiresRestrictedVault: false,
    instantWithdrawFuse: "AaveV3Fuse",
  },
  morpho: {
    summary: "Morpho Blue supply/borrow; substrates = Morpho market ids (bytes32); params: morpho, minHealthFactor",
    fuses: ["MorphoBlueFuse"],
    balanceFuse: "MorphoBlueBalanceFuse",
    params: { morpho: "address", minHealthFactor: "wad" },
    constructorArgs: (c, { marketId, params }) =>
      c === "MorphoBlueFuse" ? [marketId, params["morpho"], wad(params["minHealthFactor"])] : [marketId, params["morpho"]],
    substrates: { type: "bytes32", what: "Morpho Blue market id" },
    levered: true,
    requiresRestrictedVault: false,
    instantWithdrawFuse: "MorphoBlueFuse",
  },
  spot: {
    summary: "Uniswap V3 swaps under an oracle min-out; substrates = tokens; params: router, maxSlippageBps, instantWithdrawFee",
    fuses: ["UniswapV3SwapFuse"],
    balanceFuse: "SpotBalanceFuse",
    params: { router: "address", maxSlippageBps: "integer", instantWithdrawFee: "integer" },
    constructorArgs: (c, { marketId, params }) =>
      c === "UniswapV3SwapFuse" ? [marketId, params["router"], params["maxSlippageBps"], params["instantWithdrawFee"]] : [marketId],
    substrates: { type: "address", what: "token" },
    levered: false,
    requiresRestrictedVault: false,
    instantWithdrawFuse: "UniswapV3SwapFuse",
  },
  cex: {
    summary: "transfers to allowlisted CEX deposit addresses, valued by custody reports; substrates = deposit addresses; params: custody",
    fuses: ["CexTransferFuse"],
    balanceFuse: "CexBalanceFuse",
    params: { custody: "address" },
    constructorArgs: (_c, { marketId, params }) => [marketId, params["custody"]],
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
