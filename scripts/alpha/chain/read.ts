/**
 * Chain reads of the vault's book: raw balances (token units, the action mapper's clamps come from these) and the
 * strategy's `PortfolioState`. Each leg is read by its venue-kind module (venues/registry.ts).
 *
 * Times: the strategy sees `chain time − clockOffset`. Live, the offset is 0; the replay runs history on a
 * chain whose clock is ahead of the data, by a whole number of days.
 */
import type { Provider } from "ethers";
import type { PerpPosition, PortfolioState, VaultRiskLimits } from "../strategy/types.js";
import type { ChainBook } from "./book.js";
import { erc20At } from "./contracts.js";
import { readCustody, type CustodyReading } from "./venues/cex.js";
import { readQueue, type QueueReading } from "./queue.js";
import { readRiskLimits } from "./riskLimits.js";
import { perpReader, readCredit } from "./venues/registry.js";
import type { PerpLeg, RawCredit, RawPerp } from "./venues/types.js";

export type { RawPerp } from "./venues/types.js";

/** Raw on-chain balances (token units). */
export interface RawBalances extends RawCredit {
  /** The vault's idle: its asset balance less what is set aside for settled redeem requests. */
  readonly idleQuote: bigint;
  readonly spotBase: bigint;
  /** One entry per perp venue of the book, in the book's order. */
  readonly perps: readonly RawPerp[];
  /** One entry per custody market of the book. */
  readonly custody: readonly CustodyReading[];
  /** The ERC-7540 redeem queue (queue.ts). */
  readonly queue: QueueReading;
  /** The vault's risk groups and net-delta bands (riskLimits.ts); absent = none read. */
  readonly risk?: VaultRiskLimits;
}

export const toNumber = (x: bigint, decimals: number): number => Number(x) / 10 ** decimals;

const NO_CREDIT: RawCredit = { aBase: 0n, aQuote: 0n, debtBase: 0n, debtQuote: 0n };

export class ChainReader {
  constructor(
    readonly book: ChainBook,
    readonly provider: Provider,
    readonly clockOffset: number = 0,
  ) {}

  /** One venue's position, account and market. */
  perpBalances(leg: PerpLeg): Promise<RawPerp> {
    return perpReader(leg).read(this.provider, this.book.vault);
  }

  async balances(): Promise<RawBalances> {
    const { book, provider } = this;
    const tokens = { base: book.base.address, quote: book.quote.address };
    const [balance, spotBase, credit, perps, custody, queue, risk] = await Promise.all([
      erc20At(book.quote.address, provider).balanceOf(book.vault),
      erc20At(book.base.address, provider).balanceOf(book.vault),
      book.credit === undefined ? NO_CREDIT : readCredit(book.credit, provider, book.vault, tokens),
      Promise.all(book.perps.map((leg) => this.perpBalances(leg))),
      Promise.all(book.custody.map((leg) => readCustody(leg, provider))),
      readQueue(book.vault, provider),
      readRiskLimits(book, provider),
    ]);
    const idleQuote = balance > queue.setAside ? balance - queue.setAside : 0n;
    return { idleQuote, spotBase, ...credit, perps, custody, queue, risk };
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
      ...(b.queue.owedAssets > 0n ? { redeemOwedQuote: toNumber(b.queue.owedAssets, quote.decimals) } : {}),
      ...(b.risk === undefined || (b.risk.groups.length + b.risk.deltaBands.length === 0 && b.risk.maxBatchLossBps === undefined) ? {} : { vaultRisk: b.risk }),
    };
  }
}
