/**
 * Chain reads: the vault's PortfolioState (vault balances, Aave positions, simulated-venue position) and the
 * MarketSnapshot / MarketHistory the strategy decides on (oracle middleware prices, the venue's mark price and
 * its FundingApplied events, plus optional historical prints from before the chain's history).
 *
 * Times: the strategy sees `chain time − clockOffset`. Live, the offset is 0; the replay runs history on a
 * chain whose clock is ahead of the data, by a whole number of days.
 */
import { Contract, type Provider } from "ethers";
import type { FundingPrint, MarketHistory, MarketSnapshot, PerpPosition, PortfolioState, VenueId } from "../strategy/types.js";
import { AAVE_POOL_ABI, ERC20_ABI, FEED_ABI, ORACLE_ABI, VENUE_ABI } from "./abi.js";
import type { ChainBook, PerpLeg } from "./book.js";

const WAD = 10n ** 18n;

/** Raw on-chain balances (token units), the action mapper's clamps come from these. */
export interface RawBalances {
  readonly idleQuote: bigint;
  readonly spotBase: bigint;
  readonly aBase: bigint;
  readonly aQuote: bigint;
  readonly debtBase: bigint;
  readonly debtQuote: bigint;
  /** One entry per perp venue of the book, in the book's order. */
  readonly perps: readonly RawPerp[];
}

/** One venue's raw account and market (the vault's whole account on that venue). */
export interface RawPerp {
  readonly venueId: VenueId;
  readonly perpSizeWad: bigint;
  readonly perpOpenNotionalWad: bigint;
  /** Venue account value (token units, signed). */
  readonly perpAccountValue: bigint;
  readonly perpCollateralWad: bigint;
  readonly perpFreeCollateral: bigint;
  readonly markPriceWad: bigint;
  readonly initialMarginBps: number;
}

export const toNumber = (x: bigint, decimals: number): number => Number(x) / 10 ** decimals;

export class ChainReader {
  private reserveTokens = new Map<string, { aToken: string; debtToken: string }>();

  constructor(
    readonly book: ChainBook,
    readonly provider: Provider,
    readonly clockOffset: number = 0,
  ) {}

  private erc20(address: string): Contract {
    return new Contract(address, ERC20_ABI, this.provider);
  }

  private async reserve(asset: string): Promise<{ aToken: string; debtToken: string }> {
    const cached = this.reserveTokens.get(asset);
    if (cached !== undefined) return cached;
    if (this.book.credit === undefined) throw new Error("no credit market");
    const data = (await new Contract(this.book.credit.pool, AAVE_POOL_ABI, this.provider).getFunction("getReserveData")(asset)) as {
      aTokenAddress: string;
      variableDebtTokenAddress: string;
    };
    const tokens = { aToken: data.aTokenAddress, debtToken: data.variableDebtTokenAddress };
    this.reserveTokens.set(asset, tokens);
    return tokens;
  }

  /** One venue's position, account and market. */
  async perpBalances(leg: PerpLeg): Promise<RawPerp> {
    const { book } = this;
    const venue = new Contract(leg.venue, VENUE_ABI, this.provider);
    const [position, market, accountValue, collateral, free] = await Promise.all([
      venue.getFunction("positions")(book.vault, leg.market) as Promise<{ sizeWad: bigint; openNotionalWad: bigint }>,
      venue.getFunction("markets")(leg.market) as Promise<{ markPriceWad: bigint; initialMarginBps: bigint }>,
      venue.getFunction("getAccountValue")(book.vault) as Promise<bigint>,
      venue.getFunction("collateralWad")(book.vault) as Promise<bigint>,
      venue.getFunction("freeCollateral")(book.vault) as Promise<bigint>,
    ]);
    return {
      venueId: leg.venueId,
      perpSizeWad: position.sizeWad,
      perpOpenNotionalWad: position.openNotionalWad,
      perpAccountValue: accountValue,
      perpCollateralWad: collateral,
      perpFreeCollateral: free,
      markPriceWad: market.markPriceWad,
      initialMarginBps: Number(market.initialMarginBps),
    };
  }

  async balances(): Promise<RawBalances> {
    const { book } = this;
    const credit = async (asset: string): Promise<[bigint, bigint]> => {
      if (book.credit === undefined) return [0n, 0n];
      const { aToken, debtToken } = await this.reserve(asset);
      return Promise.all([this.erc20(aToken).getFunction("balanceOf")(book.vault), this.erc20(debtToken).getFunction("balanceOf")(book.vault)]);
    };
    const [idleQuote, spotBase, [aBase, debtBase], [aQuote, debtQuote], perps] = await Promise.all([
      this.erc20(book.quote.address).getFunction("balanceOf")(book.vault) as Promise<bigint>,
      this.erc20(book.base.address).getFunction("balanceOf")(book.vault) as Promise<bigint>,
      credit(book.base.address),
      credit(book.quote.address),
      Promise.all(book.perps.map((leg) => this.perpBalances(leg))),
    ]);
    return { idleQuote, spotBase, aBase, aQuote, debtBase, debtQuote, perps };
  }

