/**
 * The replay: the alpha run epoch by epoch (8 h) over a window of real ETH history on the local chain.
 *
 *   1. World (world.ts): real Aave V3 and Uniswap V3, one simulated perp venue per strategy venue (Binance,
 *      Bybit, KuCoin), test tokens and feeds.
 *   2. Vault: the config `deployments/configs/replay-eth.ts`, validated by the atomist schema and deployed by
 *      the reconciler (scripts/deploy/reconcile.ts) — vault, AccessManager, oracle middleware, fuses, roles.
 *   3. Depositors deposit.
 *   4. Each epoch t: the keeper sets the oracle's ETH price (historical spot), every venue's mark (the
 *      historical Binance perp close: the simulated venues take one price, so the replay compares with the
 *      backtest's `binance-mark` price model, not its per-venue default) and applies each venue's funding print settled at t (a print
 *      settled between epochs, KuCoin's 04/12/20 UTC, is applied at its own hour), then arbitrages the Uniswap
 *      pool to the oracle price. The alpha's chain layer (scripts/alpha/chain) reads the vault's book from
 *      chain, decides with the strategy engine, maps the actions to fuse calls and sends one `vault.execute`
 *      from the alpha account. A batch the vault refuses is logged with its decoded error and skipped.
 *
 * Chain time runs ahead of history by a whole number of days (`clockOffset`): the strategy sees history's
 * clock, the chain's contracts (Aave interest, staleness checks) see consistent 8 h steps.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { InterfaceAbi, Provider } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replayEthConfig } from "../../../deployments/configs/replay-eth.js";
import { configHash } from "../../config/load.js";
import { validateConfig } from "../../config/schema.js";
import type { ChainContext } from "../../deploy/context.js";
import { reconcile } from "../../deploy/reconcile.js";
import type { DeploymentRecord } from "../../deploy/record.js";
import { simVenueAt, vaultAt } from "../chain/contracts.js";
import type { Scenario } from "../backtest/scenario.js";
import { replayedEvents, ScenarioMarketData } from "./scenario.js";
import { ChainMarketData } from "../chain/marketData.js";
import { units } from "../chain/actions.js";
import { EthersAlphaChain } from "../chain/alphaChain.js";
import { bookFromRecord, type ChainBook, type PerpLeg } from "../chain/book.js";
import { revertDecoder } from "../../lib/revert.js";
import { bookIntervals, ERROR_SOURCES } from "../chain/live.js";
import { ChainReader, toNumber } from "../chain/read.js";
import { indexAtOrAfter } from "../data/prices.js";
import type { MarketData } from "../data/market.js";
import { defaultStrategyConfig, VENUES } from "../strategy/config.js";
import type { FundingPrint, StrategyConfig, VenueId } from "../strategy/types.js";
import { applyFundingBetweenEpochs, deployReplayWorld, POOL_FEE, REPLAY_VENUES, stepWorld, type ReplayWorld } from "./world.js";
import { iso } from "../backtest/report.js";
import { readNavBound, readRiskExposure, type RiskExposure } from "../chain/riskLimits.js";
import { feeSummary, navPerShare, ReplayQueue, shareDecimals, supplyAndFeeShares, type FeeSummary, type RedemptionRecord } from "./redemption.js";

const HOUR = 3600;
const DAY = 86_400;
const EPOCH = 8 * HOUR;

export interface ReplayOptions {
  readonly ethers: HardhatEthers;
  readonly data: MarketData;
  /** First and last decision instants (unix seconds, UTC, on the 8 h grid). */
  readonly from: number;
  readonly to: number;
  /** Depositors' capital (quote), split over three accounts. */
  readonly capitalQuote: number;
  readonly abiOf: (name: string) => Promise<InterfaceAbi>;
  readonly artifactExists: (name: string) => Promise<boolean>;
  /** Where the reconciler records the deployment (default: a temporary folder, for in-process runs). */
  readonly recordsRoot?: string;
  /** The network's name and record folder (default "replay"): a run on a node records under deployments/<name>/,
   * so `fusebox alpha run --vault replay-eth --network <name>` can take over the vault afterwards. */
  readonly networkName?: string;
  readonly onEpoch?: (e: EpochRecord) => void;
  readonly onLine?: (line: string) => void;
  /** Risk events (data/scenarios/): outages and depegs reach the strategy's market view (scenario.ts). */
  readonly scenario?: Scenario;
  /**
   * A large redemption (the demo's): right after the epoch at or after `at` (history time), the first depositor
   * requests (`requestRedeem`) `supplyShare` of the vault's shares; the alpha unwinds for it and settles at its next
   * epoch, and the depositor claims at the epoch after.
   */
  readonly redemption?: { readonly at: number; readonly supplyShare: number };
}

