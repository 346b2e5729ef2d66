/**
 * `AlphaChain` over ethers (scripts/alpha/live/loop.ts): read the vault's book and the market from the chain,
 * decide with the pure strategy engine, hold what the bot's policy holds (stale data, per-tick caps:
 * live/policy.ts), map the actions to fuse calls, and send them as one `vault.execute` from the alpha account with
 * the nonce the loop pins. Used by the live bot (`fusebox alpha run`) and, one epoch at a time, by the replay.
 *
 * Honesty the loop relies on: `nonce()` is the account's mined count; `send` broadcasts exactly one
 * transaction with the given nonce and returns its hash; `wait` reports a revert as `ok: false` with the
 * decoded custom error. A batch the vault would refuse (guardrails) is caught before sending by simulating it
 * (`eth_call` from the alpha), reported as a hold with the decoded error, and never broadcast.
 */
import type { Provider, Signer } from "ethers";
import { decide } from "../strategy/decide.js";
import { formatLog } from "../strategy/log.js";
import type { Decision, FundingPrint, StrategyConfig } from "../strategy/types.js";
import type { AlphaChain, DecisionDetails, SettleOutcome } from "../live/loop.js";
import { applyPolicy, type TickCaps } from "../live/policy.js";
import { mapActions, type MappedAction } from "./actions.js";
import type { ChainBook } from "./book.js";
import { VAULT_INTERFACE, vaultAt } from "./contracts.js";
import { staleSources, type MarketDataSource } from "./marketData.js";
import { PendingControllers } from "./queue.js";
import type { RevertDecoder } from "../../lib/revert.js";
import type { ChainReader, RawBalances } from "./read.js";

export interface PreparedBatch {
  /** Strategy time (chain time − clock offset). */
  readonly time: number;
  readonly decision: Decision;
  readonly raw: RawBalances;
  readonly mapped: readonly MappedAction[];
  /** `execute` calldata (empty when there is nothing to send). */
  readonly data: string;
  /** The vault's decoded refusal when the simulated batch reverted (nothing is sent then). */
  readonly refusal?: string;
  /** Actions the bot's policy held, with the reason. */
  readonly held: readonly string[];
  /** Stale or failed sources at decision time. */
  readonly stale: readonly string[];
  /** Funding prints observed for the first time by this read. */
  readonly observed: readonly FundingPrint[];
}

export interface EthersAlphaChainOptions {
  readonly book: ChainBook;
  readonly provider: Provider;
  /** The alpha account (ALPHA role on the vault). */
  readonly signer: Signer;
  readonly reader: ChainReader;
  readonly market: MarketDataSource;
  readonly config: StrategyConfig;
  readonly decodeRevert: RevertDecoder;
  readonly caps?: TickCaps;
  /** Gas limit when estimation fails (the tx is then sent anyway and its revert reported by `wait`). */
  readonly fallbackGasLimit?: bigint;
  /** First block to look for the vault's redeem requests from (default 0). */
  readonly queueFromBlock?: number;
}

export class EthersAlphaChain implements AlphaChain<PreparedBatch> {
  private alphaAddress?: string;
  private latestSeen?: { number: number; atMs: number };

  private readonly pending: PendingControllers;

  constructor(private readonly o: EthersAlphaChainOptions) {
    this.pending = new PendingControllers(o.book.vault, o.provider, o.queueFromBlock ?? 0);
  }

  private async alpha(): Promise<string> {
    this.alphaAddress ??= await this.o.signer.getAddress();
    return this.alphaAddress;
  }

  /**
   * Chain time: the latest block's timestamp, plus the wall-clock seconds since this process first saw that block.
   * On a live chain new blocks keep resetting it; on an idle automining dev node (whose latest block stands still
   * until a transaction arrives) it moves on as the next block's timestamp would. (`pending` is not portable:
   * some nodes reject the tag, others return a pending block without a number.)
   */
  async now(): Promise<number> {
    const block = await this.o.provider.getBlock("latest");
    if (block === null) throw new Error("no latest block");
    if (this.latestSeen?.number !== block.number) this.latestSeen = { number: block.number, atMs: Date.now() };
    return block.timestamp + Math.floor((Date.now() - this.latestSeen.atMs) / 1000);
  }

  async nonce(): Promise<number> {
    return this.o.provider.getTransactionCount(await this.alpha(), "latest");
  }

  /** Read, decide, apply the policy, map, simulate. `time` is chain time (the tick's start). */
  async prepare(time: number): Promise<PreparedBatch> {
    const { reader, market, config, book } = this.o;
    const strategyTime = time - reader.clockOffset;
    const chainNow = await this.now();
    const raw = await reader.balances();
    const state = await reader.portfolio(strategyTime, raw);
    const view = await market.at(strategyTime);
    const decision = decide(config, state, view.snapshot, view.history);
    const staleList = staleSources([...view.sources, ...raw.custody.flatMap((c) => c.sources)], chainNow);
    const policy = applyPolicy({ actions: decision.actions, snapshot: view.snapshot, stale: staleList, caps: this.o.caps ?? {} });
    const base = {
      time: strategyTime,
      decision,
      raw,
      held: policy.held.map((h) => `${h.action.kind}${"venue" in h.action ? ` ${h.action.venue}` : ""}: ${h.reason}`),
      stale: staleList.map((s) => `${s.source}: ${s.why}`),
      observed: view.observed,
    };
    const mapped = mapActions(book, policy.actions, raw, view.snapshot.spotPrice);
    if (mapped.length === 0) return { ...base, mapped, data: "0x" };
    const data = VAULT_INTERFACE.encodeFunctionData("execute", [mapped.map((m) => ({ fuse: m.call.fuse, data: m.call.data }))]);
    try {
      await this.o.provider.call({ from: await this.alpha(), to: book.vault, data });
    } catch (error) {
      return { ...base, mapped, data, refusal: this.o.decodeRevert(error) };
    }
    return { ...base, mapped, data };
  }

