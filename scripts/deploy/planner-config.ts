/**
 * The configuration section of the plan: feeds, markets the config dropped, per market its substrates,
 * parameters (cap, absolute cap, leverage, balance age, balance fuse) and fuses, the dependency graph, the
 * instant-withdraw order, the idle buffer and the depositor allowlist. Every setting appears once, `present`
 * when the chain matches; risk-raising changes go to the role's timelock, risk-lowering ones with a guardian
 * function apply at once.
 */
import { parseUnits, type BaseContract } from "ethers";
import { fuseKind } from "../config/fuse-kinds.js";
import { maxLeverageWad, type MarketConfig } from "../config/schema.js";
import type { RoleName } from "../lib/access.js";
import { formatAmount, formatBps, formatLeverageWad, formatSeconds, type AssetUnits } from "../lib/units.js";
import { oracleAt, vaultAt } from "./bindings.js";
import type { MarketState } from "./chain-view.js";
import type { PlanStep, StepKind, StepState } from "./plan.js";
import type { Dependencies, Planner } from "./planner.js";
import { planRiskGroups } from "./planner-risk.js";
import { planRiskLimits } from "./planner-risk-limits.js";

export interface ResolvedMarket {
  config: MarketConfig;
  id: bigint;
  substrates: string[]; // bytes32, lower case
  fuses: Record<string, string>;
  balanceFuse: string;
}

interface MarketParams {
  balanceFuse: string;
  capBps: bigint;
  capAssets: bigint;
  maxLeverageWad: bigint;
  maxBalanceAge: bigint;
}

const ZERO = "0x0000000000000000000000000000000000000000";

