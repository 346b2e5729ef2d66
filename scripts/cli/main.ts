/**
 * The `fusebox` CLI: `npm run fusebox -- <command>`. Commands: validate, kinds, plan, deploy, status.
 * `main` returns the exit code instead of exiting, so tests drive it in-process as well as in a child process.
 */
import { join, relative } from "node:path";
import { Command, CommanderError, Option } from "commander";
import hre, { network } from "hardhat";
import { FUSE_KINDS } from "../config/fuse-kinds.js";
import { ConfigError, loadConfig } from "../config/load.js";
import type { ChainContext, Output } from "../deploy/context.js";
import { signerFor } from "../deploy/context.js";
import { InjectedFailure, preflight, reconcile, type Change } from "../deploy/reconcile.js";
import { networkFolder } from "../deploy/record.js";
import { vaultStatus } from "../deploy/status.js";

interface NetworkOptions {
  network?: string;
  rpcUrl?: string;
  records?: string;
  build: boolean;
}

const consoleOutput: Output = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

class UsageError extends Error {}

async function connect(options: NetworkOptions, io: Output): Promise<ChainContext> {
  const known = Object.keys(hre.config.networks);
  if (options.network !== undefined && !known.includes(options.network)) {
    throw new UsageError(`unknown network "${options.network}" (networks in hardhat.config.ts: ${known.join(", ")})`);
  }
  if (options.rpcUrl !== undefined && options.network === undefined) throw new UsageError("--rpc-url needs --network (an http network of hardhat.config.ts to override)");
  if (options.build) await hre.tasks.getTask("build").run({ quiet: true, noTests: true });
  const connection = options.rpcUrl === undefined
    ? await network.create(options.network === undefined ? {} : { network: options.network })
    : await network.create({ network: options.network, override: { url: options.rpcUrl } });
  const { ethers } = connection;
  let chainId: bigint;
  try {
    chainId = (await ethers.provider.getNetwork()).chainId;
  } catch (error) {
    const url = options.rpcUrl ?? ("url" in connection.networkConfig ? "the configured url" : "");
    throw new Error(`cannot reach network "${connection.networkName}" at ${url}: ${(error as Error).message.split("\n")[0]}. Start a node first (docs/atomist.md).`);
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

const ACTION_LABEL: Record<Change["action"], string> = {
  deploy: "deploy", send: "apply", schedule: "schedule", execute: "execute", pending: "pending", deferred: "deferred", cancel: "cancel", manual: "MANUAL",
};

function printChanges(io: Output, changes: Change[]): void {
  for (const c of changes) {
    const role = c.role === undefined ? "" : `[${c.role}] `;
    io.out(`  ${ACTION_LABEL[c.action].padEnd(9)}${role}${c.description}${c.detail === undefined ? "" : `  — ${c.detail}`}`);
  }
}

function addNetworkOptions(command: Command): Command {
  return command
    .option("-n, --network <name>", "network from hardhat.config.ts (default: the in-process chain)")
    .option("--rpc-url <url>", "override the JSON-RPC url of --network (e.g. a node on another port)")
    .option("--records <dir>", "folder of deployment records (default: <project>/deployments)")
    .addOption(new Option("--no-build", "skip compiling contracts before connecting").hideHelp());
}

async function loadAndReport(file: string, io: Output) {
  const loaded = await loadConfig(file);
  for (const w of loaded.warnings) io.err(`warning: ${w}`);
  return loaded;
}

async function runReconcile(mode: "plan" | "apply", opts: NetworkOptions & { config: string; from?: string; failAfter?: string }, io: Output): Promise<number> {
  const { config, hash } = await loadAndReport(opts.config, io);
  const ctx = await connect(opts, io);
  const problems = await preflight(ctx, config);
  if (problems.length > 0) throw new ConfigError(opts.config, problems);
  const deployer = opts.from === undefined ? undefined : signerFor(ctx, opts.from);
  if (opts.from !== undefined && deployer === undefined) throw new UsageError(`--from ${opts.from} is not an account of network "${ctx.networkName}"`);
  const failAfter = opts.failAfter === undefined ? undefined : Number(opts.failAfter);
  io.out(`${mode === "plan" ? "plan" : "deploy"} ${config.name} on ${ctx.networkName} (chainId ${ctx.chainId}), config ${hash.slice(0, 18)}…`);
  const result = await reconcile(ctx, config, {
    configFile: relative(hre.config.paths.root, opts.config) || opts.config,
    configHash: hash,
    recordsRoot: recordsRoot(opts),
    mode,
    ...(failAfter === undefined ? {} : { failAfterTransactions: failAfter }),
    ...(deployer === undefined ? {} : { deployer }),
  });
  const changes = result.changes;
  if (changes.length === 0) io.out("  chain matches config: nothing to do");
  printChanges(io, changes);
  const count = (a: Change["action"]): number => changes.filter((c) => c.action === a).length;
  if (mode === "plan") {
    io.out(`${changes.length} change(s); nothing sent`);
  } else {
    io.out(`${result.transactions} transaction(s) sent; ${count("schedule") + count("pending")} timelocked change(s) waiting; record ${relative(process.cwd(), result.recordFile)}`);
    if (count("manual") > 0) io.err(`${count("manual")} change(s) need a signature this connection cannot give (printed as MANUAL above)`);
  }
  return 0;
}

export async function main(argv: string[], io: Output = consoleOutput): Promise<number> {
  const program = new Command()
    .name("fusebox")
    .description("Atomist tooling: validate a vault config, plan and deploy it idempotently, show a vault's guardrails.\nDocs: docs/atomist.md")
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({ writeOut: (s) => io.out(s.trimEnd()), writeErr: (s) => io.err(s.trimEnd()) });
  let exitCode = 0;

  program.command("validate")
    .description("check a config file (no network): every problem named with its field, value and rule")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)")
    .action(async (opts: { config: string }) => {
      const { config, hash } = await loadAndReport(opts.config, io);
      io.out(`${opts.config}: valid (${config.markets.length} market(s), config hash ${hash})`);
    });

  program.command("kinds")
    .description("list the fuse kinds a config may use")
    .action(async () => {
      for (const [kind, spec] of Object.entries(FUSE_KINDS)) {
        const available = (await Promise.all([...spec.fuses, spec.balanceFuse].map((n) => hre.artifacts.artifactExists(n)))).every(Boolean);
        io.out(`${kind.padEnd(10)} ${available ? "available" : "planned  "} ${spec.levered ? "levered  " : "unlevered"} ${spec.summary}`);
      }
    });

  addNetworkOptions(program.command("plan")
    .description("validate, then print the difference between the chain and the config (sends nothing)")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)")
    .option("--from <address>", "deployer account (default: the network's first account)"))
    .action(async (opts: NetworkOptions & { config: string; from?: string }) => {
      exitCode = await runReconcile("plan", opts, io);
    });

  addNetworkOptions(program.command("deploy")
    .description("deploy what is missing and apply the difference; timelocked changes are scheduled, and executed by a later run once due")
    .requiredOption("-c, --config <file>", "vault config (.ts or .json)")
    .option("--from <address>", "deployer account, the AccessManager admin (default: the network's first account)")
    .addOption(new Option("--fail-after <n>", "test hook: stop after n transactions").hideHelp().argParser((v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--fail-after: ${v} is not a whole number`);
      return v;
    })))
    .action(async (opts: NetworkOptions & { config: string; from?: string; failAfter?: string }) => {
      exitCode = await runReconcile("apply", opts, io);
    });

  addNetworkOptions(program.command("status")
    .description("total assets, idle vs buffer, each market's balance vs cap and leverage vs limit, pending changes, roles")
    .requiredOption("-v, --vault <name|address>", "vault name (its record) or address")
    .option("--strict", "exit with code 3 when a guardrail is breached"))
    .action(async (opts: NetworkOptions & { vault: string; strict?: boolean }) => {
      const ctx = await connect(opts, io);
      const { lines, breaches } = await vaultStatus(ctx, recordsRoot(opts), opts.vault);
      for (const line of lines) io.out(line);
      if (opts.strict === true && breaches.length > 0) exitCode = 3;
    });

  try {
    await program.parseAsync(argv, { from: "user" });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ConfigError) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    if (error instanceof UsageError) {
      io.err(`error: ${error.message}`);
      return 2;
    }
    if (error instanceof InjectedFailure) {
      io.err(`error: ${error.message}`);
      return 1;
    }
    io.err(`error: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
