// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestSupplyWriterFuse} from "../../contracts/test/TestVaultFuses.sol";
import {SimulatedPerpVenue} from "../../contracts/simulation/SimulatedPerpVenue.sol";
import {SimulatedPerpFuse} from "../../fuses/perp/SimulatedPerpFuse.sol";
import {PerpFuseBase} from "../../fuses/perp/PerpFuseBase.sol";
import {SimulatedPerpBalanceFuse} from "../../fuses/perp/SimulatedPerpBalanceFuse.sol";
import {SpotBalanceFuse} from "../../fuses/spot/SpotBalanceFuse.sol";
import {VM} from "../vault/VaultTestBase.sol";
import {RiskTestBase} from "./RiskGroups.t.sol";

/// @notice The net-delta band on a delta-neutral book: 50 WETH held spot (+) against a short on the simulated perp
/// venue listed under WETH's address (−). NAV 1.1M USDC, band 2 % = 22,000 USDC = 11 WETH at 2,000.
contract NetDeltaTest is RiskTestBase {
    address internal constant ALICE = address(0xA11CE);
    uint256 internal constant MPERP = 21;
    uint256 internal constant MSPOT = 22;
    uint256 internal constant NAV = 1_100_000 * ONE;

    TestERC20 internal weth;
    SimulatedPerpVenue internal perpVenue;
    SimulatedPerpFuse internal perpFuse;

    function setUp() public {
        _deployStack();
        _wireRiskRoles();
        weth = new TestERC20("WETH", "WETH", 18);
        oracle.setFeed(address(weth), address(new TestPriceFeed(8, 2_000e8)), 3600);
        _deposit(ALICE, 1_000_000 * ONE);
        weth.mint(address(vault), 50e18);

        perpVenue = new SimulatedPerpVenue(IERC20(address(usdc)), address(this));
        perpVenue.listMarket(address(weth), 2_000e18, 28_800, 0, 1_000, 500, 250, 3600);
        usdc.mint(address(perpVenue), 10_000_000 * ONE);
        perpFuse = new SimulatedPerpFuse(MPERP, address(perpVenue));
        _addMarket(
            MPERP, address(new SimulatedPerpBalanceFuse(MPERP, address(perpVenue))), address(weth), 5_000, uint96(3 * WAD),
            address(perpFuse)
        );
        _addMarket(MSPOT, address(new SpotBalanceFuse(MSPOT)), address(weth), 2_000, 0, address(new TestSupplyWriterFuse(MSPOT)));
        vault.setExposureReporting(MPERP, true);
        vault.setExposureReporting(MSPOT, true);
        vault.setNetDeltaBand(address(weth), 200);
    }

    /// `usdc` of notional short (the venue quotes in 18 decimals).
    function _short(uint256 usdc) internal view returns (FuseAction memory) {
        return FuseAction(
            address(perpFuse),
            abi.encodeCall(PerpFuseBase.increasePosition, (address(weth), false, usdc * 1e12, 0))
        );
    }

    function _exec(FuseAction memory a) internal {
        FuseAction[] memory actions = new FuseAction[](1);
        actions[0] = a;
        VM.prank(ALPHA);
        vault.execute(actions);
    }

    function _delta() internal view returns (int256 d) {
        (d,) = vault.netDelta(address(weth));
    }

    function test_bookSumsSpotAndPerp() public {
        assertTrue(_delta() == 50e18, "spot +50 WETH booked");
        (int256 spot, bool reports) = vault.marketExposure(MSPOT, address(weth));
        assertTrue(spot == 50e18 && reports, "spot report");
        FuseAction[] memory hedge = new FuseAction[](2);
        hedge[0] = FuseAction(address(perpFuse), abi.encodeCall(PerpFuseBase.depositMargin, (100_000 * ONE)));
        hedge[1] = _short(100_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(hedge); // |delta| 50 → 0: passes although it started outside the band
        (int256 perp,) = vault.marketExposure(MPERP, address(weth));
        assertEq(uint256(-perp), 50e18, "perp short booked");
        assertTrue(_delta() == 0, "hedged");
        assertEq(vault.totalAssets(), NAV, "no fee: NAV unchanged");
    }

    function test_bandRefusesGrowthPastItAndLetsReductionsThrough() public {
        test_bookSumsSpotAndPerp();
        // 15 WETH short more: |delta| 15 WETH = 30,000 USDC > 22,000.
        FuseAction[] memory more = new FuseAction[](1);
        more[0] = _short(30_000 * ONE);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.NetDeltaExceeded.selector, address(weth), 22_000 * ONE, -int256(30_000 * ONE))
        );
        VM.prank(ALPHA);
        vault.execute(more);
        _exec(_short(20_000 * ONE)); // 10 WETH = 20,000: inside the band
        assertTrue(_delta() == -10e18, "net short 10");

        // The guardian narrows the band to 1 % (11,000): now outside it, a reduction still passes...
        VM.prank(GUARDIAN);
        vault.lowerNetDeltaBand(address(weth), 100);
        _exec(FuseAction(address(perpFuse), abi.encodeCall(PerpFuseBase.reducePosition, (address(weth), 2e18, 0))));
        assertTrue(_delta() == -8e18, "net short 8");
        // ...and any growth does not.
        more[0] = _short(2_000 * ONE);
        VM.expectRevert(
            abi.encodeWithSelector(ErrorsLib.NetDeltaExceeded.selector, address(weth), 11_000 * ONE, -int256(18_000 * ONE))
        );
        VM.prank(ALPHA);
        vault.execute(more);
    }

    function test_stoppingReportsDropsTheBooking() public {
        vault.setExposureReporting(MSPOT, false);
        assertTrue(_delta() == 0, "spot dropped");
        vault.setExposureReporting(MSPOT, true);
        assertTrue(_delta() == 50e18, "spot booked again");
    }

    /// @notice Regression: removing a reporting market used to leave its reporting flag and the count of reporting
    /// markets behind, so a market later configured under the same id was booked without being asked to.
    function test_removedMarketLeavesTheBookAndItsIdStartsFromNothing() public {
        vault.removeMarket(MPERP); // no margin, no position: removable
        (, bool reports) = vault.marketExposure(MPERP, address(weth));
        assertTrue(!reports, "the removed market does not report");
        _addMarket(MPERP, address(new SpotBalanceFuse(MPERP)), address(0), 2_000, 0, address(new TestSupplyWriterFuse(MPERP)));
        (, reports) = vault.marketExposure(MPERP, address(weth));
        assertTrue(!reports, "a new market under the id starts without reporting");
        // The spot market's booking is untouched, and switching the last reporter off leaves nothing booked.
        assertTrue(_delta() == 50e18, "spot still booked");
        vault.setExposureReporting(MSPOT, false);
        assertTrue(_delta() == 0, "nothing booked");
    }

    function test_onlyTheCoreBooksExposure() public {
        VM.expectRevert(ErrorsLib.OnlyVault.selector);
        vault.bookExposure(MSPOT);
        VM.prank(ALPHA);
        VM.expectRevert(ErrorsLib.OnlyVault.selector);
        vault.bookExposure(MSPOT);
    }

    /// @notice Regression: a valuation the configuration module writes (here: reconfiguring the market; also releasing
    /// a quarantine and an instant withdrawal's revaluation) used to leave the net-delta book at its last report until
    /// the core's next refresh of the market. It is booked at once now.
    function test_theModulesOwnValuationsAreBooked() public {
        weth.mint(address(vault), 10e18); // 60 WETH held; the book still says 50
        assertTrue(_delta() == 50e18, "not revalued yet");
        vault.configureMarket(
            MSPOT,
            IFuseboxVaultModule.MarketParams({
                balanceFuse: vault.getMarket(MSPOT).balanceFuse,
                capBps: 2_000,
                capAssets: 0,
                maxLeverageWad: 0,
                maxBalanceAge: 3600
            })
        );
        assertTrue(_delta() == 60e18, "the module's revaluation is booked");
    }
}
