/**
 * The risk engine's other limits in the plan (issue #10): each market's exposure reporting, the net-delta bands, the
 * batch loss budget and the NAV-rate bounds. What lowers risk and has a guardian function goes at once by the
 * guardian: a narrower band (`lowerNetDeltaBand`), a new or lower loss budget (`lowerMaxBatchLoss`). Everything else
 * is the atomist's (timelocked): a new or wider band, a dropped band, a higher or dropped budget, any NAV-rate bound
 * (`setNavRateBounds` also resets the baseline), turning exposure reporting on or off. A converged chain plans
 * nothing to send.
 */
import { getAddress } from "ethers";
import { marketReportsExposure } from "../config/schema.js";
import { formatBps } from "../lib/units.js";
import { vaultAt } from "./bindings.js";
import type { Planner } from "./planner.js";
import type { ResolvedMarket } from "./planner-config.js";
import type { Call } from "./planner-risk.js";

/** A band's on-chain asset: "vault-asset" is the vault's asset; addresses lower case. */
export function bandAsset(asset: string, vaultAsset: string): string {
  return (asset === "vault-asset" ? vaultAsset : asset).toLowerCase();
}

/** How a limit moves from `have` to `want` where 0 means "none": which role's function the planner sends. */
export function limitMove(have: bigint, want: bigint): "same" | "lower" | "raise" {
  if (have === want) return "same";
  return want !== 0n && (have === 0n || want < have) ? "lower" : "raise";
}

const showBounds = (b: { perUpdateBps: bigint; annualRateBps: bigint }): string =>
  b.perUpdateBps === 0n && b.annualRateBps === 0n ? "none" : `±(${b.perUpdateBps} bps + ${b.annualRateBps} bps/year) between full refreshes`;

export async function planRiskLimits(p: Planner, markets: ResolvedMarket[], call: Call): Promise<void> {
  const { config, view } = p;
  const vault = await vaultAt(p.ctx, p.addresses.vault);
  const vaultAsset = p.addresses.asset.toLowerCase();

  // Exposure reporting, once the market exists on chain.
  for (const m of markets) {
    const want = marketReportsExposure(config, m.config);
    const have = await view.exposureReporting(m.id);
    const key = `market:${m.id}:exposure`;
    const label = `market ${m.id} (${m.config.name})`;
    if (want === have) {
      if (want) p.present({ key, kind: "exposure", role: "ATOMIST", description: `${label} books its exposure report into the net-delta book` });
      continue;
    }
    const description = want ? `${label} books its exposure report into the net-delta book` : `${label} stops booking its exposure report`;
    await call(key, "exposure", "ATOMIST", description, vault, "setExposureReporting", [m.id, want], want ? "create" : "remove", { after: { keys: [`market:${m.id}:configure`], why: `market ${m.id} to exist on chain` } });
  }

  // Net-delta bands: dropped ones first (the vault holds at most 8), then new, wider and narrower ones.
  const wanted = new Map(config.risk.netDeltaBands.map((b) => [bandAsset(b.asset, vaultAsset), BigInt(b.bandBps)]));
  const onChain = await view.netDeltaBands();
  const name = (asset: string): string => `${getAddress(asset)}${asset === vaultAsset ? " (the vault asset)" : ""}`;
  for (const band of onChain) {
    if (wanted.has(band.asset)) continue;
    await call(`net-delta:${band.asset}`, "net-delta", "ATOMIST", `net-delta band of ${name(band.asset)}: drop (was ${formatBps(band.bandBps)} of NAV)`, vault, "setNetDeltaBand", [band.asset, 0], "remove");
  }
  for (const [asset, want] of wanted) {
    const have = onChain.find((b) => b.asset === asset)?.bandBps ?? 0n;
    const key = `net-delta:${asset}`;
    const description = `net-delta band of ${name(asset)}: |net delta| within ${formatBps(want)} of NAV`;
    const move = limitMove(have, want);
    if (move === "same") p.present({ key, kind: "net-delta", role: "ATOMIST", description });
    // lowerNetDeltaBand narrows an existing band only: a new band is the atomist's.
    else if (move === "lower" && have !== 0n) await call(key, "net-delta", "GUARDIAN", `${description} (lowered from ${formatBps(have)})`, vault, "lowerNetDeltaBand", [asset, want], "change");
    else await call(key, "net-delta", "ATOMIST", `${description}${have === 0n ? "" : ` (was ${formatBps(have)})`}`, vault, "setNetDeltaBand", [asset, want], have === 0n ? "create" : "change");
  }

  // The batch loss budget: a new or lower one is the guardian's at once; a higher one or none is the atomist's.
  const wantLoss = BigInt(config.risk.maxBatchLossBps ?? 0);
  const haveLoss = await view.maxBatchLossBps();
  const lossText = (x: bigint): string => (x === 0n ? "none" : `${formatBps(x)} of NAV per batch`);
  const lossMove = limitMove(haveLoss, wantLoss);
  if (lossMove === "same") {
    if (wantLoss !== 0n) p.present({ key: "batch-loss", kind: "batch-loss", role: "ATOMIST", description: `batch loss budget ${lossText(wantLoss)}` });
  } else if (lossMove === "lower") {
    await call("batch-loss", "batch-loss", "GUARDIAN", `batch loss budget ${lossText(wantLoss)} (lowered from ${lossText(haveLoss)})`, vault, "lowerMaxBatchLoss", [wantLoss], haveLoss === 0n ? "create" : "change");
  } else {
    await call("batch-loss", "batch-loss", "ATOMIST", `batch loss budget ${lossText(wantLoss)} (was ${lossText(haveLoss)})`, vault, "setMaxBatchLoss", [wantLoss], wantLoss === 0n ? "remove" : "change");
  }

  // NAV-rate bounds: the atomist's only (no guardian function), so any change waits for the timelock.
  const cfg = config.risk.navRateBounds;
  const wantBounds = { perUpdateBps: BigInt(cfg?.perUpdateBps ?? 0), annualRateBps: BigInt(cfg?.annualRateBps ?? 0) };
  const haveBounds = await view.navRateBounds();
  const none = (b: typeof wantBounds): boolean => b.perUpdateBps === 0n && b.annualRateBps === 0n;
  const boundsDescription = `NAV-rate bounds ${showBounds(wantBounds)}`;
  if (haveBounds.perUpdateBps === wantBounds.perUpdateBps && haveBounds.annualRateBps === wantBounds.annualRateBps) {
    if (!none(wantBounds)) p.present({ key: "nav-bounds", kind: "nav-bounds", role: "ATOMIST", description: boundsDescription });
  } else {
    await call("nav-bounds", "nav-bounds", "ATOMIST", `${boundsDescription}${none(haveBounds) ? "" : ` (was ${showBounds(haveBounds)})`}; the baseline becomes the price per share then`, vault, "setNavRateBounds", [wantBounds.perUpdateBps, wantBounds.annualRateBps], none(haveBounds) ? "create" : none(wantBounds) ? "remove" : "change");
  }
}
