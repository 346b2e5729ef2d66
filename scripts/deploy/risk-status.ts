/**
 * The risk engine's part of `status` (issue #10): each risk group's summed balance and notional against its limits,
 * the net delta of each banded asset, the batch loss budget and the NAV-rate bounds, read from the vault's views
 * (FuseboxRiskModule, chained after the configuration module). Reads only.
 */
import { Contract, type ContractRunner } from "ethers";
import { riskGroupName } from "../lib/riskGroups.js";
import { formatAmount } from "../lib/units.js";
import type { vaultAt } from "./bindings.js";

type Vault = Awaited<ReturnType<typeof vaultAt>>;
const WAD = 10n ** 18n;
const MAX = (1n << 256n) - 1n;

export interface RiskGroupStatus { id: string; markets: string[]; balance: string; cap: string; notional: string; maxNotional: string | null; ok: boolean }
/**
 * A banded asset's net delta: `netDelta` in its own base units (signed), `value` the same priced in the vault's asset
 * through the vault's oracle (signed; null when it cannot be priced: `unpriced` says why), `band` the band's width in
 * the vault's asset; `ok` null when undefined (unpriced).
 */
export interface NetDeltaStatus {
  asset: string; symbol: string; decimals: number; netDelta: string; bandBps: number;
  value: string | null; band: string; ok: boolean | null; unpriced?: string;
}

/** The NAV-rate bound now: how far the price per share may move from its baseline at this time (contract's rule). */
export interface NavBoundWindow { allowedBps: bigint; upWad: bigint; downWad: bigint }
export interface RiskStatusData {
  present: boolean;
  groups: RiskGroupStatus[];
  netDelta: NetDeltaStatus[];
  maxBatchLossBps: number;
  navRateBounds: {
    perUpdateBps: number; annualRateBps: number; lastPpsWad: string; lastAt: number; pausedByBound: boolean;
    /** The price per share at the cached NAV now (WAD per share unit) and whether it is inside today's window (null: no bound or no baseline). */
    ppsWad: string; allowedBps: number; withinBound: boolean | null;
  };
}

const YEAR = 365n * 86_400n;

