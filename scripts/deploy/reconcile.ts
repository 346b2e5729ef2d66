/**
 * The idempotent reconciler behind `plan` and `deploy`: read the chain, compare it with the config, and
 * apply only the difference.
 *
 *   1. contracts: deploy what the record does not hold (test asset/feeds/substrates on chainId 31337 only,
 *      AccessManager, PriceOracleMiddleware, FuseboxVault, each market's fuses). Every creation is written to
 *      the record before it is awaited and again once mined, so a killed run resumes without duplicates.
 *   2. wiring: function -> role map and role guardians (scripts/lib/access.ts), as ADMIN (the deployer).
 *   3. configuration: feeds, substrates, markets, fuses, withdraw order, idle buffer, depositor allowlist.
 *      Risk-raising changes go through the role's AccessManager execution delay: `schedule` now, `execute`
 *      on a later run once due. Risk-lowering changes with a guardian function (lower a market's limits,
 *      revoke substrates, remove fuses) are applied at once by the guardian.
 *   4. roles: holders and execution delays (timelocks) as configured; holders this tool granted and the
 *      config dropped are revoked.
 * Bootstrap: on a fresh vault (no deposits can exist yet) the deployer holds ATOMIST / FUSE_MANAGER /
 * GUARDIAN with no delay to apply the first configuration, then grants the configured holders with their
 * delays and revokes its own temporary roles. Every later change meets the timelocks.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Contract, ZeroAddress, getCreateAddress, parseUnits, type BaseContract, type Interface } from "ethers";
import { ROLES, VAULT_FUNCTION_ROLES, ORACLE_FUNCTION_ROLES, selectorsByRole, wireRoleGuardians, type AccessManagerLike, type RoleName } from "../lib/access.js";
import { FUSE_KINDS, encodeSubstrate, fuseKind, missingKindContracts } from "../config/fuse-kinds.js";
import { maxLeverageWad, type VaultConfig, type MarketConfig } from "../config/schema.js";
import { explainError, isLocalChain, signerFor, type ChainContext } from "./context.js";
import { emptyRecord, readRecord, recordPath, writeRecord, type DeploymentRecord, type MarketRecord } from "./record.js";

export type ChangeAction =
  | "deploy" // a contract creation
  | "send" // a call applied at once
  | "schedule" // a timelocked call scheduled now
  | "execute" // a scheduled call executed now that it is due
  | "pending" // scheduled earlier, not yet due
  | "deferred" // waits for another change (e.g. a market's configuration) to land first
  | "cancel" // a scheduled call the config no longer wants, cancelled by the guardian
  | "manual"; // needs a signature this connection cannot give: target + calldata printed

export interface Change {
  step: string;
  action: ChangeAction;
  description: string;
  role?: RoleName;
  detail?: string;
}

export interface ReconcileOptions {
  configFile: string;
  configHash: string;
  recordsRoot: string;
  mode: "plan" | "apply";
  /** Test hook: throw after this many mined transactions (simulates an interrupted run). */
  failAfterTransactions?: number;
  deployer?: HardhatEthersSigner;
}

export interface ReconcileResult {
  changes: Change[];
  transactions: number;
  recordFile: string;
  record: DeploymentRecord;
}

export class InjectedFailure extends Error {}

const CONTRACT_PLACEHOLDER = "0x0000000000000000000000000000000000000000";

interface MarketParams {
  balanceFuse: string;
  capBps: bigint;
  capAssets: bigint;
  maxLeverageWad: bigint;
  maxBalanceAge: bigint;
}

interface ResolvedMarket {
  config: MarketConfig;
  id: bigint;
  substrates: string[]; // bytes32, lower case
  fuses: Record<string, string>;
  balanceFuse: string;
}

interface Op {
  step: string;
  description: string;
  role: RoleName;
  target: string;
  data: string;
}

/** Refuse what can be refused before any transaction: test contracts off local chains, missing fuse contracts. */
export async function preflight(ctx: ChainContext, config: VaultConfig): Promise<string[]> {
  const problems: string[] = [];
  const local = isLocalChain(ctx);
  const where = `network "${ctx.networkName}" has chainId ${ctx.chainId}; test contracts (contracts/test) deploy only to a local chain (chainId 31337)`;
  if (!local) {
    if (typeof config.asset !== "string") problems.push(`asset: { deployTest } refused: ${where}`);
    config.oracle.feeds.forEach((f, i) => {
      if (typeof f.feed !== "string") problems.push(`oracle.feeds[${i}].feed: { deployTest } refused: ${where}`);
    });
    config.markets.forEach((m, i) => {
      m.substrates.forEach((s, j) => {
        if (typeof s !== "string") problems.push(`markets[${i}].substrates[${j}]: { deployTest } refused: ${where}`);
      });
      if (fuseKind(m.kind).localOnly === true) problems.push(`markets[${i}].kind: "${m.kind}" is a simulation-only kind: ${where}`);
    });
  }
  const missing = await missingKindContracts(config.markets.map((m) => m.kind), (n) => ctx.artifactExists(n));
  config.markets.forEach((m, i) => {
    const names = missing.get(m.kind);
    if (names !== undefined) problems.push(`markets[${i}].kind: "${m.kind}" needs ${names.join(", ")}, not compiled in this checkout (the kind is planned, not landed)`);
  });
  if (ctx.signers.length === 0) problems.push(`network "${ctx.networkName}" has no account to sign with (see docs/atomist.md, "Keys")`);
  return problems;
}

