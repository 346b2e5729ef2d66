// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestOracleValuedBalanceFuse} from "../../contracts/test/TestVaultFuses.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Regression (found by the invariant campaign; failed before the fix): `maxDeposit` / `maxMint` overstated while the NAV has
/// expired and a market cannot be valued. ERC-4626: maxDeposit "MUST return the maximum amount of assets that
/// could be deposited ... without causing a revert"; here it returns type(uint256).max and `deposit` reverts
/// with the balance fuse's error (StalePrice).
contract VaultBugsTest is VaultTestBase {
    address internal constant ALICE = address(0xA11CE);

    function test_maxDepositOverstatesWhileAMarketCannotBeValued() public {
        VM.warp(1_800_000_000);
        _deployStack();
        TestERC20 weth = new TestERC20("WETH", "WETH", 18);
        TestPriceFeed wethFeed = new TestPriceFeed(8, 2_000e8);
        oracle.setFeed(address(weth), address(wethFeed), 3600);
        vault.configureMarket(
            4,
            IFuseboxVaultModule.MarketParams({
                balanceFuse: address(new TestOracleValuedBalanceFuse(4, address(weth))),
                capBps: 10_000,
                capAssets: 0,
                maxLeverageWad: 0,
                maxBalanceAge: 3600
            })
        );
        weth.mint(address(vault), 5e18);
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
        uint256 feedAt = wethFeed.updatedAt();
        VM.warp(block.timestamp + 3601); // the NAV expired, the WETH feed is stale
        usdcFeed.setAnswer(1e8);

        usdc.mint(ALICE, 1_000 * 1e6);
        VM.prank(ALICE);
        usdc.approve(address(vault), 1_000 * 1e6);
        VM.expectRevert(abi.encodeWithSelector(ErrorsLib.StalePrice.selector, address(weth), feedAt, 3600));
        VM.prank(ALICE);
        vault.deposit(1_000 * 1e6, ALICE);
        // The deposit cannot succeed, so ERC-4626 wants 0 here; the vault says type(uint256).max.
        assertEq(vault.maxDeposit(ALICE), 0, "maxDeposit while a deposit must revert");
        assertEq(vault.maxMint(ALICE), 0, "maxMint while a mint must revert");
    }
}
