/**
 * `fusebox acknowledge-nav`: the atomist accepts a NAV move that stopped the vault at its NAV-rate bound
 * (`acknowledgeNavMove`: the price per share becomes the new baseline and the pause the bound set is lifted).
 * The call is the atomist's, so with an execution delay it goes through the AccessManager as every timelocked change
 * does: the first run schedules it, a run once due executes it (the same operation id each time: the call has no
 * arguments). Nothing is sent when the vault is not stopped by its bound.
 */
import { ROLES } from "../lib/access.js";
import { accessManagerAt, vaultAt } from "./bindings.js";
import { signerFor, type ChainContext } from "./context.js";
import { isoTime, operationId } from "./planner.js";
import { resolveVault } from "./status.js";

export type AcknowledgeOutcome = "not-needed" | "sent" | "scheduled" | "pending" | "executed";

export interface AcknowledgeResult {
  outcome: AcknowledgeOutcome;
  vault: string;
  sender?: string;
  /** Unix seconds when a scheduled acknowledgement becomes executable. */
  dueAt?: number;
  lines: string[];
}

export async function acknowledgeNav(ctx: ChainContext, root: string, vaultArg: string, from?: string): Promise<AcknowledgeResult> {
  const { record, vaultAddress } = await resolveVault(ctx, root, vaultArg);
  const vault = await vaultAt(ctx, vaultAddress);
  const bounds = await vault.navRateBounds();
  if (!bounds.pausedByBound) {
    const why = bounds.perUpdateBps === 0n && bounds.annualRateBps === 0n ? "it has no NAV-rate bound" : "its NAV-rate bound has not stopped it";
    return { outcome: "not-needed", vault: vaultAddress, lines: [`nothing to acknowledge: ${why} (nothing sent)`] };
  }
  const manager = await accessManagerAt(ctx, await vault.authority());
  const data = vault.interface.encodeFunctionData("acknowledgeNavMove");
  const holders = record?.roles["ATOMIST"] ?? [];
  const candidates = from === undefined ? [...holders, ...ctx.signers.map((s) => s.address)] : [from];
  let sender: { address: string; delay: bigint } | undefined;
  for (const address of candidates) {
    if (sender !== undefined || signerFor(ctx, address) === undefined) continue;
    const [member, delay] = await manager.hasRole(ROLES.ATOMIST, address);
    if (member) sender = { address, delay };
  }
  if (sender === undefined) {
    const who = from === undefined ? `no account of network "${ctx.networkName}" holds ATOMIST${holders.length === 0 ? "" : ` (holders: ${holders.join(", ")})`}` : `${from} is not an account of network "${ctx.networkName}" holding ATOMIST`;
    throw new Error(`${who}; the atomist calls ${vaultAddress} with data ${data} (acknowledgeNavMove(), through the AccessManager ${await manager.getAddress()} when its role has a delay)`);
  }
  const signer = signerFor(ctx, sender.address);
  if (signer === undefined) throw new Error(`no signer for ${sender.address}`);
  const baseline = `the price per share at the cached NAV becomes the baseline (was ${bounds.lastPpsWad} WAD per share unit) and the pause the bound set is lifted`;
  if (sender.delay === 0n) {
    await (await vault.connect(signer).acknowledgeNavMove()).wait();
    return { outcome: "sent", vault: vaultAddress, sender: sender.address, lines: [`acknowledged as ${sender.address}: ${baseline}`] };
  }
  const id = operationId(sender.address, vaultAddress, data);
  const due = await manager.getSchedule(id);
  const now = BigInt((await ctx.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
  if (due === 0n) {
    await (await manager.connect(signer).schedule(vaultAddress, data, 0)).wait();
    const dueAt = await manager.getSchedule(id);
    return { outcome: "scheduled", vault: vaultAddress, sender: sender.address, dueAt: Number(dueAt), lines: [`scheduled as ${sender.address} (atomist's delay ${sender.delay}s): due at ${isoTime(dueAt)}; run acknowledge-nav again then (operation ${id})`] };
  }
  if (due > now) {
    return { outcome: "pending", vault: vaultAddress, sender: sender.address, dueAt: Number(due), lines: [`already scheduled: due at ${isoTime(due)} (in ${due - now}s); nothing sent`] };
  }
  await (await manager.connect(signer).execute(vaultAddress, data)).wait();
  return { outcome: "executed", vault: vaultAddress, sender: sender.address, lines: [`acknowledged as ${sender.address} (the scheduled operation was due): ${baseline}`] };
}
