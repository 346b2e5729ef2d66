// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestAccountKeyFuse, TestOracleValuedBalanceFuse} from "../../contracts/test/TestVaultFuses.sol";
import {TestLeveragedBalanceFuse, TestLeveragedFuse} from "../../contracts/test/TestLeveragedVenue.sol";
import {Erc4626SupplyFuse} from "../../fuses/erc4626/Erc4626SupplyFuse.sol";
import {Erc4626BalanceFuse} from "../../fuses/erc4626/Erc4626BalanceFuse.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice TEST ONLY: an ERC-4626 target that lets the vault take at most `liquidity` out at once, and charges
/// `feeBps` on every withdrawal (burning shares worth the fee too): a market whose pulls cost something.
contract FrictionTarget is ERC4626 {
    uint256 public liquidity = type(uint256).max;
    uint256 public feeBps;

    constructor(IERC20 asset_) ERC20("Friction 4626", "f4626") ERC4626(asset_) {}

    function setLiquidity(uint256 liquidity_) external {
        liquidity = liquidity_;
    }

    function setFeeBps(uint256 feeBps_) external {
        feeBps = feeBps_;
    }

    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), liquidity); // OpenZeppelin's: previewRedeem(maxRedeem), net of the fee
    }

    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        return super.previewWithdraw(assets + _fee(assets));
    }

    /// ERC-4626: previewRedeem is net of the withdrawal fee (redeem pays this and the fee leaves on top).
    function previewRedeem(uint256 shares) public view override returns (uint256) {
        return super.previewRedeem(shares) * 10_000 / (10_000 + feeBps);
    }

    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 all = super.maxRedeem(owner);
        if (liquidity == type(uint256).max) return all;
        return Math.min(all, _convertToShares(liquidity + _fee(liquidity), Math.Rounding.Floor));
    }

    /// The fee leaves the target (to a sink): the withdrawing holder's remaining shares are worth that much less.
    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        super._withdraw(caller, receiver, owner, assets, shares);
        uint256 fee = _fee(assets);
        if (fee != 0) IERC20(asset()).transfer(address(0xFEE), fee);
    }

    function _fee(uint256 assets) private view returns (uint256) {
        return Math.mulDiv(assets, feeBps, 10_000, Math.Rounding.Ceil);
    }
}

