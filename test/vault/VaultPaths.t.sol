// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {PriceOracleMiddleware} from "../../contracts/PriceOracleMiddleware.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Paths the other files do not take: redemptions by an approved spender, declared dependencies valued
/// with the touched market, idempotent configuration calls, and the module's views (each checked against the
/// configuration this test wrote).
contract VaultPathsTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);
    address internal constant SPENDER = address(0x5BE7D);

    function setUp() public {
        _deployStack();
    }

    function test_spenderRedeemsAndWithdrawsWithinItsAllowance() public {
        uint256 shares = _deposit(ALICE, 1_000 * ONE);
        VM.prank(ALICE);
        vault.approve(SPENDER, shares / 2);
        // 100 units cost ceil(100e6 * (1e15 + 1e6) / (1e9 + 1)) shares.
        uint256 burnt = Math.mulDiv(100 * ONE, shares + 1e6, 1_000 * ONE + 1, Math.Rounding.Ceil);
        VM.prank(SPENDER);
        assertEq(vault.withdraw(100 * ONE, SPENDER, ALICE), burnt, "withdrawn for alice");
        assertEq(vault.allowance(ALICE, SPENDER), shares / 2 - burnt, "allowance spent");
        uint256 rest = shares / 2 - burnt;
        VM.prank(SPENDER);
        vault.redeem(rest, SPENDER, ALICE);
        assertEq(vault.allowance(ALICE, SPENDER), 0, "allowance used up");
        VM.expectRevert(abi.encodeWithSignature("ERC20InsufficientAllowance(address,uint256,uint256)", SPENDER, 0, 1));
        VM.prank(SPENDER);
        vault.redeem(1, SPENDER, ALICE);
    }

    /// A market's declared dependents are valued with it: a change at the dependent is seen by the batch.
    function test_dependentsAreValuedWithTheTouchedMarket() public {
        _deposit(ALICE, 10_000 * ONE);
        VM.prank(ALPHA);
        vault.execute(_addMargin(1_000 * ONE));
        uint256[] memory deps = new uint256[](1);
        deps[0] = MLEV;
        vault.setMarketDependencies(M4626, deps);
        assertEq(vault.getMarketDependencies(M4626)[0], MLEV, "declared");
        usdc.mint(address(venue), 500 * ONE);
        venue.applyPnl(address(vault), int256(500 * ONE)); // the cache still says 1,000
        VM.prank(ALPHA);
        vault.execute(_supply(1_000 * ONE));
        assertEq(vault.getMarket(MLEV).balance, 1_500 * ONE, "the dependent was revalued by the batch");
        assertEq(vault.totalAssets(), 10_500 * ONE, "NAV");
        // A quarantined dependent is skipped, not valued.
        VM.prank(GUARDIAN);
        vault.quarantineMarket(MLEV);
        VM.prank(ALPHA);
        vault.execute(_supply(500 * ONE));
        assertEq(vault.getMarket(MLEV).balance, 0, "quarantined dependent counts zero");
    }

    function test_idempotentConfigurationAndViews() public {
        address[] memory fuses = new address[](1);
        fuses[0] = address(supplyFuse);
        vault.addFuses(fuses); // already there: no duplicate
        assertEq(vault.getMarketFuses(M4626).length, 1, "one fuse");
        assertEq(vault.fuseMarketId(address(supplyFuse)), M4626, "fuse market");
        bytes32[] memory subs = new bytes32[](1);
        subs[0] = bytes32(uint256(uint160(address(target))));
        vault.grantSubstrates(M4626, subs); // already granted
        assertEq(vault.getSubstrates(M4626).length, 1, "one substrate");
        assertTrue(vault.isSubstrateAllowed(M4626, subs[0]), "allowed");
        assertTrue(vault.getValuationKeys(M4626)[0] == ValuationKeys.tokenBalance(address(target)), "key");
        subs[0] = bytes32(uint256(0xBEEF));
        VM.prank(GUARDIAN);
        vault.revokeSubstrates(M4626, subs); // never granted: nothing happens
        assertEq(vault.getSubstrates(M4626).length, 1, "still one substrate");
        fuses[0] = address(0xF0F0);
        VM.prank(GUARDIAN);
        vault.removeFuses(fuses); // unknown fuse: nothing happens
        assertEq(vault.MAX_MARKETS(), 32, "MAX_MARKETS");
        assertTrue(vault.getInstantWithdrawFuses()[0] == address(supplyFuse), "withdraw order");
        assertTrue(!vault.depositorAllowlistEnabled(), "allowlist off");
        assertTrue(!vault.isDepositorAllowed(ALICE), "alice not listed");
        PriceOracleMiddleware other = new PriceOracleMiddleware(address(manager));
        vault.setPriceOracle(address(other));
        assertTrue(vault.priceOracle() == address(other), "oracle set");
    }

    /// An empty market is removed with its keys and fuses; its id may be configured again from nothing.
    function test_removeEmptyMarket() public {
        vault.removeMarket(MLEV);
        assertEq(vault.getMarketIds().length, 2, "two markets left");
        assertEq(vault.fuseMarketId(address(levFuse)), 0, "fuse forgotten");
        assertEq(vault.valuationKeyMarket(ValuationKeys.account(address(venue))), 0, "key released");
        assertEq(vault.getSubstrates(MLEV).length, 0, "substrates forgotten");
        FuseAction[] memory batch = _addMargin(1);
        VM.expectRevert(abi.encodeWithSignature("FuseNotAllowed(address)", address(levFuse)));
        VM.prank(ALPHA);
        vault.execute(batch);
    }
}
