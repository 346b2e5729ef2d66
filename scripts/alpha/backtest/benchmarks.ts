import { venueMeta } from "../strategy/config.js";
import type { ActionCost } from "../strategy/ledger.js";
import type { StrategyConfig, VenueId } from "../strategy/types.js";

/**
 * The headline benchmark: the Ethena-style trade on the same data. Buy spot with the hedged capital,
 * post it as the collateral of one venue account (cross-collateral, valued at spot, as Ethena's
 * custodied collateral is) and short the same base amount there at 1x. Delta-hedged (long base =
 * short base, always), never switching venue, funding settled in quote into the account. Margin
 * managed: the short's PnL is settled daily against the collateral, and when the notional has drifted
 * more than the re-hedge band (default 10 %) from the account's equity (the price moved) both legs are resized back to
 * 1x at the venue's and the spot's costs. So it stays 1x of what it holds (without the resize a
 * fixed-base hedge would be levered up by a rally: notional ∝ price, equity ≈ entry notional) and is
 * never near liquidation; the engine still checks maintenance margin at each bar's worst price.
 * The vault's idle buffer stays in cash (same rule as the strategy), earning what idle earns.
 */
export interface HedgeBenchmarkOptions {
  readonly venue: VenueId;
  /** Share of capital left idle, bps (default: the strategy's idle buffer). */
  readonly bufferBps?: number;
  /** Re-hedge band (default REHEDGE_BAND, 10 %: the hedge stays within 0.9–1.1x of its equity). */
  readonly rehedgeBand?: number;
}

export interface HedgeBook {
  readonly venue: VenueId;
  readonly idleQuote: number;
  /** Base held as collateral, and shorted (size −base). */
  readonly base: number;
  readonly entryPrice: number;
  /** Quote cash on the account: settled funding minus fees. */
  readonly cashQuote: number;
  readonly liquidated: boolean;
}

export function emptyHedge(venue: VenueId, capitalQuote: number): HedgeBook {
  return { venue, idleQuote: capitalQuote, base: 0, entryPrice: 0, cashQuote: 0, liquidated: false };
}

/** Enter at the first hour: spot bought with fee + slippage, the short opened with the venue's taker fee + slippage. */
export function enterHedge(
  config: StrategyConfig,
  options: HedgeBenchmarkOptions,
  capitalQuote: number,
  spot: number,
  mark: number,
  perpSlippageFraction: number,
): { book: HedgeBook; cost: ActionCost } {
  const meta = venueMeta(config, options.venue);
  const bufferBps = options.bufferBps ?? config.idleBufferBps;
  const spotCost = (config.spotFeeBps + config.spotSlippageBps) / 10_000;
  const gas = 3 * config.gasPerActionQuote;
  const spend = capitalQuote * (1 - bufferBps / 10_000) - gas - meta.transferCostQuote;
  const base = Math.max(0, ((1 - spotCost) * spend) / spot);
  const perpFee = (base * mark * meta.takerFeeBps) / 10_000;
  const perpSlip = base * mark * perpSlippageFraction;
  const spotFee = (spend * config.spotFeeBps) / 10_000;
  const spotSlip = (spend * config.spotSlippageBps) / 10_000;
  return {
    book: {
      venue: options.venue,
      idleQuote: capitalQuote - spend - gas - meta.transferCostQuote,
      base,
      entryPrice: mark,
      cashQuote: -perpFee - perpSlip,
      liquidated: false,
    },
    cost: {
      feeQuote: spotFee + perpFee,
      slippageQuote: spotSlip + perpSlip,
      gasQuote: gas,
      transferQuote: meta.transferCostQuote,
      tradedQuote: spend + base * mark,
    },
  };
}

/** Account equity: collateral at spot + short PnL at the venue's mark + cash. */
export function hedgeEquity(book: HedgeBook, spot: number, mark: number): number {
  const shortPnl = book.liquidated ? 0 : book.base * (book.entryPrice - mark);
  return book.base * spot + shortPnl + book.cashQuote;
}

export function hedgeNav(book: HedgeBook, spot: number, mark: number): number {
  return book.idleQuote + hedgeEquity(book, spot, mark);
}

/** Funding settled on the short: +base × mark × rate (positive rates pay shorts). */
export function hedgeFunding(book: HedgeBook, rate: number, mark: number): { book: HedgeBook; paymentQuote: number } {
  if (book.base === 0 || book.liquidated) return { book, paymentQuote: 0 };
  const paymentQuote = book.base * mark * rate;
  return { book: { ...book, cashQuote: book.cashQuote + paymentQuote }, paymentQuote };
}

/**
 * Maintenance check at the bar's worst price for the short (its high, with spot at the same move):
 * below maintenance margin the venue closes the short at that price and keeps the maintenance margin
 * as its fee; the collateral stays, unhedged. Returns the margin lost when liquidated.
 */
export function checkHedgeLiquidation(
  book: HedgeBook,
  worstSpot: number,
  worstMark: number,
  maintenanceQuote: (notionalQuote: number) => number,
): { book: HedgeBook; lossQuote: number } | undefined {
  if (book.base === 0 || book.liquidated) return undefined;
  const equity = hedgeEquity(book, worstSpot, worstMark);
  const maintenance = maintenanceQuote(book.base * worstMark);
  if (equity >= maintenance) return undefined;
  const realised = book.base * (book.entryPrice - worstMark);
  return {
    book: { ...book, cashQuote: book.cashQuote + realised - maintenance, entryPrice: 0, liquidated: true },
    lossQuote: maintenance,
  };
}

/** Hedge notional at the mark (0 after a liquidation: the collateral is then unhedged). */
export function hedgeNotional(book: HedgeBook, mark: number): number {
  return book.liquidated ? 0 : book.base * mark;
}

/** Default re-hedge band: resize when |notional / equity − 1| exceeds it, checked once a day (00:00 UTC). */
export const REHEDGE_BAND = 0.1;

/**
 * Daily margin management: realise the short's PnL into the account, then, outside the band, resize
 * both legs to notional = equity (spot trade at the spot's fee + slippage, perp at the venue's).
 */
export function rehedge(
  config: StrategyConfig,
  book: HedgeBook,
  spot: number,
  mark: number,
  perpSlippage: (notionalQuote: number) => number,
  band: number = REHEDGE_BAND,
): { book: HedgeBook; cost: ActionCost } | undefined {
  if (book.base === 0 || book.liquidated) return undefined;
  const equity = hedgeEquity(book, spot, mark);
  if (!(equity > 0) || Math.abs((book.base * mark) / equity - 1) <= band) return undefined;
  const meta = venueMeta(config, book.venue);
  const target = equity / mark;
  const traded = Math.abs(target - book.base);
  const spotNotional = traded * spot;
  const perpNotional = traded * mark;
  const fee = (spotNotional * config.spotFeeBps + perpNotional * meta.takerFeeBps) / 10_000;
  const slip = (spotNotional * config.spotSlippageBps) / 10_000 + perpNotional * perpSlippage(perpNotional);
  const gas = 2 * config.gasPerActionQuote;
  // Realise the short at the mark (entry := mark), buy/sell the difference in spot with the account's cash.
  const cash = book.cashQuote + book.base * (book.entryPrice - mark) - (target - book.base) * spot - fee - slip - gas;
  return {
    book: { ...book, base: target, entryPrice: mark, cashQuote: cash },
    cost: { feeQuote: fee, slippageQuote: slip, gasQuote: gas, transferQuote: 0, tradedQuote: spotNotional + perpNotional },
  };
}
