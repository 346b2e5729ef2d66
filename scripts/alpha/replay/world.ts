/**
 * The replay's market world on the local chain, deployed before the vault: test USDC and WETH, Chainlink-style
 * feeds (TestPriceFeed) for both, a real Aave V3 pool listing both (seeded with lenders' liquidity), a real
 * Uniswap V3 WETH/USDC 0.05 % pool with deep full-range liquidity, and the simulated perp venue with one ETH
 * market. Signer 0 is the keeper: it moves the feeds, the venue's mark and funding, and arbitrages the pool.
 */
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Contract, getAddress, MaxUint256 } from "ethers";
import { deployAaveV3, type AaveV3Market } from "../../local/aaveV3.js";
import { deploySimulatedPerpVenueWith } from "../../local/simulatedPerp.js";
import { arbitrageTo, createPoolWithLiquidity, deployUniswapV3, FEE_LOW, type UniswapV3 } from "../../local/uniswapV3.js";
import { AAVE_POOL_ABI, ERC20_ABI, FEED_ABI, VENUE_ABI } from "../chain/abi.js";
import { units } from "../chain/actions.js";

export const ETH_MARKET = getAddress("0x00000000000000000000000000000000000e7e01");
export const POOL_FEE = FEE_LOW;
/** Depth of the Uniswap pool on each side, in USD (full range): a $600k buy moves it ~6 bps. */
const POOL_DEPTH_USD = 2_000_000_000;
const KEEPER_FLOAT_USD = 50_000_000_000;

export interface ReplayWorld {
  readonly keeper: HardhatEthersSigner;
  readonly usdc: Contract;
  readonly weth: Contract;
  readonly usdcFeed: Contract;
  readonly ethFeed: Contract;
  readonly aave: AaveV3Market;
  readonly uni: UniswapV3;
  readonly venue: Contract;
  readonly market: string;
}

export async function deployReplayWorld(ethers: HardhatEthers, ethPrice: number): Promise<ReplayWorld> {
  const [keeper] = await ethers.getSigners();
  if (keeper === undefined) throw new Error("no signer");
  const token = async (name: string, symbol: string, decimals: number): Promise<Contract> =>
    new Contract(await (await ethers.deployContract("TestERC20", [name, symbol, decimals])).getAddress(), ERC20_ABI, keeper);
  const feed = async (answer: number): Promise<Contract> =>
    new Contract(await (await ethers.deployContract("TestPriceFeed", [8, units(answer, 8)])).getAddress(), FEED_ABI, keeper);
  const usdc = await token("USD Coin (test)", "USDC", 6);
  const weth = await token("Wrapped Ether (test)", "WETH", 18);
  const usdcFeed = await feed(1);
  const ethFeed = await feed(ethPrice);
  const [usdcAddress, wethAddress] = [await usdc.getAddress(), await weth.getAddress()];
  const mint = async (t: Contract, amount: bigint): Promise<void> => {
    await (await t.getFunction("mint")(keeper.address, amount)).wait();
  };
  await mint(usdc, units(KEEPER_FLOAT_USD, 6));
  await mint(weth, units(KEEPER_FLOAT_USD / ethPrice, 18));

  // Aave V3: both reserves, priced by the same feeds as the vault's oracle; lenders' liquidity to borrow from.
  const aave = await deployAaveV3(ethers, keeper, [
    { asset: usdcAddress, decimals: 6, symbol: "USDC", feed: await usdcFeed.getAddress(), ltvBps: 7_700, liquidationThresholdBps: 8_000, liquidationBonusBps: 10_450 },
    { asset: wethAddress, decimals: 18, symbol: "WETH", feed: await ethFeed.getAddress(), ltvBps: 8_000, liquidationThresholdBps: 8_250, liquidationBonusBps: 10_500 },
  ]);
  const pool = new Contract(await aave.pool.getAddress(), AAVE_POOL_ABI, keeper);
  for (const [t, amount] of [[usdc, units(50_000_000, 6)], [weth, units(20_000_000 / ethPrice, 18)]] as const) {
    await (await t.getFunction("approve")(await pool.getAddress(), MaxUint256)).wait();
    await (await pool.getFunction("supply")(await t.getAddress(), amount, keeper.address, 0)).wait();
  }

  // Uniswap V3: WETH/USDC 0.05 %, full range, at the first price; the keeper approves the router for arbitrage.
  const uni = await deployUniswapV3(keeper);
  await createPoolWithLiquidity(uni, keeper, usdcAddress, units(POOL_DEPTH_USD, 6), wethAddress, units(POOL_DEPTH_USD / ethPrice, 18), POOL_FEE);
  for (const t of [usdc, weth]) await (await t.getFunction("approve")(await uni.router.getAddress(), MaxUint256)).wait();

  // The simulated venue: fee 5 bps (Binance VIP-0 taker ≈ 4 bps), IM 10 %, MM 2.5 %, penalty 1 %, 8 h funding.
  const venueContract = await deploySimulatedPerpVenueWith(
    ethers,
    { getAddress: () => usdc.getAddress(), mint: (to, amount) => usdc.getFunction("mint")(to, amount) },
    [{ market: ETH_MARKET, markPriceWad: units(ethPrice, 18), fundingIntervalSeconds: 8 * 3600, takerFeeBps: 5, initialMarginBps: 1_000, maintenanceMarginBps: 250, liquidationPenaltyBps: 100, maxPriceAgeSeconds: 3_600 }],
    units(100_000_000, 6),
  );
  const venue = new Contract(await venueContract.getAddress(), VENUE_ABI, keeper);
  return { keeper, usdc, weth, usdcFeed, ethFeed, aave, uni, venue, market: ETH_MARKET };
}

/** Move the world to one epoch of history: oracle price, venue mark, funding print (if any), pool price. */
export async function stepWorld(world: ReplayWorld, spot: number, mark: number, fundingRate: number | undefined): Promise<void> {
  const { keeper, usdc, weth, usdcFeed, ethFeed, venue, market, uni } = world;
  // USDC at its peg (the replay does not model depegs); a real feed heartbeats at least daily.
  await (await usdcFeed.getFunction("setAnswer")(units(1, 8))).wait();
  await (await ethFeed.getFunction("setAnswer")(units(spot, 8))).wait();
  await (await venue.getFunction("setMarkPrice")(market, units(mark, 18))).wait();
  if (fundingRate !== undefined) await (await venue.getFunction("applyFunding")(market, BigInt(Math.round(fundingRate * 1e18)))).wait();
  // Arbitrage: one swap with a price limit brings the pool to the oracle price (the keeper's float pays).
  await arbitrageTo(uni, keeper, await usdc.getAddress(), units(spot * 1e6, 6), await weth.getAddress(), units(1e6, 18), POOL_FEE);
}
