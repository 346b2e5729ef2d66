// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {PerpFuseBase} from "./PerpFuseBase.sol";
import {IPerpClearingHouse, PerpV2Adapter} from "./PerpV2Adapter.sol";

/// @title PerpV2Fuse
/// @notice PerpFuseBase on Perpetual Protocol v2 (Curie): margin through Perp's Vault in its settlement token
/// (the vault's asset, USDC), trades through `ClearingHouse.openPosition` / `closePosition`, whose own slippage
/// check (`oppositeAmountBound`, 0 = none) enforces the bounds. Run by delegatecall from the vault.
/// @dev Substrates: Perp BaseToken addresses (vETH, ...). Constructor: (marketId, ClearingHouse); Perp's Vault,
/// AccountBalance and settlement token are read from it. The trade deadline is the current block: a batch
/// executes atomically, so there is nothing to wait for.
contract PerpV2Fuse is PerpFuseBase, PerpV2Adapter {
    using SafeERC20 for IERC20;

    constructor(uint256 marketId, address clearingHouse) PerpFuseBase(marketId) PerpV2Adapter(clearingHouse) {}

    function _venueDeposit(uint256 amount) internal override {
        IERC20(SETTLEMENT_TOKEN).forceApprove(address(PERP_VAULT), amount);
        PERP_VAULT.deposit(SETTLEMENT_TOKEN, amount);
    }

    function _venueWithdraw(uint256 amount) internal override {
        PERP_VAULT.withdraw(SETTLEMENT_TOKEN, amount);
    }

    /// @dev Long: exact quote in, at least `baseAmountBound` base out. Short: exact quote out, at most
    /// `baseAmountBound` base in.
    function _venueIncrease(address market, bool isLong, uint256 quoteAmount, uint256 baseAmountBound)
        internal
        override
        returns (uint256, uint256)
    {
        return _open(market, !isLong, isLong, quoteAmount, baseAmountBound);
    }

    /// @dev Reducing a long sells exact base (at least `quoteAmountBound` quote out); reducing a short buys exact
    /// base (at most `quoteAmountBound` quote in).
    function _venueReduce(address market, bool isLong, uint256 baseAmount, uint256 quoteAmountBound)
        internal
        override
        returns (uint256, uint256)
    {
        return _open(market, isLong, isLong, baseAmount, quoteAmountBound);
    }

    function _venueClose(address market, bool, uint256 quoteAmountBound) internal override returns (uint256, uint256) {
        return CLEARING_HOUSE.closePosition(
            IPerpClearingHouse.ClosePositionParams({
                baseToken: market,
                sqrtPriceLimitX96: 0,
                oppositeAmountBound: quoteAmountBound,
                deadline: block.timestamp,
                referralCode: bytes32(0)
            })
        );
    }

    function _venuePositionSize(address market) internal view override returns (int256) {
        return ACCOUNT_BALANCE.getTakerPositionSize(address(this), market);
    }

    function _venueFreeCollateral() internal view override returns (uint256) {
        return PERP_VAULT.getFreeCollateral(address(this));
    }

    function _open(address market, bool isBaseToQuote, bool isExactInput, uint256 amount, uint256 bound)
        private
        returns (uint256, uint256)
    {
        return CLEARING_HOUSE.openPosition(
            IPerpClearingHouse.OpenPositionParams({
                baseToken: market,
                isBaseToQuote: isBaseToQuote,
                isExactInput: isExactInput,
                amount: amount,
                oppositeAmountBound: bound,
                deadline: block.timestamp,
                sqrtPriceLimitX96: 0,
                referralCode: bytes32(0)
            })
        );
    }
}
