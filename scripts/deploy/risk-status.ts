/**
 * The risk engine's part of `status` (issue #10): each risk group's summed balance and notional against its limits,
 * the net delta of each banded asset, the batch loss budget and the NAV-rate bounds, read from the vault's views
 * (FuseboxRiskModule, chained after the configuration module). Reads only.
 */
import { decodeBytes32String } from "ethers";
import type { vaultAt } from "./bindings.js";

type Vault = Awaited<ReturnType<typeof vaultAt>>;
const WAD = 10n ** 18n;
const MAX = (1n << 256n) - 1n;

export interface RiskGroupStatus { id: string; markets: string[]; balance: string; cap: string; notional: string; maxNotional: string | null; ok: boolean }
export interface NetDeltaStatus { asset: string; netDelta: string; bandBps: number }
export interface RiskStatusData {
  present: boolean;
  groups: RiskGroupStatus[];
  netDelta: NetDeltaStatus[];
  maxBatchLossBps: number;
  navRateBounds: { perUpdateBps: number; annualRateBps: number; lastPpsWad: string; lastAt: number; pausedByBound: boolean };
}

/** A group id as configured (a short name packed as bytes32), or its hex when it is not text. */
export function groupName(id: string): string {
  try {
    return decodeBytes32String(id);
  } catch {
    return id;
  }
}

/** The risk engine's lines, data and breaches; a vault whose module chain has no risk module says so. */
export async function riskStatus(vault: Vault, amount: (x: bigint) => string, pct: (x: bigint, of: bigint) => string, total: bigint) {
  const lines: string[] = [];
  const breaches: string[] = [];
  let groupIds: string[];
  try {
    groupIds = await vault.getRiskGroupIds();
  } catch {
    lines.push("risk engine: not in this vault's module chain");
    return { lines, breaches, data: undefined };
  }
  const data: RiskStatusData = { present: true, groups: [], netDelta: [], maxBatchLossBps: Number(await vault.maxBatchLossBps()), navRateBounds: { perUpdateBps: 0, annualRateBps: 0, lastPpsWad: "0", lastAt: 0, pausedByBound: false } };
  lines.push(`risk groups: ${groupIds.length === 0 ? "none" : ""}`);
  for (const id of groupIds) {
    const [balance, notional, cap, maxNotional] = await vault.groupExposure(id);
    const markets = (await vault.getGroupMarkets(id)).map(String);
    const ok = balance <= cap && notional <= maxNotional;
    const name = groupName(id);
    if (!ok) breaches.push(`risk group ${name}: balance ${amount(balance)} vs cap ${amount(cap)}, notional ${amount(notional)} vs ${maxNotional === MAX ? "no limit" : amount(maxNotional)}`);
    data.groups.push({ id: name, markets, balance: balance.toString(), cap: cap.toString(), notional: notional.toString(), maxNotional: maxNotional === MAX ? null : maxNotional.toString(), ok });
    lines.push(
      `  ${name} (markets ${markets.join(", ") || "-"}): balance ${amount(balance)} (${pct(balance, total)}) vs cap ${amount(cap)}` +
      ` | notional ${amount(notional)} (${total === 0n ? "-" : `${(Number((notional * 100n * WAD) / total) / 1e18 / 100).toFixed(2)}x`} NAV) vs ${maxNotional === MAX ? "no limit" : amount(maxNotional)}  ${ok ? "OK" : "BREACH"}`,
    );
  }
  const bandAssets = await vault.getBandAssets();
  lines.push(`net delta: ${bandAssets.length === 0 ? "no bands" : ""}`);
  for (const asset of bandAssets) {
    const [delta, bandBps] = await vault.netDelta(asset);
    data.netDelta.push({ asset, netDelta: delta.toString(), bandBps: Number(bandBps) });
    lines.push(`  ${asset}: ${delta.toString()} (asset units, signed) vs band ${bandBps} bps of NAV`);
  }
  const bounds = await vault.navRateBounds();
  data.navRateBounds = { perUpdateBps: Number(bounds.perUpdateBps), annualRateBps: Number(bounds.annualRateBps), lastPpsWad: bounds.lastPpsWad.toString(), lastAt: Number(bounds.lastAt), pausedByBound: bounds.pausedByBound };
  lines.push(`batch loss budget: ${data.maxBatchLossBps === 0 ? "none" : `${data.maxBatchLossBps} bps of NAV`}`);
  lines.push(
    bounds.perUpdateBps === 0n && bounds.annualRateBps === 0n
      ? "NAV-rate bounds: none"
      : `NAV-rate bounds: ±(${bounds.perUpdateBps} bps + ${bounds.annualRateBps} bps/year) per refresh; baseline ${bounds.lastPpsWad} (WAD per share unit)${bounds.pausedByBound ? "  PAUSED BY THE BOUND (the atomist acknowledges)" : ""}`,
  );
  if (bounds.pausedByBound) breaches.push("NAV-rate bound breached: the vault is paused until acknowledged");
  return { lines, breaches, data };
}
