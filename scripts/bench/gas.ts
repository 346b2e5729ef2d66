/**
 * `npm run bench` — gas of the Fusebox vault's depositor paths beside a bare OpenZeppelin ERC4626 compiled
 * with the same settings in the same run, plus `execute` and the guardrail cost per touched market, and the
 * size of every deployable contract (EIP-170 allows 24,576 bytes; Fusebox keeps each ≤ 22,000).
 *
 * Prints tables and writes reports/bench-gas.json. Each figure is shown beside the same figure measured on main
 * before the "Sound vault" work (scripts/bench/baseline-v0.json). To compare with another run instead:
 *   BENCH_BASELINE=reports/bench-gas.baseline.json npm run bench
 * (copy a previous reports/bench-gas.json there first). Figures are deterministic on the in-process chain.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import hre, { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import { addressSubstrate, deployCore, installMarket } from "../local/core.js";

const TARGET_RATIO = 1.1;
const SIZE_LIMIT = 22_000;
const { ethers } = await network.create();
const [admin, atomist, alpha, , fuseManager, alice, bob, carol] = await ethers.getSigners();
if (!admin || !atomist || !alpha || !fuseManager || !alice || !bob || !carol) throw new Error("need 8 accounts");
const USDC = 10n ** 6n;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<number> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("no receipt");
  return Number(receipt.gasUsed);
}

const usdc = await ethers.deployContract("TestERC20", ["USD Coin (test)", "USDC", 6]);
for (const who of [alice, bob, carol]) await (await usdc.mint(who.address, 10_000_000n * USDC)).wait();

// ---------------------------------------------------------------- the Fusebox vault with N markets
const { vault } = await deployCore(ethers, admin, await usdc.getAddress(), { atomist, alpha, fuseManager });
const core = { ethers, vault, atomist, fuseManager };

interface Market { id: number; fuse: string; target: string }
const markets: Market[] = [];
async function addMarket(id: number, on: typeof core = core, list: Market[] = markets): Promise<Market> {
  const target = await ethers.deployContract("TestErc4626Target", [await usdc.getAddress(), 0]);
  const { fuse } = await installMarket(on, BigInt(id), {
    fuse: ["Erc4626SupplyFuse", [id]],
    balanceFuse: ["Erc4626BalanceFuse", [id]],
    substrates: [await target.getAddress()],
    params: { capBps: 5_000, maxBalanceAge: 86_400 },
  });
  const market = { id, fuse: await fuse.getAddress(), target: await target.getAddress() };
  list.push(market);
  return market;
}
const supplyFuse = await ethers.getContractAt("Erc4626SupplyFuse", ethers.ZeroAddress);
const enter = (m: Market, amount: bigint) => ({
  fuse: m.fuse, data: supplyFuse.interface.encodeFunctionData("enter", [m.target, amount]),
});

// ---------------------------------------------------------------- the bare OpenZeppelin ERC4626
const bare = await ethers.deployContract("TestErc4626Target", [await usdc.getAddress(), 6]);

for (const who of [alice, bob, carol]) {
  await (await usdc.connect(who).approve(await vault.getAddress(), ethers.MaxUint256)).wait();
  await (await usdc.connect(who).approve(await bare.getAddress(), ethers.MaxUint256)).wait();
}
for (let id = 1; id <= 3; ++id) await addMarket(id);

type Row = { operation: string; fusebox: number; bare: number };
type Vault4626 = typeof bare | typeof vault;
/** `run` on a Fusebox vault, then on a bare ERC4626 in the same state of its own: one row. */
async function row(operation: string, fusebox: Vault4626, bareVault: Vault4626, run: (v: Vault4626) => Promise<ContractTransactionResponse>): Promise<Row> {
  return { operation, fusebox: await gasOf(run(fusebox)), bare: await gasOf(run(bareVault)) };
}
/** The depositor paths, one sequence on both vaults; `activate` puts the Fusebox vault's markets to work after the
 * first deposit, so the figures are for a vault with active markets. */
