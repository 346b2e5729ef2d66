// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {IRestakingAdapter} from "./IRestakingAdapter.sol";

/// @title RestakingBalanceFuse
/// @notice Values the vault's account at one restaking venue: equity = stake + withdrawing + claimable − slashes
/// requested and not yet vetoed (counted lost at once: never in a depositor's favour), floored at zero; gross
/// notional = Σ slashable over its (operator, network) allocations — with full restake the same stake counts in full
/// for every network it secures, so gross notional ÷ equity is the stacking multiple the leverage guardrail caps.
/// Both in the vault's asset (priced through the oracle when the collateral is another token).
/// @dev Key: `account(venue)`.
contract RestakingBalanceFuse is IBalanceFuse {
    uint256 public immutable MARKET_ID;
    IRestakingAdapter public immutable VENUE;

    constructor(uint256 marketId, address venue) {
        MARKET_ID = marketId;
        VENUE = IRestakingAdapter(venue);
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        (uint256 pending, uint256 claimable) = VENUE.withdrawalsOf(address(this));
        uint256 held = VENUE.stakeOf(address(this)) + pending + claimable;
        uint256 slashes = VENUE.pendingSlashesOf(address(this));
        equity = held > slashes ? held - slashes : 0;
        grossNotional = VENUE.totalSlashableOf(address(this));
        address collateral = VENUE.collateral();
        address asset = IERC4626(address(this)).asset();
        if (collateral != asset) {
            IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
            if (equity != 0) equity = oracle.quote(collateral, equity, asset);
            if (grossNotional != 0) grossNotional = oracle.quote(collateral, grossNotional, asset) + 1;
        }
        return (equity, grossNotional, 0);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(VENUE)));
    }
}
