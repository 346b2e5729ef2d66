// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IPriceOracleMiddleware
/// @notice Asset -> USD prices from Chainlink-style feeds, normalised to 18 decimals, with a maximum staleness
/// per feed. A stale, non-positive or missing price reverts: nothing is ever valued on a bad price.
interface IPriceOracleMiddleware {
    /// @notice USD price of one whole unit of `asset`, with 18 decimals. Reverts when stale, non-positive or unset.
    function getAssetPriceWad(address asset) external view returns (uint256 priceWad);

    /// @notice Value of `amountIn` of `assetIn` expressed in `assetOut` units, rounded down.
    function quote(address assetIn, uint256 amountIn, address assetOut) external view returns (uint256 amountOut);
}

/// @notice The Chainlink AggregatorV3 read interface (the subset the middleware uses).
interface IAggregatorV3 {
    function decimals() external view returns (uint8);

    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
