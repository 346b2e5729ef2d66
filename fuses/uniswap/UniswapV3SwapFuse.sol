// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFuse, IInstantWithdrawFuse} from "../../contracts/interfaces/IFuse.sol";
import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {ISwapRouter, IUniswapV3PoolLookup, IUniswapV3PoolState} from "./ISwapRouter.sol";

/// @title UniswapV3SwapFuse
/// @notice Spot swaps for the vault through the real Uniswap V3 SwapRouter: exact input, single-hop or
/// multi-hop, between tokens allowed as substrates of its market only. The minimum output is computed
/// on-chain from the vault's price oracle middleware and this fuse's maximum slippage, so neither the alpha
/// nor the pool's spot price can set it. Serves redemptions by selling held tokens back to the vault's asset.
/// @dev Substrates: token addresses (the vault's asset must be one of them to trade in and out of it).
/// Safety notes:
/// - Every token of a path is checked against the allowlist, so a multi-hop path cannot route through (and
///   leave the vault holding) a token the market does not allow.
/// - The router is called with `amountOutMinimum = 0` and the output is checked against the oracle-derived
///   minimum afterwards: the whole delegatecall reverts if it is short, so this is as safe as passing the
///   minimum to the router, and the revert names the expected minimum and the actual output.
/// - Exact input with no price limit makes the router pull exactly `amountIn`, so the approval is consumed
///   to zero and no allowance is left behind (the instant-withdraw path resets it when a swap fails).
contract UniswapV3SwapFuse is IFuse, IInstantWithdrawFuse {
    using SafeERC20 for IERC20;

    uint256 private constant BPS = 10_000;
    uint256 private constant ADDR_SIZE = 20;
    uint256 private constant HOP_SIZE = 23; // fee (3 bytes) + next token (20 bytes)
    uint256 private constant Q96 = 2 ** 96;

    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Uniswap V3 SwapRouter the fuse trades through.
    ISwapRouter public immutable ROUTER;
    /// @notice The most a swap's output may fall short of its oracle value, in basis points.
    uint256 public immutable MAX_SLIPPAGE_BPS;
    /// @notice The fee tier of the token/asset pools that instant withdrawals sell through.
    uint24 public immutable INSTANT_WITHDRAW_FEE;

    /// @notice A swap of `tokenIn` for `tokenOut` returned `amountOut`, below the oracle-derived `minAmountOut`.
    error SlippageExceeded(address tokenIn, address tokenOut, uint256 minAmountOut, uint256 amountOut);
    /// @notice The maximum slippage must be below 100%.
    error InvalidMaxSlippage(uint256 maxSlippageBps);
    /// @notice The router address is zero.
    error ZeroRouter();
    /// @notice A multi-hop path of `length` bytes is not tokenIn | (fee | token)+.
    error InvalidPath(uint256 length);

    event UniswapV3Swapped(
        address indexed tokenIn, address indexed tokenOut, uint256 amountIn, uint256 amountOut, uint256 minAmountOut
    );

    /// @param marketId The market this fuse trades in.
    /// @param router The Uniswap V3 SwapRouter.
    /// @param maxSlippageBps The market's maximum slippage against the oracle (e.g. 100 = 1%).
    /// @param instantWithdrawFee The fee tier instant withdrawals sell through (e.g. 3000).
    constructor(uint256 marketId, address router, uint256 maxSlippageBps, uint24 instantWithdrawFee) {
        if (router == address(0)) revert ZeroRouter();
        if (maxSlippageBps >= BPS) revert InvalidMaxSlippage(maxSlippageBps);
        MARKET_ID = marketId;
        ROUTER = ISwapRouter(router);
        MAX_SLIPPAGE_BPS = maxSlippageBps;
        INSTANT_WITHDRAW_FEE = instantWithdrawFee;
    }

    /// @notice Sell exactly `amountIn` of `tokenIn` for `tokenOut` in the `fee` pool; both tokens must be allowed.
    /// @return amountOut What the vault received (at least the oracle value less the maximum slippage).
    function swapExactInputSingle(address tokenIn, address tokenOut, uint24 fee, uint256 amountIn)
        external
        returns (uint256 amountOut)
    {
        if (amountIn == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(tokenIn);
        _requireAllowed(tokenOut);
        uint256 minOut = _minAmountOut(tokenIn, tokenOut, amountIn);
        IERC20(tokenIn).forceApprove(address(ROUTER), amountIn);
        amountOut = ROUTER.exactInputSingle(
            ISwapRouter.ExactInputSingleParams({
                tokenIn: tokenIn,
                tokenOut: tokenOut,
                fee: fee,
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: amountIn,
                amountOutMinimum: 0, // checked below against the oracle, with a revert that names both values
                sqrtPriceLimitX96: 0
            })
        );
        if (amountOut < minOut) revert SlippageExceeded(tokenIn, tokenOut, minOut, amountOut);
        emit UniswapV3Swapped(tokenIn, tokenOut, amountIn, amountOut, minOut);
    }

    /// @notice Sell exactly `amountIn` of the path's first token along `path` (tokenIn | fee | token | ... |
    /// tokenOut, Uniswap's packed encoding); every token on the path must be allowed.
    /// @return amountOut What the vault received of the path's last token.
    function swapExactInput(bytes calldata path, uint256 amountIn) external returns (uint256 amountOut) {
        if (amountIn == 0) revert FuseErrors.ZeroAmount();
        uint256 length = path.length;
        if (length < ADDR_SIZE + HOP_SIZE || (length - ADDR_SIZE) % HOP_SIZE != 0) revert InvalidPath(length);
        for (uint256 offset; offset < length; offset += HOP_SIZE) {
            _requireAllowed(address(bytes20(path[offset:offset + ADDR_SIZE])));
        }
        address tokenIn = address(bytes20(path[:ADDR_SIZE]));
        address tokenOut = address(bytes20(path[length - ADDR_SIZE:]));
        uint256 minOut = _minAmountOut(tokenIn, tokenOut, amountIn);
        IERC20(tokenIn).forceApprove(address(ROUTER), amountIn);
        amountOut = ROUTER.exactInput(
            ISwapRouter.ExactInputParams({
                path: path,
                recipient: address(this),
                deadline: block.timestamp,
                amountIn: amountIn,
                amountOutMinimum: 0 // checked below against the oracle
            })
        );
        if (amountOut < minOut) revert SlippageExceeded(tokenIn, tokenOut, minOut, amountOut);
        emit UniswapV3Swapped(tokenIn, tokenOut, amountIn, amountOut, minOut);
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Sells held tokens (substrate order) for the vault's asset in the `INSTANT_WITHDRAW_FEE` pools, each
    /// sale sized to cover what is still missing plus the slippage headroom, capped at the holding, and held to
    /// the same oracle minimum. A sale the pool cannot fill at that minimum is skipped (try/catch), never
    /// forced: redemptions take what was possible and the vault reports any shortfall.
    function instantWithdraw(uint256 assets) external {
        address asset = IERC4626(address(this)).asset();
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        bytes32[] storage tokens = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < tokens.length && assets != 0; ++i) {
            address token = address(uint160(uint256(tokens[i])));
            if (token == asset) continue;
            uint256 held = IERC20(token).balanceOf(address(this));
            if (held == 0) continue;
            // Gross up what is missing by the slippage headroom, so a fill at the minimum still covers it.
            uint256 grossAssets = Math.mulDiv(assets, BPS, BPS - MAX_SLIPPAGE_BPS, Math.Rounding.Ceil);
            uint256 amountIn = Math.min(held, oracle.quote(asset, grossAssets, token) + 1);
            uint256 minOut = _minAmountOut(token, asset, amountIn);
            IERC20(token).forceApprove(address(ROUTER), amountIn);
            try ROUTER.exactInputSingle(
                ISwapRouter.ExactInputSingleParams({
                    tokenIn: token,
                    tokenOut: asset,
                    fee: INSTANT_WITHDRAW_FEE,
                    recipient: address(this),
                    deadline: block.timestamp,
                    amountIn: amountIn,
                    amountOutMinimum: minOut,
                    sqrtPriceLimitX96: 0
                })
            ) returns (uint256 amountOut) {
                emit UniswapV3Swapped(token, asset, amountIn, amountOut, minOut);
                assets = amountOut >= assets ? 0 : assets - amountOut;
            } catch {
                IERC20(token).forceApprove(address(ROUTER), 0);
            }
        }
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Σ over held tokens of what `instantWithdraw` accepts at least for selling the whole holding (its
    /// oracle minimum, `_minAmountOut`), counted only where the `INSTANT_WITHDRAW_FEE` pool exists, holds that
    /// much of the vault's asset, and quotes a spot price at which that minimum is reachable at all (a fill is
    /// never better than the spot price: a pool pushed below the minimum cannot serve). It does not model the
    /// pool's depth inside the slippage band: a sale the pool cannot fill at the minimum is skipped by
    /// `instantWithdraw`, and the vault then reports a shortfall.
    function instantWithdrawable() external view returns (uint256 assets) {
        address asset = IERC4626(address(this)).asset();
        IUniswapV3PoolLookup factory = IUniswapV3PoolLookup(ROUTER.factory());
        bytes32[] storage tokens = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < tokens.length; ++i) {
            address token = address(uint160(uint256(tokens[i])));
            if (token == asset) continue;
            uint256 held = IERC20(token).balanceOf(address(this));
            if (held == 0) continue;
            address pool = factory.getPool(token, asset, INSTANT_WITHDRAW_FEE);
            if (pool == address(0)) continue;
            uint256 minOut = _minAmountOut(token, asset, held);
            if (minOut > IERC20(asset).balanceOf(pool) || minOut > _spotOut(pool, token, held)) continue;
            assets += minOut;
        }
    }

    /// @dev `amountIn` of `tokenIn` at `pool`'s current spot price (no fee, no price impact): more than any fill.
    function _spotOut(address pool, address tokenIn, uint256 amountIn) private view returns (uint256) {
        (uint160 sqrtPriceX96,,,,,,) = IUniswapV3PoolState(pool).slot0();
        if (sqrtPriceX96 == 0) return 0;
        // price = token1 per token0 = (sqrtPriceX96 / 2^96)^2.
        if (tokenIn == IUniswapV3PoolState(pool).token0()) {
            return Math.mulDiv(Math.mulDiv(amountIn, sqrtPriceX96, Q96), sqrtPriceX96, Q96);
        }
        return Math.mulDiv(Math.mulDiv(amountIn, Q96, sqrtPriceX96), Q96, sqrtPriceX96);
    }

    /// @inheritdoc IFuse
    /// @dev The token balances of the market's substrates but the vault's asset (the spot balance fuse's keys).
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substrateTokenBalances(MARKET_ID, IERC4626(address(this)).asset());
    }

    /// @dev The oracle value of `amountIn` in `tokenOut`, less the maximum slippage, rounded up (against the
    /// swap). Reverts when either price is stale, missing or non-positive (the middleware's checks).
    function _minAmountOut(address tokenIn, address tokenOut, uint256 amountIn) private view returns (uint256) {
        uint256 expected = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle()).quote(tokenIn, amountIn, tokenOut);
        return Math.mulDiv(expected, BPS - MAX_SLIPPAGE_BPS, BPS, Math.Rounding.Ceil);
    }

    function _requireAllowed(address token) private view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, token)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(token));
        }
    }
}
