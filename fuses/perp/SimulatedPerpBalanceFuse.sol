// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IExposureFuse} from "../../contracts/interfaces/IExposureFuse.sol";
import {PerpBalanceFuseBase} from "./PerpBalanceFuseBase.sol";
import {SimulatedPerpAdapter} from "./SimulatedPerpAdapter.sol";

/// @notice The venue's market list (contracts/simulation/SimulatedPerpVenue.sol).
interface ISimulatedPerpMarkets {
    function getMarkets() external view returns (address[] memory);
}

/// @title SimulatedPerpBalanceFuse
/// @notice PerpBalanceFuseBase on the SIMULATION-ONLY SimulatedPerpVenue: equity = the venue's account value
/// (collateral + unrealised PnL − pending funding at the mark price), gross notional = Σ |size| × mark.
/// Reverts when a held market's mark price is stale.
contract SimulatedPerpBalanceFuse is PerpBalanceFuseBase, SimulatedPerpAdapter, IExposureFuse {
    constructor(uint256 marketId, address venue) PerpBalanceFuseBase(marketId) SimulatedPerpAdapter(venue) {}

    /// @inheritdoc IExposureFuse
    /// @dev Each venue market the vault holds, named by its underlying (the venue lists markets by the underlying
    /// token's address): the signed position size (long +, short −), from the venue's 18 decimals to the token's.
    function exposures() external view returns (address[] memory assets, int256[] memory amounts) {
        address[] memory markets = ISimulatedPerpMarkets(address(VENUE)).getMarkets();
        assets = new address[](markets.length);
        amounts = new int256[](markets.length);
        uint256 count;
        for (uint256 i; i < markets.length; ++i) {
            int256 size = VENUE.positionSize(address(this), markets[i]);
            if (size == 0) continue;
            uint8 decimals = markets[i].code.length == 0 ? 18 : IERC20Metadata(markets[i]).decimals();
            assets[count] = markets[i];
            amounts[count++] = decimals >= 18 ? size * int256(10 ** (decimals - 18)) : size / int256(10 ** (18 - decimals));
        }
        assembly ("memory-safe") {
            mstore(assets, count)
            mstore(amounts, count)
        }
    }
}