const depositorPaths = async (fusebox: Vault4626, bareVault: Vault4626, activate: () => Promise<unknown>): Promise<Row[]> => {
  const out = [await row("first deposit", fusebox, bareVault, (v) => v.connect(alice).deposit(100_000n * USDC, alice.address))];
  await activate();
  out.push(await row("deposit (new holder)", fusebox, bareVault, (v) => v.connect(bob).deposit(1_000n * USDC, bob.address)));
  out.push(await row("deposit (existing holder)", fusebox, bareVault, (v) => v.connect(alice).deposit(1_000n * USDC, alice.address)));
  out.push(await row("mint (existing holder)", fusebox, bareVault, (v) => v.connect(bob).mint(1_000n * 10n ** 12n, bob.address)));
  out.push(await row("withdraw (partial)", fusebox, bareVault, (v) => v.connect(alice).withdraw(500n * USDC, alice.address, alice.address)));
  out.push(await row("redeem (partial)", fusebox, bareVault, (v) => v.connect(alice).redeem(500n * 10n ** 12n, alice.address, alice.address)));
  return out;
};

// Markets at 20 % each once the first deposit is in.
const rows = await depositorPaths(vault, bare, async () => (await vault.connect(alpha).execute(markets.map((m) => enter(m, 20_000n * USDC)))).wait());

// ---------------------------------------------------------------- fees on: a second vault, same markets, 2 %/yr + 10 %
// Every transaction here is a new block, so each one accrues a management fee (mints fee shares): the worst case.
const { vault: feeVault } = await deployCore(ethers, admin, await usdc.getAddress(), { atomist, alpha, fuseManager });
const feeCore = { ethers, vault: feeVault, atomist, fuseManager };
const feeMarkets: Market[] = [];
for (let id = 1; id <= 3; ++id) await addMarket(id, feeCore, feeMarkets);
await (await feeVault.connect(atomist).setFeeRecipient(admin.address)).wait();
await (await feeVault.connect(atomist).setFees(200, 1_000)).wait();
for (const who of [alice, bob, carol]) await (await usdc.connect(who).approve(await feeVault.getAddress(), ethers.MaxUint256)).wait();
// Like for like: a second bare ERC4626 that sees the same sequence from scratch (a first deposit is a first deposit,
// a new holder a new holder), as the fees-off table above does.
const bareForFees = await ethers.deployContract("TestErc4626Target", [await usdc.getAddress(), 6]);
for (const who of [alice, bob, carol]) await (await usdc.connect(who).approve(await bareForFees.getAddress(), ethers.MaxUint256)).wait();
const feeRows = await depositorPaths(feeVault, bareForFees, async () => (await feeVault.connect(alpha).execute(feeMarkets.map((m) => enter(m, 20_000n * USDC)))).wait());
await (await usdc.mint(await feeVault.getAddress(), 1_000n * USDC)).wait(); // a gain: the next call also pays 10 % of it
await (await usdc.mint(await bareForFees.getAddress(), 1_000n * USDC)).wait(); // the same donation to the bare vault
feeRows.push(await row("deposit after a gain (+perf fee)", feeVault, bareForFees, (v) => v.connect(alice).deposit(1_000n * USDC, alice.address)));

