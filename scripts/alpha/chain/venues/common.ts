/** Small helpers the venue modules share. */
import { getAddress } from "ethers";

/** The address in a bytes32 substrate (left-padded, as FuseboxStorageLib.toSubstrate). */
export const fromSubstrate = (s: string): string => getAddress(`0x${s.slice(-40)}`);

export function required<T>(x: T | undefined, what: string): T {
  if (x === undefined) throw new Error(`deployment record has no ${what}`);
  return x;
}

/** The action fuse `contract` of a record market, or an error naming the market. */
export function fuseOf(market: { name: string; fuses: Record<string, string> }, contract: string): string {
  return getAddress(required(market.fuses[contract], `${contract} of market "${market.name}"`));
}

export const Q96 = 2n ** 96n;
export const WAD = 10n ** 18n;

/** Uniswap V3 sqrtPriceX96 → price in wad (both tokens 18 decimals, as Perp v2's virtual tokens). */
export function sqrtX96ToPriceWad(sqrtPriceX96: bigint): bigint {
  return (sqrtPriceX96 * sqrtPriceX96 * WAD) / (Q96 * Q96);
}
