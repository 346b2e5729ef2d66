/**
 * Uniswap V3 from its npm packages (`@uniswap/v3-core@1.0.1`, `@uniswap/v3-periphery@1.4.4`) on the local chain,
 * following /work/shared/INTEGRATIONS.md section 2, with WETH9 from `@aave/core-v3`'s artifacts.
 * The NFT position descriptor (NFTDescriptor + NonfungibleTokenPositionDescriptor, ~6.5M gas) is left out: the
 * position manager only calls it from `tokenURI`, which the tests never read, so a placeholder address is passed.
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { Contract } from "ethers";
import { deployArtifact, findArtifact } from "./artifacts.js";

const NODE_MODULES = resolve(dirname(fileURLToPath(import.meta.url)), "../../node_modules");
const CORE = join(NODE_MODULES, "@uniswap/v3-core/artifacts");
const PERIPHERY = join(NODE_MODULES, "@uniswap/v3-periphery/artifacts");
const AAVE = join(NODE_MODULES, "@aave/core-v3/artifacts");

export const FEE_LOW = 500;
export const FEE_MEDIUM = 3000;
const TICK_SPACING: Readonly<Record<number, number>> = { 500: 10, 3000: 60, 10000: 200 };
const Q96 = 2n ** 96n;

/** The widest usable tick of a fee tier (full-range liquidity). */
export function maxUsableTick(fee: number): number {
  const spacing = TICK_SPACING[fee];
  if (spacing === undefined) throw new Error(`unknown Uniswap V3 fee tier ${fee}`);
  return Math.floor(887272 / spacing) * spacing;
}

export interface UniswapV3 {
  factory: Contract;
  router: Contract;
  positionManager: Contract;
  weth: Contract;
}

function asContract(c: { getAddress(): Promise<string> }, abi: ConstructorParameters<typeof Contract>[1], signer: HardhatEthersSigner): Promise<Contract> {
  return c.getAddress().then((address) => new Contract(address, abi, signer));
}

/** Deploy the factory, WETH9, the SwapRouter and the NonfungiblePositionManager. */
export async function deployUniswapV3(deployer: HardhatEthersSigner): Promise<UniswapV3> {
  const factoryArtifact = findArtifact(CORE, "UniswapV3Factory");
  const wethArtifact = findArtifact(AAVE, "WETH9");
  const routerArtifact = findArtifact(PERIPHERY, "SwapRouter");
  const npmArtifact = findArtifact(PERIPHERY, "NonfungiblePositionManager");
  const factory = await asContract(await deployArtifact(factoryArtifact, deployer), factoryArtifact.abi, deployer);
  const weth = await asContract(await deployArtifact(wethArtifact, deployer), wethArtifact.abi, deployer);
  const factoryAddress = await factory.getAddress();
  const wethAddress = await weth.getAddress();
  const router = await asContract(await deployArtifact(routerArtifact, deployer, [factoryAddress, wethAddress]), routerArtifact.abi, deployer);
  // Descriptor placeholder: only tokenURI uses it (see the header).
  const positionManager = await asContract(
    await deployArtifact(npmArtifact, deployer, [factoryAddress, wethAddress, deployer.address]),
    npmArtifact.abi,
    deployer,
  );
  return { factory, router, positionManager, weth };
}

function sqrtBigInt(value: bigint): bigint {
  if (value < 2n) return value;
  let x = value;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + value / x) / 2n;
  }
  return x;
}

/** sqrtPriceX96 of a pool whose price is `amount1 / amount0` (raw token units). */
export function sqrtPriceX96(amount0: bigint, amount1: bigint): bigint {
  return sqrtBigInt((amount1 * Q96 * Q96) / amount0);
}

const ERC20_APPROVE_ABI = ["function approve(address spender, uint256 amount) returns (bool)"];

async function approve(token: string, owner: HardhatEthersSigner, spender: string, amount: bigint): Promise<void> {
  await (await new Contract(token, ERC20_APPROVE_ABI, owner).getFunction("approve")(spender, amount)).wait();
}

/**
 * Create the `tokenA`/`tokenB` pool at the price `amountA` of A per `amountB` of B, and add full-range liquidity
 * of about `amountA` and `amountB` from `lp` (who must hold and will approve them).
 */
