// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {IExposureFuse} from "../../contracts/interfaces/IExposureFuse.sol";
import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";

/// @title SpotBalanceFuse
/// @notice Values the spot tokens the vault holds in its market: every substrate other than the vault's asset,
/// at the vault's price oracle middleware (never at a pool's spot price, which a trader can move).
/// Unlevered: gross notional is always zero.
/// @dev Substrates: token addresses (the same list the market's swap fuse trades). The vault's asset is skipped:
/// it is idle, which the vault counts itself. A stale or missing price of a held token reverts, so no
/// deposit, redemption or guardrail check is priced on it; a token with a zero balance needs no price.
/// Keys: `tokenBalance(token)` per substrate but the vault's asset.
contract SpotBalanceFuse is IBalanceFuse, IExposureFuse {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        address asset = IERC4626(address(this)).asset();
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        bytes32[] storage tokens = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < tokens.length; ++i) {
            address token = address(uint160(uint256(tokens[i])));
            if (token == asset) continue;
            uint256 held = IERC20(token).balanceOf(address(this));
            if (held != 0) equity += oracle.quote(token, held, asset);
        }
        return (equity, 0, 0);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substrateTokenBalances(MARKET_ID, IERC4626(address(this)).asset());
    }

    /// @inheritdoc IExposureFuse
    /// @dev Each substrate token but the vault's asset, held (+), in its own units.
    function exposures() external view returns (address[] memory assets, int256[] memory amounts) {
        address asset = IERC4626(address(this)).asset();
        bytes32[] storage tokens = FuseboxStorageLib.substrates().list[MARKET_ID];
        assets = new address[](tokens.length);
        amounts = new int256[](tokens.length);
        uint256 count;
        for (uint256 i; i < tokens.length; ++i) {
            address token = address(uint160(uint256(tokens[i])));
            if (token == asset) continue;
            uint256 held = IERC20(token).balanceOf(address(this));
            if (held == 0) continue;
            assets[count] = token;
            amounts[count++] = SafeCast.toInt256(held);
        }
        assembly ("memory-safe") {
            mstore(assets, count)
            mstore(amounts, count)
        }
    }
}
