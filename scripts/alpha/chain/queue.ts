/**
 * The vault's ERC-7540 redeem queue, as the alpha sees it: what the pending requests are owed, who is waiting, and
 * the settlement call (`settleRedeemRequests`, the alpha's).
 *
 * `settleRedeemRequests(controllers)` must name every controller with pending shares, once. The vault keeps no list
 * of them, so they are discovered from its `RedeemRequest` events (every controller that ever requested), each
 * checked with `pendingRedeemRequest` at the block read: cancelled and settled ones drop out by that check.
 * The event scan is incremental (from the last block scanned), so a long-running bot reads each block once.
 */
import { queryInWindows } from "../../lib/logs.js";
import type { Provider } from "ethers";
import { vaultAt } from "./contracts.js";

export interface QueueReading {
  /** Shares in the vault's custody, pending settlement. */
  readonly pendingShares: bigint;
  /** What they are worth at the vault's current (cached) price: `convertToAssets(pendingShares)`. */
  readonly owedAssets: bigint;
  /** Assets set aside for settled, unclaimed requests: in the vault's balance, no longer its own. */
  readonly setAside: bigint;
  /** A lower bound of the oldest pending request's time (0 = none), and the vault's maximum wait (s). */
  readonly oldestRequestAt: number;
  readonly maxRedeemWait: number;
  /** Settlements so far. */
  readonly epoch: number;
}

export const NO_QUEUE: QueueReading = { pendingShares: 0n, owedAssets: 0n, setAside: 0n, oldestRequestAt: 0, maxRedeemWait: 0, epoch: 0 };

export async function readQueue(vault: string, provider: Provider): Promise<QueueReading> {
  const v = vaultAt(vault, provider);
  const [pendingShares, setAside, oldest, maxWait, epoch] = await v.redeemQueue();
  return {
    pendingShares,
    owedAssets: pendingShares === 0n ? 0n : await v.convertToAssets(pendingShares),
    setAside,
    oldestRequestAt: Number(oldest),
    maxRedeemWait: Number(maxWait),
    epoch: Number(epoch),
  };
}

/** Every controller with pending shares, from the vault's `RedeemRequest` events and a check of each. */
export class PendingControllers {
  private readonly seen = new Set<string>();
  private scannedTo: number;

  constructor(
    private readonly vault: string,
    private readonly provider: Provider,
    fromBlock = 0,
  ) {
    this.scannedTo = fromBlock - 1;
  }

  /** The controllers with pending shares at the latest block, and the shares they hold together. */
  async list(): Promise<{ controllers: string[]; shares: bigint }> {
    const v = vaultAt(this.vault, this.provider);
    const latest = await this.provider.getBlockNumber();
    if (latest > this.scannedTo) {
      const events = await queryInWindows((from, to) => v.queryFilter(v.filters.RedeemRequest(), from, to), this.scannedTo + 1, latest);
      for (const e of events) this.seen.add(e.args.controller);
      this.scannedTo = latest;
    }
    const controllers: string[] = [];
    let shares = 0n;
    for (const c of this.seen) {
      const pending = await v.pendingRedeemRequest(0n, c, { blockTag: latest });
      if (pending > 0n) {
        controllers.push(c);
        shares += pending;
      }
    }
    return { controllers, shares };
  }
}
