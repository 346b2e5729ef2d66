// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {Id, IMorpho, MarketParams, Position} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {SharesMathLib} from "@morpho-org/morpho-blue/src/libraries/SharesMathLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";

/// @title MorphoBlueBalanceFuse
/// @notice Values the vault's positions in the Morpho Blue markets of its Fusebox market (the substrates):
/// equity = Σ (lent assets + collateral − borrowed assets), each converted to the vault's asset through the vault's
/// price oracle middleware (a stale or missing price reverts), floored at zero; gross notional = Σ (lent +
/// collateral) value, so the vault's leverage guardrail reads total supplied / equity.
/// @dev Lent and borrowed assets include interest accrued up to this block without writing to Morpho
/// (MorphoBalancesLib's expected balances, from the package's periphery). Lent assets round down, borrowed up.
contract MorphoBlueBalanceFuse is IBalanceFuse {
    using SharesMathLib for uint256;
    using MorphoBalancesLib for IMorpho;

    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Morpho Blue singleton.
    IMorpho public immutable MORPHO;

    constructor(uint256 marketId, address morpho) {
        MARKET_ID = marketId;
        MORPHO = IMorpho(morpho);
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional) {
        bytes32[] storage ids = FuseboxStorageLib.substrates().list[MARKET_ID];
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        address vaultAsset = IERC4626(address(this)).asset();
        uint256 debtValue;
        for (uint256 i; i < ids.length; ++i) {
            Id id = Id.wrap(ids[i]);
            Position memory position = MORPHO.position(id, address(this));
            if (position.supplyShares == 0 && position.borrowShares == 0 && position.collateral == 0) continue;
            MarketParams memory marketParams = MORPHO.idToMarketParams(id);
            if (position.supplyShares != 0 || position.borrowShares != 0) {
                (uint256 totalSupplyAssets, uint256 totalSupplyShares, uint256 totalBorrowAssets, uint256 totalBorrowShares)
                = MORPHO.expectedMarketBalances(marketParams);
                if (position.supplyShares != 0) {
                    uint256 lent = position.supplyShares.toAssetsDown(totalSupplyAssets, totalSupplyShares);
                    grossNotional += oracle.quote(marketParams.loanToken, lent, vaultAsset);
                }
                if (position.borrowShares != 0) {
                    uint256 borrowed = uint256(position.borrowShares).toAssetsUp(totalBorrowAssets, totalBorrowShares);
                    debtValue += oracle.quote(marketParams.loanToken, borrowed, vaultAsset);
                }
            }
            if (position.collateral != 0) {
                grossNotional += oracle.quote(marketParams.collateralToken, position.collateral, vaultAsset);
            }
        }
        equity = grossNotional > debtValue ? grossNotional - debtValue : 0;
    }
}
