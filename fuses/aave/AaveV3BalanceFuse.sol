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
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Aave V3 pool (proxy) whose position this fuse values.
    IAaveV3Pool public immutable POOL;

    constructor(uint256 marketId, address pool) {
        MARKET_ID = marketId;
        POOL = IAaveV3Pool(pool);
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional) {
        bytes32[] storage assets = FuseboxStorageLib.substrates().list[MARKET_ID];
        IPriceOracleMiddleware oracle = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle());
        address vaultAsset = IERC4626(address(this)).asset();
        uint256 debtValue;
        for (uint256 i; i < assets.length; ++i) {
            address asset = address(uint160(uint256(assets[i])));
            AaveV3ReserveData memory reserve = POOL.getReserveData(asset);
            if (reserve.aTokenAddress == address(0)) continue; // not (or no longer) an Aave reserve
            uint256 supplied = IERC20(reserve.aTokenAddress).balanceOf(address(this));
            uint256 debt = IERC20(reserve.variableDebtTokenAddress).balanceOf(address(this));
            if (supplied != 0) grossNotional += oracle.quote(asset, supplied, vaultAsset);
            if (debt != 0) debtValue += oracle.quote(asset, debt, vaultAsset);
        }
        equity = grossNotional > debtValue ? grossNotional - debtValue : 0;
    }
}
