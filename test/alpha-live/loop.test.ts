import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Journal } from "../../scripts/alpha/live/journal.js";
import { runAlphaLoop, type AlphaChain } from "../../scripts/alpha/live/loop.js";

/**
 * An in-memory chain: a position the batches move toward a target, an account nonce, and hooks to inject
 * failures. Decisions depend only on the chain state, as the real chain layer's do.
 */
class FakeChain implements AlphaChain<number> {
  time = 1_000_000;
  position = 0;
  target = 10;
  accountNonce = 0;
  sentTxs: { nonce: number; delta: number }[] = [];
  failNextReads = 0;
  /** Throw after broadcasting (the tx is mined but the hash never reaches the loop). */
  loseNextSendAnswer = false;
  revertNext = false;
  private readonly receipts = new Map<string, { ok: boolean; reason?: string }>();

  async now(): Promise<number> {
    if (this.failNextReads > 0) {
      this.failNextReads -= 1;
      throw new Error("connect ECONNREFUSED 127.0.0.1:8547");
    }
    return this.time;
  }
  async nonce(): Promise<number> {
    return this.accountNonce;
  }
  decidedAt: number[] = [];
  async decide(time: number): Promise<{ decision: number; actions: number; log: string[] }> {
    this.decidedAt.push(time);
    const delta = this.target - this.position;
    return { decision: delta, actions: delta === 0 ? 0 : 1, log: [`move ${delta}`] };
  }
  async send(delta: number, nonce: number): Promise<string> {
    if (nonce !== this.accountNonce) throw new Error(`nonce too low: ${nonce} < ${this.accountNonce}`);
    this.sentTxs.push({ nonce, delta });
    this.accountNonce += 1;
    const hash = `0x${nonce.toString(16).padStart(64, "0")}`;
    if (this.revertNext) {
      this.revertNext = false;
      this.receipts.set(hash, { ok: false, reason: "IdleBufferBreached(100, 50)" });
      return hash;
    }
    this.position += delta;
    this.receipts.set(hash, { ok: true });
    if (this.loseNextSendAnswer) {
      this.loseNextSendAnswer = false;
      throw new Error("socket hang up");
    }
    return hash;
  }
  async wait(hash: string): Promise<{ ok: boolean; gasUsed: bigint; reason?: string }> {
    const receipt = this.receipts.get(hash);
    if (receipt === undefined) throw new Error(`unknown tx ${hash}`);
    return { ...receipt, gasUsed: 100_000n };
  }
}

const noSleep = async (): Promise<void> => undefined;
const options = { intervalSec: 3600, sleep: noSleep, pollMs: 1, maxBackoffMs: 8 };

describe("alpha live loop", function () {
  let dir: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), "fusebox-journal-"));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("acts once per tick and holds when the state needs nothing", async function () {
    const chain = new FakeChain();
    const journal = new Journal(join(dir, "j.jsonl"));
    await runAlphaLoop(chain, journal, { ...options, maxTicks: 1 });
    expect(chain.sentTxs).to.deep.equal([{ nonce: 0, delta: 10 }]);
    chain.time += 3600;
    await runAlphaLoop(chain, journal, { ...options, maxTicks: 1 });
    expect(chain.sentTxs).to.have.length(1); // state at target: hold
    expect(journal.all().at(-1)).to.include({ kind: "skipped", reason: "hold: no action needed" });
  });

  it("decides as of the tick's start, whatever second of the tick it wakes at (the strategy's schedule grid)", async function () {
    const chain = new FakeChain();
    chain.time = 1_000_000 * 3600 + 1_234; // 20 min 34 s into a tick of an hour
    await runAlphaLoop(chain, new Journal(join(dir, "j.jsonl")), { ...options, maxTicks: 1 });
    expect(chain.decidedAt).to.deep.equal([1_000_000 * 3600]);
  });

  it("survives RPC failures with backoff and still acts exactly once", async function () {
    const chain = new FakeChain();
    chain.failNextReads = 3;
    const journal = new Journal(join(dir, "j.jsonl"));
    await runAlphaLoop(chain, journal, { ...options, maxTicks: 1 });
    expect(journal.all().filter((e) => e.kind === "error")).to.have.length(3);
    expect(chain.sentTxs).to.have.length(1);
    expect(chain.position).to.equal(10);
  });

  it("after a restart, does not send again a batch whose answer was lost", async function () {
    const chain = new FakeChain();
    chain.loseNextSendAnswer = true;
    const path = join(dir, "j.jsonl");
    // First process: the batch is mined but the RPC answer is lost; the process dies while backing off.
    const killed = async (): Promise<void> => {
      throw new Error("killed");
    };
    let died = false;
    await runAlphaLoop(chain, new Journal(path), { ...options, sleep: killed, maxTicks: 1 }).catch(() => {
      died = true;
    });
    expect(died).to.equal(true);
    expect(chain.sentTxs).to.have.length(1);
    // Restart within the same tick: the journal says "sending with nonce 0", the chain's nonce is 1.
    const restarted = new Journal(path);
    await runAlphaLoop(chain, restarted, { ...options, maxTicks: 1 });
    expect(chain.sentTxs).to.have.length(1);
    expect(chain.position).to.equal(10);
    expect(restarted.all().some((e) => e.kind === "skipped" && e.reason.includes("mined before a restart"))).to.equal(true);
  });

  it("journals a reverted batch and decides again at the next tick", async function () {
    const chain = new FakeChain();
    chain.revertNext = true;
    const journal = new Journal(join(dir, "j.jsonl"));
    await runAlphaLoop(chain, journal, { ...options, maxTicks: 1 });
    expect(chain.position).to.equal(0);
    expect(journal.all().find((e) => e.kind === "reverted")).to.include({ reason: "IdleBufferBreached(100, 50)" });
    chain.time += 3600;
    await runAlphaLoop(chain, new Journal(join(dir, "j.jsonl")), { ...options, maxTicks: 1 });
    expect(chain.position).to.equal(10);
    expect(chain.sentTxs).to.have.length(2);
  });

  it("a restart awaits a batch whose hash was journaled before deciding anything new", async function () {
    const chain = new FakeChain();
    const path = join(dir, "j.jsonl");
    const journal = new Journal(path);
    // Simulate a crash right after "sent": journal the send by hand, as the loop would, and mine it.
    const tick = Math.floor(chain.time / 3600);
    journal.append({ kind: "sending", tick, time: chain.time, nonce: 0 });
    const hash = await chain.send(10, 0);
    journal.append({ kind: "sent", tick, time: chain.time, txHash: hash, nonce: 0 });
    await runAlphaLoop(chain, new Journal(path), { ...options, maxTicks: 1 });
    expect(chain.sentTxs).to.have.length(1);
    expect(new Journal(path).isSettled(tick)).to.equal(true);
  });
});
