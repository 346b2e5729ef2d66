import { expect } from "chai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HistoricalMarketData, staleSources } from "../../scripts/alpha/chain/marketData.js";
import { loadMarketData } from "../../scripts/alpha/data/market.js";
import { botStatus, formatEntry, Journal, parseJournal, readBotStatus } from "../../scripts/alpha/live/journal.js";
import { applyPolicy, isRiskReducing } from "../../scripts/alpha/live/policy.js";
import type { Action, MarketSnapshot } from "../../scripts/alpha/strategy/types.js";

const SNAPSHOT: MarketSnapshot = { time: 0, asset: "ETH", spotPrice: 2_000, spotTime: 0, venues: [{ venue: "dydx", markPrice: 2_010, markTime: 0 }] };
const OPEN: Action[] = [
  { kind: "perp.addMargin", venue: "dydx", asset: "ETH", amountQuote: 4_000 },
  { kind: "spot.buy", asset: "ETH", amountQuote: 10_000 },
  { kind: "credit.supply", asset: "ETH", amount: 5 },
  { kind: "perp.adjustShort", venue: "dydx", asset: "ETH", targetSizeBase: 5, deltaBase: 5 },
];
const REDUCE: Action[] = [
  { kind: "perp.adjustShort", venue: "dydx", asset: "ETH", targetSizeBase: 2, deltaBase: -3 },
  { kind: "credit.repay", asset: "QUOTE", amount: 100 },
  { kind: "perp.removeMargin", venue: "dydx", asset: "ETH", amountQuote: 500 },
];

describe("alpha live policy: stale data and per-tick caps", () => {
  it("classifies what can only lower risk: a perp toward zero, margin in, debt repaid, collateral supplied", () => {
    expect(OPEN.map(isRiskReducing)).to.deep.equal([true, false, true, false]);
    expect(REDUCE.map(isRiskReducing)).to.deep.equal([true, true, false]);
  });

  it("passes a decision through untouched when every source is fresh and no cap is set", () => {
    const r = applyPolicy({ actions: OPEN, snapshot: SNAPSHOT, stale: [], caps: {} });
    expect(r.actions).to.deep.equal(OPEN);
    expect(r.held).to.deep.equal([]);
    expect(Math.abs(r.notionalAddedQuote - 5 * 2_010)).to.be.lessThan(1e-9);
    expect(r.marginMovedQuote).to.equal(4_000);
  });

  it("a stale source holds every risk-raising action, keeps de-risking, and says which source", () => {
    const stale = [{ source: "perp-v2 index feed", why: "last update 9000 s ago, limit 2400 s" }];
    const r = applyPolicy({ actions: [...OPEN, ...REDUCE], snapshot: SNAPSHOT, stale, caps: {} });
    expect(r.actions.map((a) => a.kind)).to.deep.equal(["perp.addMargin", "credit.supply", "perp.adjustShort", "credit.repay"]);
    expect(r.actions.find((a) => a.kind === "perp.adjustShort")).to.include({ deltaBase: -3 });
    expect(r.held.map((h) => h.action.kind)).to.deep.equal(["spot.buy", "perp.adjustShort", "perp.removeMargin"]);
    expect(r.held[0]?.reason).to.include("perp-v2 index feed: last update 9000 s ago");
  });

  it("caps per tick: notional added over the cap holds the risk-raising actions; margin over its cap holds margin moves too", () => {
    const notional = applyPolicy({ actions: OPEN, snapshot: SNAPSHOT, stale: [], caps: { maxNotionalAddedQuote: 10_000 } });
    expect(notional.held.map((h) => h.action.kind)).to.deep.equal(["spot.buy", "perp.adjustShort"]);
    expect(notional.reasons[0]).to.equal("per-tick cap: notional added 10050 > 10000 quote: risk-raising actions held");
    expect(applyPolicy({ actions: OPEN, snapshot: SNAPSHOT, stale: [], caps: { maxNotionalAddedQuote: 10_050 } }).held).to.deep.equal([]);
    const margin = applyPolicy({ actions: OPEN, snapshot: SNAPSHOT, stale: [], caps: { maxMarginMovedQuote: 3_999 } });
    expect(margin.held.map((h) => h.action.kind)).to.deep.equal(["perp.addMargin", "spot.buy", "perp.adjustShort"]);
    expect(margin.actions.map((a) => a.kind)).to.deep.equal(["credit.supply"]);
  });

  it("staleSources: a source past its limit or one that reports a failure; fresh ones pass", () => {
    const out = staleSources([
      { source: "a", updatedAt: 1_000, maxAgeSec: 100 },
      { source: "b", updatedAt: 1_950, maxAgeSec: 100 },
      { source: "c", updatedAt: 2_000, maxAgeSec: 100, failure: "timed out" },
    ], 2_000);
    expect(out).to.deep.equal([{ source: "a", why: "last update 1000 s ago, limit 100 s" }, { source: "c", why: "timed out" }]);
  });
});

