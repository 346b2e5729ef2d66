// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {IPriceOracleMiddleware} from "../../contracts/interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {AaveV3ReserveData, IAaveV3Pool} from "./IAaveV3Pool.sol";

/// @title AaveV3BalanceFuse
/// @notice Values the vault's Aave V3 position over its market's reserve assets (the substrates):
/// equity = Σ aToken balances − Σ variable debt balances, each converted to the vault's asset through the vault's
/// price oracle middleware (a stale or missing price reverts), floored at zero; gross notional = Σ supplied value,
/// so the vault's leverage guardrail reads total supplied / equity (1x for a plain supply).
/// @dev aToken and debt-token balances include interest accrued up to this block. Each conversion rounds down
/// (debt by at most one unit of the vault's asset per reserve). Stable-rate debt is not counted: the fuses never
/// open it and nobody else can open it for the vault (it grants no credit delegation).
contract AaveV3BalanceFuse is IBalanceFuse {
    /// @notice Token addresses of one reserve, cached in the vault's storage by the first valuation.
    struct ReserveTokens {
        address aToken;
        address variableDebtToken;
    }

    /// @custom:storage-location erc7201:fusebox.storage.AaveV3
    struct AaveV3Layout {
        mapping(address pool => mapping(address asset => ReserveTokens)) reserveTokens;
    }

    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.AaveV3")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant AAVE_V3_SLOT = 0x703cbfa5f8c7eae56b768a0abab276554aab9c11dcf43d782382ab9e5f495b00;

    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    IAaveV3Pool public immutable POOL;

    constructor(uint256 marketId, address pool) {
        MARKET_ID = marketId;
        POOL = IAaveV3Pool(pool);
    }

    /// @inheritdoc IBalanceFuse
    /// @dev Each reserve's aToken and variable-debt token are looked up once (`getReserveData` is the costliest
    /// call of a valuation) and cached in the vault's storage under this fuse family's ERC-7201 namespace. Safe
    /// to cache: Aave V3 never changes a listed reserve's token addresses (they are proxies; upgrades keep the
    /// address), and a reserve can only be dropped with no supply and no debt left.
    function marketValuation() external returns (uint256 equity, uint256 grossNotional) {
        bytes32[] storage assets = FuseboxStorageLib.substrates().list[MARKET_ID];
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        address vaultAsset = IERC4626(address(this)).asset();
        uint256 debtValue;
        for (uint256 i; i < assets.length; ++i) {
            address asset = address(uint160(uint256(assets[i])));
            ReserveTokens memory tokens = _reserveTokens(asset);
            if (tokens.aToken == address(0)) continue; // not an Aave reserve
            uint256 supplied = IERC20(tokens.aToken).balanceOf(address(this));
            uint256 debt = IERC20(tokens.variableDebtToken).balanceOf(address(this));
            if (supplied != 0) grossNotional += oracle.quote(asset, supplied, vaultAsset);
            if (debt != 0) debtValue += oracle.quote(asset, debt, vaultAsset);
        }
        equity = grossNotional > debtValue ? grossNotional - debtValue : 0;
    }

    function _reserveTokens(address asset) private returns (ReserveTokens memory tokens) {
        AaveV3Layout storage $;
        assembly {
            $.slot := AAVE_V3_SLOT
        }
        tokens = $.reserveTokens[address(POOL)][asset];
        if (tokens.aToken != address(0)) return tokens;
        AaveV3ReserveData memory reserve = POOL.getReserveData(asset);
        if (reserve.aTokenAddress == address(0)) return tokens; // not listed (yet): look again next time
        tokens = ReserveTokens(reserve.aTokenAddress, reserve.variableDebtTokenAddress);
        $.reserveTokens[address(POOL)][asset] = tokens;
    }
}
