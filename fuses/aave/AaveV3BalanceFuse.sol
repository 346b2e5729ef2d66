// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {IExposureFuse} from "../../contracts/interfaces/IExposureFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
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
contract AaveV3BalanceFuse is IBalanceFuse, IExposureFuse {
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

    /// @inheritdoc IExposureFuse
    /// @dev Per reserve of the account (substrates, then every reserve the pool's bitmap marks), supplied − owed in
    /// the reserve's own units: collateral +, debt −. Reserve ids the substrates visited are not repeated.
    function exposures() external returns (address[] memory assets, int256[] memory amounts) {
        uint256 unvisited = POOL.getUserConfiguration(address(this));
        bytes32[] storage substrates = FuseboxStorageLib.substrates().list[MARKET_ID];
        assets = new address[](substrates.length + 128);
        amounts = new int256[](substrates.length + 128);
        uint256 count;
        for (uint256 i; i < substrates.length; ++i) {
            address asset = address(uint160(uint256(substrates[i])));
            AaveV3AccountLib.ReserveTokens memory tokens = AaveV3AccountLib.reserveTokens(POOL, asset, true);
            if (tokens.aToken == address(0)) continue;
            unvisited &= ~(uint256(3) << (uint256(tokens.id) * 2));
            count = _report(assets, amounts, count, asset, tokens);
        }
        for (uint256 id; unvisited != 0; ++id) {
            if ((unvisited >> (id * 2)) & 3 == 0) continue;
            unvisited &= ~(uint256(3) << (id * 2));
            address asset = POOL.getReserveAddressById(uint16(id));
            count = _report(assets, amounts, count, asset, AaveV3AccountLib.reserveTokens(POOL, asset, true));
        }
        assembly ("memory-safe") {
            mstore(assets, count)
            mstore(amounts, count)
        }
    }

    function _report(
        address[] memory assets,
        int256[] memory amounts,
        uint256 count,
        address asset,
        AaveV3AccountLib.ReserveTokens memory tokens
    ) private view returns (uint256) {
        int256 net = SafeCast.toInt256(IERC20(tokens.aToken).balanceOf(address(this)))
            - SafeCast.toInt256(IERC20(tokens.variableDebtToken).balanceOf(address(this)));
        if (net == 0) return count;
        assets[count] = asset;
        amounts[count] = net;
        return count + 1;
    }
}
