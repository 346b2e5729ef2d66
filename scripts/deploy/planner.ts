/**
 * The planner: read the chain, compare it with the config, and return the whole deployment as data
 * (scripts/deploy/plan.ts). It sends nothing; `applyPlan` (scripts/deploy/executor.ts) applies it.
 *
 *   1. contracts: test asset / feeds / substrates (chainId 31337 only), AccessManager, PriceOracleMiddleware,
 *      FuseboxVault, each market's fuses — present (the record holds them and the chain has their code) or to
 *      create (at the address the deployer's next nonces give).
 *   2. wiring: function -> role map and role guardians (scripts/lib/access.ts), as ADMIN (the deployer).
 *   3. configuration (scripts/deploy/planner-config.ts): feeds, substrates, markets, fuses, dependencies,
 *      withdraw order, idle buffer, depositor allowlist.
 *   4. roles: holders and execution delays (timelocks); holders this tool granted and the config dropped.
 * On a fresh chain the same code runs against `emptyView` (what freshly deployed contracts hold), so `plan`
 * lists every cap, role and timelock the config intends. Timelocked entries are `schedule`, `scheduled` or
 * `due`, decided by the sender's AccessManager delay and the operation's schedule.
 */
import { AbiCoder, Contract, getCreateAddress, keccak256, parseUnits, ZeroAddress, type Interface } from "ethers";
import { ROLES, VAULT_FUNCTION_ROLES, ORACLE_FUNCTION_ROLES, roleGuardianCalls, selectorsByRole, type RoleName } from "../lib/access.js";
import { encodeSubstrate, fuseKind } from "../config/fuse-kinds.js";
import type { VaultConfig } from "../config/schema.js";
import type { AssetUnits } from "../lib/units.js";
import { formatSeconds } from "../lib/units.js";
import { accessManagerAt, oracleAt, vaultAt } from "./bindings.js";
import { chainView, emptyView, type ChainView } from "./chain-view.js";
import type { ChainContext } from "./context.js";
import type { DeploymentRecord } from "./record.js";
import { planConfiguration, type ResolvedMarket } from "./planner-config.js";
import type { PlanStep, RestrictedCall, SenderKind, StepState, VaultPlan } from "./plan.js";

export interface PlanOptions {
  record: DeploymentRecord;
  deployer: string;
  configHash: string;
  /** How `address` would sign here: a key of this connection, a Safe, or not at all. */
  senderKind(address: string): Promise<SenderKind>;
}

const ZERO = "0x0000000000000000000000000000000000000000";

/** AccessManager.hashOperation(caller, target, data), computed off chain. */
export function operationId(caller: string, target: string, data: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "bytes"], [caller, target, data]));
}

/** A step lands in this run when it is sent now and its sender can sign here. */
export function landsNow(step: PlanStep): boolean {
  const sent = step.state === "create" || step.state === "change" || step.state === "remove" || step.state === "due";
  return step.state === "present" || (sent && step.senderKind !== "external");
}

/** Entries that must be on chain before a step may run (`why` for the `waiting` detail). */
export interface Dependencies {
  keys: string[];
  why: string;
}

/**
 * A dependent step's state given its dependencies: sent at once or executed (`due`) only once they land in this
 * run; scheduled alongside dependencies that are themselves scheduled (it becomes executable no earlier than they
 * do: the executor executes in plan order, and a `due` step whose dependency has not landed waits).
 */
export function gate(step: PlanStep, deps: PlanStep[], why: string): PlanStep {
  const notOnChain = deps.filter((d) => d.state !== "present").map((d) => d.key);
  const blocked = deps.filter((d) => !landsNow(d));
  const timelockedDeps = blocked.every((d) => d.state === "schedule" || d.state === "scheduled");
  const withDeps = notOnChain.length === 0 ? step : { ...step, waitsFor: notOnChain };
  if (blocked.length === 0 || step.state === "scheduled") return withDeps;
  if (step.state === "schedule" && timelockedDeps) return { ...withDeps, detail: `${step.detail ?? "timelocked"}; executable once ${blocked.map((d) => d.key).join(", ")} landed` };
  return { ...withDeps, state: "waiting", detail: `${step.state === "due" ? "due, but " : ""}waits for ${why} (${blocked.map((d) => d.key).join(", ")})` };
}

