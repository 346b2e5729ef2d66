/**
 * The live bot's world on a separate node: real Perp v2 (test/fixtures/perpV2.ts, one vETH market, deeper maker
 * liquidity), real Aave V3 and Uniswap V3 (scripts/local), test USDC/WETH and their Chainlink-style feeds, and
 * a vault deployed by `fusebox deploy` from a JSON config — the way a user deploys one — with a `perp-v2` market
 * (the short hedge), an `aave-v3` market (the long leg's collateral) and a `spot` market (buying the long leg).
 * A keeper moves the feeds, Perp's index (so funding = its premium) and keeps Uniswap at the oracle price.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import { MaxUint256, type Contract } from "ethers";
import type { TestERC20, TestPriceFeed } from "../../types/ethers-contracts/index.js";
import type { NetworkConnection } from "hardhat/types/network";
import { units } from "../../scripts/alpha/chain/actions.js";
import { deployAaveV3 } from "../../scripts/local/aaveV3.js";
import { arbitrageTo, createPoolWithLiquidity, deployUniswapV3, FEE_LOW, type UniswapV3 } from "../../scripts/local/uniswapV3.js";
import { deployPerpV2, PERP_ETH_PRICE, type PerpV2 } from "../fixtures/perpV2.js";
import { deployVaultStack, WAD, type VaultStack } from "../fixtures/vault.js";

export const ETH_PRICE = Number(PERP_ETH_PRICE); // $150: Perp's pool, the oracle and Uniswap start there
export const ORACLE_MAX_AGE = 7_200;

export interface PerpWorld {
  stack: VaultStack;
  perp: PerpV2;
  weth: TestERC20;
  ethFeed: TestPriceFeed;
  uni: UniswapV3;
  keeper: HardhatEthersSigner;
  aavePool: string;
  /** The `fusebox deploy` config (JSON) of the vault. */
  config: (name: string) => Record<string, unknown>;
}


export async function deployPerpWorld(connection: NetworkConnection): Promise<PerpWorld> {
  const { ethers } = connection;
  const networkHelpers: NetworkHelpers = connection.networkHelpers;
  const stack = await deployVaultStack(connection);
  const keeper = stack.admin;
  const perp = await deployPerpV2(stack, networkHelpers);
  // Deeper liquidity around $150 so the vault's short moves the pool by well under the fuse's 3 % bound.
  await (await (perp.clearingHouse.connect(perp.maker) as Contract).getFunction("addLiquidity")({
    baseToken: await perp.baseToken.getAddress(), base: 4_000n * WAD, quote: 600_000n * WAD, lowerTick: 46_000, upperTick: 56_000,
    minBase: 0, minQuote: 0, useTakerBalance: false, deadline: MaxUint256,
  }, { gasLimit: 8_000_000n })).wait();

  const usdc = stack.usdc;
  const weth = await ethers.deployContract("TestERC20", ["Wrapped Ether (test)", "WETH", 18]);
  const ethFeed = await ethers.deployContract("TestPriceFeed", [8, units(ETH_PRICE, 8)]);
  const [usdcAddress, wethAddress] = [await usdc.getAddress(), await weth.getAddress()];
  await (await usdc.mint(keeper.address, units(100_000_000, 6))).wait();
  await (await weth.mint(keeper.address, units(500_000, 18))).wait();

  const aave = await deployAaveV3(ethers, keeper, [
    { asset: usdcAddress, decimals: 6, symbol: "USDC", feed: await stack.usdcFeed.getAddress(), ltvBps: 7_700, liquidationThresholdBps: 8_000, liquidationBonusBps: 10_450 },
    { asset: wethAddress, decimals: 18, symbol: "WETH", feed: await ethFeed.getAddress(), ltvBps: 8_000, liquidationThresholdBps: 8_250, liquidationBonusBps: 10_500 },
  ]);
  const aavePool = await aave.pool.getAddress();
  for (const [t, amount] of [[usdc, units(5_000_000, 6)], [weth, units(20_000, 18)]] as const) {
    await (await t.getFunction("approve")(aavePool, MaxUint256)).wait();
    await (await aave.pool.getFunction("supply")(await t.getAddress(), amount, keeper.address, 0)).wait();
  }
  const uni = await deployUniswapV3(keeper);
  await createPoolWithLiquidity(uni, keeper, usdcAddress, units(30_000_000, 6), wethAddress, units(200_000, 18), FEE_LOW);
  for (const t of [usdc, weth]) await (await t.getFunction("approve")(await uni.router.getAddress(), MaxUint256)).wait();

  const perpBase = await perp.baseToken.getAddress();
  const perpClearingHouse = await perp.clearingHouse.getAddress();
  const uniRouter = await uni.router.getAddress();
  const usdcFeed = await stack.usdcFeed.getAddress();
  const ethFeedAddress = await ethFeed.getAddress();
  const [, atomist, alpha, guardian, fuseManager] = await ethers.getSigners();
  const config = (name: string): Record<string, unknown> => ({
    name,
    share: { name: "Fusebox ETH funding (Perp v2)", symbol: "fbPERP", decimalsOffset: 6 },
    asset: usdcAddress,
    idleBufferBps: 1_000,
    maxBalanceAgeSeconds: 3_600,
    markets: [
      { id: 10, name: "perp-v2", kind: "perp-v2", substrates: [perpBase], capBps: 2_500, maxLeverage: 3, params: { clearingHouse: perpClearingHouse } },
      { id: 2, name: "aave", kind: "aave-v3", substrates: [usdcAddress, wethAddress], capBps: 8_000, maxLeverage: 2, revalueWith: ["spot"], params: { pool: aavePool, minHealthFactor: 1.5 } },
      { id: 3, name: "spot", kind: "spot", substrates: [usdcAddress, wethAddress], capBps: 8_000, params: { router: uniRouter, maxSlippageBps: 100, instantWithdrawFee: 500 } },
    ],
    withdrawOrder: ["aave", "spot"],
    oracle: {
      feeds: [
        { asset: "vault-asset", feed: usdcFeed, maxStalenessSeconds: ORACLE_MAX_AGE },
        { asset: wethAddress, feed: ethFeedAddress, maxStalenessSeconds: ORACLE_MAX_AGE },
      ],
    },
    roles: { atomist: [atomist?.address], alpha: [alpha?.address], guardian: [guardian?.address], fuseManager: [fuseManager?.address], reporters: [] },
    timelocks: { atomistSeconds: 0, fuseManagerSeconds: 0 },
    depositors: { allowlistEnabled: false, allowed: [] },
  });
  return { stack, perp, weth, ethFeed, uni, keeper, aavePool, config };
}