export async function createPoolWithLiquidity(
  uni: UniswapV3,
  lp: HardhatEthersSigner,
  addressA: string,
  amountA: bigint,
  addressB: string,
  amountB: bigint,
  fee: number = FEE_MEDIUM,
): Promise<string> {
  const aFirst = BigInt(addressA) < BigInt(addressB);
  const [token0, token1] = aFirst ? [addressA, addressB] : [addressB, addressA];
  const [amount0, amount1] = aFirst ? [amountA, amountB] : [amountB, amountA];
  const npm = uni.positionManager.connect(lp) as Contract;
  const npmAddress = await npm.getAddress();
  // An explicit limit: the pool is deployed by CREATE2 inside the call (about 4.6M gas), and a node's estimate for it
  // has been seen to fall short once in three runs on anvil (the e2e setup reverted); 8M is far above it.
  await (await npm.getFunction("createAndInitializePoolIfNecessary")(token0, token1, fee, sqrtPriceX96(amount0, amount1), { gasLimit: 8_000_000n })).wait();
  await approve(addressA, lp, npmAddress, amountA);
  await approve(addressB, lp, npmAddress, amountB);
  await (
    await npm.getFunction("mint")({
      token0,
      token1,
      fee,
      tickLower: -maxUsableTick(fee),
      tickUpper: maxUsableTick(fee),
      amount0Desired: amount0,
      amount1Desired: amount1,
      amount0Min: 0n,
      amount1Min: 0n,
      recipient: lp.address,
      deadline: 2n ** 40n,
    })
  ).wait();
  const pool: string = await uni.factory.getFunction("getPool")(token0, token1, fee);
  return pool;
}

/** Sell `amountIn` of `tokenIn` for `tokenOut` through the router from `trader` (who must hold it). */
export async function swapExactIn(
  uni: UniswapV3,
  trader: HardhatEthersSigner,
  tokenIn: string,
  tokenOut: string,
  amountIn: bigint,
  fee: number = FEE_MEDIUM,
): Promise<void> {
  const router = uni.router.connect(trader) as Contract;
  await approve(tokenIn, trader, await router.getAddress(), amountIn);
  await (
    await router.getFunction("exactInputSingle")({
      tokenIn,
      tokenOut,
      fee,
      recipient: trader.address,
      deadline: 2n ** 40n,
      amountIn,
      amountOutMinimum: 0n,
      sqrtPriceLimitX96: 0n,
    })
  ).wait();
}

const POOL_ABI = ["function slot0() view returns (uint160 sqrtPriceX96, int24 tick, uint16, uint16, uint16, uint8, bool)"];

/** The pool's current price as `amount1 / amount0` in raw token units (sqrtPriceX96² / 2^192), as a float. */
export async function poolPrice(pool: string, runner: HardhatEthersSigner): Promise<number> {
  const [sqrt] = (await new Contract(pool, POOL_ABI, runner).getFunction("slot0")()) as [bigint];
  const s = Number(sqrt) / Number(Q96);
  return s * s;
}

/**
 * Arbitrage the `tokenA`/`tokenB` pool to the price `amountA` of A per `amountB` of B: one exact-input swap with a
 * price limit (the router stops at the limit), paid by `keeper` (who holds and has approved plenty of both).
 * The keeper's whole balance of the input token is the budget. Returns false when the pool is already there.
 */
export async function arbitrageTo(
  uni: UniswapV3,
  keeper: HardhatEthersSigner,
  addressA: string,
  amountA: bigint,
  addressB: string,
  amountB: bigint,
  fee: number = FEE_MEDIUM,
): Promise<boolean> {
  const aFirst = BigInt(addressA) < BigInt(addressB);
  const [token0, token1] = aFirst ? [addressA, addressB] : [addressB, addressA];
  const [amount0, amount1] = aFirst ? [amountA, amountB] : [amountB, amountA];
  const target = sqrtPriceX96(amount0, amount1);
  const pool: string = await uni.factory.getFunction("getPool")(token0, token1, fee);
  const [current] = (await new Contract(pool, POOL_ABI, keeper).getFunction("slot0")()) as [bigint];
  if (current === target) return false;
  // Price (token1 per token0) up = buy token0 with token1.
  const [tokenIn, tokenOut] = target > current ? [token1, token0] : [token0, token1];
  const router = uni.router.connect(keeper) as Contract;
  const budget = (await new Contract(tokenIn, ["function balanceOf(address) view returns (uint256)"], keeper).getFunction("balanceOf")(keeper.address)) as bigint;
  await (
    await router.getFunction("exactInputSingle")({
      tokenIn,
      tokenOut,
      fee,
      recipient: keeper.address,
      deadline: 2n ** 40n,
      amountIn: budget,
      amountOutMinimum: 0n,
      sqrtPriceLimitX96: target,
    })
  ).wait();
  return true;
}
