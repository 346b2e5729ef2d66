// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FuseAction} from "../../contracts/interfaces/IFuse.sol";
import {IFuseboxVaultModule} from "../../contracts/interfaces/IFuseboxVault.sol";
import {ErrorsLib} from "../../contracts/libraries/ErrorsLib.sol";
import {Roles} from "../../contracts/libraries/Roles.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {TestERC20} from "../../contracts/test/TestERC20.sol";
import {TestPriceFeed} from "../../contracts/test/TestPriceFeed.sol";
import {TestOracleValuedBalanceFuse} from "../../contracts/test/TestVaultFuses.sol";
import {VaultTestBase, VM} from "./VaultTestBase.sol";

/// @notice Drives the vault as every party would — depositors, the alpha, the guardian, the atomist, a donor, an
/// oracle that breaks and heals, time — and checks each operation against a model of the vault written here from
/// contracts/README.md: market values computed from the venues' own state, prices and roundings by plain
/// arithmetic (never from the vault's previews). A breach is recorded (`failure`), never thrown, so the campaign
/// reports it; counters prove the handlers act.
/// Markets: 1 = ERC-4626 supply (instant withdrawal, cap 60%), 2 = leveraged venue (cap 50%, 3x),
/// 3 = the supply-writer (always zero), 4 = WETH held by the vault, valued at the oracle (no fuses).
contract VaultHandler is VaultTestBase {
    uint256 internal constant MWETH = 4;
    uint256 internal constant VIRTUAL_SHARES = 1e6; // decimals offset 6
    uint256 internal constant MAX_AGE = 3600;

    address[3] internal actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];
    TestERC20 public weth;
    TestPriceFeed public wethFeed;

    // ---------------------------------------------------------------- the model's ghosts
    bool public ghostPaused;
    bool[5] public ghostQuarantined;
    uint256 public ghostQuarantinedCount;
    bool public wethBroken;
    int256 public wethPrice = 2_000e8;
    /// When the world last changed a market's value behind the vault's back (0 = never). A market whose cache
    /// was written at or after that moment is "clean": its cache must equal its value.
    uint256[5] public dirtySince;

    // ---------------------------------------------------------------- the first breach
    string public failure;
    uint256 public failureLeft;
    uint256 public failureRight;

    // ---------------------------------------------------------------- what the handlers did
    uint256 public calls;
    uint256 public deposits;
    uint256 public mints;
    uint256 public idleRedemptions;
    uint256 public pullRedemptions;
    uint256 public withdrawals;
    uint256 public pullWithdrawals;
    uint256 public redemptionsWhileUnvalued;
    uint256 public redemptionsWhileQuarantined;
    uint256 public depositsRefusedUnsafe;
    uint256 public executes;
    uint256 public supplies;
    uint256 public unsupplies;
    uint256 public marginMoves;
    uint256 public notionalMoves;
    uint256 public guardrailRefusals;
    uint256 public executesWhilePaused;
    uint256 public executesWhileUnvalued;
    uint256 public pauses;
    uint256 public unpauses;
    uint256 public quarantines;
    uint256 public releases;
    uint256 public limitLowerings;
    uint256 public oracleBreaks;
    uint256 public oracleRestores;
    uint256 public donations;
    uint256 public timeSteps;


    constructor(VaultTestBase stack, TestERC20 weth_, TestPriceFeed wethFeed_) {
        (manager, usdc, oracle, vault) = (stack.manager(), stack.usdc(), stack.oracle(), stack.vault());
        (target, supplyFuse, venue, levFuse, writerFuse) =
            (stack.target(), stack.supplyFuse(), stack.venue(), stack.levFuse(), stack.writerFuse());
        (weth, wethFeed, usdcFeed) = (weth_, wethFeed_, stack.usdcPriceFeed());
    }

    /// The selectors the campaign calls (never the handler's own views).
    function selectors() external pure returns (bytes4[] memory s) {
        s = new bytes4[](30);
        (s[23], s[24], s[25], s[26]) = (this.deposit.selector, this.mint.selector, this.redeem.selector, this.withdraw.selector);
        (s[27], s[28], s[29]) = (this.withdraw.selector, this.release.selector, this.redeemMax.selector);
        (s[0], s[1], s[2], s[3]) = (this.deposit.selector, this.mint.selector, this.redeem.selector, this.withdraw.selector);
        (s[4], s[5], s[6], s[7]) = (this.supply.selector, this.unsupply.selector, this.addMargin.selector, this.removeMargin.selector);
        (s[8], s[9], s[10]) = (this.setNotional.selector, this.rebalance.selector, this.openLeveraged.selector);
        (s[11], s[12], s[13], s[14]) = (this.togglePause.selector, this.quarantine.selector, this.release.selector, this.lowerLimits.selector);
        (s[15], s[16], s[17]) = (this.breakOracle.selector, this.restoreOracle.selector, this.movePrice.selector);
        (s[18], s[19], s[20]) = (this.donateToVault.selector, this.donateToMarket.selector, this.passTime.selector);
        (s[21], s[22]) = (this.refresh.selector, this.redeemAll.selector);
    }

    /* ================================================================ DEPOSITORS */

    function deposit(uint256 actorSeed, uint256 assets) external {
        ++calls;
        address actor = _actor(actorSeed);
        assets = bound(assets, 1, 1e9 * ONE);
        (bool refused, bytes4 expectedError) = _depositRefusal();
        uint256 supplyNow = vault.totalSupply();
        uint256 expectedShares = Math.mulDiv(assets, supplyNow + VIRTUAL_SHARES, _priceTotal(false) + 1);
        usdc.mint(actor, assets);
        VM.startPrank(actor);
        usdc.approve(address(vault), assets);
        try vault.deposit(assets, actor) returns (uint256 shares) {
            if (refused) _fail("deposit accepted while paused, quarantined or unvalued", assets, shares);
            if (shares != expectedShares) _fail("deposit: shares != floor(assets*(S+v)/(A+1))", shares, expectedShares);
            ++deposits;
        } catch (bytes memory reason) {
            _checkDepositRefusal(refused, expectedError, expectedShares, reason);
        }
        VM.stopPrank();
    }

    function mint(uint256 actorSeed, uint256 shares) external {
        ++calls;
        address actor = _actor(actorSeed);
        shares = bound(shares, 1, 1e9 * ONE * VIRTUAL_SHARES);
        (bool refused, bytes4 expectedError) = _depositRefusal();
        uint256 expectedAssets =
            Math.mulDiv(shares, _priceTotal(false) + 1, vault.totalSupply() + VIRTUAL_SHARES, Math.Rounding.Ceil);
        usdc.mint(actor, expectedAssets + 1);
        VM.startPrank(actor);
        usdc.approve(address(vault), expectedAssets + 1);
        try vault.mint(shares, actor) returns (uint256 assets) {
            if (refused) _fail("mint accepted while paused, quarantined or unvalued", shares, assets);
            if (assets != expectedAssets) _fail("mint: assets != ceil(shares*(A+1)/(S+v))", assets, expectedAssets);
            ++mints;
        } catch (bytes memory reason) {
            _checkDepositRefusal(refused, expectedError, expectedAssets, reason);
        }
        usdc.approve(address(vault), 0);
        VM.stopPrank();
    }

    function redeem(uint256 actorSeed, uint256 shares) external {
        ++calls;
        address actor = _actor(actorSeed);
        shares = bound(shares, 0, vault.balanceOf(actor));
        if (shares == 0) return;
        _redeem(actor, shares, false);
    }

    function redeemAll(uint256 actorSeed) external {
        ++calls;
        address actor = _actor(actorSeed);
        uint256 shares = vault.balanceOf(actor);
        if (shares == 0) return;
        _redeem(actor, shares, false);
    }

    /// ERC-4626: `redeem(maxRedeem(owner))` succeeds in the same block, whatever is broken or quarantined.
    function redeemMax(uint256 actorSeed) external {
        ++calls;
        address actor = _actor(actorSeed);
        uint256 shares = vault.maxRedeem(actor);
        if (shares == 0) return;
        _redeem(actor, shares, true);
    }

    function withdraw(uint256 actorSeed, uint256 assets) external {
        ++calls;
        address actor = _actor(actorSeed);
        uint256 maxAssets = vault.maxWithdraw(actor);
        if (maxAssets == 0) return;
        // Half the calls take everything the vault says it can pay: withdraw(maxWithdraw) must succeed.
        _withdraw(actor, assets % 2 == 0 ? maxAssets : bound(assets, 1, maxAssets));
    }

    function _withdraw(address actor, uint256 assets) internal {
        uint256 idle = _idle();
        bool pull = assets > idle;
        uint256 total = _priceTotal(pull);
        uint256 supplyNow = vault.totalSupply();
        uint256 expectedShares = Math.mulDiv(assets, supplyNow + VIRTUAL_SHARES, total + 1, Math.Rounding.Ceil);
        (bool checkValue, uint256 valueBefore) = _staySnapshot(pull);
        uint256 sharesBefore = vault.balanceOf(actor);
        uint256 unsafeExit = _unsafeExitFlags();
        VM.prank(actor);
        try vault.withdraw(assets, actor, actor) returns (uint256 burnt) {
            _countUnsafeExit(unsafeExit);
            if (sharesBefore - vault.balanceOf(actor) != burnt) _fail("withdraw: burnt != reported", burnt, 0);
            if (!pull && burnt != expectedShares) _fail("withdraw: shares != ceil(assets*(S+v)/(A+1))", burnt, expectedShares);
            if (burnt < expectedShares) _fail("withdraw: burnt less than the fair share", burnt, expectedShares);
            if (checkValue) _checkStayers(valueBefore);
            ++withdrawals;
            if (pull) ++pullWithdrawals;
        } catch (bytes memory reason) {
            // (A pull from a coarse target used to cost more than maxWithdraw left room for: fixed, VaultBugs*.t.sol.)
            _fail("withdraw(<= maxWithdraw) failed", assets, uint32(bytes4(reason)));
        }
    }

    /* ================================================================ THE ALPHA */

    function supply(uint256 assets) external {
        ++calls;
        uint256 idle = _idle();
        if (idle == 0) return;
        if (_execute(_supply(bound(assets, 1, idle * 3 / 4 + 1)), M4626, 0)) ++supplies;
    }

    function unsupply(uint256 assets) external {
        ++calls;
        uint256 position = _value(M4626);
        if (position == 0) return;
        if (_execute(_unsupply(bound(assets, 1, position)), M4626, 0)) ++unsupplies;
    }

    function addMargin(uint256 assets) external {
        ++calls;
        if (_execute(_addMargin(bound(assets, 0, _idle() / 2)), MLEV, 0)) ++marginMoves;
    }

    function removeMargin(uint256 assets) external {
        ++calls;
        if (_execute(_removeMargin(bound(assets, 0, venue.margin(address(vault)))), MLEV, 0)) ++marginMoves;
    }

    function setNotional(uint256 notional) external {
        ++calls;
        uint256 margin = venue.margin(address(vault));
        if (_execute(_setNotional(bound(notional, 0, 4 * margin + ONE)), MLEV, 0)) ++notionalMoves;
    }

    /// Margin and notional in one batch (the "add margin with the notional" shape).
    function openLeveraged(uint256 assets, uint256 notional) external {
        ++calls;
        assets = bound(assets, 0, _idle());
        notional = bound(notional, 0, 4 * (venue.margin(address(vault)) + assets) + ONE);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _addMargin(assets)[0];
        batch[1] = _setNotional(notional)[0];
        if (_execute(batch, MLEV, 0)) ++notionalMoves;
    }

    /// Two markets in one batch: capital moves from the ERC-4626 market to the venue.
    function rebalance(uint256 assets) external {
        ++calls;
        uint256 position = _value(M4626);
        if (position == 0) return;
        assets = bound(assets, 1, position);
        FuseAction[] memory batch = new FuseAction[](2);
        batch[0] = _unsupply(assets)[0];
        batch[1] = _addMargin(assets / 2)[0];
        if (_execute(batch, M4626, MLEV)) ++marginMoves;
    }

    function refresh(uint256 which) external {
        ++calls;
        VM.prank(ALPHA);
        if (which % 2 == 0) {
            try vault.refreshAllMarketBalances() {} catch {}
        } else {
            uint256[] memory ids = new uint256[](1);
            ids[0] = MLEV;
            try vault.refreshMarketBalances(ids) {} catch {}
        }
    }

    /* ================================================================ GUARDIAN AND ATOMIST */

    /// The guardian pauses now and then (one call in three); the atomist unpauses at the next call.
    function togglePause(uint256 seed) external {
        ++calls;
        if (ghostPaused) {
            vault.unpause();
            ++unpauses;
        } else {
            if (seed % 3 != 0) return;
            VM.prank(GUARDIAN);
            vault.pause();
            ++pauses;
        }
        ghostPaused = !ghostPaused;
    }

    function quarantine(uint256 marketSeed) external {
        ++calls;
        uint256 marketId = _quarantinable(marketSeed);
        VM.prank(GUARDIAN);
        try vault.quarantineMarket(marketId) {
            if (ghostQuarantined[marketId]) _fail("quarantined twice", marketId, 0);
            ghostQuarantined[marketId] = true;
            ++ghostQuarantinedCount;
            ++quarantines;
        } catch (bytes memory reason) {
            if (!ghostQuarantined[marketId]) _fail("quarantine refused", marketId, uint32(bytes4(reason)));
            _expectError(reason, abi.encodeWithSelector(ErrorsLib.MarketInQuarantine.selector, marketId));
        }
    }

    /// The atomist releases a quarantined market (refused while it cannot be valued), or tries one that is not.
    function release(uint256 marketSeed) external {
        ++calls;
        uint256 marketId = _quarantinable(marketSeed);
        for (uint256 k; k < 3 && marketSeed % 4 != 0 && !ghostQuarantined[marketId]; ++k) {
            marketId = _quarantinable(++marketSeed);
        }
        try vault.releaseQuarantine(marketId) {
            if (!ghostQuarantined[marketId]) _fail("released a market not in quarantine", marketId, 0);
            if (!_valuable(marketId)) _fail("released a market that cannot be valued", marketId, 0);
            ghostQuarantined[marketId] = false;
            --ghostQuarantinedCount;
            ++releases;
        } catch (bytes memory reason) {
            if (ghostQuarantined[marketId] && _valuable(marketId)) _fail("release refused", marketId, uint32(bytes4(reason)));
            if (!ghostQuarantined[marketId]) {
                _expectError(reason, abi.encodeWithSelector(ErrorsLib.MarketNotQuarantined.selector, marketId));
            }
        }
    }

    /// The guardian lowers a limit (never below a floor that keeps the campaign alive), or tries to raise one.
    function lowerLimits(uint256 marketSeed, uint256 seed) external {
        ++calls;
        uint256 marketId = marketSeed % 2 == 0 ? M4626 : MLEV;
        FuseboxStorageLib.Market memory m = vault.getMarket(marketId);
        uint16 capBps = m.capBps > 2_000 ? uint16(m.capBps - bound(seed, 0, Math.min(500, m.capBps - 2_000))) : m.capBps;
        uint96 lev = m.maxLeverageWad > 2 * WAD ? uint96(m.maxLeverageWad - bound(seed, 0, WAD / 4)) : m.maxLeverageWad;
        uint128 capAssets = m.capAssets == 0 && seed % 4 == 0 ? uint128(bound(seed, 100_000 * ONE, 1e9 * ONE)) : m.capAssets;
        bool raise = seed % 7 == 0;
        if (raise) capBps = m.capBps + 1;
        VM.prank(GUARDIAN);
        try vault.lowerMarketLimits(marketId, capBps, capAssets, lev) {
            if (raise) _fail("guardian raised a cap", marketId, capBps);
            ++limitLowerings;
        } catch (bytes memory reason) {
            if (!raise) _fail("lowering refused", marketId, uint32(bytes4(reason)));
            _expectError(reason, abi.encodeWithSelector(ErrorsLib.NotALowering.selector, marketId));
        }
    }

    /* ================================================================ THE WORLD */

    /// The WETH feed goes stale (an old timestamp) or answers a non-positive price.
    function breakOracle(uint256 mode) external {
        ++calls;
        if (wethBroken) return;
        if (mode % 2 == 0) wethFeed.setAnswerAt(wethPrice, block.timestamp - MAX_AGE - 1);
        else wethFeed.setAnswer(0);
        wethBroken = true;
        ++oracleBreaks;
    }

    /// The feed answers again, at a price up to 20% away from the last one.
    function restoreOracle(uint256 seed) external {
        ++calls;
        if (!wethBroken) return;
        _worldStep();
        int256 price = int256(bound(seed, uint256(wethPrice) * 8 / 10, uint256(wethPrice) * 12 / 10));
        wethFeed.setAnswer(price);
        if (price != wethPrice) dirtySince[MWETH] = block.timestamp;
        wethPrice = price;
        wethBroken = false;
        ++oracleRestores;
    }

    /// A price move at the venue (gains funded so the venue stays solvent), or of WETH.
    function movePrice(uint256 seed, uint256 which) external {
        ++calls;
        _worldStep();
        if (which % 2 == 0) {
            if (wethBroken) return;
            wethPrice = int256(bound(seed, uint256(wethPrice) * 9 / 10, uint256(wethPrice) * 11 / 10));
            wethFeed.setAnswer(wethPrice);
            dirtySince[MWETH] = block.timestamp;
            return;
        }
        uint256 margin = venue.margin(address(vault));
        int256 pnl = int256(bound(seed, 0, margin + margin / 2)) - int256(margin);
        if (pnl > 0) usdc.mint(address(venue), uint256(pnl));
        venue.applyPnl(address(vault), pnl);
        if (pnl != 0) dirtySince[MLEV] = block.timestamp;
    }

    function donateToVault(uint256 assets) external {
        ++calls;
        usdc.mint(address(vault), bound(assets, 1, 1e6 * ONE));
        ++donations;
    }

    /// A donation to the ERC-4626 target (its share price rises) or WETH sent to the vault.
    function donateToMarket(uint256 assets, uint256 which) external {
        ++calls;
        _worldStep();
        if (which % 2 == 0) {
            weth.mint(address(vault), bound(assets, 1, 100e18));
            dirtySince[MWETH] = block.timestamp;
        } else {
            usdc.mint(address(target), bound(assets, 1, 1e6 * ONE));
            dirtySince[M4626] = block.timestamp;
        }
        ++donations;
    }

    function passTime(uint256 seconds_) external {
        ++calls;
        VM.warp(block.timestamp + bound(seconds_, 1, 2 hours));
        usdcFeed.setAnswer(1e8);
        if (!wethBroken) wethFeed.setAnswer(wethPrice);
        ++timeSteps;
    }

    /* ================================================================ THE MODEL */

    /// What `marketId` is worth now, from the venue's own state (WETH at the feed's last good price).
    function value(uint256 marketId) public view returns (uint256) {
        return _value(marketId);
    }

    function _value(uint256 marketId) internal view returns (uint256) {
        if (marketId == M4626) {
            uint256 shares = target.balanceOf(address(vault));
            if (shares == 0) return 0;
            return Math.mulDiv(shares, usdc.balanceOf(address(target)) + 1, target.totalSupply() + 1);
        }
        if (marketId == MLEV) return venue.margin(address(vault));
        if (marketId == MWETH) return Math.mulDiv(weth.balanceOf(address(vault)), uint256(wethPrice), 1e20);
        return 0; // the supply-writer market holds nothing
    }

    /// Whether the balance fuse of `marketId` can value it now (WETH's reads the feed only when WETH is held).
    function _valuable(uint256 marketId) internal view returns (bool) {
        return marketId != MWETH || !wethBroken || weth.balanceOf(address(vault)) == 0;
    }

    function clean(uint256 marketId) public view returns (bool) {
        return vault.getMarket(marketId).updatedAt >= dirtySince[marketId];
    }

    function unvalued() public view returns (bool) {
        return !ghostQuarantined[MWETH] && !_valuable(MWETH);
    }

    /// Past the earliest expiry of a market not in quarantine (every market's maxBalanceAge is MAX_AGE).
    function expired() public view returns (bool) {
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            if (ghostQuarantined[ids[i]]) continue;
            if (block.timestamp > uint256(vault.getMarket(ids[i]).updatedAt) + MAX_AGE) return true;
        }
        return false;
    }

    /// The total assets an operation is priced on, per the README: the cache while the NAV is unexpired; once
    /// expired (or, for a redemption, once it must pull) every market revalued, one that cannot be valued at zero;
    /// a quarantined market always at zero.
    function _priceTotal(bool forcedFresh) internal view returns (uint256 total) {
        total = _idle();
        bool fresh = forcedFresh || expired();
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            if (ghostQuarantined[ids[i]]) continue;
            if (!fresh) total += vault.getMarket(ids[i]).balance;
            else if (_valuable(ids[i])) total += _value(ids[i]);
        }
    }

    /// The vault's true worth: idle plus every active market at its value (quarantined and unvalued ones too).
    function trueTotal() public view returns (uint256 total) {
        total = _idle();
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            total += _value(ids[i]);
        }
    }

    function _allClean() internal view returns (bool) {
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            if (!ghostQuarantined[ids[i]] && !clean(ids[i])) return false;
        }
        return true;
    }

    function _idle() internal view returns (uint256) {
        return usdc.balanceOf(address(vault));
    }

    /* ================================================================ CHECKS */

    function _depositRefusal() internal view returns (bool refused, bytes4 expectedError) {
        if (ghostPaused) return (true, ErrorsLib.VaultPaused.selector);
        if (ghostQuarantinedCount != 0) return (true, ErrorsLib.DepositsHaltedByQuarantine.selector);
        if (expired() && unvalued()) {
            return (true, wethPrice > 0 && _feedStale() ? ErrorsLib.StalePrice.selector : ErrorsLib.NonPositivePrice.selector);
        }
    }

    function _feedStale() internal view returns (bool) {
        return wethFeed.answer() > 0;
    }

    function _checkDepositRefusal(bool refused, bytes4 expectedError, uint256 expected, bytes memory reason) internal {
        if (refused) {
            if (bytes4(reason) != expectedError) _fail("deposit refused for the wrong reason", uint32(bytes4(reason)), uint32(expectedError));
            if (expectedError == ErrorsLib.DepositsHaltedByQuarantine.selector) {
                _expectError(reason, abi.encodeWithSelector(expectedError, ghostQuarantinedCount));
            }
            // ERC-4626: max* never overstate (the unvalued case is the known bug on branch invariants-bugs).
            bool knownRefusal = expectedError == ErrorsLib.VaultPaused.selector
                || expectedError == ErrorsLib.DepositsHaltedByQuarantine.selector;
            if (knownRefusal && (vault.maxDeposit(actors[0]) != 0 || vault.maxMint(actors[0]) != 0)) {
                _fail("maxDeposit/maxMint non-zero while deposits are refused", vault.maxDeposit(actors[0]), 0);
            }
            ++depositsRefusedUnsafe;
        } else if (expected == 0) {
            if (bytes4(reason) != ErrorsLib.ZeroSharesOrAssets.selector) _fail("zero deposit: wrong error", uint32(bytes4(reason)), 0);
        } else {
            _fail("deposit refused without cause", expected, uint32(bytes4(reason)));
        }
    }

    /// Bit 0: a market cannot be valued and the NAV has expired; bit 1: a market is in quarantine.
    function _unsafeExitFlags() internal view returns (uint256 flags) {
        if (unvalued() && expired()) flags |= 1;
        if (ghostQuarantinedCount != 0) flags |= 2;
    }

    function _countUnsafeExit(uint256 flags) internal {
        if (flags & 1 != 0) ++redemptionsWhileUnvalued;
        if (flags & 2 != 0) ++redemptionsWhileQuarantined;
    }

    /// Redeem `shares`: exact from idle, never above the fair share, never at the expense of those who stay; a
    /// redemption the vault's liquidity covers never fails, whatever market is broken or quarantined.
    function _redeem(address actor, uint256 shares, bool mustSucceed) internal {
        uint256 idle = _idle();
        uint256 supplyNow = vault.totalSupply();
        uint256 assets = Math.mulDiv(shares, _priceTotal(false) + 1, supplyNow + VIRTUAL_SHARES);
        bool pull = assets > idle;
        if (pull) assets = Math.mulDiv(shares, _priceTotal(true) + 1, supplyNow + VIRTUAL_SHARES);
        pull = assets > idle;
        uint256 liquidity = idle + (ghostQuarantined[M4626] ? 0 : _value(M4626));
        uint256 fair = Math.mulDiv(shares, trueTotal() + 1, supplyNow + VIRTUAL_SHARES);
        (bool checkValue, uint256 valueBefore) = _staySnapshot(pull);
        uint256 unsafeExit = _unsafeExitFlags();
        VM.prank(actor);
        try vault.redeem(shares, actor, actor) returns (uint256 paid) {
            _countUnsafeExit(unsafeExit);
            if (!pull && paid != assets) _fail("redeem from idle: assets != floor(shares*(A+1)/(S+v))", paid, assets);
            if (paid > assets) _fail("redeem paid more than its price", paid, assets);
            if (checkValue && paid > fair) _fail("redeemer got more than a fresh fair share", paid, fair);
            if (checkValue) _checkStayers(valueBefore);
            if (assets > liquidity) _fail("redeemed beyond the liquidity", assets, liquidity);
            if (pull) ++pullRedemptions;
            else ++idleRedemptions;
        } catch (bytes memory reason) {
            if (mustSucceed) _fail("redeem(maxRedeem) failed", shares, uint32(bytes4(reason)));
            if (assets <= liquidity) _fail("redemption within liquidity failed", assets, uint32(bytes4(reason)));
            else _expectError(reason, abi.encodeWithSelector(ErrorsLib.InsufficientLiquidity.selector, assets, liquidity));
        }
    }

    /// The worth of one share to those who stay, when the price the exit uses is knowable (fresh, or every cache
    /// clean); scaled by 1e18 shares for resolution.
    function _staySnapshot(bool pull) internal view returns (bool knowable, uint256 perShare) {
        knowable = pull || expired() || _allClean();
        perShare = Math.mulDiv(1e18, trueTotal() + 1, vault.totalSupply() + VIRTUAL_SHARES);
    }

    /// Holders who stay lose at most rounding to someone else's exit: 2 units of the asset over the whole supply.
    function _checkStayers(uint256 perShareBefore) internal {
        uint256 supplyNow = vault.totalSupply() + VIRTUAL_SHARES;
        uint256 perShareAfter = Math.mulDiv(1e18, trueTotal() + 1, supplyNow);
        if (perShareAfter >= perShareBefore) return;
        uint256 lost = Math.mulDiv(perShareBefore - perShareAfter, supplyNow, 1e18, Math.Rounding.Ceil);
        if (lost > 2) _fail("holders who stay lost to a redemption", lost, 2);
    }

    uint256 private _idleBefore;
    uint256[2] private _balanceBefore;
    uint256[2] private _notionalBefore;

    /// Runs `batch` (touching `m0` and, if non-zero, `m1`) as the alpha, without refreshing first: the vault must
    /// value the touched markets itself. A success must keep every guardrail as contracts/README.md states it,
    /// measured here on the venues' state; a refusal must be a named guardrail error that the state justifies.
    function _execute(FuseAction[] memory batch, uint256 m0, uint256 m1) internal returns (bool ok) {
        uint256[2] memory ids = [m0, m1];
        for (uint256 j; j < 2; ++j) {
            if (ids[j] == 0) continue;
            _balanceBefore[j] = _value(ids[j]);
            _notionalBefore[j] = ids[j] == MLEV ? venue.notional(address(vault)) : 0;
        }
        _idleBefore = _idle();
        bool wasExpired = expired();
        bool reduceOnlyUnvalued = !ghostPaused && wasExpired && unvalued();
        uint256 unvaluedCache = wasExpired && unvalued() ? vault.getMarket(MWETH).balance : 0;
        uint256 supplyBefore = vault.totalSupply();
        bool quarantined = ghostQuarantined[m0] || (m1 != 0 && ghostQuarantined[m1]);

        VM.prank(ALPHA);
        try vault.execute(batch) {
            ok = true;
            ++executes;
            if (ghostPaused) ++executesWhilePaused;
            if (reduceOnlyUnvalued) ++executesWhileUnvalued;
            if (quarantined) _fail("a quarantined market's fuse ran", m0, m1);
            if (vault.totalSupply() != supplyBefore) _fail("execute changed the share supply", supplyBefore, vault.totalSupply());
            for (uint256 j; j < 2; ++j) {
                if (ids[j] != 0) _checkGuardrails(j, ids[j], reduceOnlyUnvalued, unvaluedCache);
            }
            _checkBuffer();
        } catch (bytes memory reason) {
            _checkRefusal(reason, ids, quarantined, reduceOnlyUnvalued);
        }
    }

    function _checkGuardrails(uint256 j, uint256 marketId, bool reduceOnlyUnvalued, uint256 unvaluedCache) internal {
        FuseboxStorageLib.Market memory m = vault.getMarket(marketId);
        uint256 balance = _value(marketId);
        uint256 notional = marketId == MLEV ? venue.notional(address(vault)) : 0;
        if (m.balance != balance) _fail("touched market's cache != its value after the batch", m.balance, balance);
        if (m.grossNotional != notional) _fail("touched market's notional cache != venue", m.grossNotional, notional);
        uint256 leverage = _leverageUp(notional, balance);
        uint256 leverageBefore = _leverageUp(_notionalBefore[j], _balanceBefore[j]);
        bool moreCapital = balance > _balanceBefore[j];
        bool moreNotional = notional > _notionalBefore[j];
        if ((ghostPaused || reduceOnlyUnvalued) && (moreNotional || (moreCapital && leverage >= leverageBefore))) {
            _fail("risk grew while paused or unvalued", balance, notional);
        }
        if (moreCapital) {
            uint256 capBase = _cachedTotal() - unvaluedCache;
            uint256 cap = capBase * m.capBps / 10_000;
            if (m.capAssets != 0 && m.capAssets < cap) cap = m.capAssets;
            if (balance > cap) _fail("cap exceeded by a batch that added capital", balance, cap);
        }
        if (leverage > m.maxLeverageWad && (leverage > leverageBefore || moreNotional)) {
            _fail("leverage over the limit grew", leverage, m.maxLeverageWad);
        }
    }

    function _checkBuffer() internal {
        uint256 idle = _idle();
        if (idle >= _idleBefore) return;
        uint256 required = Math.mulDiv(_cachedTotal(), vault.idleBufferBps(), 10_000, Math.Rounding.Ceil);
        if (idle < required) _fail("idle buffer breached by a batch that spent idle", idle, required);
    }

    /// Only the named guardrail errors refuse a batch whose amounts are valid, each with arguments that hold.
    function _checkRefusal(bytes memory reason, uint256[2] memory ids, bool quarantined, bool reduceOnlyUnvalued) internal {
        bytes4 selector = bytes4(reason);
        if (quarantined) {
            uint256 q = ghostQuarantined[ids[0]] ? ids[0] : ids[1];
            _expectError(reason, abi.encodeWithSelector(ErrorsLib.MarketInQuarantine.selector, q));
            return;
        }
        ++guardrailRefusals;
        if (selector == ErrorsLib.IdleBufferBreached.selector) {
            (uint256 required, uint256 idle) = abi.decode(_args(reason), (uint256, uint256));
            if (idle >= required) _fail("IdleBufferBreached with idle >= required", idle, required);
        } else if (selector == ErrorsLib.MarketCapExceeded.selector) {
            (uint256 marketId, uint256 cap, uint256 balance) = abi.decode(_args(reason), (uint256, uint256, uint256));
            if (balance <= cap || (marketId != ids[0] && marketId != ids[1])) _fail("MarketCapExceeded unjustified", balance, cap);
        } else if (selector == ErrorsLib.LeverageLimitExceeded.selector) {
            (uint256 marketId, uint256 max, uint256 lev) = abi.decode(_args(reason), (uint256, uint256, uint256));
            if (lev <= max || marketId != MLEV || max != vault.getMarket(MLEV).maxLeverageWad) _fail("LeverageLimitExceeded unjustified", lev, max);
        } else if (selector == ErrorsLib.RiskIncreaseWhilePaused.selector) {
            (uint256 marketId, uint256 before, uint256 attempted) = abi.decode(_args(reason), (uint256, uint256, uint256));
            if (!ghostPaused || attempted <= before || (marketId != ids[0] && marketId != ids[1])) _fail("RiskIncreaseWhilePaused unjustified", before, attempted);
        } else if (selector == ErrorsLib.RiskIncreaseWhileUnvalued.selector) {
            (, uint256 unvaluedId) = abi.decode(_args(reason), (uint256, uint256));
            if (!reduceOnlyUnvalued || unvaluedId != MWETH) _fail("RiskIncreaseWhileUnvalued unjustified", unvaluedId, 0);
        } else {
            _fail("batch refused by something other than a named guardrail", uint32(selector), reason.length);
        }
    }

    /// Idle plus the cached balances of the markets not in quarantine (what the guardrails measure against).
    function _cachedTotal() internal view returns (uint256 total) {
        total = _idle();
        uint256[] memory ids = vault.getMarketIds();
        for (uint256 i; i < ids.length; ++i) {
            if (!ghostQuarantined[ids[i]]) total += vault.getMarket(ids[i]).balance;
        }
    }

    /* ================================================================ HELPERS */

    function _fail(string memory what, uint256 left, uint256 right) internal {
        if (bytes(failure).length != 0) return;
        (failure, failureLeft, failureRight) = (what, left, right);
    }

    function _expectError(bytes memory reason, bytes memory expected) internal {
        if (keccak256(reason) != keccak256(expected)) _fail("unexpected revert", uint32(bytes4(reason)), uint32(bytes4(expected)));
    }

    function _args(bytes memory reason) internal pure returns (bytes memory args) {
        args = new bytes(reason.length - 4);
        for (uint256 i; i < args.length; ++i) {
            args[i] = reason[i + 4];
        }
    }

    /// The world changes in a later second than any cache written so far (so "clean" is decidable).
    function _worldStep() internal {
        VM.warp(block.timestamp + 1);
        usdcFeed.setAnswer(1e8);
        if (!wethBroken) wethFeed.setAnswer(wethPrice);
    }

    function _quarantinable(uint256 seed) internal pure returns (uint256) {
        uint256 pick = seed % 3;
        return pick == 0 ? M4626 : pick == 1 ? MLEV : MWETH;
    }

    function _actor(uint256 seed) internal view returns (address) {
        return actors[seed % actors.length];
    }

    function _leverageUp(uint256 notional, uint256 equity) internal pure returns (uint256) {
        if (notional == 0) return 0;
        if (equity == 0) return type(uint256).max;
        return Math.mulDiv(notional, WAD, equity, Math.Rounding.Ceil);
    }
}

