/**
 * The vault page's data: the guardrails as gauges (balance vs cap, leverage vs limit, idle vs buffer), pending
 * timelocked changes with their ETA, roles, NAV and price per share over time, and `fusebox status` itself
 * (scripts/deploy/status.ts) for the text and the breaches. Reads only. The one place the console reads the
 * vault's contracts (FuseboxVault / AccessManager bindings).
 */
import { Contract, formatUnits } from "ethers";
import { ROLES } from "../lib/access.js";
import type { ChainContext } from "../deploy/context.js";
import type { DeploymentRecord } from "../deploy/record.js";
import { vaultStatus } from "../deploy/status.js";
import type { HistoryPoint, MarketGauge, PendingChange, VaultView } from "./types.js";

const BPS = 10_000n;
const WAD = 10n ** 18n;
const HISTORY_POINTS = 60;

export async function vaultView(ctx: ChainContext, recordsRoot: string, record: DeploymentRecord): Promise<VaultView> {
  const { ethers } = ctx;
  const address = record.contracts["FuseboxVault"]?.address;
  if (address === undefined) throw new Error(`the record of ${record.vault} has no FuseboxVault`);
  const vault = await ethers.getContractAt("FuseboxVault", address);
  const assetAddress = await vault.asset();
  const token = new Contract(assetAddress, ["function decimals() view returns (uint8)", "function symbol() view returns (string)"], ethers.provider);
  const decimals = Number(await token.getFunction("decimals").staticCall());
  const symbol = String(await token.getFunction("symbol").staticCall());
  const units = (x: bigint): number => Number(formatUnits(x, decimals));
  const now = BigInt((await ethers.provider.getBlock("latest"))?.timestamp ?? 0);

  const total = await vault.totalAssets();
  const idle = total - (await vault.totalMarketBalance());
  const bufferBps = await vault.idleBufferBps();
  const requiredIdle = (total * bufferBps + BPS - 1n) / BPS;

  const markets: MarketGauge[] = [];
  for (const id of await vault.getMarketIds()) {
    const m = await vault.getMarket(id);
    const rec = record.markets.find((x) => BigInt(x.id) === id);
    let cap = (total * m.capBps) / BPS;
    if (m.capAssets !== 0n && m.capAssets < cap) cap = m.capAssets;
    const unbounded = m.grossNotional !== 0n && m.balance === 0n;
    const leverageWad = m.grossNotional === 0n || unbounded ? 0n : (m.grossNotional * WAD + m.balance - 1n) / m.balance;
    markets.push({
      id: id.toString(),
      name: rec?.name ?? "",
      kind: rec?.kind ?? "",
      balance: units(m.balance),
      cap: units(cap),
      capBps: Number(m.capBps),
      capAssets: m.capAssets === 0n ? null : units(m.capAssets),
      capOk: m.balance <= cap,
      levered: m.maxLeverageWad !== 0n,
      leverage: unbounded ? null : Number(leverageWad) / 1e18,
      maxLeverage: Number(m.maxLeverageWad) / 1e18,
      leverageOk: !unbounded && leverageWad <= m.maxLeverageWad,
      balanceAgeSeconds: Number(now - m.updatedAt),
      maxBalanceAgeSeconds: Number(m.maxBalanceAge),
    });
  }

  const manager = await ethers.getContractAt("AccessManager", await vault.authority());
  const pending: PendingChange[] = [];
  for (const s of record.scheduled) {
    const due = await manager.getSchedule(s.operationId);
    const state = due === 0n ? "closed" : due <= now ? "due" : "waiting";
    pending.push({ step: s.step, caller: s.caller, state, dueAt: due === 0n ? null : Number(due), secondsLeft: due === 0n ? null : Number(due > now ? due - now : 0n) });
  }
  const roles: VaultView["roles"] = [];
  for (const [role, holders] of Object.entries(record.roles)) {
    const roleId = ROLES[role as keyof typeof ROLES];
    if (roleId === undefined) continue;
    const out: VaultView["roles"][number]["holders"] = [];
    for (const holder of holders) {
      const [granted, delay] = await manager.hasRole(roleId, holder);
      out.push({ address: holder, granted, delaySeconds: Number(delay) });
    }
    roles.push({ role, holders: out });
  }

  const status = await vaultStatus(ctx, recordsRoot, address);
  return {
    name: record.vault,
    address,
    network: ctx.networkName,
    chainId: ctx.chainId.toString(),
    asset: { address: assetAddress, symbol, decimals },
    chainTime: Number(now),
    paused: await vault.paused(),
    total: units(total),
    idle: units(idle),
    requiredIdle: units(requiredIdle),
    idleBufferBps: Number(bufferBps),
    idleOk: idle >= requiredIdle,
    markets,
    pending,
    roles,
    statusLines: status.lines,
    breaches: status.breaches,
    history: await history(ctx, address, record.contracts["FuseboxVault"]?.block ?? 0, decimals),
  };
}

/** NAV, price per share and idle at up to HISTORY_POINTS blocks from the vault's creation to now (archive reads). */
async function history(ctx: ChainContext, address: string, fromBlock: number, decimals: number): Promise<HistoryPoint[]> {
  const { ethers } = ctx;
  const vault = await ethers.getContractAt("FuseboxVault", address);
  const latest = await ethers.provider.getBlockNumber();
  const shareUnit = 10n ** BigInt(await vault.decimals());
  const span = Math.max(0, latest - fromBlock);
  const step = Math.max(1, Math.ceil(span / (HISTORY_POINTS - 1)));
  const blocks: number[] = [];
  for (let b = fromBlock; b < latest; b += step) blocks.push(b);
  blocks.push(latest);
  const points: HistoryPoint[] = [];
  for (const blockTag of blocks) {
    const block = await ethers.provider.getBlock(blockTag);
    if (block === null) continue;
    try {
      const total = await vault.totalAssets({ blockTag });
      const inMarkets = await vault.totalMarketBalance({ blockTag });
      const pps = await vault.convertToAssets(shareUnit, { blockTag });
      points.push({
        time: block.timestamp,
        block: blockTag,
        nav: Number(formatUnits(total, decimals)),
        pricePerShare: Number(formatUnits(pps, decimals)),
        idle: Number(formatUnits(total - inMarkets, decimals)),
      });
    } catch {
      // the vault's code is not there yet at this block (the creation's own block on some nodes)
    }
  }
  return points;
}
