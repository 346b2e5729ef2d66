// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISwapRouter
/// @notice The exact-input subset of Uniswap V3's periphery SwapRouter (`@uniswap/v3-periphery@1.4.4`),
/// declared here because the periphery sources pin solidity =0.7.6.
interface ISwapRouter {
    struct ExactInputSingleParams {
        address tokenIn;
        address tokenOut;
        uint24 fee;
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
        uint160 sqrtPriceLimitX96;
    }

    struct ExactInputParams {
        bytes path; // tokenIn (20 bytes) | fee (3 bytes) | token (20 bytes) | ... | tokenOut
        address recipient;
        uint256 deadline;
        uint256 amountIn;
        uint256 amountOutMinimum;
    }

    function exactInputSingle(ExactInputSingleParams calldata params) external payable returns (uint256 amountOut);

    function exactInput(ExactInputParams calldata params) external payable returns (uint256 amountOut);

    /// @dev The Uniswap V3 factory the router trades against (PeripheryImmutableState).
    function factory() external view returns (address);
}

/// @notice The pool lookup of Uniswap V3's `IUniswapV3Factory`.
interface IUniswapV3PoolLookup {
    function getPool(address tokenA, address tokenB, uint24 fee) external view returns (address pool);
}

/// @notice The price and token order of a Uniswap V3 pool (`IUniswapV3PoolState.slot0`, `IUniswapV3PoolImmutables`).
interface IUniswapV3PoolState {
    function slot0()
        external
        view
        returns (
            uint160 sqrtPriceX96,
            int24 tick,
            uint16 observationIndex,
            uint16 observationCardinality,
            uint16 observationCardinalityNext,
            uint8 feeProtocol,
            bool unlocked
        );

    function token0() external view returns (address);
}
