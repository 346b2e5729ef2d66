/**
 * `status`: a vault's guardrails as the chain sees them now — total assets, idle vs buffer, each market's
 * balance vs cap and leverage vs limit (a breach printed as BREACH), fees and the redeem queue, pending timelocked
 * changes, roles.
 * Reads only; sends nothing.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { Contract, isAddress } from "ethers";
import { formatAmount } from "../lib/units.js";
import { vaultAt, accessManagerAt } from "./bindings.js";
import { ROLES } from "../lib/access.js";
import type { ChainContext } from "./context.js";
import { readRecord, recordPath, type DeploymentRecord } from "./record.js";
import { economicsStatus, type EconomicsData } from "./economicsStatus.js";
import { riskStatus, type RiskStatusData } from "./risk-status.js";

const BPS = 10_000n;
const WAD = 10n ** 18n;
const MAX = (1n << 256n) - 1n;

export interface MarketStatus {
  id: string;
  name: string;
  balance: string; // raw base units
  cap: string;
  capBps: number;
  capAssets: string;
  leverageWad: string | null; // null = unbounded (notional with no equity)
  maxLeverageWad: string;
  balanceAgeSeconds: number;
  maxBalanceAgeSeconds: number;
  capOk: boolean;
  leverageOk: boolean;
  stale: boolean;
}

/** `status --json`: amounts as raw base-unit strings, with the asset's decimals and symbol to scale them. */
export interface StatusData {
  vault: string | null;
  address: string;
  network: string;
  chainId: string;
  asset: { address: string; symbol: string; decimals: number };
  paused: boolean;
  depositorAllowlist: boolean;
  totalAssets: string;
  idle: string;
  idleBufferBps: number;
  requiredIdle: string;
  markets: MarketStatus[];
  pending: { step: string; caller: string; dueAt: number | null; state: "due" | "waiting" | "gone" }[];
  roles: Record<string, { holder: string; granted: boolean; delaySeconds: number }[]>;
  economics: EconomicsData;
  breaches: string[];
  /** The risk engine (groups, net delta, bounds); absent when the vault's module chain has no risk module. */
  risk?: RiskStatusData;
}

export interface StatusResult {
  breaches: string[];
  lines: string[];
  data: StatusData;
}

async function findRecord(ctx: ChainContext, root: string, vault: string): Promise<DeploymentRecord | undefined> {
  if (!isAddress(vault)) return readRecord(recordPath(root, ctx.recordFolder, vault));
  let files: string[];
  try {
    files = await readdir(join(root, ctx.recordFolder));
  } catch {
    return undefined;
  }
  for (const file of files.filter((f) => f.endsWith(".json"))) {
    const record = await readRecord(join(root, ctx.recordFolder, file));
    if (record?.contracts["FuseboxVault"]?.address.toLowerCase() === vault.toLowerCase()) return record;
  }
  return undefined;
}

/** A vault named by its record or given by address (with its record when one is found), checked to have code. */
export async function resolveVault(ctx: ChainContext, root: string, vaultArg: string): Promise<{ record: DeploymentRecord | undefined; vaultAddress: string }> {
  const record = await findRecord(ctx, root, vaultArg);
  const vaultAddress = isAddress(vaultArg) ? vaultArg : record?.contracts["FuseboxVault"]?.address;
  if (vaultAddress === undefined) {
    throw new Error(`no record ${recordPath(root, ctx.recordFolder, vaultArg)} for network "${ctx.networkName}"; pass the vault's address or deploy it first`);
  }
  if ((await ctx.ethers.provider.getCode(vaultAddress)) === "0x") throw new Error(`no contract at ${vaultAddress} on network "${ctx.networkName}"`);
  return { record, vaultAddress };
}

