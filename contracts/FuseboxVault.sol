// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC4626Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/extensions/ERC4626Upgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {FuseAction} from "./interfaces/IFuse.sol";
import {IFuseboxVaultCore, IFuseboxVaultModule} from "./interfaces/IFuseboxVault.sol";
import {FuseboxValuation} from "./FuseboxValuation.sol";
import {FuseboxModuleLink} from "./FuseboxModuleLink.sol";
import {FuseboxFees} from "./FuseboxFees.sol";
import {FuseboxLiquidity} from "./FuseboxLiquidity.sol";
import {EconomicsStorageLib} from "./libraries/EconomicsStorageLib.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {GuardrailLib} from "./libraries/GuardrailLib.sol";
import {IFuseboxRiskModule} from "./interfaces/IFuseboxRiskModule.sol";
import {RiskStorageLib} from "./libraries/RiskStorageLib.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxVault
/// @notice An ERC-4626 vault that deploys its depositors' assets through fuses (stateless adapters run by
/// delegatecall, one market each) and enforces capital caps, leverage limits and an idle buffer on-chain
/// after every strategy batch.
/// @dev What this contract promises (contracts/README.md has the full rules):
/// - NAV: total assets = idle + the cached market balances (one running sum, one slot). A cached balance older
///   than its market's `maxBalanceAge` never prices a deposit or a redemption: every market is refreshed first.
/// - One account, one valuation: no two markets value the same account, pool position or token (the module
///   refuses overlapping valuation keys), so the sum never counts anything twice.
/// - Exits never freeze: a market that cannot be valued counts zero for a redemption's price (never in the
///   redeemer's favour) instead of reverting it, and the guardian can quarantine it; deposits are refused
///   while any market's value is unknown (never in the depositor's favour).
/// - The caller pays its own rounding: a redemption that pulls from markets is priced on a fresh NAV and is
///   charged what the pull cost.
/// - Pause and breach: while paused, or while a market cannot be valued, no batch grows any market's notional,
///   nor its balance unless its leverage strictly falls; a market over its leverage limit never grows its notional.
/// Layout: this core holds the hot paths (depositor functions, `execute`, valuation, guardrails); configuration,
/// guardian actions and views live in `FuseboxVaultModule`, reached by delegatecall from `fallback`. Both share
/// one storage layout: every piece of state, OpenZeppelin's included, sits in an ERC-7201 namespace.
/// Access: `execute`, the refreshes and every module function are `restricted` (OpenZeppelin AccessManager).
contract FuseboxVault is
    ERC4626Upgradeable,
    AccessManagedUpgradeable,
    ReentrancyGuardTransient,
    FuseboxValuation,
    FuseboxFees,
    FuseboxLiquidity,
    IFuseboxVaultCore
{
    using Math for uint256;

    /// @inheritdoc IFuseboxVaultCore
    address public immutable MODULE;
    /// @dev The risk module (the configuration module's next link), which the core reaches directly to book the
    /// exposure of each valuation it writes.
    address internal immutable RISK_MODULE;
    IERC20 private immutable _assetToken;
    uint8 private immutable _sharesDecimalsOffset;
    /// @dev 10 ** `_sharesDecimalsOffset`, computed once: every conversion adds it to the supply.
    uint256 private immutable _virtualShares;

    /// @param asset_ The ERC-20 the vault accounts in.
    /// @param name_ Share token name.
    /// @param symbol_ Share token symbol.
    /// @param authority_ The OpenZeppelin AccessManager that gates every restricted function.
    /// @param priceOracle_ The price oracle middleware that balance fuses use.
    /// @param decimalsOffset_ Extra share decimals: the virtual-shares defence against the inflation attack
    /// (an attacker must donate ~10**offset times the victim's deposit to steal from it); 6 is the default.
    /// @param module_ The FuseboxVaultModule (configuration, guardian, views), shared by any number of vaults.
    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        address authority_,
        address priceOracle_,
        uint8 decimalsOffset_,
        address module_
    ) initializer {
        if (priceOracle_ == address(0) || module_ == address(0)) revert ErrorsLib.ZeroAddress();
        if (decimalsOffset_ > 18) revert ErrorsLib.InvalidDecimalsOffset(decimalsOffset_);
        __ERC20_init(name_, symbol_);
        __ERC4626_init(asset_);
        __AccessManaged_init(authority_);
        MODULE = module_;
        RISK_MODULE = FuseboxModuleLink(module_).NEXT_MODULE();
        _assetToken = asset_;
        _sharesDecimalsOffset = decimalsOffset_;
        _virtualShares = 10 ** decimalsOffset_;
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        $.idleBufferBps = GuardrailLib.DEFAULT_IDLE_BUFFER_BPS;
        $.navExpiresAt = type(uint64).max;
        $.virtualShares = 10 ** decimalsOffset_;
        FuseboxStorageLib.oracle().priceOracle = priceOracle_;
        emit EventsLib.IdleBufferSet(GuardrailLib.DEFAULT_IDLE_BUFFER_BPS);
        emit EventsLib.PriceOracleSet(priceOracle_);
    }

    /// @notice Everything else — configuration, guardian actions, views — runs in the module, in this vault's
    /// storage (delegatecall). The module's functions carry their own access checks.
    fallback() external {
        address module = MODULE;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    /* ================================================================ DEPOSITS AND REDEMPTIONS */

    /// @notice Deposit `assets` and mint shares to `receiver`. Refused while paused, while a market is in
    /// quarantine, to a receiver off the depositor allowlist when it is on, and when it would mint no shares.
    /// An expired NAV is refreshed first (and a market that cannot be valued refuses the deposit).
    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256 shares) {
        uint256 totalAssets_ = _totalAssetsForDeposit(receiver);
        shares = _toSharesDown(assets, totalAssets_);
        if (shares == 0) revert ErrorsLib.ZeroSharesOrAssets(assets, shares);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Mint exactly `shares` to `receiver`, pulling the assets they cost (rounded up); refused as `deposit`.
    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256 assets) {
        uint256 totalAssets_ = _totalAssetsForDeposit(receiver);
        assets = _toAssetsUp(shares, totalAssets_);
        if (assets == 0) revert ErrorsLib.ZeroSharesOrAssets(assets, shares);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Withdraw exactly `assets` to `receiver`, burning `owner`'s shares (rounded up). Served from idle,
    /// then from the instant-withdraw fuses in order; a pull is priced on a fresh NAV and what it costs
    /// (rounding, slippage) is charged to `owner` in shares. Works while paused.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 shares)
    {
        // ERC-7540: a controller with settled requests claims them first (from the assets set aside).
        if (_hasClaimable(owner)) {
            (shares,) = _claim(0, assets, receiver, owner);
            return shares;
        }
        (uint256 totalAssets_, uint256 idle, bool fresh) = _totalAssetsForRedemption();
        bool pull = assets > idle;
        if (pull && !fresh) totalAssets_ = _freshTotalAssets(idle);
        shares = _toSharesUp(assets, totalAssets_);
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        if (pull) {
            uint256 cost = _pullFromMarkets(assets, idle);
            if (cost != 0) {
                // At the price the withdrawal was made at (supply before its burn), rounding up: the holders who stay
                // keep exactly their value per share, and never pay for the pull.
                uint256 extra = cost.mulDiv(
                    totalSupply() + shares + _virtualShares, totalAssets_ + 1, Math.Rounding.Ceil
                );
                if (caller != owner) _spendAllowance(owner, caller, extra);
                _burn(owner, extra);
                shares += extra;
                emit EventsLib.RedemptionCostCharged(owner, cost);
            }
        }
        _transferOut(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    /// @notice Redeem `shares` of `owner` for assets (rounded down) sent to `receiver`. Served from idle, then
    /// from the instant-withdraw fuses in order; a pull is priced on a fresh NAV and what it costs is deducted
    /// from the assets paid. Works while paused.
    function redeem(uint256 shares, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 assets)
    {
        if (_hasClaimable(owner)) {
            (, assets) = _claim(shares, 0, receiver, owner); // ERC-7540 claim, as `withdraw`
            return assets;
        }
        (uint256 totalAssets_, uint256 idle, bool fresh) = _totalAssetsForRedemption();
        assets = _toAssetsDown(shares, totalAssets_);
        if (assets > idle && !fresh) {
            totalAssets_ = _freshTotalAssets(idle);
            assets = _toAssetsDown(shares, totalAssets_);
        }
        address caller = _msgSender();
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        if (assets > idle) {
            uint256 cost = _pullFromMarkets(assets, idle);
            if (cost != 0) {
                assets = assets > cost ? assets - cost : 0;
                emit EventsLib.RedemptionCostCharged(owner, cost);
            }
        }
        _transferOut(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    /// @inheritdoc ERC4626Upgradeable
    function asset() public view override returns (address) {
        return address(_assetToken);
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Idle (without the assets set aside for settled redeem requests) plus the cached market balances (a
    /// quarantined market counts zero); the cache may be stale here
    /// (a view cannot refresh it), but deposits and redemptions refresh it before pricing.
    function totalAssets() public view override returns (uint256) {
        return _idleAssets() + FuseboxStorageLib.vault().totalMarketBalance;
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Reverts `NavExpired` once a cached balance has expired (the deposit would refresh first).
    function previewDeposit(uint256 assets) public view override returns (uint256) {
        uint256 totalAssets_ = _freshTotalAssetsView();
        return assets.mulDiv(_supplyAfterFees(totalAssets_), totalAssets_ + 1, Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Reverts `NavExpired` once a cached balance has expired.
    function previewMint(uint256 shares) public view override returns (uint256) {
        uint256 totalAssets_ = _freshTotalAssetsView();
        return shares.mulDiv(totalAssets_ + 1, _supplyAfterFees(totalAssets_), Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Reverts `NavExpired` once a cached balance has expired. Served from idle; a withdrawal that must
    /// pull from markets is priced on a fresh NAV and pays the pull's cost, which no preview can know.
    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        uint256 totalAssets_ = _freshTotalAssetsView();
        return assets.mulDiv(_supplyAfterFees(totalAssets_), totalAssets_ + 1, Math.Rounding.Ceil);
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Reverts `NavExpired` once a cached balance has expired; as `previewWithdraw` for pulls.
    function previewRedeem(uint256 shares) public view override returns (uint256) {
        uint256 totalAssets_ = _freshTotalAssetsView();
        return shares.mulDiv(totalAssets_ + 1, _supplyAfterFees(totalAssets_), Math.Rounding.Floor);
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev Zero while deposits are refused — paused, a market in quarantine, off the allowlist, or (once the NAV
    /// has expired) a market that cannot be valued, which the deposit's own refresh would revert on.
    function maxDeposit(address receiver) public view override returns (uint256) {
        return _depositAllowed(receiver) && _marketsValueIfExpired() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626Upgradeable
    function maxMint(address receiver) public view override returns (uint256) {
        return _depositAllowed(receiver) && _marketsValueIfExpired() ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626Upgradeable
    /// @dev What `withdraw` would really pay now: markets valued as the withdrawal would value them, and each
    /// instant-withdraw fuse asked what it can release (the module's `exitLimits`, in a static call).
    /// A controller with settled requests can withdraw exactly what it may claim (ERC-7540).
    function maxWithdraw(address owner) public view override returns (uint256 maxAssets) {
        if (_hasClaimable(owner)) return EconomicsStorageLib.economics().requests[owner].claimableAssets;
        (maxAssets,) = _exitLimits(owner);
        // The withdrawal first mints the fees owed: its shares then buy that much less (less one unit of rounding).
        if (maxAssets != 0 && FuseboxStorageLib.vault().economicsFlags & EconomicsStorageLib.FEES_ON != 0) {
            uint256 supplyPlusVirtual = totalSupply() + _virtualShares;
            uint256 supplyAfterFees = _supplyAfterFees(totalAssets());
            if (supplyAfterFees > supplyPlusVirtual) {
                maxAssets = maxAssets.mulDiv(supplyPlusVirtual, supplyAfterFees);
                if (maxAssets != 0) --maxAssets;
            }
        }
    }

    /// @inheritdoc ERC4626Upgradeable
    function maxRedeem(address owner) public view override returns (uint256 maxShares) {
        if (_hasClaimable(owner)) return EconomicsStorageLib.economics().requests[owner].claimableShares;
        (, maxShares) = _exitLimits(owner);
    }

    /* ================================================================ STRATEGY EXECUTION */

    /// @inheritdoc IFuseboxVaultCore
    function execute(FuseAction[] calldata actions) external restricted nonReentrant {
        uint256 actionCount = actions.length;
        if (actionCount == 0) revert ErrorsLib.EmptyBatch();
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (block.timestamp <= $.navExpiresAt) _accrueFeesAt(totalAssets()); // fees owed before the batch moves the NAV

        // Resolve each fuse's market once; the touched set is at most `actionCount` long.
        uint256[] memory actionMarketIds = new uint256[](actionCount);
        uint256[] memory touched = new uint256[](actionCount);
        uint256 touchedCount;
        for (uint256 i; i < actionCount; ++i) {
            uint256 marketId = $.fuseMarketId[actions[i].fuse];
            if (marketId == 0) revert ErrorsLib.FuseNotAllowed(actions[i].fuse);
            if ($.markets[marketId].quarantined) revert ErrorsLib.MarketInQuarantine(marketId);
            actionMarketIds[i] = marketId;
            touchedCount = _addUnique(touched, touchedCount, marketId);
        }
        touched = _withDependents(touched, touchedCount);

        BatchState memory batch;
        // Caps are shares of total assets, which include the untouched markets' cached balances: past the NAV's
        // expiry those are refreshed first, so no guardrail is checked against a stale total. A market that
        // cannot be valued then counts zero for the caps and puts the batch in reduce-only mode.
        bool refreshedAll = block.timestamp > $.navExpiresAt;
        if (refreshedAll) (batch.unvaluedBalance, batch.unvaluedMarketId) = _refreshAllMarkets(true);
        batch.idleBefore = _idleAssets();

        // The common case first: a batch that leaves every touched market and idle within its limits passes
        // whatever the state before it, so it needs no "before" valuation. It runs in its own frame and is rolled
        // back if anything ends outside a limit; the full check (against fresh "before" values, so de-risking is
        // never blocked) then decides. Paused or unvalued, the rules depend on "before": full check at once.
        if (!$.paused && batch.unvaluedMarketId == 0 && !RiskStorageLib.lossBudgetSet()) {
            try this.executeWithinLimits(actions, actionMarketIds, touched, batch.idleBefore) {
                return;
            } catch (bytes memory reason) {
                if (reason.length != 4 || bytes4(reason) != ErrorsLib.OutsideLimits.selector) _bubble(reason);
            }
        }
        (batch.balanceBefore, batch.notionalBefore) = _valueBefore(touched, refreshedAll);
        bytes memory risk = _runBatch(actions, actionMarketIds, touched, batch.idleBefore);
        uint256 totalAssets_ = _checkGuardrails(touched, batch);
        if (risk.length != 0) {
            _inRiskModule(
                abi.encodeCall(
                    IFuseboxRiskModule.riskCheck,
                    (risk, touched, batch.balanceBefore, batch.notionalBefore, totalAssets_ - batch.unvaluedBalance, totalAssets_)
                ),
                false
            );
        }
    }

    /// @inheritdoc IFuseboxVaultCore
    /// @dev Called only from `execute`, which holds the access check and the reentrancy lock.
    function executeWithinLimits(
        FuseAction[] calldata actions,
        uint256[] calldata actionMarketIds,
        uint256[] calldata touched,
        uint256 idleBefore
    ) external {
        if (msg.sender != address(this)) revert ErrorsLib.OnlyVault();
        uint256[] memory touchedIds = touched;
        bytes memory risk = _runBatch(actions, actionMarketIds, touchedIds, idleBefore);
        if (!_withinLimits(touchedIds, idleBefore)) revert ErrorsLib.OutsideLimits();
        if (risk.length != 0) {
            bytes memory call = abi.encodeCall(IFuseboxRiskModule.riskWithinLimits, (risk, touchedIds, totalAssets()));
            if (!abi.decode(_inRiskModule(call, false), (bool))) revert ErrorsLib.OutsideLimits();
        }
    }

    /// @inheritdoc IFuseboxVaultCore
    function refreshMarketBalances(uint256[] calldata marketIds) external restricted nonReentrant {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < marketIds.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[marketIds[i]];
            if (!market.active) revert ErrorsLib.MarketNotActive(marketIds[i]);
            if (market.quarantined) revert ErrorsLib.MarketInQuarantine(marketIds[i]);
            _refreshMarket(marketIds[i], market);
        }
        _updateNavExpiry(marketIds, marketIds.length);
        _accrueFeesAt(totalAssets());
    }

    /// @inheritdoc IFuseboxVaultCore
    function refreshAllMarketBalances() external restricted nonReentrant {
        _refreshAllMarkets(false);
        _accrueFeesAt(totalAssets());
    }

    /* ================================================================ INTERNAL: PRICING */

    function _decimalsOffset() internal view override returns (uint8) {
        return _sharesDecimalsOffset;
    }

    /// @dev The asset balance less what is set aside for settled redeem requests (not the vault's any more).
    function _idleAssets() internal view override returns (uint256) {
        return EconomicsStorageLib.idle(_assetToken.balanceOf(address(this)));
    }

    /// @dev Checks the deposit is open to `receiver` and returns fresh total assets (strict: a market that cannot
    /// be valued refuses the deposit rather than sell shares cheap).
    function _totalAssetsForDeposit(address receiver) internal returns (uint256) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if ($.paused) revert ErrorsLib.VaultPaused();
        if ($.quarantinedCount != 0) revert ErrorsLib.DepositsHaltedByQuarantine($.quarantinedCount);
        if ($.depositorAllowlistEnabled && !$.depositorAllowed[receiver]) {
            revert ErrorsLib.DepositorNotAllowed(receiver);
        }
        if (block.timestamp > $.navExpiresAt) {
            _refreshAllMarkets(false);
            if ($.paused) revert ErrorsLib.VaultPaused(); // the refresh broke a NAV-rate bound
        }
        return _accrueFeesAt(_idleAssets() + $.totalMarketBalance);
    }

    /// @dev Total assets and idle for a redemption; past the NAV's expiry every market is refreshed first, and one
    /// that cannot be valued counts zero (never in the redeemer's favour) instead of blocking the exit.
    function _totalAssetsForRedemption() internal returns (uint256 totalAssets_, uint256 idle, bool fresh) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        idle = _idleAssets();
        if (block.timestamp > $.navExpiresAt) return (_freshTotalAssets(idle), idle, true);
        totalAssets_ = _accrueFeesAt(idle + $.totalMarketBalance);
    }

    /// @dev Refreshes every market (tolerantly) and returns total assets with the unvalued ones at zero.
    function _freshTotalAssets(uint256 idle) internal returns (uint256) {
        (uint256 unvaluedBalance,) = _refreshAllMarkets(true);
        return _accrueFeesAt(idle + FuseboxStorageLib.vault().totalMarketBalance - unvaluedBalance);
    }

    function _freshTotalAssetsView() internal view returns (uint256) {
        uint256 expiresAt = FuseboxStorageLib.vault().navExpiresAt;
        if (block.timestamp > expiresAt) revert ErrorsLib.NavExpired(expiresAt);
        return totalAssets();
    }

    function _depositAllowed(address receiver) internal view returns (bool) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        return !$.paused && $.quarantinedCount == 0 && (!$.depositorAllowlistEnabled || $.depositorAllowed[receiver]);
    }

    /// @dev Past the NAV's expiry a deposit refreshes every market first: the module says (static call) whether all value.
    function _marketsValueIfExpired() internal view returns (bool) {
        if (block.timestamp <= FuseboxStorageLib.vault().navExpiresAt) return true;
        (bool ok, bytes memory result) = address(this).staticcall(abi.encodeCall(IFuseboxVaultModule.marketsValue, ()));
        return ok && result.length >= 32 && abi.decode(result, (bool));
    }

    /// @dev The module values markets exactly as a redemption would; a view reaches it by a static call.
    function _exitLimits(address owner) internal view returns (uint256 maxAssets, uint256 maxShares) {
        (bool ok, bytes memory result) =
            address(this).staticcall(abi.encodeCall(IFuseboxVaultModule.exitLimits, (owner)));
        if (!ok || result.length < 64) return (0, 0); // ERC-4626: max* never revert; zero never overstates
        (maxAssets, maxShares) = abi.decode(result, (uint256, uint256));
    }

    // Rounding is in the name: deposits and redemptions always round against the caller.
    function _toSharesDown(uint256 assets, uint256 totalAssets_) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + _virtualShares, totalAssets_ + 1, Math.Rounding.Floor);
    }

    function _toSharesUp(uint256 assets, uint256 totalAssets_) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + _virtualShares, totalAssets_ + 1, Math.Rounding.Ceil);
    }

    function _toAssetsDown(uint256 shares, uint256 totalAssets_) internal view returns (uint256) {
        return shares.mulDiv(totalAssets_ + 1, totalSupply() + _virtualShares, Math.Rounding.Floor);
    }

    function _toAssetsUp(uint256 shares, uint256 totalAssets_) internal view returns (uint256) {
        return shares.mulDiv(totalAssets_ + 1, totalSupply() + _virtualShares, Math.Rounding.Ceil);
    }

    /// @dev Runs the instant-withdraw fuses in order until idle covers `assets` (FuseboxLiquidity), or reverts
    /// `InsufficientLiquidity`. Returns what the pulls cost beyond what they brought.
    function _pullFromMarkets(uint256 assets, uint256 idle) internal returns (uint256 cost) {
        (idle, cost) = _pullAvailable(assets, idle);
        if (idle < assets) revert ErrorsLib.InsufficientLiquidity(assets, idle);
    }

    /// @dev Runs the fuses, refuses a change of the share supply, and records fresh values of the touched markets.
    /// What the risk engine compares against is read first, when anything is configured (the risk module's snapshot,
    /// opaque here; empty = nothing to check).
    function _runBatch(
        FuseAction[] calldata actions,
        uint256[] memory actionMarketIds,
        uint256[] memory touched,
        uint256 idleBefore
    ) internal returns (bytes memory risk) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (RiskStorageLib.configured()) {
            risk = abi.decode(_inRiskModule(abi.encodeCall(IFuseboxRiskModule.riskSnapshot, (touched, idleBefore)), false), (bytes));
        }
        uint256 supplyBefore = totalSupply();
        for (uint256 i; i < actions.length; ++i) {
            Address.functionDelegateCall(actions[i].fuse, actions[i].data);
            emit EventsLib.FuseExecuted(actions[i].fuse, actionMarketIds[i]);
        }
        if (totalSupply() != supplyBefore) revert ErrorsLib.ShareSupplyChanged(supplyBefore, totalSupply());
        for (uint256 j; j < touched.length; ++j) {
            _refreshMarket(touched[j], $.markets[touched[j]]);
        }
        _updateNavExpiry(touched, touched.length);
    }

    /// @dev Whether every touched market is within its cap and leverage limit and idle within the buffer (or not
    /// lower than before): then every guardrail passes whatever the state before the batch.
    function _withinLimits(uint256[] memory touched, uint256 idleBefore) internal view returns (bool) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 idle = _idleAssets();
        uint256 totalAssets_ = idle + $.totalMarketBalance;
        for (uint256 j; j < touched.length; ++j) {
            FuseboxStorageLib.Market storage market = $.markets[touched[j]];
            uint256 balance = market.balance;
            if (balance > GuardrailLib.marketCapDown(totalAssets_, market.capBps, market.capAssets)) return false;
            uint256 notional = market.grossNotional;
            if (notional != 0 && GuardrailLib.leverageWadUp(notional, balance) > market.maxLeverageWad) return false;
        }
        return idle >= idleBefore || idle >= GuardrailLib.requiredIdleUp(totalAssets_, $.idleBufferBps);
    }

    /* ================================================================ INTERNAL: FEES AND CLAIMS (ERC-7540) */

    /// @dev Accrues the fees owed at `totalAssets_` (minted as shares; assets do not move) and returns it.
    function _accrueFeesAt(uint256 totalAssets_) internal returns (uint256) {
        if (FuseboxStorageLib.vault().economicsFlags & EconomicsStorageLib.FEES_ON == 0) return totalAssets_;
        _accrueFees(totalAssets_, totalSupply() + _virtualShares, false);
        return totalAssets_;
    }

    function _mintFeeShares(address to, uint256 shares) internal override {
        _mint(to, shares);
    }

    /// @dev The share supply (virtual shares included) once the fees owed at `totalAssets_` are minted.
    function _supplyAfterFees(uint256 totalAssets_) internal view returns (uint256 supplyPlusVirtual) {
        supplyPlusVirtual = totalSupply() + _virtualShares;
        supplyPlusVirtual += _pendingFeeShares(totalAssets_, supplyPlusVirtual);
    }

    /// @dev Whether `controller` has settled requests to claim: no extra slot read while nothing is set aside.
    function _hasClaimable(address controller) internal view returns (bool) {
        return FuseboxStorageLib.vault().economicsFlags & EconomicsStorageLib.SET_ASIDE != 0
            && EconomicsStorageLib.economics().requests[controller].claimableShares != 0;
    }

    /// @dev An ERC-7540 claim of `shares` (a `redeem`) or `assets` (a `withdraw`) from `controller`'s settled
    /// requests, at the price they were settled at: the caller is the controller or its operator. Returns the
    /// shares and assets claimed; the rounding (down on assets, up on shares) is the claimant's.
    function _claim(uint256 shares, uint256 assets, address receiver, address controller)
        internal
        returns (uint256, uint256)
    {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        if (_msgSender() != controller && !e.operators[controller][_msgSender()]) {
            revert ErrorsLib.NotControllerOrOperator(_msgSender(), controller);
        }
        EconomicsStorageLib.Request storage request = e.requests[controller];
        uint256 claimableShares = request.claimableShares;
        uint256 claimableAssets = request.claimableAssets;
        if (assets == 0) {
            if (shares > claimableShares) revert ErrorsLib.ExceedsClaimable(controller, shares, claimableShares);
            assets = claimableAssets.mulDiv(shares, claimableShares);
        } else {
            if (assets > claimableAssets) revert ErrorsLib.ExceedsClaimable(controller, assets, claimableAssets);
            shares = claimableShares.mulDiv(assets, claimableAssets, Math.Rounding.Ceil);
        }
        if (shares == 0) revert ErrorsLib.ZeroRequest();
        // The last share claimed releases any rounding dust left with it to the vault (the claimant's rounding).
        uint256 assetsLeft = shares == claimableShares ? 0 : claimableAssets - assets;
        request.claimableShares = uint128(claimableShares - shares);
        request.claimableAssets = uint128(assetsLeft);
        _releaseSetAside(e, claimableAssets - assetsLeft);
        _transferOut(receiver, assets);
        emit Withdraw(_msgSender(), receiver, controller, assets, shares);
        return (shares, assets);
    }

    /// @dev `assets` (≤ the claimant's claimable ≤ set aside) leave the set-aside; the flag follows.
    function _releaseSetAside(EconomicsStorageLib.EconomicsLayout storage e, uint256 assets) internal {
        uint96 setAside = e.setAside - uint96(assets);
        e.setAside = setAside;
        if (setAside == 0) EconomicsStorageLib.setFlag(EconomicsStorageLib.SET_ASIDE, false);
    }

    /* ================================================================ INTERNAL: RISK ENGINE HOOKS */

    /// @dev Runs `data` in the risk module, in this vault's storage: straight there by delegatecall, not through the
    /// module chain. `vaultOnly`: a function only the vault may run (`bookExposure`, `checkNavRate`) is admitted.
    function _inRiskModule(bytes memory data, bool vaultOnly) internal returns (bytes memory) {
        if (vaultOnly) RiskStorageLib.admitVaultCall();
        return Address.functionDelegateCall(RISK_MODULE, data);
    }

    /// @dev The risk engine's net-delta book follows every valuation the core writes, for reporting markets only.
    function _afterMarketWritten(uint256 marketId) internal override {
        if (!FuseboxStorageLib.vault().markets[marketId].reportsExposure) return;
        _inRiskModule(abi.encodeCall(IFuseboxRiskModule.bookExposure, (marketId)), true);
    }

    /// @dev A refresh of every market is where the NAV-rate bounds are checked (a breach pauses the vault).
    function _afterRefreshAll() internal override {
        if (RiskStorageLib.navBoundSet()) _inRiskModule(abi.encodeCall(IFuseboxRiskModule.checkNavRate, ()), true);
    }

    function _bubble(bytes memory reason) internal pure {
        assembly ("memory-safe") {
            revert(add(reason, 32), mload(reason))
        }
    }

    /* ================================================================ INTERNAL: GUARDRAILS */

    /// @dev What a batch's guardrail check compares against.
    struct BatchState {
        uint256[] balanceBefore;
        uint256[] notionalBefore;
        uint256 idleBefore;
        uint256 unvaluedBalance; // cached balances of markets that could not be valued (counted zero for caps)
        uint256 unvaluedMarketId; // the first of them; non-zero puts the batch in reduce-only mode
    }

    /// @dev Fresh "before" values of the touched markets: the de-risking comparison must not rest on a stale cache.
    /// Never trust a cache, even from this block — a same-block price move would go unseen — except the one just
    /// written by this very call.
    function _valueBefore(uint256[] memory touched, bool refreshedAll)
        internal
        returns (uint256[] memory balanceBefore, uint256[] memory notionalBefore)
    {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 count = touched.length;
        balanceBefore = new uint256[](count);
        notionalBefore = new uint256[](count);
        for (uint256 j; j < count; ++j) {
            FuseboxStorageLib.Market storage market = $.markets[touched[j]];
            if (!market.active) revert ErrorsLib.MarketNotActive(touched[j]);
            if (refreshedAll && market.updatedAt == block.timestamp) {
                (balanceBefore[j], notionalBefore[j]) = (market.balance, market.grossNotional);
            } else {
                (balanceBefore[j], notionalBefore[j],) = _valueMarket(market.balanceFuse);
            }
        }
    }

    /// @dev Returns total assets after the batch (the risk engine checks against it next).
    function _checkGuardrails(uint256[] memory touched, BatchState memory batch)
        internal
        view
        returns (uint256 totalAssets_)
    {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 idle = _idleAssets();
        totalAssets_ = idle + $.totalMarketBalance;
        // Caps against the total without what cannot be valued (tighter); the buffer against the full total.
        uint256 capBase = totalAssets_ - batch.unvaluedBalance;
        bool reduceOnly = $.paused || batch.unvaluedMarketId != 0;

        for (uint256 j; j < touched.length; ++j) {
            FuseboxStorageLib.Market storage market = $.markets[touched[j]];
            uint256 balance = market.balance;
            uint256 notional = market.grossNotional;
            uint256 leverage = GuardrailLib.leverageWadUp(notional, balance);
            uint256 leverageBefore = GuardrailLib.leverageWadUp(batch.notionalBefore[j], batch.balanceBefore[j]);
            bool moreCapital = balance > batch.balanceBefore[j];
            bool moreNotional = notional > batch.notionalBefore[j];
            if (reduceOnly && (moreNotional || (moreCapital && leverage >= leverageBefore))) {
                // Only a margin top-up passes: more capital that strictly lowers leverage, notional not grown.
                if (!$.paused) revert ErrorsLib.RiskIncreaseWhileUnvalued(touched[j], batch.unvaluedMarketId);
                if (moreNotional) revert ErrorsLib.RiskIncreaseWhilePaused(touched[j], batch.notionalBefore[j], notional);
                revert ErrorsLib.RiskIncreaseWhilePaused(touched[j], batch.balanceBefore[j], balance);
            }
            if (moreCapital) {
                uint256 cap = GuardrailLib.marketCapDown(capBase, market.capBps, market.capAssets);
                if (balance > cap) revert ErrorsLib.MarketCapExceeded(touched[j], cap, balance);
            }
            // Over the limit, neither leverage nor notional may grow (adding margin with notional is no de-risking).
            if (leverage > market.maxLeverageWad && (leverage > leverageBefore || moreNotional)) {
                revert ErrorsLib.LeverageLimitExceeded(touched[j], market.maxLeverageWad, leverage);
            }
        }

        if (idle < batch.idleBefore) {
            uint256 requiredIdle = GuardrailLib.requiredIdleUp(totalAssets_, $.idleBufferBps);
            if (idle < requiredIdle) revert ErrorsLib.IdleBufferBreached(requiredIdle, idle);
        }
    }
}