// ---------------------------------------------------------------- the ERC-7540 queue (on the fees-on vault)
const queueRows: { operation: string; gas: number }[] = [];
const redeemers = (await ethers.getSigners()).slice(8, 18);
if (redeemers.length < 10) throw new Error("need 18 accounts");
for (const who of redeemers) {
  await (await usdc.mint(who.address, 1_000n * USDC)).wait();
  await (await usdc.connect(who).approve(await feeVault.getAddress(), ethers.MaxUint256)).wait();
  await (await feeVault.connect(who).deposit(1_000n * USDC, who.address)).wait();
}
const shareUnit = 10n ** 12n;
const settleGas: Record<number, number> = {};
for (const n of [1, 10]) {
  const group = redeemers.slice(0, n);
  const requestGas: number[] = [];
  for (const who of group) requestGas.push(await gasOf(feeVault.connect(who).requestRedeem(100n * shareUnit, who.address, who.address)));
  if (n === 1) queueRows.push({ operation: "requestRedeem (first of a controller)", gas: requestGas[0]! });
  settleGas[n] = await gasOf(feeVault.connect(alpha).settleRedeemRequests(group.map((w) => w.address)));
  queueRows.push({ operation: `settleRedeemRequests: ${n} request${n > 1 ? "s" : ""}`, gas: settleGas[n]! });
  if (n === 1) {
    const who = group[0]!;
    queueRows.push({ operation: "requestRedeem (controller seen before)", gas: await gasOf(feeVault.connect(who).requestRedeem(100n * shareUnit, who.address, who.address)) });
    queueRows.push({ operation: "cancelRedeemRequest", gas: await gasOf(feeVault.connect(who).cancelRedeemRequest(who.address)) });
    queueRows.push({ operation: "claim: redeem (all claimable)", gas: await gasOf(feeVault.connect(who).redeem(100n * shareUnit, who.address, who.address)) });
  }
}
queueRows.push({ operation: "settlement per request (10 vs 1)", gas: Math.round((settleGas[10]! - settleGas[1]!) / 9) });
const claimer = redeemers[1]!;
queueRows.push({ operation: "claim: withdraw (part of claimable)", gas: await gasOf(feeVault.connect(claimer).withdraw(10n * USDC, claimer.address, claimer.address)) });

// ---------------------------------------------------------------- execute and guardrails
const executeRows: { operation: string; gas: number; perMarket?: number }[] = [];
executeRows.push({ operation: "execute: 1 fuse action (ERC-4626 supply)", gas: await gasOf(vault.connect(alpha).execute([enter(markets[0]!, 100n * USDC)])) });

// Guardrail cost per touched market: the same batch run by the vault's `execute` and by a bare executor that
// delegatecalls the same fuses with the same substrate storage but no access check, valuation or guardrails.
// Both have made the same number of earlier deposits into each target (same warm/cold storage pattern).
while (markets.length < 10) await addMarket(markets.length + 1);
const bareExecutor = await ethers.deployContract("BareFuseExecutor");
await (await usdc.mint(await bareExecutor.getAddress(), 1_000_000n * USDC)).wait();
for (const m of markets) await (await bareExecutor.grantSubstrates(m.id, [addressSubstrate(ethers, m.target)])).wait();
// Give both a first position in every target, so each measured batch adds to an existing one.
await (await vault.connect(alpha).execute(markets.slice(3).map((m) => enter(m, 10n * USDC)))).wait();
await (await bareExecutor.execute(markets.map((m) => enter(m, 10n * USDC)))).wait();
for (const n of [1, 5, 10]) {
  const batch = markets.slice(0, n).map((m) => enter(m, 10n * USDC));
  const viaVault = await gasOf(vault.connect(alpha).execute(batch));
  const bareGas = await gasOf(bareExecutor.execute(batch));
  executeRows.push({ operation: `execute: ${n} touched market${n > 1 ? "s" : ""}`, gas: viaVault, perMarket: Math.round((viaVault - bareGas) / n) });
}

// A deposit that finds the NAV expired pays to refresh every market (10 here) first.
await ethers.provider.send("evm_increaseTime", [86_401]);
await ethers.provider.send("evm_mine", []);
const staleDeposit = await gasOf(vault.connect(carol).deposit(1_000n * USDC, carol.address));
executeRows.push({ operation: "deposit after NAV expiry (refreshes 10 markets)", gas: staleDeposit });

