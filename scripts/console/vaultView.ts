/**
 * The vault page's data: `fusebox status` itself (scripts/deploy/status.ts: guardrails, pending timelocked
 * changes, roles, breaches, as data and as text) plus NAV, price per share and idle over time, read at past
 * blocks through the deploy side's vault binding (scripts/deploy/bindings.ts). Reads only.
 */
import { formatUnits } from "ethers";
import { vaultAt } from "../deploy/bindings.js";
import type { ChainContext } from "../deploy/context.js";
import type { DeploymentRecord } from "../deploy/record.js";
import { vaultStatus } from "../deploy/status.js";
import type { HistoryPoint, VaultView } from "./types.js";

const HISTORY_POINTS = 60;

export async function vaultView(ctx: ChainContext, recordsRoot: string, record: DeploymentRecord): Promise<VaultView> {
  const address = record.contracts["FuseboxVault"]?.address;
  if (address === undefined) throw new Error(`the record of ${record.vault} has no FuseboxVault`);
  const status = await vaultStatus(ctx, recordsRoot, address);
  const latest = await ctx.ethers.provider.getBlock("latest");
  return {
    name: record.vault,
    chainTime: latest?.timestamp ?? 0,
    status: status.data,
    statusLines: status.lines,
    kinds: Object.fromEntries(record.markets.map((m) => [String(m.id), m.kind])),
    history: await history(ctx, address, record.contracts["FuseboxVault"]?.block ?? 0, status.data.asset.decimals),
  };
}

/** NAV, price per share and idle at up to HISTORY_POINTS blocks from the vault's creation to now (archive reads). */
async function history(ctx: ChainContext, address: string, fromBlock: number, decimals: number): Promise<HistoryPoint[]> {
  const { provider } = ctx.ethers;
  const vault = await vaultAt(ctx, address);
  const latest = await provider.getBlockNumber();
  const shareUnit = 10n ** BigInt(await vault.decimals());
  const step = Math.max(1, Math.ceil(Math.max(0, latest - fromBlock) / (HISTORY_POINTS - 1)));
  const blocks: number[] = [];
  for (let b = fromBlock; b < latest; b += step) blocks.push(b);
  blocks.push(latest);
  const units = (x: bigint): number => Number(formatUnits(x, decimals));
  const points: HistoryPoint[] = [];
  for (const blockTag of blocks) {
    const block = await provider.getBlock(blockTag);
    if (block === null) continue;
    try {
      const total = await vault.totalAssets({ blockTag });
      const inMarkets = await vault.totalMarketBalance({ blockTag });
      const pps = await vault.convertToAssets(shareUnit, { blockTag });
      points.push({ time: block.timestamp, block: blockTag, nav: units(total), pricePerShare: units(pps), idle: units(total - inMarkets) });
    } catch {
      // no vault code at this block yet (its creation block on some nodes)
    }
  }
  return points;
}
