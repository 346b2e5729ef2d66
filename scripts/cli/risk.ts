/**
 * The risk engine's and the redeem queue's atomist commands: `fusebox acknowledge-nav` (accept a NAV move that stopped
 * the vault at its NAV-rate bound: scheduled through the atomist's timelock, executed by a later run once due) and
 * `fusebox queue` (the pending ERC-7540 redeem requests per controller: shares, age vs the maximum wait, claimable;
 * `--settle-overdue`: anyone's settlement once a request waited past the maximum wait).
 */
import type { Command } from "commander";
import { isAddress } from "ethers";
import { acknowledgeNav } from "../deploy/acknowledge.js";
import { redeemQueueListing, settleOverdue } from "../deploy/queue.js";
import type { AlphaCliDeps, CliNetworkOptions } from "./alpha.js";

interface VaultOptions extends CliNetworkOptions {
  vault: string;
  json?: boolean;
}

export function registerRiskCommands(program: Command, deps: AlphaCliDeps): void {
  const print = (json: boolean | undefined, value: unknown, lines: string[]): void => {
    if (json === true) deps.io.out(JSON.stringify(value, null, 2));
    else for (const line of lines) deps.io.out(line);
  };

  deps.addNetworkOptions(program.command("acknowledge-nav")
    .description("the atomist accepts a NAV move that stopped the vault at its NAV-rate bound (acknowledgeNavMove): sent at once, or scheduled through the atomist's timelock and executed by a run once due")
    .requiredOption("-v, --vault <name|address>", "vault name (its record) or address")
    .option("--from <address>", "the atomist who sends it (default: a holder of the record that this connection can sign for)")
    .option("--json", "print one JSON document on stdout"))
    .action(async (opts: VaultOptions & { from?: string }) => {
      if (opts.from !== undefined && !isAddress(opts.from)) throw deps.usageError(`--from: ${opts.from} is not an address`);
      const ctx = await deps.connect(opts);
      const result = await acknowledgeNav(ctx, deps.recordsRoot(opts), opts.vault, opts.from);
      print(opts.json, result, result.lines);
    });

  deps.addNetworkOptions(program.command("queue")
    .description("the vault's ERC-7540 redeem requests: per controller its pending shares, their age vs the maximum wait, and what it may claim")
    .requiredOption("-v, --vault <name|address>", "vault name (its record) or address")
    .option("--settle-overdue", "past the maximum wait: settle the queue from what is liquid (anyone may; nothing is sent before)")
    .option("--from <address>", "with --settle-overdue: the account that sends it (default: the network's first account)")
    .option("--json", "print one JSON document on stdout"))
    .action(async (opts: VaultOptions & { settleOverdue?: boolean; from?: string }) => {
      if (opts.from !== undefined && !isAddress(opts.from)) throw deps.usageError(`--from: ${opts.from} is not an address`);
      if (opts.from !== undefined && opts.settleOverdue !== true) throw deps.usageError("--from is for --settle-overdue");
      const ctx = await deps.connect(opts);
      if (opts.settleOverdue === true) {
        const result = await settleOverdue(ctx, deps.recordsRoot(opts), opts.vault, opts.from);
        print(opts.json, result, result.lines);
        return;
      }
      const { lines, data } = await redeemQueueListing(ctx, deps.recordsRoot(opts), opts.vault);
      print(opts.json, data, lines);
    });
}