  /** The strategy's view of the vault's book at strategy time `time`. */
  async portfolio(time: number, raw?: RawBalances): Promise<PortfolioState> {
    const b = raw ?? (await this.balances());
    const { quote, base } = this.book;
    const perps: PerpPosition[] = [];
    for (const p of b.perps) {
      const size = toNumber(p.perpSizeWad, 18);
      const openNotional = toNumber(p.perpOpenNotionalWad, 18);
      const mark = toNumber(p.markPriceWad, 18);
      if (size === 0 && p.perpCollateralWad === 0n) continue;
      // Collateral + settled and pending funding = account value − unrealised PnL (openNotional + size × mark).
      const unrealised = openNotional + size * mark;
      perps.push({
        venue: p.venueId,
        asset: base.asset,
        sizeBase: size,
        entryPrice: size === 0 ? mark : Math.abs(openNotional / size),
        marginQuote: toNumber(p.perpAccountValue, quote.decimals) - unrealised,
      });
    }
    return {
      time,
      idleQuote: toNumber(b.idleQuote, quote.decimals),
      spotBase: { [base.asset]: toNumber(b.spotBase, base.decimals) },
      credit: {
        [base.asset]: {
          supplyBase: toNumber(b.aBase, base.decimals),
          borrowBase: toNumber(b.debtBase, base.decimals),
          supplyQuote: toNumber(b.aQuote, quote.decimals),
          borrowQuote: toNumber(b.debtQuote, quote.decimals),
        },
      },
      perps,
    };
  }

  /** Oracle spot price (quote per base), its feed time, the quote's USD peg, and every venue's mark and last print. */
  async snapshot(time: number, history: MarketHistory): Promise<MarketSnapshot> {
    const { book } = this;
    const oracle = new Contract(book.oracle, ORACLE_ABI, this.provider);
    const [basePx, quotePx, feed, markets] = await Promise.all([
      oracle.getFunction("getAssetPriceWad")(book.base.address) as Promise<bigint>,
      oracle.getFunction("getAssetPriceWad")(book.quote.address) as Promise<bigint>,
      oracle.getFunction("getFeed")(book.base.address) as Promise<{ aggregator: string }>,
      Promise.all(book.perps.map((leg) =>
        new Contract(leg.venue, VENUE_ABI, this.provider).getFunction("markets")(leg.market) as Promise<{ markPriceWad: bigint; priceUpdatedAt: bigint }>)),
    ]);
    const round = (await new Contract(feed.aggregator, FEED_ABI, this.provider).getFunction("latestRoundData")()) as bigint[];
    return {
      time,
      asset: book.base.asset,
      spotPrice: Number((basePx * WAD) / quotePx) / 1e18,
      spotTime: Number(round[3] ?? 0n) - this.clockOffset,
      quotePegUsd: toNumber(quotePx, 18),
      venues: book.perps.map((leg, i) => {
        const market = markets[i];
        if (market === undefined) throw new Error(`no market read for ${leg.venueId}`);
        const last = (history.funding[leg.venueId] ?? []).at(-1);
        return {
          venue: leg.venueId,
          markPrice: toNumber(market.markPriceWad, 18),
          markTime: Number(market.priceUpdatedAt) - this.clockOffset,
          ...(last === undefined ? {} : { lastFunding: last }),
        };
      }),
    };
  }
}

/**
 * Funding history of every venue of the book: `seed` prints per venue (history from before the chain's, e.g. the
 * shipped data in the replay, or each venue's API live) followed by each venue's FundingApplied events, read
 * incrementally. A venue's prints carry its own interval (`intervalHours[venue]`, e.g. 1 h on dYdX).
 */
export class FundingHistory {
  private readonly prints = new Map<VenueId, FundingPrint[]>();
  private nextBlock: number;

  constructor(
    private readonly reader: ChainReader,
    seed: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>,
    fromBlock: number,
    private readonly intervalHours: Readonly<Partial<Record<VenueId, number>>>,
  ) {
    for (const leg of reader.book.perps) {
      if (intervalHours[leg.venueId] === undefined) throw new Error(`no funding interval for venue ${leg.venueId}`);
      this.prints.set(leg.venueId, [...(seed[leg.venueId] ?? [])]);
    }
    this.nextBlock = fromBlock;
  }

  /** Prints known at strategy time `time`, per venue (fetches new events first). */
  async at(time: number): Promise<MarketHistory> {
    const { book, provider, clockOffset } = this.reader;
    const head = await provider.getBlockNumber();
    if (head >= this.nextBlock) {
      const timestamps = new Map<number, number>();
      for (const leg of book.perps) {
        const venue = new Contract(leg.venue, VENUE_ABI, provider);
        const events = await venue.queryFilter(venue.filters["FundingApplied"]?.(leg.market) ?? "FundingApplied", this.nextBlock, head);
        const interval = this.intervalHours[leg.venueId] ?? 8;
        const prints = this.prints.get(leg.venueId) ?? [];
        for (const e of events) {
          if (!("args" in e)) continue;
          let timestamp = timestamps.get(e.blockNumber);
          if (timestamp === undefined) {
            const block = await provider.getBlock(e.blockNumber);
            if (block === null) throw new Error(`block ${e.blockNumber} not found`);
            timestamp = block.timestamp;
            timestamps.set(e.blockNumber, timestamp);
          }
          // The keeper applies a print at its settlement time; the strategy sees it on its interval grid.
          const settle = Math.round((timestamp - clockOffset) / 3600) * 3600;
          const rate = toNumber(e.args[1] as bigint, 18);
          prints.push({ venue: leg.venueId, settleTime: settle, knownAt: settle, ratePerInterval: rate, intervalHours: interval, ratePerHour: rate / interval });
        }
        this.prints.set(leg.venueId, prints);
      }
      this.nextBlock = head + 1;
    }
    const funding: Partial<Record<VenueId, readonly FundingPrint[]>> = {};
    for (const [venue, prints] of this.prints) funding[venue] = prints.filter((p) => p.knownAt <= time);
    return { funding };
  }
}
