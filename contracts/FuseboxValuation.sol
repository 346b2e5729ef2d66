// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IBalanceFuse} from "./interfaces/IFuse.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxValuation
/// @notice The market valuation cache shared by the vault core and its module (both run in the vault's storage):
/// valuing a market through its balance fuse, the running sum of cached balances, and the NAV's expiry.
/// @dev Internal functions only. A quarantined market is never valued here: it counts zero and never expires.
abstract contract FuseboxValuation {
    using SafeCast for uint256;

    /// @dev The vault's idle assets.
    function _idleAssets() internal view virtual returns (uint256);

    /// @dev The position's value, gross notional and debt per the market's balance fuse (delegatecall; reverts bubble).
    function _valueMarket(address balanceFuse) internal returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        bytes memory result =
            Address.functionDelegateCall(balanceFuse, abi.encodeCall(IBalanceFuse.marketValuation, ()));
        (equity, grossNotional, debt) = abi.decode(result, (uint256, uint256, uint256));
    }

    /// @dev As `_valueMarket`, but a failure (stale oracle, paused venue...) is returned, not thrown.
    function _tryValueMarket(address balanceFuse)
        internal
        returns (bool ok, uint256 equity, uint256 grossNotional, bytes memory result)
    {
        (ok, result) = balanceFuse.delegatecall(abi.encodeCall(IBalanceFuse.marketValuation, ()));
        if (!ok || result.length < 96) return (false, 0, 0, result);
        (equity, grossNotional) = abi.decode(result, (uint256, uint256));
    }

    /// @dev Records a fresh valuation of `marketId` and keeps the running total exact.
    function _writeMarket(uint256 marketId, FuseboxStorageLib.Market storage market, uint256 equity, uint256 notional)
        internal
    {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        // Never underflows: the running total always includes this market's previous balance.
        $.totalMarketBalance = ($.totalMarketBalance - market.balance + equity).toUint128();
        market.balance = equity.toUint128();
        market.grossNotional = notional.toUint128();
        market.updatedAt = uint40(block.timestamp);
        emit EventsLib.MarketBalanceUpdated(marketId, equity, notional);
        _afterMarketWritten(marketId);
    }

    /// @dev Hook after a valuation is recorded (the core books the market's exposure for the risk engine).
    function _afterMarketWritten(uint256 marketId) internal virtual {}

    /// @dev Values `marketId` through its balance fuse and records it (reverts if it cannot be valued).
    function _refreshMarket(uint256 marketId, FuseboxStorageLib.Market storage market) internal {
        (uint256 equity, uint256 notional,) = _valueMarket(market.balanceFuse);
        _writeMarket(marketId, market, equity, notional);
    }

    /// @dev Refreshes every market not in quarantine. `tolerant`: a market that cannot be valued keeps its cache
    /// (so the NAV stays expired and deposits stay refused) and is reported, for the caller to count it at zero.
    /// @return unvaluedBalance The cached balances of the markets that could not be valued.
    /// @return firstUnvalued The first of them (0 = every market was valued).
    function _refreshAllMarkets(bool tolerant) internal returns (uint256 unvaluedBalance, uint256 firstUnvalued) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint32[] memory ids = $.marketIds;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[ids[i]];
            if (market.quarantined) continue;
            if (!tolerant) {
                _refreshMarket(ids[i], market);
                continue;
            }
            (bool ok, uint256 equity, uint256 notional, bytes memory reason) = _tryValueMarket(market.balanceFuse);
            if (ok) {
                _writeMarket(ids[i], market, equity, notional);
            } else {
                unvaluedBalance += market.balance;
                if (firstUnvalued == 0) firstUnvalued = ids[i];
                emit EventsLib.MarketValuationFailed(ids[i], reason);
            }
        }
        _recomputeNavExpiry();
        _afterRefreshAll();
    }

    /// @dev Hook after every market was refreshed (the core checks the NAV-rate bounds).
    function _afterRefreshAll() internal virtual {}

    /// @dev Refreshing only pushes expiries later, so the earliest expiry moves only when the market that sets
    /// it was among the refreshed ones; then (and only then) all markets are scanned again.
    function _updateNavExpiry(uint256[] memory refreshed, uint256 count) internal {
        uint256 expiryMarketId = FuseboxStorageLib.vault().navExpiryMarketId;
        for (uint256 i; i < count; ++i) {
            if (refreshed[i] == expiryMarketId) {
                _recomputeNavExpiry();
                return;
            }
        }
    }

    function _recomputeNavExpiry() internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint32[] memory ids = $.marketIds;
        uint256 earliest = type(uint64).max;
        uint256 earliestMarketId;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[ids[i]];
            if (market.quarantined) continue; // valued at zero until released: it cannot go stale
            uint256 expiry = uint256(market.updatedAt) + market.maxBalanceAge;
            if (expiry < earliest) {
                earliest = expiry;
                earliestMarketId = ids[i];
            }
        }
        $.navExpiresAt = uint64(earliest);
        $.navExpiryMarketId = earliestMarketId;
    }

    /// @dev `ids[0:count]` plus each one's declared dependents (those not in quarantine), without repeats.
    /// Bounded: at most MAX_MARKETS.
    function _withDependents(uint256[] memory ids, uint256 count) internal view returns (uint256[] memory all) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 total = count;
        for (uint256 i; i < count; ++i) {
            total += $.markets[ids[i]].dependentCount;
        }
        if (total == count) return _truncated(ids, count); // no dependents: the common case, one slot per market
        all = new uint256[](total);
        uint256 allCount;
        for (uint256 i; i < count; ++i) {
            allCount = _addUnique(all, allCount, ids[i]);
        }
        for (uint256 i; i < count; ++i) {
            if ($.markets[ids[i]].dependentCount == 0) continue;
            uint256[] storage dependents = $.marketDependents[ids[i]];
            for (uint256 k; k < dependents.length; ++k) {
                // A quarantined dependent counts zero and is not valued: it must not block its neighbours.
                if ($.markets[dependents[k]].quarantined) continue;
                allCount = _addUnique(all, allCount, dependents[k]);
            }
        }
        return _truncated(all, allCount);
    }

    function _truncated(uint256[] memory ids, uint256 count) internal pure returns (uint256[] memory) {
        assembly ("memory-safe") {
            mstore(ids, count) // `count` <= the array's length: only shrinks it
        }
        return ids;
    }

    /// @dev Appends `id` to `set[0:count]` unless present; returns the new count. Sets here are bounded by a
    /// batch's action count or MAX_MARKETS.
    function _addUnique(uint256[] memory set, uint256 count, uint256 id) internal pure returns (uint256) {
        for (uint256 k; k < count; ++k) {
            if (set[k] == id) return count;
        }
        set[count] = id;
        return count + 1;
    }
}
