/**
 * The fusebox CLI against a separate anvil node over JSON-RPC: idempotent deploys, guardian lowerings,
 * timelocked raises, interrupted runs, config errors before any transaction, and `status` breaches.
 * One anvil for the file; each test deploys its own vault (its own config name) so tests stay independent.
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { network } from "hardhat";
import { encodeBytes32String } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import { main } from "../../scripts/cli/main.js";
import { roleHolders, type DeploymentRecord } from "../../scripts/deploy/record.js";
import { preflight } from "../../scripts/deploy/reconcile.js";
import type { PlanStep, VaultPlan } from "../../scripts/deploy/plan.js";
import { validateConfig, type VaultConfigInput } from "../../scripts/config/schema.js";
import { startAnvil, type AnvilNode } from "./anvil.js";

const ROOT = process.cwd();
const EXAMPLE = join(ROOT, "deployments", "configs", "funding-rate-usdc.ts");
const ACCOUNTS = [
  "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
] as const;
const [, ATOMIST, ALPHA, GUARDIAN, FUSE_MANAGER, DEPOSITOR] = ACCOUNTS;
const HOUR = 3_600;

interface Run {
  code: number;
  out: string;
  err: string;
}

function baseConfig(name: string): VaultConfigInput {
  return {
    name,
    share: { name: "Test vault", symbol: "tv" },
    asset: { deployTest: { name: "USD Coin (test)", symbol: "USDC", decimals: 6 } },
    idleBufferBps: 1_000,
    markets: [{ id: 1, name: "parking", kind: "erc4626", substrates: [{ deployTest: true }], capBps: 5_000 }],
    oracle: { feeds: [{ asset: "vault-asset", feed: { deployTest: { decimals: 8, answer: "1" } }, maxStalenessSeconds: 86_400 }] },
    roles: { atomist: [ATOMIST], alpha: [ALPHA], guardian: [GUARDIAN], fuseManager: [FUSE_MANAGER] },
    timelocks: { atomistSeconds: HOUR, fuseManagerSeconds: HOUR },
  };
}

describe("fusebox CLI (anvil over JSON-RPC)", function () {
  this.timeout(120_000);
  let anvil: AnvilNode | undefined;
  let records: string;
  let connection: NetworkConnection;

  before(async function () {
    records = await mkdtemp(join(tmpdir(), "fusebox-cli-"));
    anvil = await startAnvil(ROOT);
    connection = await network.create({ network: "anvil", override: { url: anvil.url } });
  });

  after(async function () {
    await anvil?.stop();
    if (records !== undefined) await rm(records, { recursive: true, force: true });
  });

  const url = (): string => {
    if (anvil === undefined) throw new Error("anvil not started");
    return anvil.url;
  };

  /** Run the CLI in-process against the file's anvil (network options appended). */
  async function cli(...args: string[]): Promise<Run> {
    const withNetwork = ["plan", "deploy", "status"].includes(args[0] ?? "") && !args.includes("--help")
      ? [...args, "--network", "anvil", "--rpc-url", url(), "--records", records, "--no-build"]
      : args;
    return cliRaw(...withNetwork);
  }

  async function cliRaw(...args: string[]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  async function writeConfig(config: unknown, file = `${(config as { name?: string }).name ?? "bad"}-${Date.now()}.json`): Promise<string> {
    const path = join(records, file);
    await writeFile(path, JSON.stringify(config, null, 2));
    return path;
  }

  async function record(name: string): Promise<DeploymentRecord> {
    return JSON.parse(await readFile(join(records, "anvil", `${name}.json`), "utf8")) as DeploymentRecord;
  }

  const blockNumber = async (): Promise<number> => connection.ethers.provider.getBlockNumber();

  async function vaultOf(name: string) {
    const address = (await record(name)).contracts["FuseboxVault"]?.address;
    if (address === undefined) throw new Error(`no vault in record ${name}`);
    return connection.ethers.getContractAt("IFuseboxVault", address);
  }

  async function deployed(config: VaultConfigInput): Promise<string> {
    const file = await writeConfig(config);
    const run = await cli("deploy", "--config", file);
    expect(run.code, run.err).to.equal(0);
    return file;
  }

  it("deploys the example config on a fresh node; a second deploy and a plan change nothing", async function () {
    const first = await cli("deploy", "--config", EXAMPLE);
    expect(first.code, first.err).to.equal(0);
    const rec = await record("funding-rate-usdc");
    expect(rec.bootstrapped).to.equal(true);
    expect(Object.values(rec.contracts).every((c) => c.status === "deployed" && c.block !== null)).to.equal(true);
    expect(rec.transactions.length).to.be.greaterThan(30);

    const vault = await vaultOf("funding-rate-usdc");
    expect(await vault.getMarketIds()).to.deep.equal([1n, 2n]);
    expect((await vault.getMarket(2)).capAssets).to.equal(5_000_000n * 10n ** 6n);
    expect(await vault.idleBufferBps()).to.equal(1_000n);
    expect(await vault.getInstantWithdrawFuses()).to.have.length(2);
    const manager = await connection.ethers.getContractAt("AccessManager", await vault.authority());
    expect(await manager.hasRole(1n, ATOMIST)).to.deep.equal([true, 86_400n]);
    expect((await manager.hasRole(1n, ACCOUNTS[0]))[0]).to.equal(false); // bootstrap role given up
    // The record names the role holders the way `alpha run` looks them up.
    expect(roleHolders(rec, "ALPHA")).to.deep.equal([ALPHA]);
    expect(roleHolders(rec, "GUARDIAN")).to.deep.equal([GUARDIAN]);

    const before = await blockNumber();
    const second = await cli("deploy", "--config", EXAMPLE);
    expect(second.code, second.err).to.equal(0);
    expect(second.out).to.contain("nothing to do");
    expect(second.out).to.contain("0 transaction(s) sent");
    const plan = await cli("plan", "--config", EXAMPLE);
    expect(plan.out).to.contain("nothing to do");
    expect(plan.code).to.equal(0);
    expect(await blockNumber()).to.equal(before);
  });

  it("plan on a fresh (in-process) chain lists every contract, cap, role and timelock as data (--json), and exits 3", async function () {
    const run = await cliRaw("plan", "--config", EXAMPLE, "--json", "--no-build"); // the in-process chain: fresh
    expect(run.code, run.err).to.equal(3);
    const plan = JSON.parse(run.out) as VaultPlan & { summary: { changes: number } };
    const step = (key: string): PlanStep => {
      const found = plan.steps.find((s) => s.key === key);
      if (found === undefined) throw new Error(`no plan entry ${key}`);
      return found;
    };
    expect(plan.steps.some((s) => s.state === "waiting")).to.equal(false);
    expect(step("FuseboxVault").state).to.equal("create");
    expect(step("market:2:configure").description).to.contain("cap 4000 bps (40%) / 5,000,000 USDC (5000000000000)");
    expect(step("market:2:configure").state).to.equal("create");
    expect(step(`role:ATOMIST:${ATOMIST}`).description).to.contain("execution delay (timelock) 86400s (1 d)");
    expect(step(`role:GUARDIAN:${GUARDIAN}`).state).to.equal("create");
    expect(step("idle-buffer").state).to.equal("present"); // the vault's constructor default is the config's 10%
    expect(step("withdraw-order").state).to.equal("create");
    expect(plan.bootstrapCompletes).to.equal(true);
    expect(plan.summary.changes).to.equal(plan.steps.filter((s) => s.state !== "present").length);
  });

  it("a lowered cap is the only change, applied at once by the guardian", async function () {
    const config = baseConfig("lower-cap");
    await deployed(config);
    const lowered = { ...config, markets: [{ ...config.markets[0]!, capBps: 3_000 }] };
    const file = await writeConfig(lowered);
    const plan = await cli("plan", "--config", file);
    expect(plan.code).to.equal(3); // the plan has changes
    expect(plan.out).to.match(/1 change\(s\) of \d+ entries/);

    const before = await blockNumber();
    const run = await cli("deploy", "--config", file);
    expect(run.code, run.err).to.equal(0);
    const applied = run.out.split("\n").filter((l) => /^\s+(create|change|remove|schedule|execute|cancel)\s/.test(l));
    expect(applied).to.have.length(1);
    expect(applied[0]).to.contain("[GUARDIAN]").and.to.contain("capBps 5000 -> 3000");
    expect(await blockNumber()).to.equal(before + 1);
    expect((await (await vaultOf("lower-cap")).getMarket(1)).capBps).to.equal(3_000n);
  });

  it("risk groups: set with the vault, a lowered group cap applied at once by the guardian (issue #10)", async function () {
    const group = { name: "parking-group", capBps: 6_000, markets: ["parking"] };
    const config: VaultConfigInput = { ...baseConfig("risk-groups"), risk: { groups: [group] } };
    await deployed(config);
    const vault = await vaultOf("risk-groups");
    const id = encodeBytes32String("parking-group");
    expect((await vault.getRiskGroup(id)).capBps).to.equal(6_000n);
    expect(await vault.getMarketGroups(1)).to.deep.equal([id]);
    const file = await writeConfig({ ...config, risk: { groups: [{ ...group, capBps: 4_000 }] } });
    const run = await cli("deploy", "--config", file);
    expect(run.code, run.err).to.equal(0);
    const applied = run.out.split("\n").filter((l) => /^\s+(create|change|remove|schedule|execute|cancel)\s/.test(l));
    expect(applied).to.have.length(1);
    expect(applied[0]).to.contain("[GUARDIAN]").and.to.contain("risk group parking-group");
    expect((await vault.getRiskGroup(id)).capBps).to.equal(4_000n);
    const again = await cli("plan", "--config", file);
    expect(again.code, again.out).to.equal(0); // nothing left to do: "none" written as the maximum reads back as none
    const status = await cli("status", "--vault", "risk-groups");
    expect(status.out).to.match(/parking-group \(markets 1\): balance .* vs cap .* OK/);
  });

  it("a raised cap is scheduled, refused before its delay, and applied by a later run once due", async function () {
    const config = baseConfig("raise-cap");
    await deployed(config);
    const raised = await writeConfig({ ...config, markets: [{ ...config.markets[0]!, capBps: 7_000 }] });
    const vault = await vaultOf("raise-cap");

    const scheduled = await cli("deploy", "--config", raised);
    expect(scheduled.code, scheduled.err).to.equal(0);
    expect(scheduled.out).to.match(/schedule\s+\[ATOMIST\] market 1 \(parking\): capBps 5000 -> 7000/);
    expect(scheduled.out).to.contain("1 transaction(s) sent");
    expect((await vault.getMarket(1)).capBps).to.equal(5_000n);
    const rec = await record("raise-cap");
    expect(rec.scheduled).to.have.length(1);
    const op = rec.scheduled[0]!;

    // Early: the AccessManager refuses to execute; a rerun only reports it pending and sends nothing.
    const manager = await connection.ethers.getContractAt("AccessManager", await vault.authority());
    const atomist = await connection.ethers.getSigner(ATOMIST);
    await expectRevert(manager.connect(atomist).execute.staticCall(op.target, op.data), "AccessManagerNotReady");
    const before = await blockNumber();
    const early = await cli("deploy", "--config", raised);
    expect(early.out).to.match(/pending\s+\[ATOMIST\] market 1/);
    expect(await blockNumber()).to.equal(before);
    const status = await cli("status", "--vault", "raise-cap");
    expect(status.out).to.match(/market:1:configure by 0x[0-9a-fA-F]{40}: due in \d+s/);

    await connection.provider.request({ method: "evm_increaseTime", params: [HOUR + 1] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const due = await cli("deploy", "--config", raised);
    expect(due.out).to.match(/execute\s+\[ATOMIST\] market 1/);
    expect((await vault.getMarket(1)).capBps).to.equal(7_000n);
    expect((await record("raise-cap")).scheduled).to.have.length(0);
    const again = await cli("deploy", "--config", raised);
    expect(again.out).to.contain("nothing to do");
  });

  it("an interrupted deploy resumes without deploying any contract twice", async function () {
    const file = await writeConfig(baseConfig("interrupted"));
    const start = await blockNumber();
    const broken = await cli("deploy", "--config", file, "--fail-after", "4");
    expect(broken.code).to.not.equal(0);
    expect(broken.err).to.contain("injected failure after 4 transactions");
    const partial = await record("interrupted");
    expect(Object.keys(partial.contracts)).to.have.length(4);

    const resumed = await cli("deploy", "--config", file);
    expect(resumed.code, resumed.err).to.equal(0);
    const rec = await record("interrupted");
    for (const [key, c] of Object.entries(partial.contracts)) expect(rec.contracts[key]?.address).to.equal(c.address);
    // Every contract creation on the chain since the start is one recorded contract: no duplicates.
    let creations = 0;
    for (let n = start + 1; n <= (await blockNumber()); n++) {
      const block = await connection.ethers.provider.getBlock(n, true);
      for (const tx of block?.prefetchedTransactions ?? []) if (tx.to === null) creations += 1;
    }
    expect(creations).to.equal(Object.keys(rec.contracts).length);
    expect((await cli("deploy", "--config", file)).out).to.contain("nothing to do");
  });

  it("a new market on a live vault: its creation, fuses and place in the redemption order are scheduled together and land in one run once due", async function () {
    const config = baseConfig("new-market");
    await deployed(config);
    const grown = await writeConfig({ ...config, markets: [...config.markets, { id: 2, name: "reserve", kind: "erc4626", substrates: [{ deployTest: true }], capBps: 2_000 }] });
    const planned = await cli("plan", "--config", grown, "--json");
    expect(planned.code, planned.err).to.equal(3);
    const steps = (JSON.parse(planned.out) as VaultPlan).steps;
    const byKey = (key: string): PlanStep | undefined => steps.find((s) => s.key === key);
    expect(byKey("market:2:configure")).to.include({ state: "schedule", role: "ATOMIST", delaySeconds: HOUR });
    expect(byKey("market:2:add-fuses")).to.include({ state: "schedule", role: "FUSE_MANAGER" });
    expect(byKey("market:2:add-fuses")?.waitsFor).to.deep.equal(["market:2:configure"]);
    expect(byKey("withdraw-order")?.waitsFor).to.deep.equal(["market:2:add-fuses"]);
    expect(byKey("market:1:configure")?.state).to.equal("present");

    const first = await cli("deploy", "--config", grown);
    expect(first.out).to.match(/schedule\s+\[ATOMIST\] market 2 \(reserve\): create/)
      .and.match(/schedule\s+\[FUSE_MANAGER\] market 2 \(reserve\): allow fuse/)
      .and.match(/schedule\s+\[ATOMIST\] instant-withdraw order after idle: \[parking, reserve\]/);
    const early = await cli("deploy", "--config", grown);
    expect(early.out).to.match(/pending\s+\[FUSE_MANAGER\] market 2/);
    await connection.provider.request({ method: "evm_increaseTime", params: [HOUR + 1] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const due = await cli("deploy", "--config", grown);
    expect(due.code, due.err).to.equal(0);
    expect(due.out).to.match(/execute\s+\[ATOMIST\] market 2/).and.match(/execute\s+\[FUSE_MANAGER\] market 2/).and.match(/execute\s+\[ATOMIST\] instant-withdraw order/);
    expect(await (await vaultOf("new-market")).getMarketFuses(2)).to.have.length(1);
    expect(await (await vaultOf("new-market")).getInstantWithdrawFuses()).to.have.length(2);
    const done = await cli("plan", "--config", grown);
    expect(done.code, done.out).to.equal(0);
  });

  it("a deploy interrupted during the configuration resumes where it stopped", async function () {
    const file = await writeConfig(baseConfig("interrupted-config"));
    const broken = await cli("deploy", "--config", file, "--fail-after", "24");
    expect(broken.code).to.equal(1);
    const resumed = await cli("deploy", "--config", file);
    expect(resumed.code, resumed.err).to.equal(0);
    expect(resumed.out).to.not.match(/create\s+\S+ \(FuseboxVault\)/);
    const rec = await record("interrupted-config");
    expect(rec.bootstrapped).to.equal(true);
    expect(rec.transactions.length).to.equal(new Set(rec.transactions.map((t) => t.txHash)).size);
    expect((await cli("plan", "--config", file)).code).to.equal(0);
  });

  it("markets revalued together: the dependency is set on a fresh vault, then changes only through the timelock", async function () {
    const config = baseConfig("deps");
    const two = {
      ...config,
      markets: [
        { ...config.markets[0]!, revalueWith: ["reserve"] },
        { id: 2, name: "reserve", kind: "erc4626", substrates: [{ deployTest: true as const }], capBps: 5_000 },
      ],
    };
    await deployed(two);
    const vault = await vaultOf("deps");
    expect(await vault.getMarketDependencies(1)).to.deep.equal([2n]);
    const dropped = { ...two, markets: [{ ...two.markets[0]!, revalueWith: [] }, two.markets[1]!] };
    const run = await cli("deploy", "--config", await writeConfig(dropped));
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.match(/schedule\s+\[ATOMIST\].*revalue with \[\] \(was \[2\]\)/);
    expect(await vault.getMarketDependencies(1)).to.deep.equal([2n]);
  });

  describe("bad configs fail before any transaction, naming field, value and rule", function () {
    const cases: [string, (c: Record<string, unknown> & VaultConfigInput) => unknown, RegExp][] = [
      ["unknown fuse kind", (c) => ({ ...c, markets: [{ ...c.markets[0]!, kind: "uniswap-v9" }] }), /markets\[0\]\.kind: "uniswap-v9" is not a known fuse kind \(known: erc4626/],
      ["cap over 100%", (c) => ({ ...c, markets: [{ ...c.markets[0]!, capBps: 12_000 }] }), /markets\[0\]\.capBps: 12000 must be <= 10000/],
      ["leverage below 1", (c) => ({ ...c, markets: [{ ...c.markets[0]!, kind: "perp-v2", substrates: [ATOMIST], maxLeverage: 0.5, params: { clearingHouse: GUARDIAN } }] }), /markets\[0\]\.maxLeverage: 0\.5 must be >= 1/],
      ["buffer missing", (c) => { const { idleBufferBps: _, ...rest } = c; return rest; }, /idleBufferBps: missing \(required, number\)/],
      ["duplicate market", (c) => ({ ...c, markets: [c.markets[0]!, { ...c.markets[0]!, name: "other" }] }), /markets\[1\]\.id: 1 duplicates markets\[0\]\.id/],
      ["revalueWith names no market", (c) => ({ ...c, markets: [{ ...c.markets[0]!, revalueWith: ["spot"] }] }), /markets\[0\]\.revalueWith\[0\]: "spot" names no market of this config/],
      ["malformed address", (c) => ({ ...c, roles: { ...c.roles, alpha: ["0x1234"] } }), /roles\.alpha\[0\]: "0x1234" is not an address/],
      ["CEX fuse in a public vault", (c) => ({ ...c, markets: [{ id: 3, name: "binance", kind: "cex", substrates: [DEPOSITOR], capBps: 2_000 }] }), /markets\[0\]\.kind: "cex" requires a restricted vault: set depositors\.allowlistEnabled = true/],
    ];
    for (const [title, mutate, message] of cases) {
      it(title, async function () {
        const file = await writeConfig(mutate(baseConfig("bad") as Record<string, unknown> & VaultConfigInput), `bad-${title.replace(/\W+/g, "-")}.json`);
        const before = await blockNumber();
        const run = await cli("deploy", "--config", file);
        expect(run.code).to.equal(1);
        expect(run.err).to.match(message);
        expect(await blockNumber()).to.equal(before);
      });
    }

    it("every problem of a config is listed at once", function () {
      const result = validateConfig({ ...baseConfig("x"), idleBufferBps: -1, markets: [{ ...baseConfig("x").markets[0]!, capBps: 10_001 }], roles: { atomist: ["nope"] } });
      expect(result.errors.join("\n")).to.match(/idleBufferBps: -1 must be >= 0/).and.match(/markets\[0\]\.capBps: 10001 must be <= 10000/)
        .and.match(/roles\.atomist\[0\]: "nope" is not an address/).and.match(/roles\.alpha: missing/);
    });

    it("test contracts are refused on a network that is not local (chainId 31337)", async function () {
      const { config } = validateConfig(baseConfig("remote"));
      if (config === undefined) throw new Error("base config invalid");
      const problems = await preflight({
        ethers: connection.ethers, networkName: "mainnet", recordFolder: "mainnet", chainId: 1n, inProcess: false,
        signers: await connection.ethers.getSigners(), artifactExists: async () => true, abiOf: async () => [],
        io: { out: () => undefined, err: () => undefined },
      }, config);
      expect(problems.join("\n")).to.match(/asset: \{ deployTest \} refused: network "mainnet" has chainId 1; test contracts .* only to a local chain \(chainId 31337\)/);
      expect(problems).to.have.length(3); // asset, feed, substrate
    });
  });

  it("status shows a breached guardrail plainly", async function () {
    const config = baseConfig("breach");
    await deployed(config);
    const rec = await record("breach");
    const vault = await vaultOf("breach");
    const { ethers } = connection;
    const usdc = await ethers.getContractAt("TestERC20", rec.contracts["test:asset"]!.address);
    const target = rec.contracts["test:market:1:substrate:0"]!.address;
    const fuse = await ethers.getContractAt("Erc4626SupplyFuse", rec.markets[0]!.fuses["Erc4626SupplyFuse"]!);
    const depositor = await ethers.getSigner(DEPOSITOR);
    await (await usdc.mint(DEPOSITOR, 1_000_000_000n)).wait();
    await (await usdc.connect(depositor).approve(await vault.getAddress(), 1_000_000_000n)).wait();
    await (await vault.connect(depositor).deposit(1_000_000_000n, DEPOSITOR)).wait();
    const alpha = await ethers.getSigner(ALPHA);
    await (await vault.connect(alpha).execute([{ fuse: await fuse.getAddress(), data: fuse.interface.encodeFunctionData("enter", [target, 450_000_000n]) }])).wait();

    const healthy = await cli("status", "--vault", "breach");
    expect(healthy.out).to.contain("guardrails: all within limits").and.not.contain("BREACH");
    expect(healthy.out).to.contain("alpha bot: no journal"); // the bot's part of status: it has not run here

    await deployed({ ...config, markets: [{ ...config.markets[0]!, capBps: 2_000 }] }); // guardian lowers at once
    const status = await cli("status", "--vault", await vault.getAddress(), "--strict");
    expect(status.code).to.equal(3);
    expect(status.out).to.match(/market 1 parking: balance 450 USDC \(450000000\) \(45\.00%\) vs cap 2000 bps = 200 USDC \(200000000\) {2}BREACH/);
    expect(status.out).to.contain("BREACH market 1 (parking): balance 450 USDC (450000000) > cap 200 USDC (200000000)");
  });

  it("status shows fees, the high-water mark and the redeem queue, and an overdue request as a breach", async function () {
    const recipient = "0x000000000000000000000000000000000000fee2";
    const config = { ...baseConfig("economics"), fees: { managementBps: 200, performanceBps: 1_000, recipient }, maxRedeemWaitSeconds: HOUR };
    await deployed(config);
    const rec = await record("economics");
    const vault = await vaultOf("economics");
    const { ethers } = connection;
    const usdc = await ethers.getContractAt("TestERC20", rec.contracts["test:asset"]!.address);
    const depositor = await ethers.getSigner(DEPOSITOR);
    await (await usdc.mint(DEPOSITOR, 1_000_000_000n)).wait();
    await (await usdc.connect(depositor).approve(await vault.getAddress(), 1_000_000_000n)).wait();
    await (await vault.connect(depositor).deposit(1_000_000_000n, DEPOSITOR)).wait();
    const shares = await vault.balanceOf(DEPOSITOR);
    await (await vault.connect(depositor).requestRedeem(shares / 2n, DEPOSITOR, DEPOSITOR)).wait();

    const status = await cli("status", "--vault", "economics");
    expect(status.out).to.match(/fees {5}management 200 bps\/yr, performance 1000 bps above the high-water mark; recipient 0x000000000000000000000000000000000000fee2/i);
    expect(status.out).to.match(/high-water mark 1(\.0+)? USDC/);
    expect(status.out).to.match(new RegExp(`queue {4}pending ${shares / 2n} shares \\(`));
    expect(status.out).to.match(/oldest request \d+s of max 3600s; settlements 0/).and.contain("guardrails: all within limits");

    await connection.provider.request({ method: "evm_increaseTime", params: [HOUR + 1] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const overdue = await cli("status", "--vault", "economics", "--strict");
    expect(overdue.code).to.equal(3);
    expect(overdue.out).to.contain("OVERDUE (anyone may settle)").and.contain("BREACH redeem queue: a request has waited past the maximum wait");
  });

  it("acknowledge-nav and queue on a deployed vault: nothing to acknowledge, no open request; a bad --from is a usage error", async function () {
    await deployed({ ...baseConfig("risk-cli"), risk: { navRateBounds: { perUpdateBps: 100, annualRateBps: 1_000 }, maxBatchLossBps: 30 } });
    const ack = await cli("acknowledge-nav", "--vault", "risk-cli", "--network", "anvil", "--rpc-url", url(), "--records", records, "--no-build");
    expect(ack.code, ack.err).to.equal(0);
    expect(ack.out).to.equal("nothing to acknowledge: its NAV-rate bound has not stopped it (nothing sent)");
    const queue = await cli("queue", "--vault", "risk-cli", "--json", "--network", "anvil", "--rpc-url", url(), "--records", records, "--no-build");
    expect(queue.code, queue.err).to.equal(0);
    expect(JSON.parse(queue.out)).to.include({ pendingShares: "0", setAside: "0", maxRedeemWaitSeconds: 259_200, unaccountedShares: "0" });
    expect((await cli("acknowledge-nav", "--vault", "risk-cli", "--from", "nobody", "--no-build")).code).to.equal(2);
    const status = await cli("status", "--vault", "risk-cli");
    expect(status.out).to.match(/batch loss budget: 30 bps of NAV/).and.match(/NAV-rate bounds: ±\(100 bps \+ 1000 bps\/year\) per refresh; no baseline yet/);
  });

  describe("command line", function () {
    it("--help works for every command; argument errors exit non-zero", async function () {
      for (const command of ["validate", "kinds", "plan", "deploy", "status", "acknowledge-nav", "queue"]) {
        const run = await cli(command, "--help");
        expect(run.code, command).to.equal(0);
        expect(run.out).to.contain(`Usage: fusebox ${command}`);
      }
      const missing = await cli("deploy");
      expect(missing.code).to.equal(2);
      expect(missing.err).to.contain("required option '-c, --config <file>' not specified");
      const network = await cliRaw("plan", "--config", EXAMPLE, "--network", "nowhere", "--no-build");
      expect(network.code).to.equal(2);
      expect(network.err).to.contain('unknown network "nowhere"');
    });

    it("--version; --json on validate, status and deploy; clear network errors; documented exit codes", async function () {
      const version = await cliRaw("--version");
      expect(version.code).to.equal(0);
      expect(version.out).to.equal((JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string }).version);

      const bad = await writeConfig({ ...baseConfig("json-bad"), idleBufferBps: -1, markets: [{ ...baseConfig("x").markets[0]!, revalueWith: ["ghost"] }] }, "json-bad.json");
      const invalid = await cliRaw("validate", "--config", bad, "--json");
      expect(invalid.code).to.equal(1);
      const report = JSON.parse(invalid.out) as { valid: boolean; errors: string[] };
      expect(report.valid).to.equal(false);
      expect(report.errors.join("\n")).to.match(/idleBufferBps: -1 must be >= 0/).and.match(/revalueWith\[0\]: "ghost" names no market/);
      const valid = JSON.parse((await cliRaw("validate", "--config", EXAMPLE, "--json")).out) as { valid: boolean; config: { markets: unknown[] } };
      expect(valid.valid).to.equal(true);
      expect(valid.config.markets).to.have.length(2);

      const status = await cli("status", "--vault", "funding-rate-usdc", "--json");
      expect(status.code, status.err).to.equal(0);
      const data = JSON.parse(status.out) as { asset: { decimals: number }; idleBufferBps: number; markets: { id: string; capBps: number; capAssets: string }[] };
      expect(data.asset.decimals).to.equal(6);
      expect(data.idleBufferBps).to.equal(1_000);
      expect(data.markets.map((m) => [m.id, m.capBps, m.capAssets])).to.deep.equal([["1", 8_000, "0"], ["2", 4_000, "5000000000000"]]);

      const again = await cli("deploy", "--config", EXAMPLE, "--json");
      expect(again.code, again.err).to.equal(0);
      const deployed = JSON.parse(again.out) as { transactions: number; plan: { summary: { changes: number; present: number } } };
      expect(deployed.transactions).to.equal(0);
      expect(deployed.plan.summary.changes).to.equal(0);
      expect(deployed.plan.summary.present).to.be.greaterThan(30);

      const unreachable = await cliRaw("plan", "--config", EXAMPLE, "--network", "anvil", "--rpc-url", "http://127.0.0.1:1", "--no-build");
      expect(unreachable.code).to.equal(1);
      expect(unreachable.err).to.contain('cannot reach network "anvil" at http://127.0.0.1:1').and.contain("Is a node running there?");
      const unknown = await cliRaw("plan", "--config", EXAMPLE, "--network", "nowhere", "--no-build");
      expect(unknown.code).to.equal(2);
      expect(unknown.err).to.contain("nodes in hardhat.config.ts: localhost, anvil;");
    });

    it("runs as its own process (npm run fusebox) with a non-zero exit on a bad argument", async function () {
      const run = promisify(execFile);
      const tsx = join(ROOT, "node_modules", ".bin", "tsx");
      const help = await run(tsx, ["scripts/fusebox.ts", "status", "--help"], { cwd: ROOT });
      expect(help.stdout).to.contain("--vault <name|address>");
      const failure = await run(tsx, ["scripts/fusebox.ts", "plan", "--config", "x.json", "--bogus"], { cwd: ROOT }).then(() => undefined, (e: { code: number; stderr: string }) => e);
      expect(failure?.code).to.equal(2);
      expect(failure?.stderr).to.contain("unknown option '--bogus'");
    });
  });
});

async function expectRevert(promise: Promise<unknown>, errorName: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(String((error as Error).message) + JSON.stringify(error)).to.match(new RegExp(errorName + "|0x18cb6b7a"));
    return;
  }
  expect.fail(`expected ${errorName}`);
}
