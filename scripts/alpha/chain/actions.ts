/**
 * Abstract strategy `Action`s → the vault's `FuseAction[]` (one fuse call each, in order).
 *
 * | Action | fuse call |
 * |---|---|
 * | perp.adjustShort, delta > 0 | perp fuse `increasePosition(market, false, delta × mark, maxBase = delta × (1 + slip))` |
 * | perp.adjustShort, delta < 0 | `reducePosition(market, |delta|, maxQuotePaid)`; to zero: `closePosition(market, maxQuotePaid)` |
 * | perp.adjustLong, delta > 0 | `increasePosition(market, true, delta × mark, minBase = delta × (1 − slip))` |
 * | perp.adjustLong, delta < 0 | `reducePosition(market, |delta|, minQuoteReceived)`; to zero: `closePosition` |
 * | perp.addMargin / removeMargin | `depositMargin(amount)` / `withdrawMargin(min(amount, free collateral after the batch's reductions))` |
 * | spot.buy | swap fuse `swapExactInputSingle(quote, base, fee, amountQuote)` (min-out from the oracle, on chain) |
 * | spot.sell | `swapExactInputSingle(base, quote, fee, min(amountBase, held))` |
 * | credit.supply / withdraw / borrow / repay (asset or "QUOTE") | Aave fuse `supply / withdraw / borrow / repay(token, amount)`; a withdraw or repay within 0.1 % of the whole position uses `type(uint256).max` (all) |
 *
 * Each perp action goes to the fuse of its venue's market (`book.perps`, one vault market per venue; every perp
 * fuse is a PerpFuseBase, so the calls are the same for the simulated venue and Perp v2, only the fill bound,
 * `leg.maxSlippage`, differs); a venue the book does not hold is an error. Credit calls are encoded by the credit
 * leg's module (Aave V3 or Morpho Blue, venues/registry.ts). Amounts are floats in the strategy; the mapper converts them to token units (rounding down) and clamps them
 * to what the chain holds, since the engine's book is an estimate (fees, interest, funding accrue on chain).
 */
import { MaxUint256, parseUnits } from "ethers";
import type { Action, VenueId } from "../strategy/types.js";
import { perpLeg, type ChainBook } from "./book.js";
import { FUSE_INTERFACES } from "./contracts.js";
import type { RawBalances, RawPerp } from "./read.js";
import { encodeCredit } from "./venues/registry.js";
import { swapCall } from "./venues/spot.js";
import type { CreditOp, FuseCall } from "./venues/types.js";

export type { FuseCall } from "./venues/types.js";

export interface MappedAction {
  readonly action: Action;
  readonly call: FuseCall;
  /** `fn(args)` in human units, for logs. */
  readonly text: string;
}

/** A withdraw / repay this close to the whole position takes all of it. */
const ALL_TOLERANCE = 0.001;

