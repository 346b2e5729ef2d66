/**
 * The economics part of `status`: fees (rates, recipient, high-water mark, fee shares held and their value) and
 * the ERC-7540 redeem queue (pending, set aside for claims, the oldest request's age against the maximum wait).
 * Reads only.
 */
import type { ChainContext } from "./context.js";

const WAD = 10n ** 18n;

/** `status --json`'s economics: amounts and shares as raw base-unit strings. */
export interface EconomicsData {
  managementBps: number;
  performanceBps: number;
  recipient: string;
  highWaterMark: string; // FeeLib.pricePerShare scale (assets per share unit · 1e18)
  feeShares: string; // shares the recipient holds
  pendingShares: string;
  setAside: string; // assets set aside for claims
  oldestRequestAgeSeconds: number | null;
  maxRedeemWaitSeconds: number;
  settlements: number;
}

/** The status lines; `overdue` when a request has waited past the maximum wait (anyone may settle it). */
export async function economicsStatus(
  ctx: ChainContext,
  vaultAddress: string,
  now: bigint,
  amount: (assets: bigint) => string,
): Promise<{ lines: string[]; overdue: boolean; data: EconomicsData }> {
  const vault = await ctx.ethers.getContractAt("IFuseboxVault", vaultAddress);
  const [managementBps, performanceBps, recipient, highWaterMark, lastAccrual] = await vault.feeState();
  const [pendingShares, setAside, oldestRequestAt, maxWait, epoch] = await vault.redeemQueue();
  const shareUnit = 10n ** (await vault.decimals());
  const feeShares = recipient === "0x0000000000000000000000000000000000000000" ? 0n : await vault.balanceOf(recipient);
  const lines: string[] = [];
  const feesOn = managementBps !== 0n || performanceBps !== 0n;
  lines.push(`fees     ${feesOn ? `management ${managementBps} bps/yr, performance ${performanceBps} bps above the high-water mark` : "off"}; recipient ${recipient}`);
  if (feesOn || highWaterMark !== 0n) {
    // highWaterMark = assets per share unit · 1e18: shown as assets per whole share.
    lines.push(`         high-water mark ${amount((highWaterMark * shareUnit) / WAD)} per share; fee shares held ${feeShares} (${amount(await vault.convertToAssets(feeShares))}); last accrual ${lastAccrual === 0n ? "never" : `${now - lastAccrual}s ago`}`);
  }
  const age = oldestRequestAt === 0n ? 0n : now - oldestRequestAt;
  const overdue = pendingShares !== 0n && age > maxWait;
  lines.push(
    `queue    pending ${pendingShares} shares (${amount(await vault.convertToAssets(pendingShares))}); claimable ${amount(setAside)} set aside; ` +
    `oldest request ${pendingShares === 0n ? "-" : `${age}s`} of max ${maxWait}s${overdue ? "  OVERDUE (anyone may settle)" : ""}; settlements ${epoch}`,
  );
  const data: EconomicsData = {
    managementBps: Number(managementBps), performanceBps: Number(performanceBps), recipient,
    highWaterMark: highWaterMark.toString(), feeShares: feeShares.toString(), pendingShares: pendingShares.toString(),
    setAside: setAside.toString(), oldestRequestAgeSeconds: pendingShares === 0n ? null : Number(age),
    maxRedeemWaitSeconds: Number(maxWait), settlements: Number(epoch),
  };
  return { lines, overdue, data };
}
