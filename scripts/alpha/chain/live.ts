/**
 * The live alpha's wiring: a deployed vault's record → its book → an `EthersAlphaChain` the loop drives.
 *
 * Market data live comes from the chain only: the oracle middleware's feeds (spot), each simulated venue's
 * mark price and its FundingApplied events (funding history, from `fromBlock`). A real deployment plugs in
 * the same three things from real sources: the oracle feeds are Chainlink's; the perp leg is a real venue's
 * fuse (Perp v2's ClearingHouse reads, or a CEX/DEX adapter) whose mark and funding prints come from its
 * contracts or API, and the funding history before the bot's first block is seeded from that venue's API
 * (`FundingHistory`'s `seed`), as the replay seeds it from the shipped data.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isAddress, type InterfaceAbi, type Provider, type Signer } from "ethers";
import { readRecord, recordPath, type DeploymentRecord } from "../../deploy/record.js";
import { defaultStrategyConfig, VENUES } from "../strategy/config.js";
import type { Asset, FundingPrint, StrategyConfig, VenueId } from "../strategy/types.js";
import { EthersAlphaChain } from "./alphaChain.js";
import { bookFromRecord, type ChainBook } from "./book.js";
import { revertDecoder } from "../../lib/revert.js";
import { ChainReader, FundingHistory } from "./read.js";

/** The record of `vault` (its name, or its address searched among the folder's records). */
export async function findVaultRecord(root: string, folder: string, vault: string): Promise<DeploymentRecord | undefined> {
  if (!isAddress(vault)) return readRecord(recordPath(root, folder, vault));
  let files: string[];
  try {
    files = await readdir(join(root, folder));
  } catch {
    return undefined;
  }
  for (const file of files.filter((f) => f.endsWith(".json"))) {
    const record = await readRecord(join(root, folder, file));
    if (record?.contracts["FuseboxVault"]?.address.toLowerCase() === vault.toLowerCase()) return record;
  }
  return undefined;
}

/** The strategy's defaults narrowed to the book's perp venues (one venue: the whole hedge on it). */
export function bookStrategyConfig(book: ChainBook, overrides: Partial<StrategyConfig> = {}): StrategyConfig {
  const venues: VenueId[] = book.perps.map((p) => p.venueId);
  return defaultStrategyConfig(book.base.asset, {
    allowedVenues: venues,
    venues: Object.fromEntries(venues.map((v) => [v, VENUES[v]])),
    ...(venues.length === 1 ? { maxVenueShare: 1 } : {}),
    ...overrides,
  });
}

/** Each book venue's funding interval (hours), from the strategy's venue metadata. */
export function bookIntervals(book: ChainBook, config?: StrategyConfig): Partial<Record<VenueId, number>> {
  return Object.fromEntries(book.perps.map((p) => [p.venueId, (config?.venues[p.venueId] ?? VENUES[p.venueId]).intervalHours]));
}

/** The contracts whose custom errors a batch can revert with (decoded in logs and journals). */
export const ERROR_SOURCES = ["IFuseboxVault", "SimulatedPerpVenue", "SimulatedPerpFuse", "AaveV3Fuse", "UniswapV3SwapFuse", "PriceOracleMiddleware", "AccessManager"];

export interface LiveAlphaOptions {
  readonly record: DeploymentRecord;
  readonly provider: Provider;
  readonly signer: Signer;
  readonly abiOf: (name: string) => Promise<InterfaceAbi>;
  readonly asset?: Asset;
  /** The strategy venue of a lone perp market whose name names none (default binance). */
  readonly venueId?: VenueId;
  /** Market name → strategy venue, for markets whose names name none. */
  readonly venues?: Readonly<Record<string, VenueId>>;
  readonly poolFee?: number;
  /** First block to read funding events from (default 0). */
  readonly fromBlock?: number;
  /** Funding prints per venue from before `fromBlock` (each venue's API live; the shipped data in the replay). */
  readonly seed?: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly config?: Partial<StrategyConfig>;
  readonly clockOffset?: number;
}

export async function createLiveAlpha(o: LiveAlphaOptions): Promise<{ chain: EthersAlphaChain; book: ChainBook; config: StrategyConfig }> {
  const book = await bookFromRecord(o.record, o.provider, {
    asset: o.asset ?? "ETH",
    venueId: o.venueId ?? "binance",
    ...(o.venues === undefined ? {} : { venues: o.venues }),
    poolFee: o.poolFee ?? 500,
  });
  const config = bookStrategyConfig(book, o.config);
  const reader = new ChainReader(book, o.provider, o.clockOffset ?? 0);
  const history = new FundingHistory(reader, o.seed ?? {}, o.fromBlock ?? 0, bookIntervals(book, config));
  const abis = await Promise.all(ERROR_SOURCES.map(o.abiOf));
  const chain = new EthersAlphaChain({ book, provider: o.provider, signer: o.signer, reader, history, config, decodeRevert: revertDecoder(abis) });
  return { chain, book, config };
}
