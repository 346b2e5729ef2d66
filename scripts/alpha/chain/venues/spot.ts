/**
 * Spot leg (kind `spot`, Uniswap V3 swaps under an oracle min-out): the base token the vault holds, and
 * `swapExactInputSingle(tokenIn, tokenOut, fee, amountIn)` on the market's UniswapV3SwapFuse.
 */
import { FUSE_INTERFACES } from "../contracts.js";
import { fuseOf } from "./common.js";
import type { MarketRecord } from "../../../deploy/record.js";
import type { FuseCall } from "./types.js";

export interface SpotLeg {
  readonly kind: "spot";
  readonly name: string;
  readonly fuse: string;
  /** The Uniswap V3 fee tier of the base/quote pool. */
  readonly poolFee: number;
}

export function resolveSpot(market: MarketRecord, poolFee: number): SpotLeg {
  return { kind: "spot", name: market.name, fuse: fuseOf(market, "UniswapV3SwapFuse"), poolFee };
}

export function swapCall(leg: SpotLeg, tokenIn: string, tokenOut: string, amountIn: bigint): FuseCall {
  return { fuse: leg.fuse, data: FUSE_INTERFACES.swap.encodeFunctionData("swapExactInputSingle", [tokenIn, tokenOut, leg.poolFee, amountIn]) };
}
