// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title GuardrailLib
/// @notice The guardrail arithmetic, kept apart so it can be read (and fuzzed) on its own.
/// Rounding always favours the guardrail: limits round down, attempted values round up.
library GuardrailLib {
    uint256 internal constant BPS = 10_000;
    uint256 internal constant WAD = 1e18;
    /// @notice The idle buffer a new vault starts with: 10% of total assets.
    uint16 internal constant DEFAULT_IDLE_BUFFER_BPS = 1_000;
    /// @notice The most markets a vault may have: bounds every loop over markets.
    uint256 internal constant MAX_MARKETS = 32;
    /// @notice What one instant-withdraw pull may cost in rounding (asset units): `maxWithdraw` leaves that much
    /// room per fuse so `withdraw(maxWithdraw(owner))` can pay for its pull.
    uint256 internal constant PULL_ROUNDING_ALLOWANCE = 2;
    /// @notice And on top, this many basis points of what must be pulled: a market's unit of account can be coarse
    /// (an ERC-4626 target burns whole shares, rounded up), and the pull's cost is charged to the redeemer.
    uint256 internal constant PULL_COST_ALLOWANCE_BPS = 1;

    /// @notice The most a market may hold: `capBps` of `totalAssets`, and at most `capAssets` when that is set.
    function marketCapDown(uint256 totalAssets, uint256 capBps, uint256 capAssets) internal pure returns (uint256 cap) {
        cap = Math.mulDiv(totalAssets, capBps, BPS);
        if (capAssets != 0 && capAssets < cap) cap = capAssets;
    }

    /// @notice Whether `next` is no looser than `current` for an optional limit where 0 means "none": from none,
    /// any value (none included) is; from a limit, only a non-zero value at or below it. The guardian's lowerings of
    /// market and group limits share this rule.
    function optionalLimitNotRaised(uint256 current, uint256 next) internal pure returns (bool) {
        return current == 0 || (next != 0 && next <= current);
    }

    /// @notice Gross notional over equity, 1e18 = 1x. Any notional on zero equity is unbounded leverage.
    function leverageWadUp(uint256 grossNotional, uint256 equity) internal pure returns (uint256) {
        if (grossNotional == 0) return 0;
        if (equity == 0) return type(uint256).max;
        return Math.mulDiv(grossNotional, WAD, equity, Math.Rounding.Ceil);
    }

    /// @notice The idle assets the buffer requires: `idleBufferBps` of `totalAssets`, rounded up.
    function requiredIdleUp(uint256 totalAssets, uint256 idleBufferBps) internal pure returns (uint256) {
        return Math.mulDiv(totalAssets, idleBufferBps, BPS, Math.Rounding.Ceil);
    }
}
