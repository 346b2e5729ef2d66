/**
 * The replay's vault economics: a depositor's large ERC-7540 redemption mid-replay (requested, unwound for and
 * settled by the alpha, then claimed) and the fees the vault accrues (FeesAccrued events, the high-water mark).
 * Only the depositor's side lives here: unwinding and settling are the alpha's (chain/alphaChain.ts `settle`).
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { Provider } from "ethers";
import { iso, money } from "../backtest/report.js";
import { erc20At, vaultAt } from "../chain/contracts.js";
import { toNumber } from "../chain/read.js";
import type { SettleOutcome } from "../live/journal.js";

/** The redemption as it happened (history times; amounts in human units). */
export interface RedemptionRecord {
  readonly controller: string;
  /** When the request was mined (history time) and what it asked. */
  readonly requestedAt: number;
  readonly shares: number;
  /** The request's share of the vault's total supply, and what the shares were worth then (NAV per share × shares). */
  readonly supplyShare: number;
  readonly navPerShareAtRequest: number;
  readonly valueAtRequest: number;
  /** What an instant redemption could have paid the owner then (`maxWithdraw`: idle + the instant-withdraw fuses). */
  readonly instantMaxAssets: number;
  readonly maxWaitSec: number;
  readonly settledAt?: number;
  readonly waitSec?: number;
  readonly assetsPaid?: number;
  /** Assets paid per share settled. */
  readonly settlePricePerShare?: number;
  readonly sharesLeftPending?: number;
  readonly claimedAt?: number;
  readonly claimedAssets?: number;
}

export interface FeeSummary {
  readonly managementBps: number;
  readonly performanceBps: number;
  readonly recipient: string;
  /** Fee shares minted over the replay, and the assets they were minted for (management, performance). */
  readonly feeShares: number;
  readonly managementAssets: number;
  readonly performanceAssets: number;
  /** What the recipient's shares are worth at the end (its balance × the end price per share). */
  readonly recipientValue: number;
  /** The high-water mark at the end, as NAV per share (quote per share). */
  readonly highWaterMark: number;
  readonly accruals: number;
}

function providerOf(signer: HardhatEthersSigner): Provider {
  if (signer.provider === null) throw new Error(`signer ${signer.address} has no provider`);
  return signer.provider;
}

/** Share-unit ↔ human: the share token's decimals. */
export async function shareDecimals(vault: string, provider: Provider): Promise<number> {
  return Number(await vaultAt(vault, provider).decimals());
}

/** The share supply and the fee recipient's shares (human units). */
export async function supplyAndFeeShares(vault: string, provider: Provider): Promise<{ supply: number; feeShares: number }> {
  const v = vaultAt(vault, provider);
  const [decimals, supply, [, , recipient]] = await Promise.all([shareDecimals(vault, provider), v.totalSupply(), v.feeState()]);
  return { supply: toNumber(supply, decimals), feeShares: toNumber(await v.balanceOf(recipient), decimals) };
}

/** NAV per share (quote per whole share) at the vault's current cached price. */
export async function navPerShare(vault: string, provider: Provider, quoteDecimals: number): Promise<number> {
  const v = vaultAt(vault, provider);
  const decimals = await shareDecimals(vault, provider);
  return toNumber(await v.convertToAssets(10n ** BigInt(decimals)), quoteDecimals);
}

/**
 * `owner` asks to redeem `supplyShare` of the vault's total supply (capped at its balance) with `requestRedeem`; what an
 * instant redemption could have paid instead is recorded (in a window where the book is mostly idle, e.g. a negative
 * funding regime, it could pay it: the request is queued all the same and idle pays it at settlement).
 */
export async function requestLargeRedemption(args: {
  vault: string; owner: HardhatEthersSigner; supplyShare: number; quoteDecimals: number; clockOffset: number;
}): Promise<RedemptionRecord> {
  const { owner, quoteDecimals } = args;
  const v = vaultAt(args.vault, owner);
  const provider = providerOf(owner);
  const decimals = await shareDecimals(args.vault, provider);
  const supply = await v.totalSupply();
  const balance = await v.balanceOf(owner.address);
  let shares = (supply * BigInt(Math.round(args.supplyShare * 1e6))) / 1_000_000n;
  if (shares > balance) shares = balance;
  const instantMax = await v.maxWithdraw(owner.address);
  const value = await v.convertToAssets(shares);
  const receipt = await (await v.requestRedeem(shares, owner.address, owner.address)).wait();
  const block = receipt === null ? undefined : await provider.getBlock(receipt.blockNumber);
  if (block === null || block === undefined) throw new Error("requestRedeem: no receipt");
  const [, , , maxWait] = await v.redeemQueue();
  return {
    controller: owner.address,
    requestedAt: block.timestamp - args.clockOffset,
    shares: toNumber(shares, decimals),
    supplyShare: Number(shares) / Number(supply),
    navPerShareAtRequest: await navPerShare(args.vault, provider, quoteDecimals),
    valueAtRequest: toNumber(value, quoteDecimals),
    instantMaxAssets: toNumber(instantMax, quoteDecimals),
    maxWaitSec: Number(maxWait),
  };
}

