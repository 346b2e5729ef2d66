/**
 * `fusebox alpha run` end to end on a separate node (anvil, 127.0.0.1) against a vault a user deploys with
 * `fusebox deploy`: a real Perp v2 market (the short hedge), an Aave V3 market and a spot market, for several
 * ticks with the chain's time moving, through a JSON-RPC proxy that injects the faults:
 * a key with more than ALPHA (refused), a stale oracle feed (risk-raising actions held), an RPC outage (backoff,
 * one batch), a restart mid-tick (the process killed while its batch goes out: not sent twice), a reverted batch
 * (journaled with its decoded error, the tick not retried), and funding turning negative (the journal names the
 * regime; the bot de-risks or holds, never adds).
 * One scenario in order: each step starts from the chain the previous one left.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { Journal, type JournalEntry } from "../../scripts/alpha/live/journal.js";
import { main } from "../../scripts/cli/main.js";
import { readRecord } from "../../scripts/deploy/record.js";
import { startAnvil, type AnvilNode } from "../cli/anvil.js";
import { depositInto, deployPerpWorld, keeperStep, type PerpWorld } from "./perpWorld.js";
import { startRpcProxy, type RpcProxy } from "./rpcProxy.js";

const ROOT = process.cwd();
const HOUR = 3_600;
const EPOCH = 8 * HOUR;
const NAME = "perp-v2-eth";

interface Run {
  code: number;
  out: string;
  err: string;
}

describe("alpha run end to end: Perp v2 + Aave V3 on anvil, with faults", function () {
  this.timeout(300_000);
  let anvil: AnvilNode | undefined;
  let proxy: RpcProxy | undefined;
  let connection: NetworkConnection;
  let world: PerpWorld;
  let dir: string;
  let vault: string;
  let t0: number;

  const journalPath = (): string => join(dir, "alpha.jsonl");
  const journal = (): readonly JournalEntry[] => new Journal(journalPath()).all();
  const seedPath = (): string => join(dir, "seed.json");
  const alphaAddress = async (): Promise<string> => (await connection.ethers.getSigners())[2]?.address ?? "";
  const alphaNonce = async (): Promise<number> => connection.ethers.provider.getTransactionCount(await alphaAddress());

  async function cli(...args: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }
  const runArgs = (url: string, extra: readonly string[] = [], journalFile = journalPath()): string[] => [
    "alpha", "run", "--vault", NAME, "--network", "anvil", "--rpc-url", url, "--records", dir, "--no-build",
    "--interval", String(HOUR), "--max-ticks", "1", "--poll-ms", "20", "--journal", journalFile, "--funding-seed", seedPath(), ...extra,
  ];
  const alphaRun = (...extra: string[]): Promise<Run> => {
    if (proxy === undefined) throw new Error("no proxy");
    return cli(...runArgs(proxy.url, extra));
  };
  /** Move chain time to `t` (the next block's timestamp), then the keeper's step. */
  async function at(t: number, step: Parameters<typeof keeperStep>[1]): Promise<void> {
    await connection.ethers.provider.send("evm_setNextBlockTimestamp", [t]);
    await keeperStep(world, step);
  }
  const since = (from: number): JournalEntry[] => journal().slice(from);
  const lastDecision = (): Extract<JournalEntry, { kind: "decided" }> => {
    const d = journal().filter((e): e is Extract<JournalEntry, { kind: "decided" }> => e.kind === "decided").at(-1);
    if (d === undefined) throw new Error("no decision journaled");
    return d;
  };
  const perpSize = async (): Promise<bigint> =>
    (await world.perp.accountBalance.getFunction("getTakerPositionSize")(vault, await world.perp.baseToken.getAddress())) as bigint;

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "alpha-e2e-"));
    anvil = await startAnvil(ROOT, ["--accounts", "12"]);
    proxy = await startRpcProxy(anvil.url);
    connection = await network.create({ network: "anvil", override: { url: anvil.url } });
    world = await deployPerpWorld(connection);
    const config = join(dir, `${NAME}.json`);
    await writeFile(config, JSON.stringify(world.config(NAME), null, 2));
    const deployed = await cli("deploy", "--config", config, "--network", "anvil", "--rpc-url", anvil.url, "--records", dir, "--no-build");
    expect(deployed.code, deployed.err).to.equal(0);
    const record = await readRecord(join(dir, "anvil", `${NAME}.json`));
    vault = record?.contracts["FuseboxVault"]?.address ?? "";
    expect(record?.markets.map((m) => m.kind)).to.deep.equal(["perp-v2", "aave-v3", "spot"]);
    await depositInto(world, vault, 20_000);
    // The first tick: on the strategy's 8 h schedule, 3 h after the feeds' last stamp (older than their 2 h limit).
    const now = (await connection.ethers.provider.getBlock("latest"))?.timestamp ?? 0;
    t0 = Math.ceil((now + 3 * HOUR) / EPOCH) * EPOCH;
    // Funding before the bot's first block, as a venue's API would give it: 72 hourly prints of +2 bp.
    const prints = Array.from({ length: 72 }, (_, i) => ({ settleTime: t0 - (72 - i) * HOUR, ratePerInterval: 0.0002, intervalHours: 1 }));
    await writeFile(seedPath(), JSON.stringify({ dydx: prints }));
  });

  after(async function () {
    await proxy?.stop();
    await anvil?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it("refuses a key that holds more than the ALPHA role, naming the role", async function () {
    const atomist = (await connection.ethers.getSigners())[1]?.address ?? "";
    const run = await alphaRun("--from", atomist);
    expect(run.code).to.not.equal(0);
    expect(run.err).to.match(/holds? ATOMIST|also holds ATOMIST/);
    expect(run.err).to.include("cannot call execute");
  });

  it("a stale oracle feed: nothing is sent and the journal names the feed", async function () {
    await at(t0 + 60, { premiumPerDay: 0.005, staleOracle: true });
    const n = await alphaNonce();
    const run = await alphaRun();
    expect(run.code, run.err).to.equal(0);
    expect(await alphaNonce()).to.equal(n);
    const decided = lastDecision();
    expect(decided.details?.stale?.join(" ")).to.match(/oracle base feed: last update \d+ s ago, limit 7200 s/);
    expect(decided.details?.reasons?.join(" "), "the strategy's own reason").to.include("stale price data");
    const last = journal().at(-1);
    expect(last?.kind === "skipped" ? last.reason : "").to.match(/^hold: stale market data \(oracle base feed: last update/);
  });

  it("--dry-run prints the batch it would send and sends nothing; per-tick caps hold what exceeds them", async function () {
    await at(t0 + EPOCH + 60, { premiumPerDay: 0.005 });
    const n = await alphaNonce();
    const entries = journal().length;
    const dry = await alphaRun("--dry-run");
    expect(dry.code, dry.err).to.equal(0);
    expect(dry.out).to.include("nothing is sent");
    expect(dry.out).to.match(/would send execute\(\d+ actions\) to 0x[0-9a-fA-F]{40}: 0x[0-9a-f]+/);
    expect(dry.out).to.include("increasePosition(short");
    expect(journal().length, "a dry run writes no journal").to.equal(entries);
    // The same tick under caps (its own journal): notional and margin over the caps are held, nothing is sent.
    if (proxy === undefined) throw new Error("no proxy");
    const capped = join(dir, "capped.jsonl");
    const run = await cli(...runArgs(proxy.url, ["--max-notional-per-tick", "1000", "--max-margin-per-tick", "1000"], capped));
    expect(run.code, run.err).to.equal(0);
    expect(await alphaNonce()).to.equal(n);
    const decided = new Journal(capped).all().find((e) => e.kind === "decided");
    const held = decided?.kind === "decided" ? decided.details?.held ?? [] : [];
    expect(held.join("\n"), run.out).to.match(/perp\.adjustShort dydx: per-tick cap: notional added \d+ > 1000 quote/);
    expect(held.join("\n")).to.match(/per-tick cap: margin moved \d+ > 1000 quote/);
  });

  it("an RPC outage: the loop backs off, then sends exactly one batch that opens the hedge on Perp v2", async function () {
    const from = journal().length;
    const n = await alphaNonce();
    proxy?.failNext(3, "eth_getBlockByNumber");
    const run = await alphaRun();
    expect(run.code, run.err).to.equal(0);
    const entries = since(from);
    expect(entries.filter((e) => e.kind === "error").length, run.out).to.equal(3);
    expect(entries.filter((e) => e.kind === "mined").length, run.out).to.equal(1);
    expect(await alphaNonce()).to.equal(n + 1);
    expect((await perpSize()) < 0n, `a short on Perp v2\n${run.out}`).to.equal(true);
    expect(lastDecision().details?.batch?.join(" ")).to.include("increasePosition(short");
  });

  it("a stale Perp v2 index (its feed timed out): the scale-up after a deposit is held, the journal says why", async function () {
    await depositInto(world, vault, 10_000);
    await at(t0 + 2 * EPOCH + 60, { premiumPerDay: 0.005, stalePerpIndex: true });
    const n = await alphaNonce();
    const size = await perpSize();
    const run = await alphaRun();
    expect(run.code, run.err).to.equal(0);
    const held = lastDecision().details?.held ?? [];
    expect(held.some((h) => h.startsWith("perp.adjustShort") && h.includes("perp-v2 index feed")), run.out).to.equal(true);
    expect(await perpSize()).to.equal(size);
    // Only risk-reducing actions (margin in) may have gone out; the short did not grow.
    expect(await alphaNonce()).to.be.lessThanOrEqual(n + 1);
  });

  it("a restart mid-tick: the process is killed while its batch goes out; the restarted bot does not send it again", async function () {
    await at(t0 + 3 * EPOCH + 60, { premiumPerDay: 0.005 });
    const n = await alphaNonce();
    const size = await perpSize();
    if (proxy === undefined) throw new Error("no proxy");
    // node itself with tsx as a loader (not the tsx wrapper, which runs node as a child of its own): one PID to kill.
    const child = spawn(process.execPath, ["--import", "tsx", join(ROOT, "scripts", "fusebox.ts"), ...runArgs(proxy.url)], { stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    const sent = new Promise<void>((resolve) => {
      proxy?.beforeNextSend(async () => {
        child.kill("SIGKILL"); // only the PID this test started
        await exited;
        resolve();
      });
    });
    await Promise.race([sent, exited]);
    await exited;
    await new Promise((r) => setTimeout(r, 200)); // the forwarded send lands
    expect(await alphaNonce(), "the killed process's batch was mined").to.equal(n + 1);
    const grown = await perpSize();
    expect(grown < size, "the batch scaled the short up").to.equal(true);
    const run = await alphaRun();
    expect(run.code, run.err).to.equal(0);
    expect(await alphaNonce(), run.out).to.equal(n + 1);
    expect(await perpSize()).to.equal(grown);
    expect(journal().at(-1)).to.deep.include({ kind: "skipped", reason: `batch with nonce ${n} mined before a restart` });
  });

  it("a reverted batch (the guardian pauses between the bot's simulation and its send): journaled with the decoded error, not retried in the tick", async function () {
    await depositInto(world, vault, 15_000);
    await at(t0 + 4 * EPOCH + 60, { premiumPerDay: 0.005 });
    const [, atomist, , guardian] = await connection.ethers.getSigners();
    const v = await connection.ethers.getContractAt("IFuseboxVault", vault);
    proxy?.beforeNextSend(async () => {
      await (await v.connect(guardian).pause()).wait();
    });
    const n = await alphaNonce();
    const run = await alphaRun();
    expect(run.code, run.err).to.equal(0);
    expect(await alphaNonce(), "the batch was mined, reverted").to.equal(n + 1);
    const reverted = journal().filter((e) => e.kind === "reverted").at(-1);
    expect(reverted?.kind === "reverted" ? reverted.reason : "", run.out).to.match(/Paused|paused/);
    expect(journal().at(-1)).to.include({ kind: "skipped" });
    // The same tick again (a restart): settled, nothing sent.
    await alphaRun();
    expect(await alphaNonce()).to.equal(n + 1);
    await (await v.connect(atomist).unpause()).wait();
  });

  it("funding turns negative on Perp v2: hourly ticks see it, the journal names the regime, the short never grows", async function () {
    const start = t0 + 5 * EPOCH;
    // The scheduled rebalance invests the deposit the reverted batch left idle, while funding is still positive.
    await at(start + 60, { premiumPerDay: 0.005 });
    expect((await alphaRun()).code).to.equal(0);
    const from = journal().length;
    const size = await perpSize();
    let reasons = "";
    for (let h = 1; h <= 12; h += 1) {
      await at(start + h * HOUR + 60, { premiumPerDay: -0.08 });
      const run = await alphaRun();
      expect(run.code, run.err).to.equal(0);
      reasons = since(from).flatMap((e) => (e.kind === "decided" ? [...(e.details?.reasons ?? []), ...(e.details?.batch ?? [])] : [])).join("\n");
      if (/negative/.test(reasons)) break;
    }
    const funding = since(from).flatMap((e) => (e.kind === "decided" ? e.details?.funding ?? [] : []));
    expect(funding.some((f) => f.ratePerInterval < 0), "the bot sampled negative funding").to.equal(true);
    expect(reasons, JSON.stringify(funding) + reasons).to.match(/negative/);
    expect(reasons).to.not.include("increasePosition(short");
    const after = await perpSize();
    expect(after >= size, "the short did not grow").to.equal(true);
  });

  it("`alpha journal` prints each tick's decision and why, and the bot's last tick, batch and outcome", async function () {
    const run = await cli("alpha", "journal", "--journal", journalPath(), "--last", "3");
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.include("why:");
    expect(run.out).to.match(/alpha bot:\n  last tick: \d+/);
    expect(run.out).to.match(/last batch: tick \d+ 0x[0-9a-f]{64} (mined|reverted)/);
    const status = await cli("alpha", "status", "--journal", journalPath());
    expect(status.code, status.err).to.equal(0);
    expect(status.out.split("\n")[0]).to.equal("alpha bot:");
    expect(status.out).to.match(/last decision: tick \d+, \d+ action\(s\)/);
  });
});