/// @notice Regression tests for the "Sound vault" review: one account one valuation, exits that never freeze,
/// pause and breach semantics, ERC-4626 to the letter. Expected figures are computed here with plain arithmetic,
/// never read back from the vault's own previews.
contract SoundVaultTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    uint256 internal constant MWETH = 4;
    uint256 internal constant MFRICTION = 5;

    TestERC20 internal weth;
    TestPriceFeed internal wethFeed;
    FrictionTarget internal friction;
    Erc4626SupplyFuse internal frictionFuse;

    function setUp() public {
        _deployStack();
        weth = new TestERC20("WETH", "WETH", 18);
        wethFeed = new TestPriceFeed(8, 2_000e8);
        oracle.setFeed(address(weth), address(wethFeed), 3600);
    }

    // ---------------------------------------------------------------- helpers

    function _params(address balanceFuse, uint16 capBps, uint96 maxLeverageWad)
        internal
        pure
        returns (IFuseboxVaultModule.MarketParams memory)
    {
        return IFuseboxVaultModule.MarketParams({
            balanceFuse: balanceFuse, capBps: capBps, capAssets: 0, maxLeverageWad: maxLeverageWad, maxBalanceAge: 3600
        });
    }

    function _subs(address a) internal pure returns (bytes32[] memory subs) {
        subs = new bytes32[](1);
        subs[0] = bytes32(uint256(uint160(a)));
    }

    function _addrs(address a) internal pure returns (address[] memory list) {
        list = new address[](1);
        list[0] = a;
    }

    /// Market 4 values the vault's WETH at the oracle; `wethHeld` WETH is sent to the vault.
    function _addWethMarket(uint256 wethHeld) internal {
        vault.configureMarket(MWETH, _params(address(new TestOracleValuedBalanceFuse(MWETH, address(weth))), 10_000, 0));
        weth.mint(address(vault), wethHeld);
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
    }

    /// Market 5 supplies into a FrictionTarget and serves redemptions (the only instant-withdraw fuse).
    function _addFrictionMarket() internal {
        friction = new FrictionTarget(IERC20(address(usdc)));
        frictionFuse = new Erc4626SupplyFuse(MFRICTION);
        vault.grantSubstrates(MFRICTION, _subs(address(friction)));
        vault.configureMarket(MFRICTION, _params(address(new Erc4626BalanceFuse(MFRICTION)), 10_000, 0));
        vault.addFuses(_addrs(address(frictionFuse)));
        vault.setInstantWithdrawFuses(_addrs(address(frictionFuse)));
    }

    function _exec(FuseAction[] memory actions) internal {
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function _two(FuseAction[] memory a, FuseAction[] memory b) internal pure returns (FuseAction[] memory both) {
        both = new FuseAction[](2);
        both[0] = a[0];
        both[1] = b[0];
    }

    // ---------------------------------------------------------------- one account, one valuation

    /// Two markets valuing one venue account: the second is refused when it is granted the venue.
    function test_twoMarketsOnOneVenueAccountAreRefused() public {
        vault.configureMarket(6, _params(address(new TestLeveragedBalanceFuse(6)), 5_000, uint96(3 * WAD)));
        bytes32 key = ValuationKeys.account(address(venue));
        assertEq(vault.valuationKeyMarket(key), MLEV, "venue account held by MLEV");
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, key, 6, MLEV));
        vault.grantSubstrates(6, _subs(address(venue)));
    }

    /// One token in two markets, and a market claiming the vault's own asset (idle counts it).
    function test_tokenInTwoMarketsAndTheAssetItselfAreRefused() public {
        _addWethMarket(0);
        bytes32 wethKey = ValuationKeys.tokenBalance(address(weth));
        address wethFuse = address(new TestOracleValuedBalanceFuse(7, address(weth)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, wethKey, 7, MWETH));
        vault.configureMarket(7, _params(wethFuse, 10_000, 0));
        bytes32 idleKey = ValuationKeys.tokenBalance(address(usdc));
        address usdcFuse = address(new TestOracleValuedBalanceFuse(7, address(usdc)));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ValuationKeyOverlap.selector, idleKey, 7, 0));
        vault.configureMarket(7, _params(usdcFuse, 10_000, 0));
    }

    /// A fuse wired to a venue its market does not value cannot be added (it would act outside the guardrails).
    function test_miswiredFuseIsRefused() public {
        address other = address(0xDEAD);
        TestAccountKeyFuse fuse = new TestAccountKeyFuse(MLEV, other);
        bytes32 otherKey = ValuationKeys.account(other);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.FuseKeyOutsideMarket.selector, address(fuse), MLEV, otherKey)
        );
        vault.addFuses(_addrs(address(fuse)));
    }

    /// Removing a market releases its keys (another market may take them) and leaves no dangling dependency.
    function test_removeMarketReleasesKeysAndDependencies() public {
        _addWethMarket(0);
        uint256[] memory deps = new uint256[](1);
        deps[0] = MWETH;
        vault.setMarketDependencies(M4626, deps);
        vault.removeMarket(MWETH);
        assertEq(vault.getMarketDependencies(M4626).length, 0, "dependency on a removed market");
        assertEq(vault.valuationKeyMarket(ValuationKeys.tokenBalance(address(weth))), 0, "key released");
        _deposit(ALICE, 10_000 * ONE);
        _exec(_supply(1_000 * ONE)); // reverted MarketNotActive(4) before the fix
        assertEq(vault.getMarket(M4626).balance, 1_000 * ONE, "supplied");
    }

    // ---------------------------------------------------------------- exits never freeze

    /// One stale feed: redemptions served by idle go on (the market counts zero, never in the redeemer's favour),
    /// deposits are refused, a de-risking batch elsewhere passes, a risk-raising one is refused.
    function test_staleMarketDoesNotFreezeExits() public {
        _deposit(ALICE, 100_000 * ONE);
        _exec(_addMargin(5_000 * ONE));
        _exec(_setNotional(10_000 * ONE));
        _addWethMarket(5e18); // 10,000 USDC of WETH
        uint256 sharesAlice = vault.balanceOf(ALICE);
        VM.warp(block.timestamp + 3601); // NAV expired, WETH feed stale
        usdcFeed.setAnswer(1e8); // (only WETH's)

        // Withdraw 100 with 95,000 idle: priced as if WETH were worth nothing.
        uint256 supply = vault.totalSupply();
        uint256 totalWithoutWeth = 95_000 * ONE + 5_000 * ONE; // idle + margin
        uint256 expectedShares = Math.mulDiv(100 * ONE, supply + 1e6, totalWithoutWeth + 1, Math.Rounding.Ceil);
        VM.prank(ALICE);
        uint256 burnt = vault.withdraw(100 * ONE, ALICE, ALICE);
        assertEq(burnt, expectedShares, "shares burnt at the conservative price");
        assertEq(vault.balanceOf(ALICE), sharesAlice - expectedShares, "alice's shares");

        // Deposits are refused while WETH cannot be valued.
        usdc.mint(BOB, 1_000 * ONE);
        VM.startPrank(BOB);
        usdc.approve(address(vault), 1_000 * ONE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(weth), wethFeed.latestTimestamp(), 3600));
        vault.deposit(1_000 * ONE, BOB);
        VM.stopPrank();

        // De-risking on another market passes; growing it is refused.
        _exec(_setNotional(5_000 * ONE));
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhileUnvalued.selector, MLEV, MWETH));
        _exec(_setNotional(8_000 * ONE));
    }

    /// The guardian's quarantine: valued at zero at once, deposits halted, exits and risk elsewhere go on; the
    /// atomist releases it (valued again) or writes it off.
    function test_quarantineIsolatesAndIsReversible() public {
        _deposit(ALICE, 100_000 * ONE);
        _addWethMarket(5e18);
        assertEq(vault.totalAssets(), 110_000 * ONE, "with WETH");
        VM.prank(GUARDIAN);
        vault.quarantineMarket(MWETH);
        assertEq(vault.totalAssets(), 100_000 * ONE, "WETH counts zero");
        assertEq(vault.quarantinedCount(), 1, "count");
        assertEq(vault.maxDeposit(BOB), 0, "maxDeposit");

        usdc.mint(BOB, 1_000 * ONE);
        VM.startPrank(BOB);
        usdc.approve(address(vault), 1_000 * ONE);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.DepositsHaltedByQuarantine.selector, 1));
        vault.deposit(1_000 * ONE, BOB);
        VM.stopPrank();

        VM.warp(block.timestamp + 3601); // the feed goes stale: nothing expires on the quarantined market's account
        usdcFeed.setAnswer(1e8);
        _exec(_addMargin(1_000 * ONE)); // risk elsewhere is not held hostage
        VM.prank(ALICE);
        vault.redeem(1e6 * ONE, ALICE, ALICE);

        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(weth), wethFeed.latestTimestamp(), 3600));
        vault.releaseQuarantine(MWETH); // still cannot be valued
        wethFeed.setAnswer(2_000e8);
        vault.releaseQuarantine(MWETH);
        assertEq(vault.quarantinedCount(), 0, "released");
        assertEq(vault.getMarket(MWETH).balance, 10_000 * ONE, "valued again");

        VM.prank(GUARDIAN);
        vault.quarantineMarket(MWETH);
        vault.writeOffMarket(MWETH);
        assertEq(vault.getMarket(MWETH).active ? 1 : 0, 0, "written off");
        assertEq(vault.quarantinedCount(), 0, "no quarantine left");
    }

    /// `revokeSubstrates` with nothing to revoke is no refresh: the cache stays as it was.
    function test_emptyRevocationDoesNotRefresh() public {
        _deposit(ALICE, 10_000 * ONE);
        _exec(_addMargin(1_000 * ONE));
        usdc.mint(address(venue), 500 * ONE);
        venue.applyPnl(address(vault), int256(500 * ONE));
        VM.prank(GUARDIAN);
        vault.revokeSubstrates(MLEV, new bytes32[](0));
        assertEq(vault.getMarket(MLEV).balance, 1_000 * ONE, "cache untouched");
    }

    // ---------------------------------------------------------------- pause and breach

    /// While paused: notional never grows (not even with margin that lowers the ratio: 4,000 -> 7,900 was accepted),
    /// no new capital at unchanged leverage (3,000 -> 6,000 at the same ratio was accepted); a pure top-up passes.
    function test_pauseTakesNoNewRisk() public {
        _deposit(ALICE, 100_000 * ONE);
        _exec(_supply(3_000 * ONE));
        _exec(_addMargin(2_000 * ONE));
        _exec(_setNotional(4_000 * ONE));
        VM.prank(GUARDIAN);
        vault.pause();
        // Margin and notional together, ratio lower (2x -> 1.975x): still new notional.
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhilePaused.selector, MLEV, 4_000 * ONE, 7_900 * ONE)
        );
        _exec(_two(_addMargin(2_000 * ONE), _setNotional(7_900 * ONE)));
        // Twice the capital at the same ratio (2x -> 2x).
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhilePaused.selector, MLEV, 4_000 * ONE, 8_000 * ONE)
        );
        _exec(_two(_addMargin(2_000 * ONE), _setNotional(8_000 * ONE)));
        // New capital in an unlevered market.
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.RiskIncreaseWhilePaused.selector, M4626, 3_000 * ONE, 6_000 * ONE)
        );
        _exec(_supply(3_000 * ONE));
        _exec(_addMargin(1_000 * ONE)); // a top-up: leverage 2x -> 1.33x
        assertEq(vault.getMarket(MLEV).balance, 3_000 * ONE, "topped up");
        _exec(_unsupply(1_000 * ONE)); // de-risking goes on
    }

    /// Over its leverage limit a market may not grow its notional, even while adding margin that lowers the ratio.
    function test_overLimitMarketCannotGrowNotional() public {
        _deposit(ALICE, 100_000 * ONE);
        _exec(_addMargin(1_000 * ONE));
        _exec(_setNotional(3_000 * ONE));
        venue.applyPnl(address(vault), -int256(251 * ONE)); // 749 equity: 4.006x over a 3x limit
        uint256 leverage = Math.mulDiv(5_990 * ONE, WAD, 1_500 * ONE, Math.Rounding.Ceil); // 3.993x
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.LeverageLimitExceeded.selector, MLEV, 3 * WAD, leverage));
        _exec(_two(_addMargin(751 * ONE), _setNotional(5_990 * ONE)));
        _exec(_setNotional(2_000 * ONE)); // reducing notional passes (2.67x)
    }

    // ---------------------------------------------------------------- ERC-4626 to the letter

    /// A deposit that would mint nothing, or a mint that costs nothing, reverts.
    function test_zeroShareDepositAndZeroAssetMintRevert() public {
        _deposit(ALICE, 1);
        usdc.mint(address(vault), 1e12 * ONE); // one unit of shares now stands for a fortune
        usdc.mint(BOB, ONE);
        VM.startPrank(BOB);
        usdc.approve(address(vault), ONE);
        uint256 expected = Math.mulDiv(499_999, vault.totalSupply() + 1e6, 1e12 * ONE + 1 + 1);
        assertEq(expected, 0, "would mint zero");
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, 499_999, 0));
        vault.deposit(499_999, BOB);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.ZeroSharesOrAssets.selector, 0, 0));
        vault.mint(0, BOB);
        VM.stopPrank();
    }

    /// `maxWithdraw` counts what the market can really release, and `withdraw(maxWithdraw)` / `redeem(maxRedeem)`
    /// succeed in the same block.
    function test_maxWithdrawNeverOverstates() public {
        _addFrictionMarket();
        _deposit(ALICE, 10_000 * ONE);
        _exec(_one(address(frictionFuse), abi.encodeCall(Erc4626SupplyFuse.enter, (address(friction), 9_000 * ONE))));
        friction.setLiquidity(4_000 * ONE);
        uint256 maxAssets = vault.maxWithdraw(ALICE);
        // Idle + releasable, less the rounding allowance: 2 units per fuse and 1 bp of what must be pulled.
        assertEq(maxAssets, 1_000 * ONE + 4_000 * ONE - 2 - (4_000 * ONE) / 10_000, "idle + releasable - allowance");
        uint256 snapshotShares = vault.balanceOf(ALICE);
        VM.prank(ALICE);
        vault.withdraw(maxAssets, ALICE, ALICE);
        assertTrue(vault.balanceOf(ALICE) < snapshotShares, "withdrew");
        uint256 maxShares = vault.maxRedeem(ALICE);
        VM.prank(ALICE);
        vault.redeem(maxShares, ALICE, ALICE);
    }

    /// The pull's cost (here a 1% withdrawal fee) is charged to the redeemer, never to the holders who stay.
    function test_pullCostIsChargedToTheRedeemer() public {
        _addFrictionMarket();
        _deposit(ALICE, 10_000 * ONE);
        _deposit(BOB, 10_000 * ONE);
        _exec(_one(address(frictionFuse), abi.encodeCall(Erc4626SupplyFuse.enter, (address(friction), 16_000 * ONE))));
        friction.setFeeBps(100);
        uint256 bobBefore = vault.convertToAssets(vault.balanceOf(BOB));
        uint256 shares = vault.balanceOf(ALICE);
        VM.prank(ALICE);
        uint256 paid = vault.redeem(shares, ALICE, ALICE);
        // Alice's fair 10,000 less the fee on the 6,000 pulled (and the 1-unit roundings of the fee).
        assertLe(paid, 10_000 * ONE - 60 * ONE, "fee charged to alice");
        assertLe(bobBefore, vault.convertToAssets(vault.balanceOf(BOB)) + 1, "bob pays nothing");
    }

    /// A redemption that pulls from a market is priced on its fresh value: a loss the cache has not seen is
    /// the redeemer's share, not pushed onto the holders who stay.
    function test_pullIsPricedOnFreshValue() public {
        _addFrictionMarket();
        _deposit(ALICE, 10_000 * ONE);
        _deposit(BOB, 10_000 * ONE);
        _exec(_one(address(frictionFuse), abi.encodeCall(Erc4626SupplyFuse.enter, (address(friction), 16_000 * ONE))));
        usdc.burn(address(friction), 2_000 * ONE); // the market lost 2,000; the cache still says 16,000
        uint256 shares = vault.balanceOf(ALICE);
        VM.prank(ALICE);
        uint256 paid = vault.redeem(shares, ALICE, ALICE);
        // Fair: half of 4,000 idle + 14,000 = 9,000 (less roundings).
        assertLe(paid, 9_000 * ONE, "priced on the fresh value");
        assertLe(9_000 * ONE - 3, paid, "and not less (roundings)");
    }
}
