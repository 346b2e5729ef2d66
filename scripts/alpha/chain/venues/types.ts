/**
 * The venue-kind interfaces of the alpha's chain layer. A deployed vault's markets come from its record
 * (`deployments/<network>/<vault>.json`, market `kind` = the deployer's fuse kind); each kind the alpha trades has
 * one module here that resolves a market into a leg of the book (plain data), reads that leg from chain, and
 * maps the strategy's abstract actions to the leg's fuse calls. Adding a venue (GMX, Hyperliquid…) is one module,
 * its variant of the leg union below, and its entries in registry.ts; the loop, the planner, the action mapper and
 * the journal do not change.
 */
import type { Provider } from "ethers";
import type { MarketRecord } from "../../../deploy/record.js";
import type { VenueId } from "../../strategy/types.js";

export interface FuseCall {
  readonly fuse: string;
  readonly data: string;
}

/** What every perp leg carries, whatever its venue. */
export interface PerpLegCommon {
  /** The strategy venue whose metadata (fees, funding interval) the leg trades under. */
  readonly venueId: VenueId;
  /** The vault market's name in the deployment record. */
  readonly name: string;
  readonly marketId: number;
  /** The market's action fuse (a PerpFuseBase: the same action functions for every perp venue). */
  readonly fuse: string;
  /** The venue's market the fuse trades (the simulated venue's market, Perp v2's base token). */
  readonly market: string;
  /** Bound on fills vs the mark the decision saw (an AMM venue moves its price as it fills). */
  readonly maxSlippage: number;
}

export type PerpLeg =
  | (PerpLegCommon & { readonly kind: "perp-sim"; readonly venue: string })
  | (PerpLegCommon & {
      readonly kind: "perp-v2";
      readonly clearingHouse: string;
      readonly perpVault: string;
      readonly accountBalance: string;
      readonly exchange: string;
      readonly config: string;
      /** Settlement-token decimals (Perp's Vault reports in them). */
      readonly settlementDecimals: number;
    });

/** One venue's raw account and market (the vault's whole account on that venue), wad unless said otherwise. */
export interface RawPerp {
  readonly venueId: VenueId;
  readonly perpSizeWad: bigint;
  readonly perpOpenNotionalWad: bigint;
  /** Venue account value (quote token units, signed). */
  readonly perpAccountValue: bigint;
  readonly perpCollateralWad: bigint;
  readonly perpFreeCollateral: bigint;
  readonly markPriceWad: bigint;
  readonly initialMarginBps: number;
}

/** A price the decision rests on, with its age: what the staleness checks look at. */
export interface SourceReading {
  /** e.g. "binance-perp mark", "oracle WETH feed", "perp v2 index feed". */
  readonly source: string;
  /** Unix seconds of the reading's last update. */
  readonly updatedAt: number;
  /** The age past which the source counts as stale (seconds). */
  readonly maxAgeSec: number;
  /** Set when the source itself says it cannot be trusted (e.g. Perp's index feed timed out). */
  readonly failure?: string;
}

export interface PerpQuote {
  readonly markPriceWad: bigint;
  /** Unix seconds the mark stands for. */
  readonly markTime: number;
  readonly sources: readonly SourceReading[];
}

/** A funding observation from the venue: a settled print (per interval) or a live rate (per hour). */
export interface FundingObservation {
  /** Block timestamp (chain time). */
  readonly time: number;
  readonly ratePerHour: number;
}

export interface PerpVenueReader {
  read(provider: Provider, vault: string): Promise<RawPerp>;
  quote(provider: Provider): Promise<PerpQuote>;
  /** Funding the venue recorded in blocks [fromBlock, toBlock] (events), oldest first. */
  fundingEvents(provider: Provider, fromBlock: number, toBlock: number): Promise<FundingObservation[]>;
  /** The funding rate accruing now, for venues whose funding is continuous (Perp v2); undefined otherwise. */
  liveFunding(provider: Provider): Promise<FundingObservation | undefined>;
}

export interface PerpVenueKind<L extends PerpLeg> {
  readonly kind: L["kind"];
  /** The market's action fuse in the record (`market.fuses[fuseContract]`). */
  readonly fuseContract: string;
  /** The strategy venue a lone market of this kind stands for when nothing names one. */
  readonly defaultVenue?: VenueId;
  resolve(market: MarketRecord, provider: Provider, common: Omit<PerpLegCommon, "maxSlippage" | "market">): Promise<L>;
  reader(leg: L): PerpVenueReader;
}

export interface TokenPair {
  readonly base: string;
  readonly quote: string;
}

/** The vault's credit positions in token units. */
export interface RawCredit {
  readonly aBase: bigint;
  readonly aQuote: bigint;
  readonly debtBase: bigint;
  readonly debtQuote: bigint;
}

export type CreditOp = "supply" | "withdraw" | "borrow" | "repay";

export type CreditLeg =
  | { readonly kind: "aave-v3"; readonly name: string; readonly fuse: string; readonly pool: string }
  | {
      readonly kind: "morpho";
      readonly name: string;
      readonly fuse: string;
      readonly morpho: string;
      /** The vault's allowed Morpho markets, with their params (loan, collateral, oracle, irm, lltv). */
      readonly markets: readonly MorphoMarketRef[];
    };

export interface MorphoMarketRef {
  readonly id: string;
  readonly loanToken: string;
  readonly collateralToken: string;
  readonly oracle: string;
  readonly irm: string;
  readonly lltv: bigint;
}

export interface CreditVenueKind<L extends CreditLeg> {
  readonly kind: L["kind"];
  readonly fuseContract: string;
  resolve(market: MarketRecord, provider: Provider): Promise<L>;
  read(leg: L, provider: Provider, vault: string, tokens: TokenPair): Promise<RawCredit>;
  /** The fuse call of one credit operation on `token` (`amount` = MaxUint256 for all of it). */
  encode(leg: L, op: CreditOp, token: string, tokens: TokenPair, amount: bigint): FuseCall;
}
