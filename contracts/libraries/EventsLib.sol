// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title EventsLib
/// @notice Every event of the Fusebox vault: each state change emits one.
library EventsLib {
    event FuseExecuted(address indexed fuse, uint256 indexed marketId);
    event MarketBalanceUpdated(uint256 indexed marketId, uint256 balance, uint256 grossNotional);
    event MarketConfigured(
        uint256 indexed marketId,
        address balanceFuse,
        uint256 capBps,
        uint256 capAssets,
        uint256 maxLeverageWad,
        uint256 maxBalanceAge
    );
    event MarketLimitsLowered(uint256 indexed marketId, uint256 capBps, uint256 capAssets, uint256 maxLeverageWad);
    event MarketRemoved(uint256 indexed marketId);
    event FuseAdded(address indexed fuse, uint256 indexed marketId);
    event FuseRemoved(address indexed fuse, uint256 indexed marketId);
    event SubstrateGranted(uint256 indexed marketId, bytes32 substrate);
    event SubstrateRevoked(uint256 indexed marketId, bytes32 substrate);
    event IdleBufferSet(uint256 idleBufferBps);
    event InstantWithdrawFusesSet(address[] fuses);
    event PausedSet(bool paused);
    event DepositorAllowlistSet(bool enabled);
    event DepositorAllowedSet(address indexed depositor, bool allowed);
    event PriceOracleSet(address priceOracle);
    event InstantWithdrawal(address indexed fuse, uint256 requested, uint256 received);
    /// @notice An instant-withdraw fuse reverted during a redemption; the vault went on to the next one.
    event InstantWithdrawalFailed(address indexed fuse, uint256 requested, bytes reason);
    event MarketDependenciesSet(uint256 indexed marketId, uint256[] dependents);
}