/// @notice The stack of VaultTestBase plus a WETH market valued at the oracle, and the handler holding the
/// atomist role (the guardian and alpha are pranked).
abstract contract InvariantStack is VaultTestBase {
    uint256 internal constant MWETH = 4;
    VaultHandler internal handler;

    function _deployInvariantStack() internal {
        VM.warp(1_800_000_000);
        _deployStack();
        TestERC20 weth = new TestERC20("WETH", "WETH", 18);
        TestPriceFeed wethFeed = new TestPriceFeed(8, 2_000e8);
        oracle.setFeed(address(weth), address(wethFeed), 3600);
        vault.configureMarket(
            MWETH,
            IFuseboxVaultModule.MarketParams({
                balanceFuse: address(new TestOracleValuedBalanceFuse(MWETH, address(weth))),
                capBps: 10_000,
                capAssets: 0,
                maxLeverageWad: 0,
                maxBalanceAge: 3600
            })
        );
        // The holders first (a first deposit after the WETH arrived would buy 1e6 times fewer shares).
        _deposit(address(0x5EED), 50_000 * ONE); // a holder who never leaves
        _deposit(address(0xA11CE), 20_000 * ONE); // the handler's actors
        _deposit(address(0xB0B), 20_000 * ONE);
        _deposit(address(0xCA401), 150_000 * ONE); // a whale: its exit must pull from a market
        weth.mint(address(vault), 5e18); // 10,000 USDC
        VM.prank(ALPHA);
        vault.refreshAllMarketBalances();
        handler = new VaultHandler(this, weth, wethFeed);
        manager.grantRole(Roles.ATOMIST, address(handler), 0);
        // The guardian and the alpha are pranked by the handler; the usdc feed is refreshed by it.
        usdcFeed.setAnswer(1e8);
    }

    /// State properties, after every call: caches that saw no outside change equal the venues' value; a
    /// quarantined market counts zero; the NAV is true when every cache is clean; ghosts agree with the vault.
    function _checkState() internal view {
        if (bytes(handler.failure()).length != 0) {
            revert AssertionFailed(handler.failure(), handler.failureLeft(), handler.failureRight());
        }
        uint256[] memory ids = vault.getMarketIds();
        uint256 cached;
        uint256 worth = usdc.balanceOf(address(vault));
        bool allClean = true;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market memory m = vault.getMarket(ids[i]);
            if (handler.ghostQuarantined(ids[i])) {
                assertEq(m.balance, 0, "quarantined market counts zero");
                continue;
            }
            cached += m.balance;
            if (handler.clean(ids[i])) {
                assertEq(m.balance, handler.value(ids[i]), "clean cache != venue value");
                worth += m.balance;
            } else {
                allClean = false;
            }
        }
        assertEq(vault.totalAssets(), usdc.balanceOf(address(vault)) + cached, "totalAssets != idle + caches");
        if (allClean) assertEq(vault.totalAssets(), worth, "NAV != idle + venue values");
        assertTrue(vault.paused() == handler.ghostPaused(), "paused");
        assertEq(vault.quarantinedCount(), handler.ghostQuarantinedCount(), "quarantined count");
        assertLe(vault.convertToAssets(vault.totalSupply()), vault.totalAssets(), "shares claim more than assets");
    }
}

