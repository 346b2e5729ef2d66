/**
 * Chain reads: the vault's PortfolioState (vault balances, Aave positions, simulated-venue position) and the
 * MarketSnapshot / MarketHistory the strategy decides on (oracle middleware prices, the venue's mark price and
 * its FundingApplied events, plus optional historical prints from before the chain's history).
 *
 * Times: the strategy sees `chain time − clockOffset`. Live, the offset is 0; the replay runs history on a
 * chain whose clock is ahead of the data, by a whole number of days.
 */
import { Contract, type Provider } from "ethers";
import type { FundingPrint, MarketHistory, MarketSnapshot, PortfolioState } from "../strategy/types.js";
import { AAVE_POOL_ABI, ERC20_ABI, FEED_ABI, ORACLE_ABI, VENUE_ABI } from "./abi.js";
import type { ChainBook } from "./book.js";

const WAD = 10n ** 18n;

/** Raw on-chain balances (token units), the action mapper's clamps come from these. */
export interface RawBalances {
  readonly idleQuote: bigint;
  readonly spotBase: bigint;
  readonly aBase: bigint;
  readonly aQuote: bigint;
  readonly debtBase: bigint;
  readonly debtQuote: bigint;
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

  async balances(): Promise<RawBalances> {
    const { book } = this;
    const venue = new Contract(book.perp.venue, VENUE_ABI, this.provider);
    const credit = async (asset: string): Promise<[bigint, bigint]> => {
      if (book.credit === undefined) return [0n, 0n];
      const { aToken, debtToken } = await this.reserve(asset);
      return Promise.all([this.erc20(aToken).getFunction("balanceOf")(book.vault), this.erc20(debtToken).getFunction("balanceOf")(book.vault)]);
    };
    const [idleQuote, spotBase, [aBase, debtBase], [aQuote, debtQuote], position, market, accountValue, collateral, free] = await Promise.all([
      this.erc20(book.quote.address).getFunction("balanceOf")(book.vault) as Promise<bigint>,
      this.erc20(book.base.address).getFunction("balanceOf")(book.vault) as Promise<bigint>,
      credit(book.base.address),
      credit(book.quote.address),
      venue.getFunction("positions")(book.vault, book.perp.market) as Promise<{ sizeWad: bigint; openNotionalWad: bigint }>,
      venue.getFunction("markets")(book.perp.market) as Promise<{ markPriceWad: bigint; initialMarginBps: bigint }>,
      venue.getFunction("getAccountValue")(book.vault) as Promise<bigint>,
      venue.getFunction("collateralWad")(book.vault) as Promise<bigint>,
      venue.getFunction("freeCollateral")(book.vault) as Promise<bigint>,
    ]);
    return {
      idleQuote, spotBase, aBase, aQuote, debtBase, debtQuote,
      perpSizeWad: position.sizeWad,
      perpOpenNotionalWad: position.openNotionalWad,
      perpAccountValue: accountValue,
      perpCollateralWad: collateral,
      perpFreeCollateral: free,
      markPriceWad: market.markPriceWad,
      initialMarginBps: Number(market.initialMarginBps),
    };
  }

  /** The strategy's view of the vault's book at strategy time `time`. */
  async portfolio(time: number, raw?: RawBalances): Promise<PortfolioState> {
    const b = raw ?? (await this.balances());
    const { quote, base } = this.book;
    const size = toNumber(b.perpSizeWad, 18);
    const openNotional = toNumber(b.perpOpenNotionalWad, 18);
    const mark = toNumber(b.markPriceWad, 18);
    // Collateral + settled and pending funding = account value − unrealised PnL (openNotional + size × mark).
    const unrealised = openNotional + size * mark;
    const accountValue = toNumber(b.perpAccountValue, quote.decimals);
    const perps = size === 0 && b.perpCollateralWad === 0n
      ? []
      : [{
          venue: this.book.perp.venueId,
          asset: base.asset,
          sizeBase: size,
          entryPrice: size === 0 ? mark : Math.abs(openNotional / size),
          marginQuote: accountValue - unrealised,
        }];
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

  /** Oracle spot price (quote per base), its feed time, the quote's USD peg, and the venue's mark. */
  async snapshot(time: number, history: MarketHistory): Promise<MarketSnapshot> {
    const { book } = this;
    const oracle = new Contract(book.oracle, ORACLE_ABI, this.provider);
    const venue = new Contract(book.perp.venue, VENUE_ABI, this.provider);
    const [basePx, quotePx, feed, market] = await Promise.all([
      oracle.getFunction("getAssetPriceWad")(book.base.address) as Promise<bigint>,
      oracle.getFunction("getAssetPriceWad")(book.quote.address) as Promise<bigint>,
      oracle.getFunction("getFeed")(book.base.address) as Promise<{ aggregator: string }>,
      venue.getFunction("markets")(book.perp.market) as Promise<{ markPriceWad: bigint; priceUpdatedAt: bigint }>,
    ]);
    const round = (await new Contract(feed.aggregator, FEED_ABI, this.provider).getFunction("latestRoundData")()) as bigint[];
    const prints = history.funding[book.perp.venueId] ?? [];
    const last = prints.at(-1);
    return {
      time,
      asset: book.base.asset,
      spotPrice: Number((basePx * WAD) / quotePx) / 1e18,
      spotTime: Number(round[3] ?? 0n) - this.clockOffset,
      quotePegUsd: toNumber(quotePx, 18),
      venues: [{
        venue: book.perp.venueId,
        markPrice: toNumber(market.markPriceWad, 18),
        markTime: Number(market.priceUpdatedAt) - this.clockOffset,
        ...(last === undefined ? {} : { lastFunding: last }),
      }],
    };
  }
}

/**
 * Funding history of the book's venue: `seed` prints (history from before the chain's, e.g. the shipped data
 * in the replay, or a venue's API live) followed by the venue's FundingApplied events, read incrementally.
 */
export class FundingHistory {
  private readonly prints: FundingPrint[];
  private nextBlock: number;

  constructor(
    private readonly reader: ChainReader,
    seed: readonly FundingPrint[],
    fromBlock: number,
    private readonly intervalHours: number,
  ) {
    this.prints = [...seed];
    this.nextBlock = fromBlock;
  }

  /** Prints known at strategy time `time` (fetches new events first). */
  async at(time: number): Promise<MarketHistory> {
    const { book, provider, clockOffset } = this.reader;
    const head = await provider.getBlockNumber();
    if (head >= this.nextBlock) {
      const venue = new Contract(book.perp.venue, VENUE_ABI, provider);
      const events = await venue.queryFilter(venue.filters["FundingApplied"]?.(book.perp.market) ?? "FundingApplied", this.nextBlock, head);
      for (const e of events) {
        if (!("args" in e)) continue;
        const block = await provider.getBlock(e.blockNumber);
        if (block === null) throw new Error(`block ${e.blockNumber} not found`);
        // The keeper applies a print at its settlement time; the strategy sees it on its interval grid.
        const settle = Math.round((block.timestamp - clockOffset) / 3600) * 3600;
        const rate = toNumber(e.args[1] as bigint, 18);
        this.prints.push({
          venue: book.perp.venueId,
          settleTime: settle,
          knownAt: settle,
          ratePerInterval: rate,
          intervalHours: this.intervalHours,
          ratePerHour: rate / this.intervalHours,
        });
      }
      this.nextBlock = head + 1;
    }
    return { funding: { [book.perp.venueId]: this.prints.filter((p) => p.knownAt <= time) } };
  }
}