export async function reconcile(ctx: ChainContext, config: VaultConfig, options: ReconcileOptions): Promise<ReconcileResult> {
  const engine = new Reconciler(ctx, config, options);
  await engine.run();
  return { changes: engine.changes, transactions: engine.transactions, recordFile: engine.recordFile, record: engine.record };
}

class Reconciler {
  readonly changes: Change[] = [];
  transactions = 0;
  readonly recordFile: string;
  record!: DeploymentRecord;
  private readonly deployer: HardhatEthersSigner;
  private readonly apply: boolean;
  private nextNonce = 0;
  private now = 0n;
  /** Operation ids (AccessManager hashOperation) this run wants; scheduled ones outside it are cancelled. */
  private readonly wantedOps = new Set<string>();
  private readonly pendingWork = { deferred: 0, pending: 0, manual: 0 };

  constructor(
    private readonly ctx: ChainContext,
    private readonly config: VaultConfig,
    private readonly options: ReconcileOptions,
  ) {
    const deployer = options.deployer ?? ctx.signers[0];
    if (deployer === undefined) throw new Error("no deployer account");
    this.deployer = deployer;
    this.apply = options.mode === "apply";
    this.recordFile = recordPath(options.recordsRoot, ctx.recordFolder, config.name);
  }

  async run(): Promise<void> {
    // The in-process chain starts empty on every run: its previous record describes a chain that is gone.
    let existing = this.ctx.inProcess ? undefined : await readRecord(this.recordFile);
    const recordedManager = existing?.contracts["AccessManager"];
    if (existing !== undefined && isLocalChain(this.ctx) && recordedManager?.status === "deployed" && !(await this.hasCode(recordedManager.address))) {
      // A local node restarted since the record was written: that chain is gone, so start afresh.
      this.ctx.io.err(`note: ${this.recordFile} describes a local chain that is gone (no AccessManager at ${recordedManager.address}); starting afresh`);
      existing = undefined;
    }
    if (existing !== undefined && BigInt(existing.chainId) !== this.ctx.chainId) {
      throw new Error(`${this.recordFile} records chainId ${existing.chainId}, but network "${this.ctx.networkName}" has chainId ${this.ctx.chainId}`);
    }
    this.record = existing ?? emptyRecord({
      vault: this.config.name,
      network: this.ctx.networkName,
      chainId: Number(this.ctx.chainId),
      configFile: this.options.configFile,
      configHash: this.options.configHash,
      deployer: this.deployer.address,
    });
    if (existing !== undefined && existing.deployer.toLowerCase() !== this.deployer.address.toLowerCase()) {
      throw new Error(`${this.recordFile} was deployed by ${existing.deployer}, who is the AccessManager admin; connect with that account (this run signs as ${this.deployer.address})`);
    }
    this.nextNonce = await this.ctx.ethers.provider.getTransactionCount(this.deployer.address, "pending");
    this.now = BigInt((await this.ctx.ethers.provider.getBlock("latest"))?.timestamp ?? 0);

    // 1. contracts
    const asset = await this.resolveAsset();
    const manager = await this.ensureContract("AccessManager", "AccessManager", [this.deployer.address]);
    const oracle = await this.ensureContract("PriceOracleMiddleware", "PriceOracleMiddleware", [manager]);
    const riskModule = await this.ensureContract("FuseboxRiskModule", "FuseboxRiskModule", [ZeroAddress]);
    const vaultModule = await this.ensureContract("FuseboxVaultModule", "FuseboxVaultModule", [riskModule]);
    const vault = await this.ensureContract("FuseboxVault", "FuseboxVault", [
      asset, this.config.share.name, this.config.share.symbol, manager, oracle, this.config.share.decimalsOffset, vaultModule,
    ]);
    const feeds = await this.resolveFeeds(asset);
    const markets = await this.resolveMarkets(asset);
    const live = (await this.hasCode(vault)) && (await this.hasCode(manager));

    // 2..4. wiring, configuration, roles
    await this.wire(live, manager, vault, oracle);
    if (live) {
      await this.bootstrapRoles(manager);
      await this.configure(manager, vault, oracle, asset, feeds, markets);
      await this.roles(manager);
      await this.cancelStale(manager);
    } else {
      this.changes.push({ step: "configuration", action: "deferred", description: "every market, feed, buffer and role setting is applied once the contracts above exist" });
    }

    if (this.apply) {
      this.record.configHash = this.options.configHash;
      this.record.configFile = this.options.configFile;
      this.record.markets = markets.map((m): MarketRecord => ({
        id: Number(m.id), name: m.config.name, kind: m.config.kind, fuses: m.fuses, balanceFuse: m.balanceFuse, substrates: m.substrates,
      }));
      await this.save();
    }
  }

  /* ------------------------------------------------------------------ contracts */

  private async resolveAsset(): Promise<string> {
    const asset = this.config.asset;
    if (typeof asset === "string") {
      if (this.apply || (await this.hasCode(asset))) {
        if (!(await this.hasCode(asset))) throw new Error(`asset: ${asset} has no code on network "${this.ctx.networkName}"`);
      }
      return asset;
    }
    const t = asset.deployTest;
    return this.ensureContract("test:asset", "TestERC20", [t.name, t.symbol, t.decimals]);
  }