/**
 * The keeper's step at the current chain time: both oracle feeds stamped now (unless `staleOracle`), Perp's index
 * set `premiumPerDay` below the pool's mark (positive premium: longs pay shorts), Uniswap arbitraged to the oracle.
 */
export async function keeperStep(w: PerpWorld, o: { premiumPerDay: number; staleOracle?: boolean; stalePerpIndex?: boolean }): Promise<void> {
  if (o.staleOracle !== true) {
    await (await w.stack.usdcFeed.setAnswer(100_000_000n)).wait();
    await (await w.ethFeed.setAnswer(units(ETH_PRICE, 8))).wait();
  }
  const mark = Number(await (w.perp.accountBalance.getFunction("getMarkPrice")(await w.perp.baseToken.getAddress()) as Promise<bigint>)) / 1e18;
  if (o.stalePerpIndex !== true) {
    // Perp's keepers push the Chainlink round into ChainlinkPriceFeedV3's cache (`update`); without it the index times out.
    await (await w.perp.ethFeed.setAnswer(BigInt(Math.round((mark / (1 + o.premiumPerDay)) * 1e8)))).wait();
    await (await w.perp.chainlinkV3.getFunction("update")()).wait();
  }
  await arbitrageTo(w.uni, w.keeper, await w.stack.usdc.getAddress(), units(ETH_PRICE * 1e6, 6), await w.weth.getAddress(), units(1e6, 18), FEE_LOW);
}

/** Deposit `usdc` into the vault from depositor 0. */
export async function depositInto(w: PerpWorld, vault: string, usdc: number): Promise<void> {
  const d = w.stack.depositors[0];
  if (d === undefined) throw new Error("no depositor");
  await (await w.stack.usdc.connect(d).approve(vault, MaxUint256)).wait();
  const v = await w.stack.ethers.getContractAt("IFuseboxVault", vault);
  await (await v.connect(d).deposit(units(usdc, 6), d.address)).wait();
}
