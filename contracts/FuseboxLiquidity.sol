// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IFuseboxVaultModule} from "./interfaces/IFuseboxVault.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxLiquidity
/// @notice Pulling liquidity from the instant-withdraw fuses, shared by redemptions (the core) and the redeem
/// queue's overdue settlement (the economics module). Internal functions only.
abstract contract FuseboxLiquidity {
    /// @dev Runs the instant-withdraw fuses in order until idle covers `assets` or none is left. Each runs in its
    /// own frame (the module's `instantWithdrawChecked`): one that reverts, cannot be valued after, or would push
    /// its market over its leverage limit is rolled back alone and skipped.
    /// @return idleAfter Idle after the pulls (may stay short of `assets`: the caller decides).
    /// @return cost What the pulls cost beyond what they brought.
    function _pullAvailable(uint256 assets, uint256 idle) internal returns (uint256 idleAfter, uint256 cost) {
        address[] storage fuses = FuseboxStorageLib.vault().instantWithdrawFuses;
        uint256 fuseCount = fuses.length;
        for (uint256 i; i < fuseCount && idle < assets; ++i) {
            address fuse = fuses[i];
            uint256 requested = assets - idle;
            try IFuseboxVaultModule(address(this)).instantWithdrawChecked(fuse, requested) returns (
                uint256 received, uint256 pullCost
            ) {
                idle += received;
                cost += pullCost;
                emit EventsLib.InstantWithdrawal(fuse, requested, received);
            } catch (bytes memory reason) {
                emit EventsLib.InstantWithdrawalFailed(fuse, requested, reason);
            }
        }
        return (idle, cost);
    }
}
