// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpBalanceFuseBase} from "./PerpBalanceFuseBase.sol";
import {SimulatedPerpAdapter} from "./SimulatedPerpAdapter.sol";

/// @title SimulatedPerpBalanceFuse
/// @notice PerpBalanceFuseBase on the SIMULATION-ONLY SimulatedPerpVenue: equity = the venue's account value
/// (collateral + unrealised PnL − pending funding at the mark price), gross notional = Σ |size| × mark.
/// Reverts when a held market's mark price is stale.
contract SimulatedPerpBalanceFuse is PerpBalanceFuseBase, SimulatedPerpAdapter {
    constructor(uint256 marketId, address venue) PerpBalanceFuseBase(marketId) SimulatedPerpAdapter(venue) {}
}
