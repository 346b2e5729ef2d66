/**
 * The alpha's book on chain: which vault, which tokens, and which fuse / venue / pool carries each leg. Built
 * from a deployment record (`deployments/<network>/<vault>.json`) plus the fuses' immutables, so the live bot
 * needs nothing but the record and the network.
 */
import { Contract, getAddress, type ContractRunner } from "ethers";
import type { DeploymentRecord } from "../../deploy/record.js";
import { VENUE_IDS, type Asset, type VenueId } from "../strategy/types.js";
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
  /** The perp legs: one simulated-venue market per strategy venue (`venueId`), each its own vault market and fuse. */
  readonly perps: readonly PerpLeg[];
  /** The credit leg (Aave V3): long-leg collateral, quote borrowing. */
  readonly credit?: { readonly fuse: string; readonly pool: string };
  /** The spot leg (Uniswap V3 swaps): buys and sells of the base token against the quote. */
  readonly spot: { readonly fuse: string; readonly poolFee: number };
}

/** One perp venue of the book: the strategy venue it stands for, its fuse, venue contract and market. */
export interface PerpLeg {
  readonly venueId: VenueId;
  /** The vault market's name in the deployment record. */
  readonly name: string;
  readonly fuse: string;
  readonly venue: string;
  readonly market: string;
}

/** The book's leg for `venue`; a venue the book does not hold is an error naming the ones it does. */
export function perpLeg(book: ChainBook, venue: VenueId): PerpLeg {
  const leg = book.perps.find((p) => p.venueId === venue);
  if (leg === undefined) throw new Error(`no perp market for venue ${venue} (book: ${book.perps.map((p) => p.venueId).join(", ") || "none"})`);
  return leg;
}

export interface BookOptions {
  readonly asset: Asset;
  /** The strategy venue of a lone perp-sim market whose name names none (its metadata: fees, interval). */
  readonly venueId: VenueId;
  /** Explicit market name → strategy venue (otherwise a venue id found in the market's name, e.g. "bybit-perp"). */
  readonly venues?: Readonly<Record<string, VenueId>>;
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
  const perpMarkets = record.markets.filter((m) => m.kind === "perp-sim");
  const spot = kind("spot");
  const credit = kind("aave-v3");
  if (perpMarkets.length === 0 || spot === undefined) {
    throw new Error(`vault ${record.vault} (${vaultAddress}) needs a perp-sim market and a spot market (has: ${record.markets.map((m) => m.kind).join(", ")})`);
  }
  const perps: PerpLeg[] = [];
  for (const m of perpMarkets) {
    const venueId = options.venues?.[m.name] ?? venueInName(m.name) ?? (perpMarkets.length === 1 ? options.venueId : undefined);
    if (venueId === undefined) throw new Error(`perp market "${m.name}" names no strategy venue (one of ${VENUE_IDS.join(", ")}); with several perp markets each must`);
    if (perps.some((p) => p.venueId === venueId)) throw new Error(`two perp markets stand for venue ${venueId} ("${m.name}")`);
    const fuse = required(m.fuses["SimulatedPerpFuse"], `SimulatedPerpFuse of ${m.name}`);
    const venue = getAddress((await new Contract(fuse, FUSE_ABI, runner).getFunction("VENUE")()) as string);
    perps.push({ venueId, name: m.name, fuse, venue, market: fromSubstrate(required(m.substrates[0], `${m.name} market substrate`)) });
  }
  const baseAddress = spot.substrates.map(fromSubstrate).find((a) => a !== quoteAddress);
  if (baseAddress === undefined) throw new Error("the spot market lists no token besides the vault's asset");
  const decimals = async (a: string): Promise<number> => Number(await new Contract(a, ERC20_ABI, runner).getFunction("decimals")());
  const creditFuse = credit?.fuses["AaveV3Fuse"];
  return {
    vault: vaultAddress,
    quote: { address: quoteAddress, decimals: await decimals(quoteAddress) },
    base: { address: baseAddress, decimals: await decimals(baseAddress), asset: options.asset },
    oracle,
    perps,
    ...(creditFuse === undefined
      ? {}
      : { credit: { fuse: creditFuse, pool: getAddress((await new Contract(creditFuse, FUSE_ABI, runner).getFunction("POOL")()) as string) } }),
    spot: { fuse: required(spot.fuses["UniswapV3SwapFuse"], "UniswapV3SwapFuse"), poolFee: options.poolFee },
  };
}

/** The strategy venue a market's name spells as one of its words ("bybit-perp" → bybit). */
function venueInName(name: string): VenueId | undefined {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  return VENUE_IDS.find((v) => words.includes(v));
}

function required<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`deployment record has no ${what}`);
  return x;
}
