// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Share pricing on an odd NAV, every expected figure worked out here by integer arithmetic (virtual
/// shares 10^6, one virtual asset): deposit and redeem round down, mint and withdraw round up, and the running sum
/// of market balances replaces a market's old balance on every refresh.
contract VaultPricingTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deployStack();
        // 1,000 USDC for 1e15 shares, then a donation of 7 units: 1,000.000007 backs 1e15 shares.
        _deposit(ALICE, 1_000 * ONE);
        usdc.mint(address(vault), 7);
    }

    uint256 internal constant SUPPLY = 1_000 * ONE * 1e6; // + 1e6 virtual = 1_000_000_001_000_000
    uint256 internal constant TOTAL = 1_000 * ONE + 7; // + 1 virtual = 1_000_000_008

    function test_depositRoundsDown() public {
        assertEq(vault.totalSupply(), SUPPLY, "supply");
        // 3 * 1_000_000_001_000_000 / 1_000_000_008 = 2_999_999.979...: 2_999_999 shares.
        assertEq(_deposit(BOB, 3), 2_999_999, "deposit of 3 units");
    }

    function test_mintRoundsUp() public {
        usdc.mint(BOB, 10);
        VM.startPrank(BOB);
        usdc.approve(address(vault), 10);
        // 1e6 shares cost 1e6 * 1_000_000_008 / 1_000_000_001_000_000 = 1.000000007 units: 2 units.
        assertEq(vault.mint(1e6, BOB), 2, "mint of 1e6 shares");
        VM.stopPrank();
    }

    function test_withdrawRoundsUp() public {
        // 3 units cost 3 * 1_000_000_001_000_000 / 1_000_000_008 = 2_999_999.979... shares: 3_000_000 burnt.
        VM.prank(ALICE);
        assertEq(vault.withdraw(3, ALICE, ALICE), 3_000_000, "withdraw of 3 units");
    }

    function test_redeemRoundsDown() public {
        // 2_999_999 shares are worth 2_999_999 * 1_000_000_008 / 1_000_000_001_000_000 = 2.999999021 units: 2.
        VM.prank(ALICE);
        assertEq(vault.redeem(2_999_999, ALICE, ALICE), 2, "redeem just under 3 units");
        // Then 3_000_000 shares, on the state that redemption left (2 units and 2_999_999 shares fewer):
        // 3_000_000 * 1_000_000_006 / 999_999_998_000_001 = 3.000000024 -> 3.
        VM.prank(ALICE);
        assertEq(vault.redeem(3_000_000, ALICE, ALICE), 3, "redeem of 3_000_000 shares");
    }

    /// Each refresh replaces a market's cached balance in the running sum, never adds to it.
    function test_runningSumReplacesTheOldBalance() public {
        VM.startPrank(ALPHA);
        vault.execute(_supply(400 * ONE));
        vault.execute(_supply(100 * ONE));
        vault.execute(_unsupply(200 * ONE));
        vault.refreshAllMarketBalances();
        VM.stopPrank();
        assertEq(vault.totalMarketBalance(), 300 * ONE, "300 in the market");
        assertEq(vault.totalAssets(), 1_000 * ONE + 7, "the NAV did not move");
    }
}