/** The request's settlement, from the vault's `RedeemSettled` event after the request (undefined: not yet settled). */
export async function settlementOf(r: RedemptionRecord, vault: string, provider: Provider, quoteDecimals: number, clockOffset: number): Promise<RedemptionRecord> {
  if (r.settledAt !== undefined) return r;
  const v = vaultAt(vault, provider);
  const decimals = await shareDecimals(vault, provider);
  const events = await v.queryFilter(v.filters.RedeemSettled(), 0, "latest");
  for (const e of events) {
    const block = await provider.getBlock(e.blockNumber);
    if (block === null || block.timestamp - clockOffset < r.requestedAt) continue;
    const shares = toNumber(e.args.shares, decimals);
    const assets = toNumber(e.args.assets, quoteDecimals);
    const settledAt = block.timestamp - clockOffset;
    return { ...r, settledAt, waitSec: settledAt - r.requestedAt, assetsPaid: assets, settlePricePerShare: shares > 0 ? assets / shares : 0, sharesLeftPending: toNumber(e.args.sharesLeftPending, decimals) };
  }
  return r;
}

/** The controller claims everything claimable (`redeem` of its claimable shares). */
export async function claimRedemption(r: RedemptionRecord, owner: HardhatEthersSigner, vault: string, quoteDecimals: number, clockOffset: number): Promise<RedemptionRecord> {
  const v = vaultAt(vault, owner);
  const claimable = await v.claimableRedeemRequest(0n, owner.address);
  if (claimable === 0n) return r;
  const asset = erc20At(await v.asset(), owner);
  const before = await asset.balanceOf(owner.address);
  const receipt = await (await v.redeem(claimable, owner.address, owner.address)).wait();
  const block = receipt === null ? null : await providerOf(owner).getBlock(receipt.blockNumber);
  if (block === null) throw new Error("claim: no receipt");
  const got = (await asset.balanceOf(owner.address)) - before;
  return { ...r, claimedAt: block.timestamp - clockOffset, claimedAssets: toNumber(got, quoteDecimals) };
}

/** The fees of the replay: every `FeesAccrued` event, the recipient's shares at the end, the high-water mark. */
export async function feeSummary(vault: string, provider: Provider, quoteDecimals: number): Promise<FeeSummary> {
  const v = vaultAt(vault, provider);
  const decimals = await shareDecimals(vault, provider);
  const [managementBps, performanceBps, recipient, hwm] = await v.feeState();
  let feeShares = 0n;
  let management = 0n;
  let performance = 0n;
  const events = await v.queryFilter(v.filters.FeesAccrued(), 0, "latest");
  for (const e of events) {
    feeShares += e.args.feeShares;
    management += e.args.managementAssets;
    performance += e.args.performanceAssets;
  }
  // FeeLib's price per share: asset units per share unit, 1e18-scaled.
  const hwmPerShare = (Number(hwm) / 1e18) * 10 ** (decimals - quoteDecimals);
  return {
    managementBps: Number(managementBps),
    performanceBps: Number(performanceBps),
    recipient,
    feeShares: toNumber(feeShares, decimals),
    managementAssets: toNumber(management, quoteDecimals),
    performanceAssets: toNumber(performance, quoteDecimals),
    recipientValue: toNumber(await v.convertToAssets(await v.balanceOf(recipient)), quoteDecimals),
    highWaterMark: hwmPerShare,
    accruals: events.length,
  };
}

/**
 * The replay's queue, epoch by epoch: counts the alpha's settlements, and plays the redeeming depositor (the request
 * after the epoch at `at`, then the claim at the epoch after its settlement).
 */
export class ReplayQueue {
  settlements = 0;
  settleFailures = 0;
  redemption?: RedemptionRecord;

  constructor(private readonly o: {
    vault: string; provider: Provider; quoteDecimals: number; clockOffset: number; say: (line: string) => void; redeemer?: HardhatEthersSigner;
  }) {}

  /** Book what the alpha's settlement did at epoch `t` (undefined: nothing to settle). */
  settled(t: number, outcome: SettleOutcome | undefined): { text: string; gasUsed: bigint } | undefined {
    if (outcome === undefined) return undefined;
    const text = outcome.ok ? `settled ${outcome.controllers} request(s) for ${money(toNumber(BigInt(outcome.assets ?? "0"), this.o.quoteDecimals))} USDC` : `settlement refused: ${outcome.reason ?? "?"}`;
    if (outcome.ok) this.settlements += 1;
    else this.settleFailures += 1;
    this.o.say(`${iso(t)} redeem queue: ${text}`);
    return { text, gasUsed: outcome.ok ? BigInt(outcome.gasUsed ?? "0") : 0n };
  }

  /** The depositor's side after epoch `t`'s batch: note the settlement, claim the epoch after it, or request. */
  async depositorStep(t: number, plan: { readonly at: number; readonly supplyShare: number } | undefined): Promise<void> {
    const { vault, provider, quoteDecimals, clockOffset, say, redeemer } = this.o;
    if (plan === undefined || redeemer === undefined) return;
    const r = this.redemption;
    if (r === undefined) {
      if (t < plan.at) return;
      this.redemption = await requestLargeRedemption({ vault, owner: redeemer, supplyShare: plan.supplyShare, quoteDecimals, clockOffset });
      const q = this.redemption;
      say(`${iso(t)} redeem request: ${money(q.shares)} shares (${(q.supplyShare * 100).toFixed(1)} % of supply, ${money(q.valueAtRequest)} USDC; instant redemption could pay ${money(q.instantMaxAssets)})`);
    } else if (r.settledAt === undefined) {
      this.redemption = await settlementOf(r, vault, provider, quoteDecimals, clockOffset);
    } else if (r.claimedAt === undefined) {
      this.redemption = await claimRedemption(r, redeemer, vault, quoteDecimals, clockOffset);
      if (this.redemption.claimedAt !== undefined) say(`${iso(t)} redeem claimed: ${money(this.redemption.claimedAssets ?? 0)} USDC`);
    }
  }
}
