// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {AccessManager} from "@openzeppelin/contracts/access/manager/AccessManager.sol";

import {FuseboxVault} from "../../contracts/FuseboxVault.sol";
import {FuseboxVaultModule} from "../../contracts/FuseboxVaultModule.sol";
import {FuseboxEconomicsModule} from "../../contracts/FuseboxEconomicsModule.sol";
import {FuseboxRiskModule} from "../../contracts/FuseboxRiskModule.sol";
import {IFuseboxVault, IFuseboxVaultCore, IFuseboxVaultModule, IFuseboxVaultEconomics} from "../../contracts/interfaces/IFuseboxVault.sol";
import {PriceOracleMiddleware} from "../../contracts/PriceOracleMiddleware.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestErc4626Target} from "../../contracts/test/TestErc4626Target.sol";
import {
    TestLeveragedVenue, TestLeveragedFuse, TestLeveragedBalanceFuse
} from "../../contracts/test/TestLeveragedVenue.sol";
import {TestSupplyWriterFuse} from "../../contracts/test/TestVaultFuses.sol";
import {Erc4626SupplyFuse} from "../../fuses/erc4626/Erc4626SupplyFuse.sol";
import {Erc4626BalanceFuse} from "../../fuses/erc4626/Erc4626BalanceFuse.sol";

/// @notice The forge-std cheatcodes these tests use (forge-std is not installed).
interface Vm {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function assume(bool condition) external pure;
    function expectRevert(bytes calldata revertData) external;
    function expectRevert(bytes4 selector) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
    function expectEmit(bool checkTopic1, bool checkTopic2, bool checkTopic3, bool checkData, address emitter) external;
}

Vm constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

/// @notice Small assertion and bounding helpers.
abstract contract Asserts {
    error AssertionFailed(string what, uint256 left, uint256 right);

    function assertEq(uint256 a, uint256 b, string memory what) internal pure {
        if (a != b) revert AssertionFailed(what, a, b);
    }

    function assertLe(uint256 a, uint256 b, string memory what) internal pure {
        if (a > b) revert AssertionFailed(what, a, b);
    }

    function assertTrue(bool condition, string memory what) internal pure {
        if (!condition) revert AssertionFailed(what, 0, 0);
    }

    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        if (max <= min) return min;
        return min + (x % (max - min + 1));
    }
}

