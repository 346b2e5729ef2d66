/**
 * `fusebox alpha run`: the live alpha loop (scripts/alpha/live/loop.ts) against a deployed vault.
 *
 *   npm run fusebox -- alpha run --vault replay-eth --network localhost --interval 28800 --journal reports/alpha.jsonl
 *
 * Reads the vault's record in deployments/<network>/, signs as the record's alpha (or --from), checks that key
 * holds exactly the ALPHA role, and every interval reads the book from chain, decides, and sends one
 * `vault.execute`. Idempotent across restarts (the journal) and survives RPC errors and reverted batches (the
 * loop). `--dry-run` decides once and prints the batch without sending. `fusebox alpha journal` reads a journal.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import type { ChainContext, Output } from "../deploy/context.js";
import { signerFor } from "../deploy/context.js";
import { createLiveAlpha, findVaultRecord } from "../alpha/chain/live.js";
import { roleHolders } from "../deploy/record.js";
import { formatEntry, Journal, parseJournal, readBotStatus, type BotStatus } from "../alpha/live/journal.js";
import type { TickCaps } from "../alpha/live/policy.js";
import { runAlphaLoop } from "../alpha/live/loop.js";
import type { Asset, FundingPrint, VenueId } from "../alpha/strategy/types.js";
import { VENUE_IDS } from "../alpha/strategy/types.js";

/** The network options main.ts adds to a command (`addNetworkOptions`). */
export interface CliNetworkOptions {
  network?: string;
  rpcUrl?: string;
  records?: string;
  build: boolean;
}

export interface AlphaCliDeps {
  /** Connect to the network of the options (main.ts's `connect`). */
  connect(opts: CliNetworkOptions): Promise<ChainContext>;
  recordsRoot(opts: CliNetworkOptions): string;
  /** Adds --network, --rpc-url, --records. */
  addNetworkOptions(command: Command): Command;
  io: Output;
  usageError(message: string): Error;
}

interface RunOptions {
  vault: string;
  interval: string;
  journal?: string;
  maxTicks?: string;
  from?: string;
  asset: string;
  venue?: string;
  poolFee: string;
  fromBlock: string;
  dryRun?: boolean;
  maxNotionalPerTick?: string;
  maxMarginPerTick?: string;
  fundingSeed?: string;
  pollMs?: string;
}

const whole = (deps: AlphaCliDeps, flag: string, v: string, min: number): number => {
  if (!/^\d+$/.test(v) || Number(v) < min) throw deps.usageError(`${flag}: "${v}" is not a whole number ≥ ${min}`);
  return Number(v);
};

