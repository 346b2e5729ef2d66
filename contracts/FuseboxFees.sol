// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {EconomicsStorageLib} from "./libraries/EconomicsStorageLib.sol";
import {FeeLib} from "./libraries/FeeLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxFees
/// @notice Fee accrual shared by the vault core (deposits, redemptions, refreshes, `execute`) and the economics
/// module (settlement, fee changes): fees are minted as shares to the fee recipient at the NAV that prices the
/// operation, before it, so nobody enters or leaves at a price that still owes fees.
/// @dev Internal functions only. The high-water mark never falls; a recovery below it pays no performance fee.
abstract contract FuseboxFees {
    using SafeCast for uint256;

    /// @dev Mints `shares` to `to` (the share token's own `_mint`).
    function _mintFeeShares(address to, uint256 shares) internal virtual;

    /// @dev Accrues the fees owed at `totalAssets_` with `supplyPlusVirtual` shares outstanding (virtual included).
    /// `always`: also when both fees are off (a fee change: the clock and the high-water mark start from now).
    /// @return feeShares The shares minted.
    function _accrueFees(uint256 totalAssets_, uint256 supplyPlusVirtual, bool always)
        internal
        returns (uint256 feeShares)
    {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        uint256 managementFeeBps = e.managementFeeBps;
        uint256 performanceFeeBps = e.performanceFeeBps;
        if (!always && managementFeeBps == 0 && performanceFeeBps == 0) return 0;
        uint256 lastAccrual = e.lastAccrual;
        uint256 highWaterMark = e.highWaterMark;
        uint256 elapsed = lastAccrual == 0 ? 0 : block.timestamp - lastAccrual;
        (uint256 managementAssets, uint256 performanceAssets, uint256 shares) = FeeLib.owed(
            totalAssets_, supplyPlusVirtual, highWaterMark, elapsed, managementFeeBps, performanceFeeBps
        );
        feeShares = shares;
        uint256 ppsAfter = FeeLib.pricePerShare(totalAssets_, supplyPlusVirtual + shares);
        // A management fee too small to mint leaves the clock where it was (it accrues on), never lost to rounding.
        bool advanceClock = lastAccrual != block.timestamp && (managementFeeBps == 0 || shares != 0);
        if (advanceClock) e.lastAccrual = uint32(block.timestamp);
        if (ppsAfter > highWaterMark) e.highWaterMark = ppsAfter.toUint96();
        if (shares != 0) {
            _mintFeeShares(e.feeRecipient, shares);
            emit EventsLib.FeesAccrued(
                e.feeRecipient, managementAssets, performanceAssets, shares, ppsAfter > highWaterMark ? ppsAfter : highWaterMark
            );
        }
    }

    /// @dev The fee shares an accrual at `totalAssets_` would mint now (previews).
    function _pendingFeeShares(uint256 totalAssets_, uint256 supplyPlusVirtual) internal view returns (uint256 shares) {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        uint256 managementFeeBps = e.managementFeeBps;
        uint256 performanceFeeBps = e.performanceFeeBps;
        if (managementFeeBps == 0 && performanceFeeBps == 0) return 0;
        uint256 lastAccrual = e.lastAccrual;
        (,, shares) = FeeLib.owed(
            totalAssets_,
            supplyPlusVirtual,
            e.highWaterMark,
            lastAccrual == 0 ? 0 : block.timestamp - lastAccrual,
            managementFeeBps,
            performanceFeeBps
        );
    }
}
