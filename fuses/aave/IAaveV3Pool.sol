// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The subset of Aave V3's `DataTypes.ReserveData` (v3.0.x layout) the fuses read.
struct AaveV3ReserveData {
    uint256 configuration; // bits 0-15 LTV, 16-31 liquidation threshold (bps), 48-55 decimals, ...
    uint128 liquidityIndex;
    uint128 currentLiquidityRate;
    uint128 variableBorrowIndex;
    uint128 currentVariableBorrowRate;
    uint128 currentStableBorrowRate;
    uint40 lastUpdateTimestamp;
    uint16 id;
    address aTokenAddress;
    address stableDebtTokenAddress;
    address variableDebtTokenAddress;
    address interestRateStrategyAddress;
    uint128 accruedToTreasury;
    uint128 unbacked;
    uint128 isolationModeTotalDebt;
}

/// @title IAaveV3Pool
/// @notice The subset of Aave V3's `IPool` (core-v3 1.19.x) the Fusebox Aave fuses call. Written here rather
/// than imported so the fuses compile without Aave's sources.
interface IAaveV3Pool {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;

    function withdraw(address asset, uint256 amount, address to) external returns (uint256);

    function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)
        external;

    function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf)
        external
        returns (uint256);

    function getUserAccountData(address user)
        external
        view
        returns (
            uint256 totalCollateralBase,
            uint256 totalDebtBase,
            uint256 availableBorrowsBase,
            uint256 currentLiquidationThreshold,
            uint256 ltv,
            uint256 healthFactor
        );

    function getReserveData(address asset) external view returns (AaveV3ReserveData memory);

    /// @dev Aave's `ReserveConfigurationMap` (one word): bits 16-31 liquidation threshold (bps), 48-55 decimals.
    function getConfiguration(address asset) external view returns (uint256);

    /// @dev Aave's `UserConfigurationMap` (one word): per reserve id, bit 2·id borrowing, 2·id + 1 collateral.
    function getUserConfiguration(address user) external view returns (uint256);

    function getReserveAddressById(uint16 id) external view returns (address);

    function ADDRESSES_PROVIDER() external view returns (address);
}

/// @notice Aave V3's `IPoolAddressesProvider` subset: where the pool's price oracle lives.
interface IAaveV3AddressesProvider {
    function getPriceOracle() external view returns (address);
}

/// @notice Aave V3's `IPriceOracleGetter` subset: asset price in the market's base currency.
interface IAaveV3PriceOracle {
    function getAssetPrice(address asset) external view returns (uint256);
}
