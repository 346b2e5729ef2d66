/**
 * Event logs read in block windows: public RPC providers cap `eth_getLogs` ranges (often at 10,000 blocks or fewer),
 * so a scan from a vault's deployment to the head is a series of bounded queries, oldest first.
 */

/** Blocks per `eth_getLogs` query. */
export const LOG_WINDOW_BLOCKS = 5_000;

/** `query(from, to)` over [`from`, `to`] in windows of at most `window` blocks, results in block order. */
export async function queryInWindows<T>(
  query: (from: number, to: number) => Promise<readonly T[]>,
  from: number,
  to: number,
  window: number = LOG_WINDOW_BLOCKS,
): Promise<T[]> {
  if (!Number.isInteger(window) || window < 1) throw new Error(`log window must be a whole number of blocks >= 1, not ${window}`);
  const out: T[] = [];
  for (let start = Math.max(0, from); start <= to; start += window) {
    out.push(...(await query(start, Math.min(to, start + window - 1))));
  }
  return out;
}
