/**
 * The alpha's book on chain: which vault, which tokens, and which leg (a venue-kind module's data, see
 * venues/registry.ts) carries each part of the strategy. Built from a deployment record
 * (`deployments/<network>/<vault>.json`) plus the fuses' immutables, so the live bot needs nothing but the record
 * and the network.
 */
import { getAddress, type Provider } from "ethers";
import type { DeploymentRecord } from "../../deploy/record.js";
import { VENUE_IDS, type Asset, type VenueId } from "../strategy/types.js";
import { erc20At, vaultAt } from "./contracts.js";
import { resolveCustody, type CustodyLeg } from "./venues/cex.js";
import { fromSubstrate, fuseOf, required } from "./venues/common.js";
import { isCreditKind, isPerpKind, PERP_KINDS, resolveCredit, resolvePerp } from "./venues/registry.js";
import { resolveSpot, type SpotLeg } from "./venues/spot.js";
import type { CreditLeg, PerpLeg } from "./venues/types.js";

export type { CreditLeg, PerpLeg } from "./venues/types.js";

export interface TokenRef {
  readonly address: string;
  readonly decimals: number;
}

export interface ChainBook {
  readonly vault: string;
  /** The vault's AccessManager. */
  readonly authority: string;
  /** The vault's asset: the strategy's quote (a USD stablecoin). */
  readonly quote: TokenRef;
  /** The traded asset's token (WETH for ETH). */
  readonly base: TokenRef & { readonly asset: Asset };
  readonly oracle: string;
  /** The perp legs: one vault market per strategy venue (`venueId`), each its own fuse. */
  readonly perps: readonly PerpLeg[];
  /** The credit leg (Aave V3 or Morpho Blue): long-leg collateral, quote borrowing. */
  readonly credit?: CreditLeg;
  /** The spot leg (Uniswap V3 swaps): buys and sells of the base token against the quote. */
  readonly spot: SpotLeg;
  /** CEX custody markets: valued (and their reports' freshness checked), never traded by the alpha. */
  readonly custody: readonly CustodyLeg[];
  /** Record markets the alpha neither trades nor reads (their kind has no module), by name. */
  readonly ignored: readonly string[];
  /** Every market of the record (id, name, kind): the risk engine names markets by id. */
  readonly markets: readonly { readonly id: number; readonly name: string; readonly kind: string }[];
}

/** The book's leg for `venue`; a venue the book does not hold is an error naming the ones it does. */
export function perpLeg(book: ChainBook, venue: VenueId): PerpLeg {
  const leg = book.perps.find((p) => p.venueId === venue);
  if (leg === undefined) throw new Error(`no perp market for venue ${venue} (book: ${book.perps.map((p) => p.venueId).join(", ") || "none"})`);
  return leg;
}

export interface BookOptions {
  readonly asset: Asset;
  /** The strategy venue of a lone perp market whose name names none (default: the kind's stand-in, else binance). */
  readonly venueId?: VenueId;
  /** Explicit market name → strategy venue (otherwise a venue id found in the market's name, e.g. "bybit-perp"). */
  readonly venues?: Readonly<Record<string, VenueId>>;
  /** The Uniswap V3 fee tier of the base/quote pool. */
  readonly poolFee: number;
}

/** Resolve the book of a deployed vault from its record (every market kind of venues/registry.ts). */
export async function bookFromRecord(record: DeploymentRecord, provider: Provider, options: BookOptions): Promise<ChainBook> {
  const vaultAddress = getAddress(required(record.contracts["FuseboxVault"], "FuseboxVault").address);
  const vault = vaultAt(vaultAddress, provider);
  const [quoteAddress, oracle, authority] = await Promise.all([vault.asset(), vault.priceOracle(), vault.authority()]).then(([a, o, m]) => [getAddress(a), getAddress(o), getAddress(m)] as const);
  const perpMarkets = record.markets.filter((m) => isPerpKind(m.kind));
  const spotMarkets = record.markets.filter((m) => m.kind === "spot");
  const creditMarkets = record.markets.filter((m) => isCreditKind(m.kind));
  if (perpMarkets.length === 0) {
    throw new Error(`vault ${record.vault} (${vaultAddress}) has no perp market (kinds ${Object.keys(PERP_KINDS).join(", ")}; has: ${record.markets.map((m) => m.kind).join(", ") || "none"})`);
  }
  if (spotMarkets.length !== 1) throw new Error(`vault ${record.vault} (${vaultAddress}) needs one spot market to buy the long leg (has ${spotMarkets.length})`);
  if (creditMarkets.length > 1) throw new Error(`vault ${record.vault}: the alpha uses at most one credit market (has ${creditMarkets.map((m) => m.name).join(", ")})`);
  const perps: PerpLeg[] = [];
  for (const m of perpMarkets) {
    if (!isPerpKind(m.kind)) continue;
    const lone = perpMarkets.length === 1 ? options.venueId ?? PERP_KINDS[m.kind].defaultVenue ?? "binance" : undefined;
    const venueId = options.venues?.[m.name] ?? venueInName(m.name) ?? lone;
    if (venueId === undefined) throw new Error(`perp market "${m.name}" names no strategy venue (one of ${VENUE_IDS.join(", ")}); with several perp markets each must`);
    if (perps.some((p) => p.venueId === venueId)) throw new Error(`two perp markets stand for venue ${venueId} ("${m.name}")`);
    perps.push(await resolvePerp(m.kind, m, provider, { venueId, name: m.name, marketId: m.id, fuse: fuseOf(m, PERP_KINDS[m.kind].fuseContract) }));
  }
  const spotMarket = required(spotMarkets[0], "spot market");
  const baseAddress = spotMarket.substrates.map(fromSubstrate).find((a) => a !== quoteAddress);
  if (baseAddress === undefined) throw new Error(`vault ${record.vault}: the spot market lists no token besides the vault's asset`);
  const decimals = async (a: string): Promise<number> => Number(await erc20At(a, provider).decimals());
  const creditMarket = creditMarkets[0];
  const credit = creditMarket !== undefined && isCreditKind(creditMarket.kind) ? await resolveCredit(creditMarket.kind, creditMarket, provider) : undefined;
  const custody = await Promise.all(record.markets.filter((m) => m.kind === "cex").map((m) => resolveCustody(m, provider)));
  const known = new Set([...perpMarkets, ...spotMarkets, ...creditMarkets].map((m) => m.name).concat(custody.map((c) => c.name)));
  return {
    vault: vaultAddress,
    authority,
    quote: { address: quoteAddress, decimals: await decimals(quoteAddress) },
    base: { address: baseAddress, decimals: await decimals(baseAddress), asset: options.asset },
    oracle,
    perps,
    ...(credit === undefined ? {} : { credit }),
    spot: resolveSpot(spotMarket, options.poolFee),
    custody,
    ignored: record.markets.filter((m) => !known.has(m.name)).map((m) => `${m.name} (${m.kind})`),
    markets: record.markets.map((m) => ({ id: m.id, name: m.name, kind: m.kind })),
  };
}

/** The strategy venue a market's name spells as one of its words ("bybit-perp" → bybit). */
function venueInName(name: string): VenueId | undefined {
  const words = name.toLowerCase().split(/[^a-z0-9]+/);
  return VENUE_IDS.find((v) => words.includes(v));
}
