/**
 * Morpho Blue credit leg. The vault's Morpho market (kind `morpho`) allows Morpho market ids; the strategy's
 * long-leg collateral is the base token posted in the market whose collateral is the base and loan is the quote
 * (borrowing quote there), and the negative-funding loop uses the reverse market (quote collateral, base loan).
 * Balances: `position` (collateral; borrow shares → assets, rounded up). Calls: MorphoBlueFuse
 * `supplyCollateral / withdrawCollateral / borrow / repay(marketParams, amount)` (MaxUint256 = all).
 */
import type { Provider } from "ethers";
import { FUSE_INTERFACES, morphoAt, morphoFuseAt } from "../contracts.js";
import { fuseOf } from "./common.js";
import type { CreditLeg, CreditOp, CreditVenueKind, MorphoMarketRef, TokenPair } from "./types.js";

type MorphoLeg = Extract<CreditLeg, { kind: "morpho" }>;

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** The Morpho market whose collateral is `collateral` and loan is the other token of the pair. */
function marketFor(leg: MorphoLeg, collateral: string, tokens: TokenPair): MorphoMarketRef {
  const loan = same(collateral, tokens.base) ? tokens.quote : tokens.base;
  const m = leg.markets.find((x) => same(x.collateralToken, collateral) && same(x.loanToken, loan));
  if (m === undefined) throw new Error(`Morpho market "${leg.name}" allows no market with collateral ${collateral} and loan ${loan}`);
  return m;
}

async function debtAssets(provider: Provider, leg: MorphoLeg, m: MorphoMarketRef | undefined, vault: string): Promise<[bigint, bigint]> {
  if (m === undefined) return [0n, 0n];
  const morpho = morphoAt(leg.morpho, provider);
  const [p, market] = await Promise.all([morpho.position(m.id, vault), morpho.market(m.id)]);
  // Morpho's SharesMathLib.toAssetsUp: shares × (total assets + 1) / (total shares + 1e6), rounded up (virtual
  // shares against the inflation attack). Interest since the market's last accrual is not included.
  const num = p.borrowShares * (market.totalBorrowAssets + 1n);
  const den = market.totalBorrowShares + 1_000_000n;
  const debt = (num + den - 1n) / den;
  return [p.collateral, debt];
}

export const morphoCredit: CreditVenueKind<MorphoLeg> = {
  kind: "morpho",
  fuseContract: "MorphoBlueFuse",
  async resolve(market, provider) {
    const fuse = fuseOf(market, "MorphoBlueFuse");
    const morpho = await morphoFuseAt(fuse, provider).MORPHO();
    const markets = await Promise.all(market.substrates.map(async (id) => {
      const p = await morphoAt(morpho, provider).idToMarketParams(id);
      return { id, loanToken: p.loanToken, collateralToken: p.collateralToken, oracle: p.oracle, irm: p.irm, lltv: p.lltv };
    }));
    return { kind: "morpho", name: market.name, fuse, morpho, markets };
  },
  async read(leg, provider, vault, tokens) {
    const find = (collateral: string) => leg.markets.find((x) => same(x.collateralToken, collateral));
    const [[aBase, debtQuote], [aQuote, debtBase]] = await Promise.all([
      debtAssets(provider, leg, find(tokens.base), vault),
      debtAssets(provider, leg, find(tokens.quote), vault),
    ]);
    return { aBase, aQuote, debtBase, debtQuote };
  },
  encode(leg, op: CreditOp, token, tokens, amount) {
    // Supply / withdraw of a token = collateral in the market it secures; borrow / repay of a token = the loan of
    // the market secured by the other token.
    const collateral = op === "supply" || op === "withdraw" ? token : same(token, tokens.base) ? tokens.quote : tokens.base;
    const m = marketFor(leg, collateral, tokens);
    const params = { loanToken: m.loanToken, collateralToken: m.collateralToken, oracle: m.oracle, irm: m.irm, lltv: m.lltv };
    const i = FUSE_INTERFACES.morpho;
    const args: [typeof params, bigint] = [params, amount];
    const data =
      op === "supply" ? i.encodeFunctionData("supplyCollateral", args)
      : op === "withdraw" ? i.encodeFunctionData("withdrawCollateral", args)
      : op === "borrow" ? i.encodeFunctionData("borrow", args)
      : i.encodeFunctionData("repay", args);
    return { fuse: leg.fuse, data };
  },
};
