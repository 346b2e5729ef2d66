// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title EventsLib
/// @notice Every event of the Fusebox vault: each state change emits one.
interface EventsLib {
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
    /// @notice The guardian isolated `marketId`: valued at zero from now on (it was `balance`), not refreshed, its
    /// fuses refused, deposits halted, until the atomist releases or writes it off.
    event MarketQuarantined(uint256 indexed marketId, uint256 balance);
    /// @notice `marketId` left quarantine, valued at `balance` again.
    event QuarantineReleased(uint256 indexed marketId, uint256 balance);
    /// @notice The atomist wrote off quarantined `marketId` (its position, if any, is no longer counted).
    event MarketWrittenOff(uint256 indexed marketId);
    /// @notice `marketId` could not be valued (`reason`); it was counted at zero for this operation's pricing.
    event MarketValuationFailed(uint256 indexed marketId, bytes reason);
    /// @notice `marketId` now values `keys` (ValuationKeys).
    event ValuationKeysSet(uint256 indexed marketId, bytes32[] keys);
    /// @notice A redemption's pull from markets cost `assets` more than it brought (rounding, slippage): charged
    /// to the redeemer `owner`.
    event RedemptionCostCharged(address indexed owner, uint256 assets);
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

    // ---------------------------------------------------------------- economics: fees and the redemption queue
    /// @notice Fees accrued: `feeShares` minted to `recipient` for `managementAssets` + `performanceAssets`; the
    /// high-water mark is now `highWaterMark`.
    event FeesAccrued(
        address indexed recipient,
        uint256 managementAssets,
        uint256 performanceAssets,
        uint256 feeShares,
        uint256 highWaterMark
    );
    event FeesSet(uint256 managementFeeBps, uint256 performanceFeeBps);
    event FeeRecipientSet(address indexed recipient);
    event MaxRedeemWaitSet(uint256 maxRedeemWait);
    /// @notice ERC-7540: `owner`'s `shares` moved into the vault's custody for `controller`.
    event RedeemRequest(
        address indexed controller, address indexed owner, uint256 indexed requestId, address sender, uint256 shares
    );
    /// @notice ERC-7540: `controller` let `operator` act for it (or stopped).
    event OperatorSet(address indexed controller, address indexed operator, bool approved);
    /// @notice `controller`'s pending `shares` went back to it.
    event RedeemRequestCancelled(address indexed controller, uint256 shares);
    /// @notice Settlement `epoch`: `shares` of the pending requests were burnt for `assets`, set aside for claims;
    /// `sharesLeftPending` wait on (liquidity was short). `overdue`: triggered by anyone past the maximum wait.
    event RedeemSettled(uint256 indexed epoch, uint256 shares, uint256 assets, uint256 sharesLeftPending, bool overdue);
    // ---------------------------------------------------------------- risk engine (issue #10)
    event RiskGroupSet(bytes32 indexed groupId, uint256 capBps, uint256 capAssets, uint256 maxNotionalWad);
    event RiskGroupRemoved(bytes32 indexed groupId);
    event MarketGroupsSet(uint256 indexed marketId, bytes32[] groupIds);
    event ExposureReportingSet(uint256 indexed marketId, bool reports);
    event NetDeltaBandSet(address indexed asset, uint256 bandBps);
    event NetDeltaUpdated(address indexed asset, int256 netDelta);
    /// @notice The exposure report of `marketId` failed; its last report stays booked.
    event ExposureReportFailed(uint256 indexed marketId, bytes reason);
    event MaxBatchLossSet(uint256 maxBatchLossBps);
    event NavRateBoundsSet(uint256 perUpdateBps, uint256 annualRateBps);
    /// @notice The price per share moved from `lastPpsWad` to `ppsWad`, past `limitPpsWad` (`up`: above the bound,
    /// deposits stop; otherwise below it, batches are reduce-only). The vault is paused until acknowledged.
    event NavRateBoundBreached(uint256 lastPpsWad, uint256 ppsWad, uint256 limitPpsWad, bool up);
    event NavMoveAcknowledged(uint256 ppsWad);
}
