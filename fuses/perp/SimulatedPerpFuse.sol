// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {PerpFuseBase} from "./PerpFuseBase.sol";
import {SimulatedPerpAdapter} from "./SimulatedPerpAdapter.sol";

/// @title SimulatedPerpFuse
/// @notice PerpFuseBase on the SIMULATION-ONLY SimulatedPerpVenue (replays and tests; never deployed to a real
/// network by the scripts). Trades fill at the venue's mark price, so the slippage bounds are checked here
/// against that price: the base size for an increase, the quote value for a reduction or a close.
/// @dev Substrates: the venue market addresses the vault may trade.
contract SimulatedPerpFuse is PerpFuseBase, SimulatedPerpAdapter {
    using SafeERC20 for IERC20;

    constructor(uint256 marketId, address venue) PerpFuseBase(marketId) SimulatedPerpAdapter(venue) {}

    function _venueDeposit(uint256 amount) internal override {
        IERC20(SETTLEMENT_TOKEN).forceApprove(address(VENUE), amount);
        VENUE.deposit(amount);
    }

    function _venueWithdraw(uint256 amount) internal override {
        VENUE.withdraw(amount);
    }

    function _venueIncrease(address market, bool isLong, uint256 quoteAmount, uint256 baseAmountBound)
        internal
        override
        returns (uint256 base, uint256 quote)
    {
        base = quoteAmount * 1e18 / VENUE.markPrice(market);
        if (baseAmountBound != 0 && (isLong ? base < baseAmountBound : base > baseAmountBound)) {
            revert PerpSlippageExceeded(market, baseAmountBound, base);
        }
        quote = VENUE.trade(market, isLong ? int256(base) : -int256(base));
    }

    function _venueReduce(address market, bool isLong, uint256 baseAmount, uint256 quoteAmountBound)
        internal
        override
        returns (uint256 base, uint256 quote)
    {
        return _tradeBack(market, isLong, baseAmount, quoteAmountBound);
    }

    function _venueClose(address market, bool isLong, uint256 quoteAmountBound)
        internal
        override
        returns (uint256 base, uint256 quote)
    {
        return _tradeBack(market, isLong, SignedMath.abs(VENUE.positionSize(address(this), market)), quoteAmountBound);
    }

    function _venuePositionSize(address market) internal view override returns (int256) {
        return VENUE.positionSize(address(this), market);
    }

    function _venueFreeCollateral() internal view override returns (uint256) {
        return VENUE.freeCollateral(address(this));
    }

    /// @dev Trade `base` against the position's side; a long sells (quote ≥ bound), a short buys (quote ≤ bound).
    function _tradeBack(address market, bool isLong, uint256 base, uint256 quoteAmountBound)
        private
        returns (uint256, uint256 quote)
    {
        quote = VENUE.trade(market, isLong ? -int256(base) : int256(base));
        if (quoteAmountBound != 0 && (isLong ? quote < quoteAmountBound : quote > quoteAmountBound)) {
            revert PerpSlippageExceeded(market, quoteAmountBound, quote);
        }
        return (base, quote);
    }
}
