/**
 * The `fusebox` CLI: `npm run fusebox -- <command>`. Commands: validate, kinds, plan, deploy, status, acknowledge-nav,
 * queue, safe, alpha run.
 * `main` returns the exit code instead of exiting, so tests drive it in-process as well as in a child process.
 *
 * Exit codes: 0 done, 1 failure (invalid config, failed transaction, unreachable node), 2 usage (bad argument,
 * unknown network), 3 `plan`: the chain differs from the config / `status --strict`: a guardrail is breached.
 */
import { readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { Command, CommanderError, Option } from "commander";
import { isAddress } from "ethers";
import hre, { network } from "hardhat";
import { FUSE_KINDS } from "../config/fuse-kinds.js";
import { ConfigError, loadConfig, readRawConfig } from "../config/load.js";
import { validateConfig } from "../config/schema.js";
import type { ChainContext, Output } from "../deploy/context.js";
import { signerFor } from "../deploy/context.js";
import { isActionable, planChanges, planJson, renderStep, summarize } from "../deploy/plan.js";
import { InjectedFailure, preflight, reconcile } from "../deploy/reconcile.js";
import { networkFolder } from "../deploy/record.js";
import { vaultStatus } from "../deploy/status.js";
import { botStatusLines, defaultJournalPath, registerAlphaCommands } from "./alpha.js";
import { readBotStatus } from "../alpha/live/journal.js";
import { deployProgress } from "./progress.js";
import { spinnerWanted } from "../lib/progress.js";
import { registerSafeCommands } from "./safe.js";
import { registerRiskCommands } from "./risk.js";

interface NetworkOptions {
  network?: string;
  rpcUrl?: string;
  records?: string;
  build: boolean;
}

interface JsonOption {
  json?: boolean;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

const VERSION = (JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "package.json"), "utf8")) as { version: string }).version;

/** Networks by name: http ones (nodes, as hardhat.config.ts declares them) and in-process ones (Hardhat's own). */
function declaredNetworks(): { all: string[]; http: string[]; inProcess: string[] } {
  const entries = Object.entries(hre.config.networks);
  const http = entries.filter(([, n]) => n.type === "http").map(([name]) => name);
  const inProcess = entries.filter(([, n]) => n.type !== "http").map(([name]) => name);
  return { all: [...http, ...inProcess], http, inProcess };
}

/** Usage errors in the network options, found before any file is read or node is asked. */
function checkNetworkOptions(options: NetworkOptions): void {
  const known = declaredNetworks();
  if (options.network !== undefined && !known.all.includes(options.network)) {
    throw new UsageError(`unknown network "${options.network}" (nodes in hardhat.config.ts: ${known.http.join(", ") || "none"}; in-process: ${known.inProcess.join(", ")}, also without --network)`);
  }
  if (options.rpcUrl !== undefined && options.network === undefined) throw new UsageError("--rpc-url needs --network (an http network of hardhat.config.ts to override)");
}

async function connect(options: NetworkOptions, io: Output): Promise<ChainContext> {
  checkNetworkOptions(options);
  if (options.build) await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const connection = options.rpcUrl === undefined
    ? await network.create(options.network === undefined ? {} : { network: options.network })
    : await network.create({ network: options.network, override: { url: options.rpcUrl } });
  const { ethers } = connection;
  let chainId: bigint;
  try {
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (error) {
    const config = connection.networkConfig;
    const url = options.rpcUrl ?? (config.type === "http" ? await config.url.get().catch(() => "(its configured url)") : "(in-process)");
    const reason = ((error as Error).message.split("\n")[0] ?? "").replace(/\.+$/, "");
    throw new Error(`cannot reach network "${connection.networkName}" at ${url}: ${reason}. Is a node running there? (e.g. \`npx anvil --host 127.0.0.1 --port ${new URL(url.startsWith("http") ? url : "http://x:8545").port || "8545"}\`; docs/atomist.md)`);
  }
  const inProcess = connection.networkConfig.type === "edr-simulated";
  return {
    ethers,
    networkName: connection.networkName,
    recordFolder: networkFolder(connection.networkName, inProcess),
    chainId,
    inProcess,
    signers: await ethers.getSigners(),
    artifactExists: (name) => hre.artifacts.artifactExists(name),
    abiOf: async (name) => (await hre.artifacts.readArtifact(name)).abi,
    io,
  };
}

function recordsRoot(options: NetworkOptions): string {
  return options.records ?? join(hre.config.paths.root, "deployments");
}

function addNetworkOptions(command: Command): Command {
  return command
    .option("-n, --network <name>", "network from hardhat.config.ts (default: the in-process chain)")
    .option("--rpc-url <url>", "override the JSON-RPC url of --network (e.g. a node on another port)")
    .option("--records <dir>", "folder of deployment records (default: <project>/deployments)")
    .option("--no-build", "skip compiling contracts before connecting (when they are built already)");
}

const jsonOption = (command: Command): Command => command.option("--json", "print one JSON document on stdout (messages go to stderr)");

function printJson(io: Output, value: unknown): void {
  io.out(JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2));
}

