// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Roles} from "../../contracts/libraries/Roles.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Depositors, redeemers (ERC-7540 requests, cancels, claims, instant redemptions), a donation actor and
/// the alpha (strategy batches, settlements) against a vault with fees on. Each handler that can act must succeed
/// (a revert sets `unexpectedRevert`); properties are checked as the handlers act and in ghost totals.
contract EconomicsHandler is VaultTestBase {
    address[3] internal actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];
    uint256 internal constant VIRTUAL = 1e6;

    bool public unexpectedRevert;
    bool public cancelMismatch;
    bool public diluted;
    bool public lostRequest;
    uint256 public requested; // shares requested so far
    uint256 public cancelled; // shares returned by cancels
    uint256 public settledShares; // shares settled
    uint256 public setAsideTotal; // assets set aside by settlements
    uint256 public claimedTotal; // assets paid by claims
    uint256 public settlements;
    uint256 public claims;

    constructor(VaultTestBase stack) {
        (manager, usdc, oracle, vault) = (stack.manager(), stack.usdc(), stack.oracle(), stack.vault());
        (target, supplyFuse, venue, levFuse, writerFuse) =
            (stack.target(), stack.supplyFuse(), stack.venue(), stack.levFuse(), stack.writerFuse());
    }

    function actorList() external view returns (address[] memory list) {
        list = new address[](3);
        for (uint256 i; i < 3; ++i) {
            list[i] = actors[i];
        }
    }

    // ---------------------------------------------------------------- depositors and redeemers

    function deposit(uint256 actorSeed, uint256 assets) external {
        address actor = _actor(actorSeed);
        assets = bound(assets, ONE, 1e7 * ONE);
        usdc.mint(actor, assets);
        VM.startPrank(actor);
        usdc.approve(address(vault), assets);
        try vault.deposit(assets, actor) {}
        catch (bytes memory reason) {
            // After a large donation a small deposit can be worth less than one share: refused, nothing lost.
            if (bytes4(reason) != ErrorsLib.ZeroSharesOrAssets.selector) _unexpected(reason);
        }
        VM.stopPrank();
    }

    function request(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        shares = bound(shares, 0, vault.balanceOf(actor));
        if (shares == 0) return;
        VM.prank(actor);
        try vault.requestRedeem(shares, actor, actor) {
            requested += shares;
        } catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    function cancel(uint256 actorSeed) external {
        address actor = _actor(actorSeed);
        uint256 pending = vault.pendingRedeemRequest(0, actor);
        if (pending == 0) return;
        uint256 before = vault.balanceOf(actor);
        VM.prank(actor);
        try vault.cancelRedeemRequest(actor) returns (uint256 shares) {
            if (shares != pending || vault.balanceOf(actor) != before + pending) cancelMismatch = true;
            cancelled += shares;
        } catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    function claim(uint256 actorSeed, uint256 shares, bool byAssets) external {
        address actor = _actor(actorSeed);
        uint256 claimable = vault.claimableRedeemRequest(0, actor);
        if (claimable == 0) return;
        uint256 before = usdc.balanceOf(actor);
        VM.startPrank(actor);
        if (byAssets) {
            uint256 assets = bound(shares, 1, vault.claimableRedeemAssets(actor));
            try vault.withdraw(assets, actor, actor) {} catch (bytes memory reason) {
                _unexpected(reason);
            }
        } else {
            try vault.redeem(bound(shares, 1, claimable), actor, actor) {} catch (bytes memory reason) {
                _unexpected(reason);
            }
        }
        VM.stopPrank();
        claimedTotal += usdc.balanceOf(actor) - before;
        ++claims;
    }

    /// Instant redemption for an actor with nothing to claim: covered by idle, it must go through.
    function instantRedeem(uint256 actorSeed, uint256 shares) external {
        address actor = _actor(actorSeed);
        if (vault.claimableRedeemRequest(0, actor) != 0) return;
        shares = bound(shares, 0, vault.maxRedeem(actor));
        if (shares == 0) return;
        VM.prank(actor);
        try vault.redeem(shares, actor, actor) {} catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    function donate(uint256 assets) external {
        usdc.mint(address(vault), bound(assets, 0, 1e6 * ONE));
    }

    function warp(uint256 secondsAhead) external {
        VM.warp(block.timestamp + bound(secondsAhead, 1, 2 days));
    }

    // ---------------------------------------------------------------- the alpha

    function supply(uint256 assets) external {
        uint256 idle = vault.totalAssets() - _sumMarketBalances();
        assets = bound(assets, 0, idle / 4);
        if (assets == 0) return;
        VM.prank(ALPHA);
        try vault.execute(_supply(assets)) {} catch {}
    }

    function unwind(uint256 assets) external {
        uint256 held = target.maxWithdraw(address(vault));
        assets = bound(assets, 0, held);
        if (assets == 0) return;
        VM.prank(ALPHA);
        try vault.execute(_unsupply(assets)) {} catch (bytes memory reason) {
            _unexpected(reason);
        }
    }

    /// The alpha settles at a fresh NAV it refreshed itself: each request gets exactly its shares at the price of
    /// the shares that stay, and every pending share is either settled or still pending.
    function settle() external {
        (uint256 pending,,,,) = vault.redeemQueue();
        if (pending == 0) return;
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances(); // fees accrue here; the settlement in the same block owes none more
        uint256 totalAssets = vault.totalAssets();
        uint256 supply = vault.totalSupply() + VIRTUAL;
        (uint256[3] memory sharesBefore, uint256[3] memory assetsBefore) = _claimables();
        address[] memory list = this.actorList();
        VM.prank(ALPHA);
        try vault.settleRedeemRequests(list) {
            ++settlements;
        } catch (bytes memory reason) {
            _unexpected(reason);
            return;
        }
        _record(pending, totalAssets, supply, sharesBefore, assetsBefore);
    }

    /// Past the maximum wait, anyone settles (pulling from the instant-withdraw market).
    function settleOverdue() external {
        (uint256 pending,,, uint256 maxWait,) = vault.redeemQueue();
        if (pending == 0) return;
        uint256 oldest = type(uint256).max;
        for (uint256 i; i < 3; ++i) {
            uint256 at = vault.redeemRequestedAt(actors[i]);
            if (at != 0 && at < oldest) oldest = at;
        }
        if (block.timestamp <= oldest + maxWait) VM.warp(oldest + maxWait + 1);
        (uint256[3] memory sharesBefore, uint256[3] memory assetsBefore) = _claimables();
        address[] memory list = this.actorList();
        VM.prank(address(0xD0E));
        try vault.settleOverdueRedeemRequests(list) {
            ++settlements;
        } catch (bytes memory reason) {
            _unexpected(reason);
            return;
        }
        _record(pending, 0, 0, sharesBefore, assetsBefore);
    }

    function _claimables() internal view returns (uint256[3] memory shares, uint256[3] memory assets) {
        for (uint256 i; i < 3; ++i) {
            shares[i] = vault.claimableRedeemRequest(0, actors[i]);
            assets[i] = vault.claimableRedeemAssets(actors[i]);
        }
    }

    function _record(
        uint256 pendingBefore,
        uint256 totalAssets,
        uint256 supply,
        uint256[3] memory sharesBefore,
        uint256[3] memory assetsBefore
    ) internal {
        uint256 sharesNow;
        for (uint256 i; i < 3; ++i) {
            uint256 s = vault.claimableRedeemRequest(0, actors[i]) - sharesBefore[i];
            uint256 a = vault.claimableRedeemAssets(actors[i]) - assetsBefore[i];
            sharesNow += s;
            setAsideTotal += a;
            // Not diluted: exactly its shares' worth at the price before the settlement (alpha path, no pull cost).
            if (supply != 0 && a != Math.mulDiv(s, totalAssets + 1, supply)) diluted = true;
        }
        settledShares += sharesNow;
        (uint256 pendingAfter,,,,) = vault.redeemQueue();
        if (pendingAfter + sharesNow != pendingBefore) lostRequest = true;
    }

    bytes public failure; // the first unexpected revert's data

    function _unexpected(bytes memory reason) internal {
        if (!unexpectedRevert) failure = reason;
        unexpectedRevert = true;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % 3];
    }
}

/// @notice Queue and fee invariants under the handler's random sequences.
contract EconomicsInvariantTest is VaultTestBase {
    EconomicsHandler internal handler;

    function setUp() public {
        _deployStack();
        vault.setFeeRecipient(address(0xFEE2));
        vault.setFees(200, 1_000);
        vault.setMaxRedeemWait(1 days);
        handler = new EconomicsHandler(this);
        manager.grantRole(Roles.ALPHA, address(handler), 0);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// No request is lost: requested − cancelled − settled = pending = Σ pending per controller ≤ custody.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_noRequestLost() public view {
        (uint256 pending,,,,) = vault.redeemQueue();
        assertEq(handler.requested() - handler.cancelled() - handler.settledShares(), pending, "requests lost");
        address[] memory actors = handler.actorList();
        uint256 sum;
        for (uint256 i; i < actors.length; ++i) {
            sum += vault.pendingRedeemRequest(0, actors[i]);
        }
        assertEq(sum, pending, "sum of pending");
        assertLe(pending, vault.balanceOf(address(vault)), "custody");
        assertTrue(!handler.lostRequest(), "a settlement lost shares");
        assertTrue(!handler.cancelMismatch(), "cancel did not return exactly the shares");
    }

    /// Claimable ≤ set aside ≤ the vault's asset balance; the claims never exceed what was set aside.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_claimsWithinSetAside() public view {
        (, uint256 setAside,,,) = vault.redeemQueue();
        address[] memory actors = handler.actorList();
        uint256 claimable;
        for (uint256 i; i < actors.length; ++i) {
            claimable += vault.claimableRedeemAssets(actors[i]);
        }
        assertLe(claimable, setAside, "claimable above set aside");
        assertLe(setAside, usdc.balanceOf(address(vault)), "set aside above the balance");
        assertLe(handler.claimedTotal(), handler.setAsideTotal(), "claims above what was set aside");
        assertEq(vault.totalAssets(), usdc.balanceOf(address(vault)) - setAside + _sumMarketBalances(), "total assets");
    }

    /// Settled requests were paid the price of the shares that stay; every handler that could act did.
    /// forge-config: default.invariant.runs = 64
    /// forge-config: default.invariant.depth = 64
    function invariant_notDilutedAndHandlersActed() public view {
        assertTrue(!handler.diluted(), "a settlement paid another price");
        if (handler.unexpectedRevert()) {
            bytes memory reason = handler.failure();
            assembly ("memory-safe") {
                revert(add(reason, 32), mload(reason)) // the handler's revert, decoded by the runner
            }
        }
    }
}
