// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {SimulatedRestakingVault} from "../../contracts/simulation/SimulatedRestakingVault.sol";
import {RestakingFuse} from "../../fuses/restaking/RestakingFuse.sol";
import {RestakingBalanceFuse} from "../../fuses/restaking/RestakingBalanceFuse.sol";
import {VM} from "../vault/VaultTestBase.sol";
import {RiskTestBase} from "./RiskGroups.t.sol";

/// @notice The restaking market on the simulated venue: 250k staked with full restake to networks A and B through
/// one operator (stacking multiple 2x, limit 2.5x); each network and the operator are risk groups in which the
/// market's whole stake counts (stacked slashing).
contract RestakingTest is RiskTestBase {
    address internal constant ALICE = address(0xA11CE);
    address internal constant OPERATOR = address(0x0be1);
    address internal constant NET_A = address(0xAAAA);
    address internal constant NET_B = address(0xBBBB);
    address internal constant NET_C = address(0xCCCC);
    uint256 internal constant MRESTAKE = 31;
    uint256 internal constant EPOCH = 7 days;
    uint256 internal constant VETO = 2 days;
    bytes32 internal constant GROUP_A = "network:A";
    bytes32 internal constant GROUP_B = "network:B";
    bytes32 internal constant GROUP_OP = "operator:1";

    SimulatedRestakingVault internal restaking;
    RestakingFuse internal fuse;

    function setUp() public {
        _deployStack();
        _wireRiskRoles();
        _deposit(ALICE, 1_000_000 * ONE);
        restaking = new SimulatedRestakingVault(IERC20(address(usdc)), EPOCH, VETO, address(this));
        restaking.register(OPERATOR, NET_A);
        restaking.register(OPERATOR, NET_B);
        restaking.register(OPERATOR, NET_C);
        fuse = new RestakingFuse(MRESTAKE, address(restaking));
        _addMarket(
            MRESTAKE, address(new RestakingBalanceFuse(MRESTAKE, address(restaking))), OPERATOR, 5_000,
            uint96(25e17), address(fuse)
        );
        bytes32[] memory subs = new bytes32[](3);
        subs[0] = bytes32(uint256(uint160(NET_A)));
        subs[1] = bytes32(uint256(uint160(NET_B)));
        subs[2] = bytes32(uint256(uint160(NET_C)));
        vault.grantSubstrates(MRESTAKE, subs);
        vault.setRiskGroup(GROUP_A, 4_000, 0, 0);
        vault.setRiskGroup(GROUP_B, 3_000, 0, 0);
        vault.setRiskGroup(GROUP_OP, 5_000, 0, 0);
        bytes32[] memory groups = new bytes32[](3);
        (groups[0], groups[1], groups[2]) = (GROUP_A, GROUP_B, GROUP_OP);
        vault.setMarketGroups(MRESTAKE, groups);

        FuseAction[] memory open = new FuseAction[](3);
        open[0] = FuseAction(address(fuse), abi.encodeCall(RestakingFuse.deposit, (250_000 * ONE)));
        open[1] = _allocate(NET_A, 250_000 * ONE);
        open[2] = _allocate(NET_B, 250_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(open);
    }

    function _allocate(address network, uint256 amount) internal view returns (FuseAction memory) {
        return FuseAction(address(fuse), abi.encodeCall(RestakingFuse.allocate, (OPERATOR, network, amount)));
    }

    function _exec(FuseAction memory a) internal {
        FuseAction[] memory actions = new FuseAction[](1);
        actions[0] = a;
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function _refreshAll() internal {
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
    }

    function test_fullRestakeCountsInFullInEveryNetwork() public view {
        assertEq(vault.getMarket(MRESTAKE).balance, 250_000 * ONE, "stake");
        assertEq(vault.getMarket(MRESTAKE).grossNotional, 500_000 * ONE, "sum slashable: 2x the stake");
        (uint256 a,,,) = vault.groupExposure(GROUP_A);
        (uint256 b,,,) = vault.groupExposure(GROUP_B);
        assertEq(a, 250_000 * ONE, "network A carries the whole stake");
        assertEq(b, 250_000 * ONE, "network B carries the whole stake");
    }

    function test_overAllocationIsRefused() public {
        FuseAction[] memory over = new FuseAction[](1);
        over[0] = _allocate(NET_A, 250_000 * ONE + 1); // more than the stake to one pair: the venue refuses
        VM.expectRevert(
            abi.encodeWithSelector(SimulatedRestakingVault.OverAllocation.selector, 250_000 * ONE, 250_000 * ONE + 1)
        );
        VM.prank(ALPHA);
        vault.execute(over);
        // A third network: Σ slashable 750k on 250k = 3x, past the 2.5x stacking limit.
        over[0] = _allocate(NET_C, 250_000 * ONE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.LeverageLimitExceeded.selector, MRESTAKE, 25e17, 3e18));
        VM.prank(ALPHA);
        vault.execute(over);
        _exec(_allocate(NET_C, 125_000 * ONE)); // 2.5x exactly passes
    }

    function test_perNetworkCapHoldsOnTheWholeStake() public {
        // Network B's cap is 30 % of NAV: 60k more stake makes it 31 %.
        FuseAction[] memory more = new FuseAction[](1);
        more[0] = FuseAction(address(fuse), abi.encodeCall(RestakingFuse.deposit, (60_000 * ONE)));
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.GroupCapExceeded.selector, GROUP_B, 300_000 * ONE, 310_000 * ONE)
        );
        VM.prank(ALPHA);
        vault.execute(more);
    }

    function test_slashOnOneNetworkHitsEveryNetworkAndNavAtTheNextRefresh() public {
        VM.prank(NET_A);
        uint256 id = restaking.requestSlash(OPERATOR, address(vault), 100_000 * ONE);
        assertEq(vault.totalAssets(), 1_000_000 * ONE, "the cache does not know yet");
        _refreshAll(); // a requested slash counts lost at once
        assertEq(vault.totalAssets(), 900_000 * ONE, "NAV after the request");

        VM.expectRevert(abi.encodeWithSelector(SimulatedRestakingVault.SlashNotExecutable.selector, id));
        restaking.executeSlash(id); // the veto window is open
        VM.warp(block.timestamp + VETO);
        restaking.executeSlash(id);
        assertEq(restaking.slashableOf(address(vault), OPERATOR, NET_B), 150_000 * ONE, "network B's cover fell too");
        _refreshAll();
        assertEq(vault.totalAssets(), 900_000 * ONE, "NAV after the slash");
        assertEq(vault.getMarket(MRESTAKE).grossNotional, 300_000 * ONE, "A: 150k allocation left, B: capped at 150k");
        (uint256 b,,,) = vault.groupExposure(GROUP_B);
        assertEq(b, 150_000 * ONE, "network B's group");
    }

    function test_vetoedSlashRestoresTheValue() public {
        VM.prank(NET_B);
        uint256 id = restaking.requestSlash(OPERATOR, address(vault), 50_000 * ONE);
        _refreshAll();
        assertEq(vault.totalAssets(), 950_000 * ONE, "pending slash counted");
        restaking.vetoSlash(id);
        _refreshAll();
        assertEq(vault.totalAssets(), 1_000_000 * ONE, "vetoed");
    }

    function test_exitThroughTheWithdrawalEpochs() public {
        _exec(_allocate(NET_A, 100_000 * ONE));
        _exec(_allocate(NET_B, 100_000 * ONE));
        _exec(FuseAction(address(fuse), abi.encodeCall(RestakingFuse.requestWithdraw, (150_000 * ONE))));
        assertEq(vault.getMarket(MRESTAKE).balance, 250_000 * ONE, "withdrawing stake still counts (and is slashable)");
        uint256 idle = usdc.balanceOf(address(vault));
        _exec(FuseAction(address(fuse), abi.encodeCall(RestakingFuse.claim, ())));
        assertEq(usdc.balanceOf(address(vault)), idle, "nothing claimable before the epoch ends");
        VM.warp(block.timestamp + 2 * EPOCH);
        _exec(FuseAction(address(fuse), abi.encodeCall(RestakingFuse.claim, ())));
        assertEq(usdc.balanceOf(address(vault)), idle + 150_000 * ONE, "claimed");
        assertEq(vault.getMarket(MRESTAKE).balance, 100_000 * ONE, "what is left staked");
    }

    function _requestRedeem(address who, uint256 shares) internal {
        VM.prank(who);
        vault.requestRedeem(shares, who, who);
    }

    function _only(address who) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = who;
    }

    /// @notice A redemption larger than idle waits for a restaking exit: past the maximum wait anyone settles what is
    /// liquid (pro rata, the rest stays pending), and once the withdrawal epoch ends the matured exit is liquid
    /// through the restaking fuse, so the next overdue settlement fills the request whole — no alpha needed.
    function test_exitThroughTheWithdrawalEpochsFeedsTheRedemptionQueue() public {
        address[] memory order = new address[](2);
        (order[0], order[1]) = (address(supplyFuse), address(fuse));
        vault.setInstantWithdrawFuses(order);
        vault.setMaxRedeemWait(1 days);
        uint256 shares = vault.balanceOf(ALICE);
        uint256 requested = shares * 85 / 100; // 850k of assets: idle holds 750k
        uint256 owed = vault.convertToAssets(requested);
        _requestRedeem(ALICE, requested);
        _exec(FuseAction(address(fuse), abi.encodeCall(RestakingFuse.requestWithdraw, (150_000 * ONE))));

        VM.warp(block.timestamp + 1 days + 1);
        vault.settleOverdueRedeemRequests(_only(ALICE)); // anyone, past the maximum wait
        uint256 firstShares = vault.claimableRedeemRequest(0, ALICE);
        uint256 firstAssets = vault.claimableRedeemAssets(ALICE);
        uint256 pending = vault.pendingRedeemRequest(0, ALICE);
        assertTrue(pending > 0, "liquidity was short: part of the request waits");
        assertEq(firstShares + pending, requested, "no share lost");
        assertLe(firstAssets, 750_000 * ONE, "paid from idle only");

        VM.warp(block.timestamp + 2 * EPOCH);
        vault.settleOverdueRedeemRequests(_only(ALICE));
        assertEq(vault.pendingRedeemRequest(0, ALICE), 0, "filled whole");
        assertEq(vault.claimableRedeemRequest(0, ALICE), requested, "every requested share settled");
        uint256 claimable = vault.claimableRedeemAssets(ALICE);
        assertTrue(claimable <= owed && owed - claimable <= 2, "at the unchanged price");

        uint256 before = usdc.balanceOf(ALICE);
        VM.prank(ALICE);
        vault.redeem(requested, ALICE, ALICE);
        assertEq(usdc.balanceOf(ALICE) - before, claimable, "claimed what was set aside");
        assertEq(vault.getMarket(MRESTAKE).balance, 100_000 * ONE, "what is left staked");
    }
}