/** FuseboxRiskModule.checkNavRate's window: ±(perUpdateBps + annualRateBps × elapsed / 365 days) around the baseline. */
export function navBoundWindow(b: { perUpdateBps: bigint; annualRateBps: bigint; lastPpsWad: bigint; lastAt: bigint }, now: bigint): NavBoundWindow {
  const elapsed = now > b.lastAt ? now - b.lastAt : 0n;
  const allowedBps = b.perUpdateBps + (b.annualRateBps * elapsed) / YEAR;
  const upWad = (b.lastPpsWad * (10_000n + allowedBps)) / 10_000n;
  const downWad = allowedBps >= 10_000n ? 0n : (b.lastPpsWad * (10_000n - allowedBps)) / 10_000n;
  return { allowedBps, upWad, downWad };
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
  const data: RiskStatusData = { present: true, groups: [], netDelta: [], maxBatchLossBps: Number(await vault.maxBatchLossBps()), navRateBounds: { perUpdateBps: 0, annualRateBps: 0, lastPpsWad: "0", lastAt: 0, pausedByBound: false, ppsWad: "0", allowedBps: 0, withinBound: null } };
  lines.push(`risk groups: ${groupIds.length === 0 ? "none" : ""}`);
  for (const id of groupIds) {
    const [balance, notional, cap, maxNotional] = await vault.groupExposure(id);
    const markets = (await vault.getGroupMarkets(id)).map(String);
    const ok = balance <= cap && notional <= maxNotional;
    const name = riskGroupName(id);
    if (!ok) breaches.push(`risk group ${name}: balance ${amount(balance)} vs cap ${amount(cap)}, notional ${amount(notional)} vs ${maxNotional === MAX ? "no limit" : amount(maxNotional)}`);
    data.groups.push({ id: name, markets, balance: balance.toString(), cap: cap.toString(), notional: notional.toString(), maxNotional: maxNotional === MAX ? null : maxNotional.toString(), ok });
    lines.push(
      `  ${name} (markets ${markets.join(", ") || "-"}): balance ${amount(balance)} (${pct(balance, total)}) vs cap ${amount(cap)}` +
      ` | notional ${amount(notional)} (${total === 0n ? "-" : `${(Number((notional * 100n * WAD) / total) / 1e18 / 100).toFixed(2)}x`} NAV) vs ${maxNotional === MAX ? "no limit" : amount(maxNotional)}  ${ok ? "OK" : "BREACH"}`,
    );
  }
  const bandAssets = await vault.getBandAssets();
  lines.push(`net delta: ${bandAssets.length === 0 ? "no bands" : ""}`);
  const runner = vault.runner;
  const oracle = bandAssets.length === 0 ? undefined : new Contract(await vault.priceOracle(), ["function quote(address,uint256,address) view returns (uint256)"], runner);
  const vaultAsset = await vault.asset();
  for (const asset of bandAssets) {
    const [delta, bandBps] = await vault.netDelta(asset);
    const { symbol, decimals } = await tokenUnits(asset, runner);
    const band = (total * bandBps) / 10_000n;
    let value: bigint | null = null;
    let unpriced: string | undefined;
    try {
      const magnitude = delta === 0n ? 0n : BigInt(await oracle!.getFunction("quote").staticCall(asset, delta < 0n ? -delta : delta, vaultAsset));
      value = delta < 0n ? -magnitude : magnitude;
    } catch (error) {
      unpriced = (error as Error).message.split("\n")[0] ?? "the oracle refused";
    }
    const abs = value === null ? null : value < 0n ? -value : value;
    const ok = abs === null ? null : abs <= band;
    const label = `${symbol} ${asset}`;
    data.netDelta.push({ asset, symbol, decimals, netDelta: delta.toString(), bandBps: Number(bandBps), value: value?.toString() ?? null, band: band.toString(), ok, ...(unpriced === undefined ? {} : { unpriced }) });
    const priced = value === null ? `unpriced (${unpriced ?? "?"})` : `${amount(value)} (${value < 0n ? "-" : ""}${pct(abs ?? 0n, total)} of NAV)`;
    lines.push(`  ${label}: ${formatAmount(delta, { decimals, symbol })} = ${priced} vs band ${bandBps} bps of NAV = ${amount(band)}  ${ok === null ? "UNDEFINED" : ok ? "OK" : "BREACH"}`);
    if (ok === false) breaches.push(`net delta of ${label}: ${amount(value ?? 0n)} (${pct(abs ?? 0n, total)} of NAV) beyond its band ${bandBps} bps = ${amount(band)}`);
  }
  const bounds = await vault.navRateBounds();
  const now = BigInt((await vault.runner?.provider?.getBlock("latest"))?.timestamp ?? 0);
  const supply = await vault.totalSupply();
  const ppsWad = supply === 0n ? 0n : (total * WAD) / supply;
  const bounded = bounds.perUpdateBps !== 0n || bounds.annualRateBps !== 0n;
  const window = navBoundWindow({ perUpdateBps: bounds.perUpdateBps, annualRateBps: bounds.annualRateBps, lastPpsWad: bounds.lastPpsWad, lastAt: bounds.lastAt }, now);
  const withinBound = !bounded || bounds.lastPpsWad === 0n || ppsWad === 0n ? null : ppsWad <= window.upWad && ppsWad >= window.downWad;
  data.navRateBounds = {
    perUpdateBps: Number(bounds.perUpdateBps), annualRateBps: Number(bounds.annualRateBps), lastPpsWad: bounds.lastPpsWad.toString(), lastAt: Number(bounds.lastAt), pausedByBound: bounds.pausedByBound,
    ppsWad: ppsWad.toString(), allowedBps: Number(window.allowedBps), withinBound,
  };
  lines.push(`batch loss budget: ${data.maxBatchLossBps === 0 ? "none" : `${data.maxBatchLossBps} bps of NAV`}`);
  if (!bounded) lines.push("NAV-rate bounds: none");
  else {
    // WAD per share base unit -> asset base units per whole share.
    const shareUnit = 10n ** (await vault.decimals());
    const perShare = (wad: bigint): string => amount((wad * shareUnit) / WAD);
    const move = bounds.lastPpsWad === 0n ? "no baseline yet (the next full refresh sets it)" : `price per share ${perShare(ppsWad)} vs baseline ${perShare(bounds.lastPpsWad)} (${signedBps(ppsWad, bounds.lastPpsWad)}) set ${now - bounds.lastAt}s ago, window ±${window.allowedBps} bps`;
    const state = bounds.pausedByBound
      ? "STOPPED BY THE BOUND: deposits stop and batches are reduce-only until the atomist acknowledges (fusebox acknowledge-nav)"
      : withinBound === false ? "OUTSIDE: the next full refresh pauses the vault" : withinBound === null ? "" : "within";
    lines.push(`NAV-rate bounds: ±(${bounds.perUpdateBps} bps + ${bounds.annualRateBps} bps/year) per refresh; ${move}${state === "" ? "" : `  ${state}`}`);
  }
  if (bounds.pausedByBound) breaches.push("NAV-rate bound breached: the vault is paused until the atomist acknowledges the move (acknowledgeNavMove)");
  return { lines, breaches, data };
}

/** A token's symbol and decimals; an address with no code (a venue market id) counts 18 decimals, as the fuses do. */
async function tokenUnits(asset: string, runner: ContractRunner | null): Promise<{ symbol: string; decimals: number }> {
  const token = new Contract(asset, ["function decimals() view returns (uint8)", "function symbol() view returns (string)"], runner);
  const decimals = await token.getFunction("decimals").staticCall().then(Number, () => 18);
  const symbol = await token.getFunction("symbol").staticCall().then(String, () => "units");
  return { symbol, decimals };
}

/** `+1.23 %` of `now` against `base`, two decimals. */
function signedBps(now: bigint, base: bigint): string {
  const bps = Number(((now - base) * 1_000_000n) / base) / 10_000;
  return `${bps >= 0 ? "+" : ""}${bps.toFixed(2)}%`;
}
