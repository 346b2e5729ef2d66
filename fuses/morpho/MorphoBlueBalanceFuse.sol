// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMorpho} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {MorphoBlueAccountLib} from "./MorphoBlueAccountLib.sol";

/// @title MorphoBlueBalanceFuse
/// @notice Values the vault's positions in the Morpho Blue markets of its Fusebox market (the substrates,
/// MorphoBlueAccountLib): equity = Σ (lent assets + collateral − borrowed assets), each converted to the vault's
/// asset through the vault's price oracle middleware (a stale or missing price reverts), floored at zero; gross
/// notional = Σ (lent + collateral) value, so the vault's leverage guardrail reads total supplied / equity;
/// debt = Σ borrowed value, so the vault refuses to remove the market while any is open.
/// @dev Keys: `position(morpho, id)` per substrate: a Morpho position is isolated, so two Fusebox markets may
/// use different Morpho markets, never the same one.
contract MorphoBlueBalanceFuse is IBalanceFuse {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Morpho Blue singleton.
    IMorpho public immutable MORPHO;

    constructor(uint256 marketId, address morpho) {
        MARKET_ID = marketId;
        MORPHO = IMorpho(morpho);
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        return MorphoBlueAccountLib.valuePositions(MORPHO, MARKET_ID);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substratePositions(MARKET_ID, address(MORPHO));
    }
}
