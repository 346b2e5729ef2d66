// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {IExposureFuse} from "../../contracts/interfaces/IExposureFuse.sol";
import {PerpBalanceFuseBase} from "./PerpBalanceFuseBase.sol";
import {PerpV2Adapter} from "./PerpV2Adapter.sol";

/// @title PerpV2BalanceFuse
/// @notice PerpBalanceFuseBase on Perpetual Protocol v2: equity = Perp `Vault.getAccountValue` (collateral +
/// realised and unrealised PnL + pending funding, floored at zero), gross notional =
/// `AccountBalance.getTotalAbsPositionValue`, both in the settlement token (USDC, 6 decimals). Reverts when the
/// index feed of a held market has timed out.
/// @notice Exposure (IExposureFuse): Perp's base tokens are virtual (vETH), so the fuse is told at deployment which
/// spot asset each base token tracks (vETH → WETH); the vault's net-delta band then nets the short against the
/// spot and credit legs held in that asset.
contract PerpV2BalanceFuse is PerpBalanceFuseBase, PerpV2Adapter, IExposureFuse {
    /// @notice At most this many base tokens carry an underlying (immutables: no storage read in the vault).
    uint256 public constant MAX_UNDERLYINGS = 4;

    /// @notice More base-token → underlying pairs than `MAX_UNDERLYINGS`, or lists of different lengths.
    error PerpV2UnderlyingsInvalid(uint256 baseTokens, uint256 underlyings);
    /// @notice The vault holds a position in `baseToken`, whose underlying this fuse was not given: its exposure
    /// cannot be named (the report fails and the vault announces it).
    error PerpV2NoUnderlying(address baseToken);

    uint256 internal immutable UNDERLYING_COUNT;
    address internal immutable BASE_0;
    address internal immutable BASE_1;
    address internal immutable BASE_2;
    address internal immutable BASE_3;
    address internal immutable UNDERLYING_0;
    address internal immutable UNDERLYING_1;
    address internal immutable UNDERLYING_2;
    address internal immutable UNDERLYING_3;

    /// @param baseTokens Perp v2 base tokens (vETH, ...) whose exposure is reported, each as `underlyings[i]`
    /// (WETH, ...). Empty lists: the market reports no exposure (a held position makes the report fail).
    constructor(uint256 marketId, address clearingHouse, address[] memory baseTokens, address[] memory underlyings)
        PerpBalanceFuseBase(marketId)
        PerpV2Adapter(clearingHouse)
    {
        uint256 n = baseTokens.length;
        if (n != underlyings.length || n > MAX_UNDERLYINGS) revert PerpV2UnderlyingsInvalid(n, underlyings.length);
        address[MAX_UNDERLYINGS] memory b;
        address[MAX_UNDERLYINGS] memory u;
        for (uint256 i; i < n; ++i) {
            if (baseTokens[i] == address(0) || underlyings[i] == address(0)) revert PerpV2UnderlyingsInvalid(n, n);
            b[i] = baseTokens[i];
            u[i] = underlyings[i];
        }
        UNDERLYING_COUNT = n;
        (BASE_0, BASE_1, BASE_2, BASE_3) = (b[0], b[1], b[2], b[3]);
        (UNDERLYING_0, UNDERLYING_1, UNDERLYING_2, UNDERLYING_3) = (u[0], u[1], u[2], u[3]);
    }

    /// @notice The spot asset `baseToken` is reported as (zero: none).
    function underlyingOf(address baseToken) public view returns (address) {
        if (baseToken == address(0)) return address(0);
        if (baseToken == BASE_0) return UNDERLYING_0;
        if (baseToken == BASE_1) return UNDERLYING_1;
        if (baseToken == BASE_2) return UNDERLYING_2;
        if (baseToken == BASE_3) return UNDERLYING_3;
        return address(0);
    }

    /// @inheritdoc IExposureFuse
    /// @dev Each base token the vault holds at Perp (taker position, 18 decimals: long +, short −), named by its
    /// underlying and converted to the underlying's decimals (rounded toward zero); base tokens on one underlying
    /// are summed.
    function exposures() external view returns (address[] memory assets, int256[] memory amounts) {
        address[] memory held = ACCOUNT_BALANCE.getBaseTokens(address(this));
        assets = new address[](held.length);
        amounts = new int256[](held.length);
        uint256 count;
        for (uint256 i; i < held.length; ++i) {
            int256 size = ACCOUNT_BALANCE.getTakerPositionSize(address(this), held[i]);
            if (size == 0) continue;
            address underlying = underlyingOf(held[i]);
            if (underlying == address(0)) revert PerpV2NoUnderlying(held[i]);
            uint8 decimals = IERC20Metadata(underlying).decimals();
            int256 amount = decimals >= 18 ? size * int256(10 ** (decimals - 18)) : size / int256(10 ** (18 - decimals));
            uint256 k;
            while (k < count && assets[k] != underlying) ++k;
            if (k == count) (assets[count], count) = (underlying, count + 1);
            amounts[k] += amount;
        }
        assembly ("memory-safe") {
            mstore(assets, count)
            mstore(amounts, count)
        }
    }
}