export function registerAlphaCommands(program: Command, deps: AlphaCliDeps): void {
  const alpha = program.command("alpha").description("the alpha bot: run the funding-rate strategy against a deployed vault");
  deps.addNetworkOptions(alpha.command("run")
    .description("loop on an interval: read the vault's book, decide, send one execute batch (journaled, restart-safe)")
    .requiredOption("-v, --vault <name|address>", "vault name (its record) or address")
    .option("--interval <sec>", "seconds between decisions (one batch per interval)", "28800")
    .option("--journal <path>", "decision journal, JSON lines (default: reports/alpha-<network>-<vault>.jsonl)")
    .option("--max-ticks <n>", "stop after n intervals (default: run forever)")
    .option("--from <address>", "alpha account (default: the record's first alpha holder)")
    .option("--asset <ETH|BTC>", "traded asset", "ETH")
    .option("--venue <id>", "strategy venue of a lone perp market whose name names none (markets named \"<venue>-perp\" name theirs; default: perp-sim binance, perp-v2 dydx)")
    .option("--pool-fee <fee>", "Uniswap V3 fee tier of the base/quote pool", "500")
    .option("--from-block <n>", "first block to read funding events from", "0")
    .option("--funding-seed <file>", "funding history from before --from-block: JSON {venue: [{settleTime, ratePerInterval}]} (e.g. from the venue's API)")
    .option("--max-notional-per-tick <quote>", "hold risk-raising actions of a tick that adds more perp notional than this")
    .option("--max-margin-per-tick <quote>", "hold risk-raising actions of a tick that moves more perp margin than this")
    .option("--poll-ms <ms>", "how often to look at the chain between ticks, and the first retry delay after an error (default: interval / 20, within 0.25–15 s)")
    .option("--dry-run", "decide once, print the batch it would send, send nothing (the journal is not written)"))
    .action(async (opts: RunOptions & CliNetworkOptions) => {
      const { io } = deps;
      const interval = whole(deps, "--interval", opts.interval, 1);
      const maxTicks = opts.maxTicks === undefined ? undefined : whole(deps, "--max-ticks", opts.maxTicks, 1);
      const asset = opts.asset.toUpperCase();
      if (asset !== "ETH" && asset !== "BTC") throw deps.usageError(`--asset: "${opts.asset}" is not ETH or BTC`);
      if (opts.venue !== undefined && !(VENUE_IDS as readonly string[]).includes(opts.venue)) throw deps.usageError(`--venue: "${opts.venue}" is not one of ${VENUE_IDS.join(", ")}`);
      const caps: TickCaps = {
        ...(opts.maxNotionalPerTick === undefined ? {} : { maxNotionalAddedQuote: whole(deps, "--max-notional-per-tick", opts.maxNotionalPerTick, 0) }),
        ...(opts.maxMarginPerTick === undefined ? {} : { maxMarginMovedQuote: whole(deps, "--max-margin-per-tick", opts.maxMarginPerTick, 0) }),
      };
      const fileSeed = opts.fundingSeed === undefined ? {} : readFundingSeed(deps, opts.fundingSeed);
      const ctx = await deps.connect(opts);
      const record = await findVaultRecord(deps.recordsRoot(opts), ctx.recordFolder, opts.vault);
      if (record === undefined) throw deps.usageError(`no deployment record for "${opts.vault}" in deployments/${ctx.recordFolder}/ (deploy it with \`fusebox deploy\` first)`);
      const alphaAddress = opts.from ?? roleHolders(record, "ALPHA")[0];
      if (alphaAddress === undefined) throw deps.usageError("the record names no alpha holder; pass --from");
      const signer = signerFor(ctx, alphaAddress);
      if (signer === undefined) throw deps.usageError(`cannot sign as ${alphaAddress} on "${ctx.networkName}" (configure its key, docs/atomist.md "Keys")`);
      const journalPath = opts.journal ?? defaultJournalPath(ctx.networkName, record.vault);
      const journal = new Journal(journalPath);
      const { chain, book } = await createLiveAlpha({
        record,
        provider: ctx.ethers.provider,
        signer,
        abiOf: ctx.abiOf,
        asset: asset as Asset,
        ...(opts.venue === undefined ? {} : { venueId: opts.venue as VenueId }),
        poolFee: whole(deps, "--pool-fee", opts.poolFee, 1),
        fromBlock: whole(deps, "--from-block", opts.fromBlock, 0),
        seed: mergeSeeds(fileSeed, journal.observedFunding()),
        caps,
      });
      if (book.ignored.length > 0) io.out(`markets the alpha does not trade: ${book.ignored.join(", ")}`);
      if (opts.dryRun === true) {
        const tickStart = Math.floor((await chain.now()) / interval) * interval;
        const { log, decision, actions } = await chain.decide(tickStart);
        io.out(`dry run: alpha ${alphaAddress} on vault ${record.vault} ${book.vault} (${ctx.networkName}), tick ${tickStart / interval}; nothing is sent`);
        for (const line of log) io.out(line);
        io.out(actions === 0 ? "would send nothing" : `would send execute(${decision.mapped.length} actions) to ${book.vault}: ${decision.data}`);
        return;
      }
      io.out(`alpha ${alphaAddress} on vault ${record.vault} ${book.vault} (${ctx.networkName}), every ${interval} s; journal ${journalPath}`);
      await runAlphaLoop(chain, journal, {
        intervalSec: interval,
        ...(maxTicks === undefined ? {} : { maxTicks }),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollMs: opts.pollMs === undefined ? Math.min(15_000, Math.max(250, Math.floor((interval * 1000) / 20))) : whole(deps, "--poll-ms", opts.pollMs, 1),
        maxBackoffMs: 300_000,
        onEvent: (line) => io.out(line),
      });
    });

  deps.addNetworkOptions(alpha.command("journal")
    .description("print a bot's journal for a person: each tick's decision and why, its batch, and how it ended")
    .option("-v, --vault <name>", "the vault whose default journal to read (reports/alpha-<network>-<vault>.jsonl)")
    .option("--journal <path>", "the journal file")
    .option("--last <n>", "only the last n ticks")
    .option("--json", "the raw JSON lines"))
    .action((opts: { vault?: string; journal?: string; last?: string; json?: boolean } & CliNetworkOptions) => {
      const path = opts.journal ?? (opts.vault === undefined ? undefined : defaultJournalPath(opts.network ?? "default", opts.vault));
      if (path === undefined) throw deps.usageError("pass --journal <path> or --vault <name>");
      let text: string;
      try {
        text = readFileSync(path, "utf8");
      } catch {
        throw deps.usageError(`no journal at ${path}`);
      }
      let entries = parseJournal(text, path);
      if (opts.last !== undefined) {
        const n = whole(deps, "--last", opts.last, 1);
        const ticks = [...new Set(entries.map((e) => e.tick))].slice(-n);
        entries = entries.filter((e) => ticks.includes(e.tick));
      }
      for (const e of entries) deps.io.out(opts.json === true ? JSON.stringify(e) : formatEntry(e));
      if (opts.json !== true) for (const line of formatBotStatus(readBotStatus(path))) deps.io.out(line);
    });

  deps.addNetworkOptions(alpha.command("status")
    .description("the bot's last tick, its decision, its last batch and how it ended (from its journal; no network needed)")
    .option("-v, --vault <name>", "the vault whose default journal to read (reports/alpha-<network>-<vault>.jsonl)")
    .option("--journal <path>", "the journal file"))
    .action((opts: { vault?: string; journal?: string } & CliNetworkOptions) => {
      if (opts.journal === undefined && opts.vault === undefined) throw deps.usageError("pass --journal <path> or --vault <name>");
      for (const line of botStatusLines(opts.network ?? "default", opts.vault ?? "", opts.journal)) deps.io.out(line);
    });
}

