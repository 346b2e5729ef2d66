// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IExposureFuse
/// @notice Optional interface of a balance fuse: the signed exposure of its market to each underlying asset, in
/// that asset's own units (spot held +, collateral supplied +, debt −, perp long +, perp short −). The vault sums
/// the reports of the markets it values into a net delta per asset and holds it within a band (the risk engine).
interface IExposureFuse {
    /// @notice The market's exposures now: `assets[i]` has signed amount `amounts[i]` (same lengths, no repeats;
    /// an asset with no exposure may be left out).
    /// @dev Run by delegatecall from the vault right after `marketValuation` succeeded; must not change state.
    function exposures() external returns (address[] memory assets, int256[] memory amounts);
}
