// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {IAccessManager} from "@openzeppelin/contracts/access/manager/IAccessManager.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFuseboxVaultEconomics} from "../../contracts/interfaces/IFuseboxVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {TestLeveragedVenue} from "../../contracts/test/TestLeveragedVenue.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Fees and the ERC-7540 redeem queue. Expected figures are computed here with plain arithmetic from the
/// vault's state before the operation, never read back from the vault's own previews.
contract EconomicsTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA401);
    address internal constant RECIPIENT = address(0xFEE2);
    uint256 internal constant VIRTUAL = 1e6; // 10 ** decimals offset
    uint256 internal constant YEAR = 365 days;

    function setUp() public {
        _deployStack();
        VM.warp(1_000_000);
    }

    // ---------------------------------------------------------------- helpers

    function _feesOn(uint16 managementBps, uint16 performanceBps) internal {
        vault.setFeeRecipient(RECIPIENT);
        vault.setFees(managementBps, performanceBps);
    }

    /// Price per share as FeeLib defines it, computed here.
    function _pps() internal view returns (uint256) {
        return Math.mulDiv(vault.totalAssets() + 1, WAD, vault.totalSupply() + VIRTUAL);
    }

    function _refresh() internal {
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
    }

    function _hwm() internal view returns (uint256 hwm) {
        (,,, hwm,) = vault.feeState();
    }

    function _settle(address a) internal {
        address[] memory list = new address[](1);
        list[0] = a;
        VM.prank(ALPHA);
        vault.settleRedeemRequests(list);
    }

    function _list(address a, address b) internal pure returns (address[] memory list) {
        list = new address[](2);
        (list[0], list[1]) = (a, b);
    }

    function _request(address who, uint256 shares) internal {
        VM.prank(who);
        vault.requestRedeem(shares, who, who);
    }

    /// The recipient's fee shares valued at the vault's price, to compare with the fee owed.
    function _recipientValue() internal view returns (uint256) {
        return Math.mulDiv(vault.balanceOf(RECIPIENT), vault.totalAssets() + 1, vault.totalSupply() + VIRTUAL);
    }

    // ================================================================ FEES

    function test_feeConfigurationIsCappedAndNeedsARecipient() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidFeeRecipient.selector, address(0)));
        vault.setFees(100, 0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidFeeRecipient.selector, address(vault)));
        vault.setFeeRecipient(address(vault));
        vault.setFeeRecipient(RECIPIENT);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.FeeAboveCap.selector, 501, 500));
        vault.setFees(501, 0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.FeeAboveCap.selector, 5_001, 5_000));
        vault.setFees(0, 5_001);
        vault.setFees(500, 5_000);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidFeeRecipient.selector, address(0)));
        vault.setFeeRecipient(address(0));
        (uint256 m, uint256 p, address r,,) = vault.feeState();
        assertEq(m, 500, "management");
        assertEq(p, 5_000, "performance");
        assertTrue(r == RECIPIENT, "recipient");
    }

    function test_raisingWaitsOutTheDelayLoweringIsImmediate() public {
        _feesOn(200, 2_000);
        // The guardian cannot raise, nor call the atomist's setter.
        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, GUARDIAN));
        vault.setFees(300, 2_000);
        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotAFeeLowering.selector, 300, 1_000));
        vault.lowerFees(300, 1_000);
        VM.prank(GUARDIAN);
        vault.lowerFees(100, 1_000);
        (uint256 m, uint256 p,,,) = vault.feeState();
        assertEq(m, 100, "lowered management");
        assertEq(p, 1_000, "lowered performance");

        // An atomist with a one-day delay must schedule the raise and wait.
        address delayed = address(0xDE1A);
        manager.grantRole(Roles.ATOMIST, delayed, 1 days);
        bytes memory raise = abi.encodeCall(IFuseboxVaultEconomics.setFees, (300, 2_000));
        VM.prank(delayed);
        manager.schedule(address(vault), raise, 0);
        bytes32 operationId = manager.hashOperation(delayed, address(vault), raise);
        VM.prank(delayed);
        VM.expectRevert(abi.encodeWithSelector(IAccessManager.AccessManagerNotReady.selector, operationId));
        manager.execute(address(vault), raise);
        VM.warp(block.timestamp + 1 days);
        VM.prank(delayed);
        manager.execute(address(vault), raise);
        (m, p,,,) = vault.feeState();
        assertEq(m, 300, "raised after the delay");
        assertEq(p, 2_000, "raised after the delay");
    }

    /// Management fee = total assets × rate × elapsed / year, paid in shares worth at most that (never more).
    function test_managementFeeIsTimeTimesRate() public {
        _deposit(ALICE, 1_000_000 * ONE);
        _feesOn(200, 0);
        uint256 t0 = block.timestamp;
        VM.warp(t0 + 73 days);
        uint256 totalAssets = vault.totalAssets();
        _refresh();
        uint256 expected = totalAssets * 200 * 73 days / (10_000 * YEAR); // 4,000 USDC
        assertEq(expected, 4_000 * ONE, "expected fee");
        uint256 value = _recipientValue();
        assertLe(value, expected, "fee shares worth more than the fee");
        assertLe(expected - value, 2, "fee shares worth less than the fee beyond rounding");
        // A second accrual in the same block adds nothing.
        uint256 sharesBefore = vault.balanceOf(RECIPIENT);
        _refresh();
        assertEq(vault.balanceOf(RECIPIENT), sharesBefore, "no fee for zero time");
    }

    /// Performance fee = gain in price per share above the high-water mark × supply × rate.
    function test_performanceFeeIsGainAboveTheHighWaterMark() public {
        _deposit(ALICE, 1_000_000 * ONE);
        _feesOn(0, 2_000);
        uint256 hwm0 = _hwm();
        assertEq(hwm0, _pps(), "high-water mark starts at the price when fees are set");
        usdc.mint(address(vault), 100_000 * ONE); // a gain of 10 %
        uint256 pps = _pps();
        uint256 expected = Math.mulDiv(Math.mulDiv(pps - hwm0, vault.totalSupply() + VIRTUAL, WAD), 2_000, 10_000);
        _refresh();
        uint256 value = _recipientValue();
        assertLe(value, expected, "fee shares worth more than the fee");
        assertLe(expected - value, 2, "fee beyond rounding");
        assertTrue(expected > 19_999 * ONE && expected <= 20_000 * ONE, "20 % of the 100k gain");
        assertEq(_hwm(), _pps(), "high-water mark moves to the price after the fee");
    }

    function test_noPerformanceFeeOnRecoveryBelowTheHighWaterMark() public {
        _deposit(ALICE, 1_000_000 * ONE);
        _feesOn(0, 2_000);
        VM.prank(ALPHA);
        vault.execute(_addMargin(300_000 * ONE));
        uint256 hwm0 = _hwm();

        venue.applyPnl(address(vault), -100_000 * int256(ONE));
        _refresh();
        assertEq(vault.balanceOf(RECIPIENT), 0, "no fee on a loss");
        assertEq(_hwm(), hwm0, "high-water mark never falls");

        venue.applyPnl(address(vault), 60_000 * int256(ONE)); // recovery, still below
        _refresh();
        assertEq(vault.balanceOf(RECIPIENT), 0, "no fee on a recovery below the mark");
        assertEq(_hwm(), hwm0, "high-water mark unchanged below it");

        venue.applyPnl(address(vault), 90_000 * int256(ONE)); // 50k above the old peak
        uint256 pps = Math.mulDiv(_sumMarketBalancesFresh() + 1, WAD, vault.totalSupply() + VIRTUAL);
        uint256 expected = Math.mulDiv(Math.mulDiv(pps - hwm0, vault.totalSupply() + VIRTUAL, WAD), 2_000, 10_000);
        _refresh();
        uint256 value = _recipientValue();
        assertLe(value, expected, "fee above the mark only");
        assertLe(expected - value, 2, "fee beyond rounding");
        assertTrue(expected > 9_999 * ONE && expected <= 10_000 * ONE, "20 % of the 50k above the mark");
    }

    /// A depositor never enters at a price that owes fees: the fee is minted before its shares are priced.
    function test_depositAfterAGainPaysNoOneElsesFee() public {
        _deposit(ALICE, 1_000_000 * ONE);
        _feesOn(0, 5_000);
        usdc.mint(address(vault), 100_000 * ONE);
        uint256 shares = _deposit(BOB, 110_000 * ONE);
        // Bob's shares are worth what he paid (within rounding), not a share of the fee owed on Alice's gain.
        uint256 value = Math.mulDiv(shares, vault.totalAssets() + 1, vault.totalSupply() + VIRTUAL);
        assertLe(value, 110_000 * ONE, "bob gained");
        assertLe(110_000 * ONE - value, 2, "bob paid the fee owed before he came");
        assertTrue(vault.balanceOf(RECIPIENT) != 0, "fee accrued on the deposit");
    }

    /// With fees owed, `withdraw(maxWithdraw)` and `redeem(maxRedeem)` still succeed (the fees are minted first).
    function test_maxWithdrawHoldsWithFeesOwed() public {
        _deposit(ALICE, 1_000_000 * ONE);
        _deposit(BOB, 1_000_000 * ONE);
        _feesOn(500, 5_000);
        VM.warp(block.timestamp + 1_000);
        _refresh();
        usdc.mint(address(vault), 200_000 * ONE); // a gain the next call pays the performance fee on
        VM.warp(block.timestamp + 30 days); // and a month of management fee
        _refresh();
        usdc.mint(address(vault), 1_000 * ONE);
        VM.warp(block.timestamp + 600);
        uint256 assets = vault.maxWithdraw(ALICE);
        VM.prank(ALICE);
        vault.withdraw(assets, ALICE, ALICE);
        assertEq(usdc.balanceOf(ALICE), assets, "withdrew maxWithdraw");
        uint256 shares = vault.maxRedeem(BOB);
        VM.prank(BOB);
        vault.redeem(shares, BOB, BOB);
        assertEq(vault.balanceOf(BOB), 0, "redeemed maxRedeem");
    }

    function testFuzz_highWaterMarkMonotoneAndFeeWithinCap(int64[6] memory moves, uint32[6] memory waits) public {
        _deposit(ALICE, 1_000_000 * ONE);
        _feesOn(500, 5_000);
        VM.prank(ALPHA);
        vault.execute(_addMargin(400_000 * ONE));
        uint256 hwm = _hwm();
        for (uint256 i; i < moves.length; ++i) {
            int256 pnl = int256(moves[i]) % int256(50_000 * ONE);
            venue.applyPnl(address(vault), pnl);
            VM.warp(block.timestamp + uint256(waits[i]) % 30 days);
            uint256 totalAssets = _sumMarketBalancesFresh();
            uint256 supply = vault.totalSupply() + VIRTUAL;
            uint256 ppsBefore = Math.mulDiv(totalAssets + 1, WAD, supply);
            uint256 elapsed = block.timestamp - _lastAccrual();
            uint256 feeSharesBefore = vault.balanceOf(RECIPIENT);
            _refresh();
            uint256 minted = vault.balanceOf(RECIPIENT) - feeSharesBefore;
            uint256 cap = totalAssets * 500 * elapsed / (10_000 * YEAR)
                + (ppsBefore > hwm ? Math.mulDiv(ppsBefore - hwm, supply, WAD) / 2 : 0);
            uint256 mintedValue = Math.mulDiv(minted, totalAssets + 1, supply + minted);
            assertLe(mintedValue, cap, "fee above the caps");
            assertTrue(_hwm() >= hwm, "high-water mark fell");
            hwm = _hwm();
        }
    }

    function _lastAccrual() internal view returns (uint256 t) {
        (,,,, t) = vault.feeState();
    }

    /// Total assets as a refresh now would see them (markets valued from their venues here).
    function _sumMarketBalancesFresh() internal view returns (uint256) {
        return usdc.balanceOf(address(vault)) + venue.margin(address(vault)) + target.convertToAssets(target.balanceOf(address(vault)));
    }

    // ================================================================ ERC-7540

    function test_supportsInterface() public view {
        assertTrue(vault.supportsInterface(0x01ffc9a7), "ERC-165");
        assertTrue(vault.supportsInterface(0x620ee8e4), "ERC-7540 redeem");
        assertTrue(vault.supportsInterface(0xe3bc4e65), "ERC-7540 operator");
        assertTrue(vault.supportsInterface(0x2f0a18c5), "ERC-7575");
        assertTrue(!vault.supportsInterface(0xce3bbe50), "no async deposit");
        assertTrue(!vault.supportsInterface(0xffffffff), "ERC-165 invalid id");
        assertTrue(vault.share() == address(vault), "share");
    }

    function test_requestPendingClaimableClaim() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        _deposit(BOB, 1_000 * ONE);
        uint256 half = shares / 2;
        _request(ALICE, half);
        assertEq(vault.pendingRedeemRequest(0, ALICE), half, "pending");
        assertEq(vault.claimableRedeemRequest(0, ALICE), 0, "nothing claimable yet");
        assertEq(vault.balanceOf(address(vault)), half, "custody");
        assertEq(vault.balanceOf(ALICE), shares - half, "owner's shares moved");

        uint256 expectedAssets = Math.mulDiv(half, vault.totalAssets() + 1, vault.totalSupply() + VIRTUAL);
        uint256 totalBefore = vault.totalAssets();
        _settle(ALICE);
        assertEq(vault.pendingRedeemRequest(0, ALICE), 0, "settled");
        assertEq(vault.claimableRedeemRequest(0, ALICE), half, "claimable shares");
        assertEq(vault.claimableRedeemAssets(ALICE), expectedAssets, "claimable assets at the settlement price");
        assertEq(vault.totalAssets(), totalBefore - expectedAssets, "set aside leaves total assets");
        assertEq(vault.maxRedeem(ALICE), half, "maxRedeem = claimable");
        assertEq(vault.maxWithdraw(ALICE), expectedAssets, "maxWithdraw = claimable");

        VM.prank(ALICE);
        uint256 assets = vault.redeem(half, ALICE, ALICE);
        assertEq(assets, expectedAssets, "claim pays the settled assets");
        assertEq(usdc.balanceOf(ALICE), expectedAssets, "received");
        assertEq(vault.claimableRedeemRequest(0, ALICE), 0, "claimed");
        (, uint256 setAside,,,) = vault.redeemQueue();
        assertEq(setAside, 0, "nothing left set aside");
        // Once claimed, the remaining shares redeem instantly again.
        VM.prank(ALICE);
        vault.redeem(shares - half, ALICE, ALICE);
        assertEq(vault.balanceOf(ALICE), 0, "instant redemption after the claim");
    }

    function test_withdrawClaimsExactAssets() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        _request(ALICE, shares);
        _settle(ALICE);
        uint256 claimable = vault.claimableRedeemAssets(ALICE);
        VM.prank(ALICE);
        uint256 burnt = vault.withdraw(claimable / 3, ALICE, ALICE);
        assertEq(burnt, Math.mulDiv(shares, claimable / 3, claimable, Math.Rounding.Ceil), "shares rounded up");
        VM.prank(ALICE);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.ExceedsClaimable.selector, ALICE, claimable, claimable - claimable / 3)
        );
        vault.withdraw(claimable, ALICE, ALICE);
        uint256 left = vault.claimableRedeemRequest(0, ALICE);
        VM.prank(ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ExceedsClaimable.selector, ALICE, left + 1, left));
        vault.redeem(left + 1, ALICE, ALICE);
        VM.prank(ALICE);
        vault.redeem(left, ALICE, ALICE);
        assertLe(usdc.balanceOf(ALICE), claimable, "claims never exceed what was set aside");
        assertLe(claimable - usdc.balanceOf(ALICE), 1, "claims get what was set aside");
    }

    function test_operatorsAndAllowances() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        VM.prank(ALICE);
        assertTrue(vault.setOperator(BOB, true), "setOperator returns true");
        assertTrue(vault.isOperator(ALICE, BOB), "operator");
        VM.prank(BOB);
        vault.requestRedeem(shares / 2, ALICE, ALICE); // no allowance needed
        // Someone else needs an allowance.
        VM.prank(CAROL);
        VM.expectRevert(abi.encodeWithSelector(IERC20Errors.ERC20InsufficientAllowance.selector, CAROL, 0, 10));
        vault.requestRedeem(10, CAROL, ALICE);
        VM.prank(ALICE);
        vault.approve(CAROL, 10);
        VM.prank(CAROL);
        vault.requestRedeem(10, CAROL, ALICE);
        assertEq(vault.pendingRedeemRequest(0, CAROL), 10, "carol controls her request");

        _settle2(ALICE, CAROL);
        VM.prank(CAROL);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotControllerOrOperator.selector, CAROL, ALICE));
        vault.redeem(1, CAROL, ALICE);
        uint256 claimable = vault.claimableRedeemAssets(ALICE);
        VM.prank(BOB);
        vault.redeem(shares / 2, BOB, ALICE); // the operator claims, to itself
        assertEq(usdc.balanceOf(BOB), claimable, "operator claimed");
        VM.prank(ALICE);
        vault.setOperator(BOB, false);
        assertTrue(!vault.isOperator(ALICE, BOB), "revoked");
        VM.prank(BOB);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotControllerOrOperator.selector, BOB, ALICE));
        vault.cancelRedeemRequest(ALICE);
    }

    function _settle2(address a, address b) internal {
        VM.prank(ALPHA);
        vault.settleRedeemRequests(_list(a, b));
    }

    function test_cancelReturnsExactlyTheShares() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        _request(ALICE, shares / 3);
        _request(ALICE, shares / 3);
        usdc.mint(address(vault), 50 * ONE); // the NAV moves meanwhile
        VM.prank(ALICE);
        uint256 returned = vault.cancelRedeemRequest(ALICE);
        assertEq(returned, 2 * (shares / 3), "returned");
        assertEq(vault.balanceOf(ALICE), shares, "exactly the shares");
        assertEq(vault.pendingRedeemRequest(0, ALICE), 0, "nothing pending");
        (uint256 pending,, uint256 oldest,,) = vault.redeemQueue();
        assertEq(pending + oldest, 0, "queue empty");
        VM.prank(ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NoPendingRequest.selector, ALICE));
        vault.cancelRedeemRequest(ALICE);
    }

    function test_requestAndSettlementRefusals() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        _deposit(BOB, 1_000 * ONE);
        VM.prank(ALICE);
        VM.expectRevert(ErrorsLib.ZeroRequest.selector);
        vault.requestRedeem(0, ALICE, ALICE);
        VM.prank(ALICE);
        VM.expectRevert(ErrorsLib.ZeroAddress.selector);
        vault.requestRedeem(1, address(0), ALICE);
        VM.prank(ALPHA);
        VM.expectRevert(ErrorsLib.ZeroRequest.selector);
        vault.settleRedeemRequests(new address[](0)); // nothing pending
        _request(ALICE, shares / 2);
        _request(BOB, shares / 4);
        // Every waiting controller must be named, once.
        address[] memory onlyAlice = new address[](1);
        onlyAlice[0] = ALICE;
        VM.prank(ALPHA);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.SettlementIncomplete.selector, shares / 2, shares / 2 + shares / 4));
        vault.settleRedeemRequests(onlyAlice);
        VM.prank(ALPHA);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ControllerListedTwice.selector, ALICE));
        vault.settleRedeemRequests(_list(ALICE, ALICE));
        // Only the alpha settles before the maximum wait.
        VM.prank(CAROL);
        VM.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, CAROL));
        vault.settleRedeemRequests(_list(ALICE, BOB));
        VM.prank(CAROL);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NoOverdueRequest.selector, block.timestamp, 3 days));
        vault.settleOverdueRedeemRequests(_list(ALICE, BOB));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidMaxRedeemWait.selector, 0));
        vault.setMaxRedeemWait(0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidMaxRedeemWait.selector, 30 days + 1));
        vault.setMaxRedeemWait(30 days + 1);
    }

    /// Short of liquidity, every request is filled by the same fraction at the same price; the rest waits.
    function test_proRataWhenLiquidityIsShort() public {
        uint256 a = _deposit(ALICE, 600_000 * ONE);
        uint256 b = _deposit(BOB, 400_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(_supply(500_000 * ONE));
        VM.prank(ALPHA);
        vault.execute(_addMargin(400_000 * ONE)); // idle 100k
        _request(ALICE, a);
        _request(BOB, b);
        uint256 idle = usdc.balanceOf(address(vault));
        uint256 supply = vault.totalSupply() + VIRTUAL;
        uint256 totalAssets = vault.totalAssets();
        uint256 owedUp = Math.mulDiv(a + b, totalAssets + 1, supply, Math.Rounding.Ceil);
        _settle2(ALICE, BOB);
        uint256 sa = Math.mulDiv(a, idle, owedUp);
        uint256 sb = Math.mulDiv(b, idle, owedUp);
        assertEq(vault.claimableRedeemRequest(0, ALICE), sa, "alice filled pro rata");
        assertEq(vault.claimableRedeemRequest(0, BOB), sb, "bob filled pro rata");
        assertEq(vault.pendingRedeemRequest(0, ALICE), a - sa, "alice's rest waits");
        assertEq(vault.claimableRedeemAssets(ALICE), Math.mulDiv(sa, totalAssets + 1, supply), "same price");
        assertEq(vault.claimableRedeemAssets(BOB), Math.mulDiv(sb, totalAssets + 1, supply), "same price");
        (, uint256 setAside,,,) = vault.redeemQueue();
        assertLe(setAside, idle, "never more than idle");
        assertEq(usdc.balanceOf(address(vault)) - setAside, vault.totalAssets() - _sumMarketBalances(), "idle excludes set-aside");

        // The alpha unwinds; the next settlement fills the rest.
        VM.prank(ALPHA);
        vault.execute(_unsupply(500_000 * ONE));
        VM.prank(ALPHA);
        vault.execute(_removeMargin(400_000 * ONE));
        _settle2(ALICE, BOB);
        assertEq(vault.pendingRedeemRequest(0, ALICE) + vault.pendingRedeemRequest(0, BOB), 0, "all settled");
        VM.prank(ALICE);
        vault.redeem(a, ALICE, ALICE);
        VM.prank(BOB);
        vault.redeem(b, BOB, BOB);
        assertLe(usdc.balanceOf(ALICE), 600_000 * ONE, "alice never gains");
        assertLe(600_000 * ONE - usdc.balanceOf(ALICE), 2, "alice lost only rounding");
        assertLe(400_000 * ONE - usdc.balanceOf(BOB), 2, "bob lost only rounding");
    }

    /// Past the maximum wait anyone settles, from idle and the instant-withdraw markets, at a fresh NAV.
    function test_overdueSettlementByAnyonePullsAtAFreshNav() public {
        uint256 a = _deposit(ALICE, 100_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(_supply(60_000 * ONE)); // idle 40k, 60k instantly withdrawable
        vault.setMaxRedeemWait(1 days);
        _request(ALICE, a);
        VM.warp(block.timestamp + 1 days + 1);
        usdc.mint(address(target), 6_000 * ONE); // the market gained 10 % while the cache is expired
        address[] memory list = new address[](1);
        list[0] = ALICE;
        VM.prank(CAROL);
        vault.settleOverdueRedeemRequests(list);
        assertEq(vault.getMarket(M4626).updatedAt, block.timestamp, "priced on a fresh valuation");
        assertEq(vault.pendingRedeemRequest(0, ALICE), 0, "fully settled");
        uint256 claimable = vault.claimableRedeemAssets(ALICE);
        assertLe(claimable, 106_000 * ONE, "not more than the vault");
        assertLe(106_000 * ONE - claimable, 2, "paid the gain (fresh NAV), not the stale price");
    }

    /// A pending request is not diluted by later deposits and is paid the price of the shares that stay.
    function test_pendingRequestIsNotDiluted() public {
        uint256 a = _deposit(ALICE, 1_000 * ONE);
        _request(ALICE, a);
        _deposit(BOB, 9_000 * ONE);
        usdc.mint(address(vault), 1_000 * ONE); // +10 %, shared by the pending shares too
        _settle(ALICE);
        uint256 claimable = vault.claimableRedeemAssets(ALICE);
        assertLe(claimable, 1_100 * ONE, "no more than her part");
        assertLe(1_100 * ONE - claimable, 2, "her part of the gain");
        uint256 bobValue = Math.mulDiv(vault.balanceOf(BOB), vault.totalAssets() + 1, vault.totalSupply() + VIRTUAL);
        assertLe(9_900 * ONE - bobValue, 2, "bob keeps his part");
    }

    /// Assets set aside are no one's but the claimants': the alpha cannot deploy them (the buffer counts without them).
    function test_setAsideIsOutsideTheGuardrails() public {
        uint256 a = _deposit(ALICE, 100_000 * ONE);
        _deposit(BOB, 100_000 * ONE);
        _request(ALICE, a);
        _settle(ALICE);
        (, uint256 setAside,,,) = vault.redeemQueue();
        assertEq(vault.totalAssets(), usdc.balanceOf(address(vault)) - setAside, "total assets without set-aside");
        // Idle for the vault is 100k; deploying 95k leaves 5k < the 10 % buffer of 100k.
        VM.prank(ALPHA);
        vault.execute(_supply(55_000 * ONE));
        VM.prank(ALPHA);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.IdleBufferBreached.selector, 10_000 * ONE, 5_000 * ONE));
        vault.execute(_addMargin(40_000 * ONE));
        // Bob cannot redeem into Alice's set-aside assets.
        uint256 bobMax = vault.maxWithdraw(BOB);
        assertLe(bobMax, 100_000 * ONE, "bob's max excludes set-aside");
    }
}
