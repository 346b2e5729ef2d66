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
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { Contract, type InterfaceAbi } from "ethers";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { replayEthConfig } from "../../../deployments/configs/replay-eth.js";
import { configHash } from "../../config/load.js";
import { validateConfig } from "../../config/schema.js";
import type { ChainContext } from "../../deploy/context.js";
import { reconcile } from "../../deploy/reconcile.js";
import { VAULT_ABI, VENUE_ABI } from "../chain/abi.js";
import { units } from "../chain/actions.js";
import { EthersAlphaChain } from "../chain/alphaChain.js";
import { bookFromRecord, type ChainBook } from "../chain/book.js";
import { revertDecoder } from "../chain/errors.js";
import { ChainReader, FundingHistory, toNumber } from "../chain/read.js";
import { indexAtOrAfter } from "../data/prices.js";
import type { MarketData } from "../data/market.js";
import { defaultStrategyConfig, VENUES } from "../strategy/config.js";
import type { StrategyConfig } from "../strategy/types.js";
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
  readonly recordsRoot?: string;
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
}

/** The strategy configuration of the replay: one venue (the simulated one, as Binance), its fee. */
export function replayStrategyConfig(): StrategyConfig {
  return defaultStrategyConfig("ETH", {
    allowedVenues: ["binance"],
    venues: { binance: { ...VENUES.binance, takerFeeBps: 5, slippageBps: 0 } },
    maxVenueShare: 1,
  });
}

export async function runReplay(o: ReplayOptions): Promise<ReplayResult> {
  const { ethers, data } = o;
  const say = o.onLine ?? (() => undefined);
  const p = data.prices;
  const i0 = indexAtOrAfter(p.time, o.from);
  if (p.time[i0] !== o.from || o.from % EPOCH !== 0) throw new Error("the window must start on the 8 h grid within the data");
  const at = (t: number): { spot: number; mark: number } => {
    const i = indexAtOrAfter(p.time, t);
    if (p.time[i] !== t) throw new Error(`no hourly price at ${new Date(t * 1000).toISOString()}`);
    return { spot: p.spot[i] as number, mark: p.mark[i] as number };
  };
  const prints = data.funding.binance ?? [];
  const printAt = new Map(prints.map((x) => [x.settleTime, x.ratePerInterval]));

  const signers = await ethers.getSigners();
  const [, , alpha, , , , ...depositors] = signers;
  if (alpha === undefined || depositors.length < 3) throw new Error("the replay needs 9 accounts");

  // 1-2. World, then the vault through the atomist's reconciler.
  const world = await deployReplayWorld(ethers, at(o.from).spot);
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
  const chainId = (await ethers.provider.getNetwork()).chainId;
  const ctx: ChainContext = {
    ethers,
    networkName: "replay",
    recordFolder: "replay",
    chainId,
    inProcess: true,
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
  const vault = new Contract(book.vault, VAULT_ABI, world.keeper);

  // 3. Deposits (40 / 35 / 25 %).
  const shares = [0.4, 0.35, 0.25];
  for (const [k, d] of depositors.slice(0, 3).entries()) {
    const amount = units(o.capitalQuote * (shares[k] ?? 0), book.quote.decimals);
    await (await world.usdc.getFunction("mint")(d.address, amount)).wait();
    await (await (world.usdc.connect(d) as Contract).getFunction("approve")(book.vault, amount)).wait();
    await (await (vault.connect(d) as Contract).getFunction("deposit")(amount, d.address)).wait();
  }
  const startNav = toNumber((await vault.getFunction("totalAssets")()) as bigint, book.quote.decimals);

  // 4. The chain layer, on a clock ahead of history by whole days.
  const latest = (await ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  const clockOffset = Math.ceil((latest - o.from) / DAY) * DAY + DAY;
  const reader = new ChainReader(book, ethers.provider, clockOffset);
  const config = replayStrategyConfig();
  const seed = prints.filter((x) => x.knownAt < o.from && x.knownAt >= o.from - 60 * DAY);
  const history = new FundingHistory(reader, seed, (await ethers.provider.getBlockNumber()) + 1, VENUES.binance.intervalHours);
  const abis = await Promise.all(["FuseboxVault", "SimulatedPerpVenue", "SimulatedPerpFuse", "AaveV3Fuse", "UniswapV3SwapFuse", "PriceOracleMiddleware", "AccessManager"].map(o.abiOf));
  const chain = new EthersAlphaChain({ book, provider: ethers.provider, signer: alpha, reader, history, config, decodeRevert: revertDecoder(abis) });
  const venue = new Contract(book.perp.venue, VENUE_ABI, ethers.provider);

  const epochs: EpochRecord[] = [];
  let fundingQuote = 0;
  let gasUsed = 0n;
  let batches = 0;
  let refusals = 0;
  for (let t = o.from; t <= o.to; t += EPOCH) {
    const { spot, mark } = at(t);
    const rate = printAt.get(t);
    const chainTime = t + clockOffset;
    await ethers.provider.send("evm_setNextBlockTimestamp", [chainTime - 60]);
    const sizeBefore = toNumber(((await venue.getFunction("positions")(book.vault, book.perp.market)) as { sizeWad: bigint }).sizeWad, 18);
    await stepWorld(world, spot, mark, rate);
    // A keeper refreshes every market's cached balance at the new prices (permissionless): the vault's caps
    // are fractions of total assets, which a batch touching one market computes with the others' cached values.
    await (await vault.getFunction("refreshAllMarketBalances")()).wait();
    const epochFunding = rate === undefined ? 0 : -sizeBefore * mark * rate;
    fundingQuote += epochFunding;

    const { decision: batch, actions } = await chain.decide(chainTime);
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
    const perp = after.perps[0]?.sizeBase ?? 0;
    const credit = after.credit.ETH;
    const longBase = (after.spotBase.ETH ?? 0) + (credit?.supplyBase ?? 0);
    const record: EpochRecord = {
      time: t, spot, fundingRate: rate ?? 0, fundingQuote: epochFunding, nav, perpSize: perp, longBase,
      actions: batch.refusal === undefined ? actions : 0, gasUsed: epochGas,
      ...(batch.refusal === undefined ? {} : { refusal: batch.refusal }),
      summary: batch.mapped.map((m) => m.text).join("; "),
    };
    epochs.push(record);
    o.onEpoch?.(record);
  }

  const perpFeesQuote = await perpFees(venue, book);
  return {
    from: o.from, to: o.to, capitalQuote: o.capitalQuote, epochs, book, config, startNav,
    endNav: epochs.at(-1)?.nav ?? startNav, fundingQuote, perpFeesQuote, gasUsed, batches, refusals,
    deployTxs: deployed.transactions, world, vault,
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
