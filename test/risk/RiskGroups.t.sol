// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";

import {IFuseboxRiskModule} from "../../contracts/interfaces/IFuseboxRiskModule.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {
    TestLeveragedVenue, TestLeveragedFuse, TestLeveragedBalanceFuse
} from "../../contracts/test/TestLeveragedVenue.sol";
import {Erc4626SupplyFuse} from "../../fuses/erc4626/Erc4626SupplyFuse.sol";
import {Erc4626BalanceFuse} from "../../fuses/erc4626/Erc4626BalanceFuse.sol";
import {FrictionTarget} from "../vault/SoundVault.t.sol";
import {VaultTestBase, VM} from "../vault/VaultTestBase.sol";

/// @notice Wires the risk module's functions to their roles as scripts/lib/access.ts does: raising limits is the
/// atomist's, lowering them the guardian's.
abstract contract RiskTestBase is VaultTestBase {
    function _wireRiskRoles() internal {
        bytes4[] memory atomist = new bytes4[](8);
        atomist[6] = IFuseboxRiskModule.setNavRateBounds.selector;
        atomist[7] = IFuseboxRiskModule.acknowledgeNavMove.selector;
        atomist[0] = IFuseboxRiskModule.setRiskGroup.selector;
        atomist[1] = IFuseboxRiskModule.removeRiskGroup.selector;
        atomist[2] = IFuseboxRiskModule.setMarketGroups.selector;
        atomist[3] = IFuseboxRiskModule.setExposureReporting.selector;
        atomist[4] = IFuseboxRiskModule.setNetDeltaBand.selector;
        atomist[5] = IFuseboxRiskModule.setMaxBatchLoss.selector;
        manager.setTargetFunctionRole(address(vault), atomist, Roles.ATOMIST);
        bytes4[] memory guardian = new bytes4[](3);
        guardian[0] = IFuseboxRiskModule.lowerRiskGroupLimits.selector;
        guardian[1] = IFuseboxRiskModule.lowerNetDeltaBand.selector;
        guardian[2] = IFuseboxRiskModule.lowerMaxBatchLoss.selector;
        manager.setTargetFunctionRole(address(vault), guardian, Roles.GUARDIAN);
    }
}

