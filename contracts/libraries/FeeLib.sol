// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title FeeLib
/// @notice Management and performance fee arithmetic. Every result rounds against the fee recipient: fee assets
/// down, fee shares down (the shares minted are worth at most the fee), so holders never pay more than the rate.
library FeeLib {
    using Math for uint256;

    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant YEAR = 365 days;
    /// @notice Caps enforced on-chain: management ≤ 5 % a year, performance ≤ 50 % of the gain.
    uint256 internal constant MAX_MANAGEMENT_FEE_BPS = 500;
    uint256 internal constant MAX_PERFORMANCE_FEE_BPS = 5_000;

    /// @notice Price per share as the vault prices shares: `(totalAssets + 1)·1e18 / (totalSupply + 10^offset)`
    /// (`supplyPlusVirtual` includes the virtual shares), rounded down.
    function pricePerShare(uint256 totalAssets_, uint256 supplyPlusVirtual) internal pure returns (uint256) {
        return (totalAssets_ + 1).mulDiv(WAD, supplyPlusVirtual);
    }

    /// @notice The fees owed since the last accrual and the shares that pay them.
    /// @param elapsed Seconds since the management fee was last accrued.
    /// @param highWaterMark Price per share the performance fee starts above (0 = not set yet: no performance fee).
    /// @return managementAssets `totalAssets · bps · elapsed / (10⁴ · year)`, rounded down.
    /// @return performanceAssets `(pps − hwm) · (supply + virtual) / 1e18 · bps / 10⁴` when pps > hwm, rounded down.
    /// @return feeShares Shares worth at most the sum once minted: `fees · (supply + virtual) / (totalAssets + 1 − fees)`.
    function owed(
        uint256 totalAssets_,
        uint256 supplyPlusVirtual,
        uint256 highWaterMark,
        uint256 elapsed,
        uint256 managementFeeBps,
        uint256 performanceFeeBps
    ) internal pure returns (uint256 managementAssets, uint256 performanceAssets, uint256 feeShares) {
        managementAssets = totalAssets_.mulDiv(managementFeeBps * elapsed, BPS * YEAR);
        uint256 pps = pricePerShare(totalAssets_, supplyPlusVirtual);
        if (highWaterMark != 0 && pps > highWaterMark && performanceFeeBps != 0) {
            uint256 gain = (pps - highWaterMark).mulDiv(supplyPlusVirtual, WAD);
            performanceAssets = gain.mulDiv(performanceFeeBps, BPS);
        }
        uint256 fees = managementAssets + performanceAssets;
        // Never more than the vault holds (the caps keep fees far below it; this keeps the division defined).
        if (fees > totalAssets_) {
            fees = totalAssets_;
            if (managementAssets > fees) managementAssets = fees;
            performanceAssets = fees - managementAssets;
        }
        if (fees != 0) feeShares = fees.mulDiv(supplyPlusVirtual, totalAssets_ + 1 - fees);
    }
}
