/**
 * `fusebox queue`: the ERC-7540 redeem requests of a vault, per controller — the controllers read from the vault's
 * `RedeemRequest` events (from the block the record saw the vault deployed, else from genesis), then for each its
 * pending shares (and what they are worth now), their age against the maximum wait (past it: overdue, anyone may
 * settle), and what it may claim. Reads only. The per-controller pending shares must sum to the queue's own total:
 * a difference (events outside the range read) is reported, never hidden.
 */
import { Contract } from "ethers";
import { queryInWindows } from "../lib/logs.js";
import { formatAmount } from "../lib/units.js";
import { vaultAt } from "./bindings.js";
import { signerFor, type ChainContext } from "./context.js";
import { resolveVault } from "./status.js";

export interface QueueEntry {
  controller: string;
  pendingShares: string;
  pendingAssets: string; // what the pending shares convert to now (they share gains and losses until settled)
  requestedAt: number | null;
  ageSeconds: number | null;
  overdue: boolean;
  claimableShares: string;
  claimableAssets: string;
}

export interface QueueData {
  vault: string;
  asset: { symbol: string; decimals: number };
  maxRedeemWaitSeconds: number;
  pendingShares: string; // the queue's total
  setAside: string;
  fromBlock: number;
  entries: QueueEntry[];
  /** The queue's pending total minus the listed controllers' (non-zero: requests the events read missed). */
  unaccountedShares: string;
}

export async function redeemQueueListing(ctx: ChainContext, root: string, vaultArg: string): Promise<{ lines: string[]; data: QueueData }> {
  const { record, vaultAddress } = await resolveVault(ctx, root, vaultArg);
  const vault = await vaultAt(ctx, vaultAddress);
  const token = new Contract(await vault.asset(), ["function decimals() view returns (uint8)", "function symbol() view returns (string)"], ctx.ethers.provider);
  const units = { decimals: Number(await token.getFunction("decimals").staticCall()), symbol: String(await token.getFunction("symbol").staticCall()) };
  const amount = (x: bigint): string => formatAmount(x, units);
  const [pendingTotal, setAside, , maxWait] = await vault.redeemQueue();
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
  const fromBlock = record?.contracts["FuseboxVault"]?.block ?? 0;
  const head = await ctx.ethers.provider.getBlockNumber();
  const events = await queryInWindows((from, to) => vault.queryFilter(vault.filters.RedeemRequest(), from, to), fromBlock, head);
  const controllers = [...new Set(events.map((e) => e.args.controller))];
  const entries: QueueEntry[] = [];
  let listed = 0n;
  for (const controller of controllers) {
    const pending = await vault.pendingRedeemRequest(0, controller);
    const claimable = await vault.claimableRedeemRequest(0, controller);
    const claimableAssets = await vault.claimableRedeemAssets(controller);
    if (pending === 0n && claimable === 0n && claimableAssets === 0n) continue; // claimed or cancelled
    const requestedAt = pending === 0n ? 0n : await vault.redeemRequestedAt(controller);
    const age = requestedAt === 0n ? null : now - requestedAt;
    listed += pending;
    entries.push({
      controller, pendingShares: pending.toString(), pendingAssets: (await vault.convertToAssets(pending)).toString(),
      requestedAt: requestedAt === 0n ? null : Number(requestedAt), ageSeconds: age === null ? null : Number(age), overdue: age !== null && age > maxWait,
      claimableShares: claimable.toString(), claimableAssets: claimableAssets.toString(),
    });
  }
  entries.sort((a, b) => (a.requestedAt ?? Number.MAX_SAFE_INTEGER) - (b.requestedAt ?? Number.MAX_SAFE_INTEGER));
  const unaccounted = pendingTotal - listed;
  const lines = [
    `redeem queue of ${record?.vault ?? vaultAddress}: pending ${pendingTotal} shares (${amount(await vault.convertToAssets(pendingTotal))}), set aside for claims ${amount(setAside)}, maximum wait ${maxWait}s`,
  ];
  if (entries.length === 0) lines.push("  no open request");
  for (const e of entries) {
    const pending = BigInt(e.pendingShares) === 0n ? "nothing pending" : `pending ${e.pendingShares} shares (${amount(BigInt(e.pendingAssets))}), waiting ${e.ageSeconds}s of ${maxWait}s${e.overdue ? "  OVERDUE (anyone may settle: settleOverdueRedeemRequests)" : ""}`;
    const claim = BigInt(e.claimableShares) === 0n && BigInt(e.claimableAssets) === 0n ? "" : `; claimable ${amount(BigInt(e.claimableAssets))} (${e.claimableShares} shares settled)`;
    lines.push(`  ${e.controller}: ${pending}${claim}`);
  }
  if (unaccounted !== 0n) lines.push(`  WARNING: ${unaccounted} pending shares belong to controllers whose RedeemRequest events were not found from block ${fromBlock}`);
  return {
    lines,
    data: {
      vault: vaultAddress, asset: units, maxRedeemWaitSeconds: Number(maxWait), pendingShares: pendingTotal.toString(), setAside: setAside.toString(),
      fromBlock, entries, unaccountedShares: unaccounted.toString(),
    },
  };
}

