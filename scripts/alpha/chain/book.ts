/**
 * The alpha's book on chain: which vault, which tokens, and which fuse / venue / pool carries each leg. Built
 * from a deployment record (`deployments/<network>/<vault>.json`) plus the fuses' immutables, so the live bot
 * needs nothing but the record and the network.
 */
import { Contract, getAddress, type ContractRunner } from "ethers";
import type { DeploymentRecord } from "../../deploy/record.js";
import type { Asset, VenueId } from "../strategy/types.js";
import { ERC20_ABI, FUSE_ABI, VAULT_ABI } from "./abi.js";

export interface TokenRef {
  readonly address: string;
  readonly decimals: number;
}

export interface ChainBook {
  readonly vault: string;
  /** The vault's asset: the strategy's quote (a USD stablecoin). */
  readonly quote: TokenRef;
  /** The traded asset's token (WETH for ETH). */
  readonly base: TokenRef & { readonly asset: Asset };
  readonly oracle: string;
  /** The perp leg: a simulated-venue market, seen by the strategy as venue `venueId`. */
  readonly perp: { readonly venueId: VenueId; readonly fuse: string; readonly venue: string; readonly market: string };
  /** The credit leg (Aave V3): long-leg collateral, quote borrowing. */
  readonly credit?: { readonly fuse: string; readonly pool: string };
  /** The spot leg (Uniswap V3 swaps): buys and sells of the base token against the quote. */
  readonly spot: { readonly fuse: string; readonly poolFee: number };
}

export interface BookOptions {
  readonly asset: Asset;
  /** Which strategy venue the simulated venue stands for (its metadata: fees, interval). */
  readonly venueId: VenueId;
  /** The Uniswap V3 fee tier of the base/quote pool. */
  readonly poolFee: number;
}

const fromSubstrate = (s: string): string => getAddress(`0x${s.slice(-40)}`);

/** Resolve the book of a deployed vault from its record (markets of kind perp-sim, aave-v3 and spot). */
export async function bookFromRecord(record: DeploymentRecord, runner: ContractRunner, options: BookOptions): Promise<ChainBook> {
  const vaultAddress = getAddress(required(record.contracts["FuseboxVault"], "FuseboxVault").address);
  const vault = new Contract(vaultAddress, VAULT_ABI, runner);
  const quoteAddress = getAddress((await vault.getFunction("asset")()) as string);
  const oracle = getAddress((await vault.getFunction("priceOracle")()) as string);
  const kind = (k: string) => record.markets.find((m) => m.kind === k);
  const perp = kind("perp-sim");
  const spot = kind("spot");
  const credit = kind("aave-v3");
  if (perp === undefined || spot === undefined) {
    throw new Error(`vault ${record.vault} (${vaultAddress}) needs a perp-sim market and a spot market (has: ${record.markets.map((m) => m.kind).join(", ")})`);
  }
  const perpFuse = required(perp.fuses["SimulatedPerpFuse"], "SimulatedPerpFuse");
  const venue = getAddress((await new Contract(perpFuse, FUSE_ABI, runner).getFunction("VENUE")()) as string);
  const market = fromSubstrate(required(perp.substrates[0], "perp market substrate"));
  const baseAddress = spot.substrates.map(fromSubstrate).find((a) => a !== quoteAddress);
  if (baseAddress === undefined) throw new Error("the spot market lists no token besides the vault's asset");
  const decimals = async (a: string): Promise<number> => Number(await new Contract(a, ERC20_ABI, runner).getFunction("decimals")());
  const creditFuse = credit?.fuses["AaveV3Fuse"];
  return {
    vault: vaultAddress,
    quote: { address: quoteAddress, decimals: await decimals(quoteAddress) },
    base: { address: baseAddress, decimals: await decimals(baseAddress), asset: options.asset },
    oracle,
    perp: { venueId: options.venueId, fuse: perpFuse, venue, market },
    ...(creditFuse === undefined
      ? {}
      : { credit: { fuse: creditFuse, pool: getAddress((await new Contract(creditFuse, FUSE_ABI, runner).getFunction("POOL")()) as string) } }),
    spot: { fuse: required(spot.fuses["UniswapV3SwapFuse"], "UniswapV3SwapFuse"), poolFee: options.poolFee },
  };
}

function required<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`deployment record has no ${what}`);
  return x;
}
