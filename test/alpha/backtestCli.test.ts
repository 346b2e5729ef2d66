import { expect } from "chai";
import { execFile } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

async function backtest(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await run(TSX, ["scripts/backtest.ts", ...args], { cwd: ROOT });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout, err: e.stderr };
  }
}

describe("backtest CLI", function () {
  this.timeout(60_000);
  let dir: string;
  before(function () {
    dir = mkdtempSync(join(tmpdir(), "fusebox-backtest-"));
  });
  after(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses bad arguments with the rule, the usage and exit code 2, writing nothing", async function () {
    const out = join(dir, "never.html");
    const cases: [string[], RegExp][] = [
      [["--asset", "DOGE", "--out", out], /--asset must be one of BTC, ETH/i],
      [["--from", "2019-01-01", "--out", out], /window must lie within the data, 2020-12-01/],
      [["--train", "2021-01-01:2021-02-01", "--out", out], /--train and --test go together/],
      [["--train", "2021-01-01:2021-03-01", "--test", "2021-02-01:2021-04-01", "--out", out], /must end before the test window/],
      [["--train", "2021-01-01", "--test", "2021-02-01:2021-04-01", "--out", out], /--train must be FROM:TO/],
      [["--data", "/nonexistent/market", "--out", out], /market data folder not found/],
      [["--staking-apr", "0.04", "--asset", "BTC", "--out", out], /--staking-apr applies to an ETH long leg/],
      [["--sentiment-weight", "2", "--out", out], /--sentiment-weight must be a number from 0 to 0.9/],
      [["--scenario", join(ROOT, "package.json"), "--out", out], /--scenario: .*package\.json: not a scenario: kind: Required; events: Required/],
      [["--passive-leverage", "7", "--out", out], /--passive-leverage must be a number from 1 to 3 \(got "7"\)/],
      [["--frobnicate"], /unknown option '--frobnicate'/i],
      [["--rf", "five", "--out", out], /--rf must be an annual rate/],
      [["--benchmark-venue", "ftx", "--out", out], /--benchmark-venue must be one of binance/],
    ];
    const results = await Promise.all(cases.map(([args]) => backtest(...args)));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![0].join(" ")).to.equal(2);
      expect(r.err).to.match(cases[i]![1]).and.to.contain("usage: npx tsx scripts/backtest.ts");
    });
    expect(existsSync(out)).to.equal(false);
  });

  it("reads another folder in the shipped layout (--data) and fits on train, reports test (--train/--test)", async function () {
    this.timeout(120_000);
    // A folder of one's own: the shipped prices and only two venues' funding, in a differently named sub-folder.
    const root = join(dir, "mydata");
    mkdirSync(join(root, "prices"), { recursive: true });
    mkdirSync(join(root, "funding", "mine"), { recursive: true });
    const shipped = join(ROOT, "data/market");
    for (const f of readdirSync(join(shipped, "prices")).filter((f) => f.includes("ETHUSDT"))) copyFileSync(join(shipped, "prices", f), join(root, "prices", f));
    const fundingDir = join(shipped, "funding/multi_venue_btc_eth_2020_2023");
    for (const f of readdirSync(fundingDir).filter((f) => /^ETH-USDT_(binance|bybit)_/.test(f))) copyFileSync(join(fundingDir, f), join(root, "funding", "mine", f));
    const json = join(dir, "split.json");
    const r = await backtest("--asset", "ETH", "--data", root, "--train", "2022-01-01:2022-01-20", "--test", "2022-01-21:2022-02-05", "--out", join(dir, "split.html"), "--json", json);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/fitted on train 2022-01-01 → 2022-01-20/).and.to.match(/Fitted on the train window only \(16 configs/);
    const summary = JSON.parse(readFileSync(json, "utf8")) as {
      from: string;
      venueShare: Record<string, number>;
      fit: { chosen: { venueCount: number }; trials: unknown[]; train: { from: string } };
      benchmark: { annualisedReturn: number };
    };
    expect(summary.from).to.equal("2022-01-21T00:00:00.000Z");
    expect(summary.fit.train.from).to.equal("2022-01-01T00:00:00.000Z");
    expect(summary.fit.trials).to.have.length(16);
    expect(Object.keys(summary.venueShare).every((v) => v === "binance" || v === "bybit")).to.equal(true);
    expect(summary.benchmark.annualisedReturn).to.be.a("number");
  });

  it("runs a short window and writes the report and the JSON summary", async function () {
    const html = join(dir, "r.html");
    const json = join(dir, "r.json");
    const r = await backtest("--asset", "ETH", "--from", "2022-03-01", "--to", "2022-03-10", "--out", html, "--json", json);
    expect(r.code, r.err).to.equal(0);
    expect(r.out).to.match(/strategy\s+ann/).and.to.match(/ethena1x\s+ann/).and.to.match(/short3x\s+ann/);
    expect(r.out).to.not.match(/∞|Infinity/);
    expect(readFileSync(html, "utf8")).to.contain("<svg");
    const summary = JSON.parse(readFileSync(json, "utf8")) as {
      asset: string;
      from: string;
      capitalQuote: number;
      strategy: { fundingQuote: number; liquidations: unknown[] };
      passive: { fundingQuote: number };
      benchmark: { kind: string; venue: string; fundingQuote: number; excessReturn: number; riskFreeApr: number; liquidations: unknown[] };
      riskFreeApr: number;
    };
    expect(summary.asset).to.equal("ETH");
    expect(summary.from).to.equal("2022-03-01T00:00:00.000Z");
    expect(summary.capitalQuote).to.equal(1_000_000);
    expect(summary.strategy.fundingQuote).to.be.a("number").and.not.equal(0); // ten days of prints were paid
    expect(summary.strategy.liquidations).to.deep.equal([]);
    expect(summary.benchmark).to.include({ kind: "ethena-style 1x", venue: "binance", riskFreeApr: 0.024 });
    expect(summary.benchmark.fundingQuote).to.be.a("number").and.not.equal(0);
    expect(summary.benchmark.liquidations).to.deep.equal([]);
  });
});