/** Internal planning state shared by the sections. */
export interface Planner {
  readonly ctx: ChainContext;
  readonly config: VaultConfig;
  readonly record: DeploymentRecord;
  readonly view: ChainView;
  readonly steps: PlanStep[];
  readonly units: AssetUnits;
  readonly addresses: VaultPlan["addresses"];
  /** Add a restricted call of `role`: at once, or scheduled / pending / due through the timelock. */
  restricted(step: Omit<PlanStep, "state" | "sender" | "senderKind" | "delaySeconds" | "call"> & { role: RoleName; call: RestrictedCall; atOnce: StepState; after?: Dependencies }): Promise<PlanStep>;
  present(step: Omit<PlanStep, "state">): PlanStep;
  find(key: string): PlanStep | undefined;
}

export async function planVault(ctx: ChainContext, config: VaultConfig, options: PlanOptions): Promise<VaultPlan> {
  const { record, deployer } = options;
  const provider = ctx.ethers.provider;
  const steps: PlanStep[] = [];
  let nonce = await provider.getTransactionCount(deployer, "pending");
  const now = BigInt((await provider.getBlock("latest"))?.timestamp ?? 0);
  const hasCode = async (address: string): Promise<boolean> => address !== ZERO && (await provider.getCode(address)) !== "0x";

  // 1. contracts
  const contract = async (key: string, name: string, args: unknown[]): Promise<string> => {
    const known = record.contracts[key];
    const base = { key, kind: "contract" as const, description: `${name} (${key})`, sender: deployer, senderKind: "key" as const };
    if (known !== undefined) {
      if (await hasCode(known.address)) {
        steps.push({ ...base, state: "present", deploy: { contract: name, args: known.args, address: known.address, predicted: false }, detail: `at ${known.address}` });
        return known.address;
      }
      if (known.status === "deployed") {
        throw new Error(`the record holds ${key} at ${known.address}, but network "${ctx.networkName}" has no code there (a reset node?). Move the record away to deploy afresh.`);
      }
      if ((await provider.getTransaction(known.txHash)) !== null) {
        steps.push({ ...base, state: "create", deploy: { contract: name, args: known.args, address: known.address, predicted: false, inFlightTx: known.txHash }, detail: `sent by an interrupted run (${known.txHash}), still in flight: awaited, not sent again` });
        return known.address;
      }
    }
    const address = getCreateAddress({ from: deployer, nonce: nonce++ });
    steps.push({ ...base, state: "create", deploy: { contract: name, args: args.map((a) => (Array.isArray(a) ? a.map(String) : String(a))), address, predicted: true }, detail: `at ${address} (predicted)` });
    return address;
  };

  const assetCfg = config.asset;
  let asset: string;
  if (typeof assetCfg === "string") {
    if (!(await hasCode(assetCfg))) throw new Error(`asset: ${assetCfg} has no code on network "${ctx.networkName}"`);
    asset = assetCfg;
  } else {
    asset = await contract("test:asset", "TestERC20", [assetCfg.deployTest.name, assetCfg.deployTest.symbol, assetCfg.deployTest.decimals]);
  }
  const units = await assetUnits(ctx, config, asset);
  const accessManager = await contract("AccessManager", "AccessManager", [deployer]);
  const oracle = await contract("PriceOracleMiddleware", "PriceOracleMiddleware", [accessManager]);
  // The vault's configuration module (reached from the core by delegatecall); shared by every vault on a network
  // in principle, recorded per vault here so each record is self-contained.
  // Its chain: FuseboxVaultModule passes what it does not know to FuseboxRiskModule (the risk engine), which passes
  // on to FuseboxEconomicsModule (fees, redeem queue).
  const economicsModule = await contract("FuseboxEconomicsModule", "FuseboxEconomicsModule", []);
  const riskModule = await contract("FuseboxRiskModule", "FuseboxRiskModule", [economicsModule]);
  const vaultModule = await contract("FuseboxVaultModule", "FuseboxVaultModule", [riskModule]);
  const vault = await contract("FuseboxVault", "FuseboxVault", [asset, config.share.name, config.share.symbol, accessManager, oracle, config.share.decimalsOffset, vaultModule]);
  const feeds: { asset: string; feed: string; maxStaleness: bigint }[] = [];
  for (const [i, f] of config.oracle.feeds.entries()) {
    const feed = typeof f.feed === "string"
      ? f.feed
      : await contract(`test:feed:${i}`, "TestPriceFeed", [f.feed.deployTest.decimals, parseUnits(f.feed.deployTest.answer, f.feed.deployTest.decimals)]);
    feeds.push({ asset: f.asset === "vault-asset" ? asset : f.asset, feed, maxStaleness: BigInt(f.maxStalenessSeconds) });
  }
  const markets: ResolvedMarket[] = [];
  for (const m of config.markets) {
    const spec = fuseKind(m.kind);
    const id = BigInt(m.id);
    const substrates: string[] = [];
    const given: string[] = []; // substrates the config names by address (not test contracts)
    for (const [j, s] of m.substrates.entries()) {
      if (typeof s === "string") {
        substrates.push(encodeSubstrate(m.kind, s));
        given.push(s);
      }
      else {
        const test = spec.localTestSubstrate;
        if (test === undefined) throw new Error(`markets.${m.name}.substrates[${j}]: no test substrate for "${m.kind}"`);
        substrates.push(encodeSubstrate(m.kind, await contract(`test:market:${m.id}:substrate:${j}`, test.contract, test.args({ asset }))));
      }
    }
    const kindCtx = { marketId: id, asset, params: m.params, substrates: given };
    const fuses: Record<string, string> = {};
    for (const name of spec.fuses) fuses[name] = await contract(`market:${m.id}:${m.kind}:${name}`, name, spec.constructorArgs(name, kindCtx));
    const balanceFuse = await contract(`market:${m.id}:${m.kind}:${spec.balanceFuse}`, spec.balanceFuse, spec.constructorArgs(spec.balanceFuse, kindCtx));
    if (m.kind === "erc4626") await checkErc4626Targets(ctx, m.name, substrates, given, asset, hasCode);
    markets.push({ config: m, id, substrates, fuses, balanceFuse });
  }

  const live = (await hasCode(vault)) && (await hasCode(accessManager)) && (await hasCode(oracle));
  const addresses = { asset, accessManager, oracle, vault };
  const view = live ? await chainView(ctx, addresses) : emptyView(deployer);
  const bootstrapping = !record.bootstrapped;
  const amInterface: Interface = (await accessManagerAt(ctx, ZERO)).interface; // the generic view: methods by name

  const holders = (role: RoleName): string[] => {
    const r = config.roles;
    switch (role) {
      case "ATOMIST": return r.atomist;
      case "ALPHA": return r.alpha;
      case "GUARDIAN": return r.guardian;
      case "FUSE_MANAGER": return r.fuseManager;
      case "REPORTER": return r.reporters;
      case "ADMIN": return [deployer];
    }
  };
  /** Who sends `role`'s calls: the deployer for ADMIN and while bootstrapping, else a holder that can sign here. */
  const senderFor = async (role: RoleName): Promise<{ address: string; kind: SenderKind; delay: bigint }> => {
    if (role === "ADMIN" || (bootstrapping && role !== "ALPHA" && role !== "REPORTER")) {
      // While bootstrapping the deployer holds the role with no delay (the bootstrap grants below).
      return { address: deployer, kind: "key", delay: role === "ADMIN" ? await view.currentDelay(ROLES.ADMIN, deployer) : 0n };
    }
    const list = holders(role);
    let chosen: { address: string; kind: SenderKind } | undefined;
    for (const kind of ["key", "safe"] as const) {
      for (const address of list) if (chosen === undefined && (await options.senderKind(address)) === kind) chosen = { address, kind };
    }
    chosen ??= { address: list[0] ?? deployer, kind: "external" };
    return { ...chosen, delay: await view.currentDelay(ROLES[role], chosen.address) };
  };

  const wantedOps = new Set<string>();
  const planner: Planner = {
    ctx, config, record, view, steps, units, addresses,
    present: (step) => {
      const s: PlanStep = { ...step, state: "present" };
      steps.push(s);
      return s;
    },
    find: (key) => steps.find((s) => s.key === key),
    restricted: async ({ atOnce, role, call, after, ...rest }) => {
      const sender = await senderFor(role);
      const base = { ...rest, role, call, sender: sender.address, senderKind: sender.kind, delaySeconds: Number(sender.delay) };
      let step: PlanStep;
      if (sender.delay === 0n) step = { ...base, state: atOnce };
      else {
        const id = operationId(sender.address, call.to, call.data);
        wantedOps.add(id);
        const due = await view.schedule(id);
        if (due === 0n) step = { ...base, state: "schedule", operationId: id, detail: `timelock ${formatSeconds(sender.delay)}` };
        else if (due > now) step = { ...base, state: "scheduled", operationId: id, dueAt: Number(due), detail: `due at ${isoTime(due)} (in ${due - now}s)` };
        else step = { ...base, state: "due", operationId: id, dueAt: Number(due), detail: "scheduled change is due" };
      }
      if (after !== undefined) step = gate(step, after.keys.map((k) => steps.find((s) => s.key === k)).filter((s): s is PlanStep => s !== undefined), after.why);
      steps.push(step);
      return step;
    },
  };
  const admin = async (key: string, kind: PlanStep["kind"], description: string, method: string, args: unknown[], atOnce: StepState = "create"): Promise<PlanStep> =>
    planner.restricted({ key, kind, description, role: "ADMIN", atOnce, call: { to: accessManager, method, data: amInterface.encodeFunctionData(method, args) } });

  // 2. wiring (ADMIN)
  const targets: [string, string, Record<string, bigint>, Awaited<ReturnType<typeof vaultAt>> | Awaited<ReturnType<typeof oracleAt>>][] = [
    ["vault", vault, VAULT_FUNCTION_ROLES, await vaultAt(ctx, vault)],
    ["oracle", oracle, ORACLE_FUNCTION_ROLES, await oracleAt(ctx, oracle)],
  ];
  for (const [label, address, functionRoles, binding] of targets) {
    for (const [role, selectors] of selectorsByRole(binding, functionRoles)) {
      const names = Object.entries(functionRoles).filter(([, r]) => r === role).map(([n]) => n);
      const wrong: string[] = [];
      for (const selector of selectors) if ((await view.functionRole(address, selector)) !== role) wrong.push(selector);
      const key = `wire:${label}:role${role}`;
      const description = `${label} functions ${names.join(", ")} -> role ${roleName(role)}`;
      if (wrong.length === 0) planner.present({ key, kind: "wiring", role: "ADMIN", description });
      else await admin(key, "wiring", `map ${description}${wrong.length < selectors.length ? ` (${wrong.length} wrong)` : ""}`, "setTargetFunctionRole", [address, wrong, role]);
    }
  }
  const guarded = (await view.roleGuardian(ROLES.ATOMIST)) === ROLES.GUARDIAN && (await view.roleGuardian(ROLES.FUSE_MANAGER)) === ROLES.GUARDIAN;
  for (const c of roleGuardianCalls()) {
    const key = c.fn === "labelRole" ? `wire:label:${c.label}` : `wire:guardian:${roleName(c.roleId)}`;
    const description = c.fn === "labelRole" ? `label role ${c.roleId} "${c.label}"` : `GUARDIAN may cancel ${roleName(c.roleId)}'s scheduled operations`;
    if (guarded) planner.present({ key, kind: "wiring", role: "ADMIN", description });
    else if (c.fn === "labelRole") await admin(key, "wiring", description, "labelRole", [c.roleId, c.label]);
    else await admin(key, "wiring", description, "setRoleGuardian", [c.roleId, c.guardian]);
  }

  // Bootstrap: the deployer holds the configuring roles with no delay until the first configuration is applied.
  if (bootstrapping) {
    for (const role of ["ATOMIST", "FUSE_MANAGER", "GUARDIAN"] as const) {
      const access = await view.access(ROLES[role], deployer);
      const description = `bootstrap: deployer ${deployer} holds ${role} (no delay) until the first configuration is applied`;
      if (access.since !== 0n && access.delay === 0n) planner.present({ key: `bootstrap:grant:${role}`, kind: "bootstrap", role: "ADMIN", description });
      else await admin(`bootstrap:grant:${role}`, "bootstrap", description, "grantRole", [ROLES[role], deployer, 0]);
    }
  }

  // 3. configuration
  await planConfiguration(planner, feeds, markets);

  // 4. roles and their execution delays (timelocks)
  const desiredDelay = (role: RoleName): bigint =>
    role === "ATOMIST" ? BigInt(config.timelocks.atomistSeconds) : role === "FUSE_MANAGER" ? BigInt(config.timelocks.fuseManagerSeconds) : 0n;
  for (const role of ["ATOMIST", "ALPHA", "GUARDIAN", "FUSE_MANAGER", "REPORTER"] as const) {
    const want = desiredDelay(role);
    for (const account of holders(role)) {
      const access = await view.access(ROLES[role], account);
      const key = `role:${role}:${account}`;
      const timelock = want === 0n ? "no execution delay" : `execution delay (timelock) ${formatSeconds(want)}`;
      if (access.since !== 0n && access.delay === want) planner.present({ key, kind: "role", role: "ADMIN", description: `${role}: ${account}, ${timelock}`, current: formatSeconds(access.delay) });
      else if (access.since === 0n) await admin(key, "role", `${role}: grant ${account}, ${timelock}`, "grantRole", [ROLES[role], account, want]);
      else await admin(key, "role", `${role}: ${account} execution delay ${formatSeconds(access.delay)} -> ${formatSeconds(want)}`, "grantRole", [ROLES[role], account, want], "change");
    }
    for (const account of record.roles[role] ?? []) {
      if (holders(role).some((h) => h.toLowerCase() === account.toLowerCase())) continue;
      if ((await view.access(ROLES[role], account)).since === 0n) continue;
      await admin(`role:${role}:${account}:revoke`, "role", `${role}: revoke ${account} (no longer in the config)`, "revokeRole", [ROLES[role], account], "remove");
    }
  }

  // Scheduled operations this tool recorded that the config no longer wants: the guardian cancels them.
  for (const s of record.scheduled) {
    if (wantedOps.has(s.operationId) || (await view.schedule(s.operationId)) === 0n) continue;
    const guardian = await senderFor("GUARDIAN");
    steps.push({
      key: `cancel:${s.step}`, kind: steps.find((x) => x.key === s.step)?.kind ?? "market", state: "cancel", role: "GUARDIAN",
      description: `cancel scheduled "${s.step}" (the config no longer asks for it)`, sender: guardian.address, senderKind: guardian.kind, operationId: s.operationId,
      call: { to: accessManager, method: "cancel", data: amInterface.encodeFunctionData("cancel", [s.caller, s.target, s.data]) },
    });
  }

  // The deployer hands its temporary roles back once nothing waits and every entry can be signed here.
  const blocked = steps.some((s) => s.state === "waiting" || (s.state !== "present" && s.senderKind === "external"));
  const bootstrapCompletes = bootstrapping && !blocked;
  if (bootstrapCompletes) {
    for (const role of ["ATOMIST", "FUSE_MANAGER", "GUARDIAN"] as const) {
      if (holders(role).some((h) => h.toLowerCase() === deployer.toLowerCase())) continue;
      const held = steps.some((s) => s.key === `bootstrap:grant:${role}`) || (await view.access(ROLES[role], deployer)).since !== 0n;
      if (held) await admin(`bootstrap:revoke:${role}`, "bootstrap", `bootstrap done: deployer gives up its temporary ${role} role`, "revokeRole", [ROLES[role], deployer], "remove");
    }
  }

  return {
    vault: config.name, network: ctx.networkName, chainId: Number(ctx.chainId), configHash: options.configHash, deployer,
    addresses, bootstrapping, bootstrapCompletes, steps,
    markets: markets.map((m) => ({ id: Number(m.id), name: m.config.name, kind: m.config.kind, fuses: m.fuses, balanceFuse: m.balanceFuse, substrates: m.substrates })),
  };
}

