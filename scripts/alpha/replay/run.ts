/**
 * The replay: the alpha run epoch by epoch (8 h) over a window of real ETH history on the local chain.
 *
 *   1. World (world.ts): real Aave V3 and Uniswap V3, the simulated perp venue, test tokens and feeds.
 *   2. Vault: the config `deployments/configs/replay-eth.ts`, validated by the atomist schema and deployed by
 *      the reconciler (scripts/deploy/reconcile.ts) — vault, AccessManager, oracle middleware, fuses, roles.
 *   3. Depositors deposit.
 *   4. Each epoch t: the keeper sets the oracle's ETH price (historical spot), the venue's mark (historical
 *      perp close) and applies the funding print settled at t (Binance, 8 h), then arbitrages the Uniswap
 *      pool to the oracle price. The alpha's chain layer (scripts/alpha/chain) reads the vault's book from
 *      chain, decides with the strategy engine, maps the actions to fuse calls and sends one `vault.execute`
 *      from the alpha account. A batch the vault refuses is logged with its decoded error and skipped.
 *
 * Chain time runs ahead of history by a whole number of days (`clockOffset`): the strategy sees history's
 * clock, the chain's contracts (Aave interest, staleness checks) see consistent 8 h steps.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Contract, type InterfaceAbi, type Provider } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replayEthConfig } from "../../../deployments/configs/replay-eth.js";
import { configHash } from "../../config/load.js";
import { validateConfig } from "../../config/schema.js";
import type { ChainContext } from "../../deploy/context.js";
import { reconcile } from "../../deploy/reconcile.js";
import type { DeploymentRecord } from "../../deploy/record.js";
import { VAULT_ABI, VENUE_ABI } from "../chain/abi.js";
import { units } from "../chain/actions.js";
import { EthersAlphaChain } from "../chain/alphaChain.js";
import { bookFromRecord, type ChainBook } from "../chain/book.js";
import { revertDecoder } from "../chain/errors.js";
import { ERROR_SOURCES } from "../chain/live.js";
import { ChainReader, FundingHistory, toNumber } from "../chain/read.js";
import { indexAtOrAfter } from "../data/prices.js";
import type { MarketData } from "../data/market.js";
import { defaultStrategyConfig, VENUES } from "../strategy/config.js";
import type { FundingPrint, StrategyConfig } from "../strategy/types.js";
import { deployReplayWorld, POOL_FEE, stepWorld, type ReplayWorld } from "./world.js";

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
}

export interface EpochRecord {
  readonly time: number;
  readonly spot: number;
  readonly fundingRate: number;
  /** Funding the vault's position received this epoch (quote; negative = paid). */
  readonly fundingQuote: number;
  readonly nav: number;
  readonly perpSize: number;
  readonly longBase: number;
  readonly actions: number;
  readonly gasUsed: bigint;
  readonly refusal?: string;
  readonly summary: string;
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
  readonly perpFeesQuote: number;
  readonly gasUsed: bigint;
  readonly batches: number;
  readonly refusals: number;
  readonly deployTxs: number;
  readonly world: ReplayWorld;
  readonly vault: Contract;
  readonly record: DeploymentRecord;
}