/// @notice The Fusebox core stack deployed inside a Solidity test: an AccessManager (this contract is its admin
/// and the atomist and fuse manager), the oracle middleware, a 6-decimal test USDC, the vault (offset 6) and
/// three markets: 1 = ERC-4626 supply (instant withdrawal, cap 60%), 2 = leveraged venue (cap 50%, 3x),
/// 3 = a malicious fuse that writes the share supply slot (valued at zero).
abstract contract VaultTestBase is Asserts {
    uint256 internal constant ONE = 1e6;
    uint256 internal constant WAD = 1e18;
    uint256 internal constant M4626 = 1;
    uint256 internal constant MLEV = 2;
    uint256 internal constant MWRITER = 3;
    uint64 internal constant ADMIN_ROLE = 0;

    address internal constant ALPHA = address(0xA1FA);
    address internal constant GUARDIAN = address(0x6A4D);

    AccessManager public manager;
    TestERC20 public usdc;
    TestPriceFeed internal usdcFeed;
    PriceOracleMiddleware public oracle;
    IFuseboxVault public vault;
    TestErc4626Target public target;
    Erc4626SupplyFuse public supplyFuse;
    TestLeveragedVenue public venue;
    TestLeveragedFuse public levFuse;
    TestSupplyWriterFuse public writerFuse;

    function _deployStack() internal {
        manager = new AccessManager(address(this));
        usdc = new TestERC20("USDC", "USDC", 6);
        oracle = new PriceOracleMiddleware(address(manager));
        vault = IFuseboxVault(
            address(
                new FuseboxVault(
                    IERC20(address(usdc)), "Fusebox USDC", "fbUSDC", address(manager), address(oracle), 6,
                    address(new FuseboxVaultModule(address(new FuseboxRiskModule(address(new FuseboxEconomicsModule())))))
                )
            )
        );
        _wireRoles();

        usdcFeed = new TestPriceFeed(8, 1e8);
        oracle.setFeed(address(usdc), address(usdcFeed), 3600);

        target = new TestErc4626Target(IERC20(address(usdc)), 0);
        supplyFuse = new Erc4626SupplyFuse(M4626);
        _addMarket(M4626, address(new Erc4626BalanceFuse(M4626)), address(target), 6_000, 0, address(supplyFuse));

        venue = new TestLeveragedVenue(IERC20(address(usdc)));
        levFuse = new TestLeveragedFuse(MLEV);
        _addMarket(MLEV, address(new TestLeveragedBalanceFuse(MLEV)), address(venue), 5_000, uint96(3 * WAD), address(levFuse));

        writerFuse = new TestSupplyWriterFuse(MWRITER);
        _addMarket(MWRITER, address(new TestLeveragedBalanceFuse(MWRITER)), address(0), 10_000, 0, address(writerFuse));

        address[] memory order = new address[](1);
        order[0] = address(supplyFuse);
        vault.setInstantWithdrawFuses(order);
    }

    function _wireRoles() private {
        bytes4[] memory atomist = new bytes4[](10);
        atomist[0] = IFuseboxVaultModule.configureMarket.selector;
        atomist[1] = IFuseboxVaultModule.grantSubstrates.selector;
        atomist[2] = IFuseboxVaultModule.setIdleBufferBps.selector;
        atomist[3] = IFuseboxVaultModule.setInstantWithdrawFuses.selector;
        atomist[4] = IFuseboxVaultModule.unpause.selector;
        atomist[5] = IFuseboxVaultModule.removeMarket.selector;
        atomist[6] = IFuseboxVaultModule.setPriceOracle.selector;
        atomist[7] = IFuseboxVaultModule.setMarketDependencies.selector;
        atomist[8] = IFuseboxVaultModule.releaseQuarantine.selector;
        atomist[9] = IFuseboxVaultModule.writeOffMarket.selector;
        manager.setTargetFunctionRole(address(vault), atomist, Roles.ATOMIST);
        bytes4[] memory one = new bytes4[](1);
        one[0] = IFuseboxVaultModule.addFuses.selector;
        manager.setTargetFunctionRole(address(vault), one, Roles.FUSE_MANAGER);
        bytes4[] memory alpha = new bytes4[](3);
        alpha[0] = IFuseboxVaultCore.execute.selector;
        alpha[1] = IFuseboxVaultCore.refreshMarketBalances.selector;
        alpha[2] = IFuseboxVaultCore.refreshAllMarketBalances.selector;
        manager.setTargetFunctionRole(address(vault), alpha, Roles.ALPHA);
        bytes4[] memory guardian = new bytes4[](5);
        guardian[0] = IFuseboxVaultModule.pause.selector;
        guardian[1] = IFuseboxVaultModule.lowerMarketLimits.selector;
        guardian[2] = IFuseboxVaultModule.revokeSubstrates.selector;
        guardian[3] = IFuseboxVaultModule.removeFuses.selector;
        guardian[4] = IFuseboxVaultModule.quarantineMarket.selector;
        manager.setTargetFunctionRole(address(vault), guardian, Roles.GUARDIAN);
        one[0] = PriceOracleMiddleware.setFeed.selector;
        manager.setTargetFunctionRole(address(oracle), one, Roles.ATOMIST);
        manager.setRoleGuardian(Roles.ATOMIST, Roles.GUARDIAN);
        // Economics (FuseboxEconomicsModule)
        bytes4[] memory econAtomist = new bytes4[](3);
        econAtomist[0] = IFuseboxVaultEconomics.setFees.selector;
        econAtomist[1] = IFuseboxVaultEconomics.setFeeRecipient.selector;
        econAtomist[2] = IFuseboxVaultEconomics.setMaxRedeemWait.selector;
        manager.setTargetFunctionRole(address(vault), econAtomist, Roles.ATOMIST);
        one[0] = IFuseboxVaultEconomics.settleRedeemRequests.selector;
        manager.setTargetFunctionRole(address(vault), one, Roles.ALPHA);
        one[0] = IFuseboxVaultEconomics.lowerFees.selector;
        manager.setTargetFunctionRole(address(vault), one, Roles.GUARDIAN);

        manager.grantRole(Roles.ATOMIST, address(this), 0);
        manager.grantRole(Roles.FUSE_MANAGER, address(this), 0);
        manager.grantRole(Roles.ALPHA, ALPHA, 0);
        manager.grantRole(Roles.GUARDIAN, GUARDIAN, 0);
    }

    function _addMarket(
        uint256 marketId,
        address balanceFuse,
        address substrate,
        uint16 capBps,
        uint96 maxLeverageWad,
        address fuse
    ) internal {
        if (substrate != address(0)) {
            bytes32[] memory subs = new bytes32[](1);
            subs[0] = bytes32(uint256(uint160(substrate)));
            vault.grantSubstrates(marketId, subs);
        }
        vault.configureMarket(
            marketId,
            IFuseboxVaultModule.MarketParams({
                balanceFuse: balanceFuse,
                capBps: capBps,
                capAssets: 0,
                maxLeverageWad: maxLeverageWad,
                maxBalanceAge: 3600
            })
        );
        address[] memory fuses = new address[](1);
        fuses[0] = fuse;
        vault.addFuses(fuses);
    }

    // ---------------------------------------------------------------- action builders

    function _one(address fuse, bytes memory data) internal pure returns (FuseAction[] memory actions) {
        actions = new FuseAction[](1);
        actions[0] = FuseAction({fuse: fuse, data: data});
    }

    function _supply(uint256 assets) internal view returns (FuseAction[] memory) {
        return _one(address(supplyFuse), abi.encodeCall(Erc4626SupplyFuse.enter, (address(target), assets)));
    }

    function _unsupply(uint256 assets) internal view returns (FuseAction[] memory) {
        return _one(address(supplyFuse), abi.encodeCall(Erc4626SupplyFuse.exit, (address(target), assets)));
    }

    function _addMargin(uint256 assets) internal view returns (FuseAction[] memory) {
        return _one(address(levFuse), abi.encodeCall(TestLeveragedFuse.addMargin, (address(venue), assets)));
    }

    function _removeMargin(uint256 assets) internal view returns (FuseAction[] memory) {
        return _one(address(levFuse), abi.encodeCall(TestLeveragedFuse.removeMargin, (address(venue), assets)));
    }

    function _setNotional(uint256 notional) internal view returns (FuseAction[] memory) {
        return _one(address(levFuse), abi.encodeCall(TestLeveragedFuse.setNotional, (address(venue), notional)));
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        usdc.mint(who, assets);
        VM.startPrank(who);
        usdc.approve(address(vault), assets);
        shares = vault.deposit(assets, who);
        VM.stopPrank();
    }

    function _redeemAll(address who) internal returns (uint256 assets) {
        uint256 shares = vault.balanceOf(who);
        VM.prank(who);
        assets = vault.redeem(shares, who, who);
    }

    // The stack's contracts are public: a handler copies them from the test contract that built them.

    /// The USDC price feed (a handler keeps it fresh as time passes).
    function usdcPriceFeed() external view returns (TestPriceFeed) {
        return usdcFeed;
    }

    function _sumMarketBalances() internal view returns (uint256 sum) {
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            sum += vault.getMarket(ids[i]).balance;
        }
    }
}
