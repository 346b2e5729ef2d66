// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";

/// @title PerpVenueAdapter
/// @notice The read side of one perp venue, shared by its action fuse and its balance fuse: the vault's
/// account value and gross notional at the venue, in the venue's settlement token. A venue adapter
/// (PerpV2Venue, SimulatedPerpVenueAdapter, ...) implements these three hooks; everything generic —
/// conversion to the vault's asset, flooring, the leverage-preserving withdrawal limit — lives here.
/// @dev Runs by delegatecall in the vault's context: `address(this)` is the vault.
abstract contract PerpVenueAdapter {
    /// @notice The token the venue keeps margin in.
    function _settlementToken() internal view virtual returns (address);

    /// @notice Collateral + unrealised PnL + pending funding of the vault at the venue, settlement-token units,
    /// rounded down. MUST revert when a price it relies on is stale.
    function _accountValue() internal view virtual returns (int256);

    /// @notice Σ |position notional| of the vault at the venue, settlement-token units, rounded up.
    function _grossNotional() internal view virtual returns (uint256);

    /// @notice The venue contract that holds the vault's account (its valuation key, `account(venue)`).
    function _venue() internal view virtual returns (address);

    /// @dev The action fuse and the balance fuse of a market name the same account.
    function _valuationKeys() internal view returns (bytes32[] memory) {
        return ValuationKeys.single(ValuationKeys.account(_venue()));
    }

    /// @dev (equity floored at zero, gross notional), both in the vault's asset. Identity when the settlement
    /// token is the vault's asset; otherwise priced through the vault's oracle middleware (which reverts on a
    /// stale feed). Notional is converted rounding up, equity rounding down: both favour the guardrail.
    function _valuationInAsset() internal view returns (uint256 equity, uint256 grossNotional) {
        int256 value = _accountValue();
        equity = value > 0 ? uint256(value) : 0;
        grossNotional = _grossNotional();
        address settlement = _settlementToken();
        address asset = IERC4626(address(this)).asset();
        if (settlement != asset) {
            IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
            if (equity != 0) equity = oracle.quote(settlement, equity, asset);
            if (grossNotional != 0) grossNotional = oracle.quote(settlement, grossNotional, asset) + 1;
        }
    }

    /// @dev The margin (settlement units) the vault can take out while keeping this market's leverage within
    /// its `maxLeverageWad`: equity − notional / maxLeverage, rounded against the withdrawal.
    function _marginAboveLeverageLimit(uint256 marketId) internal view returns (uint256) {
        int256 value = _accountValue();
        if (value <= 0) return 0;
        uint256 notional = _grossNotional();
        if (notional == 0) return uint256(value);
        uint256 maxLeverageWad = FuseboxStorageLib.vault().markets[marketId].maxLeverageWad;
        if (maxLeverageWad == 0) return 0;
        uint256 needed = Math.mulDiv(notional, 1e18, maxLeverageWad, Math.Rounding.Ceil);
        return uint256(value) > needed ? uint256(value) - needed : 0;
    }
}