  private async assetDecimals(asset: string): Promise<number> {
    if (typeof this.config.asset !== "string") return this.config.asset.deployTest.decimals;
    const token = new Contract(asset, ["function decimals() view returns (uint8)"], this.ctx.ethers.provider);
    return Number(await token.getFunction("decimals").staticCall());
  }

  private async resolveFeeds(asset: string): Promise<{ asset: string; feed: string; maxStaleness: bigint }[]> {
    const out: { asset: string; feed: string; maxStaleness: bigint }[] = [];
    for (const [i, f] of this.config.oracle.feeds.entries()) {
      const feedAsset = f.asset === "vault-asset" ? asset : f.asset;
      const feed = typeof f.feed === "string"
        ? f.feed
        : await this.ensureContract(`test:feed:${i}`, "TestPriceFeed", [f.feed.deployTest.decimals, parseUnits(f.feed.deployTest.answer, f.feed.deployTest.decimals)]);
      out.push({ asset: feedAsset, feed, maxStaleness: BigInt(f.maxStalenessSeconds) });
    }
    return out;
  }

  private async resolveMarkets(asset: string): Promise<ResolvedMarket[]> {
    const out: ResolvedMarket[] = [];
    for (const m of this.config.markets) {
      const spec = fuseKind(m.kind);
      const id = BigInt(m.id);
      const substrates: string[] = [];
      for (const [j, s] of m.substrates.entries()) {
        if (typeof s === "string") {
          substrates.push(encodeSubstrate(m.kind, s));
        } else {
          const test = spec.localTestSubstrate;
          if (test === undefined) throw new Error(`markets.${m.name}.substrates[${j}]: no test substrate for "${m.kind}"`);
          const address = await this.ensureContract(`test:market:${m.id}:substrate:${j}`, test.contract, test.args({ asset }));
          substrates.push(encodeSubstrate(m.kind, address));
        }
      }
      const ctx = { marketId: id, asset, params: m.params };
      const fuses: Record<string, string> = {};
      for (const name of spec.fuses) fuses[name] = await this.ensureContract(`market:${m.id}:${m.kind}:${name}`, name, spec.constructorArgs(name, ctx));
      const balanceFuse = await this.ensureContract(`market:${m.id}:${m.kind}:${spec.balanceFuse}`, spec.balanceFuse, spec.constructorArgs(spec.balanceFuse, ctx));
      if (m.kind === "erc4626" && this.apply) await this.checkErc4626Targets(m, substrates, asset);
      out.push({ config: m, id, substrates, fuses, balanceFuse });
    }
    return out;
  }

  /** Erc4626BalanceFuse assumes each target takes the vault's asset: checked here, before any configuration. */
  private async checkErc4626Targets(m: MarketConfig, substrates: string[], asset: string): Promise<void> {
    for (const s of substrates) {
      const target = `0x${s.slice(-40)}`;
      let targetAsset: string;
      try {
        const vault4626 = new Contract(target, ["function asset() view returns (address)"], this.ctx.ethers.provider);
        targetAsset = String(await vault4626.getFunction("asset").staticCall());
      } catch {
        throw new Error(`markets.${m.name}: substrate ${target} is not an ERC-4626 vault on network "${this.ctx.networkName}"`);
      }
      if (targetAsset.toLowerCase() !== asset.toLowerCase()) {
        throw new Error(`markets.${m.name}: target vault ${target} takes ${targetAsset}, not the vault's asset ${asset}`);
      }
    }
  }

  private async hasCode(address: string): Promise<boolean> {
    if (address === CONTRACT_PLACEHOLDER) return false;
    return (await this.ctx.ethers.provider.getCode(address)) !== "0x";
  }

  /** Deploy `contract` under `key` unless the record holds it (and the chain has its code). */
  private async ensureContract(key: string, contract: string, args: unknown[]): Promise<string> {
    const known = this.record.contracts[key];
    if (known !== undefined) {
      if (await this.hasCode(known.address)) {
        if (known.status === "pending" && this.apply) {
          const receipt = await this.ctx.ethers.provider.getTransactionReceipt(known.txHash);
          known.status = "deployed";
          known.block = receipt?.blockNumber ?? null;
          await this.save();
        }
        return known.address;
      }
      const tx = known.status === "pending" ? await this.ctx.ethers.provider.getTransaction(known.txHash) : null;
      if (tx !== null && this.apply) {
        // Sent by an interrupted run and still in flight: wait for it instead of sending a twin.
        const receipt = await tx.wait();
        known.status = "deployed";
        known.block = receipt?.blockNumber ?? null;
        await this.save();
        return known.address;
      }
      if (known.status === "deployed") {
        throw new Error(`${this.recordFile} records ${key} at ${known.address}, but network "${this.ctx.networkName}" has no code there (a reset node?). Move the record away to deploy afresh.`);
      }
    }
    if (!this.apply) {
      const predicted = getCreateAddress({ from: this.deployer.address, nonce: this.nextNonce++ });
      this.changes.push({ step: key, action: "deploy", description: `${contract} (${key})`, detail: `at ${predicted} (predicted)` });
      return predicted;
    }
    const factory = await this.ctx.ethers.getContractFactory(contract, this.deployer);
    const request = await factory.getDeployTransaction(...args);
    const sent = await this.deployer.sendTransaction(request);
    const address = getCreateAddress({ from: this.deployer.address, nonce: sent.nonce });
    this.record.contracts[key] = { contract, address, txHash: sent.hash, block: null, args: args.map(String), status: "pending" };
    await this.save();
    const receipt = await sent.wait();
    if (receipt === null) throw new Error(`deployment of ${contract} (${sent.hash}) was dropped`);
    this.record.contracts[key] = { contract, address, txHash: sent.hash, block: receipt.blockNumber, args: args.map(String), status: "deployed" };
    this.record.transactions.push({ step: `deploy ${key}`, txHash: sent.hash, block: receipt.blockNumber, from: this.deployer.address, to: address });
    this.changes.push({ step: key, action: "deploy", description: `${contract} (${key})`, detail: `at ${address}` });
    await this.mined();
    return address;
  }

