/**
 * Market data behind one interface, `MarketDataSource`: what the strategy decides on (`MarketSnapshot`,
 * `MarketHistory`) plus every reading it rests on with its age (`SourceReading`), so a stale source can stop
 * risk-raising actions and the journal can say which one.
 *
 * - `ChainMarketData` (live `alpha run`, and the replay on its chain): spot and the quote's peg from the vault's
 *   PriceOracleMiddleware and its feeds (each feed's `maxStaleness` is its limit); each perp venue's mark and its
 *   freshness from the venue's contracts (the simulated venue's keeper mark, Perp v2's mark and index feed);
 *   funding history = seed prints (the shipped files in the replay, a venue API or the journal live) + the venue's
 *   own funding events + a live sample where funding is continuous (Perp v2's TWAP premium).
 * - `HistoricalMarketData` (files: data/market): the same view from history alone, no chain.
 */
import { queryInWindows } from "../../lib/logs.js";
import type { Provider } from "ethers";
import type { MarketData } from "../data/market.js";
import { indexAtOrAfter } from "../data/prices.js";
import type { Asset, FundingPrint, MarketHistory, MarketSnapshot, VenueId } from "../strategy/types.js";
import type { ChainBook } from "./book.js";
import { feedAt, oracleAt } from "./contracts.js";
import { perpReader } from "./venues/registry.js";
import type { FundingObservation, SourceReading } from "./venues/types.js";

export type { SourceReading } from "./venues/types.js";

export interface MarketView {
  readonly snapshot: MarketSnapshot;
  readonly history: MarketHistory;
  /** Every price the view rests on, with its age (chain time). */
  readonly sources: readonly SourceReading[];
  /** Funding prints this read observed for the first time (the journal keeps them across restarts). */
  readonly observed: readonly FundingPrint[];
}

export interface MarketDataSource {
  /** The market as of strategy time `time` (readings carry their chain-time ages). */
  at(time: number): Promise<MarketView>;
}

/** A source is stale when it says so or when it is older than its limit. */
export function staleSources(sources: readonly SourceReading[], now: number): { source: string; why: string }[] {
  const out: { source: string; why: string }[] = [];
  for (const s of sources) {
    if (s.failure !== undefined) out.push({ source: s.source, why: s.failure });
    else if (now - s.updatedAt > s.maxAgeSec) out.push({ source: s.source, why: `last update ${now - s.updatedAt} s ago, limit ${s.maxAgeSec} s` });
  }
  return out;
}

type Prints = Map<number, FundingPrint>;

export interface ChainMarketDataOptions {
  readonly book: ChainBook;
  readonly provider: Provider;
  readonly clockOffset: number;
  /** Prints from before `fromBlock`, per venue. */
  readonly seed: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly fromBlock: number;
  /** Each book venue's funding interval (hours) in the strategy's metadata. */
  readonly intervalHours: Readonly<Partial<Record<VenueId, number>>>;
}

export class ChainMarketData implements MarketDataSource {
  private readonly prints = new Map<VenueId, Prints>();
  private nextBlock: number;

  constructor(private readonly o: ChainMarketDataOptions) {
    for (const leg of o.book.perps) {
      if (o.intervalHours[leg.venueId] === undefined) throw new Error(`no funding interval for venue ${leg.venueId}`);
      this.prints.set(leg.venueId, new Map((o.seed[leg.venueId] ?? []).map((p) => [p.settleTime, p])));
    }
    this.nextBlock = o.fromBlock;
  }

  get clockOffset(): number {
    return this.o.clockOffset;
  }

