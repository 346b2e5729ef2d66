/**
 * The minimal ABIs the chain layer calls (human-readable): vault, oracle middleware, price feed, ERC-20, the
 * simulated perp venue, Aave V3's pool, and the fuses' action functions. Reverts are decoded with the full
 * ABIs of the Fusebox contracts (see errors.ts).
 */
export const VAULT_ABI = [
  "function execute((address fuse, bytes data)[] actions)",
  "function totalAssets() view returns (uint256)",
  "function totalSupply() view returns (uint256)",
  "function asset() view returns (address)",
  "function priceOracle() view returns (address)",
  "function idleBufferBps() view returns (uint16)",
  "function getMarketIds() view returns (uint256[])",
  "function getSubstrates(uint256 marketId) view returns (bytes32[])",
  "function refreshAllMarketBalances()",
  "function deposit(uint256 assets, address receiver) returns (uint256)",
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
];

export const ORACLE_ABI = [
  "function getAssetPriceWad(address asset) view returns (uint256)",
  "function getFeed(address asset) view returns (tuple(address aggregator, uint32 maxStaleness, uint8 feedDecimals, uint8 assetDecimals))",
];

export const FEED_ABI = [
  "function latestRoundData() view returns (uint80, int256, uint256, uint256, uint80)",
  "function decimals() view returns (uint8)",
  "function setAnswer(int256 answer)",
];

export const ERC20_ABI = [
  "function balanceOf(address) view returns (uint256)",
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function mint(address to, uint256 amount)",
];

export const VENUE_ABI = [
  "function markets(address) view returns (uint256 markPriceWad, uint64 priceUpdatedAt, uint32 maxPriceAge, uint32 fundingIntervalSeconds, uint16 takerFeeBps, uint16 initialMarginBps, uint16 maintenanceMarginBps, uint16 liquidationPenaltyBps, bool listed, int256 cumulativeFundingWad, uint64 lastFundingAt)",
  "function positions(address account, address market) view returns (int256 sizeWad, int256 openNotionalWad, int256 fundingIndexWad)",
  "function collateralWad(address account) view returns (int256)",
  "function getAccountValue(address account) view returns (int256)",
  "function freeCollateral(address account) view returns (uint256)",
  "function setMarkPrice(address market, uint256 markPriceWad)",
  "function applyFunding(address market, int256 rateWad)",
  "event FundingApplied(address indexed market, int256 rateWad, int256 cumulativeFundingWad)",
];

export const AAVE_POOL_ABI = [
  "function getReserveData(address asset) view returns (tuple(uint256 configuration, uint128 liquidityIndex, uint128 currentLiquidityRate, uint128 variableBorrowIndex, uint128 currentVariableBorrowRate, uint128 currentStableBorrowRate, uint40 lastUpdateTimestamp, uint16 id, address aTokenAddress, address stableDebtTokenAddress, address variableDebtTokenAddress, address interestRateStrategyAddress, uint128 accruedToTreasury, uint128 unbacked, uint128 isolationModeTotalDebt))",
  "function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode)",
];

/** Action functions of the fuses the alpha uses (PerpFuseBase, AaveV3Fuse, UniswapV3SwapFuse). */
export const FUSE_ABI = [
  "function depositMargin(uint256 amount)",
  "function withdrawMargin(uint256 amount)",
  "function increasePosition(address market, bool isLong, uint256 quoteAmount, uint256 baseAmountBound)",
  "function reducePosition(address market, uint256 baseAmount, uint256 quoteAmountBound)",
  "function closePosition(address market, uint256 quoteAmountBound)",
  "function supply(address asset, uint256 amount)",
  "function withdraw(address asset, uint256 amount)",
  "function borrow(address asset, uint256 amount)",
  "function repay(address asset, uint256 amount)",
  "function swapExactInputSingle(address tokenIn, address tokenOut, uint24 fee, uint256 amountIn)",
  "function VENUE() view returns (address)",
  "function POOL() view returns (address)",
];
