import { expect } from "chai";
import { MaxUint256, getAddress } from "ethers";
import { mapActions, units } from "../../scripts/alpha/chain/actions.js";
import { FUSE_INTERFACES } from "../../scripts/alpha/chain/contracts.js";
import type { ChainBook } from "../../scripts/alpha/chain/book.js";
import type { RawBalances } from "../../scripts/alpha/chain/read.js";
import { NO_QUEUE } from "../../scripts/alpha/chain/queue.js";
import type { Action } from "../../scripts/alpha/strategy/types.js";

const addr = (n: number): string => getAddress(`0x${n.toString(16).padStart(40, "0")}`);
/** Every fuse interface the mapper encodes for, to decode its calls. */
const FUSE_INTERFACE = {
  parseTransaction: ({ data }: { data: string }) =>
    Object.values(FUSE_INTERFACES).map((i) => i.parseTransaction({ data })).find((t) => t !== null) ?? null,
};
const SPOT = { kind: "spot", name: "spot", fuse: addr(10), poolFee: 500 } as const;
const BOOK: ChainBook = {
  vault: addr(1),
  authority: addr(20),
  quote: { address: addr(2), decimals: 6 },
  base: { address: addr(3), decimals: 18, asset: "ETH" },
  oracle: addr(4),
  perps: [
    { kind: "perp-sim", venueId: "binance", name: "binance-perp", marketId: 10, fuse: addr(5), venue: addr(6), market: addr(7), maxSlippage: 0.01 },
    { kind: "perp-sim", venueId: "bybit", name: "bybit-perp", marketId: 11, fuse: addr(11), venue: addr(12), market: addr(13), maxSlippage: 0.01 },
  ],
  credit: { kind: "aave-v3", name: "aave", fuse: addr(8), pool: addr(9) },
  spot: SPOT,
  custody: [],
  ignored: [],
  markets: [],
};
const E18 = 10n ** 18n;
const USDC = 10n ** 6n;
const BAL: RawBalances = {
  idleQuote: 100_000n * USDC,
  spotBase: 2n * E18,
  aBase: 50n * E18,
  aQuote: 1_000n * USDC,
  debtBase: 0n,
  debtQuote: 20_000n * USDC,
  queue: NO_QUEUE,
  custody: [],
  perps: [
    {
      venueId: "binance",
      perpSizeWad: -50n * E18,
      perpOpenNotionalWad: 100_000n * E18,
      perpAccountValue: 60_000n * USDC,
      perpCollateralWad: 60_000n * E18,
      perpFreeCollateral: 50_000n * USDC,
      markPriceWad: 2_000n * E18,
      initialMarginBps: 1_000,
    },
    {
      venueId: "bybit",
      perpSizeWad: -10n * E18,
      perpOpenNotionalWad: 20_500n * E18,
      perpAccountValue: 8_000n * USDC,
      perpCollateralWad: 8_000n * E18,
      perpFreeCollateral: 6_000n * USDC,
      markPriceWad: 2_050n * E18,
      initialMarginBps: 1_000,
    },
  ],
};
const PERP = BOOK.perps[0]!;
const BYBIT = BOOK.perps[1]!;
/** BAL with the Binance account replaced by `binance` (fields given). */
const withBinance = (binance: Partial<RawBalances["perps"][number]>): RawBalances => ({
  ...BAL,
  perps: BAL.perps.map((p) => (p.venueId === "binance" ? { ...p, ...binance } : p)),
});

function one(action: Action, balances: RawBalances = BAL): { fuse: string; name: string; args: unknown[] } {
  const mapped = mapActions(BOOK, [action], balances, 2_000);
  expect(mapped).to.have.length(1);
  const m = mapped[0]!;
  const parsed = FUSE_INTERFACE.parseTransaction({ data: m.call.data });
  if (parsed === null) throw new Error("undecodable");
  return { fuse: m.call.fuse, name: parsed.name, args: [...parsed.args] };
}