  async at(time: number): Promise<MarketView> {
    const observed = await this.fetchFunding();
    const { book, provider, clockOffset } = this.o;
    // The feeds are read directly (not through getAssetPriceWad, which reverts on a stale price): a stale feed is
    // a reading with an age, and the policy holds the risk-raising actions instead of the whole tick failing.
    const oracle = oracleAt(book.oracle, provider);
    const [baseFeed, quoteFeed, quotes] = await Promise.all([
      oracle.getFeed(book.base.address),
      oracle.getFeed(book.quote.address),
      Promise.all(book.perps.map((leg) => perpReader(leg).quote(provider))),
    ]);
    const [baseRound, quoteRound] = await Promise.all([feedAt(baseFeed.aggregator, provider).latestRoundData(), feedAt(quoteFeed.aggregator, provider).latestRoundData()]);
    const usd = (answer: bigint, decimals: bigint): number => Number(answer) / 10 ** Number(decimals);
    const baseUsd = usd(baseRound.answer, baseFeed.feedDecimals);
    const quoteUsd = usd(quoteRound.answer, quoteFeed.feedDecimals);
    const positive = (x: number, what: string): string | undefined => (x > 0 ? undefined : `${what} answer ${x} is not positive`);
    const baseFailure = positive(baseUsd, "base feed");
    const quoteFailure = positive(quoteUsd, "quote feed");
    const sources: SourceReading[] = [
      { source: "oracle base feed", updatedAt: Number(baseRound.updatedAt), maxAgeSec: Number(baseFeed.maxStaleness), ...(baseFailure === undefined ? {} : { failure: baseFailure }) },
      { source: "oracle quote feed", updatedAt: Number(quoteRound.updatedAt), maxAgeSec: Number(quoteFeed.maxStaleness), ...(quoteFailure === undefined ? {} : { failure: quoteFailure }) },
      ...quotes.flatMap((q) => q.sources),
    ];
    const history = this.history(time);
    const snapshot: MarketSnapshot = {
      time,
      asset: book.base.asset,
      spotPrice: baseUsd / quoteUsd,
      spotTime: Number(baseRound.updatedAt) - clockOffset,
      quotePegUsd: quoteUsd,
      venues: book.perps.map((leg, i) => {
        const q = quotes[i];
        if (q === undefined) throw new Error(`no quote read for ${leg.venueId}`);
        const last = (history.funding[leg.venueId] ?? []).at(-1);
        return { venue: leg.venueId, markPrice: Number(q.markPriceWad) / 1e18, markTime: q.markTime - clockOffset, ...(last === undefined ? {} : { lastFunding: last }) };
      }),
    };
    return { snapshot, history, sources, observed };
  }

  /** Prints known at strategy time `time`, per venue, ascending. */
  history(time: number): MarketHistory {
    const funding: Partial<Record<VenueId, readonly FundingPrint[]>> = {};
    for (const [venue, prints] of this.prints) funding[venue] = [...prints.values()].filter((p) => p.knownAt <= time).sort((a, b) => a.settleTime - b.settleTime);
    return { funding };
  }

  /** New funding events since the last read, and a live sample where funding is continuous. */
  private async fetchFunding(): Promise<FundingPrint[]> {
    const { book, provider, clockOffset } = this.o;
    const head = await provider.getBlockNumber();
    const observed: FundingPrint[] = [];
    for (const leg of book.perps) {
      const interval = this.o.intervalHours[leg.venueId] ?? 8;
      const prints = this.prints.get(leg.venueId) ?? new Map<number, FundingPrint>();
      const reader = perpReader(leg);
      const events = await queryInWindows((from, to) => reader.fundingEvents(provider, from, to), this.nextBlock, head);
      const live = await reader.liveFunding(provider);
      const print = (obs: FundingObservation, settle: number): FundingPrint => {
        const ratePerInterval = obs.ratePerHour * interval;
        return { venue: leg.venueId, settleTime: settle, knownAt: settle, ratePerInterval, intervalHours: interval, ratePerHour: obs.ratePerHour };
      };
      // A print applied at its settlement time (an event) sits on the hour; events are re-read from the chain on
      // every start, so only live samples are reported as observed (the journal keeps them across restarts).
      for (const e of events) {
        const settle = Math.round((e.time - clockOffset) / 3600) * 3600;
        prints.set(settle, print(e, settle));
      }
      if (live !== undefined) {
        // A live sample stands for the interval it falls in, once.
        const settle = Math.floor((live.time - clockOffset) / (interval * 3600)) * interval * 3600;
        if (!prints.has(settle)) {
          const p = print(live, settle);
          prints.set(settle, p);
          observed.push(p);
        }
      }
      this.prints.set(leg.venueId, prints);
    }
    if (head >= this.nextBlock) this.nextBlock = head + 1;
    return observed;
  }
}

/** The market from history files alone (no chain): spot and every venue's mark from the hourly series, funding prints. */
export class HistoricalMarketData implements MarketDataSource {
  constructor(
    private readonly data: MarketData,
    private readonly asset: Asset,
    private readonly venues: readonly VenueId[],
  ) {}

  async at(time: number): Promise<MarketView> {
    const p = this.data.prices;
    let i = indexAtOrAfter(p.time, time);
    if (p.time[i] !== time) i -= 1;
    const at = p.time[i];
    if (at === undefined) throw new Error(`no price at or before ${new Date(time * 1000).toISOString()}`);
    const funding: Partial<Record<VenueId, readonly FundingPrint[]>> = {};
    for (const v of this.venues) funding[v] = (this.data.funding[v] ?? []).filter((x) => x.knownAt <= time);
    const snapshot: MarketSnapshot = {
      time,
      asset: this.asset,
      spotPrice: p.spot[i] ?? Number.NaN,
      spotTime: at,
      venues: this.venues.map((v) => {
        const last = funding[v]?.at(-1);
        return { venue: v, markPrice: p.mark[i] ?? Number.NaN, markTime: at, ...(last === undefined ? {} : { lastFunding: last }) };
      }),
    };
    return { snapshot, history: { funding }, sources: [{ source: "history files", updatedAt: at, maxAgeSec: 3600 }], observed: [] };
  }
}
