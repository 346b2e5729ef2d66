// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IFuseboxVault} from "../../contracts/interfaces/IFuseboxVault.sol";
import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Drives the vault through random sequences of deposits, redemptions, strategy batches, price moves,
/// donations, time and pauses, and records any breach of a property in a ghost flag. It holds the ALPHA,
/// GUARDIAN and ATOMIST roles (granted by the test).
contract VaultHandler is VaultTestBase {
    address[3] internal actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];

    bool public roundTripProfited;
    bool public guardrailBroken;
    bool public supplyChangedByExecute;
    bool public idleRedemptionFailed;
    uint256 public successfulExecutes;
    uint256 public pausedRedemptions;

    uint256 private _balanceBefore;
    uint256 private _leverageBefore;

    constructor(VaultTestBase stack) {
        (manager, usdc, oracle, vault) = (stack.manager(), stack.usdc(), stack.oracle(), stack.vault());
        (target, supplyFuse, venue, levFuse, writerFuse) =
            (stack.target(), stack.supplyFuse(), stack.venue(), stack.levFuse(), stack.writerFuse());
    }

    // ---------------------------------------------------------------- depositors

    function deposit(uint256 actorSeed, uint256 assets) external {
        if (vault.paused()) return;
        _deposit(_actor(actorSeed), bound(assets, 1, 1e9 * ONE));
    }

    function redeem(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        shares = bound(shares, 0, vault.balanceOf(actor));
        if (shares == 0) return;
        // Served from idle at an unexpired NAV: must succeed, paused or not.
        bool coveredByIdle = block.timestamp <= vault.navExpiresAt()
            && vault.previewRedeem(shares) <= usdc.balanceOf(address(vault));
        bool paused = vault.paused();
        VM.prank(actor);
        try vault.redeem(shares, actor, actor) {
            if (paused) ++pausedRedemptions;
        } catch {
            if (coveredByIdle) idleRedemptionFailed = true;
        }
    }

    function withdraw(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = bound(assets, 0, vault.maxWithdraw(actor));
        if (assets == 0) return;
        VM.prank(actor);
        try vault.withdraw(assets, actor, actor) {} catch {}
    }

    /// Deposit and redeem at once: never returns more than was paid.
    function roundTrip(uint256 actorSeed, uint256 assets) external {
        if (vault.paused()) return;
        address actor = _actor(actorSeed);
        assets = bound(assets, 1, 1e9 * ONE);
        uint256 shares = _deposit(actor, assets);
        VM.prank(actor);
        uint256 out = vault.redeem(shares, actor, actor);
        if (out > assets) roundTripProfited = true;
    }

    // ---------------------------------------------------------------- the alpha

    function supply(uint256 assets) external {
        assets = bound(assets, 1, usdc.balanceOf(address(vault)) + 1);
        _execute(M4626, _supply(assets));
    }

    function unsupply(uint256 assets) external {
        _execute(M4626, _unsupply(bound(assets, 1, vault.getMarket(M4626).balance + 1)));
    }

    function addMargin(uint256 assets) external {
        _execute(MLEV, _addMargin(bound(assets, 0, usdc.balanceOf(address(vault)))));
    }

    function removeMargin(uint256 assets) external {
        _execute(MLEV, _removeMargin(bound(assets, 0, venue.margin(address(vault)))));
    }

    function setNotional(uint256 notional) external {
        _execute(MLEV, _setNotional(bound(notional, 0, 5 * (venue.margin(address(vault)) + 1))));
    }

    // ---------------------------------------------------------------- the world

    /// A price move at the venue in [-margin, +margin/2]; gains are funded so the venue stays solvent.
    function movePrice(uint256 seed) external {
        uint256 margin = venue.margin(address(vault));
        int256 pnl = int256(bound(seed, 0, margin + margin / 2)) - int256(margin);
        if (pnl > 0) usdc.mint(address(venue), uint256(pnl));
        venue.applyPnl(address(vault), pnl);
    }

    function donateToVault(uint256 assets) external {
        usdc.mint(address(vault), bound(assets, 0, 1e6 * ONE));
    }

    function donateToMarket(uint256 assets) external {
        usdc.mint(address(target), bound(assets, 0, 1e6 * ONE));
    }

    function passTime(uint256 seconds_) external {
        VM.warp(block.timestamp + bound(seconds_, 0, 2 hours));
    }

    function togglePause() external {
        if (vault.paused()) vault.unpause();
        else vault.pause();
    }

    function refresh() external {
        vault.refreshAllMarketBalances();
    }

    // ---------------------------------------------------------------- internals

    function _actor(uint256 seed) private view returns (address) {
        return actors[seed % actors.length];
    }

    /// Runs `actions` (all on `marketId`) and, if the vault accepted them, checks the guardrails against fresh
    /// pre-batch values: within the limit, or no worse than before (and, paused, no new risk).
    function _execute(uint256 marketId, FuseAction[] memory actions) private {
        uint256[] memory ids = new uint256[](1);
        ids[0] = marketId;
        vault.refreshMarketBalances(ids);
        FuseboxStorageLib.Market memory before = _market(marketId);
        _balanceBefore = before.balance;
        uint256 notionalBefore = before.grossNotional;
        _leverageBefore = _leverage(before.grossNotional, before.balance);
        uint256 idleBefore = usdc.balanceOf(address(vault));
        uint256 supplyBefore = vault.totalSupply();
        bool paused = vault.paused();

        try vault.execute(actions) {
            ++successfulExecutes;
            if (vault.totalSupply() != supplyBefore) supplyChangedByExecute = true;
            FuseboxStorageLib.Market memory m = _market(marketId);
            uint256 leverage = _leverage(m.grossNotional, m.balance);
            uint256 idle = usdc.balanceOf(address(vault));
            uint256 totalAssets = vault.totalAssets();
            if (m.balance > _balanceBefore && m.balance * 10_000 > totalAssets * m.capBps) guardrailBroken = true;
            bool moreNotional = m.grossNotional > notionalBefore;
            if (leverage > m.maxLeverageWad && (leverage > _leverageBefore || moreNotional)) guardrailBroken = true;
            if (idle < idleBefore && idle * 10_000 < totalAssets * vault.idleBufferBps()) guardrailBroken = true;
            if (paused && moreNotional) guardrailBroken = true;
            if (paused && m.balance > _balanceBefore && leverage >= _leverageBefore) guardrailBroken = true;
        } catch {}
    }

    function _market(uint256 marketId) private view returns (FuseboxStorageLib.Market memory) {
        return vault.getMarket(marketId);
    }

    function _leverage(uint256 notional, uint256 equity) private pure returns (uint256) {
        if (notional == 0) return 0;
        if (equity == 0) return type(uint256).max;
        return (notional * WAD + equity - 1) / equity;
    }
}