export interface SettleOverdueResult {
  outcome: "not-needed" | "sent";
  vault: string;
  sender?: string;
  txHash?: string;
  /** The controllers the settlement named (every one with pending shares, as the vault requires). */
  controllers: string[];
  lines: string[];
}

/**
 * `fusebox queue --settle-overdue`: past the maximum wait, anyone may settle the queue from what is liquid (idle and
 * the instant-withdraw markets: `settleOverdueRedeemRequests`) — the depositor's remedy when the alpha does not
 * settle. Sends nothing unless a request is overdue; refuses (sending nothing) when the events read do not account for
 * every pending share, since the vault needs every pending controller named once.
 */
export async function settleOverdue(ctx: ChainContext, root: string, vaultArg: string, from?: string): Promise<SettleOverdueResult> {
  const { data } = await redeemQueueListing(ctx, root, vaultArg);
  const pending = data.entries.filter((e) => BigInt(e.pendingShares) !== 0n);
  const controllers = pending.map((e) => e.controller);
  if (!pending.some((e) => e.overdue)) {
    const why = pending.length === 0 ? "no request is pending" : `no request has waited past the maximum wait of ${data.maxRedeemWaitSeconds}s`;
    return { outcome: "not-needed", vault: data.vault, controllers: [], lines: [`nothing to settle: ${why} (nothing sent; before the wait only the alpha settles)`] };
  }
  if (BigInt(data.unaccountedShares) !== 0n) {
    throw new Error(`${data.unaccountedShares} pending shares belong to controllers whose RedeemRequest events were not found from block ${data.fromBlock}: the vault needs every pending controller named (nothing sent)`);
  }
  const signer = from === undefined ? ctx.signers[0] : signerFor(ctx, from);
  if (signer === undefined) throw new Error(`${from ?? "a sender"} is not an account of network "${ctx.networkName}" (nothing sent)`);
  const vault = await vaultAt(ctx, data.vault);
  const receipt = await (await vault.connect(signer).settleOverdueRedeemRequests(controllers)).wait();
  const settled = await redeemQueueListing(ctx, root, vaultArg);
  const left = BigInt(settled.data.pendingShares);
  return {
    outcome: "sent", vault: data.vault, sender: signer.address, txHash: receipt?.hash, controllers,
    lines: [
      `settled the queue as ${signer.address} (${controllers.length} controller${controllers.length === 1 ? "" : "s"}) from what is liquid: tx ${receipt?.hash ?? "?"}`,
      left === 0n ? "  every pending share is now claimable" : `  ${left} shares still pending: liquidity was short, they were filled pro rata and wait for the next settlement`,
      ...settled.lines,
    ],
  };
}
