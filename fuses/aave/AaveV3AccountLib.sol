// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {AaveV3ReserveData, IAaveV3Pool} from "./IAaveV3Pool.sol";

/// @title AaveV3AccountLib
/// @notice The vault's WHOLE account on one Aave V3 pool, valued at the vault's price oracle middleware, shared
/// by the balance fuse (valuation) and the action fuse (the instant-withdrawal leverage limit), so both read
/// the same numbers. Runs by delegatecall in the vault's context (`address(this)` is the vault).
/// @dev Which reserves: the market's substrates, plus every reserve the pool's own bitmap
/// (`getUserConfiguration`) marks as borrowed or used as collateral. Debt can only be opened by the vault
/// itself (it grants no credit delegation) and always sets its reserve's borrowing bit, so no debt is ever
/// missed, whether or not its reserve is a substrate. A supply outside the substrates that is not used as
/// collateral (a donation) is not counted: an undervaluation, never an overvaluation. A reserve outside the
/// substrates needs a feed in the vault's oracle: without one the valuation reverts (the market cannot be
/// valued) rather than ignore its debt.
library AaveV3AccountLib {
    /// @notice Token addresses and reserve id of one reserve, cached in the vault's storage.
    struct ReserveTokens {
        address aToken; // zero: not cached
        uint16 id;
        address variableDebtToken;
    }

    /// @custom:storage-location erc7201:fusebox.storage.AaveV3Reserves
    struct Layout {
        mapping(address pool => mapping(address asset => ReserveTokens)) reserveTokens;
    }

    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.AaveV3Reserves")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant SLOT = 0xe74605937448a5b0ec726d495ee87433974a319e1d84a61d6019a87a96bf0700;

    /// @dev The vault's account on `pool`: `supplied` = Σ aToken value, `debt` = Σ variable debt value (rounded up),
    /// `equity` = supplied − debt floored at zero for the account as a whole (Aave debt has no recourse beyond
    /// the account). `writeCache` false never writes storage (inside a static call).
    function valueAccount(IAaveV3Pool pool, uint256 marketId, bool writeCache)
        internal
        returns (uint256 equity, uint256 supplied, uint256 debt)
    {
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        address vaultAsset = IERC4626(address(this)).asset();
        // Two bits per reserve id: 2·id borrowing, 2·id + 1 used as collateral.
        uint256 unvisited = pool.getUserConfiguration(address(this));
        bytes32[] storage assets = FuseboxStorageLib.substrates().list[marketId];
        for (uint256 i; i < assets.length; ++i) {
            address asset = address(uint160(uint256(assets[i])));
            ReserveTokens memory tokens = reserveTokens(pool, asset, writeCache);
            if (tokens.aToken == address(0)) continue; // not an Aave reserve
            unvisited &= ~(uint256(3) << (uint256(tokens.id) * 2));
            (uint256 s, uint256 d) = _valueReserve(oracle, tokens, asset, vaultAsset);
            supplied += s;
            debt += d;
        }
        // Reserves outside the substrates that hold collateral or debt (rare: one more call each).
        for (uint256 id; unvisited != 0; ++id) {
            if ((unvisited >> (id * 2)) & 3 == 0) continue;
            unvisited &= ~(uint256(3) << (id * 2));
            address asset = pool.getReserveAddressById(uint16(id)); // safe cast: the bitmap holds 128 ids
            ReserveTokens memory tokens = reserveTokens(pool, asset, writeCache);
            (uint256 s, uint256 d) = _valueReserve(oracle, tokens, asset, vaultAsset);
            supplied += s;
            debt += d;
        }
        equity = supplied > debt ? supplied - debt : 0;
    }

    /// @dev `asset`'s aToken, variable-debt token and reserve id on `pool`, looked up once (`getReserveData` is
    /// the costliest call of a valuation) and cached when `writeCache`. Safe to cache: Aave V3 never changes a
    /// listed reserve's token addresses or id (tokens are proxies; a reserve can only be dropped with no supply
    /// and no debt left). `aToken` zero: not listed (looked up again next time).
    function reserveTokens(IAaveV3Pool pool, address asset, bool writeCache)
        internal
        returns (ReserveTokens memory tokens)
    {
        Layout storage $;
        assembly {
            $.slot := SLOT
        }
        tokens = $.reserveTokens[address(pool)][asset];
        if (tokens.aToken != address(0)) return tokens;
        AaveV3ReserveData memory reserve = pool.getReserveData(asset);
        if (reserve.aTokenAddress == address(0)) return tokens;
        tokens = ReserveTokens(reserve.aTokenAddress, reserve.id, reserve.variableDebtTokenAddress);
        if (writeCache) $.reserveTokens[address(pool)][asset] = tokens;
    }

    function _valueReserve(IPriceOracleMiddleware oracle, ReserveTokens memory tokens, address asset, address vaultAsset)
        private
        view
        returns (uint256 supplied, uint256 debt)
    {
        uint256 aTokens = IERC20(tokens.aToken).balanceOf(address(this));
        uint256 owed = IERC20(tokens.variableDebtToken).balanceOf(address(this));
        if (aTokens != 0) supplied = oracle.quote(asset, aTokens, vaultAsset);
        if (owed != 0) {
            debt = oracle.quote(asset, owed, vaultAsset);
            if (asset != vaultAsset) debt += 1; // the conversion rounds down: debt is never under-counted
        }
    }
}