// ---------------------------------------------------------------- risk engine (issue #10)
// The same 1/5/10-market batches with nothing configured, then with every market in one risk group, then also
// reporting exposure into a banded net-delta book: the added gas per touched market is the difference.
const riskRows: { operation: string; gas: number; perMarket?: number }[] = [];
async function riskBatches(label: string, base?: Map<number, number>): Promise<Map<number, number>> {
  const figures = new Map<number, number>();
  for (const n of [1, 5, 10]) {
    const gas = await gasOf(vault.connect(alpha).execute(markets.slice(0, n).map((m) => enter(m, 10n * USDC))));
    figures.set(n, gas);
    const before = base?.get(n);
    riskRows.push({ operation: `${label}: ${n} touched`, gas, perMarket: before === undefined ? undefined : Math.round((gas - before) / n) });
  }
  return figures;
}
const riskNone = await riskBatches("execute, no groups or bands");
const allGroup = ethers.encodeBytes32String("all-markets");
await (await vault.connect(atomist).setRiskGroup(allGroup, 10_000, 0, 0)).wait();
for (const m of markets) await (await vault.connect(atomist).setMarketGroups(m.id, [allGroup])).wait();
await riskBatches("execute, every market in 1 group", riskNone);
for (const m of markets) {
  const balanceFuse = await ethers.deployContract("TestExposureBalanceFuse", [m.id]);
  await (await vault.connect(atomist).configureMarket(m.id, { balanceFuse: await balanceFuse.getAddress(), capBps: 5_000, capAssets: 0, maxLeverageWad: 0, maxBalanceAge: 86_400 })).wait();
  await (await vault.connect(atomist).setExposureReporting(m.id, true)).wait();
}
await (await vault.connect(atomist).setNetDeltaBand(await usdc.getAddress(), 10_000)).wait();
await riskBatches("execute, 1 group + exposure + 1 band", riskNone);
await (await vault.connect(atomist).setRiskGroup(allGroup, 10_000, 0, 0)).wait();
await (await vault.connect(atomist).setMaxBatchLoss(100)).wait();
await riskBatches("execute, all of it + loss budget (full check)", riskNone);
executeRows.push(...riskRows);

// ---------------------------------------------------------------- report
const pad = (s: string | number, n: number) => String(s).padStart(n);
console.log(`\nGas: FuseboxVault (3 active markets) vs bare OpenZeppelin ERC4626 (decimals offset 6), solc 0.8.28, optimizer 200 runs\n`);
console.log(`${"operation".padEnd(30)}${pad("fusebox", 10)}${pad("bare", 10)}${pad("ratio", 8)}   target ≤ ${TARGET_RATIO}x`);
let worst = 0;
for (const r of rows) {
  const ratio = r.fusebox / r.bare;
  worst = Math.max(worst, ratio);
  console.log(`${r.operation.padEnd(30)}${pad(r.fusebox, 10)}${pad(r.bare, 10)}${pad(ratio.toFixed(3), 8)}   ${ratio <= TARGET_RATIO ? "ok" : "OVER"}`);
}
const FEES_TARGET = 1.15;
let worstFeesOn = 0;
console.log(`\nFees on (2 %/yr management, 10 % performance; every call accrues) vs the same bare ERC4626   target ≤ ${FEES_TARGET}x`);
for (const r of feeRows) {
  const ratio = r.fusebox / r.bare;
  worstFeesOn = Math.max(worstFeesOn, ratio);
  console.log(`${r.operation.padEnd(34)}${pad(r.fusebox, 10)}${pad(r.bare, 10)}${pad(ratio.toFixed(3), 8)}   ${ratio <= FEES_TARGET ? "ok" : "OVER"}`);
}
console.log(`\n${"ERC-7540 redeem queue (fees-on vault)".padEnd(50)}${pad("gas", 10)}`);
for (const r of queueRows) console.log(`${r.operation.padEnd(50)}${pad(r.gas, 10)}`);
console.log(`\n${"execute / guardrails".padEnd(50)}${pad("gas", 10)}${pad("guardrails/market", 20)}`);
for (const r of executeRows) console.log(`${r.operation.padEnd(50)}${pad(r.gas, 10)}${pad(r.perMarket ?? "", 20)}`);
console.log(`(guardrails/market = (vault execute − the same fuses run bare) / markets: access check, valuation before`);
console.log(` and after, running sum, NAV expiry, cap / leverage / buffer checks, events)`);
console.log(`(risk rows: guardrails/market = the added gas per touched market over "no groups or bands"; the exposure`);
console.log(` rows report into the vault's own asset, so the band's oracle quote is the identity: a priced asset costs more)`);

