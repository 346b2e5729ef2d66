/**
 * The risk engine's section of the plan (issue #10): each configured risk group's limits and each market's groups.
 * A new group, or any limit that rises, is the atomist's `setRiskGroup` (timelocked); limits that only fall are the
 * guardian's `lowerRiskGroupLimits` (at once); membership is the atomist's `setMarketGroups`.
 */
import { parseUnits, type BaseContract } from "ethers";
import { riskGroupId } from "../lib/riskGroups.js";
import type { RoleName } from "../lib/access.js";
import { formatAmount, formatBps } from "../lib/units.js";
import type { RiskGroupState } from "./chain-view.js";
import type { PlanStep, StepKind, StepState } from "./plan.js";
import type { Dependencies, Planner } from "./planner.js";
import type { ResolvedMarket } from "./planner-config.js";
import { vaultAt } from "./bindings.js";

export type Call = (key: string, kind: StepKind, role: RoleName, description: string, target: BaseContract, method: string, args: unknown[], atOnce: StepState, extra?: Partial<PlanStep> & { after?: Dependencies }) => Promise<PlanStep>;

const WAD = 10n ** 18n;

export { riskGroupId } from "../lib/riskGroups.js";

/** Whether `want` is nowhere above `have` (0 means "none" for capAssets and maxNotionalWad). */
export function isLowering(have: RiskGroupState, want: RiskGroupState): boolean {
  const notAbove = (w: bigint, h: bigint) => (h === 0n ? true : w !== 0n && w <= h);
  return want.capBps <= have.capBps && notAbove(want.capAssets, have.capAssets) && notAbove(want.maxNotionalWad, have.maxNotionalWad);
}

export async function planRiskGroups(p: Planner, markets: ResolvedMarket[], call: Call): Promise<void> {
  const { config, view, units } = p;
  const groups = config.risk.groups;
  if (groups.length === 0) return;
  const vault = await vaultAt(p.ctx, p.addresses.vault);
  for (const g of groups) {
    const id = riskGroupId(g.name);
    const want: RiskGroupState = {
      exists: true,
      capBps: BigInt(g.capBps),
      capAssets: g.capAssets === undefined ? 0n : parseUnits(g.capAssets, units.decimals),
      maxNotionalWad: g.maxNotional === undefined ? 0n : parseUnits(String(g.maxNotional), 18),
    };
    const have = await view.riskGroup(id);
    const description = `risk group ${g.name}: cap ${formatBps(want.capBps)}${want.capAssets === 0n ? "" : ` / ${formatAmount(want.capAssets, units)}`}, notional ${want.maxNotionalWad === 0n ? "no limit" : `${Number((want.maxNotionalWad * 100n) / WAD) / 100}x NAV`}`;
    const key = `risk-group:${g.name}`;
    if (have.exists && have.capBps === want.capBps && have.capAssets === want.capAssets && have.maxNotionalWad === want.maxNotionalWad) {
      p.present({ key, kind: "risk-group", role: "ATOMIST", description });
    } else if (have.exists && isLowering(have, want)) {
      const args = [id, want.capBps, want.capAssets, want.maxNotionalWad];
      await call(key, "risk-group", "GUARDIAN", `${description} (lowered)`, vault, "lowerRiskGroupLimits", args, "change");
    } else {
      await call(key, "risk-group", "ATOMIST", description, vault, "setRiskGroup", [id, want.capBps, want.capAssets, want.maxNotionalWad], have.exists ? "change" : "create");
    }
  }
  for (const m of markets) {
    const want = groups.filter((g) => g.markets.includes(m.config.name)).map((g) => riskGroupId(g.name));
    const have = await view.marketGroups(m.id);
    const key = `market:${m.id}:risk-groups`;
    const names = groups.filter((g) => g.markets.includes(m.config.name)).map((g) => g.name).join(", ");
    const description = `market ${m.id} (${m.config.name}) in risk groups [${names}]`;
    if ([...have].sort().join() === [...want].sort().join()) {
      if (want.length > 0) p.present({ key, kind: "risk-group", role: "ATOMIST", description });
      continue;
    }
    const needs = [`market:${m.id}:configure`, ...groups.filter((g) => g.markets.includes(m.config.name)).map((g) => `risk-group:${g.name}`)];
    await call(key, "risk-group", "ATOMIST", description, vault, "setMarketGroups", [m.id, want], have.length === 0 ? "create" : "change", { after: { keys: needs, why: "the market and its groups to exist on chain" } });
  }
}