/// @notice Invariants of the vault under the handler's random sequences.
contract FuseboxVaultInvariantTest is VaultTestBase {
    VaultHandler internal handler;

    function setUp() public {
        _deployStack();
        handler = new VaultHandler(this);
        manager.grantRole(Roles.ALPHA, address(handler), 0);
        manager.grantRole(Roles.GUARDIAN, address(handler), 0);
        manager.grantRole(Roles.ATOMIST, address(handler), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// Total assets = idle + Σ cached market balances (and the running sum matches); shares never claim more.
    /// forge-config: default.invariant.runs = 128
    /// forge-config: default.invariant.depth = 64
    function invariant_accounting() public view {
        uint256 sum = _sumMarketBalances();
        assertEq(vault.totalMarketBalance(), sum, "running sum");
        assertEq(vault.totalAssets(), usdc.balanceOf(address(vault)) + sum, "total assets");
        assertLe(vault.convertToAssets(vault.totalSupply()), vault.totalAssets(), "shares claim more than assets");
    }

    /// Every successful execute kept caps, leverage and buffer (or made them no worse) and the share supply.
    /// forge-config: default.invariant.runs = 128
    /// forge-config: default.invariant.depth = 64
    function invariant_guardrailsAndShareSupply() public view {
        assertTrue(!handler.guardrailBroken(), "guardrail broken by a successful execute");
        assertTrue(!handler.supplyChangedByExecute(), "execute changed the share supply");
    }

    /// Round trips never profit; a redemption covered by idle always goes through, paused or not.
    /// forge-config: default.invariant.runs = 128
    /// forge-config: default.invariant.depth = 64
    function invariant_depositorsProtected() public view {
        assertTrue(!handler.roundTripProfited(), "round trip profited");
        assertTrue(!handler.idleRedemptionFailed(), "redemption covered by idle failed");
    }
}
