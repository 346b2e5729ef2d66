// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {RiskStorageLib} from "../libraries/RiskStorageLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title IFuseboxRiskModule
/// @notice The risk engine's configuration and views (issue #10), implemented by `FuseboxRiskModule`, chained after
/// `FuseboxVaultModule`: call them on the vault's address. The checks themselves run in the core after every
/// `execute` (`RiskLib`): shared risk groups, a net-delta band per asset, a batch loss budget.
interface IFuseboxRiskModule is ErrorsLib, EventsLib {
    /* ---------------------------------------------------------------- atomist (risk-raising: delayed) */

    /// @notice Create or update risk group `groupId`: the summed balances of its markets stay within `capBps` of total
    /// assets (and `capAssets` when non-zero), their summed gross notional within `maxNotionalWad` × total assets
    /// (1e18 = 1x; 0 = no notional limit). Any value may be set here: raising a limit is the atomist's, delayed.
    function setRiskGroup(bytes32 groupId, uint16 capBps, uint128 capAssets, uint96 maxNotionalWad) external;

    /// @notice Forget risk group `groupId` (its markets leave it).
    function removeRiskGroup(bytes32 groupId) external;

    /// @notice Put active market `marketId` in exactly `groupIds` (each an existing group; at most 8).
    function setMarketGroups(uint256 marketId, bytes32[] calldata groupIds) external;

    /// @notice Whether `marketId`'s balance fuse reports exposures (`IExposureFuse`) into the net-delta book; turning
    /// it on books its current report at once, turning it off drops what it booked.
    function setExposureReporting(uint256 marketId, bool reports) external;

    /// @notice Hold |net delta| of `asset`, priced in the vault's asset, within `bandBps` of total assets (0 = no band).
    function setNetDeltaBand(address asset, uint16 bandBps) external;

    /// @notice One batch may lose at most `maxBatchLossBps` of total assets (0 = no budget). With a budget, every
    /// batch is checked against fresh "before" values (the optimistic frame is skipped).
    function setMaxBatchLoss(uint16 maxBatchLossBps) external;

    /// @notice Bound the price per share between two refreshes of every market to ±(`perUpdateBps` + `annualRateBps`
    /// pro rata of the time between them) (both 0 = no bound). Sets the baseline to the current price.
    function setNavRateBounds(uint16 perUpdateBps, uint32 annualRateBps) external;

    /// @notice Accept the price per share after a breach: it becomes the new baseline, and a pause the bound set is
    /// lifted. The atomist's (delayed): deposits resume at the moved price.
    function acknowledgeNavMove() external;

    /* ---------------------------------------------------------------- guardian (risk-lowering: immediate) */

    /// @notice Lower the limits of `groupId` at once; none may rise. `capAssets` and `maxNotionalWad` of 0 mean "none":
    /// a limit that is none may stay none or get any value; a set one may only fall, never back to none.
    function lowerRiskGroupLimits(bytes32 groupId, uint16 capBps, uint128 capAssets, uint96 maxNotionalWad) external;

    /// @notice Narrow the band of `asset` at once (to a non-zero `bandBps` no wider than the current band).
    function lowerNetDeltaBand(address asset, uint16 bandBps) external;

    /// @notice Tighten the batch loss budget at once (to a non-zero `maxBatchLossBps` no higher than the current one).
    function lowerMaxBatchLoss(uint16 maxBatchLossBps) external;

    /* ---------------------------------------------------------------- the core's steps (views, or vault-only) */

    /// @notice What the checks after a batch compare against, read before its fuses run (abi-encoded
    /// `RiskLib.Snapshot`, opaque to the core). The core calls it only when something is configured.
    function riskSnapshot(uint256[] calldata touched, uint256 idleBefore) external view returns (bytes memory);

    /// @notice The optimistic frame's test: false when a group of a touched market ends outside its limits; reverts
    /// `NetDeltaExceeded` when a batch grew |net delta| past a band (that decision needs no "before" valuation).
    function riskWithinLimits(bytes calldata snapshot, uint256[] calldata touched, uint256 totalAssets)
        external
        view
        returns (bool);

    /// @notice The full check after a batch against fresh "before" values: reverts `GroupCapExceeded`,
    /// `GroupNotionalExceeded`, `NetDeltaExceeded` or `BatchLossExceeded` for a limit the batch made worse.
    function riskCheck(
        bytes calldata snapshot,
        uint256[] calldata touched,
        uint256[] calldata balanceBefore,
        uint256[] calldata notionalBefore,
        uint256 capBase,
        uint256 totalAssets
    ) external view;

    /// @notice Compare the price per share after a refresh of every market with the baseline; a move past the bound
    /// pauses the vault (`NavRateBoundBreached`). Only the vault itself may call it (`OnlyVault`).
    function checkNavRate() external;

    /// @notice Book `marketId`'s exposure report into the net-delta book (after each valuation the core writes).
    /// Only the vault itself may call it (`OnlyVault`).
    function bookExposure(uint256 marketId) external;

    /* ---------------------------------------------------------------- views */

    /// @notice The risk groups.
    function getRiskGroupIds() external view returns (bytes32[] memory);

    /// @notice The limits of `groupId`.
    function getRiskGroup(bytes32 groupId) external view returns (RiskStorageLib.Group memory);

    /// @notice The markets of `groupId`.
    function getGroupMarkets(bytes32 groupId) external view returns (uint256[] memory);

    /// @notice The groups `marketId` belongs to.
    function getMarketGroups(uint256 marketId) external view returns (bytes32[] memory);

    /// @notice `groupId`'s summed cached balance and gross notional, and its limits against the cached total assets.
    function groupExposure(bytes32 groupId)
        external
        view
        returns (uint256 balance, uint256 notional, uint256 cap, uint256 maxNotional);

    /// @notice The assets with a net-delta band.
    function getBandAssets() external view returns (address[] memory);

    /// @notice The booked net delta of `asset` (its units, signed) and its band (bps of total assets).
    function netDelta(address asset) external view returns (int256 delta, uint16 bandBps);

    /// @notice What `marketId` last reported for `asset`, and whether it reports.
    function marketExposure(uint256 marketId, address asset) external view returns (int256 amount, bool reports);

    /// @notice The NAV-rate bounds and their baseline.
    function navRateBounds() external view returns (RiskStorageLib.NavBound memory);

    /// @notice The batch loss budget, bps of total assets (0 = none).
    function maxBatchLossBps() external view returns (uint16);
}
