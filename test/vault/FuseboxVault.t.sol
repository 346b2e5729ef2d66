// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {IAccessManager} from "@openzeppelin/contracts/access/manager/IAccessManager.sol";

import {IFuseboxVault, IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {TestSupplyWriterFuse} from "../../contracts/test/TestVaultFuses.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Fuzz tests of the vault's core properties: share accounting, the inflation defence, execution
/// access, share-supply protection, redemptions while paused, timelocks.
contract FuseboxVaultFuzzTest is VaultTestBase {
    address internal constant SEEDER = address(0x5EED);
    address internal constant USER = address(0xB0B);
    address internal constant ATTACKER = address(0xBAD);
    address internal constant VICTIM = address(0xF00D);

    function setUp() public {
        _deployStack();
    }

    /// Deposit -> redeem never returns more than was paid, whatever the vault's state: existing depositors, assets
    /// in a market, donations to the vault and to the market (recognised or not yet), an odd NAV.
    function testFuzz_depositRedeemRoundTripNeverProfits(
        uint64 seed,
        uint64 supplied,
        uint64 donationToVault,
        uint64 donationToMarket,
        uint64 amount,
        bool refreshFirst
    ) public {
        seed = uint64(bound(seed, 1, 1e9 * ONE));
        _deposit(SEEDER, seed);
        supplied = uint64(bound(supplied, 0, (uint256(seed) * 5) / 10));
        if (supplied != 0) {
            VM.prank(ALPHA);
            vault.execute(_supply(supplied));
        }
        usdc.mint(address(vault), donationToVault);
        usdc.mint(address(target), donationToMarket);
        if (refreshFirst) {
            VM.prank(ALPHA);
            vault.refreshAllMarketBalances();
        }

        amount = uint64(bound(amount, 1, type(uint64).max));
        usdc.mint(USER, amount);
        VM.startPrank(USER);
        usdc.approve(address(vault), amount);
        if (vault.previewDeposit(amount) == 0) {
            VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, amount, 0));
            vault.deposit(amount, USER);
            VM.stopPrank();
            return;
        }
        uint256 shares = vault.deposit(amount, USER);
        uint256 out = vault.redeem(shares, USER, USER);
        VM.stopPrank();
        assertLe(out, amount, "round trip profit");
    }

    /// Mint -> withdraw: the assets paid for the shares cover the assets taken out for them.
    function testFuzz_mintWithdrawRoundTripNeverProfits(uint64 seed, uint64 donation, uint64 shares) public {
        seed = uint64(bound(seed, 1, 1e9 * ONE));
        _deposit(SEEDER, seed);
        usdc.mint(address(vault), donation);
        shares = uint64(bound(shares, 1, type(uint64).max));
        usdc.mint(USER, type(uint128).max);
        VM.startPrank(USER);
        usdc.approve(address(vault), type(uint256).max);
        uint256 paid = vault.mint(shares, USER);
        uint256 worth = vault.previewRedeem(shares);
        if (worth != 0) {
            uint256 burnt = vault.withdraw(worth, USER, USER);
            assertLe(burnt, shares, "withdraw of the shares' worth burnt more than the shares");
        }
        VM.stopPrank();
        assertLe(worth, paid, "mint/withdraw profit");
    }

    /// The inflation attack: the attacker deposits 1 wei, donates, the victim deposits. With the 6-decimal offset the
    /// victim loses at most donation / 1e6 + 2 wei, and the attacker never profits.
    function testFuzz_inflationAttackIsBounded(uint64 donation, uint64 victimAssets) public {
        donation = uint64(bound(donation, 1, 1e12 * ONE));
        victimAssets = uint64(bound(victimAssets, 1, 1e12 * ONE));
        uint256 attackerPaid = 1 + uint256(donation);
        _deposit(ATTACKER, 1);
        usdc.mint(address(vault), donation);
        // Shares the victim would get, computed here: assets × (supply + 10^6) / (total assets + 1), rounded down.
        uint256 victimShares = uint256(victimAssets) * (vault.totalSupply() + 1e6) / (1 + uint256(donation) + 1);
        if (victimShares == 0) {
            // A deposit that would mint nothing is refused: the victim keeps everything.
            usdc.mint(VICTIM, victimAssets);
            VM.startPrank(VICTIM);
            usdc.approve(address(vault), victimAssets);
            VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, victimAssets, 0));
            vault.deposit(victimAssets, VICTIM);
            VM.stopPrank();
            assertLe(_redeemAll(ATTACKER), attackerPaid, "attacker profit");
            return;
        }
        assertEq(_deposit(VICTIM, victimAssets), victimShares, "victim shares");

        uint256 victimOut = _redeemAll(VICTIM);
        uint256 attackerOut = _redeemAll(ATTACKER);
        uint256 victimLoss = victimAssets > victimOut ? victimAssets - victimOut : 0;
        assertLe(victimLoss, uint256(donation) / 1e6 + 2, "victim loss above bound");
        assertLe(attackerOut, attackerPaid, "attacker profit");
    }

    /// Only the alpha may execute.
    function testFuzz_onlyAlphaExecutes(address caller) public {
        VM.assume(caller != ALPHA && caller != address(0));
        VM.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, caller));
        VM.prank(caller);
        vault.execute(_supply(1));
    }

    /// Only allowlisted fuses run.
    function testFuzz_onlyAllowlistedFusesRun(address fuse, bytes calldata data) public {
        VM.assume(fuse != address(supplyFuse) && fuse != address(levFuse) && fuse != address(writerFuse));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.FuseNotAllowed.selector, fuse));
        VM.prank(ALPHA);
        vault.execute(_one(fuse, data));
    }

    /// A fuse that writes the share supply slot is refused, whatever it writes; a no-op batch keeps the supply.
    function testFuzz_executeCannotChangeShareSupply(uint256 newSupply, uint64 deposited) public {
        _deposit(USER, bound(deposited, 1, 1e12 * ONE));
        uint256 supply = vault.totalSupply();
        // The test fuse's slot really is the OpenZeppelin ERC20 `_totalSupply` slot.
        assertEq(
            uint256(VM.load(address(vault), bytes32(0x52c63247e1f47db19d5ce0460030c497f067ca4cebf71ba98eeadabe20bace02))),
            supply,
            "totalSupply slot"
        );
        VM.assume(newSupply != supply);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ShareSupplyChanged.selector, supply, newSupply));
        VM.prank(ALPHA);
        vault.execute(_one(address(writerFuse), abi.encodeCall(TestSupplyWriterFuse.writeTotalSupply, (newSupply))));

        VM.prank(ALPHA);
        vault.execute(_one(address(writerFuse), abi.encodeCall(TestSupplyWriterFuse.noop, ())));
        assertEq(vault.totalSupply(), supply, "supply after no-op");
    }

    /// A paused vault still redeems, from idle and through instant withdrawal, at the same price.
    function testFuzz_pausedVaultStillRedeems(uint64 deposited, uint64 supplied, uint256 fraction) public {
        deposited = uint64(bound(deposited, ONE, 1e12 * ONE));
        _deposit(USER, deposited);
        supplied = uint64(bound(supplied, 0, (uint256(deposited) * 6) / 10));
        if (supplied != 0) {
            VM.prank(ALPHA);
            vault.execute(_supply(supplied));
        }
        VM.prank(GUARDIAN);
        vault.pause();
        uint256 shares = bound(fraction, 1, vault.balanceOf(USER));
        uint256 expected = vault.previewRedeem(shares);
        VM.prank(USER);
        uint256 out = vault.redeem(shares, USER, USER);
        assertEq(out, expected, "paused redeem");
        assertEq(usdc.balanceOf(USER), out, "received");
    }

    /// A delayed configuration change cannot apply before its delay, and applies after.
    function testFuzz_timelockedChangeCannotApplyEarly(uint32 delay, uint32 waited) public {
        delay = uint32(bound(delay, 1, 30 days));
        waited = uint32(bound(waited, 0, delay - 1));
        address atomist = address(0xA7);
        manager.grantRole(Roles.ATOMIST, atomist, delay);
        bytes memory data = abi.encodeCall(IFuseboxVaultModule.setIdleBufferBps, (2_500));

        VM.prank(atomist);
        (bytes32 opId,) = manager.schedule(address(vault), data, 0);
        uint256 start = block.timestamp;
        VM.warp(start + waited);
        VM.expectRevert(abi.encodeWithSelector(IAccessManager.AccessManagerNotReady.selector, opId));
        VM.prank(atomist);
        manager.execute(address(vault), data);
        assertEq(vault.idleBufferBps(), 1_000, "applied early");

        VM.warp(start + delay);
        VM.prank(atomist);
        manager.execute(address(vault), data);
        assertEq(vault.idleBufferBps(), 2_500, "not applied after delay");
    }

    uint256 private _balanceBefore;
    uint256 private _leverageBefore;
    uint256 private _idleBefore;

    /// One random batch on the leveraged market, after a random PnL: if it succeeds, every guardrail holds or the
    /// batch made the breached measure no worse (and, paused, it raised neither leverage nor unlevered capital).
    function testFuzz_guardrailsHoldOrNoWorseAfterExecute(
        uint64 deposited,
        uint64 margin,
        uint64 notional,
        uint64 pnl,
        uint64 newMargin,
        uint64 newNotional,
        bool paused
    ) public {
        deposited = uint64(bound(deposited, ONE, 1e12 * ONE));
        _openLeveraged(deposited, margin, notional, pnl);
        if (paused) {
            VM.prank(GUARDIAN);
            vault.pause();
        }
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
        _balanceBefore = vault.getMarket(MLEV).balance;
        _leverageBefore = _leverage(vault.getMarket(MLEV).grossNotional, _balanceBefore);
        _idleBefore = usdc.balanceOf(address(vault));

        _notionalBefore = vault.getMarket(MLEV).grossNotional;
        FuseAction[] memory batch = _randomBatch(newMargin, bound(newNotional, 0, uint256(deposited) * 5));
        VM.prank(ALPHA);
        try vault.execute(batch) {
            _checkGuardrails(paused);
        } catch (bytes memory reason) {
            // Only a named guardrail may refuse this batch (every amount is within what the vault holds).
            bytes4 selector = bytes4(reason);
            if (
                selector != ErrorsLib.MarketCapExceeded.selector && selector != ErrorsLib.LeverageLimitExceeded.selector
                    && selector != ErrorsLib.IdleBufferBreached.selector
                    && selector != ErrorsLib.RiskIncreaseWhilePaused.selector
            ) revert AssertionFailed("refused by something other than a guardrail", uint32(selector), reason.length);
        }
    }

    uint256 private _notionalBefore;

    function _openLeveraged(uint256 deposited, uint256 margin, uint256 notional, uint256 pnl) private {
        _deposit(USER, deposited);
        margin = bound(margin, 1, deposited / 2);
        notional = bound(notional, 0, margin * 3);
        FuseAction[] memory open = new FuseAction[](2);
        open[0] = _addMargin(margin)[0];
        open[1] = _setNotional(notional)[0];
        VM.prank(ALPHA);
        vault.execute(open);
        // PnL in [-margin, +margin]; a gain is funded so the venue can pay it out.
        int256 signedPnl = int256(bound(pnl, 0, margin * 2)) - int256(margin);
        if (signedPnl > 0) usdc.mint(address(venue), uint256(signedPnl));
        venue.applyPnl(address(vault), signedPnl);
    }

    function _randomBatch(uint256 newMargin, uint256 newNotional) private view returns (FuseAction[] memory batch) {
        uint256 curMargin = venue.margin(address(vault));
        newMargin = bound(newMargin, 0, curMargin + _idleBefore);
        batch = new FuseAction[](2);
        batch[0] = newMargin >= curMargin ? _addMargin(newMargin - curMargin)[0] : _removeMargin(curMargin - newMargin)[0];
        batch[1] = _setNotional(newNotional)[0];
    }

    function _checkGuardrails(bool paused) private view {
        uint256 balance = vault.getMarket(MLEV).balance;
        uint256 leverage = _leverage(vault.getMarket(MLEV).grossNotional, balance);
        uint256 idle = usdc.balanceOf(address(vault));
        uint256 totalAssets = vault.totalAssets();
        assertTrue(balance <= (totalAssets * 5_000) / 10_000 || balance <= _balanceBefore, "cap");
        uint256 notional = vault.getMarket(MLEV).grossNotional;
        assertTrue(leverage <= 3 * WAD || (leverage <= _leverageBefore && notional <= _notionalBefore), "leverage");
        assertTrue(idle * 10_000 >= totalAssets * 1_000 || idle >= _idleBefore, "buffer");
        if (paused) {
            assertLe(notional, _notionalBefore, "paused notional");
            assertTrue(balance <= _balanceBefore || leverage < _leverageBefore, "paused capital");
        }
    }

    function _leverage(uint256 notional, uint256 equity) internal pure returns (uint256) {
        if (notional == 0) return 0;
        if (equity == 0) return type(uint256).max;
        return (notional * WAD + equity - 1) / equity;
    }
}
