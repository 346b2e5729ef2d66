/**
 * The replay's market world on the local chain, deployed before the vault: test USDC and WETH, Chainlink-style
 * feeds (TestPriceFeed) for both, a real Aave V3 pool listing both (seeded with lenders' liquidity), a real
 * Uniswap V3 WETH/USDC 0.05 % pool with deep full-range liquidity, and one simulated perp venue per strategy venue
 * of the replay (`REPLAY_VENUES`: Binance, Bybit, KuCoin), each with one ETH market, its own taker fee and its
 * own funding prints. Signer 0 is the keeper: it moves the feeds, every venue's mark and funding, and arbitrages
 * the pool.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { MaxUint256 } from "ethers";
import { TestERC20__factory } from "../../../types/ethers-contracts/factories/contracts/test/TestERC20__factory.js";
import { TestPriceFeed__factory } from "../../../types/ethers-contracts/factories/contracts/test/TestPriceFeed__factory.js";
import { deployAaveV3, type AaveV3Market } from "../../local/aaveV3.js";
import { deploySimulatedPerpVenueWith } from "../../local/simulatedPerp.js";
import { arbitrageTo, createPoolWithLiquidity, deployUniswapV3, FEE_LOW, type UniswapV3 } from "../../local/uniswapV3.js";
import { aavePoolAt, simVenueAt } from "../chain/contracts.js";
import { units } from "../chain/actions.js";
import type { VenueId } from "../strategy/types.js";

/** One simulated venue of the replay: the strategy venue it stands for and its taker fee. Its one ETH market is
 * listed under the WETH token's address, so the venue's balance fuse reports the short into WETH's net delta. */
export interface ReplayVenueSpec {
  readonly venueId: VenueId;
  readonly takerFeeBps: number;
}

/**
 * The replay's venues: three with ETH funding over the whole 2021–2023 data (dYdX starts 2022). All 8 h; KuCoin
 * settles at 04/12/20 UTC, off the replay's 00/08/16 epochs (the keeper applies its prints at their own hour).
 * Fees: Binance 5 bps (VIP-0 taker ≈ 4), Bybit and KuCoin 6 bps (strategy/config.ts VENUES).
 */
export const REPLAY_VENUES: readonly ReplayVenueSpec[] = [
  { venueId: "binance", takerFeeBps: 5 },
  { venueId: "bybit", takerFeeBps: 6 },
  { venueId: "kucoin", takerFeeBps: 6 },
];
export const POOL_FEE = FEE_LOW;
/** Depth of the Uniswap pool on each side, in USD (full range): a $600k buy moves it ~6 bps. */
const POOL_DEPTH_USD = 2_000_000_000;
const KEEPER_FLOAT_USD = 50_000_000_000;

export interface ReplayWorld {
  readonly keeper: HardhatEthersSigner;
  readonly usdc: TestToken;
  readonly weth: TestToken;
  readonly usdcFeed: TestFeed;
  readonly ethFeed: TestFeed;
  readonly aave: AaveV3Market;
  readonly uni: UniswapV3;
  /** One simulated venue per strategy venue, in `REPLAY_VENUES` order. */
  readonly perps: readonly WorldVenue[];
}

type TestToken = ReturnType<typeof TestERC20__factory.connect>;
type TestFeed = ReturnType<typeof TestPriceFeed__factory.connect>;

export interface WorldVenue extends ReplayVenueSpec {
  /** The venue's ETH market: the WETH token's address. */
  readonly market: string;
  readonly venue: ReturnType<typeof simVenueAt>;
}

export function worldVenue(world: ReplayWorld, venueId: VenueId): WorldVenue {
  const v = world.perps.find((p) => p.venueId === venueId);
  if (v === undefined) throw new Error(`the replay world has no venue ${venueId}`);
  return v;
}

