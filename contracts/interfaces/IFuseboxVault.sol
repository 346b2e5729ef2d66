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

/// @title IFuseboxVault
/// @notice Everything a Fusebox vault answers at its address: ERC-4626, the core's hot paths and the module's
/// configuration, guardian actions and views. The one interface auditors, scripts and typechain bindings use.
interface IFuseboxVault is
    IERC4626,
    IERC20Errors,
    IAccessManaged,
    IFuseboxVaultCore,
    IFuseboxVaultModule,
    IFuseboxRiskModule // risk engine (issue #10)
{}
