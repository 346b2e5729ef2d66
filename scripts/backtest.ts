/**
 * Backtest CLI: runs the alpha's strategy engine over market data (the shipped data/market/, or any
 * folder in its layout) against the Ethena-style benchmark and the 3x short, and writes an HTML
 * report (plus optional JSON summary and JSONL decision log). With --train/--test the tunables are
 * fitted on the train window only and the report is the test window's.
 *
 *   npx tsx scripts/backtest.ts --asset BTC --from 2021-01-01 --to 2023-12-31 --out reports/btc.html
 *   npx tsx scripts/backtest.ts --asset ETH --train 2021-01-01:2022-06-30 --test 2022-07-01:2023-12-31 --json reports/eth.json
 *   npx tsx scripts/backtest.ts --help
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runBacktest, type BacktestOptions, type BacktestResult, type LegReport } from "./alpha/backtest/engine.js";
import { fitAndTest, type FitResult } from "./alpha/backtest/fit.js";
import { DEFAULT_RISK_FREE_APR } from "./alpha/backtest/metrics.js";
import { goalAgainstBenchmark, money, ratio, renderReport } from "./alpha/backtest/report.js";
import { DEFAULT_YIELDS, describeYields, type YieldAssumptions } from "./alpha/backtest/yields.js";
import { describeEvent, describeOutcome, portfolioMarginNote } from "./alpha/backtest/report.js";
import { loadScenario } from "./alpha/backtest/scenario.js";
import { loadMarketData } from "./alpha/data/market.js";
import { defaultStrategyConfig } from "./alpha/strategy/config.js";
import { VENUE_IDS, type Asset, type NegativeRegimeAction, type RebalanceMode, type VenueId } from "./alpha/strategy/types.js";

const USAGE = `usage: npx tsx scripts/backtest.ts [options]
  --asset BTC|ETH                 asset (default BTC)
  --data DIR                      market data folder in the layout of data/market/ (default: the shipped one)
  --from YYYY-MM-DD               first day, UTC (default 2021-01-01)
  --to YYYY-MM-DD                 last day, UTC, inclusive (default: the data's last full day)
  --train FROM:TO --test FROM:TO  fit the tunables (forecast half-life, entry threshold, venue count, sentiment) on the
                                  train window only, then report the test window (replaces --from/--to)
  --out PATH                      HTML report (default reports/backtest-<asset>-<from>-<to>.html)
  --json PATH                     also write the strategy's and every benchmark's metrics as JSON
  --scenario FILE                 risk events fed to the run (data/scenarios/*.json: outage, depeg, ADL, liquidity)
  --log PATH                      also write every decision line as JSON lines
  --capital N                     starting capital in quote (default 1000000)
  --mode hybrid|constant          rebalancing mode (default hybrid)
  --negative flat|reduce|loop     action in a negative funding regime (default flat)
  --sentiment-weight W            hybrid mode: how much the trailing funding level and price trend widen or narrow
                                  the bands, 0..0.9 (default 0: off)
  --price-model per-venue|binance-mark   each venue at its own premium-implied mark (default), or all at Binance's
  --benchmark-venue VENUE         the Ethena-style 1x benchmark's venue (default binance)
  --passive-leverage N            the second benchmark's leverage on its margin, 1..3 (default 3: a 3x short,
                                  never rebalanced, liquidated when it would be)
  --passive-after-liquidation hold-spot|sell-spot   (default hold-spot: never rebalanced)
  --rf APR                        annual risk-free rate for Sharpe and excess return (default ${DEFAULT_RISK_FREE_APR})
  --idle-apr APR                  yield on idle quote (default ${DEFAULT_YIELDS.idleSupplyApr})
  --margin-apr APR                yield on perp margin (default ${DEFAULT_YIELDS.marginApr})
  --asset-supply-apr APR          yield on the long leg supplied to the credit market (default ${DEFAULT_YIELDS.assetSupplyApr})
  --staking-apr APR               liquid-staking yield on the long leg (an LST; default ${DEFAULT_YIELDS.stakingApr})
  --help`;

class UsageError extends Error {}

interface Window {
  readonly from: number;
  readonly to: number;
  readonly label: string;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      asset: { type: "string", default: "BTC" },
      data: { type: "string" },
      from: { type: "string" },
      to: { type: "string" },
      train: { type: "string" },
      test: { type: "string" },
      out: { type: "string" },
      capital: { type: "string", default: "1000000" },
      mode: { type: "string", default: "hybrid" },
      negative: { type: "string", default: "flat" },
      "sentiment-weight": { type: "string", default: "0" },
      "price-model": { type: "string", default: "per-venue" },
      "passive-after-liquidation": { type: "string", default: "hold-spot" },
      "passive-leverage": { type: "string", default: "3" },
      "benchmark-venue": { type: "string", default: "binance" },
      rf: { type: "string", default: String(DEFAULT_RISK_FREE_APR) },
      "idle-apr": { type: "string", default: String(DEFAULT_YIELDS.idleSupplyApr) },
      "margin-apr": { type: "string", default: String(DEFAULT_YIELDS.marginApr) },
      "asset-supply-apr": { type: "string", default: String(DEFAULT_YIELDS.assetSupplyApr) },
      "staking-apr": { type: "string", default: String(DEFAULT_YIELDS.stakingApr) },
      json: { type: "string" },
      scenario: { type: "string" },
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
  const priceModel = oneOf<"per-venue" | "binance-mark">("--price-model", values["price-model"], ["per-venue", "binance-mark"]);
  const afterLiquidation = oneOf<"hold-spot" | "sell-spot">("--passive-after-liquidation", values["passive-after-liquidation"], ["hold-spot", "sell-spot"]);
  const passiveLeverage = Number(values["passive-leverage"]);
  if (!Number.isFinite(passiveLeverage) || passiveLeverage < 1 || passiveLeverage > 3) {
    throw new UsageError(`--passive-leverage must be a number from 1 to 3 (got "${values["passive-leverage"]}")`);
  }
  const benchmarkVenue = oneOf<VenueId>("--benchmark-venue", values["benchmark-venue"], VENUE_IDS);
  const riskFreeApr = rate("--rf", values.rf);
  const yields: YieldAssumptions = {
    idleSupplyApr: rate("--idle-apr", values["idle-apr"]),
    marginApr: rate("--margin-apr", values["margin-apr"]),
    assetSupplyApr: rate("--asset-supply-apr", values["asset-supply-apr"]),
    stakingApr: rate("--staking-apr", values["staking-apr"]),
  };
  if (yields.stakingApr !== 0 && asset !== "ETH") throw new UsageError("--staking-apr applies to an ETH long leg held as an LST (--asset ETH)");
  const capital = Number(values.capital);
  if (!Number.isFinite(capital) || capital < 10_000) throw new UsageError(`--capital must be a number ≥ 10000 (got "${values.capital}")`);
  const split = values.train !== undefined || values.test !== undefined;
  if (split && (values.train === undefined || values.test === undefined)) throw new UsageError("--train and --test go together");
  if (split && (values.from !== undefined || values.to !== undefined)) throw new UsageError("--train/--test replace --from/--to: give one or the other");

  const started = Date.now();
  // A folder not in the shipped layout is bad input: say which file or column is wrong.
  const data = usage(() => loadMarketData(asset, values.data === undefined ? undefined : resolve(values.data)), "--data");
  const first = data.prices.time[0] as number;
  const last = data.prices.time[data.prices.time.length - 1] as number;
  const lastFullDay = Math.floor((last + 3600) / 86_400) * 86_400 - 86_400;
  const within = (w: Window): Window => {
    if (w.from < first || w.to > lastFullDay) {
      throw new UsageError(`window must lie within the data, ${day10(first)} … ${day10(lastFullDay)} (got ${w.label})`);
    }
    return w;
  };
  const windows: { train: Window; test: Window } | { single: Window } = split
    ? { train: within(window("--train", values.train as string)), test: within(window("--test", values.test as string)) }
    : { single: within(span("--from/--to", values.from ?? "2021-01-01", values.to ?? day10(lastFullDay))) };

  if ("train" in windows && windows.train.to >= windows.test.from) {
    throw new UsageError(`the train window must end before the test window starts (got --train ${windows.train.label}, --test ${windows.test.label})`);
  }
  const sentimentWeight = Number(values["sentiment-weight"]);
  if (!Number.isFinite(sentimentWeight) || sentimentWeight < 0 || sentimentWeight > 0.9) {
    throw new UsageError(`--sentiment-weight must be a number from 0 to 0.9 (got "${values["sentiment-weight"]}")`);
  }
  const config = defaultStrategyConfig(asset, { mode, negativeRegimeAction: negative, sentimentWeight });
  const scenario = values.scenario === undefined ? undefined : usage(() => loadScenario(resolve(values.scenario as string)), "--scenario");
  const shared: Omit<BacktestOptions, "config" | "from" | "to"> = {
    capitalQuote: capital,
    passive: { venue: "binance", leverage: passiveLeverage, afterLiquidation },
    benchmark: { venue: benchmarkVenue },
    riskFreeApr,
    priceModel,
    yields,
    ...(scenario === undefined ? {} : { scenario }),
  };
  let fit: FitResult | undefined;
  let result: BacktestResult;
  let label: string;
  if ("train" in windows) {
    const { train, test } = windows;
    fit = fitAndTest(data, config, shared, { from: train.from, to: train.to + 23 * 3600 }, { from: test.from, to: test.to + 23 * 3600 });
    result = fit.test;
    label = `test ${test.label} (fitted on train ${train.label})`;
  } else {
    const { single } = windows;
    result = runBacktest(data, { ...shared, config, from: single.from, to: single.to + 23 * 3600 });
    label = single.label;
  }
  const usedConfig = fit?.config ?? config;
  const out = resolve(values.out ?? `reports/backtest-${asset}-${day10(result.from)}-${day10(result.to)}${fit ? "-test" : ""}.html`);
  const notes = [
    `Benchmark (headline): the Ethena-style trade on ${benchmarkVenue}: spot bought with the capital above the ${usedConfig.idleBufferBps / 100} % idle buffer, posted as the collateral of one venue account and shorted 1x there; delta-hedged, never switching venue, its PnL settled daily and both legs resized to 1x when the notional drifts 10 % from equity, funding settled into the account.`,
    `Second line: short Binance at ${passiveLeverage}× with a ${usedConfig.idleBufferBps / 100} % idle buffer, long spot, fixed notional from the first hour, never rebalanced; after a liquidation it ${
      afterLiquidation === "hold-spot" ? "keeps the spot leg (unhedged)" : "sells the spot leg and holds cash"
    }.`,
    `Risk-free rate ${(riskFreeApr * 100).toFixed(2)} % a year (Sharpe ratios and excess returns are measured against it).`,
    ...describeYields(yields, usedConfig),
    `Data: ${data.root}.`,
    ...(fit === undefined ? [] : fitNotes(fit)),
    ...(scenario === undefined ? [] : [`Scenario ${scenario.name} (${scenario.kind}): ${scenario.description}`]),
  ];
  write(out, renderReport(result, usedConfig, notes));
  if (values.json !== undefined) write(resolve(values.json), `${JSON.stringify(summary(result, fit, notes), null, 2)}\n`);
  if (values.log !== undefined) write(resolve(values.log), result.decisions.map((d) => JSON.stringify(d)).join("\n") + "\n");

  console.log(`${asset} ${label}, capital ${money(capital)}, mode ${mode}, negative regime: ${negative}, prices ${priceModel}, rf ${pct(riskFreeApr)} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  if (fit !== undefined) for (const n of fitNotes(fit)) console.log(n);
  for (const n of describeYields(yields, usedConfig)) console.log(n);
  console.log(line("strategy", result.strategy));
  console.log(line("ethena1x", result.benchmark));
  console.log(line("short3x", result.passive));
  console.log(portfolioMarginNote(result, usedConfig.maxBasis));
  for (const o of result.scenario?.outcomes ?? []) console.log(`event ${describeEvent(o.event)}: ${describeOutcome(o)}`);
  const goal = goalAgainstBenchmark(result.strategy, result.benchmark);
  console.log(`goal vs Ethena-style: +2 points/yr ${goal.excessVerdict} (${(goal.excessPoints * 100).toFixed(2)} points); max DD ≤ ½ ${goal.drawdownVerdict} (ratio ${ratio(goal.drawdownRatio, 3)})`);
  console.log(`report: ${out}`);
}

function line(name: string, l: LegReport): string {
  const p = l.performance;
  return `${name.padEnd(9)} ann ${pct(p.annualisedReturn).padStart(8)}  excess ${pct(p.excessReturn).padStart(7)}  sharpe ${ratio(p.sharpe).padStart(9)}  maxDD ${pct(p.maxDrawdown).padStart(7)}  funding ${money(l.fundingQuote).padStart(10)}  costs ${money(l.costsQuote).padStart(8)}  basis ${money(l.basisQuote).padStart(7)}  yield ${money(l.yieldQuote).padStart(7)}  interest ${money(l.interestQuote).padStart(7)}  turnover ${l.turnoverPerYear.toFixed(2)}x/yr  liquidations ${l.liquidations.length}`;
}

function fitNotes(fit: FitResult): string[] {
  const t = fit.chosen;
  const trials = fit.trials
    .map((x) => `${x.tunables.fastHalfLifeHours}h/${pct(x.tunables.positiveEnterApr)}/${x.tunables.venueCount}v/s${x.tunables.sentimentWeight} → ${pct(x.annualisedReturn)}`)
    .join(", ");
  return [
    `Fitted on the train window only (${fit.trials.length} configs, objective: train annualised return): fast half-life ${t.fastHalfLifeHours} h, entry threshold ${pct(t.positiveEnterApr)} APR, ${t.venueCount} venues, sentiment weight ${t.sentimentWeight}. Train: strategy ${pct(fit.train.strategy.performance.annualisedReturn)} vs Ethena-style ${pct(fit.train.benchmark.performance.annualisedReturn)}.`,
    `Train trials (half-life/threshold/venues/sentiment → ann.): ${trials}.`,
  ];
}

function summary(result: BacktestResult, fit: FitResult | undefined, notes: readonly string[]): Record<string, unknown> {
  const leg = (l: LegReport): Record<string, unknown> => ({
    ...l.performance,
    sharpe: Number.isFinite(l.performance.sharpe) ? l.performance.sharpe : null,
    fundingQuote: l.fundingQuote,
    costsQuote: l.costsQuote,
    costs: l.costs,
    basisQuote: l.basisQuote,
    yieldQuote: l.yieldQuote,
    interestQuote: l.interestQuote,
    turnoverPerYear: l.turnoverPerYear,
    liquidations: l.liquidations,
  });
  const goal = goalAgainstBenchmark(result.strategy, result.benchmark);
  return {
    asset: result.asset,
    from: new Date(result.from * 1000).toISOString(),
    to: new Date(result.to * 1000).toISOString(),
    capitalQuote: result.capitalQuote,
    riskFreeApr: result.riskFreeApr,
    priceModel: result.priceModel,
    yields: result.yields,
    strategy: leg(result.strategy),
    benchmark: { kind: "ethena-style 1x", venue: result.benchmarkVenue, ...leg(result.benchmark) },
    passive: { kind: "3x short, never rebalanced", ...leg(result.passive) },
    goal: { ...goal, drawdownRatio: Number.isFinite(goal.drawdownRatio) ? goal.drawdownRatio : null },
    ...(fit === undefined
      ? {}
      : {
          fit: {
            chosen: fit.chosen,
            trials: fit.trials,
            train: { from: new Date(fit.train.from * 1000).toISOString(), to: new Date(fit.train.to * 1000).toISOString(), strategy: leg(fit.train.strategy), benchmark: leg(fit.train.benchmark) },
          },
        }),
    regimeHours: result.regimeHours,
    venueShare: result.venueShare,
    guardrailBreaches: result.guardrailBreaches.length,
    actionCount: result.actionCount,
    ...(result.scenario === undefined ? {} : { scenario: result.scenario }),
    notes,
  };
}

/** Runs `f`; its error (bad input: a file, a field) becomes a usage error. */
function usage<T>(f: () => T, flag?: string): T {
  try {
    return f();
  } catch (error) {
    throw new UsageError(`${flag === undefined ? "" : `${flag}: `}${(error as Error).message}`);
  }
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${allowed.join(", ")} (got "${value}")`);
  return value as T;
}

function rate(flag: string, value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x) || x < -0.05 || x > 0.2) throw new UsageError(`${flag} must be an annual rate as a fraction, -0.05..0.2 (got "${value}")`);
  return x;
}

function day(flag: string, value: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const t = m === null ? Number.NaN : Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 1000;
  if (!Number.isFinite(t) || new Date(t * 1000).toISOString().slice(0, 10) !== value) {
    throw new UsageError(`${flag} must be a date YYYY-MM-DD (got "${value}")`);
  }
  return t;
}

function span(flag: string, from: string, to: string): Window {
  const w = { from: day(flag, from), to: day(flag, to), label: `${from} → ${to}` };
  if (w.to < w.from) throw new UsageError(`${flag}: ${to} is before ${from}`);
  return w;
}

function window(flag: string, value: string): Window {
  const parts = value.split(":");
  if (parts.length !== 2) throw new UsageError(`${flag} must be FROM:TO, two dates YYYY-MM-DD (got "${value}")`);
  return span(flag, parts[0] as string, parts[1] as string);
}

function day10(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 10);
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
