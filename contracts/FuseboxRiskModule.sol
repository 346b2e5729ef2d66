// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";

import {IFuseboxRiskModule} from "./interfaces/IFuseboxRiskModule.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {EconomicsStorageLib} from "./libraries/EconomicsStorageLib.sol";
import {RiskStorageLib} from "./libraries/RiskStorageLib.sol";
import {RiskLib} from "./libraries/RiskLib.sol";
import {GuardrailLib} from "./libraries/GuardrailLib.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";
import {FuseboxModuleLink} from "./FuseboxModuleLink.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxRiskModule
/// @notice The risk engine's configuration and views (shared risk groups, net-delta bands, the batch loss budget),
/// chained after `FuseboxVaultModule` (its `NEXT_MODULE`) and run by delegatecall in the vault's storage. The checks
/// run in the core (`RiskLib`). Raising a limit is the atomist's (delayed), lowering one the guardian's (immediate):
/// the function → role map is `scripts/lib/access.ts`.
contract FuseboxRiskModule is FuseboxModuleLink, AccessManagedUpgradeable, IFuseboxRiskModule {
    /// @param nextModule The next module in the chain (0 = none).
    constructor(address nextModule) FuseboxModuleLink(nextModule) {
        _disableInitializers();
    }

    /* ================================================================ ATOMIST (risk-raising: delayed) */

    /// @inheritdoc IFuseboxRiskModule
    function setRiskGroup(bytes32 groupId, uint16 capBps, uint128 capAssets, uint96 maxNotionalWad) external restricted {
        if (groupId == bytes32(0)) revert ErrorsLib.UnknownRiskGroup(groupId);
        if (capBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(capBps);
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        RiskStorageLib.Group storage group = r.groups[groupId];
        if (!group.exists) {
            if (r.groupIds.length >= RiskLib.MAX_GROUPS) revert ErrorsLib.TooManyRiskEntries(RiskLib.MAX_GROUPS);
            r.groupIds.push(groupId);
            ++r.groupCount;
            group.exists = true;
        }
        _writeGroup(groupId, group, capBps, capAssets, maxNotionalWad);
    }

    /// @inheritdoc IFuseboxRiskModule
    function removeRiskGroup(bytes32 groupId) external restricted {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        if (!r.groups[groupId].exists) revert ErrorsLib.UnknownRiskGroup(groupId);
        uint32[] storage members = r.groupMarkets[groupId];
        for (uint256 k; k < members.length; ++k) {
            _removeBytes32(r.marketGroups[members[k]], groupId);
        }
        delete r.groupMarkets[groupId];
        delete r.groups[groupId];
        _removeBytes32(r.groupIds, groupId);
        --r.groupCount;
        emit EventsLib.RiskGroupRemoved(groupId);
    }

    /// @inheritdoc IFuseboxRiskModule
    function setMarketGroups(uint256 marketId, bytes32[] calldata groupIds) external restricted {
        if (!FuseboxStorageLib.vault().markets[marketId].active) revert ErrorsLib.MarketNotActive(marketId);
        if (groupIds.length > RiskLib.MAX_GROUPS_PER_MARKET) {
            revert ErrorsLib.TooManyRiskEntries(RiskLib.MAX_GROUPS_PER_MARKET);
        }
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        bytes32[] storage current = r.marketGroups[marketId];
        for (uint256 g; g < current.length; ++g) {
            _removeUint32(r.groupMarkets[current[g]], uint32(marketId));
        }
        delete r.marketGroups[marketId];
        for (uint256 g; g < groupIds.length; ++g) {
            if (!r.groups[groupIds[g]].exists) revert ErrorsLib.UnknownRiskGroup(groupIds[g]);
            for (uint256 k; k < g; ++k) {
                if (groupIds[k] == groupIds[g]) revert ErrorsLib.UnknownRiskGroup(groupIds[g]); // no repeats
            }
            r.marketGroups[marketId].push(groupIds[g]);
            r.groupMarkets[groupIds[g]].push(uint32(marketId)); // market ids fit 32 bits (configureMarket)
        }
        emit EventsLib.MarketGroupsSet(marketId, groupIds);
    }

    /// @inheritdoc IFuseboxRiskModule
    function setExposureReporting(uint256 marketId, bool reports) external restricted {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        if (market.reportsExposure == reports) return;
        market.reportsExposure = reports;
        if (reports) RiskLib.bookExposure(marketId, market);
        else RiskLib.clearExposure(marketId, market);
        emit EventsLib.ExposureReportingSet(marketId, reports);
    }

    /// @inheritdoc IFuseboxRiskModule
    function setNetDeltaBand(address asset, uint16 bandBps) external restricted {
        if (asset == address(0)) revert ErrorsLib.ZeroAddress();
        if (bandBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(bandBps);
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        RiskStorageLib.Band storage band = r.bands[asset];
        if (band.bandBps == 0 && bandBps != 0) {
            if (r.bandAssets.length >= RiskLib.MAX_BANDS) revert ErrorsLib.TooManyRiskEntries(RiskLib.MAX_BANDS);
            r.bandAssets.push(asset);
            ++r.bandCount;
        } else if (band.bandBps != 0 && bandBps == 0) {
            _removeAddress(r.bandAssets, asset);
            --r.bandCount;
        }
        band.bandBps = bandBps;
        emit EventsLib.NetDeltaBandSet(asset, bandBps);
    }

    /// @inheritdoc IFuseboxRiskModule
    function setMaxBatchLoss(uint16 maxBatchLossBps_) external restricted {
        if (maxBatchLossBps_ > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(maxBatchLossBps_);
        RiskStorageLib.risk().maxBatchLossBps = maxBatchLossBps_;
        emit EventsLib.MaxBatchLossSet(maxBatchLossBps_);
    }

    /// @inheritdoc IFuseboxRiskModule
    function setNavRateBounds(uint16 perUpdateBps, uint32 annualRateBps) external restricted {
        if (perUpdateBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(perUpdateBps);
        RiskStorageLib.NavBound storage b = RiskStorageLib.risk().navBound;
        b.perUpdateBps = perUpdateBps;
        b.annualRateBps = annualRateBps;
        _setBaseline(b);
        emit EventsLib.NavRateBoundsSet(perUpdateBps, annualRateBps);
    }

    /// @inheritdoc IFuseboxRiskModule
    function acknowledgeNavMove() external restricted {
        RiskStorageLib.NavBound storage b = RiskStorageLib.risk().navBound;
        emit EventsLib.NavMoveAcknowledged(_setBaseline(b));
        if (b.pausedByBound) {
            b.pausedByBound = false;
            FuseboxStorageLib.vault().paused = false;
            emit EventsLib.PausedSet(false);
        }
    }

    /* ================================================================ GUARDIAN (risk-lowering: immediate) */

    /// @inheritdoc IFuseboxRiskModule
    function lowerRiskGroupLimits(bytes32 groupId, uint16 capBps, uint128 capAssets, uint96 maxNotionalWad)
        external
        restricted
    {
        RiskStorageLib.Group storage group = RiskStorageLib.risk().groups[groupId];
        if (!group.exists) revert ErrorsLib.UnknownRiskGroup(groupId);
        bool lowering = capBps <= group.capBps && GuardrailLib.optionalLimitNotRaised(group.capAssets, capAssets)
            && GuardrailLib.optionalLimitNotRaised(group.maxNotionalWad, maxNotionalWad);
        if (!lowering) revert ErrorsLib.NotALoweringOfRisk(groupId);
        _writeGroup(groupId, group, capBps, capAssets, maxNotionalWad);
    }

    /// @inheritdoc IFuseboxRiskModule
    function lowerNetDeltaBand(address asset, uint16 bandBps) external restricted {
        RiskStorageLib.Band storage band = RiskStorageLib.risk().bands[asset];
        if (bandBps == 0 || band.bandBps == 0 || bandBps > band.bandBps) {
            revert ErrorsLib.NotALoweringOfRisk(bytes32(uint256(uint160(asset))));
        }
        band.bandBps = bandBps;
        emit EventsLib.NetDeltaBandSet(asset, bandBps);
    }

    /// @inheritdoc IFuseboxRiskModule
    function lowerMaxBatchLoss(uint16 maxBatchLossBps_) external restricted {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        if (maxBatchLossBps_ == 0 || (r.maxBatchLossBps != 0 && maxBatchLossBps_ > r.maxBatchLossBps)) {
            revert ErrorsLib.NotALoweringOfRisk(bytes32(0));
        }
        r.maxBatchLossBps = maxBatchLossBps_;
        emit EventsLib.MaxBatchLossSet(maxBatchLossBps_);
    }

    /* ================================================================ THE CORE'S STEPS */

    /// @inheritdoc IFuseboxRiskModule
    function riskSnapshot(uint256[] calldata touched, uint256 idleBefore) external view returns (bytes memory) {
        return abi.encode(RiskLib.snapshot(touched, idleBefore));
    }

    /// @inheritdoc IFuseboxRiskModule
    function riskWithinLimits(bytes calldata snapshot, uint256[] calldata touched, uint256 totalAssets)
        external
        view
        returns (bool)
    {
        return RiskLib.withinLimits(abi.decode(snapshot, (RiskLib.Snapshot)), touched, totalAssets);
    }

    /// @inheritdoc IFuseboxRiskModule
    function riskCheck(
        bytes calldata snapshot,
        uint256[] calldata touched,
        uint256[] calldata balanceBefore,
        uint256[] calldata notionalBefore,
        uint256 capBase,
        uint256 totalAssets
    ) external view {
        RiskLib.check(
            abi.decode(snapshot, (RiskLib.Snapshot)), touched, balanceBefore, notionalBefore, capBase, totalAssets
        );
    }

    /// @inheritdoc IFuseboxRiskModule
    /// @dev Vault-only: reached by the core's delegatecall, which admits it (RiskStorageLib.admitVaultCall).
    function checkNavRate() external {
        if (!RiskStorageLib.vaultCallAdmitted()) revert ErrorsLib.OnlyVault();
        RiskStorageLib.NavBound storage b = RiskStorageLib.risk().navBound;
        uint256 last = b.lastPpsWad;
        uint256 pps = _ppsWad();
        if (last == 0 || pps == 0) {
            _setBaseline(b);
            return;
        }
        uint256 allowedBps = b.perUpdateBps + uint256(b.annualRateBps) * (block.timestamp - b.lastAt) / 365 days;
        uint256 up = Math.mulDiv(last, GuardrailLib.BPS + allowedBps, GuardrailLib.BPS);
        uint256 down = allowedBps >= GuardrailLib.BPS ? 0 : Math.mulDiv(last, GuardrailLib.BPS - allowedBps, GuardrailLib.BPS);
        if (pps <= up && pps >= down) {
            _setBaseline(b);
            return;
        }
        // Outside the bound: the baseline stays (the acknowledgement sees the whole move) and the vault pauses.
        emit EventsLib.NavRateBoundBreached(last, pps, pps > up ? up : down, pps > up);
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (!$.paused) {
            $.paused = true;
            b.pausedByBound = true;
            emit EventsLib.PausedSet(true);
        }
    }

    /// @inheritdoc IFuseboxRiskModule
    /// @dev Vault-only: reached by the core's or the configuration module's delegatecall, which admits it.
    function bookExposure(uint256 marketId) external {
        if (!RiskStorageLib.vaultCallAdmitted()) revert ErrorsLib.OnlyVault();
        RiskLib.bookExposure(marketId, FuseboxStorageLib.vault().markets[marketId]);
    }

    /* ================================================================ VIEWS */

    /// @inheritdoc IFuseboxRiskModule
    function getRiskGroupIds() external view returns (bytes32[] memory) {
        return RiskStorageLib.risk().groupIds;
    }

    /// @inheritdoc IFuseboxRiskModule
    function getRiskGroup(bytes32 groupId) external view returns (RiskStorageLib.Group memory) {
        return RiskStorageLib.risk().groups[groupId];
    }

    /// @inheritdoc IFuseboxRiskModule
    function getGroupMarkets(bytes32 groupId) external view returns (uint256[] memory ids) {
        uint32[] storage members = RiskStorageLib.risk().groupMarkets[groupId];
        ids = new uint256[](members.length);
        for (uint256 k; k < members.length; ++k) {
            ids[k] = members[k];
        }
    }

    /// @inheritdoc IFuseboxRiskModule
    function getMarketGroups(uint256 marketId) external view returns (bytes32[] memory) {
        return RiskStorageLib.risk().marketGroups[marketId];
    }

    /// @inheritdoc IFuseboxRiskModule
    function groupExposure(bytes32 groupId)
        external
        view
        returns (uint256 balance, uint256 notional, uint256 cap, uint256 maxNotional)
    {
        (balance, notional) = RiskLib.groupSums(groupId);
        (cap, maxNotional) = RiskLib.groupLimits(RiskStorageLib.risk().groups[groupId], _cachedTotalAssets());
    }

    /// @inheritdoc IFuseboxRiskModule
    function getBandAssets() external view returns (address[] memory) {
        return RiskStorageLib.risk().bandAssets;
    }

    /// @inheritdoc IFuseboxRiskModule
    function netDelta(address asset) external view returns (int256 delta, uint16 bandBps) {
        RiskStorageLib.Band storage band = RiskStorageLib.risk().bands[asset];
        return (band.netDelta, band.bandBps);
    }

    /// @inheritdoc IFuseboxRiskModule
    function marketExposure(uint256 marketId, address asset) external view returns (int256 amount, bool reports) {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        return (RiskLib.bookedExposure(marketId, market, asset), market.reportsExposure);
    }

    /// @inheritdoc IFuseboxRiskModule
    function navRateBounds() external view returns (RiskStorageLib.NavBound memory) {
        return RiskStorageLib.risk().navBound;
    }

    /// @inheritdoc IFuseboxRiskModule
    function maxBatchLossBps() external view returns (uint16) {
        return RiskStorageLib.risk().maxBatchLossBps;
    }

    /* ================================================================ INTERNAL */

    /// @dev Idle (the assets set aside for settled redemptions are not the vault's) plus the cached market balances.
    function _cachedTotalAssets() internal view returns (uint256) {
        address asset = IERC4626(address(this)).asset();
        return EconomicsStorageLib.idle(IERC20(asset).balanceOf(address(this))) + FuseboxStorageLib.vault().totalMarketBalance;
    }

    /// @dev Total assets per share on the cached NAV, 1e18 = 1 asset unit per share unit (0 without shares).
    function _ppsWad() internal view returns (uint256) {
        uint256 supply = IERC20(address(this)).totalSupply();
        return supply == 0 ? 0 : Math.mulDiv(_cachedTotalAssets(), 1e18, supply);
    }

    function _setBaseline(RiskStorageLib.NavBound storage b) internal returns (uint256 pps) {
        pps = _ppsWad();
        b.lastPpsWad = SafeCast.toUint128(pps);
        b.lastAt = uint40(block.timestamp);
    }

    function _writeGroup(
        bytes32 groupId,
        RiskStorageLib.Group storage group,
        uint16 capBps,
        uint128 capAssets,
        uint96 maxNotionalWad
    ) internal {
        group.capBps = capBps;
        group.capAssets = capAssets;
        group.maxNotionalWad = maxNotionalWad;
        emit EventsLib.RiskGroupSet(groupId, capBps, capAssets, maxNotionalWad);
    }

    function _removeBytes32(bytes32[] storage list, bytes32 item) internal {
        for (uint256 k; k < list.length; ++k) {
            if (list[k] == item) {
                list[k] = list[list.length - 1];
                list.pop();
                return;
            }
        }
    }

    function _removeUint32(uint32[] storage list, uint32 item) internal {
        for (uint256 k; k < list.length; ++k) {
            if (list[k] == item) {
                list[k] = list[list.length - 1];
                list.pop();
                return;
            }
        }
    }

    function _removeAddress(address[] storage list, address item) internal {
        for (uint256 k; k < list.length; ++k) {
            if (list[k] == item) {
                list[k] = list[list.length - 1];
                list.pop();
                return;
            }
        }
    }
}