  /* ------------------------------------------------------------------ sending */

  private async save(): Promise<void> {
    if (this.apply) await writeRecord(this.recordFile, this.record);
  }

  private async mined(): Promise<void> {
    this.transactions += 1;
    await this.save();
    const limit = this.options.failAfterTransactions;
    if (limit !== undefined && this.transactions >= limit) {
      throw new InjectedFailure(`injected failure after ${this.transactions} transactions (--fail-after ${limit})`);
    }
  }

  private async sendTx(step: string, signer: HardhatEthersSigner, to: string, data: string): Promise<void> {
    let receipt;
    try {
      const sent = await signer.sendTransaction({ to, data });
      receipt = await sent.wait();
    } catch (error) {
      throw new Error(`${step}: transaction from ${signer.address} failed: ${await explainError(this.ctx, error)}`);
    }
    if (receipt === null) throw new Error(`${step}: transaction dropped`);
    this.record.transactions.push({ step, txHash: receipt.hash, block: receipt.blockNumber, from: signer.address, to });
    await this.mined();
  }

  /** Who sends `role`'s calls: the deployer while bootstrapping (and for ADMIN), else a configured holder. */
  private senderAddressFor(role: RoleName): { address: string; signer?: HardhatEthersSigner } {
    if (role === "ADMIN" || (!this.record.bootstrapped && role !== "ALPHA" && role !== "REPORTER")) {
      return { address: this.deployer.address, signer: this.deployer };
    }
    const holders = this.holders(role);
    for (const address of holders) {
      const signer = signerFor(this.ctx, address);
      if (signer !== undefined) return { address, signer };
    }
    return { address: holders[0] ?? this.deployer.address };
  }

  private holders(role: RoleName): string[] {
    const r = this.config.roles;
    switch (role) {
      case "ATOMIST": return r.atomist;
      case "ALPHA": return r.alpha;
      case "GUARDIAN": return r.guardian;
      case "FUSE_MANAGER": return r.fuseManager;
      case "REPORTER": return r.reporters;
      case "ADMIN": return [this.deployer.address];
    }
  }

  /** Apply `op` as its role: at once without a delay, else schedule / wait / execute through the AccessManager. */
  private async perform(manager: string, op: Op): Promise<ChangeAction> {
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    const sender = this.senderAddressFor(op.role);
    const [, delay] = await am.hasRole(ROLES[op.role], sender.address);
    const done = (action: ChangeAction, detail?: string): ChangeAction => {
      this.changes.push({ step: op.step, description: op.description, role: op.role, action, ...(detail === undefined ? {} : { detail }) });
      return action;
    };
    if (delay === 0n) {
      if (!this.apply) return done("send");
      if (sender.signer === undefined) return this.manual(op, sender.address, "send");
      await this.sendTx(op.step, sender.signer, op.target, op.data);
      return done("send");
    }
    const id = await am.hashOperation(sender.address, op.target, op.data);
    this.wantedOps.add(id);
    const due = await am.getSchedule(id);
    if (due === 0n) {
      if (!this.apply) return done("schedule", `timelock ${delay}s`);
      if (sender.signer === undefined) return this.manual(op, sender.address, "schedule");
      await this.sendTx(`schedule ${op.step}`, sender.signer, manager, am.interface.encodeFunctionData("schedule", [op.target, op.data, 0]));
      const scheduled = await am.getSchedule(id);
      this.record.scheduled = this.record.scheduled.filter((s) => s.operationId !== id);
      this.record.scheduled.push({
        operationId: id, step: op.step, caller: sender.address, target: op.target, data: op.data,
        dueAt: Number(scheduled), txHash: this.record.transactions.at(-1)?.txHash ?? "",
      });
      await this.save();
      this.pendingWork.pending += 1;
      return done("schedule", `timelock ${delay}s, due at ${isoTime(scheduled)}; run deploy again then`);
    }
    if (due > this.now) {
      this.pendingWork.pending += 1;
      return done("pending", `due at ${isoTime(due)} (in ${due - this.now}s)`);
    }
    if (!this.apply) return done("execute", "scheduled change is due");
    if (sender.signer === undefined) return this.manual(op, sender.address, "execute");
    await this.sendTx(`execute ${op.step}`, sender.signer, manager, am.interface.encodeFunctionData("execute", [op.target, op.data]));
    this.record.scheduled = this.record.scheduled.filter((s) => s.operationId !== id);
    await this.save();
    return done("execute", "scheduled change was due");
  }

