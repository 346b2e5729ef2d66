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

/** PerpV2BalanceFuse.MAX_UNDERLYINGS: the base-token → underlying pairs it keeps in immutables. */
const PERP_V2_MAX_UNDERLYINGS = 4;

/** What a kind's constructors receive. */
export interface FuseConstructorContext {
  marketId: bigint;
  asset: string; // the vault's asset
  /** The market's `params` from the config, checked against the kind's `params` spec. */
  params: Readonly<Record<string, string | number>>;
  /** The market's substrates as the config gives them (addresses as strings; test substrates left out). */
  substrates: readonly string[];
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
  /** Parameters a market of the kind may leave out (checked like `params` when given). */
  optionalParams?: Readonly<Record<string, ParamType>>;
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
  /** Value checks of `params` mirroring the fuses' constructor requires: a problem message, or undefined. */
  paramRules?: Readonly<Record<string, (value: unknown) => string | undefined>>;
  /**
   * What the market's balance fuse values, as keys (a venue account, a pool account, a token balance, a custody
   * deposit address): two markets with a common key would value one account twice, so the config check refuses
   * them. Addresses lower case; test substrates (`{ deployTest }`) are distinct contracts and carry no key.
   */
  valuationKeys(market: ValuationInput): ValuationKey[];
  /**
   * Set when the kind's balance fuse implements IExposureFuse (contracts/interfaces/IExposureFuse.sol): the assets a
   * market of the kind can report signed exposure in, as far as the config names them (lower case). A market of a
   * kind without it cannot report into the net-delta book (`reportsExposure: true` is refused); `undefined` from it:
   * this market cannot, with these params (`exposureHint` says why).
   */
  exposureAssets?(market: ValuationInput): string[] | undefined;
  /** Why a market of the kind may be unable to report (shown when `exposureAssets` answers undefined). */
  exposureHint?: string;
}

export interface ValuationInput {
  params: Readonly<Record<string, unknown>>;
  /** The market's address/bytes32 substrates given as strings, lower case. */
  substrates: readonly string[];
  /** The vault's asset when the config gives its address (lower case). */
  vaultAsset: string | undefined;
}

export interface ValuationKey {
  id: string;
  what: string;
}

const lower = (x: unknown): string | undefined => (typeof x === "string" ? x.toLowerCase() : undefined);
/** The vault's one account at a venue or pool given by `param`. */
const accountAt = (kind: string, param: string, what: string) => ({ params }: ValuationInput): ValuationKey[] => {
  const address = lower(params[param]);
  return address === undefined ? [] : [{ id: `${kind}:${address}`, what: `the vault's account at ${what} ${address}` }];
};
/** One key per substrate (a target vault, a token balance, a deposit address). */
const perSubstrate = (kind: string, what: string, skipVaultAsset = false) => ({ substrates, vaultAsset }: ValuationInput): ValuationKey[] =>
  substrates.filter((s) => !(skipVaultAsset && s === vaultAsset)).map((s) => ({ id: `${kind}:${s}`, what: `${what} ${s}` }));
const healthFactorAtLeastOne = (fuse: string, error: string) => (value: unknown): string | undefined =>
  typeof value === "number" && value < 1 ? `is below 1: ${fuse} refuses a minimum health factor under 1 (${error}); a position at a health factor under 1 is liquidatable` : undefined;

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
    valuationKeys: ({ substrates }) => substrates.map((s) => ({ id: `erc4626:${s.slice(-40)}`, what: `the vault's shares of ERC-4626 target 0x${s.slice(-40)}` })),
  },
  "perp-v2": {
    summary: "Perpetual Protocol v2 positions; substrates = Perp v2 base tokens; params: clearingHouse, underlying (optional: the spot asset the base tokens track, for the net-delta band)",
    fuses: ["PerpV2Fuse"],
    balanceFuse: "PerpV2BalanceFuse",
    params: { clearingHouse: "address" },
    // The spot asset the market's base tokens track (WETH for vETH): the balance fuse reports each position under it.
    optionalParams: { underlying: "address" },
    constructorArgs: (c, { marketId, params, substrates }) => {
      const clearingHouse = params["clearingHouse"];
      if (c !== "PerpV2BalanceFuse") return [marketId, clearingHouse];
      const underlying = params["underlying"];
      return typeof underlying === "string" ? [marketId, clearingHouse, [...substrates], substrates.map(() => underlying)] : [marketId, clearingHouse, [], []];
    },
    substrates: { type: "address", what: "Perp v2 base token" },
    levered: true,
    requiresRestrictedVault: false,
    valuationKeys: accountAt("perp-v2", "clearingHouse", "Perp v2 ClearingHouse"),
    exposureAssets: ({ params, substrates }) => {
      const underlying = params["underlying"];
      return typeof underlying === "string" && substrates.length <= PERP_V2_MAX_UNDERLYINGS ? [underlying.toLowerCase()] : undefined;
    },
    exposureHint: `without params.underlying (the spot asset its base tokens track), or with more than ${PERP_V2_MAX_UNDERLYINGS} base tokens`,
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
    valuationKeys: accountAt("perp-sim", "venue", "simulated venue"),
    // SimulatedPerpBalanceFuse: the signed size of each venue market, named by its underlying's address.
    exposureAssets: ({ substrates }) => [...substrates],
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
    paramRules: { minHealthFactor: healthFactorAtLeastOne("AaveV3Fuse", "AaveV3InvalidMinHealthFactor") },
    valuationKeys: accountAt("aave-v3", "pool", "Aave V3 pool"),
    // AaveV3BalanceFuse: supplied − owed per reserve (collateral +, debt −).
    exposureAssets: ({ substrates }) => [...substrates],
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
    paramRules: { minHealthFactor: healthFactorAtLeastOne("MorphoBlueFuse", "MorphoBlueInvalidMinHealthFactor") },
    valuationKeys: accountAt("morpho", "morpho", "Morpho Blue instance"),
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
    paramRules: {
      maxSlippageBps: (v) => (typeof v === "number" && v >= 10_000 ? `must be < 10000 (UniswapV3SwapFuse: InvalidMaxSlippage)` : undefined),
      instantWithdrawFee: (v) => (typeof v === "number" && v >= 2 ** 24 ? `does not fit a uint24 fee tier (e.g. 500, 3000, 10000)` : undefined),
    },
    valuationKeys: perSubstrate("token", "the vault's balance of token", true),
    // SpotBalanceFuse: each token held but the vault's asset (idle counts that).
    exposureAssets: ({ substrates, vaultAsset }) => substrates.filter((s) => s !== vaultAsset),
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
    valuationKeys: perSubstrate("cex", "the custody balance reported for deposit address"),
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
