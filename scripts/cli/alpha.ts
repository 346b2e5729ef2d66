/**
 * `fusebox alpha run`: the live alpha loop (scripts/alpha/live/loop.ts) against a deployed vault.
 *
 *   npm run fusebox -- alpha run --vault replay-eth --network localhost --interval 28800 --journal reports/alpha.jsonl
 *
 * Reads the vault's record in deployments/<network>/, signs as the record's alpha (or --from), and every
 * interval reads the book from chain, decides, and sends one `vault.execute`. Idempotent across restarts (the
 * journal) and survives RPC errors and reverted batches (the loop).
 */
import { join } from "node:path";
import type { Command } from "commander";
import type { ChainContext, Output } from "../deploy/context.js";
import { signerFor } from "../deploy/context.js";
import { createLiveAlpha, findVaultRecord } from "../alpha/chain/live.js";
import { roleHolders } from "../deploy/record.js";
import { Journal } from "../alpha/live/journal.js";
import { runAlphaLoop } from "../alpha/live/loop.js";
import type { Asset, VenueId } from "../alpha/strategy/types.js";
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
  venue: string;
  poolFee: string;
  fromBlock: string;
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
    .option("--venue <id>", "strategy venue of a lone perp market whose name names none (markets named \"<venue>-perp\" name theirs)", "binance")
    .option("--pool-fee <fee>", "Uniswap V3 fee tier of the base/quote pool", "500")
    .option("--from-block <n>", "first block to read funding events from", "0"))
    .action(async (opts: RunOptions & CliNetworkOptions) => {
      const { io } = deps;
      const interval = whole(deps, "--interval", opts.interval, 1);
      const maxTicks = opts.maxTicks === undefined ? undefined : whole(deps, "--max-ticks", opts.maxTicks, 1);
      const asset = opts.asset.toUpperCase();
      if (asset !== "ETH" && asset !== "BTC") throw deps.usageError(`--asset: "${opts.asset}" is not ETH or BTC`);
      if (!(VENUE_IDS as readonly string[]).includes(opts.venue)) throw deps.usageError(`--venue: "${opts.venue}" is not one of ${VENUE_IDS.join(", ")}`);
      const ctx = await deps.connect(opts);
      const record = await findVaultRecord(deps.recordsRoot(opts), ctx.recordFolder, opts.vault);
      if (record === undefined) throw deps.usageError(`no deployment record for "${opts.vault}" in deployments/${ctx.recordFolder}/ (deploy it with \`fusebox deploy\` first)`);
      const alphaAddress = opts.from ?? roleHolders(record, "ALPHA")[0];
      if (alphaAddress === undefined) throw deps.usageError("the record names no alpha holder; pass --from");
      const signer = signerFor(ctx, alphaAddress);
      if (signer === undefined) throw deps.usageError(`cannot sign as ${alphaAddress} on "${ctx.networkName}" (configure its key, docs/atomist.md "Keys")`);
      const { chain, book } = await createLiveAlpha({
        record,
        provider: ctx.ethers.provider,
        signer,
        abiOf: ctx.abiOf,
        asset: asset as Asset,
        venueId: opts.venue as VenueId,
        poolFee: whole(deps, "--pool-fee", opts.poolFee, 1),
        fromBlock: whole(deps, "--from-block", opts.fromBlock, 0),
      });
      const journalPath = opts.journal ?? join("reports", `alpha-${ctx.networkName}-${record.vault}.jsonl`);
      io.out(`alpha ${alphaAddress} on vault ${record.vault} ${book.vault} (${ctx.networkName}), every ${interval} s; journal ${journalPath}`);
      await runAlphaLoop(chain, new Journal(journalPath), {
        intervalSec: interval,
        ...(maxTicks === undefined ? {} : { maxTicks }),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        pollMs: Math.min(15_000, Math.max(250, Math.floor((interval * 1000) / 20))),
        maxBackoffMs: 300_000,
        onEvent: (line) => io.out(line),
      });
    });
}