  private manual(op: Op, address: string, what: string): ChangeAction {
    this.pendingWork.manual += 1;
    this.changes.push({
      step: op.step, action: "manual", role: op.role, description: op.description,
      detail: `${what} needs ${address} (${op.role}), not an account of this connection: to=${op.target} data=${op.data}`,
    });
    return "manual";
  }

  private defer(step: string, description: string, why: string): void {
    this.pendingWork.deferred += 1;
    this.changes.push({ step, action: "deferred", description, detail: why });
  }

  /* ------------------------------------------------------------------ wiring */

  private async wire(live: boolean, manager: string, vault: string, oracle: string): Promise<void> {
    if (!live) {
      this.changes.push({ step: "wiring", action: "send", role: "ADMIN", description: "map vault and oracle functions to roles; label roles; GUARDIAN guards ATOMIST and FUSE_MANAGER" });
      return;
    }
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    const targets: [string, BaseContract, Record<string, bigint>][] = [
      ["vault", await this.ctx.ethers.getContractAt("IFuseboxVault", vault), VAULT_FUNCTION_ROLES],
      ["oracle", await this.ctx.ethers.getContractAt("PriceOracleMiddleware", oracle), ORACLE_FUNCTION_ROLES],
    ];
    for (const [label, contract, functionRoles] of targets) {
      const address = await contract.getAddress();
      for (const [role, selectors] of selectorsByRole(contract, functionRoles)) {
        const wrong: string[] = [];
        for (const selector of selectors) if ((await am.getTargetFunctionRole(address, selector)) !== role) wrong.push(selector);
        if (wrong.length === 0) continue;
        await this.perform(manager, {
          step: `wire:${label}:role${role}`, role: "ADMIN", target: manager,
          description: `map ${wrong.length} ${label} function(s) to role ${roleName(role)}`,
          data: am.interface.encodeFunctionData("setTargetFunctionRole", [address, wrong, role]),
        });
      }
    }
    const guarded = (await am.getRoleGuardian(ROLES.ATOMIST)) === ROLES.GUARDIAN && (await am.getRoleGuardian(ROLES.FUSE_MANAGER)) === ROLES.GUARDIAN;
    if (guarded) return;
    if (!this.apply) {
      this.changes.push({ step: "wire:guardians", action: "send", role: "ADMIN", description: "label roles; GUARDIAN guards ATOMIST and FUSE_MANAGER" });
      return;
    }
    // scripts/lib/access.ts does the labelling and guardian wiring; each call goes through this run's recorder.
    const recorder: AccessManagerLike = {
      setTargetFunctionRole: async (target, selectors, roleId) => this.adminCall(manager, "setTargetFunctionRole", [target, selectors, roleId]),
      setRoleGuardian: async (roleId, guardian) => this.adminCall(manager, "setRoleGuardian", [roleId, guardian]),
      labelRole: async (roleId, label) => this.adminCall(manager, "labelRole", [roleId, label]),
    };
    await wireRoleGuardians(recorder);
    this.changes.push({ step: "wire:guardians", action: "send", role: "ADMIN", description: "label roles; GUARDIAN guards ATOMIST and FUSE_MANAGER" });
  }

  private async adminCall(manager: string, fn: string, args: unknown[]): Promise<{ wait(): Promise<unknown> }> {
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    const iface: Interface = am.interface; // the generic view: `fn` is one of the three wiring functions
    await this.sendTx(`wire:${fn}`, this.deployer, manager, iface.encodeFunctionData(fn, args));
    return { wait: async () => undefined };
  }

  /* ------------------------------------------------------------------ configuration */