type PerVenue = Readonly<Partial<Record<VenueId, number>>>;

export interface EpochRecord {
  readonly time: number;
  /** The risk monitor's flags and the de-risking it logged this epoch (scenario events among them). */
  readonly flags: readonly string[];
  readonly spot: number;
  /** Each venue's funding rate (per interval) applied since the last epoch. */
  readonly fundingRates: PerVenue;
  /** Funding the vault's positions received this epoch (quote; negative = paid), in total and per venue. */
  readonly fundingQuote: number;
  readonly fundingByVenue: PerVenue;
  readonly nav: number;
  /** Total perp size (base, signed) and per venue. */
  readonly perpSize: number;
  readonly perpSizes: PerVenue;
  readonly longBase: number;
  readonly actions: number;
  readonly gasUsed: bigint;
  readonly refusal?: string;
  readonly summary: string;
  /** NAV per share (quote per share, net of fees) after the epoch, the share supply, and the fee recipient's shares. */
  readonly pricePerShare: number;
  readonly supply: number;
  readonly feeShares: number;
  /** The redeem queue after the epoch: shares pending (share units, human) and assets set aside for claims. */
  readonly pendingShares: number;
  readonly setAside: number;
  /** What the alpha's settlement of the queue did this epoch, if anything. */
  readonly settlement?: string;
  /** The risk engine's books after the epoch: each group's balance vs cap, each band's net delta and reports. */
  readonly risk: RiskExposure;
}

export interface ReplayResult {
  readonly from: number;
  readonly to: number;
  readonly capitalQuote: number;
  readonly epochs: readonly EpochRecord[];
  readonly book: ChainBook;
  readonly config: StrategyConfig;
  readonly startNav: number;
  readonly endNav: number;
  readonly fundingQuote: number;
  readonly fundingByVenue: PerVenue;
  readonly perpFeesQuote: number;
  readonly perpFeesByVenue: PerVenue;
  readonly gasUsed: bigint;
  readonly batches: number;
  readonly refusals: number;
  /** Settlements sent (`settleRedeemRequests`; their gas is in `gasUsed`) and settlements refused or reverted. */
  readonly settlements: number;
  readonly settleFailures: number;
  readonly startPricePerShare: number;
  readonly endPricePerShare: number;
  readonly redemption?: RedemptionRecord;
  readonly fees: FeeSummary;
  /** The NAV-rate bounds at the end and the breaches over the replay (each pauses the vault). */
  readonly navBound: Awaited<ReturnType<typeof readNavBound>>;
  readonly deployTxs: number;
  readonly world: ReplayWorld;
  readonly vault: ReturnType<typeof vaultAt>;
  readonly record: DeploymentRecord;
}

/**
 * The strategy configuration of the replay: the simulated venues (`REPLAY_VENUES`) with their fees and no
 * slippage (they fill at the mark); the hedge split over two of them at a time (maxVenueShare 0.5), each
 * venue's margin ≤ 25 % of NAV (perpVenueCapBps = each perp market's capBps in deployments/configs/replay-eth.ts);
 * no cross-venue spread trades.
 */
export function replayStrategyConfig(): StrategyConfig {
  return defaultStrategyConfig("ETH", {
    allowedVenues: REPLAY_VENUES.map((v) => v.venueId),
    venues: Object.fromEntries(REPLAY_VENUES.map((v) => [v.venueId, { ...VENUES[v.venueId], takerFeeBps: v.takerFeeBps, slippageBps: 0 }])),
    maxVenueShare: 0.5,
    perpVenueCapBps: 2_500,
    // The chain layer's book does not track spread pairs: the replay's backtest column trades none either.
    spread: undefined,
  });
}

