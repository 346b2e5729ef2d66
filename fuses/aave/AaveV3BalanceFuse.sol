// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {AaveV3AccountLib} from "./AaveV3AccountLib.sol";
import {IAaveV3Pool} from "./IAaveV3Pool.sol";

/// @title AaveV3BalanceFuse
/// @notice Values the vault's WHOLE account on one Aave V3 pool (AaveV3AccountLib): every reserve where the
/// vault has collateral or debt, substrate or not. equity = Σ aToken value − Σ variable debt value, at the
/// vault's price oracle middleware (a stale or missing price reverts), floored at zero for the account as a
/// whole; gross notional = Σ supplied value, so the leverage guardrail reads total supplied / equity (1x for a
/// plain supply); debt = Σ debt value, so the vault refuses to remove the market while any is open.
/// @dev Key: `account(pool)`: one market per pool account. aToken and debt-token balances include interest
/// accrued up to this block. Stable-rate debt is not counted: the fuses never open it and nobody else can open
/// it for the vault (it grants no credit delegation).
contract AaveV3BalanceFuse is IBalanceFuse {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    IAaveV3Pool public immutable POOL;

    constructor(uint256 marketId, address pool) {
        MARKET_ID = marketId;
        POOL = IAaveV3Pool(pool);
    }

    /// @inheritdoc IBalanceFuse
    /// @dev Caches each reserve's token addresses in the vault's storage (AaveV3AccountLib's ERC-7201 namespace):
    /// a valuation costs one `getUserConfiguration` call plus two balance reads per reserve held.
    function marketValuation() external returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        return AaveV3AccountLib.valueAccount(POOL, MARKET_ID, true);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(POOL)));
    }
}