  private async configure(
    manager: string,
    vaultAddress: string,
    oracleAddress: string,
    asset: string,
    feeds: { asset: string; feed: string; maxStaleness: bigint }[],
    markets: ResolvedMarket[],
  ): Promise<void> {
    const { ethers } = this.ctx;
    const vault = await ethers.getContractAt("IFuseboxVault", vaultAddress);
    const oracle = await ethers.getContractAt("PriceOracleMiddleware", oracleAddress);
    const decimals = await this.assetDecimals(asset);
    const call = async (step: string, role: RoleName, description: string, target: BaseContract, fn: string, args: unknown[]): Promise<ChangeAction> => {
      const data = target.interface.encodeFunctionData(fn, args);
      return this.perform(manager, { step, role, description, target: await target.getAddress(), data });
    };
    // In a plan, what this run would apply at once counts as done for the changes that wait on it.
    const plannedNow = new Set<string>();

    // Feeds (a new or changed feed raises risk).
    for (const f of feeds) {
      const current = await oracle.getFeed(f.asset);
      if (current.aggregator.toLowerCase() === f.feed.toLowerCase() && current.maxStaleness === f.maxStaleness) continue;
      const was = current.aggregator === CONTRACT_PLACEHOLDER ? "none" : `${current.aggregator} / ${current.maxStaleness}s`;
      await call(`feed:${f.asset}`, "ATOMIST", `price ${f.asset} with ${f.feed}, max staleness ${f.maxStaleness}s (was ${was})`, oracle, "setFeed", [f.asset, f.feed, f.maxStaleness]);
    }

    // Markets the chain has and the config dropped: closed to new capital by the guardian at once.
    const wantedIds = new Set(markets.map((m) => m.id));
    for (const id of await vault.getMarketIds()) {
      if (wantedIds.has(id)) continue;
      const m = await vault.getMarket(id);
      if (m.capBps !== 0n || m.maxLeverageWad !== 0n) {
        await call(`market:${id}:close`, "GUARDIAN", `market ${id} is not in the config: lower cap and leverage to 0 (remove it with removeMarket once empty)`, vault, "lowerMarketLimits", [id, 0, m.capAssets, 0]);
      }
    }
    const dropped = this.record.markets.filter((m) => !markets.some((x) => x.id === BigInt(m.id) && x.config.kind === m.kind));
    for (const m of dropped) {
      const allowed: string[] = [];
      for (const fuse of Object.values(m.fuses)) if ((await vault.fuseMarketId(fuse)) !== 0n) allowed.push(fuse);
      if (allowed.length > 0) await call(`market:${m.id}:remove-fuses`, "GUARDIAN", `remove ${m.kind} fuses of market ${m.id} (${m.name}), no longer in the config`, vault, "removeFuses", [allowed]);
    }

    for (const m of markets) {
      const label = `market ${m.id} (${m.config.name})`;
      // Substrates: grant what is missing (atomist, delayed); revoke what the config dropped (guardian, at once).
      const current = (await vault.getSubstrates(m.id)).map((s) => s.toLowerCase());
      const missing = m.substrates.filter((s) => !current.includes(s));
      const extra = current.filter((s) => !m.substrates.includes(s));
      if (extra.length > 0) await call(`market:${m.id}:revoke-substrates`, "GUARDIAN", `${label}: revoke ${extra.length} substrate(s) ${extra.join(", ")}`, vault, "revokeSubstrates", [m.id, extra]);
      if (missing.length > 0) await call(`market:${m.id}:grant-substrates`, "ATOMIST", `${label}: grant ${missing.length} substrate(s) ${missing.join(", ")}`, vault, "grantSubstrates", [m.id, missing]);

      // Market parameters: a pure lowering goes by the guardian at once; anything else is a timelocked configureMarket.
      const want: MarketParams = {
        balanceFuse: m.balanceFuse,
        capBps: BigInt(m.config.capBps),
        capAssets: m.config.capAssets === undefined ? 0n : parseUnits(m.config.capAssets, decimals),
        maxLeverageWad: maxLeverageWad(m.config),
        maxBalanceAge: BigInt(m.config.maxBalanceAgeSeconds ?? this.config.maxBalanceAgeSeconds),
      };
      const have = await vault.getMarket(m.id);
      if (!have.active) {
        if (await call(`market:${m.id}:configure`, "ATOMIST", `${label}: create (${describeParams(want)})`, vault, "configureMarket", [m.id, want]) === "send") plannedNow.add(`market:${m.id}`);
      } else {
        const same = have.balanceFuse.toLowerCase() === want.balanceFuse.toLowerCase() && have.maxBalanceAge === want.maxBalanceAge;
        const changed = !same || have.capBps !== want.capBps || have.capAssets !== want.capAssets || have.maxLeverageWad !== want.maxLeverageWad;
        if (changed) {
          const diff = describeDiff(have, want);
          const capAssetsLowered = have.capAssets === 0n || (want.capAssets !== 0n && want.capAssets <= have.capAssets);
          if (same && want.capBps <= have.capBps && want.maxLeverageWad <= have.maxLeverageWad && capAssetsLowered) {
            await call(`market:${m.id}:lower`, "GUARDIAN", `${label}: lower ${diff}`, vault, "lowerMarketLimits", [m.id, want.capBps, want.capAssets, want.maxLeverageWad]);
          } else {
            await call(`market:${m.id}:configure`, "ATOMIST", `${label}: ${diff}`, vault, "configureMarket", [m.id, want]);
          }
        }
      }

      // Fuses: allowed once the market exists on chain (addFuses checks it).
      const toAdd: string[] = [];
      for (const fuse of Object.values(m.fuses)) if ((await vault.fuseMarketId(fuse)) !== m.id) toAdd.push(fuse);
      if (toAdd.length > 0) {
        const description = `${label}: allow fuse(s) ${Object.entries(m.fuses).filter(([, a]) => toAdd.includes(a)).map(([n, a]) => `${n} ${a}`).join(", ")}`;
        if ((await vault.getMarket(m.id)).active || (!this.apply && plannedNow.has(`market:${m.id}`))) {
          if (await call(`market:${m.id}:add-fuses`, "FUSE_MANAGER", description, vault, "addFuses", [toAdd]) === "send") toAdd.forEach((f) => plannedNow.add(f));
        } else this.defer(`market:${m.id}:add-fuses`, description, `waits for market ${m.id} to exist on chain`);
      }
    }

    // Dependency graph: markets revalued together (accounting only; the atomist's, like all configuration).
    for (const m of markets) {
      const want = m.config.revalueWith.map((name) => markets.find((x) => x.config.name === name)?.id ?? 0n);
      const label = `market ${m.id} (${m.config.name})`;
      const existsOrPlanned = async (id: bigint): Promise<boolean> =>
        (await vault.getMarket(id)).active || (!this.apply && plannedNow.has(`market:${id}`));
      if (!(await existsOrPlanned(m.id))) {
        if (want.length > 0) this.defer(`market:${m.id}:dependencies`, `${label}: revalue with [${m.config.revalueWith.join(", ")}]`, `waits for market ${m.id} to exist on chain`);
        continue;
      }
      const have = (await vault.getMarketDependencies(m.id)).map((x) => BigInt(x));
      if (have.join() === want.join()) continue;
      const description = `${label}: revalue with [${m.config.revalueWith.join(", ")}] (was [${have.join(", ")}])`;
      const missing: bigint[] = [];
      for (const id of want) if (!(await existsOrPlanned(id))) missing.push(id);
      if (missing.length === 0) await call(`market:${m.id}:dependencies`, "ATOMIST", description, vault, "setMarketDependencies", [m.id, want]);
      else this.defer(`market:${m.id}:dependencies`, description, `waits for market(s) ${missing.join(", ")} to exist on chain`);
    }

    // Redemption order after idle.
    const order = (this.config.withdrawOrder ?? markets.filter((m) => fuseKind(m.config.kind).instantWithdrawFuse !== undefined).map((m) => m.config.name))
      .map((name) => markets.find((m) => m.config.name === name))
      .flatMap((m) => {
        const fuse = m === undefined ? undefined : fuseKind(m.config.kind).instantWithdrawFuse;
        return m === undefined || fuse === undefined ? [] : [m.fuses[fuse] ?? ""];
      });
    const currentOrder = (await vault.getInstantWithdrawFuses()).map((a) => a.toLowerCase());
    if (currentOrder.join() !== order.map((a) => a.toLowerCase()).join()) {
      const description = `instant-withdraw order: [${order.join(", ")}]`;
      const notAllowed: string[] = [];
      for (const fuse of order) if ((await vault.fuseMarketId(fuse)) === 0n && !(!this.apply && plannedNow.has(fuse))) notAllowed.push(fuse);
      if (notAllowed.length === 0) await call("withdraw-order", "ATOMIST", description, vault, "setInstantWithdrawFuses", [order]);
      else this.defer("withdraw-order", description, `waits for fuse(s) ${notAllowed.join(", ")} to be allowed`);
    }

    // Idle buffer.
    const buffer = await vault.idleBufferBps();
    if (buffer !== BigInt(this.config.idleBufferBps)) {
      await call("idle-buffer", "ATOMIST", `idle buffer ${buffer} -> ${this.config.idleBufferBps} bps`, vault, "setIdleBufferBps", [this.config.idleBufferBps]);
    }

    // Depositor allowlist: members first, then the switch.
    const wanted = this.config.depositors.allowed;
    const toAllow: string[] = [];
    for (const d of wanted) if (!(await vault.isDepositorAllowed(d))) toAllow.push(d);
    const toDisallow: string[] = [];
    for (const d of this.record.depositors) if (!wanted.includes(d) && (await vault.isDepositorAllowed(d))) toDisallow.push(d);
    if (toAllow.length > 0) await call("depositors:allow", "ATOMIST", `allow depositor(s) ${toAllow.join(", ")}`, vault, "setDepositorsAllowed", [toAllow, true]);
    if (toDisallow.length > 0) await call("depositors:disallow", "ATOMIST", `disallow depositor(s) ${toDisallow.join(", ")}`, vault, "setDepositorsAllowed", [toDisallow, false]);
    if ((await vault.depositorAllowlistEnabled()) !== this.config.depositors.allowlistEnabled) {
      await call("depositors:switch", "ATOMIST", `depositor allowlist ${this.config.depositors.allowlistEnabled ? "on" : "off"}`, vault, "setDepositorAllowlistEnabled", [this.config.depositors.allowlistEnabled]);
    }
    if (this.apply) this.record.depositors = [...wanted];
  }

