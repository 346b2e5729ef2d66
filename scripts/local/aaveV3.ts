/**
 * A real Aave V3 (core-v3 1.19.3, Aave V3.0.x logic) market on the local chain, deployed from the package's
 * Hardhat-2 artifacts (INTEGRATIONS.md section 1). Reserves are the caller's tokens; the Aave oracle reads the
 * caller's Chainlink-style feeds (TestPriceFeed answers `latestAnswer`), so moving a test feed moves Aave's price
 * and the vault's price middleware together.
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Contract, type ContractRunner, type InterfaceAbi } from "ethers";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { deployArtifact, findArtifact } from "./artifacts.js";

export const AAVE_ARTIFACTS = resolve(dirname(fileURLToPath(import.meta.url)), "../../node_modules/@aave/core-v3/artifacts");
const RAY = 10n ** 27n;

/** One reserve to list: its token, its price feed (8 decimals, USD) and its risk parameters in bps. */
export interface AaveReserveInput {
  asset: string;
  decimals: number;
  symbol: string;
  feed: string;
  ltvBps: number;
  liquidationThresholdBps: number;
  liquidationBonusBps: number;
}

export interface AaveV3Market {
  pool: Contract;
  configurator: Contract;
  provider: Contract;
  aaveOracle: Contract;
  /** aToken and variable debt token of each listed asset, by asset address. */
  tokens: Map<string, { aToken: Contract; variableDebtToken: Contract }>;
  /** Point Aave's price source for `asset` at `feed`. */
  setSource: (asset: string, feed: string) => Promise<void>;
}

async function deploy(name: string, signer: ContractRunner, args: unknown[] = [], libraries: Record<string, string> = {}) {
  const artifact = findArtifact(AAVE_ARTIFACTS, name);
  const contract = await deployArtifact(artifact, signer, args, libraries);
  return new Contract(await contract.getAddress(), artifact.abi, signer);
}

function abiOf(name: string): InterfaceAbi {
  return findArtifact(AAVE_ARTIFACTS, name).abi;
}

/** Deploy an Aave V3 pool with `reserves` listed (borrowing on, variable rate), administered by `admin`. */
export async function deployAaveV3(ethers: HardhatEthers, admin: HardhatEthersSigner, reserves: AaveReserveInput[]): Promise<AaveV3Market> {
  const provider = await deploy("PoolAddressesProvider", admin, ["Fusebox", admin.address]);
  await (await provider.getFunction("setACLAdmin")(admin.address)).wait();
  const acl = await deploy("ACLManager", admin, [await provider.getAddress()]);
  await (await provider.getFunction("setACLManager")(await acl.getAddress())).wait();
  await (await acl.getFunction("addPoolAdmin")(admin.address)).wait();
  await (await acl.getFunction("addEmergencyAdmin")(admin.address)).wait();

  const libs: Record<string, string> = {};
  for (const name of ["SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic", "ConfiguratorLogic"]) {
    libs[name] = await (await deploy(name, admin)).getAddress();
  }
  libs.FlashLoanLogic = await (await deploy("FlashLoanLogic", admin, [], libs)).getAddress();

  const poolImpl = await deploy("Pool", admin, [await provider.getAddress()], libs);
  await (await poolImpl.getFunction("initialize")(await provider.getAddress())).wait();
  await (await provider.getFunction("setPoolImpl")(await poolImpl.getAddress())).wait();
  const pool = new Contract(await provider.getFunction("getPool")(), abiOf("Pool"), admin);

  const configuratorImpl = await deploy("PoolConfigurator", admin, [], libs);
  await (await configuratorImpl.getFunction("initialize")(await provider.getAddress())).wait();
  await (await provider.getFunction("setPoolConfiguratorImpl")(await configuratorImpl.getAddress())).wait();
  const configurator = new Contract(await provider.getFunction("getPoolConfigurator")(), abiOf("PoolConfigurator"), admin);

  const aaveOracle = await deploy("AaveOracle", admin, [
    await provider.getAddress(),
    reserves.map((r) => r.asset),
    reserves.map((r) => r.feed),
    ethers.ZeroAddress,
    ethers.ZeroAddress,
    10n ** 8n,
  ]);
  await (await provider.getFunction("setPriceOracle")(await aaveOracle.getAddress())).wait();

  const aTokenImpl = await deploy("AToken", admin, [await pool.getAddress()]);
  const stableImpl = await deploy("StableDebtToken", admin, [await pool.getAddress()]);
  const variableImpl = await deploy("VariableDebtToken", admin, [await pool.getAddress()]);
  // Optimal usage 80%, base 0, slope1 4%, slope2 75% (a typical stablecoin curve); stable params unused.
  const strategy = await deploy("DefaultReserveInterestRateStrategy", admin, [
    await provider.getAddress(), (RAY * 8n) / 10n, 0n, (RAY * 4n) / 100n, (RAY * 75n) / 100n,
    (RAY * 2n) / 100n, (RAY * 75n) / 100n, (RAY * 2n) / 100n, (RAY * 8n) / 100n, (RAY * 2n) / 10n,
  ]);
  await (await configurator.getFunction("initReserves")(reserves.map((r) => ({
    aTokenImpl: aTokenImpl.target,
    stableDebtTokenImpl: stableImpl.target,
    variableDebtTokenImpl: variableImpl.target,
    underlyingAssetDecimals: r.decimals,
    interestRateStrategyAddress: strategy.target,
    underlyingAsset: r.asset,
    treasury: admin.address,
    incentivesController: ethers.ZeroAddress,
    aTokenName: `Aave ${r.symbol}`,
    aTokenSymbol: `a${r.symbol}`,
    variableDebtTokenName: `Aave variable debt ${r.symbol}`,
    variableDebtTokenSymbol: `variableDebt${r.symbol}`,
    stableDebtTokenName: `Aave stable debt ${r.symbol}`,
    stableDebtTokenSymbol: `stableDebt${r.symbol}`,
    params: "0x",
  })))).wait();

  const tokens = new Map<string, { aToken: Contract; variableDebtToken: Contract }>();
  for (const r of reserves) {
    await (await configurator.getFunction("configureReserveAsCollateral")(r.asset, r.ltvBps, r.liquidationThresholdBps, r.liquidationBonusBps)).wait();
    await (await configurator.getFunction("setReserveBorrowing")(r.asset, true)).wait();
    await (await configurator.getFunction("setReserveFactor")(r.asset, 1_000)).wait();
    const data = await pool.getFunction("getReserveData")(r.asset);
    tokens.set(r.asset, {
      aToken: new Contract(data.aTokenAddress as string, abiOf("AToken"), admin),
      variableDebtToken: new Contract(data.variableDebtTokenAddress as string, abiOf("VariableDebtToken"), admin),
    });
  }
  const setSource = async (asset: string, feed: string): Promise<void> => {
    await (await aaveOracle.getFunction("setAssetSources")([asset], [feed])).wait();
  };
  return { pool, configurator, provider, aaveOracle, tokens, setSource };
}