/// @notice Shared risk groups: three perp venues capped at 30 % each share a 50 % "perp margin" group and a 1x
/// group notional limit; the loss budget of one batch. Expected figures are computed here from the deposit.
contract RiskGroupsTest is RiskTestBase {
    address internal constant ALICE = address(0xA11CE);
    bytes32 internal constant PERP_MARGIN = "perp-margin";
    uint256 internal constant NAV = 1_000_000 * ONE;
    uint256[3] internal VENUE_IDS = [uint256(11), 12, 13];

    TestLeveragedVenue[3] internal venues;
    TestLeveragedFuse[3] internal fuses;

    function setUp() public {
        _deployStack();
        _wireRiskRoles();
        bytes32[] memory groups = new bytes32[](1);
        groups[0] = PERP_MARGIN;
        vault.setRiskGroup(PERP_MARGIN, 5_000, 0, uint96(WAD));
        for (uint256 i; i < 3; ++i) {
            venues[i] = new TestLeveragedVenue(IERC20(address(usdc)));
            fuses[i] = new TestLeveragedFuse(VENUE_IDS[i]);
            _addMarket(
                VENUE_IDS[i],
                address(new TestLeveragedBalanceFuse(VENUE_IDS[i])),
                address(venues[i]),
                3_000,
                uint96(3 * WAD),
                address(fuses[i])
            );
            vault.setMarketGroups(VENUE_IDS[i], groups);
        }
        _deposit(ALICE, NAV);
    }

    function _margin(uint256 i, uint256 assets) internal view returns (FuseAction memory) {
        return FuseAction(address(fuses[i]), abi.encodeCall(TestLeveragedFuse.addMargin, (address(venues[i]), assets)));
    }

    function _unmargin(uint256 i, uint256 assets) internal view returns (FuseAction memory) {
        return FuseAction(
            address(fuses[i]), abi.encodeCall(TestLeveragedFuse.removeMargin, (address(venues[i]), assets))
        );
    }

    function _notional(uint256 i, uint256 notional) internal view returns (FuseAction memory) {
        return FuseAction(
            address(fuses[i]), abi.encodeCall(TestLeveragedFuse.setNotional, (address(venues[i]), notional))
        );
    }

    function _run(FuseAction memory a) internal {
        FuseAction[] memory actions = new FuseAction[](1);
        actions[0] = a;
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function _run(FuseAction memory a, FuseAction memory b) internal {
        FuseAction[] memory actions = new FuseAction[](2);
        actions[0] = a;
        actions[1] = b;
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function test_thirdVenueMarginIsRefusedAndReducingPasses() public {
        _run(_margin(0, 250_000 * ONE));
        _run(_margin(1, 250_000 * ONE)); // each venue 25 % (cap 30 %), the group at exactly 50 %
        (uint256 balance,, uint256 cap,) = vault.groupExposure(PERP_MARGIN);
        assertEq(balance, 500_000 * ONE, "group balance");
        assertEq(cap, NAV / 2, "group cap");

        // The third venue is within its own 30 % cap, but the group would hold 50 % + 1 unit.
        FuseAction[] memory third = new FuseAction[](1);
        third[0] = _margin(2, 1);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.GroupCapExceeded.selector, PERP_MARGIN, NAV / 2, NAV / 2 + 1));
        VM.prank(ALPHA);
        vault.execute(third);

        // The guardian tightens the group at once to 40 %: the group is now over its cap...
        VM.prank(GUARDIAN);
        vault.lowerRiskGroupLimits(PERP_MARGIN, 4_000, type(uint128).max, uint96(WAD));
        // ...moving margin between its venues does not grow it and passes; so does a reduction still above 40 %.
        _run(_unmargin(0, 100_000 * ONE), _margin(2, 100_000 * ONE));
        _run(_unmargin(1, 50_000 * ONE));
        (balance,,,) = vault.groupExposure(PERP_MARGIN);
        assertEq(balance, 450_000 * ONE, "group balance after reducing");
        // Growing it while over the cap is refused.
        third[0] = _margin(2, 1);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.GroupCapExceeded.selector, PERP_MARGIN, NAV * 4 / 10, 450_000 * ONE + 1)
        );
        VM.prank(ALPHA);
        vault.execute(third);
    }

    function test_groupNotionalLimit() public {
        _run(_margin(0, 250_000 * ONE), _notional(0, 600_000 * ONE)); // 2.4x its venue, 0.6x NAV
        _run(_margin(1, 200_000 * ONE));
        FuseAction[] memory grow = new FuseAction[](1);
        grow[0] = _notional(1, 400_000 * ONE + 1); // 2x its venue (limit 3x), the group over 1x NAV
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.GroupNotionalExceeded.selector, PERP_MARGIN, NAV, NAV + 1)
        );
        VM.prank(ALPHA);
        vault.execute(grow);
        _run(_notional(1, 400_000 * ONE)); // exactly 1x passes
        (, uint256 notional,, uint256 maxNotional) = vault.groupExposure(PERP_MARGIN);
        assertEq(notional, NAV, "group notional");
        assertEq(maxNotional, NAV, "group notional limit");
    }

    function test_raisingIsTheAtomistsLoweringTheGuardians() public {
        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALoweringOfRisk.selector, PERP_MARGIN));
        vault.lowerRiskGroupLimits(PERP_MARGIN, 6_000, type(uint128).max, uint96(WAD));
        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, GUARDIAN));
        vault.setRiskGroup(PERP_MARGIN, 6_000, 0, uint96(WAD));
        VM.prank(ALPHA);
        VM.expectRevert(abi.encodeWithSelector(IAccessManaged.AccessManagedUnauthorized.selector, ALPHA));
        vault.setMarketGroups(VENUE_IDS[0], new bytes32[](0));
    }

    /// @notice Regression: the guardian could not lower a group's balance cap while keeping "no absolute cap" (0) —
    /// a lowering had to invent a cap (the reconciler wrote type(uint128).max as "none" and read it back). 0 stays
    /// "none" here as in every other limit; a set notional limit still cannot go back to none.
    function test_theGuardianLowersACapKeepingNoAbsoluteCap() public {
        VM.prank(GUARDIAN);
        vault.lowerRiskGroupLimits(PERP_MARGIN, 4_500, 0, uint96(WAD));
        assertEq(vault.getRiskGroup(PERP_MARGIN).capBps, 4_500, "lowered");
        assertEq(vault.getRiskGroup(PERP_MARGIN).capAssets, 0, "still no absolute cap");
        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALoweringOfRisk.selector, PERP_MARGIN));
        vault.lowerRiskGroupLimits(PERP_MARGIN, 4_500, 0, 0); // 1x notional limit → none: a raise
    }

    function test_removedGroupAndMembershipNoLongerLimit() public {
        _run(_margin(0, 250_000 * ONE));
        _run(_margin(1, 250_000 * ONE));
        vault.setMarketGroups(VENUE_IDS[2], new bytes32[](0)); // the third venue leaves the group
        assertEq(vault.getGroupMarkets(PERP_MARGIN).length, 2, "members");
        _run(_margin(2, 100_000 * ONE));
        vault.removeRiskGroup(PERP_MARGIN);
        assertEq(vault.getRiskGroupIds().length, 0, "groups");
        assertEq(vault.getMarketGroups(VENUE_IDS[0]).length, 0, "market groups");
        _run(_margin(0, 50_000 * ONE)); // 30 % + 25 % + 10 %: only the venues' own caps now
    }

    function test_batchLossBudget() public {
        FrictionTarget friction = new FrictionTarget(IERC20(address(usdc)));
        friction.setFeeBps(20); // 0.2 % on every withdrawal
        uint256 id = 14;
        Erc4626SupplyFuse supply = new Erc4626SupplyFuse(id);
        _addMarket(id, address(new Erc4626BalanceFuse(id)), address(friction), 5_000, 0, address(supply));
        FuseAction memory enter = FuseAction(address(supply), abi.encodeCall(Erc4626SupplyFuse.enter, (address(friction), 100_000 * ONE)));
        FuseAction memory exit = FuseAction(address(supply), abi.encodeCall(Erc4626SupplyFuse.exit, (address(friction), 100_000 * ONE)));

        // The exit takes what the target lets out (the fee is on top): 100k / 1.002; the rest is lost.
        uint256 loss = 100_000 * ONE - 100_000 * ONE * 10_000 / 10_020;
        vault.setMaxBatchLoss(1); // 0.01 % of NAV = 100 USDC; the round trip burns ~199.6
        FuseAction[] memory roundTrip = new FuseAction[](2);
        roundTrip[0] = enter;
        roundTrip[1] = exit;
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.BatchLossExceeded.selector, NAV / 10_000, loss));
        VM.prank(ALPHA);
        vault.execute(roundTrip);

        VM.prank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALoweringOfRisk.selector, bytes32(0)));
        vault.lowerMaxBatchLoss(5);
        vault.setMaxBatchLoss(5); // 500 USDC: the same round trip passes
        _run(enter, exit);
        assertEq(vault.totalAssets(), NAV - loss, "the round trip cost its fee");
    }
}