export async function deployReplayWorld(ethers: HardhatEthers, ethPrice: number): Promise<ReplayWorld> {
  const [keeper] = await ethers.getSigners();
  if (keeper === undefined) throw new Error("no signer");
  const token = async (name: string, symbol: string, decimals: number): Promise<TestToken> =>
    TestERC20__factory.connect(await (await ethers.deployContract("TestERC20", [name, symbol, decimals])).getAddress(), keeper);
  const feed = async (answer: number): Promise<TestFeed> =>
    TestPriceFeed__factory.connect(await (await ethers.deployContract("TestPriceFeed", [8, units(answer, 8)])).getAddress(), keeper);
  const usdc = await token("USD Coin (test)", "USDC", 6);
  const weth = await token("Wrapped Ether (test)", "WETH", 18);
  const usdcFeed = await feed(1);
  const ethFeed = await feed(ethPrice);
  const [usdcAddress, wethAddress] = [await usdc.getAddress(), await weth.getAddress()];
  const mint = async (t: TestToken, amount: bigint): Promise<void> => {
    await (await t.mint(keeper.address, amount)).wait();
  };
  await mint(usdc, units(KEEPER_FLOAT_USD, 6));
  await mint(weth, units(KEEPER_FLOAT_USD / ethPrice, 18));

  // Aave V3: both reserves, priced by the same feeds as the vault's oracle; lenders' liquidity to borrow from.
  const aave = await deployAaveV3(ethers, keeper, [
    { asset: usdcAddress, decimals: 6, symbol: "USDC", feed: await usdcFeed.getAddress(), ltvBps: 7_700, liquidationThresholdBps: 8_000, liquidationBonusBps: 10_450 },
    { asset: wethAddress, decimals: 18, symbol: "WETH", feed: await ethFeed.getAddress(), ltvBps: 8_000, liquidationThresholdBps: 8_250, liquidationBonusBps: 10_500 },
  ]);
  const pool = aavePoolAt(await aave.pool.getAddress(), keeper);
  for (const [t, amount] of [[usdc, units(50_000_000, 6)], [weth, units(20_000_000 / ethPrice, 18)]] as const) {
    await (await t.approve(await pool.getAddress(), MaxUint256)).wait();
    await (await pool.supply(await t.getAddress(), amount, keeper.address, 0)).wait();
  }

  // Uniswap V3: WETH/USDC 0.05 %, full range, at the first price; the keeper approves the router for arbitrage.
  const uni = await deployUniswapV3(keeper);
  await createPoolWithLiquidity(uni, keeper, usdcAddress, units(POOL_DEPTH_USD, 6), wethAddress, units(POOL_DEPTH_USD / ethPrice, 18), POOL_FEE);
  for (const t of [usdc, weth]) await (await t.approve(await uni.router.getAddress(), MaxUint256)).wait();

  // The simulated venues: IM 10 %, MM 2.5 %, penalty 1 %, 8 h funding, each its own taker fee; each the
  // counterparty of its trades, seeded with 100M USDC.
  const perps: WorldVenue[] = [];
  for (const spec of REPLAY_VENUES) {
    const venueContract = await deploySimulatedPerpVenueWith(
      ethers,
      { getAddress: () => usdc.getAddress(), mint: (to, amount) => usdc.mint(to, amount) },
      [{ market: wethAddress, markPriceWad: units(ethPrice, 18), fundingIntervalSeconds: 8 * 3600, takerFeeBps: spec.takerFeeBps, initialMarginBps: 1_000, maintenanceMarginBps: 250, liquidationPenaltyBps: 100, maxPriceAgeSeconds: 3_600 }],
      units(100_000_000, 6),
    );
    perps.push({ ...spec, market: wethAddress, venue: simVenueAt(await venueContract.getAddress(), keeper) });
  }
  return { keeper, usdc, weth, usdcFeed, ethFeed, aave, uni, perps };
}

/**
 * Move the world to one epoch of history: oracle price, every venue's mark (the same Binance perp close: the
 * data has no per-venue prices, as in the backtest), each venue's funding print settled at this instant (if
 * any), pool price.
 */
export async function stepWorld(world: ReplayWorld, spot: number, mark: number, fundingRates: Readonly<Partial<Record<VenueId, number>>>): Promise<void> {
  const { keeper, usdc, weth, usdcFeed, ethFeed, uni } = world;
  // USDC at its peg (the replay does not model depegs); a real feed heartbeats at least daily.
  await (await usdcFeed.setAnswer(units(1, 8))).wait();
  await (await ethFeed.setAnswer(units(spot, 8))).wait();
  for (const p of world.perps) {
    await (await p.venue.setMarkPrice(p.market, units(mark, 18))).wait();
    const rate = fundingRates[p.venueId];
    if (rate !== undefined) await (await p.venue.applyFunding(p.market, BigInt(Math.round(rate * 1e18)))).wait();
  }
  // Arbitrage: one swap with a price limit brings the pool to the oracle price (the keeper's float pays).
  await arbitrageTo(uni, keeper, await usdc.getAddress(), units(spot * 1e6, 6), await weth.getAddress(), units(1e6, 18), POOL_FEE);
}

/** A print settled between epochs (KuCoin's 04/12/20 UTC): the venue's mark at that hour, then its funding. */
export async function applyFundingBetweenEpochs(world: ReplayWorld, venueId: VenueId, mark: number, rate: number): Promise<void> {
  const p = worldVenue(world, venueId);
  await (await p.venue.setMarkPrice(p.market, units(mark, 18))).wait();
  await (await p.venue.applyFunding(p.market, BigInt(Math.round(rate * 1e18)))).wait();
}
