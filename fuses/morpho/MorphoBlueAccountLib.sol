// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {Id, IMorpho, MarketParams, Position} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {SharesMathLib} from "@morpho-org/morpho-blue/src/libraries/SharesMathLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";

/// @title MorphoBlueAccountLib
/// @notice The vault's positions in the Morpho Blue markets of one Fusebox market (its substrates), valued at the
/// vault's price oracle middleware; shared by the balance fuse (valuation) and the action fuse (the
/// instant-withdrawal leverage limit), so both read the same numbers. Runs by delegatecall in the vault's context.
/// @dev Lent and borrowed assets include interest accrued up to this block without writing to Morpho
/// (MorphoBalancesLib's expected balances, from the package's periphery). Lent assets round down, borrowed up.
library MorphoBlueAccountLib {
    using SharesMathLib for uint256;
    using MorphoBalancesLib for IMorpho;

    /// @dev `supplied` = Σ (lent + collateral) value, `debt` = Σ borrowed value, `equity` = supplied − debt,
    /// floored at zero. Netting across Morpho markets can only undervalue (each position is isolated: a loss
    /// beyond one position's collateral is not the vault's), never overvalue.
    function valuePositions(IMorpho morpho, uint256 marketId)
        internal
        view
        returns (uint256 equity, uint256 supplied, uint256 debt)
    {
        bytes32[] storage ids = FuseboxStorageLib.substrates().list[marketId];
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        address vaultAsset = IERC4626(address(this)).asset();
        for (uint256 i; i < ids.length; ++i) {
            (uint256 s, uint256 d) = _valuePosition(morpho, oracle, Id.wrap(ids[i]), vaultAsset);
            supplied += s;
            debt += d;
        }
        equity = supplied > debt ? supplied - debt : 0;
    }

    /// @dev One Morpho position: (lent + collateral value, borrowed value), in `vaultAsset`.
    function _valuePosition(IMorpho morpho, IPriceOracleMiddleware oracle, Id id, address vaultAsset)
        private
        view
        returns (uint256 supplied, uint256 debt)
    {
        Position memory position = morpho.position(id, address(this));
        if (position.supplyShares == 0 && position.borrowShares == 0 && position.collateral == 0) return (0, 0);
        MarketParams memory marketParams = morpho.idToMarketParams(id);
        if (position.supplyShares != 0 || position.borrowShares != 0) {
            (uint256 totalSupplyAssets, uint256 totalSupplyShares, uint256 totalBorrowAssets, uint256 totalBorrowShares) =
                morpho.expectedMarketBalances(marketParams);
            if (position.supplyShares != 0) {
                uint256 lent = position.supplyShares.toAssetsDown(totalSupplyAssets, totalSupplyShares);
                supplied = oracle.quote(marketParams.loanToken, lent, vaultAsset);
            }
            if (position.borrowShares != 0) {
                uint256 borrowed = uint256(position.borrowShares).toAssetsUp(totalBorrowAssets, totalBorrowShares);
                debt = oracle.quote(marketParams.loanToken, borrowed, vaultAsset);
                if (marketParams.loanToken != vaultAsset) debt += 1; // the conversion rounds down
            }
        }
        if (position.collateral != 0) {
            supplied += oracle.quote(marketParams.collateralToken, position.collateral, vaultAsset);
        }
    }
}
