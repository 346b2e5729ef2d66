/**
 * The live alpha's wiring: a deployed vault's record → its book → an `EthersAlphaChain` the loop drives, after
 * checking that the alpha's key holds exactly the ALPHA role (privileges.ts).
 *
 * Market data live comes from the chain only (marketData.ts): the oracle middleware's feeds (spot), each venue's
 * mark and its freshness from the venue's contracts, funding from the venue's events and live rates. Funding
 * history from before the bot's first block comes from a seed: a venue API's history (`--funding-seed`), and the
 * prints earlier runs observed (the journal).
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { isAddress, type InterfaceAbi, type Provider, type Signer } from "ethers";
import { readRecord, recordPath, type DeploymentRecord } from "../../deploy/record.js";
import { defaultStrategyConfig, VENUES } from "../strategy/config.js";
import type { Asset, FundingPrint, StrategyConfig, VenueId } from "../strategy/types.js";
import type { TickCaps } from "../live/policy.js";
import { EthersAlphaChain } from "./alphaChain.js";
import { bookFromRecord, type ChainBook } from "./book.js";
import { ChainMarketData } from "./marketData.js";
import { requireLeastPrivilege } from "./privileges.js";
import { revertDecoder } from "../../lib/revert.js";
import { ChainReader } from "./read.js";

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
    ...(book.credit === undefined ? { longLeg: "spot" } : {}),
    ...overrides,
  });
}

/** Each book venue's funding interval (hours), from the strategy's venue metadata. */
export function bookIntervals(book: ChainBook, config?: StrategyConfig): Partial<Record<VenueId, number>> {
  return Object.fromEntries(book.perps.map((p) => [p.venueId, (config?.venues[p.venueId] ?? VENUES[p.venueId]).intervalHours]));
}

/** The contracts whose custom errors a batch can revert with (decoded in logs and journals). */
export const ERROR_SOURCES = [
  "IFuseboxVault", "SimulatedPerpVenue", "SimulatedPerpFuse", "PerpV2Fuse", "AaveV3Fuse", "MorphoBlueFuse", "UniswapV3SwapFuse", "PriceOracleMiddleware", "AccessManager",
];

export interface LiveAlphaOptions {
  readonly record: DeploymentRecord;
  readonly provider: Provider;
  readonly signer: Signer;
  readonly abiOf: (name: string) => Promise<InterfaceAbi>;
  readonly asset?: Asset;
  /** The strategy venue of a lone perp market whose name names none (default: the kind's stand-in). */
  readonly venueId?: VenueId;
  /** Market name → strategy venue, for markets whose names name none. */
  readonly venues?: Readonly<Record<string, VenueId>>;
  readonly poolFee?: number;
  /** First block to read funding events from (default 0). */
  readonly fromBlock?: number;
  /** Funding prints per venue from before `fromBlock` (a venue's API, the journal's observations). */
  readonly seed?: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly config?: Partial<StrategyConfig>;
  readonly clockOffset?: number;
  readonly caps?: TickCaps;
  /** Skip the AccessManager check (the replay's alpha is the test's own account). */
  readonly skipPrivilegeCheck?: boolean;
}

export async function createLiveAlpha(o: LiveAlphaOptions): Promise<{ chain: EthersAlphaChain; book: ChainBook; config: StrategyConfig }> {
  const book = await bookFromRecord(o.record, o.provider, {
    asset: o.asset ?? "ETH",
    ...(o.venueId === undefined ? {} : { venueId: o.venueId }),
    ...(o.venues === undefined ? {} : { venues: o.venues }),
    poolFee: o.poolFee ?? 500,
  });
  if (o.skipPrivilegeCheck !== true) await requireLeastPrivilege(book, await o.signer.getAddress(), o.provider);
  const config = bookStrategyConfig(book, o.config);
  const clockOffset = o.clockOffset ?? 0;
  const reader = new ChainReader(book, o.provider, clockOffset);
  const market = new ChainMarketData({ book, provider: o.provider, clockOffset, seed: o.seed ?? {}, fromBlock: o.fromBlock ?? 0, intervalHours: bookIntervals(book, config) });
  const abis = await Promise.all(ERROR_SOURCES.map(o.abiOf));
  const chain = new EthersAlphaChain({
    book, provider: o.provider, signer: o.signer, reader, market, config, decodeRevert: revertDecoder(abis), queueFromBlock: Math.max(o.fromBlock ?? 0, o.record.contracts["FuseboxVault"]?.block ?? 0), ...(o.caps === undefined ? {} : { caps: o.caps }),
  });
  return { chain, book, config };
}
