/**
 * `AlphaChain` over ethers (scripts/alpha/live/loop.ts): read the vault's book and the market from the chain,
 * decide with the pure strategy engine, map the actions to fuse calls, and send them as one `vault.execute`
 * from the alpha account with the nonce the loop pins. Used by the live bot (`fusebox alpha run`) and, one
 * epoch at a time, by the replay (`npm run demo`).
 *
 * Honesty the loop relies on: `nonce()` is the account's mined count; `send` broadcasts exactly one
 * transaction with the given nonce and returns its hash; `wait` reports a revert as `ok: false` with the
 * decoded custom error. A batch the vault would refuse (guardrails) is caught before sending by simulating it
 * (`eth_call` from the alpha), reported as a hold with the decoded error, and never broadcast.
 */
import { Contract, Interface, type Provider, type Signer } from "ethers";
import { decide } from "../strategy/decide.js";
import { formatLog } from "../strategy/log.js";
import type { Decision, StrategyConfig } from "../strategy/types.js";
import type { AlphaChain } from "../live/loop.js";
import { VAULT_ABI } from "./abi.js";
import { mapActions, type MappedAction } from "./actions.js";
import type { ChainBook } from "./book.js";
import type { RevertDecoder } from "../../lib/revert.js";
import { ChainReader, FundingHistory, type RawBalances } from "./read.js";

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
}

export interface EthersAlphaChainOptions {
  readonly book: ChainBook;
  readonly provider: Provider;
  /** The alpha account (ALPHA role on the vault). */
  readonly signer: Signer;
  readonly reader: ChainReader;
  readonly history: FundingHistory;
  readonly config: StrategyConfig;
  readonly decodeRevert: RevertDecoder;
  /** Gas limit when estimation fails (the tx is then sent anyway and its revert reported by `wait`). */
  readonly fallbackGasLimit?: bigint;
}

const VAULT = new Interface(VAULT_ABI);

export class EthersAlphaChain implements AlphaChain<PreparedBatch> {
  private alphaAddress?: string;
  private latestSeen?: { number: number; atMs: number };

  constructor(private readonly o: EthersAlphaChainOptions) {}

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

  /** Read, decide, map, simulate. `time` is chain time. */
  async prepare(time: number): Promise<PreparedBatch> {
    const { reader, history, config, book } = this.o;
    const strategyTime = time - reader.clockOffset;
    const raw = await reader.balances();
    const state = await reader.portfolio(strategyTime, raw);
    const marketHistory = await history.at(strategyTime);
    const snapshot = await reader.snapshot(strategyTime, marketHistory);
    const decision = decide(config, state, snapshot, marketHistory);
    const mapped = mapActions(book, decision.actions, raw, snapshot.spotPrice);
    if (mapped.length === 0) return { time: strategyTime, decision, raw, mapped, data: "0x" };
    const data = VAULT.encodeFunctionData("execute", [mapped.map((m) => [m.call.fuse, m.call.data])]);
    try {
      await this.o.provider.call({ from: await this.alpha(), to: book.vault, data });
    } catch (error) {
      return { time: strategyTime, decision, raw, mapped, data, refusal: this.o.decodeRevert(error) };
    }
    return { time: strategyTime, decision, raw, mapped, data };
  }

  async decide(time: number): Promise<{ decision: PreparedBatch; actions: number; log: readonly string[] }> {
    const batch = await this.prepare(time);
    const log = [
      ...batch.decision.log.map(formatLog),
      ...batch.mapped.map((m) => `  → ${m.text}`),
      ...(batch.refusal === undefined ? [] : [`refused by the vault (not sent): ${batch.refusal}`]),
    ];
    return { decision: batch, actions: batch.refusal === undefined ? batch.mapped.length : 0, log };
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

  /** The vault's total assets (quote units) after refreshing every market's balance (`vault` connected as the alpha). */
  static async refreshedNav(vault: Contract): Promise<bigint> {
    await (await vault.getFunction("refreshAllMarketBalances")()).wait();
    return (await vault.getFunction("totalAssets")()) as bigint;
  }
}
