// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title LeverageLib
/// @notice Leverage arithmetic shared by the credit fuses (Aave V3, Morpho Blue), whose leverage guardrail reads
/// supplied / equity.
library LeverageLib {
    uint256 private constant WAD = 1e18;

    /// @dev The most of the vault's asset that can leave a credit account's supply while its leverage (supplied /
    /// equity) stays within `maxLeverageWad`: a withdrawal w lowers both by w, so (S − w) / (E − w) ≤ L gives
    /// w ≤ (L·E − S) / (L − 1), rounded down (against the withdrawal). Without debt, supplied = equity and
    /// leverage stays at 1x whatever is withdrawn: no bound.
    function maxWithdrawWithinLeverage(uint256 equity, uint256 supplied, uint256 debt, uint256 maxLeverageWad)
        internal
        pure
        returns (uint256)
    {
        if (debt == 0) return type(uint256).max;
        if (maxLeverageWad <= WAD) return 0;
        uint256 allowed = equity * maxLeverageWad;
        uint256 held = supplied * WAD;
        if (allowed <= held) return 0;
        return (allowed - held) / (maxLeverageWad - WAD);
    }
}
