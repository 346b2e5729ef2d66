/**
 * Speed of the chain-free backtest: 3 years (2021-01-01 … 2023-12-31), every venue of the shipped data
 * (7: Binance, Bybit, Gate, HTX, KuCoin, MEXC, dYdX), hourly, per-venue prices, both benchmarks.
 * Target: < 2 s per asset for the run itself (data loading printed apart). Prints figures, asserts nothing.
 *
 *   npx tsx scripts/bench/backtest.ts [--repeat N]
 */
import { parseArgs } from "node:util";
import { runBacktest } from "../alpha/backtest/engine.js";
import { loadMarketData } from "../alpha/data/market.js";
import { defaultStrategyConfig } from "../alpha/strategy/config.js";
import type { Asset } from "../alpha/strategy/types.js";

const { values } = parseArgs({ options: { repeat: { type: "string", default: "3" } } });
const repeat = Math.max(1, Number(values.repeat) || 1);
const from = Date.UTC(2021, 0, 1) / 1000;
const to = Date.UTC(2023, 11, 31, 23) / 1000;
const TARGET_SEC = 2;

for (const asset of ["BTC", "ETH"] as Asset[]) {
  const t0 = performance.now();
  const data = loadMarketData(asset);
  const loadSec = (performance.now() - t0) / 1000;
  const times: number[] = [];
  const cpu: number[] = [];
  let hours = 0;
  let actions = 0;
  for (let k = 0; k < repeat; k += 1) {
    // A fresh config each time: nothing memoised by an earlier run helps the next.
    const config = defaultStrategyConfig(asset);
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const r = runBacktest(data, { config, capitalQuote: 1_000_000, from, to });
    times.push((performance.now() - t1) / 1000);
    const c = process.cpuUsage(c1);
    cpu.push((c.user + c.system) / 1e6);
    hours = Math.round((r.to - r.from) / 3600) + 1;
    actions = r.actionCount;
  }
  const best = Math.min(...times);
  const bestCpu = Math.min(...cpu);
  const venues = Object.keys(data.funding).length;
  console.log(
    `${asset}: ${hours} hours × ${venues} venues, ${actions} actions — run ${times.map((t) => t.toFixed(2)).join(" / ")} s (best ${best.toFixed(2)} s; ` +
      `${((best * 1e6) / hours).toFixed(0)} µs/hour; CPU ${bestCpu.toFixed(2)} s), data load ${loadSec.toFixed(2)} s — target < ${TARGET_SEC} s wall: ${best < TARGET_SEC ? "met" : "NOT met"}`,
  );
}
