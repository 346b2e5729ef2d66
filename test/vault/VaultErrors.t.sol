// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FuseboxVault} from "../../contracts/FuseboxVault.sol";
import {FuseboxVaultModule} from "../../contracts/FuseboxVaultModule.sol";
import {IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {EventsLib} from "../../contracts/libraries/EventsLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestAccountKeyFuse, TestOracleValuedBalanceFuse, TestSupplyWriterFuse} from "../../contracts/test/TestVaultFuses.sol";
import {TestLeveragedBalanceFuse} from "../../contracts/test/TestLeveragedVenue.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Every custom error the vault core, its module and the price oracle middleware can raise, each
/// provoked on purpose and matched with its exact arguments (computed here, not read from the vault); and the
/// events of quarantine, release, write-off and a failed valuation.
contract VaultErrorsTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);
    uint256 internal constant MWETH = 4;

    TestERC20 internal weth;
    TestPriceFeed internal wethFeed;

    function setUp() public {
        VM.warp(1_800_000_000);
        _deployStack();
        weth = new TestERC20("WETH", "WETH", 18);
        wethFeed = new TestPriceFeed(8, 2_000e8);
        oracle.setFeed(address(weth), address(wethFeed), 3600);
    }

    // ---------------------------------------------------------------- helpers

    function _params(address balanceFuse) internal pure returns (IFuseboxVaultModule.MarketParams memory) {
        return IFuseboxVaultModule.MarketParams({
            balanceFuse: balanceFuse, capBps: 10_000, capAssets: 0, maxLeverageWad: 0, maxBalanceAge: 3600
        });
    }

    function _ids(uint256 a) internal pure returns (uint256[] memory ids) {
        ids = new uint256[](1);
        ids[0] = a;
    }

    function _addrs(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    function _exec(FuseAction[] memory actions) internal {
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function _expectExecRevert(FuseAction[] memory actions, bytes memory reason) internal {
        VM.expectRevert(reason);
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    /// Market 4: 5 WETH held by the vault (10,000 USDC at 2,000).
    function _addWethMarket() internal {
        vault.configureMarket(MWETH, _params(address(new TestOracleValuedBalanceFuse(MWETH, address(weth)))));
        weth.mint(address(vault), 5e18);
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
    }

    function _approve(address who, uint256 assets) internal {
        usdc.mint(who, assets);
        VM.prank(who);
        usdc.approve(address(vault), assets);
    }

    function _quarantine(uint256 marketId) internal {
        VM.prank(GUARDIAN);
        vault.quarantineMarket(marketId);
    }

    // ---------------------------------------------------------------- guardrails

    function test_MarketCapExceeded() public {
        _deposit(ALICE, 10_000 * ONE);
        // 60% of 10,000 is 6,000: one unit more is refused.
        _expectExecRevert(
            _supply(6_001 * ONE), abi.encodeWithSelector(ErrorsLib.MarketCapExceeded.selector, M4626, 6_000 * ONE, 6_001 * ONE)
        );
        _exec(_supply(6_000 * ONE));
        // An absolute cap binds below the share cap.
        VM.prank(GUARDIAN);
        vault.lowerMarketLimits(MLEV, 5_000, uint128(1_000 * ONE), uint96(3 * WAD));
        _expectExecRevert(
            _addMargin(1_001 * ONE), abi.encodeWithSelector(ErrorsLib.MarketCapExceeded.selector, MLEV, 1_000 * ONE, 1_001 * ONE)
        );
    }

    function test_LeverageLimitExceeded() public {
        _deposit(ALICE, 10_000 * ONE);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _addMargin(1_000 * ONE)[0];
        batch[1] = _setNotional(3_001 * ONE)[0];
        // 3,001 / 1,000 = 3.001x over 3x.
        _expectExecRevert(batch, abi.encodeWithSelector(ErrorsLib.LeverageLimitExceeded.selector, MLEV, 3 * WAD, 3_001e15));
    }

    function test_IdleBufferBreached() public {
        _deposit(ALICE, 10_000 * ONE);
        vault.setIdleBufferBps(5_000);
        // 6,000 supplied leaves 4,000 idle, below 50% of 10,000.
        _expectExecRevert(
            _supply(6_000 * ONE), abi.encodeWithSelector(ErrorsLib.IdleBufferBreached.selector, 5_000 * ONE, 4_000 * ONE)
        );
        _exec(_supply(5_000 * ONE)); // exactly the buffer: allowed
        assertEq(usdc.balanceOf(address(vault)), 5_000 * ONE, "idle at the buffer");
        // The default buffer (10%, rounded up): 10,000 total with 999.999999 idle is short by one unit.
        vault.setIdleBufferBps(1_000);
        _expectExecRevert(
            _addMargin(4_000 * ONE + 1), abi.encodeWithSelector(ErrorsLib.IdleBufferBreached.selector, 1_000 * ONE, 1_000 * ONE - 1)
        );
    }

    function test_RiskIncreaseWhilePaused() public {
        _deposit(ALICE, 10_000 * ONE);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _addMargin(1_000 * ONE)[0];
        batch[1] = _setNotional(2_000 * ONE)[0];
        _exec(batch);
        VM.prank(GUARDIAN);
        vault.pause();
        _expectExecRevert(
            _supply(1_000 * ONE), abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhilePaused.selector, M4626, 0, 1_000 * ONE)
        );
        _expectExecRevert(
            _setNotional(2_001 * ONE),
            abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhilePaused.selector, MLEV, 2_000 * ONE, 2_001 * ONE)
        );
        _exec(_addMargin(1_000 * ONE)); // a top-up: 2x -> 1x
        _exec(_setNotional(1_000 * ONE)); // de-risking
        assertEq(vault.getMarket(MLEV).grossNotional, 1_000 * ONE, "notional lowered while paused");
    }

    function test_RiskIncreaseWhileUnvalued() public {
        _deposit(ALICE, 10_000 * ONE);
        _addWethMarket();
        VM.warp(block.timestamp + 3601);
        usdcFeed.setAnswer(1e8); // WETH's feed is stale, USDC's is not
        _expectExecRevert(
            _supply(1_000 * ONE), abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhileUnvalued.selector, M4626, MWETH)
        );
    }

    function test_ShareSupplyChanged() public {
        _deposit(ALICE, 10_000 * ONE);
        uint256 supply = 10_000 * ONE * 1e6; // 10,000 USDC at 1e6 shares per unit, computed
        assertEq(vault.totalSupply(), supply, "supply");
        _expectExecRevert(
            _one(address(writerFuse), abi.encodeCall(TestSupplyWriterFuse.writeTotalSupply, (supply + 1))),
            abi.encodeWithSelector(ErrorsLib.ShareSupplyChanged.selector, supply, supply + 1)
        );
    }

    // ---------------------------------------------------------------- execution

    function test_EmptyBatch() public {
        _expectExecRevert(new FuseAction[](0), abi.encodeWithSelector(ErrorsLib.EmptyBatch.selector));
    }

    function test_FuseNotAllowed() public {
        address stranger = address(0xF0F0);
        _expectExecRevert(_one(stranger, ""), abi.encodeWithSelector(ErrorsLib.FuseNotAllowed.selector, stranger));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.FuseNotAllowed.selector, stranger));
        vault.setInstantWithdrawFuses(_addrs(stranger));
        // A removed fuse is no longer allowed.
        VM.prank(GUARDIAN);
        vault.removeFuses(_addrs(address(supplyFuse)));
        _expectExecRevert(_supply(1), abi.encodeWithSelector(ErrorsLib.FuseNotAllowed.selector, address(supplyFuse)));
    }

    function test_MarketNotActive() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        VM.prank(ALPHA);
        vault.refreshMarketBalances(_ids(9));
        TestAccountKeyFuse fuse = new TestAccountKeyFuse(9, address(venue));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        vault.addFuses(_addrs(address(fuse)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        vault.setMarketDependencies(9, new uint256[](0));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        vault.removeMarket(9);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        VM.prank(GUARDIAN);
        vault.lowerMarketLimits(9, 0, 0, 0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotActive.selector, 9));
        VM.prank(GUARDIAN);
        vault.quarantineMarket(9);
    }

    function test_MarketInQuarantine() public {
        _deposit(ALICE, 10_000 * ONE);
        _quarantine(M4626);
        bytes memory reason = abi.encodeWithSelector(ErrorsLib.MarketInQuarantine.selector, M4626);
        _expectExecRevert(_supply(1), reason);
        VM.expectRevert(reason);
        VM.prank(ALPHA);
        vault.refreshMarketBalances(_ids(M4626));
        address fuse = address(new TestLeveragedBalanceFuse(M4626));
        VM.expectRevert(reason);
        vault.configureMarket(M4626, _params(fuse));
        VM.expectRevert(reason);
        vault.removeMarket(M4626);
        VM.expectRevert(reason);
        _quarantine(M4626);
    }

    function test_MarketNotQuarantined() public {
        bytes memory reason = abi.encodeWithSelector(ErrorsLib.MarketNotQuarantined.selector, M4626);
        VM.expectRevert(reason);
        vault.releaseQuarantine(M4626);
        VM.expectRevert(reason);
        vault.writeOffMarket(M4626);
    }

    function test_OnlyVault() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.OnlyVault.selector));
        vault.instantWithdrawChecked(address(supplyFuse), 1);
    }

    // ---------------------------------------------------------------- deposits and redemptions

    function test_VaultPaused() public {
        VM.prank(GUARDIAN);
        vault.pause();
        _approve(ALICE, 1_000 * ONE);
        VM.startPrank(ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.VaultPaused.selector));
        vault.deposit(1_000 * ONE, ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.VaultPaused.selector));
        vault.mint(1e6, ALICE);
        VM.stopPrank();
        assertEq(vault.maxDeposit(ALICE), 0, "maxDeposit while paused");
        assertEq(vault.maxMint(ALICE), 0, "maxMint while paused");
        vault.unpause();
        VM.prank(ALICE);
        vault.deposit(1_000 * ONE, ALICE);
    }

    function test_NavExpired() public {
        _deposit(ALICE, 1_000 * ONE);
        uint256 expiresAt = vault.navExpiresAt();
        assertEq(expiresAt, block.timestamp + 3600, "every market refreshed at configuration");
        VM.warp(expiresAt + 1);
        bytes memory reason = abi.encodeWithSelector(ErrorsLib.NavExpired.selector, expiresAt);
        VM.expectRevert(reason);
        vault.previewDeposit(1);
        VM.expectRevert(reason);
        vault.previewMint(1);
        VM.expectRevert(reason);
        vault.previewWithdraw(1);
        VM.expectRevert(reason);
        vault.previewRedeem(1);
    }

    function test_DepositorNotAllowed() public {
        vault.setDepositorAllowlistEnabled(true);
        _approve(ALICE, 1_000 * ONE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositorNotAllowed.selector, ALICE));
        VM.prank(ALICE);
        vault.deposit(1_000 * ONE, ALICE);
        assertEq(vault.maxDeposit(ALICE), 0, "maxDeposit off the list");
        vault.setDepositorsAllowed(_addrs(ALICE), true);
        VM.prank(ALICE);
        vault.deposit(1_000 * ONE, ALICE);
    }

    function test_DepositsHaltedByQuarantine() public {
        _quarantine(MLEV);
        _quarantine(M4626);
        _approve(ALICE, 1_000 * ONE);
        VM.startPrank(ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositsHaltedByQuarantine.selector, 2));
        vault.deposit(1_000 * ONE, ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositsHaltedByQuarantine.selector, 2));
        vault.mint(1e6, ALICE);
        VM.stopPrank();
    }

    function test_ZeroSharesOrAssets() public {
        VM.startPrank(ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, 0, 0));
        vault.deposit(0, ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, 0, 0));
        vault.mint(0, ALICE);
        VM.stopPrank();
    }

    function test_InsufficientLiquidity() public {
        uint256 shares = _deposit(ALICE, 10_000 * ONE);
        _exec(_addMargin(5_000 * ONE)); // the venue has no instant withdrawal; the ERC-4626 market holds nothing
        uint256 assets = Math.mulDiv(shares, 10_000 * ONE + 1, shares + 1e6);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, assets, 5_000 * ONE));
        VM.prank(ALICE);
        vault.redeem(shares, ALICE, ALICE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, 6_000 * ONE, 5_000 * ONE));
        VM.prank(ALICE);
        vault.withdraw(6_000 * ONE, ALICE, ALICE);
    }

    // ---------------------------------------------------------------- configuration

    function test_InvalidMarketId() public {
        address fuse = address(new TestLeveragedBalanceFuse(0));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidMarketId.selector));
        vault.configureMarket(0, _params(fuse));
    }

    function test_InvalidDependency() public {
        uint256[] memory deps = _ids(M4626);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidDependency.selector, M4626, M4626));
        vault.setMarketDependencies(M4626, deps);
        deps[0] = 9;
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidDependency.selector, M4626, 9));
        vault.setMarketDependencies(M4626, deps);
        deps = new uint256[](2);
        (deps[0], deps[1]) = (MLEV, MLEV);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidDependency.selector, M4626, MLEV));
        vault.setMarketDependencies(M4626, deps);
    }

    function test_TooManyMarkets() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.TooManyMarkets.selector, 32));
        vault.setMarketDependencies(M4626, new uint256[](32));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.TooManyMarkets.selector, 32));
        vault.setInstantWithdrawFuses(new address[](33));
        for (uint256 id = 4; id <= 32; ++id) {
            vault.configureMarket(id, _params(address(new TestLeveragedBalanceFuse(id))));
        }
        assertEq(vault.getMarketIds().length, 32, "32 markets");
        address fuse33 = address(new TestLeveragedBalanceFuse(33));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.TooManyMarkets.selector, 32));
        vault.configureMarket(33, _params(fuse33));
    }

    function test_InvalidBps() public {
        IFuseboxVaultModule.MarketParams memory p = _params(address(new TestLeveragedBalanceFuse(5)));
        p.capBps = 10_001;
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidBps.selector, 10_001));
        vault.configureMarket(5, p);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidBps.selector, 10_001));
        vault.setIdleBufferBps(10_001);
    }

    function test_InvalidMaxBalanceAge() public {
        IFuseboxVaultModule.MarketParams memory p = _params(address(new TestLeveragedBalanceFuse(5)));
        p.maxBalanceAge = 0;
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidMaxBalanceAge.selector));
        vault.configureMarket(5, p);
    }

    function test_ZeroAddress() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        vault.configureMarket(5, _params(address(0)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        vault.setPriceOracle(address(0));
        address module = address(new FuseboxVaultModule(address(0)));
        IERC20 asset = IERC20(address(usdc));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new FuseboxVault(asset, "x", "x", address(manager), address(0), 6, module);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        new FuseboxVault(asset, "x", "x", address(manager), address(oracle), 6, address(0));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        oracle.setFeed(address(0), address(usdcFeed), 3600);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroAddress.selector));
        oracle.setFeed(address(weth), address(0), 3600);
    }

    function test_FuseMarketMismatch() public {
        address fuse = address(new TestLeveragedBalanceFuse(6));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.FuseMarketMismatch.selector, fuse, 5, 6));
        vault.configureMarket(5, _params(fuse));
    }

    function test_NotALowering() public {
        VM.startPrank(GUARDIAN);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALowering.selector, M4626));
        vault.lowerMarketLimits(M4626, 6_001, 0, 0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALowering.selector, MLEV));
        vault.lowerMarketLimits(MLEV, 5_000, 0, uint96(3 * WAD + 1));
        vault.lowerMarketLimits(MLEV, 5_000, uint128(1_000 * ONE), uint96(3 * WAD)); // from no absolute cap to one
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALowering.selector, MLEV));
        vault.lowerMarketLimits(MLEV, 5_000, uint128(1_000 * ONE + 1), uint96(3 * WAD));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NotALowering.selector, MLEV));
        vault.lowerMarketLimits(MLEV, 5_000, 0, uint96(3 * WAD)); // back to "none" is a raise
        VM.stopPrank();
    }

    function test_MarketNotEmpty() public {
        _deposit(ALICE, 10_000 * ONE);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _addMargin(1_000 * ONE)[0];
        batch[1] = _setNotional(2_000 * ONE)[0];
        _exec(batch);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotEmpty.selector, MLEV, 1_000 * ONE, 2_000 * ONE, 0));
        vault.removeMarket(MLEV);
        // Notional alone (the margin lost to a price move) also keeps it.
        venue.applyPnl(address(vault), -int256(1_000 * ONE));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.MarketNotEmpty.selector, MLEV, 0, 2_000 * ONE, 0));
        vault.removeMarket(MLEV);
    }

    function test_ValuationKeyOverlap() public {
        _addWethMarket();
        bytes32 key = ValuationKeys.tokenBalance(address(weth));
        address wethAgain = address(new TestOracleValuedBalanceFuse(5, address(weth)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, key, 5, MWETH));
        vault.configureMarket(5, _params(wethAgain));
        // Granting a market a venue another market values.
        bytes32[] memory subs = new bytes32[](1);
        subs[0] = bytes32(uint256(uint160(address(venue))));
        vault.configureMarket(6, _params(address(new TestLeveragedBalanceFuse(6))));
        bytes32 venueKey = ValuationKeys.account(address(venue));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, venueKey, 6, MLEV));
        vault.grantSubstrates(6, subs);
        // The vault's own asset is idle's.
        bytes32 idleKey = ValuationKeys.tokenBalance(address(usdc));
        address usdcFuse = address(new TestOracleValuedBalanceFuse(7, address(usdc)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, idleKey, 7, 0));
        vault.configureMarket(7, _params(usdcFuse));
    }

    function test_FuseKeyOutsideMarket() public {
        address other = address(0xDEAD);
        TestAccountKeyFuse fuse = new TestAccountKeyFuse(MLEV, other);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.FuseKeyOutsideMarket.selector, address(fuse), MLEV, ValuationKeys.account(other))
        );
        vault.addFuses(_addrs(address(fuse)));
    }

    function test_InvalidDecimalsOffset() public {
        address module = address(new FuseboxVaultModule(address(0)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidDecimalsOffset.selector, 19));
        new FuseboxVault(IERC20(address(usdc)), "x", "x", address(manager), address(oracle), 19, module);
    }

    function test_SubstrateHoldsPosition() public {
        _deposit(ALICE, 10_000 * ONE);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _addMargin(1_000 * ONE)[0];
        batch[1] = _setNotional(2_000 * ONE)[0];
        _exec(batch);
        bytes32[] memory subs = new bytes32[](1);
        subs[0] = bytes32(uint256(uint160(address(venue))));
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.SubstrateHoldsPosition.selector, MLEV, 1_000 * ONE, 0, 2_000 * ONE, 0)
        );
        VM.prank(GUARDIAN);
        vault.revokeSubstrates(MLEV, subs);
    }

    // ---------------------------------------------------------------- oracle

    function test_PriceFeedNotSet() public {
        address stranger = address(0xABC);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.PriceFeedNotSet.selector, stranger));
        oracle.getAssetPriceWad(stranger);
    }

    function test_StalePrice() public {
        uint256 updatedAt = block.timestamp;
        VM.warp(updatedAt + 3601);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(usdc), updatedAt, 3600));
        oracle.getAssetPriceWad(address(usdc));
        usdcFeed.setAnswerAt(1e8, block.timestamp + 1); // future-dated
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(usdc), block.timestamp + 1, 3600));
        oracle.getAssetPriceWad(address(usdc));
    }

    function test_NonPositivePrice() public {
        usdcFeed.setAnswer(0);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NonPositivePrice.selector, address(usdc), int256(0)));
        oracle.getAssetPriceWad(address(usdc));
        usdcFeed.setAnswer(-1);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.NonPositivePrice.selector, address(usdc), int256(-1)));
        oracle.getAssetPriceWad(address(usdc));
    }

    function test_InvalidMaxStaleness() public {
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.InvalidMaxStaleness.selector));
        oracle.setFeed(address(weth), address(wethFeed), 0);
    }

    // ---------------------------------------------------------------- events

    function test_quarantineReleaseAndWriteOffEmit() public {
        _addWethMarket();
        VM.expectEmit(true, false, false, true, address(vault));
        emit EventsLib.MarketQuarantined(MWETH, 10_000 * ONE);
        _quarantine(MWETH);
        wethFeed.setAnswer(2_100e8);
        VM.expectEmit(true, false, false, true, address(vault));
        emit EventsLib.QuarantineReleased(MWETH, 10_500 * ONE);
        vault.releaseQuarantine(MWETH);
        _quarantine(MWETH);
        VM.expectEmit(true, false, false, true, address(vault));
        emit EventsLib.MarketWrittenOff(MWETH);
        vault.writeOffMarket(MWETH);
    }

    function test_valuationFailureEmits() public {
        _deposit(ALICE, 10_000 * ONE);
        _addWethMarket();
        uint256 feedAt = wethFeed.updatedAt();
        VM.warp(block.timestamp + 3601);
        usdcFeed.setAnswer(1e8);
        VM.expectEmit(true, false, false, true, address(vault));
        emit EventsLib.MarketValuationFailed(
            MWETH, abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(weth), feedAt, 3600)
        );
        VM.prank(ALICE);
        vault.withdraw(100 * ONE, ALICE, ALICE);
    }
}
