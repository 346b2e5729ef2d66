// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IAccessManaged} from "@openzeppelin/contracts/access/manager/IAccessManaged.sol";
import {IERC20Errors} from "@openzeppelin/contracts/interfaces/draft-IERC6093.sol";

import {FuseAction} from "./IFuse.sol";
import {IFuseboxRiskModule} from "./IFuseboxRiskModule.sol";
import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";
import {ErrorsLib} from "../libraries/ErrorsLib.sol";
import {EventsLib} from "../libraries/EventsLib.sol";

/// @title IFuseboxVaultCore
/// @notice The hot paths of a Fusebox vault, implemented by `FuseboxVault` itself (no extra hop): besides the
/// ERC-4626 depositor functions, strategy execution and the NAV refresh.
interface IFuseboxVaultCore is ErrorsLib, EventsLib {
    /// @notice Run a batch of fuse actions by delegatecall, then check every guardrail on the post-batch state
    /// with fresh balances of the markets the batch touched (and their declared dependents).
    /// @dev A limit is enforced only against a measure the batch made worse (de-risking is never blocked):
    /// a market whose balance did not grow passes its cap; one whose leverage and notional did not grow passes
    /// its leverage limit; idle that did not shrink passes the buffer. A market over its leverage limit may not
    /// grow its notional. While paused — or while a market cannot be valued — no batch may grow any market's
    /// notional, nor its balance unless that strictly lowers its leverage (a margin top-up). Past the NAV's
    /// expiry every market is refreshed first. Restricted (the alpha).
    /// @param actions The fuses to run and their calldata; every fuse must be allowed and its market active and
    /// not quarantined.
    function execute(FuseAction[] calldata actions) external;

    /// @notice The vault's own optimistic step of `execute`: run the batch in a frame of its own and keep it only
    /// if every touched market and idle end within their limits (otherwise it reverts `OutsideLimits` and
    /// `execute` runs the full check, against fresh "before" values). Saves the "before" valuation in the
    /// common case. Only the vault itself may call it (`OnlyVault`).
    function executeWithinLimits(
        FuseAction[] calldata actions,
        uint256[] calldata actionMarketIds,
        uint256[] calldata touched,
        uint256 idleBefore
    ) external;

    /// @notice Refresh the cached balances of `marketIds` from their balance fuses. Restricted (the alpha): if
    /// anyone could refresh, anyone could deposit at the cached NAV, refresh it upward and redeem in one
    /// transaction. Depositors never need it: an operation after the NAV expired refreshes every market first.
    function refreshMarketBalances(uint256[] calldata marketIds) external;

    /// @notice Refresh every market's cached balance (restricted like `refreshMarketBalances`).
    function refreshAllMarketBalances() external;

    /// @notice The module this vault reaches by delegatecall for configuration, guardian actions and views.
    function MODULE() external view returns (address);
}

/// @title IFuseboxVaultModule
/// @notice Configuration, guardian actions and views of a Fusebox vault. Implemented by `FuseboxVaultModule`,
/// which the vault reaches by delegatecall from its fallback: call them on the vault's address.
interface IFuseboxVaultModule is ErrorsLib, EventsLib {
    /// @notice Parameters of a market, as set by the atomist.
    struct MarketParams {
        address balanceFuse; // values the vault's position (IBalanceFuse), run by delegatecall
        uint16 capBps; // capital cap, basis points of total assets (<= 10_000)
        uint128 capAssets; // optional absolute cap in assets (0 = none)
        uint96 maxLeverageWad; // gross notional / equity limit, 1e18 = 1x (0 = no notional allowed)
        uint32 maxBalanceAge; // seconds a cached balance may price deposits and redemptions (> 0)
    }

    /* ---------------------------------------------------------------- configuration (atomist: delayed) */

    /// @notice Create or update market `marketId`; a new market is valued at once through its balance fuse.
    /// @dev Refuses a balance fuse whose valuation keys overlap another active market's (`ValuationKeyOverlap`)
    /// or claim the vault's own asset, and, on an update, one that no longer covers the market's fuses' keys.
    function configureMarket(uint256 marketId, MarketParams calldata params) external;

