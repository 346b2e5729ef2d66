// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {PerpVenueAdapter} from "./PerpVenueAdapter.sol";

/// @title PerpBalanceFuseBase
/// @notice Values the vault's account at one perp venue: equity = collateral + unrealised PnL + pending
/// funding (floored at zero), gross notional = Σ |position notional|, both in the vault's asset. The venue's
/// adapter supplies the numbers; a stale price makes the valuation revert.
abstract contract PerpBalanceFuseBase is IBalanceFuse, PerpVenueAdapter {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /// @inheritdoc IBalanceFuse
    /// @dev No debt: a negative account value is the venue's loss beyond the margin (no recourse to the vault).
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        (equity, grossNotional) = _valuationInAsset();
        return (equity, grossNotional, 0);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return _valuationKeys();
    }
}