export async function planConfiguration(p: Planner, feeds: { asset: string; feed: string; maxStaleness: bigint }[], markets: ResolvedMarket[]): Promise<void> {
  const { config, view, record, units } = p;
  const vault = await vaultAt(p.ctx, p.addresses.vault);
  const oracle = await oracleAt(p.ctx, p.addresses.oracle);
  const call = async (key: string, kind: StepKind, role: RoleName, description: string, target: BaseContract, method: string, args: unknown[], atOnce: StepState, extra: Partial<PlanStep> & { after?: Dependencies } = {}): Promise<PlanStep> =>
    p.restricted({ key, kind, role, description, atOnce, ...extra, call: { to: await target.getAddress(), method, data: target.interface.encodeFunctionData(method, args) } });

  // Feeds (a new or changed feed raises risk).
  for (const f of feeds) {
    const current = await view.feed(f.asset);
    const key = `feed:${f.asset}`;
    const description = `price ${f.asset} with ${f.feed}, max staleness ${formatSeconds(f.maxStaleness)}`;
    if (current.aggregator.toLowerCase() === f.feed.toLowerCase() && current.maxStaleness === f.maxStaleness) p.present({ key, kind: "feed", role: "ATOMIST", description });
    else {
      const was = current.aggregator === ZERO ? undefined : `${current.aggregator} / ${formatSeconds(current.maxStaleness)}`;
      await call(key, "feed", "ATOMIST", `${description}${was === undefined ? "" : ` (was ${was})`}`, oracle, "setFeed", [f.asset, f.feed, f.maxStaleness], was === undefined ? "create" : "change");
    }
  }

  // Markets the chain has and the config dropped: closed to new capital by the guardian at once.
  const wantedIds = new Set(markets.map((m) => m.id));
  for (const id of await view.marketIds()) {
    if (wantedIds.has(id)) continue;
    const m = await view.market(id);
    if (m.capBps !== 0n || m.maxLeverageWad !== 0n) {
      await call(`market:${id}:close`, "market", "GUARDIAN", `market ${id} is not in the config: lower cap and leverage to 0 (remove it with removeMarket once empty)`, vault, "lowerMarketLimits", [id, 0, m.capAssets, 0], "remove");
    }
  }
  for (const m of record.markets.filter((r) => !markets.some((x) => x.id === BigInt(r.id) && x.config.kind === r.kind))) {
    const allowed: string[] = [];
    for (const fuse of Object.values(m.fuses)) if ((await view.fuseMarketId(fuse)) !== 0n) allowed.push(fuse);
    if (allowed.length > 0) await call(`market:${m.id}:remove-fuses`, "fuses", "GUARDIAN", `remove ${m.kind} fuses of market ${m.id} (${m.name}), no longer in the config`, vault, "removeFuses", [allowed], "remove");
  }

  for (const m of markets) {
    const label = `market ${m.id} (${m.config.name})`;
    // Substrates: grant what is missing (atomist, delayed); revoke what the config dropped (guardian, at once).
    const current = await view.substrates(m.id);
    const missing = m.substrates.filter((s) => !current.includes(s));
    const extra = current.filter((s) => !m.substrates.includes(s));
    const substratesKey = `market:${m.id}:grant-substrates`;
    if (extra.length > 0) await call(`market:${m.id}:revoke-substrates`, "substrates", "GUARDIAN", `${label}: revoke ${extra.length} substrate(s) ${extra.join(", ")}`, vault, "revokeSubstrates", [m.id, extra], "remove");
    if (missing.length > 0) await call(substratesKey, "substrates", "ATOMIST", `${label}: grant ${missing.length} substrate(s) ${missing.join(", ")}`, vault, "grantSubstrates", [m.id, missing], "create");
    else p.present({ key: substratesKey, kind: "substrates", role: "ATOMIST", description: `${label}: substrates ${m.substrates.join(", ")}` });

    // Parameters: a pure lowering goes by the guardian at once; anything else is a timelocked configureMarket.
    const want: MarketParams = {
      balanceFuse: m.balanceFuse,
      capBps: BigInt(m.config.capBps),
      capAssets: m.config.capAssets === undefined ? 0n : parseUnits(m.config.capAssets, units.decimals),
      maxLeverageWad: maxLeverageWad(m.config),
      maxBalanceAge: BigInt(m.config.maxBalanceAgeSeconds ?? config.maxBalanceAgeSeconds),
    };
    const have = await view.market(m.id);
    const configureKey = `market:${m.id}:configure`;
    if (!have.active) {
      await call(configureKey, "market", "ATOMIST", `${label}: create (${describeParams(want, units)})`, vault, "configureMarket", [m.id, want], "create", { desired: describeParams(want, units) });
    } else {
      const same = have.balanceFuse.toLowerCase() === want.balanceFuse.toLowerCase() && have.maxBalanceAge === want.maxBalanceAge;
      const changed = !same || have.capBps !== want.capBps || have.capAssets !== want.capAssets || have.maxLeverageWad !== want.maxLeverageWad;
      const diffs = { current: describeParams(have, units), desired: describeParams(want, units) };
      if (!changed) p.present({ key: configureKey, kind: "market", role: "ATOMIST", description: `${label}: ${diffs.desired}`, ...diffs });
      else {
        const diff = describeDiff(have, want, units);
        const capAssetsLowered = have.capAssets === 0n || (want.capAssets !== 0n && want.capAssets <= have.capAssets);
        if (same && want.capBps <= have.capBps && want.maxLeverageWad <= have.maxLeverageWad && capAssetsLowered) {
          await call(`market:${m.id}:lower`, "market", "GUARDIAN", `${label}: lower ${diff}`, vault, "lowerMarketLimits", [m.id, want.capBps, want.capAssets, want.maxLeverageWad], "change", diffs);
        } else {
          await call(configureKey, "market", "ATOMIST", `${label}: ${diff}`, vault, "configureMarket", [m.id, want], "change", diffs);
        }
      }
    }

    // Fuses: allowed once the market exists on chain (addFuses checks it).
    const toAdd: string[] = [];
    for (const fuse of Object.values(m.fuses)) if ((await view.fuseMarketId(fuse)) !== m.id) toAdd.push(fuse);
    const fusesKey = `market:${m.id}:add-fuses`;
    const named = (list: string[]): string => Object.entries(m.fuses).filter(([, a]) => list.includes(a)).map(([n, a]) => `${n} ${a}`).join(", ");
    if (toAdd.length === 0) p.present({ key: fusesKey, kind: "fuses", role: "FUSE_MANAGER", description: `${label}: fuses ${named(Object.values(m.fuses))}` });
    else {
      const description = `${label}: allow fuse(s) ${named(toAdd)}`;
      await call(fusesKey, "fuses", "FUSE_MANAGER", description, vault, "addFuses", [toAdd], "create", { after: { keys: [configureKey], why: `market ${m.id} to exist on chain` } });
    }
  }

  // Dependency graph: markets revalued together (accounting only; the atomist's, like all configuration).
  for (const m of markets) {
    const want = m.config.revalueWith.map((name) => markets.find((x) => x.config.name === name)?.id ?? 0n);
    const label = `market ${m.id} (${m.config.name})`;
    const key = `market:${m.id}:dependencies`;
    const have = await view.dependencies(m.id);
    const names = `[${m.config.revalueWith.join(", ")}]`;
    if (have.join() === want.join()) {
      if (want.length > 0) p.present({ key, kind: "dependencies", role: "ATOMIST", description: `${label}: revalue with ${names}` });
      continue;
    }
    const description = have.length === 0 ? `${label}: revalue with ${names}` : `${label}: revalue with ${names} (was [${have.join(", ")}])`;
    const needs = [m.id, ...want].map((id) => `market:${id}:configure`);
    await call(key, "dependencies", "ATOMIST", description, vault, "setMarketDependencies", [m.id, want], have.length === 0 ? "create" : "change", { after: { keys: needs, why: "the markets to exist on chain" } });
  }

  // Redemption order after idle.
  const orderNames = config.withdrawOrder ?? markets.filter((m) => fuseKind(m.config.kind).instantWithdrawFuse !== undefined).map((m) => m.config.name);
  const orderMarkets = orderNames.map((name) => markets.find((m) => m.config.name === name)).filter((m): m is ResolvedMarket => m !== undefined);
  const order = orderMarkets.flatMap((m) => {
    const fuse = fuseKind(m.config.kind).instantWithdrawFuse;
    return fuse === undefined ? [] : [m.fuses[fuse] ?? ""];
  });
  const currentOrder = await view.instantWithdrawFuses();
  const orderDescription = `instant-withdraw order after idle: [${orderNames.join(", ")}]`;
  if (currentOrder.join() === order.map((a) => a.toLowerCase()).join()) {
    if (order.length > 0) p.present({ key: "withdraw-order", kind: "withdraw-order", role: "ATOMIST", description: orderDescription });
  } else {
    const needs = orderMarkets.map((m) => `market:${m.id}:add-fuses`);
    await call("withdraw-order", "withdraw-order", "ATOMIST", orderDescription, vault, "setInstantWithdrawFuses", [order], currentOrder.length === 0 ? "create" : "change", { after: { keys: needs, why: "the fuses to be allowed" } });
  }

  // Idle buffer.
  const buffer = await view.idleBufferBps();
  const bufferDescription = `idle buffer ${formatBps(config.idleBufferBps)}`;
  if (buffer === BigInt(config.idleBufferBps)) p.present({ key: "idle-buffer", kind: "idle-buffer", role: "ATOMIST", description: bufferDescription });
  else await call("idle-buffer", "idle-buffer", "ATOMIST", `${bufferDescription} (was ${formatBps(buffer)})`, vault, "setIdleBufferBps", [config.idleBufferBps], "change", { current: formatBps(buffer), desired: formatBps(config.idleBufferBps) });

  // Fees: a recipient before a fee needs one; a zero recipient only after the fees are off.
  const fees = await view.fees();
  const want = config.fees;
  const wantRecipient = want.recipient ?? ZERO;
  const recipientChanges = fees.recipient.toLowerCase() !== wantRecipient.toLowerCase();
  const recipientDescription = `fee recipient ${wantRecipient === ZERO ? "none" : wantRecipient}`;
  const setRecipient = (): Promise<PlanStep> =>
    call("fees:recipient", "fees", "ATOMIST", `${recipientDescription} (was ${fees.recipient})`, vault, "setFeeRecipient", [wantRecipient], "change");
  if (recipientChanges && wantRecipient !== ZERO) await setRecipient();
  const feeDescription = `fees: management ${formatBps(want.managementBps)} a year, performance ${formatBps(want.performanceBps)}`;
  if (fees.managementBps === BigInt(want.managementBps) && fees.performanceBps === BigInt(want.performanceBps)) {
    p.present({ key: "fees", kind: "fees", role: "ATOMIST", description: feeDescription });
  } else {
    const was = `management ${formatBps(Number(fees.managementBps))}, performance ${formatBps(Number(fees.performanceBps))}`;
    await call("fees", "fees", "ATOMIST", `${feeDescription} (was ${was})`, vault, "setFees", [want.managementBps, want.performanceBps], "change", recipientChanges && wantRecipient !== ZERO ? { after: { keys: ["fees:recipient"], why: "the fee recipient" } } : {});
  }
  if (recipientChanges && wantRecipient === ZERO) await setRecipient();
  const wait = await view.maxRedeemWait();
  const waitDescription = `maximum redeem wait ${formatSeconds(config.maxRedeemWaitSeconds)}`;
  if (wait === BigInt(config.maxRedeemWaitSeconds)) p.present({ key: "redeem-wait", kind: "redeem-wait", role: "ATOMIST", description: waitDescription });
  else await call("redeem-wait", "redeem-wait", "ATOMIST", `${waitDescription} (was ${formatSeconds(Number(wait))})`, vault, "setMaxRedeemWait", [config.maxRedeemWaitSeconds], "change");
  await planRiskGroups(p, markets, call);
  await planRiskLimits(p, markets, call);

  // Depositor allowlist: members first, then the switch.
  const wanted = config.depositors.allowed;
  const toAllow: string[] = [];
  for (const d of wanted) if (!(await view.depositorAllowed(d))) toAllow.push(d);
  const toDisallow: string[] = [];
  for (const d of record.depositors) if (!wanted.includes(d) && (await view.depositorAllowed(d))) toDisallow.push(d);
  if (toAllow.length > 0) await call("depositors:allow", "depositors", "ATOMIST", `allow depositor(s) ${toAllow.join(", ")}`, vault, "setDepositorsAllowed", [toAllow, true], "create");
  else if (wanted.length > 0) p.present({ key: "depositors:allow", kind: "depositors", role: "ATOMIST", description: `depositors allowed: ${wanted.join(", ")}` });
  if (toDisallow.length > 0) await call("depositors:disallow", "depositors", "ATOMIST", `disallow depositor(s) ${toDisallow.join(", ")}`, vault, "setDepositorsAllowed", [toDisallow, false], "remove");
  const enabled = config.depositors.allowlistEnabled;
  const switchDescription = `depositor allowlist ${enabled ? "on" : "off"}`;
  if ((await view.allowlistEnabled()) === enabled) p.present({ key: "depositors:switch", kind: "depositors", role: "ATOMIST", description: switchDescription });
  else await call("depositors:switch", "depositors", "ATOMIST", switchDescription, vault, "setDepositorAllowlistEnabled", [enabled], "change");
}