    /// @notice Allow `fuses` to run in `execute`; each acts on the market its `MARKET_ID()` names, which must be
    /// active, and every valuation key it reports must be one its market values (`FuseKeyOutsideMarket`).
    function addFuses(address[] calldata fuses) external;

    /// @notice Allow `substrates` (tokens, pools, venue markets, deposit addresses as bytes32) in `marketId`.
    /// The market's valuation keys are computed again: a substrate that another market already values is refused.
    function grantSubstrates(uint256 marketId, bytes32[] calldata substrates) external;

    /// @notice Declare the markets whose valuation the fuses of `marketId` can change (e.g. a credit market
    /// whose borrow leaves tokens the spot market values): `execute` and redemptions value them together.
    function setMarketDependencies(uint256 marketId, uint256[] calldata dependents) external;

    /// @notice Set the idle buffer, in basis points of total assets.
    function setIdleBufferBps(uint16 newIdleBufferBps) external;

    /// @notice Set the fuses (IInstantWithdrawFuse) that serve redemptions after idle, in order.
    function setInstantWithdrawFuses(address[] calldata fuses) external;

    /// @notice Turn the depositor allowlist on or off (a vault that uses a CEX fuse must keep it on).
    function setDepositorAllowlistEnabled(bool enabled) external;

    /// @notice Allow or disallow `depositors` when the depositor allowlist is on.
    function setDepositorsAllowed(address[] calldata depositors, bool allowed) external;

    /// @notice Point balance fuses at another price oracle middleware.
    function setPriceOracle(address priceOracle_) external;

    /// @notice Resume deposits and risk-raising execution.
    function unpause() external;

    /// @notice Remove an empty market (zero balance, notional and debt on a fresh valuation). Its fuses,
    /// substrates and keys are forgotten, and it leaves every other market's dependency list.
    function removeMarket(uint256 marketId) external;

    /// @notice Take `marketId` out of quarantine: it is valued again (the call reverts if it still cannot be)
    /// and deposits resume once no market is quarantined. Raises risk back, so it is the atomist's, delayed.
    function releaseQuarantine(uint256 marketId) external;

    /// @notice Write off a quarantined market: it is removed with whatever it still holds, which stays counted
    /// at zero. The last resort when a venue is lost; the atomist's, delayed (the guardian can cancel).
    function writeOffMarket(uint256 marketId) external;

    /* ---------------------------------------------------------------- guardian (risk-lowering: immediate) */

    /// @notice Stop deposits and any batch that grows a market's notional or balance (margin top-ups that
    /// strictly lower leverage excepted). Redemptions and de-risking batches go on.
    function pause() external;

    /// @notice Lower the limits of `marketId` at once; each new value must be no higher than the current one
    /// (an absolute cap of 0 means "none", so it cannot be set to 0 here).
    function lowerMarketLimits(uint256 marketId, uint16 capBps, uint128 capAssets, uint96 maxLeverageWad) external;

    /// @notice Forbid `substrates` in `marketId` at once. Refused while a revoked substrate still holds part of
    /// the market's position (the market's valuation would change). Compares valuations without writing the
    /// cache, so it cannot serve as a refresh.
    function revokeSubstrates(uint256 marketId, bytes32[] calldata substrates) external;

    /// @notice Forbid `fuses` at once. Positions they opened stay valued by the market's balance fuse.
    function removeFuses(address[] calldata fuses) external;

    /// @notice Isolate `marketId` (e.g. its oracle is stale or its venue paused): from now on it is valued at
    /// zero for pricing, never refreshed, its fuses and instant withdrawals do not run, and deposits are
    /// refused until the atomist releases it (valued again) or writes it off. Exits go on at the conservative
    /// price: nothing is priced in a depositor's or redeemer's favour while its value is unknown.
    function quarantineMarket(uint256 marketId) external;

    /* ---------------------------------------------------------------- the vault's own steps */

    /// @notice Run instant-withdraw `fuse` for `assets`, revalue its market and check that its leverage did not
    /// grow past its limit; returns what arrived in idle and what the pull cost beyond it (the markets' value
    /// fell by `received + cost`). Only the vault calls it, in its own frame, so a fuse
    /// that reverts, cannot be valued after, or overshoots the limit is rolled back alone and skipped.
    function instantWithdrawChecked(address fuse, uint256 assets) external returns (uint256 received, uint256 cost);