describe("alpha chain: Action → fuse call", () => {
  it("perp.adjustShort up: increasePosition(short) at the mark, max base bound 1 % above", () => {
    const c = one({ kind: "perp.adjustShort", venue: "binance", asset: "ETH", targetSizeBase: 60, deltaBase: 10 });
    expect(c.fuse).to.equal(PERP.fuse);
    expect(c.name).to.equal("increasePosition");
    expect(c.args).to.deep.equal([PERP.market, false, 20_000n * E18, 10n * E18 * 101n / 100n]);
  });
  it("perp.adjustShort down: reducePosition with a max-quote-paid bound; to zero: closePosition", () => {
    const reduce = one({ kind: "perp.adjustShort", venue: "binance", asset: "ETH", targetSizeBase: 40, deltaBase: -10 });
    expect(reduce.name).to.equal("reducePosition");
    expect(reduce.args).to.deep.equal([PERP.market, 10n * E18, 20_000n * E18 * 101n / 100n]);
    const close = one({ kind: "perp.adjustShort", venue: "binance", asset: "ETH", targetSizeBase: 0, deltaBase: -49.99 });
    expect(close.name).to.equal("closePosition");
    expect(close.args).to.deep.equal([PERP.market, 100_000n * E18 * 101n / 100n]);
  });
  it("perp.adjustLong: increasePosition(long) with a min base bound; reduce with a min quote bound", () => {
    const up = one({ kind: "perp.adjustLong", venue: "binance", asset: "ETH", targetSizeBase: 5, deltaBase: 5 }, withBinance({ perpSizeWad: 0n }));
    expect(up.name).to.equal("increasePosition");
    expect(up.args).to.deep.equal([PERP.market, true, 10_000n * E18, 5n * E18 * 99n / 100n]);
    const down = one({ kind: "perp.adjustLong", venue: "binance", asset: "ETH", targetSizeBase: 3, deltaBase: -2 }, withBinance({ perpSizeWad: 5n * E18 }));
    expect(down.name).to.equal("reducePosition");
    expect(down.args).to.deep.equal([PERP.market, 2n * E18, 4_000n * E18 * 99n / 100n]);
  });
  it("perp margin: depositMargin; withdrawMargin clamped to the free collateral after the batch", () => {
    const add = one({ kind: "perp.addMargin", venue: "binance", asset: "ETH", amountQuote: 1_234.5678905 });
    expect(add).to.deep.include({ name: "depositMargin", args: [1_234_567_890n] });
    const remove = one({ kind: "perp.removeMargin", venue: "binance", asset: "ETH", amountQuote: 5_000 });
    expect(remove).to.deep.include({ name: "withdrawMargin", args: [5_000n * USDC] });
    // Free = 60,000 − IM 10 % × 100,000 notional = 50,000, less 0.1 %.
    const clamped = one({ kind: "perp.removeMargin", venue: "binance", asset: "ETH", amountQuote: 80_000 });
    expect(clamped.args[0]).to.equal(49_950n * USDC);
    // Flat (no position, none opened in the batch): the whole account value leaves, no cushion, so a close
    // never strands dust that later batches chase.
    const flat = withBinance({ perpSizeWad: 0n, perpOpenNotionalWad: 0n, perpAccountValue: 449_500_000n, perpCollateralWad: 449_500_000n * 10n ** 12n });
    const all = one({ kind: "perp.removeMargin", venue: "binance", asset: "ETH", amountQuote: 449.5 }, flat);
    expect(all.args[0]).to.equal(449_500_000n);
  });
  it("spot.buy / spot.sell: swapExactInputSingle through the pool fee tier; a sale is capped at what is held", () => {
    const buy = one({ kind: "spot.buy", asset: "ETH", amountQuote: 10_000 });
    expect(buy.fuse).to.equal(SPOT.fuse);
    expect(buy).to.deep.include({ name: "swapExactInputSingle", args: [BOOK.quote.address, BOOK.base.address, 500n, 10_000n * USDC] });
    const sell = one({ kind: "spot.sell", asset: "ETH", amountBase: 3 });
    expect(sell).to.deep.include({ name: "swapExactInputSingle", args: [BOOK.base.address, BOOK.quote.address, 500n, 2n * E18] });
  });
  it("credit.*: the Aave fuse's supply/withdraw/borrow/repay; near-whole withdraw and repay take all", () => {
    const supply = one({ kind: "credit.supply", asset: "ETH", amount: 1.5 });
    expect(supply.fuse).to.equal(BOOK.credit!.fuse);
    expect(supply).to.deep.include({ name: "supply", args: [BOOK.base.address, units(1.5, 18)] });
    expect(one({ kind: "credit.borrow", asset: "QUOTE", amount: 500 })).to.deep.include({ name: "borrow", args: [BOOK.quote.address, 500n * USDC] });
    expect(one({ kind: "credit.withdraw", asset: "ETH", amount: 10 })).to.deep.include({ name: "withdraw", args: [BOOK.base.address, 10n * E18] });
    expect(one({ kind: "credit.withdraw", asset: "ETH", amount: 49.99 })).to.deep.include({ name: "withdraw", args: [BOOK.base.address, MaxUint256] });
    expect(one({ kind: "credit.repay", asset: "QUOTE", amount: 5_000 })).to.deep.include({ name: "repay", args: [BOOK.quote.address, 5_000n * USDC] });
    expect(one({ kind: "credit.repay", asset: "QUOTE", amount: 19_999 })).to.deep.include({ name: "repay", args: [BOOK.quote.address, MaxUint256] });
  });
  it("a batch: buy then supply is capped by what the buy delivers; sells include what a withdraw freed", () => {
    const mapped = mapActions(BOOK, [
      { kind: "spot.buy", asset: "ETH", amountQuote: 20_000 },
      { kind: "credit.supply", asset: "ETH", amount: 20 },
    ], { ...BAL, spotBase: 0n }, 2_000);
    const supply = FUSE_INTERFACE.parseTransaction({ data: mapped[1]!.call.data });
    expect(supply?.args[1]).to.equal(units(10 * 0.995, 18)); // 20,000 / 2,000 at 99.5 %
    const sells = mapActions(BOOK, [
      { kind: "credit.withdraw", asset: "ETH", amount: 5 },
      { kind: "spot.sell", asset: "ETH", amountBase: 7 },
    ], BAL, 2_000);
    expect(FUSE_INTERFACE.parseTransaction({ data: sells[1]!.call.data })?.args[3]).to.equal(7n * E18);
  });
  it("routes each perp action to its venue's fuse and market, with that venue's mark and account", () => {
    const mapped = mapActions(BOOK, [
      { kind: "perp.addMargin", venue: "bybit", asset: "ETH", amountQuote: 3_000 },
      { kind: "perp.adjustShort", venue: "bybit", asset: "ETH", targetSizeBase: 12, deltaBase: 2 },
      { kind: "perp.adjustShort", venue: "binance", asset: "ETH", targetSizeBase: 45, deltaBase: -5 },
      { kind: "perp.adjustShort", venue: "bybit", asset: "ETH", targetSizeBase: 0, deltaBase: -12 },
      { kind: "perp.removeMargin", venue: "bybit", asset: "ETH", amountQuote: 100_000 },
    ], BAL, 2_000);
    const calls = mapped.map((m) => ({ fuse: m.call.fuse, parsed: FUSE_INTERFACE.parseTransaction({ data: m.call.data }) }));
    expect(calls.map((c) => c.fuse)).to.deep.equal([BYBIT.fuse, BYBIT.fuse, PERP.fuse, BYBIT.fuse, BYBIT.fuse]);
    expect(calls.map((c) => c.parsed?.name)).to.deep.equal(["depositMargin", "increasePosition", "reducePosition", "closePosition", "withdrawMargin"]);
    // Bybit's mark (2,050), not Binance's: 2 × 2,050 = 4,100.
    expect([...calls[1]!.parsed!.args]).to.deep.equal([BYBIT.market, false, 4_100n * E18, 2n * E18 * 101n / 100n]);
    expect([...calls[2]!.parsed!.args]).to.deep.equal([PERP.market, 5n * E18, 10_000n * E18 * 101n / 100n]);
    // Bybit's running size (−10 − 2 = −12) is closed whole; Binance's does not count.
    expect([...calls[3]!.parsed!.args]).to.deep.equal([BYBIT.market, 12n * 2_050n * E18 * 101n / 100n]);
    // Bybit's free collateral after the close: 8,000 − 0 IM − 0.1 % fee cushion on its net resize (−10 → 0), less 0.1 %.
    const free = 8_000n * E18 - (10n * 2_050n * E18) / 1_000n;
    expect(calls[4]!.parsed!.args[0]).to.equal(((free / 10n ** 12n) * 999_000n) / 1_000_000n);
    expect(mapped[0]!.text).to.match(/^bybit depositMargin/);
  });
  it("refuses a perp action for a venue the book does not hold, naming the venues it does", () => {
    expect(() => mapActions(BOOK, [{ kind: "perp.addMargin", venue: "kucoin", asset: "ETH", amountQuote: 1 }], BAL, 2_000)).to.throw(/no perp market for venue kucoin \(book: binance, bybit\)/);
    expect(() => mapActions(BOOK, [{ kind: "perp.adjustShort", venue: "dydx", asset: "ETH", targetSizeBase: 1, deltaBase: 1 }], BAL, 2_000)).to.throw(/no perp market for venue dydx/);
  });

  it("a Morpho Blue credit leg: the long leg is collateral in the base/quote market, quote is borrowed there; the reverse market serves the loop", () => {
    const market = (id: number, loanToken: string, collateralToken: string) => ({ id: `0x${id.toString(16).padStart(64, "0")}`, loanToken, collateralToken, oracle: addr(30 + id), irm: addr(40), lltv: 860_000_000_000_000_000n });
    const ethCollateral = market(1, BOOK.quote.address, BOOK.base.address);
    const quoteCollateral = market(2, BOOK.base.address, BOOK.quote.address);
    const book: ChainBook = { ...BOOK, credit: { kind: "morpho", name: "morpho", fuse: addr(50), morpho: addr(51), markets: [ethCollateral, quoteCollateral] } };
    const mapped = mapActions(book, [
      { kind: "credit.supply", asset: "ETH", amount: 1 },
      { kind: "credit.borrow", asset: "QUOTE", amount: 500 },
      { kind: "credit.repay", asset: "QUOTE", amount: 20_500 }, // the 20,000 held + the 500 just borrowed
      { kind: "credit.supply", asset: "QUOTE", amount: 100 },
      { kind: "credit.borrow", asset: "ETH", amount: 0.5 },
    ], BAL, 2_000);
    const calls = mapped.map((m) => ({ fuse: m.call.fuse, tx: FUSE_INTERFACES.morpho.parseTransaction({ data: m.call.data }) }));
    expect(calls.every((c) => c.fuse === addr(50))).to.equal(true);
    expect(calls.map((c) => c.tx?.name)).to.deep.equal(["supplyCollateral", "borrow", "repay", "supplyCollateral", "borrow"]);
    const marketOf = (i: number): string => String(calls[i]?.tx?.args[0][1]); // collateralToken
    expect([0, 1, 2].map(marketOf)).to.deep.equal([BOOK.base.address, BOOK.base.address, BOOK.base.address]);
    expect([3, 4].map(marketOf)).to.deep.equal([BOOK.quote.address, BOOK.quote.address]);
    expect(calls[0]?.tx?.args[1]).to.equal(E18);
    expect(calls[1]?.tx?.args[1]).to.equal(500n * USDC);
    expect(calls[2]?.tx?.args[1], "the whole debt, by shares").to.equal(MaxUint256);
    const noReverse: ChainBook = { ...book, credit: { kind: "morpho", name: "morpho", fuse: addr(50), morpho: addr(51), markets: [ethCollateral] } };
    expect(() => mapActions(noReverse, [{ kind: "credit.borrow", asset: "ETH", amount: 0.5 }], BAL, 2_000)).to.throw(/allows no market with collateral/);
  });
});
