/**
 * Backtest CLI: runs the alpha's strategy engine over the shipped market data and writes an HTML
 * report (plus optional JSON summary and JSONL decision log).
 *
 *   npx tsx scripts/backtest.ts --asset BTC --from 2021-01-01 --to 2023-12-31 --out reports/btc.html
 *   npx tsx scripts/backtest.ts --help
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runBacktest, type BacktestResult, type LegReport } from "./alpha/backtest/engine.js";
import { DEFAULT_RISK_FREE_APR } from "./alpha/backtest/metrics.js";
import { goalAgainstBenchmark, money, ratio, renderReport } from "./alpha/backtest/report.js";
import { loadMarketData } from "./alpha/data/market.js";
import { defaultStrategyConfig } from "./alpha/strategy/config.js";
import { VENUE_IDS, type Asset, type NegativeRegimeAction, type RebalanceMode, type VenueId } from "./alpha/strategy/types.js";

const USAGE = `usage: npx tsx scripts/backtest.ts [options]
  --asset BTC|ETH                 asset (default BTC)
  --from YYYY-MM-DD               first day, UTC (default 2021-01-01; data from 2020-12-01)
  --to YYYY-MM-DD                 last day, UTC, inclusive (default 2023-12-31)
  --out PATH                      HTML report (default reports/backtest-<asset>-<from>-<to>.html)
  --capital N                     starting capital in quote (default 1000000)
  --mode hybrid|constant          rebalancing mode (default hybrid)
  --negative flat|reduce|loop     action in a negative funding regime (default flat)
  --passive-after-liquidation hold-spot|sell-spot   (default hold-spot: never rebalanced)
  --passive-leverage N            the second benchmark's leverage on its margin, 1..3 (default 3: a 3x short,
                                  never rebalanced, liquidated when it would be)
  --benchmark-venue VENUE         the Ethena-style 1x benchmark's venue (default binance)
  --rf APR                        annual risk-free rate for Sharpe and excess return (default 0.024)
  --json PATH                     also write the summary as JSON
  --log PATH                      also write every decision line as JSON lines
  --help`;

const DATA_FIRST_DAY = "2020-12-01";
const DATA_LAST_DAY = "2023-12-31";

class UsageError extends Error {}

function main(): void {
  const { values } = parseArgs({
    options: {
      asset: { type: "string", default: "BTC" },
      from: { type: "string", default: "2021-01-01" },
      to: { type: "string", default: DATA_LAST_DAY },
      out: { type: "string" },
      capital: { type: "string", default: "1000000" },
      mode: { type: "string", default: "hybrid" },
      negative: { type: "string", default: "flat" },
      "passive-after-liquidation": { type: "string", default: "hold-spot" },
      "passive-leverage": { type: "string", default: "3" },
      "benchmark-venue": { type: "string", default: "binance" },
      rf: { type: "string", default: String(DEFAULT_RISK_FREE_APR) },
      json: { type: "string" },
      log: { type: "string" },
      help: { type: "boolean", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const asset = oneOf<Asset>("--asset", values.asset.toUpperCase(), ["BTC", "ETH"]);
  const mode = oneOf<RebalanceMode>("--mode", values.mode, ["hybrid", "constant"]);
  const negative = oneOf<NegativeRegimeAction>("--negative", values.negative, ["flat", "reduce", "loop"]);
  const afterLiquidation = oneOf<"hold-spot" | "sell-spot">("--passive-after-liquidation", values["passive-after-liquidation"], ["hold-spot", "sell-spot"]);
  const passiveLeverage = Number(values["passive-leverage"]);
  if (!Number.isFinite(passiveLeverage) || passiveLeverage < 1 || passiveLeverage > 3) {
    throw new UsageError(`--passive-leverage must be a number from 1 to 3 (got "${values["passive-leverage"]}")`);
  }
  const benchmarkVenue = oneOf<VenueId>("--benchmark-venue", values["benchmark-venue"], VENUE_IDS);
  const riskFreeApr = Number(values.rf);
  if (!Number.isFinite(riskFreeApr) || riskFreeApr < -0.05 || riskFreeApr > 0.2) {
    throw new UsageError(`--rf must be an annual rate as a fraction, -0.05..0.2 (got "${values.rf}")`);
  }
  const from = day("--from", values.from);
  const to = day("--to", values.to);
  if (from < day("data start", DATA_FIRST_DAY) || to > day("data end", DATA_LAST_DAY)) {
    throw new UsageError(`window must lie within the shipped data, ${DATA_FIRST_DAY} … ${DATA_LAST_DAY} (got ${values.from} … ${values.to})`);
  }
  if (to < from) throw new UsageError(`--to (${values.to}) is before --from (${values.from})`);
  const capital = Number(values.capital);
  if (!Number.isFinite(capital) || capital < 10_000) throw new UsageError(`--capital must be a number ≥ 10000 (got "${values.capital}")`);
  const out = resolve(values.out ?? `reports/backtest-${asset}-${values.from}-${values.to}.html`);

  const config = defaultStrategyConfig(asset, { mode, negativeRegimeAction: negative });
  const started = Date.now();
  const data = loadMarketData(asset);
  const result = runBacktest(data, {
    config,
    capitalQuote: capital,
    from,
    to: to + 23 * 3600,
    passive: { venue: "binance", leverage: passiveLeverage, afterLiquidation },
    benchmark: { venue: benchmarkVenue },
    riskFreeApr,
  });
  const notes = [
    `Benchmark (headline): the Ethena-style trade on ${benchmarkVenue}: spot bought with the capital above the ${config.idleBufferBps / 100} % idle buffer, posted as the collateral of one venue account and shorted 1x there; delta-hedged, never switching venue, never rebalanced, funding settled into the account.`,
    `Second line: short Binance at ${passiveLeverage}× with a ${config.idleBufferBps / 100} % idle buffer, long spot, fixed notional from the first hour, never rebalanced; after a liquidation it ${
      afterLiquidation === "hold-spot" ? "keeps the spot leg (unhedged)" : "sells the spot leg and holds cash"
    }.`,
    `Risk-free rate ${(riskFreeApr * 100).toFixed(2)} % a year (Sharpe ratios and excess returns are measured against it).`,
  ];
  write(out, renderReport(result, config, notes));
  if (values.json !== undefined) write(resolve(values.json), `${JSON.stringify(summary(result), null, 2)}\n`);
  if (values.log !== undefined) write(resolve(values.log), result.decisions.map((d) => JSON.stringify(d)).join("\n") + "\n");

  const line = (name: string, l: LegReport): string =>
    `${name.padEnd(9)} ann ${pct(l.performance.annualisedReturn).padStart(8)}  excess ${pct(l.performance.excessReturn).padStart(7)}  sharpe ${ratio(l.performance.sharpe).padStart(9)}  maxDD ${pct(l.performance.maxDrawdown).padStart(8)}  funding ${money(l.fundingQuote).padStart(10)}  costs ${money(l.costsQuote).padStart(8)}  interest ${money(l.interestQuote).padStart(7)}  turnover ${l.turnoverPerYear.toFixed(2)}x/yr  liquidations ${l.liquidations.length}`;
  console.log(`${asset} ${values.from} → ${values.to}, capital ${money(capital)}, mode ${mode}, negative regime: ${negative}, rf ${pct(riskFreeApr)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(line("strategy", result.strategy));
  console.log(line("ethena1x", result.benchmark));
  console.log(line("short3x", result.passive));
  const goal = goalAgainstBenchmark(result.strategy, result.benchmark);
  console.log(`goal vs Ethena-style: +2 points/yr ${goal.excessVerdict} (${(goal.excessPoints * 100).toFixed(2)} points); max DD ≤ ½ ${goal.drawdownVerdict} (ratio ${ratio(goal.drawdownRatio, 3)})`);
  console.log(`report: ${out}`);
}

function summary(result: BacktestResult): Record<string, unknown> {
  const leg = (l: LegReport): Record<string, unknown> => ({
    ...l.performance,
    sharpe: Number.isFinite(l.performance.sharpe) ? l.performance.sharpe : null,
    fundingQuote: l.fundingQuote,
    costsQuote: l.costsQuote,
    costs: l.costs,
    interestQuote: l.interestQuote,
    turnoverPerYear: l.turnoverPerYear,
    liquidations: l.liquidations,
  });
  return {
    asset: result.asset,
    from: new Date(result.from * 1000).toISOString(),
    to: new Date(result.to * 1000).toISOString(),
    capitalQuote: result.capitalQuote,
    riskFreeApr: result.riskFreeApr,
    strategy: leg(result.strategy),
    benchmark: { kind: "ethena-style 1x", venue: result.benchmarkVenue, ...leg(result.benchmark) },
    passive: { kind: "3x short, never rebalanced", ...leg(result.passive) },
    regimeHours: result.regimeHours,
    venueShare: result.venueShare,
    guardrailBreaches: result.guardrailBreaches.length,
    actionCount: result.actionCount,
  };
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
}

function day(flag: string, value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const t = m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
  if (!Number.isFinite(t) || new Date(t * 1000).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD (got "${value}")`);
  }
  return t;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

function pct(x: number): string {
  return `${(x * 100).toFixed(2)}%`;
}


try {
  main();
} catch (error) {
  if (error instanceof UsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
    console.error(`error: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else throw error;
}