/** Float → token units, rounding down; negatives and dust become 0. */
export function units(x: number, decimals: number): bigint {
  if (!(x > 0) || !Number.isFinite(x)) return 0n;
  const fixed = x.toFixed(decimals);
  return parseUnits(fixed, decimals) - (Number(fixed) > x ? 1n : 0n);
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const abs = (a: bigint): bigint => (a < 0n ? -a : a);
const WAD = 10n ** 18n;
const mulFrac = (x: bigint, f: number): bigint => (x * BigInt(Math.round(f * 1e6))) / 1_000_000n;

/** `spotPrice`: the oracle's quote per base the decision used (to estimate what a buy delivers). */
export function mapActions(book: ChainBook, actions: readonly Action[], b: RawBalances, spotPrice: number): MappedAction[] {
  const out: MappedAction[] = [];
  const { quote, base } = book;
  const perp = FUSE_INTERFACES.perp;
  const push = (action: Action, call: FuseCall, text: string): void => {
    out.push({ action, call, text });
  };
  const tokens = { base: base.address, quote: quote.address };
  // Running view of what the batch changes, for the clamps (perp size per venue).
  const sizes = new Map<VenueId, bigint>(b.perps.map((p) => [p.venueId, p.perpSizeWad]));
  const rawPerp = (venue: VenueId): RawPerp => {
    const raw = b.perps.find((p) => p.venueId === venue);
    if (raw === undefined) throw new Error(`no balances read for perp venue ${venue}`);
    return raw;
  };
  let baseHeld = b.spotBase;
  let aBase = b.aBase;
  let aQuote = b.aQuote;
  let debtBase = b.debtBase;
  let debtQuote = b.debtQuote;
  const creditLeg = () => {
    if (book.credit === undefined) throw new Error("the book has no credit market");
    return book.credit;
  };

  for (const action of actions) {
    switch (action.kind) {
      case "perp.adjustShort":
      case "perp.adjustLong": {
        const leg = perpLeg(book, action.venue);
        const { markPriceWad: mark } = rawPerp(action.venue);
        let size = sizes.get(action.venue) ?? 0n;
        const isLong = action.kind === "perp.adjustLong";
        const delta = units(Math.abs(action.deltaBase), 18);
        if (delta === 0n) break;
        const increase = action.deltaBase > 0;
        if (increase) {
          const quoteWad = (delta * mark) / WAD;
          const bound = isLong ? mulFrac(delta, 1 - leg.maxSlippage) : mulFrac(delta, 1 + leg.maxSlippage);
          push(action, { fuse: leg.fuse, data: perp.encodeFunctionData("increasePosition", [leg.market, isLong, quoteWad, bound]) }, `${leg.venueId} increasePosition(${isLong ? "long" : "short"} ${fmt(delta, 18)} @ ${fmt(mark, 18)})`);
          size += isLong ? delta : -delta;
        } else {
          const held = abs(size);
          const closing = action.targetSizeBase === 0 || delta >= mulFrac(held, 1 - ALL_TOLERANCE);
          const amount = closing ? held : min(delta, held);
          if (amount === 0n) break;
          const quoteWad = (amount * mark) / WAD;
          // Reducing a short pays quote (bound = max paid); reducing a long receives quote (bound = min received).
          const bound = isLong ? mulFrac(quoteWad, 1 - leg.maxSlippage) : mulFrac(quoteWad, 1 + leg.maxSlippage);
          if (closing) push(action, { fuse: leg.fuse, data: perp.encodeFunctionData("closePosition", [leg.market, bound]) }, `${leg.venueId} closePosition(${fmt(held, 18)})`);
          else push(action, { fuse: leg.fuse, data: perp.encodeFunctionData("reducePosition", [leg.market, amount, bound]) }, `${leg.venueId} reducePosition(${fmt(amount, 18)})`);
          size = closing ? 0n : size + (size < 0n ? amount : -amount);
        }
        sizes.set(action.venue, size);
        break;
      }
      case "perp.addMargin": {
        const leg = perpLeg(book, action.venue);
        const amount = units(action.amountQuote, quote.decimals);
        if (amount > 0n) push(action, { fuse: leg.fuse, data: perp.encodeFunctionData("depositMargin", [amount]) }, `${leg.venueId} depositMargin(${fmt(amount, quote.decimals)})`);
        break;
      }
      case "perp.removeMargin": {
        // Free collateral after this batch's resizes: min(collateral, value) − initial margin of the new size,
        // less a 0.1 % cushion for the taker fees the resizes pay.
        const leg = perpLeg(book, action.venue);
        const p = rawPerp(action.venue);
        const size = sizes.get(action.venue) ?? 0n;
        const mark = p.markPriceWad;
        const scale = 10n ** BigInt(18 - quote.decimals);
        const value = p.perpAccountValue * scale;
        const floor = p.perpCollateralWad < value ? p.perpCollateralWad : value;
        const im = (abs(size) * mark * BigInt(p.initialMarginBps)) / WAD / 10_000n;
        const fees = (abs(size - p.perpSizeWad) * mark) / WAD / 1_000n;
        const free = floor - im - fees;
        // The 0.1 % cushion covers rounding against an open position; with none left (no size now, no resize in
        // the batch) the whole account value can leave, or a close would strand 0.1 % of dust, batch after batch.
        const flatAndStill = size === 0n && p.perpSizeWad === 0n;
        const freeUnits = free <= 0n ? 0n : flatAndStill ? free / scale : mulFrac(free / scale, 0.999);
        const amount = min(units(action.amountQuote, quote.decimals), freeUnits);
        if (amount > 0n) push(action, { fuse: leg.fuse, data: perp.encodeFunctionData("withdrawMargin", [amount]) }, `${leg.venueId} withdrawMargin(${fmt(amount, quote.decimals)})`);
        break;
      }
      case "spot.buy": {
        const amount = units(action.amountQuote, quote.decimals);
        if (amount === 0n) break;
        push(action, swapCall(book.spot, quote.address, base.address, amount), `swap ${fmt(amount, quote.decimals)} quote → base`);
        // What the swap delivers is known only once it fills: count 99.5 % of the oracle value for the clamps below.
        baseHeld += units((action.amountQuote / spotPrice) * 0.995, base.decimals);
        break;
      }
      case "spot.sell": {
        const amount = min(units(action.amountBase, base.decimals), baseHeld);
        if (amount === 0n) break;
        push(action, swapCall(book.spot, base.address, quote.address, amount), `swap ${fmt(amount, base.decimals)} base → quote`);
        baseHeld -= amount;
        break;
      }
      case "credit.supply":
      case "credit.withdraw":
      case "credit.borrow":
      case "credit.repay": {
        const isQuote = action.asset === "QUOTE";
        const token = isQuote ? quote : base;
        let amount = units(action.amount, token.decimals);
        const fn = creditOp(action.kind);
        if (action.kind === "credit.supply" && !isQuote) {
          // Supply at most what the vault holds (a buy earlier in the batch counted at 99.5 %): the rest of a
          // fill stays as spot, which the strategy counts in the long leg too.
          amount = min(amount, baseHeld);
          baseHeld -= amount;
          aBase += amount;
        } else if (action.kind === "credit.supply") {
          aQuote += amount;
        } else if (action.kind === "credit.withdraw") {
          const held = isQuote ? aQuote : aBase;
          if (amount >= mulFrac(held, 1 - ALL_TOLERANCE)) {
            if (!isQuote) baseHeld += held;
            amount = MaxUint256;
          } else if (!isQuote) baseHeld += amount;
          if (isQuote) aQuote = amount === MaxUint256 ? 0n : aQuote - amount;
          else aBase = amount === MaxUint256 ? 0n : aBase - amount;
        } else if (action.kind === "credit.repay") {
          const debt = isQuote ? debtQuote : debtBase;
          if (amount >= mulFrac(debt, 1 - ALL_TOLERANCE)) amount = MaxUint256;
          if (isQuote) debtQuote = amount === MaxUint256 ? 0n : debtQuote - amount;
          else debtBase = amount === MaxUint256 ? 0n : debtBase - amount;
        } else if (isQuote) debtQuote += amount;
        else debtBase += amount;
        if (amount === 0n) break;
        push(action, encodeCredit(creditLeg(), fn, token.address, tokens, amount), `${fn}(${isQuote ? "quote" : "base"} ${amount === MaxUint256 ? "all" : fmt(amount, token.decimals)})`);
        break;
      }
    }
  }
  return out;
}

function creditOp(kind: "credit.supply" | "credit.withdraw" | "credit.borrow" | "credit.repay"): CreditOp {
  switch (kind) {
    case "credit.supply":
      return "supply";
    case "credit.withdraw":
      return "withdraw";
    case "credit.borrow":
      return "borrow";
    case "credit.repay":
      return "repay";
  }
}

function fmt(x: bigint, decimals: number): string {
  const n = Number(x) / 10 ** decimals;
  return n.toLocaleString("en-US", { maximumFractionDigits: n >= 100 ? 0 : 4 });
}
