// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpVenueAdapter} from "./PerpVenueAdapter.sol";

/// @notice The subset of contracts/simulation/SimulatedPerpVenue.sol the fuses use.
interface ISimulatedPerpVenue {
    function settlementToken() external view returns (address);
    function markPrice(address market) external view returns (uint256);
    function positionSize(address account, address market) external view returns (int256);
    function getAccountValue(address account) external view returns (int256);
    function getTotalAbsPositionValue(address account) external view returns (uint256);
    function freeCollateral(address account) external view returns (uint256);
    function deposit(uint256 amount) external;
    function withdraw(uint256 amount) external;
    function trade(address market, int256 sizeDeltaWad) external returns (uint256 notionalWad);
}

/// @title SimulatedPerpAdapter
/// @notice Read side of the SIMULATION-ONLY SimulatedPerpVenue: the venue's own account value (which reverts on
/// a stale mark price) and total absolute position value, both already in settlement-token units.
abstract contract SimulatedPerpAdapter is PerpVenueAdapter {
    /// @notice The simulated venue.
    ISimulatedPerpVenue public immutable VENUE;
    address internal immutable SETTLEMENT_TOKEN;

    constructor(address venue) {
        VENUE = ISimulatedPerpVenue(venue);
        SETTLEMENT_TOKEN = ISimulatedPerpVenue(venue).settlementToken();
    }

    function _venue() internal view override returns (address) {
        return address(VENUE);
    }

    function _settlementToken() internal view override returns (address) {
        return SETTLEMENT_TOKEN;
    }

    function _accountValue() internal view override returns (int256) {
        return VENUE.getAccountValue(address(this));
    }

    function _grossNotional() internal view override returns (uint256) {
        return VENUE.getTotalAbsPositionValue(address(this));
    }
}