  /* ------------------------------------------------------------------ roles */

  private async bootstrapRoles(manager: string): Promise<void> {
    if (this.record.bootstrapped) return;
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    for (const role of ["ATOMIST", "FUSE_MANAGER", "GUARDIAN"] as const) {
      const [isMember, delay] = await am.hasRole(ROLES[role], this.deployer.address);
      if (isMember && delay === 0n) continue;
      await this.perform(manager, {
        step: `bootstrap:grant:${role}`, role: "ADMIN", target: manager,
        description: `bootstrap: deployer ${this.deployer.address} holds ${role} (no delay) until the first configuration is applied`,
        data: am.interface.encodeFunctionData("grantRole", [ROLES[role], this.deployer.address, 0]),
      });
    }
  }

  private desiredDelay(role: RoleName): bigint {
    if (role === "ATOMIST") return BigInt(this.config.timelocks.atomistSeconds);
    if (role === "FUSE_MANAGER") return BigInt(this.config.timelocks.fuseManagerSeconds);
    return 0n;
  }

  private async roles(manager: string): Promise<void> {
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    const roleNames: RoleName[] = ["ATOMIST", "ALPHA", "GUARDIAN", "FUSE_MANAGER", "REPORTER"];
    const grant = async (role: RoleName, account: string, delay: bigint, description: string): Promise<void> => {
      await this.perform(manager, {
        step: `role:${role}:${account}`, role: "ADMIN", target: manager, description,
        data: am.interface.encodeFunctionData("grantRole", [ROLES[role], account, delay]),
      });
    };
    for (const role of roleNames) {
      const want = this.desiredDelay(role);
      for (const account of this.holders(role)) {
        const [since, currentDelay, pendingDelay, effect] = await am.getAccess(ROLES[role], account);
        const target = effect !== 0n ? pendingDelay : currentDelay;
        if (since !== 0n && target === want) continue;
        const what = since === 0n ? "grant" : `change execution delay ${target}s ->`;
        await grant(role, account, want, `${role}: ${what} ${account}${since === 0n ? ` (execution delay ${want}s)` : ` ${want}s`}`);
      }
      for (const account of this.record.roles[role] ?? []) {
        if (this.holders(role).some((h) => h.toLowerCase() === account.toLowerCase())) continue;
        if (!(await am.hasRole(ROLES[role], account))[0]) continue;
        await this.perform(manager, {
          step: `role:${role}:${account}:revoke`, role: "ADMIN", target: manager, description: `${role}: revoke ${account} (no longer in the config)`,
          data: am.interface.encodeFunctionData("revokeRole", [ROLES[role], account]),
        });
      }
      if (this.apply) this.record.roles[role] = [...this.holders(role)];
    }

    if (!this.record.bootstrapped && this.pendingWork.deferred + this.pendingWork.manual === 0) {
      for (const role of ["ATOMIST", "FUSE_MANAGER", "GUARDIAN"] as const) {
        if (this.holders(role).some((h) => h.toLowerCase() === this.deployer.address.toLowerCase())) continue;
        if (!(await am.hasRole(ROLES[role], this.deployer.address))[0]) continue;
        await this.perform(manager, {
          step: `bootstrap:revoke:${role}`, role: "ADMIN", target: manager,
          description: `bootstrap done: deployer gives up its temporary ${role} role`,
          data: am.interface.encodeFunctionData("revokeRole", [ROLES[role], this.deployer.address]),
        });
      }
      if (this.apply) {
        this.record.bootstrapped = true;
        await this.save();
      }
    }
  }

