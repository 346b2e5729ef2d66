// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IFuseboxVaultEconomics} from "./interfaces/IFuseboxVault.sol";
import {FuseboxValuation} from "./FuseboxValuation.sol";
import {FuseboxFees} from "./FuseboxFees.sol";
import {FuseboxLiquidity} from "./FuseboxLiquidity.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {EconomicsStorageLib} from "./libraries/EconomicsStorageLib.sol";
import {FeeLib} from "./libraries/FeeLib.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxEconomicsModule
/// @notice Fees and the ERC-7540 redeem queue of a Fusebox vault: fee configuration, redeem requests, their
/// settlement and the queue's views. The second module of the chain (`FuseboxVaultModule.NEXT_MODULE`), run by
/// delegatecall in the vault's storage; the claims themselves are the core's `withdraw` / `redeem`.
/// @dev The share token's ERC-20 state is OpenZeppelin's ERC-7201 namespace, so `_transfer`, `_burn` and `_mint`
/// here act on the vault's shares. Called directly, the module acts on its own empty storage.
contract FuseboxEconomicsModule is
    ERC20Upgradeable,
    AccessManagedUpgradeable,
    ReentrancyGuardTransient,
    FuseboxValuation,
    FuseboxFees,
    FuseboxLiquidity,
    IFuseboxVaultEconomics
{
    using Math for uint256;
    using SafeCast for uint256;

    /// @notice The maximum wait when the atomist set none.
    uint256 public constant DEFAULT_MAX_REDEEM_WAIT = 3 days;
    uint256 internal constant MAX_MAX_REDEEM_WAIT = 30 days;

    constructor() {
        _disableInitializers();
    }

    /// @notice The end of the chain: nothing else answers.
    fallback() external {
        revert ErrorsLib.UnknownFunction(msg.sig);
    }

    /* ================================================================ FEES */

    /// @inheritdoc IFuseboxVaultEconomics
    function setFees(uint16 managementFeeBps, uint16 performanceFeeBps) external restricted nonReentrant {
        if (managementFeeBps > FeeLib.MAX_MANAGEMENT_FEE_BPS) {
            revert ErrorsLib.FeeAboveCap(managementFeeBps, FeeLib.MAX_MANAGEMENT_FEE_BPS);
        }
        if (performanceFeeBps > FeeLib.MAX_PERFORMANCE_FEE_BPS) {
            revert ErrorsLib.FeeAboveCap(performanceFeeBps, FeeLib.MAX_PERFORMANCE_FEE_BPS);
        }
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        if ((managementFeeBps != 0 || performanceFeeBps != 0) && e.feeRecipient == address(0)) {
            revert ErrorsLib.InvalidFeeRecipient(address(0));
        }
        _setFees(e, managementFeeBps, performanceFeeBps);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function lowerFees(uint16 managementFeeBps, uint16 performanceFeeBps) external restricted nonReentrant {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        if (managementFeeBps > e.managementFeeBps || performanceFeeBps > e.performanceFeeBps) {
            revert ErrorsLib.NotAFeeLowering(managementFeeBps, performanceFeeBps);
        }
        _setFees(e, managementFeeBps, performanceFeeBps);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function setFeeRecipient(address recipient) external restricted nonReentrant {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        bool feesOn = e.managementFeeBps != 0 || e.performanceFeeBps != 0;
        if ((recipient == address(0) && feesOn) || recipient == address(this)) {
            revert ErrorsLib.InvalidFeeRecipient(recipient);
        }
        if (feesOn) _accrueAtFreshNav(true); // what is owed so far goes to the old recipient
        e.feeRecipient = recipient;
        emit EventsLib.FeeRecipientSet(recipient);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function feeState()
        external
        view
        returns (
            uint256 managementFeeBps,
            uint256 performanceFeeBps,
            address recipient,
            uint256 highWaterMark,
            uint256 lastAccrual
        )
    {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        return (e.managementFeeBps, e.performanceFeeBps, e.feeRecipient, e.highWaterMark, e.lastAccrual);
    }

    /* ================================================================ ERC-7540 REDEEM REQUESTS */

    /// @inheritdoc IFuseboxVaultEconomics
    function requestRedeem(uint256 shares, address controller, address owner)
        external
        nonReentrant
        returns (uint256 requestId)
    {
        if (shares == 0) revert ErrorsLib.ZeroRequest();
        if (controller == address(0) || controller == address(this)) revert ErrorsLib.ZeroAddress();
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        address caller = _msgSender();
        if (caller != owner && !e.operators[owner][caller]) _spendAllowance(owner, caller, shares);
        _transfer(owner, address(this), shares);
        EconomicsStorageLib.Request storage request = e.requests[controller];
        request.pendingShares += shares.toUint128();
        if (request.requestedAt == 0) request.requestedAt = uint64(block.timestamp);
        e.pendingShares += shares.toUint128();
        if (e.oldestRequestAt == 0) e.oldestRequestAt = uint64(block.timestamp);
        emit EventsLib.RedeemRequest(controller, owner, 0, caller, shares);
        return 0;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function cancelRedeemRequest(address controller) external nonReentrant returns (uint256 shares) {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        _requireControllerOrOperator(e, controller);
        EconomicsStorageLib.Request storage request = e.requests[controller];
        shares = request.pendingShares;
        if (shares == 0) revert ErrorsLib.NoPendingRequest(controller);
        request.pendingShares = 0;
        request.requestedAt = 0;
        uint128 pendingLeft = e.pendingShares - uint128(shares);
        e.pendingShares = pendingLeft;
        if (pendingLeft == 0) e.oldestRequestAt = 0;
        _transfer(address(this), controller, shares);
        emit EventsLib.RedeemRequestCancelled(controller, shares);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function pendingRedeemRequest(uint256, address controller) external view returns (uint256) {
        return EconomicsStorageLib.economics().requests[controller].pendingShares;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function claimableRedeemRequest(uint256, address controller) external view returns (uint256) {
        return EconomicsStorageLib.economics().requests[controller].claimableShares;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function claimableRedeemAssets(address controller) external view returns (uint256) {
        return EconomicsStorageLib.economics().requests[controller].claimableAssets;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function redeemRequestedAt(address controller) external view returns (uint256) {
        return EconomicsStorageLib.economics().requests[controller].requestedAt;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function setOperator(address operator, bool approved) external returns (bool) {
        EconomicsStorageLib.economics().operators[_msgSender()][operator] = approved;
        emit EventsLib.OperatorSet(_msgSender(), operator, approved);
        return true;
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function isOperator(address controller, address operator) external view returns (bool) {
        return EconomicsStorageLib.economics().operators[controller][operator];
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function share() external view returns (address) {
        return address(this);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function supportsInterface(bytes4 interfaceId) external pure returns (bool) {
        return interfaceId == 0x01ffc9a7 // ERC-165
            || interfaceId == 0x620ee8e4 // ERC-7540 asynchronous redemption
            || interfaceId == 0xe3bc4e65 // ERC-7540 operator
            || interfaceId == 0x2f0a18c5; // ERC-7575
    }

    /* ================================================================ SETTLEMENT */

    /// @inheritdoc IFuseboxVaultEconomics
    function settleRedeemRequests(address[] calldata controllers) external restricted nonReentrant {
        _settle(controllers, false);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function settleOverdueRedeemRequests(address[] calldata controllers) external nonReentrant {
        _settle(controllers, true);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function setMaxRedeemWait(uint32 maxRedeemWait) external restricted {
        if (maxRedeemWait == 0 || maxRedeemWait > MAX_MAX_REDEEM_WAIT) revert ErrorsLib.InvalidMaxRedeemWait(maxRedeemWait);
        EconomicsStorageLib.economics().maxRedeemWait = maxRedeemWait;
        emit EventsLib.MaxRedeemWaitSet(maxRedeemWait);
    }

    /// @inheritdoc IFuseboxVaultEconomics
    function redeemQueue()
        external
        view
        returns (uint256 pendingShares, uint256 setAside, uint256 oldestRequestAt, uint256 maxRedeemWait, uint256 epoch)
    {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        return (e.pendingShares, e.setAside, e.oldestRequestAt, _maxRedeemWait(e), e.epoch);
    }

    /// @dev Fills every pending request at one fresh price: all of it when liquidity covers it, else the same
    /// fraction of each (rounded down per request, so the sum never exceeds what is liquid). The settled shares
    /// are burnt from the vault's custody and their assets set aside for the controllers' claims.
    function _settle(address[] calldata controllers, bool overdue) internal {
        EconomicsStorageLib.EconomicsLayout storage e = EconomicsStorageLib.economics();
        uint256 pending = e.pendingShares;
        if (pending == 0) revert ErrorsLib.ZeroRequest();
        uint64 epoch = e.epoch + 1;
        e.epoch = epoch;
        uint256[] memory settledShares = _checkList(e, controllers, epoch, pending, overdue);
        Settlement memory st = _price(pending, overdue);

        for (uint256 i; i < controllers.length; ++i) {
            uint256 s = settledShares[i];
            if (st.owedUp > st.idle) s = s.mulDiv(st.idle, st.owedUp); // pro rata: Σ gross stays ≤ idle
            uint256 gross = s.mulDiv(st.totalAssets + 1, st.supplyPlusVirtual);
            if (gross == 0) s = 0; // shares worth less than one unit wait (or are cancelled), never burnt for nothing
            settledShares[i] = s;
            st.sharesTotal += s;
            st.grossTotal += gross;
        }
        uint256 oldest = type(uint64).max;
        for (uint256 i; i < controllers.length; ++i) {
            EconomicsStorageLib.Request storage request = e.requests[controllers[i]];
            if (settledShares[i] != 0) _fill(request, settledShares[i], st);
            uint256 requestedAt = request.requestedAt; // 0 once nothing of it is pending
            if (requestedAt != 0 && requestedAt < oldest) oldest = requestedAt;
        }
        if (st.sharesTotal != 0) _burn(address(this), st.sharesTotal);
        uint256 pendingLeft = pending - st.sharesTotal;
        e.pendingShares = uint128(pendingLeft);
        e.oldestRequestAt = pendingLeft == 0 ? 0 : uint64(oldest); // exact after a settlement (the list is complete)
        e.setAside += st.assetsTotal.toUint96();
        if (st.assetsTotal != 0) EconomicsStorageLib.setFlag(EconomicsStorageLib.SET_ASIDE, true);
        if (st.cost != 0) emit EventsLib.RedemptionCostCharged(address(this), st.cost);
        emit EventsLib.RedeemSettled(epoch, st.sharesTotal, st.assetsTotal, pendingLeft, overdue);
    }

    /// @dev One settlement's price and liquidity.
    struct Settlement {
        uint256 totalAssets; // fresh, after fees
        uint256 supplyPlusVirtual; // after fees
        uint256 idle; // after any pull
        uint256 owedUp; // what every pending share is worth, rounded up
        uint256 cost; // what the pulls cost beyond what they brought
        uint256 sharesTotal;
        uint256 grossTotal;
        uint256 assetsTotal;
    }

    /// @dev A fresh NAV (never a stale one): every market revalued, one that cannot be valued counting zero; then
    /// the fees it owes, so the requests leave at a price that owes none. Overdue: pulls what idle lacks.
    function _price(uint256 pending, bool overdue) internal returns (Settlement memory st) {
        (uint256 unvalued,) = _refreshAllMarkets(true);
        st.idle = _idleAssets();
        st.totalAssets = st.idle + FuseboxStorageLib.vault().totalMarketBalance - unvalued;
        uint256 virtualShares = _virtualShares();
        _accrueFees(st.totalAssets, totalSupply() + virtualShares, false);
        st.supplyPlusVirtual = totalSupply() + virtualShares;
        st.owedUp = pending.mulDiv(st.totalAssets + 1, st.supplyPlusVirtual, Math.Rounding.Ceil);
        if (overdue && st.owedUp > st.idle) (st.idle, st.cost) = _pullAvailable(st.owedUp, st.idle);
    }

    /// @dev Moves `shares` of `request` from pending to claimable, for their value less their part of the pulls'
    /// cost (pro rata, rounded against them; at most all but one unit of their value).
    function _fill(EconomicsStorageLib.Request storage request, uint256 shares, Settlement memory st) internal {
        uint256 gross = shares.mulDiv(st.totalAssets + 1, st.supplyPlusVirtual);
        // Never the whole of it: a settled request always has assets to claim (claimable shares imply assets).
        uint256 charge =
            st.cost == 0 ? 0 : Math.min(gross - 1, st.cost.mulDiv(gross, st.grossTotal, Math.Rounding.Ceil));
        uint256 assets = gross - charge;
        st.assetsTotal += assets;
        uint128 left = request.pendingShares - uint128(shares);
        request.pendingShares = left;
        if (left == 0) request.requestedAt = 0;
        request.claimableShares += uint128(shares);
        request.claimableAssets += assets.toUint128();
    }

    /// @dev The list names each controller once and all of them (its pending shares sum to `pending`); when
    /// `overdue`, one of them has waited past the maximum wait. Returns each one's pending shares.
    function _checkList(
        EconomicsStorageLib.EconomicsLayout storage e,
        address[] calldata controllers,
        uint64 epoch,
        uint256 pending,
        bool overdue
    ) internal returns (uint256[] memory pendingOf) {
        uint256 maxWait = _maxRedeemWait(e);
        pendingOf = new uint256[](controllers.length);
        uint256 listed;
        bool anyOverdue;
        for (uint256 i; i < controllers.length; ++i) {
            EconomicsStorageLib.Request storage request = e.requests[controllers[i]];
            if (request.settledEpoch == epoch) revert ErrorsLib.ControllerListedTwice(controllers[i]);
            request.settledEpoch = epoch;
            uint256 shares = request.pendingShares;
            pendingOf[i] = shares;
            listed += shares;
            if (shares != 0 && block.timestamp > uint256(request.requestedAt) + maxWait) anyOverdue = true;
        }
        if (listed != pending) revert ErrorsLib.SettlementIncomplete(listed, pending);
        if (overdue && !anyOverdue) revert ErrorsLib.NoOverdueRequest(e.oldestRequestAt, maxWait);
    }

    /* ================================================================ INTERNAL */

    function _setFees(EconomicsStorageLib.EconomicsLayout storage e, uint16 managementFeeBps, uint16 performanceFeeBps)
        internal
    {
        _accrueAtFreshNav(true); // the old rates up to now; the clock and the high-water mark start here
        e.managementFeeBps = managementFeeBps;
        e.performanceFeeBps = performanceFeeBps;
        EconomicsStorageLib.setFlag(EconomicsStorageLib.FEES_ON, managementFeeBps != 0 || performanceFeeBps != 0);
        emit EventsLib.FeesSet(managementFeeBps, performanceFeeBps);
    }

    /// @dev Accrues at the cached NAV while it is fresh, else after refreshing every market (one that cannot be
    /// valued counts zero: no performance fee on a value nobody can see).
    function _accrueAtFreshNav(bool always) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 unvalued;
        if (block.timestamp > $.navExpiresAt) (unvalued,) = _refreshAllMarkets(true);
        _accrueFees(_idleAssets() + $.totalMarketBalance - unvalued, totalSupply() + _virtualShares(), always);
    }

    function _requireControllerOrOperator(EconomicsStorageLib.EconomicsLayout storage e, address controller)
        internal
        view
    {
        address caller = _msgSender();
        if (caller != controller && !e.operators[controller][caller]) {
            revert ErrorsLib.NotControllerOrOperator(caller, controller);
        }
    }

    function _maxRedeemWait(EconomicsStorageLib.EconomicsLayout storage e) internal view returns (uint256) {
        uint256 maxWait = e.maxRedeemWait;
        return maxWait == 0 ? DEFAULT_MAX_REDEEM_WAIT : maxWait;
    }

    /// @dev 10^offset, the vault's virtual shares (written once by the core's constructor).
    function _virtualShares() internal view returns (uint256) {
        return FuseboxStorageLib.vault().virtualShares;
    }

    function _idleAssets() internal view override returns (uint256) {
        return EconomicsStorageLib.idle(IERC20(IERC4626(address(this)).asset()).balanceOf(address(this)));
    }

    function _mintFeeShares(address to, uint256 shares) internal override {
        _mint(to, shares);
    }
}
