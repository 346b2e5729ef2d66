// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";

/// @title Erc4626BalanceFuse
/// @notice Values the vault's shares in the ERC-4626 vaults of its market at their redemption value
/// (`convertToAssets`, rounded down by the target). Unlevered: gross notional is always zero.
/// @dev Keys: `tokenBalance(target)` per substrate (the vault's shares of each target). Assumes every substrate takes the vault's asset (the atomist's config check enforces it).
contract Erc4626BalanceFuse is IBalanceFuse {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        bytes32[] storage targets = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < targets.length; ++i) {
            IERC4626 target = IERC4626(address(uint160(uint256(targets[i]))));
            uint256 shares = target.balanceOf(address(this));
            if (shares != 0) equity += target.convertToAssets(shares);
        }
        return (equity, 0, 0);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substrateTokenBalances(MARKET_ID, address(0));
    }
}