async function assetUnits(ctx: ChainContext, config: VaultConfig, asset: string): Promise<AssetUnits> {
  if (typeof config.asset !== "string") return { decimals: config.asset.deployTest.decimals, symbol: config.asset.deployTest.symbol };
  const token = new Contract(asset, ["function decimals() view returns (uint8)", "function symbol() view returns (string)"], ctx.ethers.provider);
  const decimals = Number(await token.getFunction("decimals").staticCall());
  const symbol = await token.getFunction("symbol").staticCall().then(String, () => "units");
  return { decimals, symbol };
}

/** Erc4626BalanceFuse assumes each target takes the vault's asset: checked for every target with code. */
async function checkErc4626Targets(ctx: ChainContext, market: string, substrates: string[], given: string[], asset: string, hasCode: (a: string) => Promise<boolean>): Promise<void> {
  for (const s of substrates) {
    const target = `0x${s.slice(-40)}`;
    const named = given.some((g) => g.toLowerCase() === target);
    if (!(await hasCode(target))) {
      if (named) throw new Error(`markets.${market}: substrate ${target} has no code on network "${ctx.networkName}" (not an ERC-4626 vault)`);
      continue; // a test target still to deploy
    }
    if (!(await hasCode(asset))) continue;
    let targetAsset: string;
    try {
      const vault4626 = new Contract(target, ["function asset() view returns (address)"], ctx.ethers.provider);
      targetAsset = String(await vault4626.getFunction("asset").staticCall());
    } catch {
      throw new Error(`markets.${market}: substrate ${target} is not an ERC-4626 vault on network "${ctx.networkName}"`);
    }
    if (targetAsset.toLowerCase() !== asset.toLowerCase()) {
      throw new Error(`markets.${market}: target vault ${target} takes ${targetAsset}, not the vault's asset ${asset}`);
    }
  }
}

export function roleName(id: bigint): string {
  return Object.entries(ROLES).find(([, v]) => v === id)?.[0] ?? `#${id}`;
}

export function isoTime(unix: bigint): string {
  return new Date(Number(unix) * 1000).toISOString();
}