    /// @notice What a redemption by `owner` could take now, as `withdraw` (assets) and `redeem` (shares), valuing
    /// markets exactly as the redemption would. Answered by the vault's `maxWithdraw` / `maxRedeem` through a
    /// static call; changes nothing.
    function exitLimits(address owner) external returns (uint256 maxAssets, uint256 maxShares);

    /// @notice Whether every market not in quarantine can be valued now (a deposit after the NAV's expiry refreshes
    /// them all and reverts if one cannot). Answered for `maxDeposit` / `maxMint` through a static call; changes
    /// nothing.
    function marketsValue() external returns (bool);

    /* ---------------------------------------------------------------- views */

    /// @notice The most markets a vault may have: bounds every loop over markets.
    function MAX_MARKETS() external view returns (uint256);

    /// @notice Configuration and cached valuation of `marketId`.
    function getMarket(uint256 marketId) external view returns (FuseboxStorageLib.Market memory);

    /// @notice The active markets.
    function getMarketIds() external view returns (uint256[] memory);

    /// @notice The substrates allowed in `marketId`.
    function getSubstrates(uint256 marketId) external view returns (bytes32[] memory);

    /// @notice Whether `substrate` is allowed in `marketId`.
    function isSubstrateAllowed(uint256 marketId, bytes32 substrate) external view returns (bool);

    /// @notice The market an allowed fuse acts on (0 = not allowed).
    function fuseMarketId(address fuse) external view returns (uint256);

    /// @notice The allowed fuses of `marketId`.
    function getMarketFuses(uint256 marketId) external view returns (address[] memory);

    /// @notice The markets valued together with `marketId` when its fuses run.
    function getMarketDependencies(uint256 marketId) external view returns (uint256[] memory);

    /// @notice The valuation keys `marketId` holds (ValuationKeys).
    function getValuationKeys(uint256 marketId) external view returns (bytes32[] memory);

    /// @notice The market that values `key` (0 = none).
    function valuationKeyMarket(bytes32 key) external view returns (uint256);

    /// @notice The instant-withdraw fuses, in redemption order.
    function getInstantWithdrawFuses() external view returns (address[] memory);

    /// @notice The idle buffer, basis points of total assets.
    function idleBufferBps() external view returns (uint16);

    /// @notice Whether the vault is paused.
    function paused() external view returns (bool);

    /// @notice How many markets are in quarantine (deposits are refused while any is).
    function quarantinedCount() external view returns (uint256);

    /// @notice When the oldest cached market balance expires; past it, the next operation refreshes all.
    function navExpiresAt() external view returns (uint64);

    /// @notice Sum of the cached market balances (quarantined markets count zero).
    function totalMarketBalance() external view returns (uint256);

    /// @notice Whether the depositor allowlist is on.
    function depositorAllowlistEnabled() external view returns (bool);

    /// @notice Whether `depositor` is on the depositor allowlist.
    function isDepositorAllowed(address depositor) external view returns (bool);

    /// @notice The price oracle middleware balance fuses use.
    function priceOracle() external view returns (address);
}


/* ==================================================================== ECONOMICS: FEES AND THE REDEMPTION QUEUE */

/// @title IFuseboxVaultEconomics
/// @notice Fees and the ERC-7540 redeem queue, implemented by `FuseboxEconomicsModule` (the next module after
/// `FuseboxVaultModule`, reached by delegatecall); claims are the core's `withdraw` / `redeem` (contracts/README.md).
/// Deposits stay synchronous ERC-4626; every request has requestId 0 (a controller's requests are aggregated).
interface IFuseboxVaultEconomics is ErrorsLib, EventsLib {
    /* ---------------------------------------------------------------- fees */

    /// @notice Set the management fee (a year, of total assets, ≤ 500 bps) and the performance fee (of the gain in
    /// price per share above the high-water mark, ≤ 5,000 bps). Accrues what the old fees owe first. Restricted
    /// (the atomist, delayed: this is how a fee is raised). Refused with no fee recipient.
    function setFees(uint16 managementFeeBps, uint16 performanceFeeBps) external;