async function loadAndReport(file: string, io: Output) {
  const loaded = await loadConfig(file);
  for (const w of loaded.warnings) io.err(`warning: ${w}`);
  return loaded;
}

interface ReconcileCliOptions extends NetworkOptions, JsonOption {
  config: string;
  from?: string;
  failAfter?: string;
  all?: boolean;
  safeSignWith?: string;
  safeBatch?: string;
}

async function runReconcile(mode: "plan" | "apply", opts: ReconcileCliOptions, io: Output): Promise<number> {
  checkNetworkOptions(opts);
  const { config, hash } = await loadAndReport(opts.config, io);
  const ctx = await connect(opts, io);
  const problems = await preflight(ctx, config);
  if (problems.length > 0) throw new ConfigError(opts.config, problems);
  const deployer = opts.from === undefined ? undefined : signerFor(ctx, opts.from);
  if (opts.from !== undefined && deployer === undefined) throw new UsageError(`--from ${opts.from} is not an account of network "${ctx.networkName}"`);
  const failAfter = opts.failAfter === undefined ? undefined : Number(opts.failAfter);
  const json = opts.json === true;
  const say = json ? io.err : io.out;
  say(`${mode === "plan" ? "plan" : "deploy"} ${config.name} on ${ctx.networkName} (chainId ${ctx.chainId}), config ${hash.slice(0, 18)}…`);
  const progress = mode === "apply" && !json ? deployProgress(io, io === consoleOutput && spinnerWanted(process.stderr, process.env)) : undefined;
  let result;
  try {
    result = await reconcile(ctx, config, {
      configFile: relative(hre.config.paths.root, opts.config) || opts.config,
      configHash: hash,
      recordsRoot: recordsRoot(opts),
      mode,
      ...(failAfter === undefined ? {} : { failAfterTransactions: failAfter }),
      ...(deployer === undefined ? {} : { deployer }),
      ...(progress === undefined ? {} : { progress }),
      safe: {
        ...(opts.safeSignWith === undefined ? {} : { signWith: opts.safeSignWith === "none" ? [] : opts.safeSignWith.split(",").map((a) => a.trim()) }),
        ...(opts.safeBatch === undefined ? {} : { batchFile: opts.safeBatch }),
      },
    });
  } finally {
    progress?.stop();
  }
  const summary = summarize(result.plan);
  if (mode === "plan") {
    if (json) printJson(io, planJson(result.plan));
    else {
      const shown = opts.all === true ? result.plan.steps : planChanges(result.plan);
      if (summary.changes === 0) io.out("  chain matches config: nothing to do");
      for (const step of shown) io.out(renderStep(step));
      io.out(`${summary.changes} change(s) of ${summary.entries} entries (${summary.present} present); nothing sent`);
    }
    return summary.changes > 0 ? 3 : 0;
  }
  const count = (o: string): number => result.applied.filter((a) => a.outcome === o).length;
  if (json) {
    printJson(io, { plan: planJson(result.plan), applied: result.applied.map((a) => ({ key: a.step.key, state: a.step.state, outcome: a.outcome, detail: a.detail ?? a.step.detail })), transactions: result.transactions, record: result.recordFile, batchFiles: result.batchFiles });
  } else {
    if (result.applied.filter((a) => isActionable(a.step) || a.outcome === "pending" || a.outcome === "waiting").length === 0) io.out("  chain matches config: nothing to do");
    io.out(`${result.transactions} transaction(s) sent; ${count("scheduled") + count("pending")} timelocked change(s) waiting; record ${relative(process.cwd(), result.recordFile)}`);
    if (count("manual") > 0) io.err(`${count("manual")} change(s) need a signature this connection cannot give (printed as MANUAL above)`);
    if (count("awaiting-signatures") > 0) io.err(`${count("awaiting-signatures")} Safe transaction(s) await owner signatures (see the proposal files above)`);
    for (const f of result.batchFiles) io.out(`Safe Transaction Builder batch written: ${f}`);
  }
  return 0;
}

