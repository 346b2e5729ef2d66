/**
 * The live alpha loop: every interval, read the vault's state from the chain, decide with the pure strategy
 * engine, and send one `execute` batch. Safe across restarts and failures:
 * - one batch per tick (tick = floor(time / interval)); a settled tick is never acted on again;
 * - every batch is sent with a nonce journaled beforehand: a transaction sent before a crash (or an RPC error
 *   that hid its hash) is recognised on restart — awaited if its hash is known, counted as mined if the
 *   account's nonce moved past it — before anything new is decided, so nothing is sent twice;
 * - decisions are derived from chain state read fresh every tick, never from memory;
 * - RPC errors and reverted transactions are journaled and the loop goes on (with backoff on errors);
 * - after a batch mined, or a tick with nothing to send, the pending redeem requests are settled when the decision
 *   asks for it (`settled` line; never after a refused or reverted batch: the unwind may be missing).
 */
import type { DecisionDetails, SettleOutcome } from "./journal.js";
import { Journal } from "./journal.js";

export type { DecisionDetails, SettleOutcome } from "./journal.js";

/** What the loop needs from the chain; `scripts/alpha/chain/` implements it over ethers. */
export interface AlphaChain<TDecision> {
  /** Current chain time (unix seconds). */
  now(): Promise<number>;
  /** Read state + market data and decide as of `time` (the tick's start); `actions === 0` means hold. */
  decide(time: number): Promise<{ decision: TDecision; actions: number; log: readonly string[]; details?: DecisionDetails }>;
  /** The alpha account's count of mined transactions (the next nonce). */
  nonce(): Promise<number>;
  /** Send the decision's batch with `nonce`; resolves with the hash as soon as it is broadcast. */
  send(decision: TDecision, nonce: number): Promise<string>;
  /** Wait for a sent transaction; `ok: false` when it reverted. */
  wait(txHash: string): Promise<{ ok: boolean; gasUsed: bigint; reason?: string }>;
  /**
   * After the tick's batch mined (or when there was none to send): settle the vault's pending redeem requests if
   * the decision asks for it; undefined = nothing to settle. Optional (a chain without a redeem queue).
   */
  settle?(decision: TDecision): Promise<SettleOutcome | undefined>;
}

export interface LoopOptions {
  readonly intervalSec: number;
  /** Stop after this many ticks (tests, one-shot runs); run forever when absent. A tick already settled
   * when the loop starts (a restart within the tick) counts as one. */
  readonly maxTicks?: number;
  /** Sleep between polls; injected so tests run instantly. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollMs: number;
  readonly maxBackoffMs: number;
  readonly onEvent?: (line: string) => void;
}

export async function runAlphaLoop<T>(chain: AlphaChain<T>, journal: Journal, options: LoopOptions): Promise<void> {
  let ticksDone = 0;
  let lastSeenTick = -1;
  let backoffMs = options.pollMs;
  const say = options.onEvent ?? (() => undefined);
  while (options.maxTicks === undefined || ticksDone < options.maxTicks) {
    let tick = -1;
    try {
      const time = await chain.now();
      tick = Math.floor(time / options.intervalSec);
      if (journal.isSettled(tick)) {
        if (tick !== lastSeenTick) ticksDone += 1;
        lastSeenTick = tick;
        if (options.maxTicks !== undefined && ticksDone >= options.maxTicks) break;
        await options.sleep(options.pollMs);
        continue;
      }
      const pending = journal.pendingTx(tick);
      if (pending !== undefined) {
        say(`tick ${tick}: awaiting ${pending}, sent before a restart`);
        await settle(chain, journal, tick, time, pending, say);
        ticksDone += 1;
        lastSeenTick = tick;
        continue;
      }
      const unsettledNonce = journal.unsettledNonce(tick);
      const nonce = await chain.nonce();
      if (unsettledNonce !== undefined && nonce > unsettledNonce) {
        // The batch went out (its hash was lost with the process or the RPC answer) and was mined.
        journal.append({ kind: "skipped", tick, time, reason: `batch with nonce ${unsettledNonce} mined before a restart` });
        say(`tick ${tick}: batch with nonce ${unsettledNonce} was already mined; not acting twice`);
        ticksDone += 1;
        lastSeenTick = tick;
        continue;
      }
      // Decide as of the tick's start: the strategy's schedule (rebalances at 00/08/16 UTC) is on that grid,
      // whatever second of the tick this process happens to wake at.
      const { decision, actions, log, details } = await chain.decide(tick * options.intervalSec);
      journal.append({ kind: "decided", tick, time, actions, log, ...(details === undefined ? {} : { details }) });
      for (const line of log) say(`tick ${tick}: ${line}`);
      let batchOk = details?.refusal === undefined;
      if (actions === 0) {
        journal.append({ kind: "skipped", tick, time, reason: holdReason(details) });
      } else {
        journal.append({ kind: "sending", tick, time, nonce });
        const txHash = await chain.send(decision, nonce);
        journal.append({ kind: "sent", tick, time, txHash, nonce });
        batchOk = await settle(chain, journal, tick, time, txHash, say);
      }
      if (batchOk && chain.settle !== undefined) {
        const outcome = await chain.settle(decision);
        if (outcome !== undefined) {
          journal.append({ kind: "settled", tick, time, ...outcome });
          say(`tick ${tick}: redeem queue ${outcome.ok ? `settled: ${outcome.controllers} controller(s), ${outcome.shares} shares for ${outcome.assets ?? "?"} assets` : `not settled (${outcome.reason ?? "?"})`}`);
        }
      }
      ticksDone += 1;
      lastSeenTick = tick;
      backoffMs = options.pollMs;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      journal.append({ kind: "error", tick, time: Math.floor(Date.now() / 1000), error: message.slice(0, 500) });
      say(`tick ${tick}: error, retrying in ${backoffMs} ms: ${message.split("\n")[0]}`);
      await options.sleep(backoffMs);
      backoffMs = Math.min(backoffMs * 2, options.maxBackoffMs);
    }
  }
}

/** Why a tick sends nothing: the vault's refusal, the policy's holds, stale data, the strategy's own hold, or nothing to do. */
function holdReason(details: DecisionDetails | undefined): string {
  if (details?.refusal !== undefined) return `hold: the vault would refuse the batch (${details.refusal})`;
  if (details?.held !== undefined && details.held.length > 0) return `hold: ${details.held.length} action(s) held by the policy (${details.held[0]})`;
  if (details?.stale !== undefined && details.stale.length > 0) return `hold: stale market data (${details.stale.join("; ")})`;
  const strategyHold = details?.reasons?.find((r) => r.startsWith("hold: "));
  if (strategyHold !== undefined) return strategyHold;
  return "hold: no action needed";
}

async function settle<T>(
  chain: AlphaChain<T>,
  journal: Journal,
  tick: number,
  time: number,
  txHash: string,
  say: (line: string) => void,
): Promise<boolean> {
  const receipt = await chain.wait(txHash);
  if (receipt.ok) {
    journal.append({ kind: "mined", tick, time, txHash, gasUsed: receipt.gasUsed.toString() });
    say(`tick ${tick}: executed ${txHash} (gas ${receipt.gasUsed})`);
    return true;
  } else {
    // A reverted batch is not retried within the tick: the next tick decides again from fresh state.
    journal.append({ kind: "reverted", tick, time, txHash, reason: receipt.reason ?? "reverted" });
    journal.append({ kind: "skipped", tick, time, reason: `batch reverted: ${receipt.reason ?? "unknown"}` });
    say(`tick ${tick}: batch reverted (${receipt.reason ?? "unknown"}); next tick decides again`);
    return false;
  }
}
