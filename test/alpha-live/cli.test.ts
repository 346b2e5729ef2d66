import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../../scripts/cli/main.js";

/** `fusebox alpha …` argument errors: named, exit 2, before any connection. */
describe("fusebox alpha: bad input", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "alpha-cli-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...args: string[]): Promise<{ code: number; err: string; out: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, err: err.join("\n"), out: out.join("\n") };
  }

  it("a funding seed that is not venue → prints is refused, naming the field", async () => {
    const bad = join(dir, "seed.json");
    writeFileSync(bad, JSON.stringify({ dydx: [{ settleTime: 1.5, ratePerInterval: 0.0001 }] }));
    const r = await run("alpha", "run", "--vault", "x", "--funding-seed", bad, "--no-build");
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/--funding-seed: .*seed\.json: dydx\.0\.settleTime: Expected integer/);
    writeFileSync(bad, JSON.stringify({ ftx: [] }));
    const venue = await run("alpha", "run", "--vault", "x", "--funding-seed", bad, "--no-build");
    expect(venue.err).to.include('"ftx" is not one of binance');
  });

  it("caps and the journal reader: a bad number, a missing journal", async () => {
    expect((await run("alpha", "run", "--vault", "x", "--max-notional-per-tick", "-5", "--no-build")).err).to.include("--max-notional-per-tick");
    const missing = await run("alpha", "journal", "--journal", join(dir, "none.jsonl"));
    expect(missing.code).to.equal(2);
    expect(missing.err).to.include("no journal at");
    const status = await run("alpha", "status", "--journal", join(dir, "none.jsonl"));
    expect(status.out).to.equal("alpha bot: no journal (the bot has not run here)");
  });
});