/// @notice The random campaign over every handler.
contract FuseboxVaultInvariantTest is InvariantStack {
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    function setUp() public {
        _deployInvariantStack();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector({addr: address(handler), selectors: handler.selectors()});
    }

    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 48
    function invariant_vaultModel() public view {
        _checkState();
    }

    /// Each run's handlers acted: calls were made and most of them did something.
    function afterInvariant() public view {
        uint256 acted = handler.deposits() + handler.mints() + handler.idleRedemptions() + handler.pullRedemptions()
            + handler.withdrawals() + handler.executes() + handler.guardrailRefusals() + handler.pauses()
            + handler.unpauses() + handler.quarantines() + handler.releases() + handler.limitLowerings()
            + handler.oracleBreaks() + handler.oracleRestores() + handler.donations() + handler.timeSteps()
            + handler.depositsRefusedUnsafe();
        assertTrue(handler.calls() > 0, "the campaign made calls");
        assertLe(handler.calls(), 3 * acted, "fewer than a third of the handler calls acted");
    }
}

/// @notice The same handlers driven by a fixed pseudo-random sequence, so that what the campaign exercises is
/// asserted, not hoped for: every kind of action succeeded, every refusal path was met, and the model held after
/// each step.
contract FuseboxVaultHandlerSequenceTest is InvariantStack {
    function setUp() public {
        _deployInvariantStack();
    }

    function test_handlersActAndTheModelHolds() public {
        // A scripted opening, so the exits that must pull from a market surely occur: half of idle supplied,
        // then the whale withdraws everything the vault says it can pay (idle is then
        // spent), and another holder redeems all.
        handler.supply(usdc.balanceOf(address(vault)) / 2 - 1);
        uint256 pick = usdc.balanceOf(address(vault)) + 1_000 * ONE - 1; // odd picks a bounded amount
        handler.withdraw(2, pick % 2 == 1 ? pick : pick + 1);
        handler.redeemAll(0);
        // Then WETH's feed goes stale and the NAV expires: the remaining holder still exits, a de-risking batch
        // still runs; the feed comes back.
        handler.breakOracle(0);
        handler.passTime(3600);
        handler.redeem(1, 1e15);
        handler.removeMargin(0);
        handler.restoreOracle(0);
        _checkState();
        bytes4[] memory s = handler.selectors();
        uint256 rng = uint256(keccak256("fusebox.sequence"));
        for (uint256 step; step < 480; ++step) {
            rng = uint256(keccak256(abi.encode(rng)));
            bytes4 selector = s[rng % s.length];
            (bool ok,) = address(handler).call(
                abi.encodeWithSelector(selector, uint256(keccak256(abi.encode(rng, 1))), uint256(keccak256(abi.encode(rng, 2))))
            );
            assertTrue(ok, "a handler reverted");
            _checkState();
        }
        _assertActed(handler.deposits(), "deposits");
        _assertActed(handler.mints(), "mints");
        _assertActed(handler.idleRedemptions(), "redemptions from idle");
        _assertActed(handler.pullRedemptions(), "redemptions that pulled from a market");
        _assertActed(handler.withdrawals(), "withdrawals");
        _assertActed(handler.pullWithdrawals(), "withdrawals that pulled from a market");
        _assertActed(handler.redemptionsWhileUnvalued(), "exits while a market could not be valued");
        _assertActed(handler.redemptionsWhileQuarantined(), "exits while a market was quarantined");
        _assertActed(handler.depositsRefusedUnsafe(), "deposits refused (paused, quarantine, unvalued)");
        _assertActed(handler.executes(), "executes");
        _assertActed(handler.supplies(), "supplies");
        _assertActed(handler.unsupplies(), "unsupplies");
        _assertActed(handler.marginMoves(), "margin moves");
        _assertActed(handler.notionalMoves(), "notional moves");
        _assertActed(handler.guardrailRefusals(), "guardrail refusals");
        _assertActed(handler.executesWhilePaused(), "executes while paused");
        _assertActed(handler.executesWhileUnvalued(), "executes while a market could not be valued");
        _assertActed(handler.pauses(), "pauses");
        _assertActed(handler.unpauses(), "unpauses");
        _assertActed(handler.quarantines(), "quarantines");
        _assertActed(handler.releases(), "releases");
        _assertActed(handler.limitLowerings(), "limit lowerings");
        _assertActed(handler.oracleBreaks(), "oracle breaks");
        _assertActed(handler.oracleRestores(), "oracle restores");
        _assertActed(handler.donations(), "donations");
        _assertActed(handler.timeSteps(), "time steps");
    }

    function _assertActed(uint256 count, string memory what) internal pure {
        if (count == 0) revert AssertionFailed(string.concat("never happened: ", what), 0, 0);
    }
}