/** Everything deployed and funded, before the first epoch: the world, the vault (via the reconciler), deposits. */
export interface ReplaySetup {
  readonly ethers: HardhatEthers;
  readonly data: MarketData;
  readonly world: ReplayWorld;
  readonly record: DeploymentRecord;
  readonly book: ChainBook;
  /** The vault, connected as the alpha (who keeps its NAV fresh: `refreshAllMarketBalances` is ALPHA's). */
  readonly vault: ReturnType<typeof vaultAt>;
  readonly alpha: HardhatEthersSigner;
  /** The depositors, in deposit order (40 / 35 / 25 % of the capital). */
  readonly depositors: readonly HardhatEthersSigner[];
  readonly startNav: number;
  /** Chain time − history time (whole days). */
  readonly clockOffset: number;
  readonly config: StrategyConfig;
  /** First decision instant (history time). */
  readonly from: number;
  /** Each venue's prints of the 60 days before the window (the funding history the chain does not have). */
  readonly seed: Readonly<Partial<Record<VenueId, readonly FundingPrint[]>>>;
  readonly deployTxs: number;
  readonly abiOf: (name: string) => Promise<InterfaceAbi>;
}

export type SetupOptions = Omit<ReplayOptions, "to" | "onEpoch">;

export async function setupReplay(o: SetupOptions): Promise<ReplaySetup> {
  const { ethers, data } = o;
  const say = o.onLine ?? (() => undefined);
  if (o.from % EPOCH !== 0) throw new Error("the window must start on the 8 h grid");
  const signers = await ethers.getSigners();
  const [, , alpha, , , , ...depositors] = signers;
  if (alpha === undefined || depositors.length < 3) throw new Error("the replay needs 9 accounts");

  // 1-2. World, then the vault through the atomist's reconciler.
  const world = await deployReplayWorld(ethers, priceAt(data, o.from).spot);
  const input = replayEthConfig({
    usdc: await world.usdc.getAddress(),
    weth: await world.weth.getAddress(),
    usdcFeed: await world.usdcFeed.getAddress(),
    ethFeed: await world.ethFeed.getAddress(),
    aavePool: await world.aave.pool.getAddress(),
    uniswapRouter: await world.uni.router.getAddress(),
    perps: await Promise.all(world.perps.map(async (p) => ({ venueId: p.venueId, venue: await p.venue.getAddress(), market: p.market }))),
  });
  const validated = validateConfig(input);
  if (validated.config === undefined) throw new Error(`replay config invalid:\n  ${validated.errors.join("\n  ")}`);
  const ctx: ChainContext = {
    ethers,
    networkName: o.networkName ?? "replay",
    recordFolder: o.networkName ?? "replay",
    chainId: (await ethers.provider.getNetwork()).chainId,
    inProcess: o.networkName === undefined,
    signers,
    artifactExists: o.artifactExists,
    abiOf: o.abiOf,
    io: { out: say, err: say },
  };
  const deployed = await reconcile(ctx, validated.config, {
    configFile: "deployments/configs/replay-eth.ts",
    configHash: configHash(validated.config),
    recordsRoot: o.recordsRoot ?? mkdtempSync(join(tmpdir(), "fusebox-replay-")),
    mode: "apply",
  });
  say(`vault deployed by the reconciler: ${deployed.transactions} transactions, ${deployed.record.markets.length} markets (${deployed.record.markets.map((m) => m.name).join(", ")})`);
  const book = await bookFromRecord(deployed.record, ethers.provider, { asset: "ETH", venueId: "binance", poolFee: POOL_FEE });
  const vault = vaultAt(book.vault, alpha);

  // 3. Deposits (40 / 35 / 25 %).
  const shares = [0.4, 0.35, 0.25];
  for (const [k, d] of depositors.slice(0, 3).entries()) {
    const amount = units(o.capitalQuote * (shares[k] ?? 0), book.quote.decimals);
    await (await world.usdc.mint(d.address, amount)).wait();
    await (await world.usdc.connect(d).approve(book.vault, amount)).wait();
    await (await vault.connect(d).deposit(amount, d.address)).wait();
  }
  const startNav = toNumber(await vault.totalAssets(), book.quote.decimals);
  const latest = (await ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  const seed: Partial<Record<VenueId, readonly FundingPrint[]>> = {};
  for (const leg of book.perps) {
    const prints = data.funding[leg.venueId] ?? [];
    if (!prints.some((x) => x.settleTime >= o.from)) throw new Error(`no ${leg.venueId} funding data from ${iso(o.from)} (data/market/README.md: coverage)`);
    seed[leg.venueId] = prints.filter((x) => x.knownAt < o.from && x.knownAt >= o.from - 60 * DAY);
  }
  return {
    ethers, data, world, record: deployed.record, book, vault, alpha, depositors: depositors.slice(0, 3), startNav, from: o.from,
    clockOffset: Math.ceil((latest - o.from) / DAY) * DAY + DAY,
    config: replayStrategyConfig(),
    seed,
    deployTxs: deployed.transactions,
    abiOf: o.abiOf,
  };
}

/** A fresh chain layer over the replay's vault (reader, funding history from the next block, AlphaChain). */
export async function replayChain(s: ReplaySetup, provider: Provider = s.ethers.provider, scenario?: Scenario): Promise<{ chain: EthersAlphaChain; reader: ChainReader }> {
  const reader = new ChainReader(s.book, provider, s.clockOffset);
  const chainMarket = new ChainMarketData({
    book: s.book, provider, clockOffset: s.clockOffset, seed: s.seed, fromBlock: (await provider.getBlockNumber()) + 1, intervalHours: bookIntervals(s.book, s.config),
  });
  const market = scenario === undefined ? chainMarket : new ScenarioMarketData(chainMarket, scenario, s.config);
  const abis = await Promise.all(ERROR_SOURCES.map(s.abiOf));
  const chain = new EthersAlphaChain({ book: s.book, provider, signer: s.alpha, reader, market, config: s.config, decodeRevert: revertDecoder(abis) });
  return { chain, reader };
}

/**
 * Move the chain to history's instant `t`: first each print settled since the last epoch off the 8 h grid
 * (KuCoin's 04/12/20 UTC) at its own hour, then clock to t + offset (the keeper's updates land just before it),
 * oracle and mark prices, each venue's print settled at t, the pool arbitraged, every market balance refreshed.
 * Returns the funding rates applied and what the vault's positions received (quote), per venue.
 */
export async function stepEpoch(s: ReplaySetup, t: number): Promise<{ rates: PerVenue; fundingByVenue: PerVenue; fundingQuote: number }> {
  const { spot, mark } = priceAt(s.data, t);
  const rates: Partial<Record<VenueId, number>> = {};
  const fundingByVenue: Partial<Record<VenueId, number>> = {};
  const onEpoch: Partial<Record<VenueId, number>> = {};
  const between: { venueId: VenueId; settle: number; rate: number }[] = [];
  for (const leg of s.book.perps) {
    // Prints the seed does not hold (known from the window's start on), settled in (t − 8 h, t].
    for (const p of s.data.funding[leg.venueId] ?? []) {
      if (p.settleTime <= t - EPOCH || p.settleTime > t || p.knownAt < s.from) continue;
      if (p.settleTime === t) onEpoch[leg.venueId] = p.ratePerInterval;
      else between.push({ venueId: leg.venueId, settle: p.settleTime, rate: p.ratePerInterval });
    }
  }
  const sizeOf = async (venueId: VenueId): Promise<number> => {
    const leg = s.book.perps.find((p) => p.venueId === venueId);
    if (leg === undefined) return 0;
    return toNumber((await simVenueAt(simVenue(leg), s.ethers.provider).positions(s.book.vault, leg.market)).sizeWad, 18);
  };
  const received = (venueId: VenueId, size: number, markAt: number, rate: number): void => {
    rates[venueId] = rate;
    fundingByVenue[venueId] = (fundingByVenue[venueId] ?? 0) - size * markAt * rate;
  };
  for (const b of between.sort((x, y) => x.settle - y.settle)) {
    await s.ethers.provider.send("evm_setNextBlockTimestamp", [b.settle + s.clockOffset - 60]);
    const markAt = priceAt(s.data, b.settle).mark;
    const size = await sizeOf(b.venueId);
    await applyFundingBetweenEpochs(s.world, b.venueId, markAt, b.rate);
    received(b.venueId, size, markAt, b.rate);
  }
  await s.ethers.provider.send("evm_setNextBlockTimestamp", [t + s.clockOffset - 60]);
  const sizes = new Map<VenueId, number>();
  for (const venueId of Object.keys(onEpoch) as VenueId[]) sizes.set(venueId, await sizeOf(venueId));
  await stepWorld(s.world, spot, mark, onEpoch);
  for (const [venueId, rate] of Object.entries(onEpoch) as [VenueId, number][]) received(venueId, sizes.get(venueId) ?? 0, mark, rate);
  // The alpha refreshes every market's cached balance at the new prices (its role's job), so the epoch's NAV line
  // is exact. (Guardrails do not depend on it: past the NAV's expiry, `execute` itself refreshes every market.)
  await (await s.vault.refreshAllMarketBalances()).wait();
  const fundingQuote = Object.values(fundingByVenue).reduce((a, b) => a + (b ?? 0), 0);
  return { rates, fundingByVenue, fundingQuote };
}

export function priceAt(data: MarketData, t: number): { spot: number; mark: number } {
  const p = data.prices;
  const i = indexAtOrAfter(p.time, t);
  if (p.time[i] !== t) throw new Error(`no hourly price at ${new Date(t * 1000).toISOString()}`);
  return { spot: p.spot[i] as number, mark: p.mark[i] as number };
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const say = o.onLine ?? (() => undefined);
  const s = await setupReplay(o);
  const { chain, reader } = await replayChain(s, s.ethers.provider, o.scenario);
  if (o.scenario !== undefined) {
    const { fed, skipped } = replayedEvents(o.scenario);
    say(`scenario ${o.scenario.name} (${o.scenario.kind}): ${fed.length} event(s) fed to the market view${skipped.length > 0 ? `; not replayable on the simulated venues: ${skipped.map((e) => e.kind).join(", ")}` : ""}`);
  }
  const { book, vault } = s;
  const epochs: EpochRecord[] = [];
  let fundingQuote = 0;
  const fundingByVenue: Partial<Record<VenueId, number>> = {};
  let gasUsed = 0n;
  let batches = 0;
  let refusals = 0;
  const quoteDecimals = book.quote.decimals;
  const queue = new ReplayQueue({ vault: book.vault, provider: s.ethers.provider, quoteDecimals, clockOffset: s.clockOffset, say, ...(s.depositors[0] === undefined ? {} : { redeemer: s.depositors[0] }) });
  const startPricePerShare = await navPerShare(book.vault, s.ethers.provider, quoteDecimals);
  for (let t = o.from; t <= o.to; t += EPOCH) {
    const { rates, fundingByVenue: epochByVenue, fundingQuote: epochFunding } = await stepEpoch(s, t);
    fundingQuote += epochFunding;
    for (const [v, x] of Object.entries(epochByVenue) as [VenueId, number][]) fundingByVenue[v] = (fundingByVenue[v] ?? 0) + x;
    const { decision: batch, actions } = await chain.decide(t + s.clockOffset);
    const flags = batch.decision.log.filter((l) => l.action === "flag").map((l) => l.reason);
    // With a scenario, the monitor's reactions are the point: printed as they happen (always in the epoch record).
    if (o.scenario !== undefined) for (const f of flags) say(`${iso(t)} monitor: ${f}`);
    let epochGas = 0n;
    let batchOk = batch.refusal === undefined;
    if (batch.refusal !== undefined) {
      refusals += 1;
      say(`${iso(t)} refused by the vault: ${batch.refusal}`);
    } else if (actions > 0) {
      const hash = await chain.send(batch, await chain.nonce());
      const receipt = await chain.wait(hash);
      epochGas = receipt.gasUsed;
      gasUsed += receipt.gasUsed;
      batches += 1;
      if (!receipt.ok) {
        refusals += 1;
        batchOk = false;
        say(`${iso(t)} batch reverted: ${receipt.reason ?? "unknown"}`);
      }
    }
    // The queue: the alpha settles after its unwind (or when idle pays); the depositor requests, then claims.
    const settlement = batchOk ? await queue.settled(t, await chain.settle(batch)) : undefined;
    epochGas += settlement?.gasUsed ?? 0n;
    gasUsed += settlement?.gasUsed ?? 0n;
    await queue.depositorStep(t, o.redemption);
    const nav = toNumber(await EthersAlphaChain.refreshedNav(book.vault, s.alpha), book.quote.decimals);
    const raw = await reader.balances();
    const after = await reader.portfolio(t, raw);
    const credit = after.credit.ETH;
    const record: EpochRecord = {
      time: t, flags, spot: priceAt(s.data, t).spot, fundingRates: rates, fundingQuote: epochFunding, fundingByVenue: epochByVenue, nav,
      perpSize: after.perps.reduce((sum, p) => sum + p.sizeBase, 0),
      perpSizes: Object.fromEntries(after.perps.map((p) => [p.venue, p.sizeBase])),
      longBase: (after.spotBase.ETH ?? 0) + (credit?.supplyBase ?? 0),
      actions: batch.refusal === undefined ? actions : 0, gasUsed: epochGas,
      ...(batch.refusal === undefined ? {} : { refusal: batch.refusal }),
      summary: batch.mapped.map((m) => m.text).join("; "),
      pricePerShare: await navPerShare(book.vault, s.ethers.provider, quoteDecimals),
      ...(await supplyAndFeeShares(book.vault, s.ethers.provider)),
      pendingShares: toNumber(raw.queue.pendingShares, await shareDecimals(book.vault, s.ethers.provider)),
      setAside: toNumber(raw.queue.setAside, quoteDecimals),
      ...(settlement === undefined ? {} : { settlement: settlement.text }),
      risk: await readRiskExposure(book, s.ethers.provider),
    };
    epochs.push(record);
    o.onEpoch?.(record);
  }
  const perpFeesByVenue: Partial<Record<VenueId, number>> = {};
  for (const leg of book.perps) perpFeesByVenue[leg.venueId] = await perpFees(s.ethers.provider, simVenue(leg), book.vault);
  return {
    from: o.from, to: o.to, capitalQuote: o.capitalQuote, epochs, book, config: s.config, startNav: s.startNav,
    endNav: epochs.at(-1)?.nav ?? s.startNav, fundingQuote, fundingByVenue,
    perpFeesQuote: Object.values(perpFeesByVenue).reduce((a, b) => a + (b ?? 0), 0), perpFeesByVenue, gasUsed, batches, refusals,
    settlements: queue.settlements, settleFailures: queue.settleFailures, startPricePerShare, endPricePerShare: epochs.at(-1)?.pricePerShare ?? startPricePerShare,
    ...(queue.redemption === undefined ? {} : { redemption: queue.redemption }),
    fees: await feeSummary(book.vault, s.ethers.provider, quoteDecimals),
    navBound: await readNavBound(book, s.ethers.provider),
    deployTxs: s.deployTxs, world: s.world, vault, record: s.record,
  };
}

async function perpFees(provider: Provider, venueAddress: string, vault: string): Promise<number> {
  const venue = simVenueAt(venueAddress, provider);
  const events = await venue.queryFilter(venue.filters.PositionChanged(vault), 0, "latest");
  return events.reduce((sum, e) => sum + toNumber(e.args.feeWad, 18), 0);
}

/** The replay's venues are simulated ones: the venue contract of `leg`. */
export function simVenue(leg: PerpLeg): string {
  if (leg.kind !== "perp-sim") throw new Error(`the replay runs simulated venues only (${leg.name} is ${leg.kind})`);
  return leg.venue;
}
