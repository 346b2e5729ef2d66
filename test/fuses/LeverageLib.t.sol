// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LeverageLib} from "../../fuses/shared/LeverageLib.sol";

/// @notice Fuzz test of the credit fuses' instant-withdrawal leverage bound: the amount it allows keeps supplied /
/// equity within the limit, and one unit more would not (it is the largest such amount), checked by direct
/// cross-multiplication rather than by the formula under test.
contract LeverageLibTest {
    uint256 private constant WAD = 1e18;

    function _bound(uint256 x, uint256 lo, uint256 hi) private pure returns (uint256) {
        return lo + (x % (hi - lo + 1));
    }

    /// (S − w) · WAD ≤ L · (E − w), the vault's leverage check after a withdrawal of w (equity and supplied both
    /// lower by w).
    function _within(uint256 supplied, uint256 equity, uint256 w, uint256 maxLeverageWad) private pure returns (bool) {
        if (w > equity) return false;
        return (supplied - w) * WAD <= maxLeverageWad * (equity - w);
    }

    function testFuzz_maxWithdrawIsTheLargestWithinTheLimit(uint256 equity, uint256 debt, uint256 maxLeverageWad)
        public
        pure
    {
        equity = _bound(equity, 1, 1e30);
        debt = _bound(debt, 1, 1e30);
        maxLeverageWad = _bound(maxLeverageWad, 0, 100 * WAD);
        uint256 supplied = equity + debt;
        uint256 w = LeverageLib.maxWithdrawWithinLeverage(equity, supplied, debt, maxLeverageWad);
        if (!_within(supplied, equity, 0, maxLeverageWad)) {
            require(w == 0, "over the limit already: nothing may leave");
            return;
        }
        require(_within(supplied, equity, w, maxLeverageWad), "allowed amount breaks the limit");
        require(!_within(supplied, equity, w + 1, maxLeverageWad), "one more unit would still fit: not the largest");
    }

    function testFuzz_noDebtNoBound(uint256 equity, uint256 maxLeverageWad) public pure {
        equity = _bound(equity, 0, 1e30);
        maxLeverageWad = _bound(maxLeverageWad, 0, 100 * WAD);
        uint256 w = LeverageLib.maxWithdrawWithinLeverage(equity, equity, 0, maxLeverageWad);
        require(w == type(uint256).max, "without debt leverage stays at 1x: no bound");
    }

    function test_examples() public pure {
        // Supplied 8,000, debt 4,000 (2x), limit 3x: (3 × 4,000 − 8,000) / 2 = 2,000.
        require(LeverageLib.maxWithdrawWithinLeverage(4_000e6, 8_000e6, 4_000e6, 3 * WAD) == 2_000e6, "2,000");
        // At 1x with debt open nothing may leave; over the limit (4x at 3x) nothing either.
        require(LeverageLib.maxWithdrawWithinLeverage(4_000e6, 8_000e6, 4_000e6, WAD) == 0, "1x");
        require(LeverageLib.maxWithdrawWithinLeverage(1_000e6, 4_000e6, 3_000e6, 3 * WAD) == 0, "over");
    }
}
