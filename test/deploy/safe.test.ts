/**
 * A real Safe (safe-global/safe-contracts 1.4.1, deployed from its npm artifacts) as the vault's ATOMIST and
 * GUARDIAN, on a separate anvil node: the reconciler proposes, collects the owners' signatures (a key of the
 * connection, then a second owner's `safe sign` on the proposal file), executes, schedules a timelocked change
 * through the Safe and executes it once due; the guardian's lowering goes through the Safe at once; and a
 * Transaction Builder batch is written for a Safe administered elsewhere.
 */
import { expect } from "chai";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { main } from "../../scripts/cli/main.js";
import type { VaultConfigInput } from "../../scripts/config/schema.js";
import type { DeploymentRecord } from "../../scripts/deploy/record.js";
import { deploySafe, type TransactionBuilderBatch } from "../../scripts/deploy/safe.js";
import { startAnvil, type AnvilNode } from "../cli/anvil.js";

const ROOT = process.cwd();
const HOUR = 3_600;

describe("Safe as atomist and guardian (anvil over JSON-RPC)", function () {
  this.timeout(180_000);
  let anvil: AnvilNode | undefined;
  let dir: string;
  let connection: NetworkConnection;
  let safe: string;
  let owners: string[];
  let others: { alpha: string; fuseManager: string };

  before(async function () {
    dir = await mkdtemp(join(tmpdir(), "fusebox-safe-"));
    anvil = await startAnvil(ROOT);
    connection = await network.create({ network: "anvil", override: { url: anvil.url } });
    const signers = await connection.ethers.getSigners();
    owners = [signers[6]!.address, signers[7]!.address, signers[8]!.address];
    others = { alpha: signers[2]!.address, fuseManager: signers[4]!.address };
    ({ safe } = await deploySafe(signers[0]!, owners, 2));
  });

  after(async function () {
    await anvil?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main([...args, "--network", "anvil", "--rpc-url", anvil!.url, "--records", dir, "--no-build"], { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out: out.join("\n"), err: err.join("\n") };
  }

  function config(capBps: number): VaultConfigInput {
    return {
      name: "safe-vault",
      share: { name: "Safe vault", symbol: "sv" },
      asset: { deployTest: { name: "USD Coin (test)", symbol: "USDC", decimals: 6 } },
      idleBufferBps: 1_000,
      markets: [{ id: 1, name: "parking", kind: "erc4626", substrates: [{ deployTest: true }], capBps }],
      oracle: { feeds: [{ asset: "vault-asset", feed: { deployTest: { decimals: 8, answer: "1" } }, maxStalenessSeconds: 86_400 }] },
      roles: { atomist: [safe], alpha: [others.alpha], guardian: [safe], fuseManager: [others.fuseManager] },
      timelocks: { atomistSeconds: HOUR, fuseManagerSeconds: HOUR },
    };
  }

  async function configFile(capBps: number): Promise<string> {
    const path = join(dir, `safe-vault-${capBps}.json`);
    await writeFile(path, JSON.stringify(config(capBps)));
    return path;
  }

  const record = async (): Promise<DeploymentRecord> => JSON.parse(await readFile(join(dir, "anvil", "safe-vault.json"), "utf8")) as DeploymentRecord;
  const vault = async () => connection.ethers.getContractAt("IFuseboxVault", (await record()).contracts["FuseboxVault"]!.address);

  it("bootstraps the vault and hands ATOMIST (1 h timelock) and GUARDIAN to the Safe", async function () {
    const run = await cli("deploy", "--config", await configFile(5_000));
    expect(run.code, run.err).to.equal(0);
    const v = await vault();
    const manager = await connection.ethers.getContractAt("AccessManager", await v.authority());
    expect(await manager.hasRole(1n, safe)).to.deep.equal([true, BigInt(HOUR)]);
    expect(await manager.hasRole(3n, safe)).to.deep.equal([true, 0n]);
    expect((await record()).bootstrapped).to.equal(true);
    expect((await v.getMarket(1)).capBps).to.equal(5_000n);
  });

  it("a raised cap: proposed with one owner's signature, completed by a second owner's file signature, scheduled and executed through the Safe", async function () {
    const file = await configFile(7_000);
    const plan = await cli("plan", "--config", file, "--json");
    const step = (JSON.parse(plan.out) as { steps: { key: string; state: string; sender: string; senderKind: string }[] }).steps.find((s) => s.key === "market:1:configure");
    expect(step).to.include({ state: "schedule", senderKind: "safe" });
    expect(step?.sender.toLowerCase()).to.equal(safe.toLowerCase());

    const first = await cli("deploy", "--config", file, "--safe-sign-with", owners[0]!);
    expect(first.code, first.err).to.equal(0);
    expect(first.out).to.match(/schedule\s+\[ATOMIST\] market 1 \(parking\): capBps 5000 -> 7000 \(via Safe\).*1 of 2 owner signatures/);
    expect(first.out).to.contain("AWAITING SAFE SIGNATURES");
    expect((await record()).scheduled).to.have.length(0);
    const folder = join(dir, "anvil", "safe-vault.safe");
    const [proposal] = await readdir(folder);
    expect(proposal).to.be.a("string");

    const signed = await cli("safe", "sign", "--file", join(folder, proposal!), "--from", owners[1]!);
    expect(signed.code, signed.err).to.equal(0);
    expect(signed.out).to.contain("2 of 2 signatures");
    const notOwner = await cli("safe", "sign", "--file", join(folder, proposal!), "--from", others.alpha);
    expect(notOwner.code).to.equal(2);
    expect(notOwner.err).to.contain("is not an owner of the Safe");

    // The next run finds both signatures (and signs nothing itself): the Safe schedules the change.
    const second = await cli("deploy", "--config", file, "--safe-sign-with", "none");
    expect(second.code, second.err).to.equal(0);
    expect(second.out).to.match(/schedule\s+\[ATOMIST\] market 1 \(parking\): capBps 5000 -> 7000 \(via Safe\)/);
    const scheduled = (await record()).scheduled;
    expect(scheduled).to.have.length(1);
    expect(scheduled[0]!.caller.toLowerCase()).to.equal(safe.toLowerCase());
    expect((await (await vault()).getMarket(1)).capBps).to.equal(5_000n);

    const early = await cli("deploy", "--config", file);
    expect(early.out).to.match(/pending\s+\[ATOMIST\] market 1/);
    await connection.provider.request({ method: "evm_increaseTime", params: [HOUR + 1] });
    await connection.provider.request({ method: "evm_mine", params: [] });
    const due = await cli("deploy", "--config", file); // every owner key of the connection may sign
    expect(due.code, due.err).to.equal(0);
    expect(due.out).to.match(/execute\s+\[ATOMIST\] market 1 \(parking\): capBps 5000 -> 7000 \(via Safe\)/);
    expect((await (await vault()).getMarket(1)).capBps).to.equal(7_000n);
    expect((await record()).scheduled).to.have.length(0);
    expect((await cli("plan", "--config", file)).code).to.equal(0);
  });

  it("the guardian Safe lowers a cap at once", async function () {
    const run = await cli("deploy", "--config", await configFile(3_000));
    expect(run.code, run.err).to.equal(0);
    expect(run.out).to.match(/change\s+\[GUARDIAN\] market 1 \(parking\): lower capBps 7000 -> 3000 \(via Safe\)/);
    expect((await (await vault()).getMarket(1)).capBps).to.equal(3_000n);
  });

  it("a scheduled change the config drops is cancelled by the guardian Safe", async function () {
    const raise = await cli("deploy", "--config", await configFile(9_000));
    expect(raise.code, raise.err).to.equal(0);
    const [op] = (await record()).scheduled;
    expect(op?.step).to.equal("market:1:configure");
    const manager = await connection.ethers.getContractAt("AccessManager", await (await vault()).authority());
    expect(await manager.getSchedule(op!.operationId)).to.not.equal(0n);

    const back = await cli("deploy", "--config", await configFile(3_000));
    expect(back.code, back.err).to.equal(0);
    expect(back.out).to.match(/cancel\s+\[GUARDIAN\] cancel scheduled "market:1:configure".*\(via Safe\)/);
    expect(await manager.getSchedule(op!.operationId)).to.equal(0n);
    expect((await record()).scheduled).to.have.length(0);
    expect((await (await vault()).getMarket(1)).capBps).to.equal(3_000n);
  });

  it("writes a Safe Transaction Builder batch for a Safe administered elsewhere, sending nothing", async function () {
    const batchFile = join(dir, "batch.json");
    const before = await connection.ethers.provider.getBlockNumber();
    const run = await cli("deploy", "--config", await configFile(6_000), "--safe-batch", batchFile);
    expect(run.code, run.err).to.equal(0);
    expect(await connection.ethers.provider.getBlockNumber()).to.equal(before);
    const batch = JSON.parse(await readFile(batchFile, "utf8")) as TransactionBuilderBatch;
    expect(batch.version).to.equal("1.0");
    expect(batch.chainId).to.equal("31337");
    expect(batch.meta.createdFromSafeAddress.toLowerCase()).to.equal(safe.toLowerCase());
    expect(batch.transactions).to.have.length(1);
    const manager = await connection.ethers.getContractAt("AccessManager", await (await vault()).authority());
    expect(batch.transactions[0]!.to).to.equal(await manager.getAddress());
    const decoded = manager.interface.parseTransaction({ data: batch.transactions[0]!.data });
    expect(decoded?.name).to.equal("schedule");
  });
});
