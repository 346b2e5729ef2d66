/**
 * Aave V3 credit leg: supplied and borrowed balances from the reserves' aToken and variable-debt token, and the
 * AaveV3Fuse's `supply / withdraw / borrow / repay(token, amount)` (MaxUint256 = all, for withdraw and repay).
 */
import { getAddress, type Provider } from "ethers";
import { aaveFuseAt, aavePoolAt, erc20At, FUSE_INTERFACES } from "../contracts.js";
import { fuseOf } from "./common.js";
import type { CreditLeg, CreditVenueKind } from "./types.js";

type AaveLeg = Extract<CreditLeg, { kind: "aave-v3" }>;

const reserveTokens = new Map<string, Promise<{ aToken: string; debtToken: string }>>();

function reserve(pool: string, asset: string, provider: Provider): Promise<{ aToken: string; debtToken: string }> {
  const key = `${pool}:${asset}`;
  let cached = reserveTokens.get(key);
  if (cached === undefined) {
    cached = aavePoolAt(pool, provider).getReserveData(asset).then((d) => ({ aToken: d.aTokenAddress, debtToken: d.variableDebtTokenAddress }));
    reserveTokens.set(key, cached);
  }
  return cached;
}

export const aaveV3Credit: CreditVenueKind<AaveLeg> = {
  kind: "aave-v3",
  fuseContract: "AaveV3Fuse",
  async resolve(market, provider) {
    const fuse = fuseOf(market, "AaveV3Fuse");
    return { kind: "aave-v3", name: market.name, fuse, pool: getAddress(await aaveFuseAt(fuse, provider).POOL()) };
  },
  async read(leg, provider, vault, tokens) {
    const balances = async (asset: string): Promise<[bigint, bigint]> => {
      const { aToken, debtToken } = await reserve(leg.pool, asset, provider);
      return Promise.all([erc20At(aToken, provider).balanceOf(vault), erc20At(debtToken, provider).balanceOf(vault)]);
    };
    const [[aBase, debtBase], [aQuote, debtQuote]] = await Promise.all([balances(tokens.base), balances(tokens.quote)]);
    return { aBase, aQuote, debtBase, debtQuote };
  },
  encode(leg, op, token, _tokens, amount) {
    const i = FUSE_INTERFACES.aave;
    const args: [string, bigint] = [token, amount];
    const data =
      op === "supply" ? i.encodeFunctionData("supply", args)
      : op === "withdraw" ? i.encodeFunctionData("withdraw", args)
      : op === "borrow" ? i.encodeFunctionData("borrow", args)
      : i.encodeFunctionData("repay", args);
    return { fuse: leg.fuse, data };
  },
};