export async function main(argv: string[], io: Output = consoleOutput): Promise<number> {
  const program = new Command()
    .name("fusebox")
    .description("Atomist tooling: validate a vault config, plan and deploy it idempotently, show a vault's guardrails.\nExit codes: 0 ok, 1 failure, 2 usage, 3 plan has changes / status --strict breach. Docs: docs/atomist.md")
    .version(VERSION, "-V, --version", "print the fusebox version")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  let exitCode = 0;

  jsonOption(program.command("validate")
    .description("check a config file (no network): every problem named with its field, value and rule, in one pass")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)"))
    .action(async (opts: { config: string } & JsonOption) => {
      if (opts.json !== true) {
        const { config, hash } = await loadAndReport(opts.config, io);
        io.out(`${opts.config}: valid (${config.markets.length} market(s), config hash ${hash})`);
        return;
      }
      let result;
      try {
        result = validateConfig(await readRawConfig(opts.config));
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        result = { errors: error.problems, warnings: [] };
      }
      const valid = result.config !== undefined;
      printJson(io, { file: opts.config, valid, errors: result.errors, warnings: result.warnings, ...(valid ? { config: result.config } : {}) });
      if (!valid) exitCode = 1;
    });

  program.command("kinds")
    .description("list the fuse kinds a config may use")
    .action(async () => {
      for (const [kind, spec] of Object.entries(FUSE_KINDS)) {
        const available = (await Promise.all([...spec.fuses, spec.balanceFuse].map((n) => hre.artifacts.artifactExists(n)))).every(Boolean);
        io.out(`${kind.padEnd(10)} ${available ? "available" : "planned  "} ${spec.levered ? "levered  " : "unlevered"} ${"exposureAssets" in spec ? "exposure" : "        "} ${spec.summary}`);
      }
    });

  jsonOption(addNetworkOptions(program.command("plan")
    .description("validate, then list every contract, setting, role and timelock with its state on chain (sends nothing); exit 3 if anything differs")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)")
    .option("--all", "also list the entries already present on chain")
    .option("--from <address>", "deployer account (default: the network's first account)")))
    .action(async (opts: ReconcileCliOptions) => {
      exitCode = await runReconcile("plan", opts, io);
    });

  jsonOption(addNetworkOptions(program.command("deploy")
    .description("deploy what is missing and apply the difference; timelocked changes are scheduled, and executed by a later run once due")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)")
    .option("--from <address>", "deployer account, the AccessManager admin (default: the network's first account)")
    .option("--safe-sign-with <owners>", "comma-separated Safe owners whose keys of this connection may sign, or `none` (only signatures already in proposal files; default: every owner it can sign for)")
    .option("--safe-batch <file>", "write the calls of role holders that are Safes to a Safe Transaction Builder batch instead of proposing them")
    .addOption(new Option("--fail-after <n>", "test hook: stop after n transactions").hideHelp().argParser((v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--fail-after: ${v} is not a whole number`);
      return v;
    }))))
    .action(async (opts: ReconcileCliOptions) => {
      exitCode = await runReconcile("apply", opts, io);
    });

  jsonOption(addNetworkOptions(program.command("status")
    .description("total assets, idle vs buffer, each market's balance vs cap and leverage vs limit, pending changes, roles")
    .requiredOption("-v, --vault <name|address>", "vault name (its record) or address")
    .option("--strict", "exit with code 3 when a guardrail is breached")))
    .action(async (opts: NetworkOptions & JsonOption & { vault: string; strict?: boolean }) => {
      const ctx = await connect(opts, io);
      const { lines, breaches, data } = await vaultStatus(ctx, recordsRoot(opts), opts.vault);
      // The alpha bot's last tick, decision and batch, from its journal (named after the vault's record).
      const botVault = isAddress(opts.vault) ? (data.vault ?? undefined) : opts.vault;
      if (opts.json === true) {
        const journal = botVault === undefined ? undefined : defaultJournalPath(ctx.networkName, botVault);
        printJson(io, { ...data, bot: journal === undefined ? null : (readBotStatus(journal) ?? null) });
      } else {
        for (const line of lines) io.out(line);
        if (botVault !== undefined) for (const line of botStatusLines(ctx.networkName, botVault)) io.out(line);
      }
      if (opts.strict === true && breaches.length > 0) exitCode = 3;
    });

  const deps = { connect: (opts: NetworkOptions) => connect(opts, io), recordsRoot, addNetworkOptions, io, usageError: (message: string) => new UsageError(message) };
  registerSafeCommands(program, deps);
  registerAlphaCommands(program, deps);
  registerRiskCommands(program, deps);

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version exit 0; every other command-line problem is a usage error.
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof ConfigError || error instanceof InjectedFailure) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