// ---------------------------------------------------------------- contract sizes
const sizes: { contract: string; bytes: number }[] = [];
for (const name of await hre.artifacts.getAllFullyQualifiedNames()) {
  const [source] = name.split(":");
  if (source === undefined || !/^(contracts|fuses)\//.test(source) || /^contracts\/test\//.test(source)) continue;
  const artifact = await hre.artifacts.readArtifact(name);
  const bytes = (artifact.deployedBytecode.length - 2) / 2;
  if (bytes > 200) sizes.push({ contract: name.replace(/^.*:/, ""), bytes }); // (internal-only libraries deploy ~85 bytes)
}
sizes.sort((a, b) => b.bytes - a.bytes);
console.log(`\n${"deployable contract".padEnd(34)}${pad("bytes", 8)}   limit ${SIZE_LIMIT.toLocaleString("en-US")}`);
for (const c of sizes) console.log(`${c.contract.padEnd(34)}${pad(c.bytes, 8)}   ${c.bytes <= SIZE_LIMIT ? "ok" : "OVER"}`);

// ---------------------------------------------------------------- before the Sound-vault work
const v0 = JSON.parse(readFileSync(new URL("./baseline-v0.json", import.meta.url), "utf8")) as {
  rows: Row[]; executeRows: { operation: string; gas: number; perMarket?: number }[];
};
console.log(`\n${"vs main before the Sound-vault work".padEnd(50)}${pad("before", 10)}${pad("now", 10)}${pad("change", 9)}`);
for (const r of executeRows) {
  const before = v0.executeRows.find((b) => b.operation === r.operation);
  if (before === undefined) continue;
  const [b, n] = r.perMarket !== undefined && before.perMarket !== undefined ? [before.perMarket, r.perMarket] : [before.gas, r.gas];
  const label = r.perMarket !== undefined ? `${r.operation} (per market)` : r.operation;
  console.log(`${label.padEnd(50)}${pad(b, 10)}${pad(n, 10)}${pad(`${(((n - b) / b) * 100).toFixed(1)}%`, 9)}`);
}
for (const r of rows) {
  const before = v0.rows.find((b) => b.operation === r.operation);
  if (before !== undefined) console.log(`${`${r.operation} (ratio to bare)`.padEnd(50)}${pad((before.fusebox / before.bare).toFixed(3), 10)}${pad((r.fusebox / r.bare).toFixed(3), 10)}`);
}

const result = { generatedBy: "scripts/bench/gas.ts", compiler: "solc 0.8.28, optimizer on, 200 runs", rows, executeRows, worstRatio: worst, feeRows, worstFeesOnRatio: worstFeesOn, queueRows, sizes };
mkdirSync("reports", { recursive: true });
writeFileSync("reports/bench-gas.json", `${JSON.stringify(result, null, 2)}\n`);
console.log(`\nwrote reports/bench-gas.json`);

const baselinePath = process.env.BENCH_BASELINE;
if (baselinePath !== undefined) {
  if (!existsSync(baselinePath)) throw new Error(`BENCH_BASELINE=${baselinePath}: no such file`);
  const baseline = JSON.parse(readFileSync(baselinePath, "utf8")) as typeof result;
  console.log(`\nvs baseline ${baselinePath}:`);
  for (const r of [...rows.map((x) => ({ operation: x.operation, gas: x.fusebox })), ...executeRows]) {
    const before = [...baseline.rows.map((x) => ({ operation: x.operation, gas: x.fusebox })), ...baseline.executeRows]
      .find((b) => b.operation === r.operation);
    if (before === undefined) continue;
    const delta = r.gas - before.gas;
    console.log(`${r.operation.padEnd(50)}${pad(before.gas, 10)} -> ${pad(r.gas, 8)}  (${delta >= 0 ? "+" : ""}${delta})`);
  }
}
