/**
 * The atomist's console in a real browser: Debian's Chromium (headless, driven by playwright-core) against the
 * console server, which deploys on an anvil node over JSON-RPC. Through the page: a schema error shown under its
 * field, a vault created from the form, its plan reviewed and deployed with progress; then, after a deposit and an
 * allocation on chain, the config edited (a lower cap, applied at once by the guardian; a lower buffer, timelocked)
 * and the breach seen highlighted, the pending change with its ETA, the status, the journal and a report link.
 * The node, the server and the browser run on 127.0.0.1 and are stopped by this file.
 */
import { expect } from "chai";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { Journal } from "../../scripts/alpha/live/journal.js";
import { readRecord } from "../../scripts/deploy/record.js";
import { startConsole, type ConsoleServer } from "../../scripts/console/server.js";
import { startAnvil, type AnvilNode } from "../cli/anvil.js";
import type { AccountsResponse, JobResponse, PlanResponse, VaultView } from "../../scripts/console/types.js";
import { fromConfig, initialForm, toConfig } from "../../web/src/formModel.js";

const ROOT = process.cwd();
const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
const ALPHA = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"; // the form's default: node account 2
const DEPOSITOR = "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc";

describe("the atomist's console in Chromium (anvil over JSON-RPC)", function () {
  this.timeout(180_000);
  let anvil: AnvilNode | undefined;
  let server: ConsoleServer | undefined;
  let browser: Browser | undefined;
  let connection: NetworkConnection | undefined;
  let page: Page;
  let tmp: string;
  const records = (): string => join(tmp, "deployments");

  before(async function () {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get update && apt-get install -y chromium (as .ci/run does)`);
    tmp = await mkdtemp(join(tmpdir(), "fusebox-console-"));
    await build({ configFile: join(ROOT, "web", "vite.config.ts"), build: { outDir: join(tmp, "dist") }, logLevel: "error" });
    const reports = join(tmp, "reports");
    const journal = new Journal(join(reports, "alpha.jsonl")); // the live alpha's own journal format
    journal.append({ kind: "decided", tick: 1, time: 1_700_000_000, actions: 2, log: ["open hedge on binance"] });
    journal.append({ kind: "reverted", tick: 1, time: 1_700_000_060, reason: "CapExceeded(1, 100, 200)" });
    await writeFile(join(reports, "replay-ETH-test.html"), "<!doctype html><title>replay</title><h1>replay report</h1>");
    anvil = await startAnvil(ROOT);
    server = await startConsole({
      port: 0, root: tmp, dist: join(tmp, "dist"), records: records(), configs: join(tmp, "configs"), reports,
      urls: { localhost: anvil.url, anvil: anvil.url }, io: { out: () => undefined, err: () => undefined },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1360, height: 1000 } });
    connection = await network.create({ network: "localhost", override: { url: anvil.url } });
  });

  after(async function () {
    await browser?.close();
    await server?.stop();
    await connection?.close();
    await anvil?.stop();
    if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  });

  /** CONSOLE_SCREENSHOTS=<dir> keeps pictures of the page (the README's come from here). */
  const screenshot = async (name: string): Promise<void> => {
    const dir = process.env["CONSOLE_SCREENSHOTS"];
    if (dir !== undefined) await page.screenshot({ path: join(dir, name), fullPage: true });
  };
  const field = (path: string) => page.locator(`[data-field="${path}"]`);

  it("creates a vault through the form: live schema errors per field, the plan as a diff, deploy with progress", async function () {
    await page.goto(`${server!.url}/?network=localhost#/new`);
    const chain = page.getByTestId("chain").filter({ hasText: "chainId 31337" });
    await chain.waitFor({ timeout: 30_000 });
    expect(await chain.textContent()).to.contain("signs with the node's accounts");

    await field("name").locator("input").fill("web-vault");
    await field("markets[0].capBps").locator("input").fill("12000");
    expect(await field("markets[0].capBps").locator(".error").textContent()).to.contain("12000 must be <= 10000");
    await field("roles.alpha").locator("input").fill("0x3c44cdddb6a900fa2b585dd299e03d12fa4293bC");
    expect(await field("roles.alpha").locator(".error").textContent()).to.contain("bad checksum (EIP-55");
    expect(await page.getByTestId("review").isDisabled()).to.equal(true);
    await screenshot("console-form-errors.png");
    await page.getByRole("button", { name: "+ add a market" }).click();
    await field("markets[1].id").locator("input").fill("1");
    expect(await field("markets[1].id").locator(".error").textContent()).to.contain("duplicates markets[0].id");
    await page.locator('[data-market="1"]').getByRole("button", { name: "remove" }).click();
    await field("markets[0].capBps").locator("input").fill("5000");
    await field("roles.alpha").locator("input").fill(ALPHA);
    await page.getByTestId("valid").waitFor();

    await page.getByTestId("review").click();
    await page.getByTestId("plan").waitFor({ timeout: 60_000 });
    const planText = await page.getByTestId("plan").textContent() ?? "";
    expect(planText).to.contain("create").and.contain("FuseboxVault");
    expect(await page.locator('[data-testid=plan] li[data-state="create"]').count()).to.be.greaterThan(4);

    await page.getByTestId("deploy").click();
    await page.getByTestId("progress").waitFor();
    await page.locator('[data-testid=progress][data-state="done"]').waitFor({ timeout: 120_000 });
    expect(await page.getByTestId("progress").textContent()).to.match(/Deployed web-vault(\d+) of \1 entries, \d+ transactions/);
    await page.getByTestId("open-vault").click();
    await page.getByTestId("vault-page").waitFor({ timeout: 30_000 });
    expect(page.url()).to.match(/#\/vault\/web-vault$/);
    expect(await page.getByTestId("verdict").textContent()).to.equal("guardrails: all within limits");
    const record = await readRecord(join(records(), "localhost", "web-vault.json"));
    expect(record?.bootstrapped).to.equal(true);
    expect(record?.configFile).to.equal(join("configs", "web-vault.json"));
  });

  it("shows a breach highlighted after the guardian lowers a cap, the timelocked change's ETA, the status and the journal", async function () {
    const rec = await readRecord(join(records(), "localhost", "web-vault.json"));
    if (rec === undefined) throw new Error("the first test did not deploy");
    const { ethers } = connection!;
    const vault = await ethers.getContractAt("IFuseboxVault", rec.contracts["FuseboxVault"]!.address);
    const usdc = await ethers.getContractAt("TestERC20", rec.contracts["test:asset"]!.address);
    const fuse = await ethers.getContractAt("Erc4626SupplyFuse", rec.markets[0]!.fuses["Erc4626SupplyFuse"]!);
    const target = rec.contracts["test:market:1:substrate:0"]!.address;
    const depositor = await ethers.getSigner(DEPOSITOR);
    await (await usdc.mint(DEPOSITOR, 1_000_000_000n)).wait();
    await (await usdc.connect(depositor).approve(await vault.getAddress(), 1_000_000_000n)).wait();
    await (await vault.connect(depositor).deposit(1_000_000_000n, DEPOSITOR)).wait();
    const alpha = await ethers.getSigner(ALPHA);
    await (await vault.connect(alpha).execute([{ fuse: await fuse.getAddress(), data: fuse.interface.encodeFunctionData("enter", [target, 450_000_000n]) }])).wait();

    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByTestId("nav").filter({ hasText: "1,000.00 USDC" }).waitFor();
    expect(await page.getByTestId("market-1").getAttribute("data-breach")).to.equal("no");

    // Five days of yield in the target vault, revalued by the alpha each day: NAV and price per share rise.
    const targetVault = await ethers.getContractAt("TestErc4626Target", target);
    for (let day = 0; day < 5; day++) {
      await connection!.provider.request({ method: "evm_increaseTime", params: [86_400] });
      await (await usdc.mint(await targetVault.getAddress(), 3_000_000n)).wait();
      await (await vault.connect(alpha).refreshMarketBalances([1n])).wait();
    }
    await page.getByRole("button", { name: "Refresh" }).click();
    await page.getByTestId("nav").filter({ hasNotText: "1,000.00 USDC" }).waitFor();
    const nav = Number((await page.getByTestId("nav").textContent() ?? "").replace(/[^\d.]/g, ""));
    expect(nav).to.be.within(1_014, 1_015); // 15 USDC of yield, less the target's rounding
    expect(Number((await page.getByTestId("pps").textContent() ?? "").replace(/[^\d.]/g, ""))).to.be.greaterThan(1.01);
    await page.getByTestId("nav-chart").locator("canvas").waitFor();

    // Edit the saved config in the form: a lower cap (risk-lowering: the guardian, at once) and a lower buffer (timelocked).
    await page.getByTestId("edit").click();
    await field("markets[0].capBps").locator("input").fill("2000");
    await field("idleBufferBps").locator("input").fill("500");
    await page.getByTestId("review").click();
    await page.getByTestId("plan").waitFor({ timeout: 60_000 });
    const diff = await page.getByTestId("plan").textContent() ?? "";
    expect(diff).to.contain("GUARDIAN").and.contain("lower").and.contain("idle buffer 500 bps (5%) (was 1000 bps (10%))");
    expect(await page.locator('[data-testid=plan] li[data-state="schedule"]').count()).to.equal(1);
    await screenshot("console-plan.png");
    await page.getByTestId("deploy").click();
    await page.getByTestId("open-vault").click({ timeout: 120_000 });
    await page.getByTestId("vault-page").waitFor();

    await page.locator('[data-testid=market-1][data-breach="yes"]').waitFor();
    expect(await page.getByTestId("gauge-cap-1").textContent()).to.match(/balance vs cap46\d\.\d\d USDC vs cap 20\d\.\d\d USDC \(2000 bps\) — BREACH/);
    expect(await page.getByTestId("gauge-idle").getAttribute("data-breach")).to.equal("no");
    expect(await page.getByTestId("verdict").textContent()).to.equal("guardrails: 1 breach");
    expect(await page.getByTestId("status").textContent()).to.match(/BREACH market 1 \(market-1\): balance 46\d\.\d+ USDC \(46\d+\) > cap 20\d\.\d+ USDC \(20\d+\)/);
    const pending = await page.getByTestId("pending").textContent() ?? "";
    expect(pending).to.contain("idle-buffer").and.match(/in 1\.0 d \(\d{4}-\d\d-\d\d /);
    const journal = await page.getByTestId("journal").textContent() ?? "";
    expect(journal).to.contain("2 action(s): open hedge on binance").and.contain("reverted: CapExceeded(1, 100, 200)");
    const report = page.getByRole("link", { name: "replay-ETH-test.html" });
    const href = await report.getAttribute("href");
    const served = await fetch(`${server!.url}${href ?? ""}`);
    expect(await served.text()).to.contain("replay report");
    await screenshot("console-vault.png");
  });

  it("refuses requests that are not addressed to 127.0.0.1 and posts that are not JSON", async function () {
    const url = new URL(server!.url);
    const wrongHost = await new Promise<number>((resolve, reject) => {
      import("node:http").then(({ request }) => {
        const req = request({ host: "127.0.0.1", port: url.port, path: "/api/info", headers: { host: `evil.example:${url.port}` } }, (res) => resolve(res.statusCode ?? 0));
        req.on("error", reject);
        req.end();
      }, reject);
    });
    expect(wrongHost).to.equal(421);
    const form = await fetch(`${server!.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "network=localhost" });
    expect(form.status).to.equal(415);
  });

  it("deploys the form's default vault on the server's in-process chain over the same API, and reads its status", async function () {
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${server!.url}${path}`)).json()) as T;
    const post = async <T>(path: string, body: unknown): Promise<T> =>
      (await (await fetch(`${server!.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })).json()) as T;
    const accounts = await get<AccountsResponse>("/api/accounts?network=in-process");
    expect(accounts.canSign).to.equal(true);
    const form = { ...initialForm(accounts.accounts), name: "in-process-vault" };
    const config = toConfig(form);
    expect(fromConfig(config, accounts.accounts)).to.deep.equal(form); // an edit reloads what was deployed

    const planned = await post<PlanResponse>("/api/plan", { network: "in-process", config });
    expect(planned.ok, planned.errors.join("; ")).to.equal(true);
    const keys = planned.plan?.steps.map((s) => s.key) ?? [];
    expect(keys).to.include.members(["FuseboxVault", "idle-buffer", "market:1:configure", `role:ATOMIST:${form.atomist}`]);
    let job = await post<JobResponse>("/api/deploy", { network: "in-process", config });
    for (let i = 0; i < 600 && job.state === "running"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await get<JobResponse>(`/api/jobs/${job.id}`);
    }
    expect(job.state, job.error).to.equal("done");
    expect(job.steps.length).to.equal(job.total);
    const view = await get<VaultView>("/api/vaults/in-process-vault?network=in-process");
    expect(view.status.breaches).to.deep.equal([]);
    expect(view.status.markets.map((m) => m.capBps)).to.deep.equal([5_000]);
    expect(view.status.roles["ATOMIST"]?.[0]).to.deep.include({ holder: form.atomist, granted: true, delaySeconds: 86_400 });
    const again = await post<PlanResponse>("/api/plan", { network: "in-process", config });
    expect(again.summary?.changes).to.equal(0); // a second look finds nothing to do
  });

  it("on a chain that is not local, plans and refuses to sign (the same node renamed to chainId 10 as network \"anvil\")", async function () {
    await connection!.provider.request({ method: "anvil_setChainId", params: [10] }); // the last test: nothing after it uses chainId 31337
    await page.goto(`${server!.url}/?network=anvil#/new`);
    const chain = page.getByTestId("chain").filter({ hasText: "chainId 10" });
    await chain.waitFor({ timeout: 30_000 });
    expect(await chain.textContent()).to.contain("read and plan only");
    await page.getByTestId("valid").waitFor();
    expect(await page.getByTestId("deploy").isDisabled()).to.equal(true);
    await page.getByTestId("review").click();
    await page.getByTestId("plan-errors").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("plan-errors").textContent()).to.contain('asset: { deployTest } refused: network "anvil" has chainId 10');
    const refused = await fetch(`${server!.url}/api/deploy`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ network: "anvil", config: toConfig(initialForm([])) }) });
    expect(refused.status).to.equal(403);
    expect(((await refused.json()) as { error: string }).error).to.contain("signs only with a local node's accounts");
  });
});