    /// @notice Lower either fee at once (never raise one: `NotAFeeLowering`). Restricted (the guardian).
    function lowerFees(uint16 managementFeeBps, uint16 performanceFeeBps) external;

    /// @notice Set who receives fee shares; accrues to the old recipient first. Restricted (the atomist, delayed).
    function setFeeRecipient(address recipient) external;

    /// @notice Fee configuration and state: rates, recipient, high-water mark (FeeLib.pricePerShare scale), last
    /// management accrual (the fee shares minted are in the `FeesAccrued` events).
    function feeState()
        external
        view
        returns (
            uint256 managementFeeBps,
            uint256 performanceFeeBps,
            address recipient,
            uint256 highWaterMark,
            uint256 lastAccrual
        );

    /* ---------------------------------------------------------------- ERC-7540 redeem requests */

    /// @notice Move `shares` of `owner` into the vault's custody as a request of `controller`. The caller is
    /// `owner`, an operator of `owner`, or spends `owner`'s share allowance. Pending shares stay shares: they
    /// share the vault's gains, losses and fees until settled. Returns requestId 0.
    function requestRedeem(uint256 shares, address controller, address owner) external returns (uint256 requestId);

    /// @notice Return all of `controller`'s pending shares to it (caller: the controller or its operator).
    function cancelRedeemRequest(address controller) external returns (uint256 shares);

    /// @notice ERC-7540: shares of `controller` pending settlement.
    function pendingRedeemRequest(uint256 requestId, address controller) external view returns (uint256 pendingShares);

    /// @notice ERC-7540: shares of `controller` settled and claimable with `redeem` / `withdraw`.
    function claimableRedeemRequest(uint256 requestId, address controller)
        external
        view
        returns (uint256 claimableShares);

    /// @notice The assets `controller`'s claimable shares were settled for.
    function claimableRedeemAssets(address controller) external view returns (uint256);

    /// @notice When `controller`'s oldest pending share was requested (0 = nothing pending).
    function redeemRequestedAt(address controller) external view returns (uint256);

    /// @notice ERC-7540 operators: `operator` may request, cancel and claim for the caller.
    function setOperator(address operator, bool approved) external returns (bool);

    function isOperator(address controller, address operator) external view returns (bool);

    /// @notice ERC-7575: the share token (the vault itself).
    function share() external view returns (address);

    /// @notice ERC-165 (ERC-7540 async redeem, ERC-7540 operator, ERC-7575).
    function supportsInterface(bytes4 interfaceId) external view returns (bool);

    /// @notice Settle the queue at a fresh NAV (every market revalued; one that cannot be valued counts zero),
    /// after accruing fees: every pending request is filled at the same price, pro rata when idle is short.
    /// `controllers` must name every controller with pending shares, once. Restricted (the alpha, which unwinds
    /// into idle first).
    function settleRedeemRequests(address[] calldata controllers) external;

    /// @notice As `settleRedeemRequests`, by anyone, once a listed request has waited past `maxRedeemWait`; it
    /// also pulls from the instant-withdraw fuses (what they cost is charged to the settled requests).
    function settleOverdueRedeemRequests(address[] calldata controllers) external;

    /// @notice Set the maximum wait (1 s … 30 days). Restricted (the atomist).
    function setMaxRedeemWait(uint32 maxRedeemWait) external;

    /// @notice The queue: pending shares in custody, assets set aside for claims, a lower bound of the oldest
    /// pending request's time (0 = none), the maximum wait, the settlements so far.
    function redeemQueue()
        external
        view
        returns (uint256 pendingShares, uint256 setAside, uint256 oldestRequestAt, uint256 maxRedeemWait, uint256 epoch);
}

/// @title IFuseboxVault
/// @notice Everything a Fusebox vault answers at its address: ERC-4626, the core's hot paths and the module's
/// configuration, guardian actions and views. The one interface auditors, scripts and typechain bindings use.
interface IFuseboxVault is
    IERC4626,
    IERC20Errors,
    IAccessManaged,
    IFuseboxVaultCore,
    IFuseboxVaultModule,
    IFuseboxVaultEconomics,
    IFuseboxRiskModule // risk engine (issue #10)
{}
