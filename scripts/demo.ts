/**
 * `npm run demo` — the README's main job, on the in-process chain: the alpha replayed over real ETH history.
 *
 * Deploys real Aave V3 and Uniswap V3, one simulated perp venue per strategy venue (Binance, Bybit, KuCoin) and
 * the vault (through the atomist's
 * reconciler, from deployments/configs/replay-eth.ts), lets three depositors in, then runs the strategy epoch
 * by epoch (8 h), reading the vault's book from chain and sending its batches through `vault.execute`.
 * Fees are on (deployments/configs/replay-eth.ts), and mid-window the first depositor asks to redeem 30 % of the
 * shares (ERC-7540: more than an instant redemption can pay); the alpha unwinds for it and settles at its next epoch,
 * and the depositor claims. Prints one line per epoch, a summary beside the backtester's figures for the same window
 * (per share), the fees, the redemption and the refusals, and writes an HTML report under reports/. Progress by phase (setup and deploy, replay with an ETA, backtest, report) on
 * stderr: a spinner on a terminal, a plain line every 10 s elsewhere.
 *
 *   npm run demo                                  # ETH 2021-05-01, 90 days
 *   REPLAY_FROM=2022-08-01 REPLAY_DAYS=45 npm run demo
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import hre, { network } from "hardhat";
import { runBacktest } from "./alpha/backtest/engine.js";
import { loadMarketData } from "./alpha/data/market.js";
import { printSummary, renderReplayReport, summarise } from "./alpha/replay/report.js";
import { replayStrategyConfig, runReplay } from "./alpha/replay/run.js";
import { iso, money, pct } from "./alpha/backtest/report.js";
import { createProgress } from "./lib/progress.js";

const started = Date.now();
const fromDay = process.env["REPLAY_FROM"] ?? "2021-05-01";
const days = Number(process.env["REPLAY_DAYS"] ?? "90");
if (!/^\d{4}-\d{2}-\d{2}$/.test(fromDay) || !(days >= 2 && days <= 365)) throw new Error("REPLAY_FROM=YYYY-MM-DD, REPLAY_DAYS in [2, 365]");
const from = Date.parse(`${fromDay}T00:00:00Z`) / 1000;
const to = from + days * 86_400 - 8 * 3600;
const capital = 1_000_000;

const progress = createProgress({ phases: 4 });
const epochCount = Math.floor((to - from) / (8 * 3600)) + 1;
progress.phase("setup: the chain, Aave V3, Uniswap V3, the perp venues, the vault and its deposits");
const connection = await network.create();
const { ethers } = connection;
// On a separate node (`--network localhost`), the deployment is recorded like any other in deployments/<network>/,
// and the vault stays for `npm run fusebox -- alpha run --vault replay-eth --network <network>`.
const onNode = connection.networkConfig.type !== "edr-simulated";
const data = loadMarketData("ETH");
progress.log(`Fusebox replay: ETH ${fromDay} + ${days} days, ${capital.toLocaleString("en-US")} USDC, on ${onNode ? `network "${connection.networkName}"` : "the in-process chain"}`);
const replayVenues = replayStrategyConfig().allowedVenues;
let epochsSeen = 0;
const result = await runReplay({
  ethers,
  data,
  from,
  to,
  capitalQuote: capital,
  abiOf: async (name) => (await hre.artifacts.readArtifact(name)).abi,
  artifactExists: (name) => hre.artifacts.artifactExists(name),
  ...(onNode ? { networkName: connection.networkName, recordsRoot: "deployments" } : {}),
  // Mid-window, the first depositor asks to redeem 30 % of the vault's shares: more than idle and the instant-withdraw
  // markets can pay at once, so it queues (ERC-7540), the alpha unwinds for it and settles, and the depositor claims.
  redemption: { at: from + Math.floor(days / 2) * 86_400, supplyShare: 0.3 },
  onLine: (line) => progress.log(line),
  onEpoch: (e) => {
    if (epochsSeen === 0) progress.phase(`replay, 8 h epochs from ${fromDay}`, epochCount, "epochs");
    const what = e.refusal !== undefined ? `REFUSED ${e.refusal}` : e.actions > 0 ? `${e.actions} calls, gas ${Math.round(Number(e.gasUsed) / 1000)}k: ${e.summary}` : "hold";
    const venues = replayVenues.map((v) => `${v.slice(0, 2)} ${(e.fundingRates[v] === undefined ? "—" : (e.fundingRates[v] * 1e4).toFixed(2)).padStart(5)}/${(-(e.perpSizes[v] ?? 0)).toFixed(0).padStart(3)}`).join(" ");
    epochsSeen += 1;
    progress.tick(epochsSeen);
    // WETH's net delta as the vault books it (every market reports into it), bps of NAV.
    const band = e.risk.bands[0];
    const delta = band === undefined || e.nav <= 0 ? "" : `  δ ${((band.deltaBase * e.spot) / e.nav * 1e4).toFixed(1).padStart(5)}bp`;
    progress.log(`${iso(e.time)}  ETH ${e.spot.toFixed(0).padStart(5)}  NAV ${money(e.nav).padStart(10)}${delta}  long ${e.longBase.toFixed(1).padStart(6)}  fund bp/short ${venues}  ${what.slice(0, 100)}`);
  },
});
const replaySeconds = (Date.now() - started) / 1000;

progress.phase("backtest of the same window (chain-free)");
// The replay's keeper marks every venue at the Binance perp close: the backtest column uses the same prices.
const backtest = runBacktest(data, { config: replayStrategyConfig(), capitalQuote: capital, from, to, priceModel: "binance-mark" });
progress.phase("summary and HTML report");
const summary = summarise(result, backtest);
progress.log("");
printSummary(summary, (line) => progress.log(line));
const notes = [
  `Replay: state read from chain each epoch; one simulated venue per strategy venue (${replayVenues.join(", ")}), each fed its own 8 h funding prints from data/market, all marked at the Binance ETHUSDT perp close (no per-venue prices in the data, as in the backtest); Uniswap pool arbitraged to the oracle price each epoch by a keeper.`,
  "Backtest: the same strategy config (same venues, fees, caps) on the same data, hourly, chain-free (scripts/alpha/backtest). Differences come from on-chain execution (Uniswap fee tier and price impact, Aave interest, venue fees and margin rules) and from the 8 h step.",
  `Ethena-style 1x: the benchmark on the same data and prices (backtest): spot as the collateral of one ${backtest.benchmarkVenue} account, shorted 1x there, never switching venue, resized to 1x when the notional drifts 10 % from equity. Sharpe ratios over a risk-free rate of ${(backtest.riskFreeApr * 100).toFixed(1)} %.`,
  `Fees and the redemption vs the backtest: the backtest charges no vault fees and has no redemption, so the replay is compared per share — its NAV per share × the start supply (the NAV chart, return, Sharpe, drawdown) — not by NAV, which falls by the ${result.redemption === undefined ? "redeemed" : pct(result.redemption.supplyShare)} share of the supply at the settlement. That per-share return is net of the vault's fees (${(result.fees.managementBps / 100).toFixed(0)} %/yr management, ${(result.fees.performanceBps / 100).toFixed(0)} % performance: ${money(result.fees.recipientValue)} USDC of fee shares at the end); the row "before fees" adds them back. The unwind for the redemption and its settlement cost perp fees, Uniswap fees and gas the backtest does not pay; after it the book is ${result.redemption === undefined ? "" : pct(1 - result.redemption.supplyShare, 0)} of its size, so funding earned in USDC is not comparable after the settlement either.`,
  `Replay wall time ${replaySeconds.toFixed(1)} s (${result.epochs.length} epochs, ${result.deployTxs} deployment transactions).`,
];
mkdirSync("reports", { recursive: true });
const out = join("reports", `replay-ETH-${fromDay}-${days}d.html`);
writeFileSync(out, renderReplayReport(result, summary, backtest, notes));
progress.finish();
console.log(`\nreport: ${out}   (replay ${replaySeconds.toFixed(1)} s)`);