describe("alpha market data from history files", () => {
  it("HistoricalMarketData: the hourly price at or before the time, each venue's prints known by then", async () => {
    const data = loadMarketData("ETH");
    const t = Date.parse("2021-05-19T13:30:00Z") / 1000;
    const view = await new HistoricalMarketData(data, "ETH", ["binance", "bybit"]).at(t);
    expect(view.snapshot.spotTime).to.equal(Date.parse("2021-05-19T13:00:00Z") / 1000);
    expect(view.snapshot.venues.map((v) => v.venue)).to.deep.equal(["binance", "bybit"]);
    const last = view.history.funding.binance?.at(-1);
    expect(last?.knownAt).to.be.at.most(t);
    expect(last?.settleTime).to.equal(Date.parse("2021-05-19T08:00:00Z") / 1000);
    expect(view.snapshot.spotPrice).to.be.greaterThan(1_000);
  });
});

describe("alpha journal: format, reader, status", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "alpha-journal-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("round-trips entries, reports the last tick, decision, batch and outcome, and names a bad line", () => {
    const path = join(dir, "j.jsonl");
    const j = new Journal(path);
    j.append({ kind: "decided", tick: 7, time: 25_200, actions: 1, log: ["x"], details: { reasons: ["perp.adjustShort: open venue position"], batch: ["dydx increasePosition(short 5 @ 2,010)"], funding: [{ venue: "dydx", settleTime: 21_600, ratePerInterval: -0.001, intervalHours: 1 }] } });
    j.append({ kind: "sending", tick: 7, time: 25_200, nonce: 3 });
    j.append({ kind: "sent", tick: 7, time: 25_200, txHash: `0x${"ab".repeat(32)}`, nonce: 3 });
    j.append({ kind: "reverted", tick: 7, time: 25_201, txHash: `0x${"ab".repeat(32)}`, reason: "EnforcedPause()" });
    j.append({ kind: "skipped", tick: 7, time: 25_201, reason: "batch reverted: EnforcedPause()" });
    j.append({ kind: "error", tick: -1, time: 28_800, error: "ECONNREFUSED" });
    const status = readBotStatus(path);
    expect(status?.lastTick).to.deep.equal({ tick: 7, time: 25_201, outcome: "batch reverted: EnforcedPause()" });
    expect(status?.lastBatch).to.deep.include({ tick: 7, outcome: "reverted", detail: "EnforcedPause()" });
    expect(status?.lastDecision?.reasons).to.deep.equal(["perp.adjustShort: open venue position"]);
    expect(status?.errors).to.equal(1);
    expect(new Journal(path).observedFunding().dydx?.[0]).to.deep.include({ settleTime: 21_600, ratePerInterval: -0.001, ratePerHour: -0.001 });
    expect(formatEntry(j.all()[0]!)).to.include("why: perp.adjustShort: open venue position");
    expect(botStatus([])).to.deep.equal({ errors: 0 });
    writeFileSync(path, `${JSON.stringify({ kind: "mined", tick: 1, time: 1, txHash: "0x", gasUsed: "1" })}\n{"tick": 2}\n`);
    expect(() => parseJournal(`{"kind":"mined","tick":1,"time":1}\nnot json\n`, "j")).to.throw("j:2: not JSON");
    expect(() => new Journal(path)).to.throw(/j\.jsonl:2: not a journal entry/);
  });
});
