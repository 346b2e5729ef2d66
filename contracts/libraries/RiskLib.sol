// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IExposureFuse} from "../interfaces/IExposureFuse.sol";
import {IPriceOracleMiddleware} from "../interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "./FuseboxStorageLib.sol";
import {RiskStorageLib} from "./RiskStorageLib.sol";
import {GuardrailLib} from "./GuardrailLib.sol";
import {ErrorsLib} from "./ErrorsLib.sol";
import {EventsLib} from "./EventsLib.sol";

/// @title RiskLib
/// @notice The risk engine's arithmetic and checks, run inside the vault core after every `execute` (internal
/// functions: no extra call). Three limits that cross markets:
/// - shared risk groups: summed balances (bps of total assets, optional absolute) and summed gross notional
///   (× total assets) of the markets in a group;
/// - a net-delta band per underlying asset: |Σ signed exposure| priced in the vault's asset within bps of total assets;
/// - a batch loss budget: total assets may not fall by more than bps of themselves in one batch.
/// Like every guardrail, a limit is enforced only against a measure the batch made worse: a group whose sum did
/// not grow, an asset whose |net delta| did not grow, passes even when still over its limit.
/// @dev Linked into `FuseboxRiskModule`; the core reaches it through the module chain (`riskSnapshot`, `riskWithinLimits`,
/// `riskCheck`, `bookExposure`) only when something is configured: with nothing configured a batch reads one slot.
library RiskLib {
    using SafeCast for int256;
    using SafeCast for uint256;

    /// @notice The most groups, the most groups per market, the most banded assets, the most assets one exposure
    /// report may name: they bound every loop here.
    uint256 internal constant MAX_GROUPS = 32;
    uint256 internal constant MAX_GROUPS_PER_MARKET = 8;
    uint256 internal constant MAX_BANDS = 8;
    uint256 internal constant MAX_EXPOSURE_ASSETS = 8;

    /// @notice What the checks after a batch compare against, taken before the fuses run.
    struct Snapshot {
        bool groups; // any group exists
        uint16 maxBatchLossBps;
        uint256 untouchedNav; // idle + cached balances of the markets the batch does not touch, before it
        address[] bandAssets; // the banded assets and their net delta before the batch
        int256[] deltaBefore;
    }

    /* ---------------------------------------------------------------- before the batch */

    /// @notice Reads what the checks need before the fuses run (one slot when nothing is configured).
    function snapshot(uint256[] memory touched, uint256 idleBefore) internal view returns (Snapshot memory s) {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        s.groups = r.groupCount != 0;
        s.maxBatchLossBps = r.maxBatchLossBps;
        if (s.maxBatchLossBps != 0) {
            FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
            uint256 nav = idleBefore + $.totalMarketBalance;
            for (uint256 j; j < touched.length; ++j) {
                nav -= $.markets[touched[j]].balance;
            }
            s.untouchedNav = nav;
        }
        if (r.bandCount != 0) {
            s.bandAssets = r.bandAssets;
            s.deltaBefore = new int256[](s.bandAssets.length);
            for (uint256 i; i < s.bandAssets.length; ++i) {
                s.deltaBefore[i] = r.bands[s.bandAssets[i]].netDelta;
            }
        }
    }

    /* ---------------------------------------------------------------- after the batch */

    /// @notice The optimistic frame's test: every group of a touched market within its limits after the batch.
    /// The net-delta band is decided here in full (its "before" is the book, the same for both paths).
    function withinLimits(Snapshot memory s, uint256[] memory touched, uint256 totalAssets)
        internal
        view
        returns (bool)
    {
        _checkBands(s, totalAssets);
        if (!s.groups) return true;
        uint256[] memory none;
        return _checkGroups(touched, none, none, totalAssets, false);
    }

    /// @notice The full check after a batch, against fresh "before" values of the touched markets; reverts with
    /// the limit that failed. `capBase` is total assets without what cannot be valued; `totalAssets` all of it.
    function check(
        Snapshot memory s,
        uint256[] memory touched,
        uint256[] memory balanceBefore,
        uint256[] memory notionalBefore,
        uint256 capBase,
        uint256 totalAssets
    ) internal view {
        _checkBands(s, totalAssets);
        if (s.groups) _checkGroups(touched, balanceBefore, notionalBefore, capBase, true);
        if (s.maxBatchLossBps != 0) {
            uint256 navBefore = s.untouchedNav;
            for (uint256 j; j < touched.length; ++j) {
                navBefore += balanceBefore[j];
            }
            if (totalAssets < navBefore) {
                uint256 loss = navBefore - totalAssets;
                uint256 budget = Math.mulDiv(navBefore, s.maxBatchLossBps, GuardrailLib.BPS);
                if (loss > budget) revert ErrorsLib.BatchLossExceeded(budget, loss);
            }
        }
    }

    /// @notice The summed cached balance and gross notional of `groupId`'s markets (quarantined ones count zero).
    function groupSums(bytes32 groupId) internal view returns (uint256 balance, uint256 notional) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint32[] storage members = RiskStorageLib.risk().groupMarkets[groupId];
        for (uint256 k; k < members.length; ++k) {
            FuseboxStorageLib.Market storage market = $.markets[members[k]];
            if (market.quarantined) continue;
            balance += market.balance;
            notional += market.grossNotional;
        }
    }

    /// @notice The limits of a group against `totalAssets`: the balance cap and the notional limit (max = none).
    function groupLimits(RiskStorageLib.Group memory group, uint256 totalAssets)
        internal
        pure
        returns (uint256 cap, uint256 maxNotional)
    {
        cap = GuardrailLib.marketCapDown(totalAssets, group.capBps, group.capAssets);
        maxNotional = group.maxNotionalWad == 0
            ? type(uint256).max
            : Math.mulDiv(totalAssets, group.maxNotionalWad, GuardrailLib.WAD);
    }

    /// @notice `netDelta` priced in the vault's asset (signed) and the band's width there (`bandBps` of `totalAssets`).
    function bandValue(address asset, int256 netDelta, uint16 bandBps, uint256 totalAssets, address vaultAsset)
        internal
        view
        returns (int256 deltaValue, uint256 band)
    {
        band = Math.mulDiv(totalAssets, bandBps, GuardrailLib.BPS);
        if (netDelta == 0) return (0, band);
        uint256 magnitude = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle()).quote(
            asset, netDelta > 0 ? uint256(netDelta) : uint256(-netDelta), vaultAsset
        );
        deltaValue = netDelta > 0 ? magnitude.toInt256() : -magnitude.toInt256();
    }

    /// @dev Every group of every touched market, once. `enforce`: revert on a limit the batch made worse (against
    /// `balanceBefore` / `notionalBefore`); otherwise return false on any group outside its limits.
    function _checkGroups(
        uint256[] memory touched,
        uint256[] memory balanceBefore,
        uint256[] memory notionalBefore,
        uint256 capBase,
        bool enforce
    ) private view returns (bool) {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        bytes32[] memory seen = new bytes32[](MAX_GROUPS);
        uint256 seenCount;
        for (uint256 j; j < touched.length; ++j) {
            bytes32[] storage groupIds = r.marketGroups[touched[j]];
            for (uint256 g; g < groupIds.length; ++g) {
                bytes32 groupId = groupIds[g];
                bool done;
                for (uint256 k; k < seenCount; ++k) {
                    if (seen[k] == groupId) done = true;
                }
                if (done) continue;
                seen[seenCount++] = groupId;
                if (!_checkGroup(groupId, touched, balanceBefore, notionalBefore, capBase, enforce)) return false;
            }
        }
        return true;
    }

    function _checkGroup(
        bytes32 groupId,
        uint256[] memory touched,
        uint256[] memory balanceBefore,
        uint256[] memory notionalBefore,
        uint256 capBase,
        bool enforce
    ) private view returns (bool) {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        (uint256 balance, uint256 notional) = groupSums(groupId);
        (uint256 cap, uint256 maxNotional) = groupLimits(r.groups[groupId], capBase);
        if (!enforce) return balance <= cap && notional <= maxNotional;
        (uint256 balancePrior, uint256 notionalPrior) =
            _groupPrior(groupId, touched, balanceBefore, notionalBefore, balance, notional);
        if (balance > balancePrior && balance > cap) revert ErrorsLib.GroupCapExceeded(groupId, cap, balance);
        if (notional > notionalPrior && notional > maxNotional) {
            revert ErrorsLib.GroupNotionalExceeded(groupId, maxNotional, notional);
        }
        return true;
    }

    /// @dev The group's sums before the batch: only its touched members moved.
    function _groupPrior(
        bytes32 groupId,
        uint256[] memory touched,
        uint256[] memory balanceBefore,
        uint256[] memory notionalBefore,
        uint256 balancePrior,
        uint256 notionalPrior
    ) private view returns (uint256, uint256) {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 t; t < touched.length; ++t) {
            FuseboxStorageLib.Market storage market = $.markets[touched[t]];
            if (market.quarantined || !_isMember(r.marketGroups[touched[t]], groupId)) continue;
            balancePrior = balancePrior + balanceBefore[t] - market.balance;
            notionalPrior = notionalPrior + notionalBefore[t] - market.grossNotional;
        }
        return (balancePrior, notionalPrior);
    }

    /// @dev Every banded asset whose |net delta| the batch grew must end within its band.
    function _checkBands(Snapshot memory s, uint256 totalAssets) private view {
        uint256 count = s.bandAssets.length;
        if (count == 0) return;
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        address vaultAsset;
        for (uint256 i; i < count; ++i) {
            RiskStorageLib.Band memory b = r.bands[s.bandAssets[i]];
            int256 delta = b.netDelta;
            if (_abs(delta) <= _abs(s.deltaBefore[i])) continue;
            if (vaultAsset == address(0)) vaultAsset = IERC4626(address(this)).asset();
            (int256 deltaValue, uint256 band) = bandValue(s.bandAssets[i], delta, b.bandBps, totalAssets, vaultAsset);
            if (_abs(deltaValue) > band) revert ErrorsLib.NetDeltaExceeded(s.bandAssets[i], band, deltaValue);
        }
    }

    function _isMember(bytes32[] storage groupIds, bytes32 groupId) private view returns (bool) {
        for (uint256 g; g < groupIds.length; ++g) {
            if (groupIds[g] == groupId) return true;
        }
        return false;
    }

    function _abs(int256 x) private pure returns (uint256) {
        return x >= 0 ? uint256(x) : uint256(-x);
    }

    /* ---------------------------------------------------------------- net-delta bookkeeping */

    /// @notice Books a fresh exposure report of `market` (`marketId`), called with every valuation the core writes
    /// for a reporting market. A report that fails or is malformed (lengths, repeats, more than MAX_EXPOSURE_ASSETS,
    /// an amount past int96) keeps the last one and is announced: a valuation that succeeded is never undone for it.
    /// @dev One slot per reported asset holds both the asset and its amount (RiskStorageLib.packExposure), so a report
    /// that names the same asset as before costs one read and, if the amount moved, one write and the band's update.
    function bookExposure(uint256 marketId, FuseboxStorageLib.Market storage market) internal {
        (bool ok, bytes memory result) = market.balanceFuse.delegatecall(abi.encodeCall(IExposureFuse.exposures, ()));
        if (!ok || result.length < 128) {
            emit EventsLib.ExposureReportFailed(marketId, result);
            return;
        }
        (address[] memory assets, int256[] memory amounts) = abi.decode(result, (address[], int256[]));
        if (!_wellFormed(assets, amounts)) {
            emit EventsLib.ExposureReportFailed(marketId, result);
            return;
        }
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        mapping(uint256 => bytes32) storage entries = r.exposureEntries[marketId];
        uint256 previousCount = market.exposureCount;
        bytes32[] memory previous = new bytes32[](previousCount);
        for (uint256 i; i < previousCount; ++i) {
            previous[i] = entries[i];
        }
        // What the last report named and this one does not goes back to zero.
        for (uint256 i; i < previousCount; ++i) {
            (address asset, int96 amount) = RiskStorageLib.unpackExposure(previous[i]);
            if (_indexOf(assets, asset) == type(uint256).max) _moveNet(r, asset, -int256(amount));
        }
        uint256 count;
        for (uint256 k; k < assets.length; ++k) {
            int256 amount = amounts[k];
            int256 old;
            for (uint256 i; i < previousCount; ++i) {
                (address asset, int96 was) = RiskStorageLib.unpackExposure(previous[i]);
                if (asset == assets[k]) old = was;
            }
            if (amount != old) _moveNet(r, assets[k], amount - old);
            if (amount == 0) continue; // no exposure: no entry
            bytes32 entry = RiskStorageLib.packExposure(assets[k], int96(amount));
            if (count >= previousCount || previous[count] != entry) entries[count] = entry;
            ++count;
        }
        for (uint256 i = count; i < previousCount; ++i) {
            delete entries[i];
        }
        if (count != previousCount) market.exposureCount = uint8(count);
    }

    /// @notice Drops every exposure `market` has booked (it stops reporting or leaves the vault).
    function clearExposure(uint256 marketId, FuseboxStorageLib.Market storage market) internal {
        RiskStorageLib.RiskLayout storage r = RiskStorageLib.risk();
        mapping(uint256 => bytes32) storage entries = r.exposureEntries[marketId];
        uint256 count = market.exposureCount;
        for (uint256 i; i < count; ++i) {
            (address asset, int96 amount) = RiskStorageLib.unpackExposure(entries[i]);
            _moveNet(r, asset, -int256(amount));
            delete entries[i];
        }
        market.exposureCount = 0;
    }

    /// @notice The amount `marketId` has booked for `asset` (0 when none).
    function bookedExposure(uint256 marketId, FuseboxStorageLib.Market storage market, address asset)
        internal
        view
        returns (int256 amount)
    {
        mapping(uint256 => bytes32) storage entries = RiskStorageLib.risk().exposureEntries[marketId];
        for (uint256 i; i < market.exposureCount; ++i) {
            (address booked, int96 value) = RiskStorageLib.unpackExposure(entries[i]);
            if (booked == asset) return value;
        }
    }

    function _wellFormed(address[] memory assets, int256[] memory amounts) private pure returns (bool) {
        uint256 n = assets.length;
        if (n != amounts.length || n > MAX_EXPOSURE_ASSETS) return false;
        for (uint256 k; k < n; ++k) {
            if (amounts[k] > type(int96).max || amounts[k] < type(int96).min) return false;
            for (uint256 j; j < k; ++j) {
                if (assets[j] == assets[k]) return false;
            }
        }
        return true;
    }

    function _indexOf(address[] memory assets, address asset) private pure returns (uint256) {
        for (uint256 k; k < assets.length; ++k) {
            if (assets[k] == asset) return k;
        }
        return type(uint256).max;
    }

    function _moveNet(RiskStorageLib.RiskLayout storage r, address asset, int256 change) private {
        RiskStorageLib.Band storage b = r.bands[asset];
        int256 net = int256(b.netDelta) + change;
        b.netDelta = net.toInt240();
        emit EventsLib.NetDeltaUpdated(asset, net);
    }
}