  async decide(time: number): Promise<{ decision: PreparedBatch; actions: number; log: readonly string[]; details: DecisionDetails }> {
    const batch = await this.prepare(time);
    const log = [
      ...batch.decision.log.map(formatLog),
      ...batch.held.map((h) => `held: ${h}`),
      ...batch.mapped.map((m) => `  → ${m.text}`),
      ...(batch.refusal === undefined ? [] : [`refused by the vault (not sent): ${batch.refusal}`]),
    ];
    const details: DecisionDetails = {
      reasons: batch.decision.log.map((l) => `${l.action}: ${l.reason}`),
      batch: batch.mapped.map((m) => m.text),
      ...(batch.held.length === 0 ? {} : { held: batch.held }),
      ...(batch.stale.length === 0 ? {} : { stale: batch.stale }),
      ...(batch.refusal === undefined ? {} : { refusal: batch.refusal }),
      ...(batch.observed.length === 0 ? {} : { funding: batch.observed.map((p) => ({ venue: p.venue, settleTime: p.settleTime, ratePerInterval: p.ratePerInterval, intervalHours: p.intervalHours })) }),
    };
    return { decision: batch, actions: batch.refusal === undefined ? batch.mapped.length : 0, log, details };
  }

  async send(batch: PreparedBatch, nonce: number): Promise<string> {
    const { signer, book } = this.o;
    const request = { to: book.vault, data: batch.data, nonce };
    let gasLimit: bigint;
    try {
      gasLimit = ((await signer.estimateGas({ ...request, from: await this.alpha() })) * 5n) / 4n;
    } catch {
      gasLimit = this.o.fallbackGasLimit ?? 8_000_000n;
    }
    const tx = await signer.sendTransaction({ ...request, gasLimit });
    return tx.hash;
  }

  async wait(txHash: string): Promise<{ ok: boolean; gasUsed: bigint; reason?: string }> {
    const { provider } = this.o;
    const receipt = await provider.waitForTransaction(txHash);
    if (receipt === null) throw new Error(`no receipt for ${txHash}`);
    if (receipt.status === 1) return { ok: true, gasUsed: receipt.gasUsed };
    let reason = "reverted";
    const tx = await provider.getTransaction(txHash);
    if (tx !== null) {
      try {
        await provider.call({ from: tx.from, to: tx.to, data: tx.data, blockTag: receipt.blockNumber - 1 });
      } catch (error) {
        reason = this.o.decodeRevert(error);
      }
    }
    return { ok: false, gasUsed: receipt.gasUsed, reason };
  }

  /**
   * Settle the pending redeem requests (`settleRedeemRequests` with every pending controller) when the decision
   * asks for it: after its unwind mined, or when idle pays them. Simulated first: a refusal is reported, not sent.
   */
  async settle(batch: PreparedBatch): Promise<SettleOutcome | undefined> {
    if (batch.decision.redemption?.settle !== true) return undefined;
    const { controllers, shares } = await this.pending.list();
    if (controllers.length === 0) return undefined;
    const vault = vaultAt(this.o.book.vault, this.o.signer);
    const base = { controllers: controllers.length, shares: shares.toString() };
    try {
      await vault.settleRedeemRequests.staticCall(controllers);
    } catch (error) {
      return { ...base, ok: false, reason: this.o.decodeRevert(error) };
    }
    const tx = await vault.settleRedeemRequests(controllers, { nonce: await this.nonce() });
    const receipt = await tx.wait();
    if (receipt === null || receipt.status !== 1) return { ...base, ok: false, txHash: tx.hash, reason: "reverted" };
    const settled = receipt.logs.map((l) => vault.interface.parseLog(l)).find((l) => l?.name === "RedeemSettled");
    return {
      ...base,
      ok: true,
      txHash: tx.hash,
      gasUsed: receipt.gasUsed.toString(),
      ...(settled === undefined || settled === null ? {} : { shares: String(settled.args.shares), assets: String(settled.args.assets), sharesLeftPending: String(settled.args.sharesLeftPending) }),
    };
  }

  /** The vault's total assets (quote units) after refreshing every market's balance (as the alpha `signer`). */
  static async refreshedNav(vault: string, signer: Signer): Promise<bigint> {
    const v = vaultAt(vault, signer);
    await (await v.refreshAllMarketBalances()).wait();
    return v.totalAssets();
  }
}