  /** Scheduled operations this tool recorded that the config no longer wants: the guardian cancels them. */
  private async cancelStale(manager: string): Promise<void> {
    const am = await this.ctx.ethers.getContractAt("AccessManager", manager);
    for (const s of [...this.record.scheduled]) {
      if (this.wantedOps.has(s.operationId)) continue;
      if ((await am.getSchedule(s.operationId)) === 0n) {
        if (this.apply) this.record.scheduled = this.record.scheduled.filter((x) => x.operationId !== s.operationId);
        continue;
      }
      const guardian = this.senderAddressFor("GUARDIAN");
      const description = `cancel scheduled "${s.step}" (the config no longer asks for it)`;
      if (!this.apply) {
        this.changes.push({ step: `cancel:${s.step}`, action: "cancel", role: "GUARDIAN", description });
        continue;
      }
      if (guardian.signer === undefined) {
        this.manual({ step: `cancel:${s.step}`, description, role: "GUARDIAN", target: manager, data: am.interface.encodeFunctionData("cancel", [s.caller, s.target, s.data]) }, guardian.address, "send");
        continue;
      }
      await this.sendTx(`cancel ${s.step}`, guardian.signer, manager, am.interface.encodeFunctionData("cancel", [s.caller, s.target, s.data]));
      this.record.scheduled = this.record.scheduled.filter((x) => x.operationId !== s.operationId);
      this.changes.push({ step: `cancel:${s.step}`, action: "cancel", role: "GUARDIAN", description });
    }
    await this.save();
  }
}

function roleName(id: bigint): string {
  return Object.entries(ROLES).find(([, v]) => v === id)?.[0] ?? `#${id}`;
}

function isoTime(unix: bigint): string {
  return new Date(Number(unix) * 1000).toISOString();
}

function describeLeverage(wad: bigint): string {
  return wad === 0n ? "0 (unlevered)" : `${Number(wad) / 1e18}x`;
}

function describeParams(p: MarketParams): string {
  return `cap ${p.capBps} bps${p.capAssets === 0n ? "" : ` / ${p.capAssets} assets`}, leverage ${describeLeverage(p.maxLeverageWad)}, max balance age ${p.maxBalanceAge}s, balance fuse ${p.balanceFuse}`;
}

function describeDiff(have: { balanceFuse: string; capBps: bigint; capAssets: bigint; maxLeverageWad: bigint; maxBalanceAge: bigint }, want: MarketParams): string {
  const parts: string[] = [];
  if (have.capBps !== want.capBps) parts.push(`capBps ${have.capBps} -> ${want.capBps}`);
  if (have.capAssets !== want.capAssets) parts.push(`capAssets ${have.capAssets} -> ${want.capAssets}`);
  if (have.maxLeverageWad !== want.maxLeverageWad) parts.push(`maxLeverage ${describeLeverage(have.maxLeverageWad)} -> ${describeLeverage(want.maxLeverageWad)}`);
  if (have.maxBalanceAge !== want.maxBalanceAge) parts.push(`maxBalanceAge ${have.maxBalanceAge}s -> ${want.maxBalanceAge}s`);
  if (have.balanceFuse.toLowerCase() !== want.balanceFuse.toLowerCase()) parts.push(`balanceFuse ${have.balanceFuse} -> ${want.balanceFuse}`);
  return parts.join(", ");
}

export { FUSE_KINDS };