export async function vaultStatus(ctx: ChainContext, root: string, vaultArg: string): Promise<StatusResult> {
  const { record, vaultAddress } = await resolveVault(ctx, root, vaultArg);
  const { ethers } = ctx;
  const vault = await vaultAt(ctx, vaultAddress);
  const assetAddress = await vault.asset();
  const token = new Contract(assetAddress, ["function decimals() view returns (uint8)", "function symbol() view returns (string)"], ethers.provider);
  const decimals = Number(await token.getFunction("decimals").staticCall());
  const symbol = String(await token.getFunction("symbol").staticCall());
  const now = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);
  const amount = (x: bigint): string => formatAmount(x, { decimals, symbol });
  const pct = (x: bigint, of: bigint): string => (of === 0n ? "-" : `${(Number((x * 1_000_000n) / of) / 10_000).toFixed(2)}%`);
  const lines: string[] = [];
  const breaches: string[] = [];

  const total = await vault.totalAssets();
  const idle = total - (await vault.totalMarketBalance());
  const bufferBps = await vault.idleBufferBps();
  const requiredIdle = (total * bufferBps + BPS - 1n) / BPS;
  lines.push(`vault    ${record?.vault ?? "(no record)"} ${vaultAddress} on ${ctx.networkName} (chainId ${ctx.chainId})`);
  lines.push(`asset    ${symbol} ${assetAddress}`);
  lines.push(`paused   ${(await vault.paused()) ? "YES" : "no"}; depositor allowlist ${(await vault.depositorAllowlistEnabled()) ? "on" : "off"}`);
  lines.push(`total    ${amount(total)}`);
  const data: StatusData = {
    vault: record?.vault ?? null, address: vaultAddress, network: ctx.networkName, chainId: ctx.chainId.toString(),
    asset: { address: assetAddress, symbol, decimals }, paused: await vault.paused(), depositorAllowlist: await vault.depositorAllowlistEnabled(),
    totalAssets: total.toString(), idle: idle.toString(), idleBufferBps: Number(bufferBps), requiredIdle: requiredIdle.toString(),
    markets: [], pending: [], roles: {}, economics: { managementBps: 0, performanceBps: 0, recipient: "", highWaterMark: "0", feeShares: "0", pendingShares: "0", setAside: "0", oldestRequestAgeSeconds: null, maxRedeemWaitSeconds: 0, settlements: 0 }, breaches,
  };
  const idleOk = idle >= requiredIdle;
  if (!idleOk) breaches.push(`idle buffer: ${amount(idle)} < required ${amount(requiredIdle)}`);
  lines.push(`idle     ${amount(idle)} (${pct(idle, total)}) vs buffer ${bufferBps} bps = ${amount(requiredIdle)}  ${idleOk ? "OK" : "BREACH"}`);

  const economics = await economicsStatus(ctx, vaultAddress, now, amount);
  lines.push(...economics.lines);
  data.economics = economics.data;
  if (economics.overdue) breaches.push("redeem queue: a request has waited past the maximum wait");

  for (const id of await vault.getMarketIds()) {
    const m = await vault.getMarket(id);
    const name = record?.markets.find((x) => BigInt(x.id) === id)?.name ?? "";
    let cap = (total * m.capBps) / BPS;
    if (m.capAssets !== 0n && m.capAssets < cap) cap = m.capAssets;
    const leverage = m.grossNotional === 0n ? 0n : m.balance === 0n ? MAX : (m.grossNotional * WAD + m.balance - 1n) / m.balance;
    const capOk = m.balance <= cap;
    const levOk = leverage <= m.maxLeverageWad;
    const stale = m.updatedAt + m.maxBalanceAge < now;
    data.markets.push({
      id: id.toString(), name, balance: m.balance.toString(), cap: cap.toString(), capBps: Number(m.capBps), capAssets: m.capAssets.toString(),
      leverageWad: leverage === MAX ? null : leverage.toString(), maxLeverageWad: m.maxLeverageWad.toString(),
      balanceAgeSeconds: Number(now - m.updatedAt), maxBalanceAgeSeconds: Number(m.maxBalanceAge), capOk, leverageOk: levOk, stale,
    });
    if (!capOk) breaches.push(`market ${id}${name ? ` (${name})` : ""}: balance ${amount(m.balance)} > cap ${amount(cap)}`);
    if (!levOk) breaches.push(`market ${id}${name ? ` (${name})` : ""}: leverage ${showLeverage(leverage)} > limit ${showLeverage(m.maxLeverageWad)}`);
    lines.push(
      `market ${id}${name ? ` ${name}` : ""}: balance ${amount(m.balance)} (${pct(m.balance, total)}) vs cap ${m.capBps} bps${m.capAssets === 0n ? "" : ` / ${amount(m.capAssets)}`} = ${amount(cap)}  ${capOk ? "OK" : "BREACH"}` +
      ` | leverage ${showLeverage(leverage)} vs limit ${showLeverage(m.maxLeverageWad)}  ${levOk ? "OK" : "BREACH"}` +
      ` | balance age ${now - m.updatedAt}s of ${m.maxBalanceAge}s${stale ? "  STALE (next deposit/redeem refreshes)" : ""}`,
    );
  }

  const risk = await riskStatus(vault, amount, pct, total);
  lines.push(...risk.lines);
  breaches.push(...risk.breaches);
  if (risk.data !== undefined) data.risk = risk.data;

  const manager = await accessManagerAt(ctx, await vault.authority());
  const pending = record?.scheduled ?? [];
  lines.push(`pending timelocked changes: ${pending.length === 0 ? "none recorded" : ""}`);
  for (const s of pending) {
    const due = await manager.getSchedule(s.operationId);
    const when = due === 0n ? "expired, executed or cancelled (the next deploy clears it)" : due <= now ? "DUE now: run deploy to execute it" : `due in ${due - now}s (${new Date(Number(due) * 1000).toISOString()})`;
    lines.push(`  ${s.step} by ${s.caller}: ${when}`);
    data.pending.push({ step: s.step, caller: s.caller, dueAt: due === 0n ? null : Number(due), state: due === 0n ? "gone" : due <= now ? "due" : "waiting" });
  }
  if (record !== undefined) {
    lines.push("roles:");
    for (const [role, holders] of Object.entries(record.roles)) {
      const id = ROLES[role as keyof typeof ROLES];
      const parts: string[] = [];
      for (const holder of holders) {
        const [isMember, delay] = await manager.hasRole(id, holder);
        (data.roles[role] ??= []).push({ holder, granted: isMember, delaySeconds: Number(delay) });
        parts.push(`${holder}${isMember ? (delay === 0n ? "" : ` (delay ${delay}s)`) : " (NOT GRANTED)"}`);
      }
      lines.push(`  ${role.padEnd(12)} ${parts.join(", ") || "-"}`);
    }
  }
  lines.push(breaches.length === 0 ? "guardrails: all within limits" : `guardrails: ${breaches.length} BREACH${breaches.length === 1 ? "" : "ES"}`);
  for (const b of breaches) lines.push(`  BREACH ${b}`);
  return { breaches, lines, data };
}

function showLeverage(wad: bigint): string {
  if (wad === MAX) return "unbounded";
  return wad === 0n ? "0x" : `${(Number(wad) / 1e18).toFixed(2)}x`;
}
