// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Regression (found by the invariant campaign; failed before the fix): `withdraw(maxWithdraw(owner))` reverted
/// (ERC20InsufficientBalance) when the instant-withdraw market is an ERC-4626 target whose share is worth more
/// than the 2-unit rounding allowance: the target rounds the shares it burns up to a whole share, the vault
/// charges that cost to the owner in extra shares, and an owner withdrawing everything has none left.
/// Found by the invariant campaign (a donation to the target, then withdraw(maxWithdraw)).
contract VaultBugsMaxWithdrawTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);

    function test_withdrawMaxWithdrawSucceedsOnACoarseTarget() public {
        _deployStack();
        _deposit(ALICE, 10_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(_supply(6_000 * ONE)); // 6,000e6 target shares
        usdc.mint(address(target), 60_000 * ONE + 7); // one target share now ~11 units
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
        uint256 maxAssets = vault.maxWithdraw(ALICE);
        VM.prank(ALICE);
        vault.withdraw(maxAssets, ALICE, ALICE); // ERC-4626: must not revert
    }

    /// @notice Regression (found by the invariant campaign after the exposure-book change altered its inputs; failed
    /// before the fix): the allowance above is one basis point of the pull, but a target share can be worth far more
    /// — here 100 shares hold a 1M donation, 10,000 USDC each — so `withdraw(assets)` on the target burnt a whole
    /// extra share's fraction, the vault charged it to the owner and `withdraw(maxWithdraw)` reverted again. The fuse
    /// now redeems the covering shares and receives all they are worth: the pull costs nothing, and the holder who
    /// stays is not charged either.
    function test_withdrawMaxWithdrawSucceedsWhenOneTargetShareIsWorthThousands() public {
        address bob = address(0xB0B);
        _deployStack();
        _deposit(bob, 1_000 * ONE);
        _deposit(ALICE, 10_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(_supply(100)); // 100 target shares
        usdc.mint(address(target), 1_000_000 * ONE); // each now worth ~10,000 USDC
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
        uint256 bobBefore = vault.convertToAssets(vault.balanceOf(bob));
        uint256 maxAssets = vault.maxWithdraw(ALICE);
        assertTrue(maxAssets > usdc.balanceOf(address(vault)), "the exit needs a pull");
        VM.prank(ALICE);
        vault.withdraw(maxAssets, ALICE, ALICE); // ERC-4626: must not revert
        assertLe(bobBefore, vault.convertToAssets(vault.balanceOf(bob)) + 1, "the stayer paid nothing for the pull");
    }
}