/** The journal `alpha run` writes by default for `vault` on `network` (without --network: hardhat's "default"). */
export function defaultJournalPath(network: string, vault: string): string {
  return join("reports", `alpha-${network}-${vault}.jsonl`);
}

/** `status`'s lines about the bot (last tick, decision, batch); one line when it has no journal. */
export function formatBotStatus(status: BotStatus | undefined): string[] {
  if (status === undefined) return ["alpha bot: no journal (the bot has not run here)"];
  const when = (t: number) => new Date(t * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const lines = ["alpha bot:"];
  lines.push(status.lastTick === undefined ? "  last tick: none settled" : `  last tick: ${status.lastTick.tick} (${when(status.lastTick.time)}): ${status.lastTick.outcome}`);
  if (status.lastDecision !== undefined) {
    const d = status.lastDecision;
    lines.push(`  last decision: tick ${d.tick}, ${d.actions} action(s)${d.held.length > 0 ? `, ${d.held.length} held` : ""}${d.stale.length > 0 ? `; stale: ${d.stale.join("; ")}` : ""}`);
  }
  lines.push(status.lastBatch === undefined ? "  last batch: none" : `  last batch: tick ${status.lastBatch.tick} ${status.lastBatch.txHash} ${status.lastBatch.outcome}${status.lastBatch.detail === undefined ? "" : ` (${status.lastBatch.detail})`}`);
  if (status.errors > 0) lines.push(`  errors journaled: ${status.errors}`);
  return lines;
}

/** The bot's status lines for `vault` on `network` from its default journal (for `fusebox status`). */
export function botStatusLines(network: string, vault: string, journal?: string): string[] {
  return formatBotStatus(readBotStatus(journal ?? defaultJournalPath(network, vault)));
}

/** `--funding-seed`'s file: venue → prints (a venue's API history, normalised). */
const FundingSeedFile = z.record(
  z.string(),
  z.array(z.object({ settleTime: z.number().int(), ratePerInterval: z.number().finite(), intervalHours: z.number().positive().default(8) }).strict()),
);
const isVenueId = (v: string): v is VenueId => (VENUE_IDS as readonly string[]).includes(v);

function readFundingSeed(deps: AlphaCliDeps, path: string): Partial<Record<VenueId, FundingPrint[]>> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw deps.usageError(`--funding-seed: cannot read ${path} as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = FundingSeedFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(file)"}: ${i.message}`).join("; ");
    throw deps.usageError(`--funding-seed: ${path}: ${problems} (expected {"<venue>": [{"settleTime": unix, "ratePerInterval": x, "intervalHours": h}]})`);
  }
  const out: Partial<Record<VenueId, FundingPrint[]>> = {};
  for (const [venue, prints] of Object.entries(parsed.data)) {
    if (!isVenueId(venue)) throw deps.usageError(`--funding-seed: ${path}: "${venue}" is not one of ${VENUE_IDS.join(", ")}`);
    out[venue] = prints.map((p) => ({ venue, settleTime: p.settleTime, knownAt: p.settleTime, ratePerInterval: p.ratePerInterval, intervalHours: p.intervalHours, ratePerHour: p.ratePerInterval / p.intervalHours }));
  }
  return out;
}

/** The file's prints, then the journal's observations (a later print of the same settlement replaces it). */
function mergeSeeds(...seeds: Partial<Record<VenueId, FundingPrint[]>>[]): Partial<Record<VenueId, FundingPrint[]>> {
  const out: Partial<Record<VenueId, FundingPrint[]>> = {};
  for (const seed of seeds) for (const [v, prints] of Object.entries(seed) as [VenueId, FundingPrint[]][]) out[v] = [...(out[v] ?? []), ...prints];
  return out;
}