function describeParams(m: MarketParams | MarketState, units: AssetUnits): string {
  return `cap ${formatBps(m.capBps)}${m.capAssets === 0n ? "" : ` / ${formatAmount(m.capAssets, units)}`}, leverage ${formatLeverageWad(m.maxLeverageWad)}, max balance age ${formatSeconds(m.maxBalanceAge)}, balance fuse ${m.balanceFuse}`;
}

function describeDiff(have: MarketState, want: MarketParams, units: AssetUnits): string {
  const parts: string[] = [];
  if (have.capBps !== want.capBps) parts.push(`capBps ${have.capBps} -> ${want.capBps}`);
  if (have.capAssets !== want.capAssets) parts.push(`capAssets ${formatAmount(have.capAssets, units)} -> ${formatAmount(want.capAssets, units)}`);
  if (have.maxLeverageWad !== want.maxLeverageWad) parts.push(`maxLeverage ${formatLeverageWad(have.maxLeverageWad)} -> ${formatLeverageWad(want.maxLeverageWad)}`);
  if (have.maxBalanceAge !== want.maxBalanceAge) parts.push(`maxBalanceAge ${have.maxBalanceAge}s -> ${want.maxBalanceAge}s`);
  if (have.balanceFuse.toLowerCase() !== want.balanceFuse.toLowerCase()) parts.push(`balanceFuse ${have.balanceFuse} -> ${want.balanceFuse}`);
  return parts.join(", ");
}