/** The strategy configuration of the replay: one venue (the simulated one, as Binance), its fee. */
export function replayStrategyConfig(): StrategyConfig {
  return defaultStrategyConfig("ETH", {
    allowedVenues: ["binance"],
    venues: { binance: { ...VENUES.binance, takerFeeBps: 5, slippageBps: 0 } },
    maxVenueShare: 1,
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
  readonly vault: Contract;
  readonly alpha: HardhatEthersSigner;
  readonly startNav: number;
  /** Chain time − history time (whole days). */
  readonly clockOffset: number;
  readonly config: StrategyConfig;
  /** Binance prints of the 60 days before the window (the funding history the chain does not have). */
  readonly seed: readonly FundingPrint[];
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
    perpVenue: await world.venue.getAddress(),
    perpMarket: world.market,
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
  const vault = new Contract(book.vault, VAULT_ABI, alpha);

  // 3. Deposits (40 / 35 / 25 %).
  const shares = [0.4, 0.35, 0.25];
  for (const [k, d] of depositors.slice(0, 3).entries()) {
    const amount = units(o.capitalQuote * (shares[k] ?? 0), book.quote.decimals);
    await (await world.usdc.getFunction("mint")(d.address, amount)).wait();
    await (await (world.usdc.connect(d) as Contract).getFunction("approve")(book.vault, amount)).wait();
    await (await (vault.connect(d) as Contract).getFunction("deposit")(amount, d.address)).wait();
  }
  const startNav = toNumber((await vault.getFunction("totalAssets")()) as bigint, book.quote.decimals);
  const latest = (await ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  const prints = data.funding.binance ?? [];
  return {
    ethers, data, world, record: deployed.record, book, vault, alpha, startNav,
    clockOffset: Math.ceil((latest - o.from) / DAY) * DAY + DAY,
    config: replayStrategyConfig(),
    seed: prints.filter((x) => x.knownAt < o.from && x.knownAt >= o.from - 60 * DAY),
    deployTxs: deployed.transactions,
    abiOf: o.abiOf,
  };
}

/** A fresh chain layer over the replay's vault (reader, funding history from the next block, AlphaChain). */
export async function replayChain(s: ReplaySetup, provider: Provider = s.ethers.provider): Promise<{ chain: EthersAlphaChain; reader: ChainReader }> {
  const reader = new ChainReader(s.book, provider, s.clockOffset);
  const history = new FundingHistory(reader, s.seed, (await provider.getBlockNumber()) + 1, VENUES.binance.intervalHours);
  const abis = await Promise.all(ERROR_SOURCES.map(s.abiOf));
  const chain = new EthersAlphaChain({ book: s.book, provider, signer: s.alpha, reader, history, config: s.config, decodeRevert: revertDecoder(abis) });
  return { chain, reader };
}

/**
 * Move the chain to history's instant `t`: clock to t + offset (the keeper's updates land just before it),
 * oracle and mark prices, the funding print settled at t, the pool arbitraged, every market balance refreshed.
 * Returns the funding rate applied (if any) and what the vault's position received (quote).
 */
export async function stepEpoch(s: ReplaySetup, t: number): Promise<{ rate?: number; fundingQuote: number }> {
  const { spot, mark } = priceAt(s.data, t);
  const rate = (s.data.funding.binance ?? []).find((x) => x.settleTime === t)?.ratePerInterval;
  await s.ethers.provider.send("evm_setNextBlockTimestamp", [t + s.clockOffset - 60]);
  const venue = new Contract(s.book.perp.venue, VENUE_ABI, s.ethers.provider);
  const sizeBefore = toNumber(((await venue.getFunction("positions")(s.book.vault, s.book.perp.market)) as { sizeWad: bigint }).sizeWad, 18);
  await stepWorld(s.world, spot, mark, rate);
  // The alpha refreshes every market's cached balance at the new prices (its role's job), so the epoch's NAV line
  // is exact. (Guardrails do not depend on it: past the NAV's expiry, `execute` itself refreshes every market.)
  await (await s.vault.getFunction("refreshAllMarketBalances")()).wait();
  return { ...(rate === undefined ? {} : { rate }), fundingQuote: rate === undefined ? 0 : -sizeBefore * mark * rate };
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
  const { chain, reader } = await replayChain(s);
  const { book, vault } = s;
  const epochs: EpochRecord[] = [];
  let fundingQuote = 0;
  let gasUsed = 0n;
  let batches = 0;
  let refusals = 0;
  for (let t = o.from; t <= o.to; t += EPOCH) {
    const { rate, fundingQuote: epochFunding } = await stepEpoch(s, t);
    fundingQuote += epochFunding;
    const { decision: batch, actions } = await chain.decide(t + s.clockOffset);
    let epochGas = 0n;
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
        say(`${iso(t)} batch reverted: ${receipt.reason ?? "unknown"}`);
      }
    }
    const nav = toNumber(await EthersAlphaChain.refreshedNav(vault), book.quote.decimals);
    const after = await reader.portfolio(t);
    const credit = after.credit.ETH;
    const record: EpochRecord = {
      time: t, spot: priceAt(s.data, t).spot, fundingRate: rate ?? 0, fundingQuote: epochFunding, nav,
      perpSize: after.perps[0]?.sizeBase ?? 0,
      longBase: (after.spotBase.ETH ?? 0) + (credit?.supplyBase ?? 0),
      actions: batch.refusal === undefined ? actions : 0, gasUsed: epochGas,
      ...(batch.refusal === undefined ? {} : { refusal: batch.refusal }),
      summary: batch.mapped.map((m) => m.text).join("; "),
    };
    epochs.push(record);
    o.onEpoch?.(record);
  }
  const venue = new Contract(book.perp.venue, VENUE_ABI, s.ethers.provider);
  return {
    from: o.from, to: o.to, capitalQuote: o.capitalQuote, epochs, book, config: s.config, startNav: s.startNav,
    endNav: epochs.at(-1)?.nav ?? s.startNav, fundingQuote, perpFeesQuote: await perpFees(venue, book), gasUsed, batches, refusals,
    deployTxs: s.deployTxs, world: s.world, vault, record: s.record,
  };
}

async function perpFees(venue: Contract, book: ChainBook): Promise<number> {
  const iface = new Contract(book.perp.venue, ["event PositionChanged(address indexed account, address indexed market, int256 sizeDeltaWad, uint256 notionalWad, uint256 feeWad, int256 realizedPnlWad, int256 newSizeWad)"], venue.runner);
  const events = await iface.queryFilter(iface.filters["PositionChanged"]?.(book.vault) ?? "PositionChanged", 0, "latest");
  return events.reduce((sum, e) => sum + ("args" in e ? toNumber(e.args[4] as bigint, 18) : 0), 0);
}

export function iso(t: number): string {
  return new Date(t * 1000).toISOString().slice(0, 16).replace("T", " ");
}
