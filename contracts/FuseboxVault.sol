// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {FuseAction, IFuse, IBalanceFuse, IInstantWithdrawFuse} from "./interfaces/IFuse.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {GuardrailLib} from "./libraries/GuardrailLib.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxVault
/// @notice An ERC-4626 vault that deploys its depositors' assets through fuses (stateless adapters run by
/// delegatecall, one market each) and enforces capital caps, leverage limits and an idle buffer on-chain
/// after every strategy batch.
/// @dev Total assets = idle (the asset held here) + the cached balances of the markets, kept as one running
/// sum in one storage slot: reading it costs the same for 1 market or 32. A cached balance older than its
/// market's `maxBalanceAge` never prices a deposit or a redemption: the vault refreshes every market first.
/// Access: every configuration function and `execute` is `restricted` (OpenZeppelin AccessManager), so
/// roles, and the execution delays on risk-raising changes, live in one audited place.
/// See contracts/README.md for the guardrail semantics and the role wiring.
contract FuseboxVault is ERC4626, AccessManaged, ReentrancyGuardTransient {
    using SafeCast for uint256;
    using Math for uint256;

    /// @notice Parameters of a market, as set by the atomist.
    struct MarketParams {
        address balanceFuse; // values the vault's position (IBalanceFuse), run by delegatecall
        uint16 capBps; // capital cap, basis points of total assets (<= 10_000)
        uint128 capAssets; // optional absolute cap in assets (0 = none)
        uint96 maxLeverageWad; // gross notional / equity limit, 1e18 = 1x (0 = no notional allowed)
        uint32 maxBalanceAge; // seconds a cached balance may price deposits and redemptions (> 0)
    }

    /// @notice The most markets a vault may have: bounds every loop over markets.
    uint256 public constant MAX_MARKETS = 32;
    /// @notice The idle buffer a new vault starts with: 10% of total assets.
    uint16 public constant DEFAULT_IDLE_BUFFER_BPS = 1_000;

    uint8 private immutable _sharesDecimalsOffset;

    /// @param asset_ The ERC-20 the vault accounts in.
    /// @param name_ Share token name.
    /// @param symbol_ Share token symbol.
    /// @param authority_ The OpenZeppelin AccessManager that gates every restricted function.
    /// @param priceOracle_ The price oracle middleware that balance fuses use.
    /// @param decimalsOffset_ Extra share decimals: the virtual-shares defence against the inflation attack
    /// (an attacker must donate ~10**offset times the victim's deposit to steal from it).
    constructor(
        IERC20 asset_,
        string memory name_,
        string memory symbol_,
        address authority_,
        address priceOracle_,
        uint8 decimalsOffset_
    ) ERC20(name_, symbol_) ERC4626(asset_) AccessManaged(authority_) {
        if (priceOracle_ == address(0)) revert ErrorsLib.ZeroAddress();
        _sharesDecimalsOffset = decimalsOffset_;
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        $.idleBufferBps = DEFAULT_IDLE_BUFFER_BPS;
        $.navExpiresAt = type(uint64).max;
        FuseboxStorageLib.oracle().priceOracle = priceOracle_;
        emit EventsLib.IdleBufferSet(DEFAULT_IDLE_BUFFER_BPS);
        emit EventsLib.PriceOracleSet(priceOracle_);
    }

    /* ================================================================ DEPOSITS AND REDEMPTIONS */

    /// @notice Deposit `assets` and mint shares to `receiver`. Refused while paused, or to a receiver off the
    /// depositor allowlist when it is on. A stale market balance is refreshed before pricing.
    function deposit(uint256 assets, address receiver) public override nonReentrant returns (uint256 shares) {
        uint256 totalAssets_ = _totalAssetsForDeposit(receiver);
        shares = _toSharesDown(assets, totalAssets_);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Mint exactly `shares` to `receiver`, pulling the assets they cost (rounded up).
    function mint(uint256 shares, address receiver) public override nonReentrant returns (uint256 assets) {
        uint256 totalAssets_ = _totalAssetsForDeposit(receiver);
        assets = _toAssetsUp(shares, totalAssets_);
        _deposit(_msgSender(), receiver, assets, shares);
    }

    /// @notice Withdraw exactly `assets` to `receiver`, burning `owner`'s shares (rounded up). Served from idle,
    /// then from the instant-withdraw fuses in order. Works while paused.
    function withdraw(uint256 assets, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 shares)
    {
        (uint256 totalAssets_, uint256 idle) = _totalAssetsForRedemption();
        shares = _toSharesUp(assets, totalAssets_);
        _withdrawFromIdleOrMarkets(_msgSender(), receiver, owner, assets, shares, idle);
    }

    /// @notice Redeem `shares` of `owner` for assets (rounded down) sent to `receiver`. Served from idle, then
    /// from the instant-withdraw fuses in order. Works while paused.
    function redeem(uint256 shares, address receiver, address owner)
        public
        override
        nonReentrant
        returns (uint256 assets)
    {
        (uint256 totalAssets_, uint256 idle) = _totalAssetsForRedemption();
        assets = _toAssetsDown(shares, totalAssets_);
        _withdrawFromIdleOrMarkets(_msgSender(), receiver, owner, assets, shares, idle);
    }

    /// @inheritdoc ERC4626
    /// @dev Idle plus the cached market balances; the cache may be stale here (a view cannot refresh it), but
    /// deposits and redemptions refresh it before pricing.
    function totalAssets() public view override returns (uint256) {
        return _idleAssets() + FuseboxStorageLib.vault().totalMarketBalance;
    }

    /// @inheritdoc ERC4626
    /// @dev Reverts `NavExpired` once a cached balance has expired (the deposit would refresh first).
    function previewDeposit(uint256 assets) public view override returns (uint256) {
        return _toSharesDown(assets, _freshTotalAssetsView());
    }

    /// @inheritdoc ERC4626
    /// @dev Reverts `NavExpired` once a cached balance has expired.
    function previewMint(uint256 shares) public view override returns (uint256) {
        return _toAssetsUp(shares, _freshTotalAssetsView());
    }

    /// @inheritdoc ERC4626
    /// @dev Reverts `NavExpired` once a cached balance has expired.
    function previewWithdraw(uint256 assets) public view override returns (uint256) {
        return _toSharesUp(assets, _freshTotalAssetsView());
    }

    /// @inheritdoc ERC4626
    /// @dev Reverts `NavExpired` once a cached balance has expired.
    function previewRedeem(uint256 shares) public view override returns (uint256) {
        return _toAssetsDown(shares, _freshTotalAssetsView());
    }

    /// @inheritdoc ERC4626
    function maxDeposit(address receiver) public view override returns (uint256) {
        return _depositAllowed(receiver) ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    function maxMint(address receiver) public view override returns (uint256) {
        return _depositAllowed(receiver) ? type(uint256).max : 0;
    }

    /// @inheritdoc ERC4626
    /// @dev Capped by idle plus the cached balances of the markets behind the instant-withdraw fuses.
    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(_toAssetsDown(balanceOf(owner), totalAssets()), _withdrawableLiquidity());
    }

    /// @inheritdoc ERC4626
    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 shares = balanceOf(owner);
        uint256 totalAssets_ = totalAssets();
        uint256 liquidity = _withdrawableLiquidity();
        if (_toAssetsDown(shares, totalAssets_) <= liquidity) return shares;
        return _toSharesDown(liquidity, totalAssets_);
    }

    /* ================================================================ STRATEGY EXECUTION */

    /// @notice Run a batch of fuse actions by delegatecall, then check every guardrail on the post-batch state
    /// with fresh balances of the markets the batch touched.
    /// @dev A batch that leaves each breached guardrail no worse than before (a market's balance not higher,
    /// its leverage not higher, idle not lower) is allowed even if the limit is still breached, so de-risking
    /// is never blocked. While paused, no batch may raise a market's leverage, nor put new capital into a market
    /// other than margin that lowers its leverage. Past the NAV's expiry every market is refreshed first.
    /// @param actions The fuses to run and their calldata; every fuse must be allowed.
    function execute(FuseAction[] calldata actions) external restricted nonReentrant {
        uint256 actionCount = actions.length;
        if (actionCount == 0) revert ErrorsLib.EmptyBatch();
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();

        // Resolve each fuse's market once; the touched set is at most `actionCount` long.
        uint256[] memory actionMarketIds = new uint256[](actionCount);
        uint256[] memory touched = new uint256[](actionCount);
        uint256 touchedCount;
        for (uint256 i; i < actionCount; ++i) {
            uint256 marketId = $.fuseMarketId[actions[i].fuse];
            if (marketId == 0) revert ErrorsLib.FuseNotAllowed(actions[i].fuse);
            actionMarketIds[i] = marketId;
            touchedCount = _addUnique(touched, touchedCount, marketId);
        }
        touched = _withDependents(touched, touchedCount);
        touchedCount = touched.length;
        // Caps are shares of total assets, which include the untouched markets' cached balances: past the NAV's
        // expiry those are refreshed first, as for a deposit, so no guardrail is checked against a stale total.
        bool refreshedAll = block.timestamp > $.navExpiresAt;
        if (refreshedAll) _refreshAllMarkets();

        // Fresh "before" balances: the de-risking comparison must not rest on a stale cache.
        uint256[] memory balanceBefore = new uint256[](touchedCount);
        uint256[] memory leverageBefore = new uint256[](touchedCount);
        for (uint256 j; j < touchedCount; ++j) {
            FuseboxStorageLib.Market storage market = $.markets[touched[j]];
            if (!market.active) revert ErrorsLib.MarketNotActive(touched[j]);
            // Revalue into memory (the refresh after the batch records the market's state). Never trust a cache,
            // even from this block — a same-block price move would go unseen — except the one just written by
            // this very call: nothing can have moved since.
            (uint256 equity, uint256 grossNotional) =
                refreshedAll ? (uint256(market.balance), uint256(market.grossNotional)) : _valueMarket(market.balanceFuse);
            balanceBefore[j] = equity;
            leverageBefore[j] = GuardrailLib.leverageWadUp(grossNotional, equity);
        }
        uint256 idleBefore = _idleAssets();
        uint256 supplyBefore = totalSupply();

        for (uint256 i; i < actionCount; ++i) {
            Address.functionDelegateCall(actions[i].fuse, actions[i].data);
            emit EventsLib.FuseExecuted(actions[i].fuse, actionMarketIds[i]);
        }

        if (totalSupply() != supplyBefore) revert ErrorsLib.ShareSupplyChanged(supplyBefore, totalSupply());
        for (uint256 j; j < touchedCount; ++j) {
            _refreshMarket(touched[j], $.markets[touched[j]]);
        }
        _updateNavExpiry(touched, touchedCount);
        _checkGuardrails(touched, touchedCount, balanceBefore, leverageBefore, idleBefore);
    }

    /// @notice Refresh the cached balances of `marketIds` from their balance fuses (the alpha keeps the NAV fresh).
    /// @dev Restricted: if anyone could refresh, anyone could deposit at the cached NAV, refresh it upward and
    /// redeem in one transaction. Depositors never need it: a deposit or redemption after the NAV expired
    /// refreshes every market first.
    function refreshMarketBalances(uint256[] calldata marketIds) external restricted nonReentrant {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < marketIds.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[marketIds[i]];
            if (!market.active) revert ErrorsLib.MarketNotActive(marketIds[i]);
            _refreshMarket(marketIds[i], market);
        }
        _updateNavExpiry(marketIds, marketIds.length);
    }

    /// @notice Refresh every market's cached balance (restricted like `refreshMarketBalances`).
    function refreshAllMarketBalances() external restricted nonReentrant {
        _refreshAllMarkets();
    }

    /* ================================================================ CONFIGURATION (risk-raising: delayed) */

    /// @notice Create or update market `marketId`. Raises risk, so the deployment gives it an execution delay.
    /// A new market is valued at once through its balance fuse.
    function configureMarket(uint256 marketId, MarketParams calldata params) external restricted nonReentrant {
        if (marketId == 0) revert ErrorsLib.InvalidMarketId();
        if (params.balanceFuse == address(0)) revert ErrorsLib.ZeroAddress();
        if (params.capBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(params.capBps);
        if (params.maxBalanceAge == 0) revert ErrorsLib.InvalidMaxBalanceAge();
        uint256 reported = IBalanceFuse(params.balanceFuse).MARKET_ID();
        if (reported != marketId) revert ErrorsLib.FuseMarketMismatch(params.balanceFuse, marketId, reported);

        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (!market.active) {
            if ($.marketIds.length >= MAX_MARKETS) revert ErrorsLib.TooManyMarkets(MAX_MARKETS);
            $.marketIds.push(marketId);
            market.active = true;
        }
        market.balanceFuse = params.balanceFuse;
        market.capBps = params.capBps;
        market.capAssets = params.capAssets;
        market.maxLeverageWad = params.maxLeverageWad;
        market.maxBalanceAge = params.maxBalanceAge;
        emit EventsLib.MarketConfigured(
            marketId, params.balanceFuse, params.capBps, params.capAssets, params.maxLeverageWad, params.maxBalanceAge
        );

        _refreshMarket(marketId, market);
        _recomputeNavExpiry();
    }

    /// @notice Allow `fuses` to run in `execute`; each acts on the market its `MARKET_ID()` names, which must exist.
    function addFuses(address[] calldata fuses) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < fuses.length; ++i) {
            uint256 marketId = IFuse(fuses[i]).MARKET_ID();
            if (!$.markets[marketId].active) revert ErrorsLib.MarketNotActive(marketId);
            if ($.fuseMarketId[fuses[i]] == marketId) continue;
            $.fuseMarketId[fuses[i]] = marketId;
            $.marketFuses[marketId].push(fuses[i]);
            emit EventsLib.FuseAdded(fuses[i], marketId);
        }
    }

    /// @notice Allow `substrates` (tokens, pools, venue markets, deposit addresses as bytes32) in `marketId`.
    function grantSubstrates(uint256 marketId, bytes32[] calldata substrates) external restricted {
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        for (uint256 i; i < substrates.length; ++i) {
            if (s.allowed[marketId][substrates[i]]) continue;
            s.allowed[marketId][substrates[i]] = true;
            s.list[marketId].push(substrates[i]);
            emit EventsLib.SubstrateGranted(marketId, substrates[i]);
        }
    }

    /// @notice Declare the markets whose valuation the fuses of `marketId` can change (e.g. a credit market
    /// whose borrow leaves tokens that the spot market values). `execute` and redemptions then value and check
    /// them together with `marketId`, so the cached NAV never double-counts nor misses what moved between them.
    function setMarketDependencies(uint256 marketId, uint256[] calldata dependents) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (!$.markets[marketId].active) revert ErrorsLib.MarketNotActive(marketId);
        if (dependents.length >= MAX_MARKETS) revert ErrorsLib.TooManyMarkets(MAX_MARKETS);
        for (uint256 i; i < dependents.length; ++i) {
            uint256 dependentId = dependents[i];
            if (dependentId == marketId || !$.markets[dependentId].active) {
                revert ErrorsLib.InvalidDependency(marketId, dependentId);
            }
            for (uint256 k; k < i; ++k) {
                if (dependents[k] == dependentId) revert ErrorsLib.InvalidDependency(marketId, dependentId);
            }
        }
        $.marketDependents[marketId] = dependents;
        $.markets[marketId].dependentCount = uint8(dependents.length); // < MAX_MARKETS, checked above
        emit EventsLib.MarketDependenciesSet(marketId, dependents);
    }

    /// @notice Set the idle buffer, in basis points of total assets.
    function setIdleBufferBps(uint16 newIdleBufferBps) external restricted {
        if (newIdleBufferBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(newIdleBufferBps);
        FuseboxStorageLib.vault().idleBufferBps = newIdleBufferBps;
        emit EventsLib.IdleBufferSet(newIdleBufferBps);
    }

    /// @notice Set the fuses (implementing IInstantWithdrawFuse) that serve redemptions after idle, in order.
    function setInstantWithdrawFuses(address[] calldata fuses) external restricted {
        if (fuses.length > MAX_MARKETS) revert ErrorsLib.TooManyMarkets(MAX_MARKETS);
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < fuses.length; ++i) {
            if ($.fuseMarketId[fuses[i]] == 0) revert ErrorsLib.FuseNotAllowed(fuses[i]);
        }
        $.instantWithdrawFuses = fuses;
        emit EventsLib.InstantWithdrawFusesSet(fuses);
    }

    /// @notice Turn the depositor allowlist on or off (a vault that uses a CEX fuse must keep it on).
    function setDepositorAllowlistEnabled(bool enabled) external restricted {
        FuseboxStorageLib.vault().depositorAllowlistEnabled = enabled;
        emit EventsLib.DepositorAllowlistSet(enabled);
    }

    /// @notice Allow or disallow `depositors` when the depositor allowlist is on.
    function setDepositorsAllowed(address[] calldata depositors, bool allowed) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < depositors.length; ++i) {
            $.depositorAllowed[depositors[i]] = allowed;
            emit EventsLib.DepositorAllowedSet(depositors[i], allowed);
        }
    }

    /// @notice Point balance fuses at another price oracle middleware.
    function setPriceOracle(address priceOracle_) external restricted {
        if (priceOracle_ == address(0)) revert ErrorsLib.ZeroAddress();
        FuseboxStorageLib.oracle().priceOracle = priceOracle_;
        emit EventsLib.PriceOracleSet(priceOracle_);
    }

    /// @notice Resume deposits and risk-raising execution.
    function unpause() external restricted {
        FuseboxStorageLib.vault().paused = false;
        emit EventsLib.PausedSet(false);
    }

    /* ================================================================ GUARDIAN (risk-lowering: immediate) */

    /// @notice Stop deposits and risk-raising execution. Redemptions and de-risking batches go on.
    function pause() external restricted {
        FuseboxStorageLib.vault().paused = true;
        emit EventsLib.PausedSet(true);
    }

    /// @notice Lower the limits of `marketId` at once. Each new value must be no higher than the current one
    /// (an absolute cap of 0 means "none", so it cannot be set to 0 here).
    function lowerMarketLimits(uint256 marketId, uint16 capBps, uint128 capAssets, uint96 maxLeverageWad)
        external
        restricted
    {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        // An absolute cap of 0 means "none": from none any cap is a lowering; from a cap, only a smaller one.
        bool capAssetsLowered = market.capAssets == 0 || (capAssets != 0 && capAssets <= market.capAssets);
        if (capBps > market.capBps || maxLeverageWad > market.maxLeverageWad || !capAssetsLowered) {
            revert ErrorsLib.NotALowering(marketId);
        }
        market.capBps = capBps;
        market.capAssets = capAssets;
        market.maxLeverageWad = maxLeverageWad;
        emit EventsLib.MarketLimitsLowered(marketId, capBps, capAssets, maxLeverageWad);
    }

    /// @notice Forbid `substrates` in `marketId` at once. Refused while a revoked substrate still holds part of the
    /// market's position (have the alpha unwind it first, or pause and remove the fuses).
    /// @dev fix: balance fuses value the positions held at their market's listed substrates, so revoking one that
    /// still holds a position dropped that position out of total assets at once (new depositors bought shares
    /// cheap) and let `removeMarket` see an "empty" market and forget the assets. The market is valued before and
    /// after the revocation; any change in its valuation reverts.
    function revokeSubstrates(uint256 marketId, bytes32[] calldata substrates) external restricted nonReentrant {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        bool active = market.active;
        uint256 balanceBefore;
        uint256 notionalBefore;
        if (active) {
            _refreshMarket(marketId, market);
            (balanceBefore, notionalBefore) = (market.balance, market.grossNotional);
        }
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        bytes32[] storage list = s.list[marketId];
        for (uint256 i; i < substrates.length; ++i) {
            if (!s.allowed[marketId][substrates[i]]) continue;
            s.allowed[marketId][substrates[i]] = false;
            // The list is the atomist's own configuration, not user data: this loop is bounded by it.
            for (uint256 k; k < list.length; ++k) {
                if (list[k] == substrates[i]) {
                    list[k] = list[list.length - 1];
                    list.pop();
                    break;
                }
            }
            emit EventsLib.SubstrateRevoked(marketId, substrates[i]);
        }
        if (active) {
            _refreshMarket(marketId, market);
            if (market.balance != balanceBefore || market.grossNotional != notionalBefore) {
                revert ErrorsLib.SubstrateHoldsPosition(
                    marketId, balanceBefore, market.balance, notionalBefore, market.grossNotional
                );
            }
            uint256[] memory refreshed = new uint256[](1);
            refreshed[0] = marketId;
            _updateNavExpiry(refreshed, 1);
        }
    }

    /// @notice Forbid `fuses` at once. Positions they opened stay valued by the market's balance fuse.
    function removeFuses(address[] calldata fuses) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < fuses.length; ++i) {
            uint256 marketId = $.fuseMarketId[fuses[i]];
            if (marketId == 0) continue;
            delete $.fuseMarketId[fuses[i]];
            _removeAddress($.marketFuses[marketId], fuses[i]);
            emit EventsLib.FuseRemoved(fuses[i], marketId);
        }
    }

    /// @notice Remove an empty market (zero balance and notional on a fresh valuation).
    function removeMarket(uint256 marketId) external restricted nonReentrant {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        _refreshMarket(marketId, market);
        if (market.balance != 0 || market.grossNotional != 0) {
            revert ErrorsLib.MarketNotEmpty(marketId, market.balance, market.grossNotional);
        }
        // Forget everything the market had, so re-using its id later starts from nothing: its fuses must be
        // added again (behind the fuse manager's delay) and its substrates granted again.
        address[] storage fuses = $.marketFuses[marketId];
        for (uint256 k; k < fuses.length; ++k) {
            delete $.fuseMarketId[fuses[k]];
            emit EventsLib.FuseRemoved(fuses[k], marketId);
        }
        delete $.marketFuses[marketId];
        delete $.marketDependents[marketId];
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        bytes32[] storage substrateList = s.list[marketId];
        for (uint256 k; k < substrateList.length; ++k) {
            delete s.allowed[marketId][substrateList[k]];
            emit EventsLib.SubstrateRevoked(marketId, substrateList[k]);
        }
        delete s.list[marketId];
        delete $.markets[marketId];
        uint256[] storage ids = $.marketIds;
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] == marketId) {
                ids[k] = ids[ids.length - 1];
                ids.pop();
                break;
            }
        }
        _recomputeNavExpiry();
        emit EventsLib.MarketRemoved(marketId);
    }

    /* ================================================================ VIEWS */

    /// @notice Configuration and cached valuation of `marketId`.
    function getMarket(uint256 marketId) external view returns (FuseboxStorageLib.Market memory) {
        return FuseboxStorageLib.vault().markets[marketId];
    }

    /// @notice The active markets.
    function getMarketIds() external view returns (uint256[] memory) {
        return FuseboxStorageLib.vault().marketIds;
    }

    /// @notice The substrates allowed in `marketId`.
    function getSubstrates(uint256 marketId) external view returns (bytes32[] memory) {
        return FuseboxStorageLib.substrates().list[marketId];
    }

    /// @notice Whether `substrate` is allowed in `marketId`.
    function isSubstrateAllowed(uint256 marketId, bytes32 substrate) external view returns (bool) {
        return FuseboxStorageLib.isSubstrateAllowed(marketId, substrate);
    }

    /// @notice The market an allowed fuse acts on (0 = not allowed).
    function fuseMarketId(address fuse) external view returns (uint256) {
        return FuseboxStorageLib.vault().fuseMarketId[fuse];
    }

    /// @notice The allowed fuses of `marketId`.
    function getMarketFuses(uint256 marketId) external view returns (address[] memory) {
        return FuseboxStorageLib.vault().marketFuses[marketId];
    }

    /// @notice The markets valued together with `marketId` when its fuses run.
    function getMarketDependencies(uint256 marketId) external view returns (uint256[] memory) {
        return FuseboxStorageLib.vault().marketDependents[marketId];
    }

    /// @notice The instant-withdraw fuses, in redemption order.
    function getInstantWithdrawFuses() external view returns (address[] memory) {
        return FuseboxStorageLib.vault().instantWithdrawFuses;
    }

    /// @notice The idle buffer, basis points of total assets.
    function idleBufferBps() external view returns (uint16) {
        return FuseboxStorageLib.vault().idleBufferBps;
    }

    /// @notice Whether the vault is paused.
    function paused() external view returns (bool) {
        return FuseboxStorageLib.vault().paused;
    }

    /// @notice When the oldest cached market balance expires; past it, the next deposit or redemption refreshes all.
    function navExpiresAt() external view returns (uint64) {
        return FuseboxStorageLib.vault().navExpiresAt;
    }

    /// @notice Sum of the cached market balances.
    function totalMarketBalance() external view returns (uint256) {
        return FuseboxStorageLib.vault().totalMarketBalance;
    }

    /// @notice Whether the depositor allowlist is on.
    function depositorAllowlistEnabled() external view returns (bool) {
        return FuseboxStorageLib.vault().depositorAllowlistEnabled;
    }

    /// @notice Whether `depositor` is on the depositor allowlist.
    function isDepositorAllowed(address depositor) external view returns (bool) {
        return FuseboxStorageLib.vault().depositorAllowed[depositor];
    }

    /// @notice The price oracle middleware balance fuses use.
    function priceOracle() external view returns (address) {
        return FuseboxStorageLib.priceOracle();
    }

    /* ================================================================ INTERNAL: PRICING */

    function _decimalsOffset() internal view override returns (uint8) {
        return _sharesDecimalsOffset;
    }

    function _idleAssets() internal view returns (uint256) {
        return IERC20(asset()).balanceOf(address(this));
    }

    /// @dev Checks the deposit is open to `receiver` and returns fresh total assets.
    function _totalAssetsForDeposit(address receiver) internal returns (uint256) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if ($.paused) revert ErrorsLib.VaultPaused();
        if ($.depositorAllowlistEnabled && !$.depositorAllowed[receiver]) {
            revert ErrorsLib.DepositorNotAllowed(receiver);
        }
        if (block.timestamp > $.navExpiresAt) _refreshAllMarkets();
        return _idleAssets() + $.totalMarketBalance;
    }

    /// @dev Fresh total assets and idle, for a redemption.
    function _totalAssetsForRedemption() internal returns (uint256 totalAssets_, uint256 idle) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (block.timestamp > $.navExpiresAt) _refreshAllMarkets();
        idle = _idleAssets();
        totalAssets_ = idle + $.totalMarketBalance;
    }

    function _freshTotalAssetsView() internal view returns (uint256) {
        uint256 expiresAt = FuseboxStorageLib.vault().navExpiresAt;
        if (block.timestamp > expiresAt) revert ErrorsLib.NavExpired(expiresAt);
        return totalAssets();
    }

    function _depositAllowed(address receiver) internal view returns (bool) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        return !$.paused && (!$.depositorAllowlistEnabled || $.depositorAllowed[receiver]);
    }

    // Rounding is in the name: deposits and redemptions always round against the caller.
    function _toSharesDown(uint256 assets, uint256 totalAssets_) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + 10 ** _sharesDecimalsOffset, totalAssets_ + 1, Math.Rounding.Floor);
    }

    function _toSharesUp(uint256 assets, uint256 totalAssets_) internal view returns (uint256) {
        return assets.mulDiv(totalSupply() + 10 ** _sharesDecimalsOffset, totalAssets_ + 1, Math.Rounding.Ceil);
    }

    function _toAssetsDown(uint256 shares, uint256 totalAssets_) internal view returns (uint256) {
        return shares.mulDiv(totalAssets_ + 1, totalSupply() + 10 ** _sharesDecimalsOffset, Math.Rounding.Floor);
    }

    function _toAssetsUp(uint256 shares, uint256 totalAssets_) internal view returns (uint256) {
        return shares.mulDiv(totalAssets_ + 1, totalSupply() + 10 ** _sharesDecimalsOffset, Math.Rounding.Ceil);
    }

    /// @dev Burn first, then bring liquidity in from markets if idle is short, then pay out.
    function _withdrawFromIdleOrMarkets(
        address caller,
        address receiver,
        address owner,
        uint256 assets,
        uint256 shares,
        uint256 idle
    ) internal {
        if (caller != owner) _spendAllowance(owner, caller, shares);
        _burn(owner, shares);
        if (idle < assets) _pullFromMarkets(assets, idle);
        _transferOut(receiver, assets);
        emit Withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev Runs the instant-withdraw fuses in order until idle covers `assets`; refreshes each market used.
    function _pullFromMarkets(uint256 assets, uint256 idle) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        address[] storage fuses = $.instantWithdrawFuses;
        uint256 fuseCount = fuses.length;
        uint256[] memory used = new uint256[](fuseCount);
        uint256 usedCount;
        for (uint256 i; i < fuseCount && idle < assets; ++i) {
            address fuse = fuses[i];
            uint256 marketId = $.fuseMarketId[fuse];
            FuseboxStorageLib.Market storage market = $.markets[marketId];
            if (!market.active) continue; // fuse or market removed since the order was set
            bool ok;
            (ok, idle) = _tryInstantWithdraw(fuse, assets - idle, idle);
            if (ok) usedCount = _addUnique(used, usedCount, marketId);
        }
        used = _withDependents(used, usedCount);
        for (uint256 j; j < used.length; ++j) {
            _refreshMarket(used[j], $.markets[used[j]]);
        }
        _updateNavExpiry(used, used.length);
        if (idle < assets) revert ErrorsLib.InsufficientLiquidity(assets, idle);
    }

    /// @dev A fuse that reverts (a paused target, say) must not block redemptions the next fuse can serve: its
    /// call is rolled back on its own and the vault moves on.
    function _tryInstantWithdraw(address fuse, uint256 shortfall, uint256 idle)
        internal
        returns (bool ok, uint256 idleAfter)
    {
        bytes memory reason;
        (ok, reason) = fuse.delegatecall(abi.encodeCall(IInstantWithdrawFuse.instantWithdraw, (shortfall)));
        if (!ok) {
            emit EventsLib.InstantWithdrawalFailed(fuse, shortfall, reason);
            return (false, idle);
        }
        idleAfter = _idleAssets();
        emit EventsLib.InstantWithdrawal(fuse, shortfall, idleAfter - idle);
    }

    function _withdrawableLiquidity() internal view returns (uint256 liquidity) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        liquidity = _idleAssets();
        address[] storage fuses = $.instantWithdrawFuses;
        uint256[] memory counted = new uint256[](fuses.length);
        uint256 countedCount;
        for (uint256 i; i < fuses.length; ++i) {
            uint256 marketId = $.fuseMarketId[fuses[i]];
            if (marketId == 0) continue;
            uint256 before = countedCount;
            countedCount = _addUnique(counted, countedCount, marketId);
            if (countedCount != before) liquidity += $.markets[marketId].balance;
        }
    }

    /* ================================================================ INTERNAL: VALUATION */

    /// @dev Values `marketId` through its balance fuse (delegatecall) and updates the running total.
    function _refreshMarket(uint256 marketId, FuseboxStorageLib.Market storage market) internal {
        (uint256 equity, uint256 grossNotional) = _valueMarket(market.balanceFuse);
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        // The running total never underflows: it always includes this market's previous balance.
        $.totalMarketBalance = ($.totalMarketBalance - market.balance + equity).toUint128();
        market.balance = equity.toUint128();
        market.grossNotional = grossNotional.toUint128();
        market.updatedAt = uint64(block.timestamp);
        emit EventsLib.MarketBalanceUpdated(marketId, equity, grossNotional);
    }

    /// @dev The position's value and gross notional per the market's balance fuse (delegatecall; reverts bubble).
    function _valueMarket(address balanceFuse) internal returns (uint256 equity, uint256 grossNotional) {
        bytes memory result =
            Address.functionDelegateCall(balanceFuse, abi.encodeCall(IBalanceFuse.marketValuation, ()));
        (equity, grossNotional) = abi.decode(result, (uint256, uint256));
    }

    function _refreshAllMarkets() internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256[] memory ids = $.marketIds;
        for (uint256 i; i < ids.length; ++i) {
            _refreshMarket(ids[i], $.markets[ids[i]]);
        }
        _recomputeNavExpiry();
    }

    /// @dev Refreshing only pushes expiries later, so the earliest expiry moves only when the market that sets
    /// it was among the refreshed ones; then (and only then) all markets are scanned again.
    function _updateNavExpiry(uint256[] memory refreshed, uint256 count) internal {
        uint256 expiryMarketId = FuseboxStorageLib.vault().navExpiryMarketId;
        for (uint256 i; i < count; ++i) {
            if (refreshed[i] == expiryMarketId) {
                _recomputeNavExpiry();
                return;
            }
        }
    }

    function _recomputeNavExpiry() internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256[] storage ids = $.marketIds;
        uint256 earliest = type(uint64).max;
        uint256 earliestMarketId;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[ids[i]];
            uint256 expiry = uint256(market.updatedAt) + market.maxBalanceAge;
            if (expiry < earliest) {
                earliest = expiry;
                earliestMarketId = ids[i];
            }
        }
        $.navExpiresAt = uint64(earliest);
        $.navExpiryMarketId = earliestMarketId;
    }

    /* ================================================================ INTERNAL: GUARDRAILS */

    function _checkGuardrails(
        uint256[] memory touched,
        uint256 touchedCount,
        uint256[] memory balanceBefore,
        uint256[] memory leverageBefore,
        uint256 idleBefore
    ) internal view {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 idle = _idleAssets();
        uint256 totalAssets_ = idle + $.totalMarketBalance;
        bool paused_ = $.paused;

        for (uint256 j; j < touchedCount; ++j) {
            FuseboxStorageLib.Market storage market = $.markets[touched[j]];
            uint256 balance = market.balance;
            uint256 leverage = GuardrailLib.leverageWadUp(market.grossNotional, balance);
            bool moreCapital = balance > balanceBefore[j];
            bool moreLeverage = leverage > leverageBefore[j];
            if (paused_) {
                // Paused: no new leverage, and no new capital except margin that lowers a market's leverage.
                if (moreLeverage) revert ErrorsLib.RiskIncreaseWhilePaused(touched[j], leverageBefore[j], leverage);
                if (moreCapital && leverage == 0) {
                    revert ErrorsLib.RiskIncreaseWhilePaused(touched[j], balanceBefore[j], balance);
                }
            }
            if (moreCapital) {
                uint256 cap = GuardrailLib.marketCapDown(totalAssets_, market.capBps, market.capAssets);
                if (balance > cap) revert ErrorsLib.MarketCapExceeded(touched[j], cap, balance);
            }
            if (moreLeverage && leverage > market.maxLeverageWad) {
                revert ErrorsLib.LeverageLimitExceeded(touched[j], market.maxLeverageWad, leverage);
            }
        }

        if (idle < idleBefore) {
            uint256 requiredIdle = GuardrailLib.requiredIdleUp(totalAssets_, $.idleBufferBps);
            if (idle < requiredIdle) revert ErrorsLib.IdleBufferBreached(requiredIdle, idle);
        }
    }

    /// @dev `ids[0:count]` plus each one's declared dependents, without repeats. Bounded: at most MAX_MARKETS.
    function _withDependents(uint256[] memory ids, uint256 count) internal view returns (uint256[] memory all) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 total = count;
        for (uint256 i; i < count; ++i) {
            total += $.markets[ids[i]].dependentCount;
        }
        if (total == count) return _truncated(ids, count); // no dependents: the common case, one slot per market
        all = new uint256[](total);
        uint256 allCount;
        for (uint256 i; i < count; ++i) {
            allCount = _addUnique(all, allCount, ids[i]);
        }
        for (uint256 i; i < count; ++i) {
            if ($.markets[ids[i]].dependentCount == 0) continue;
            uint256[] storage dependents = $.marketDependents[ids[i]];
            for (uint256 k; k < dependents.length; ++k) {
                allCount = _addUnique(all, allCount, dependents[k]);
            }
        }
        return _truncated(all, allCount);
    }

    function _truncated(uint256[] memory ids, uint256 count) internal pure returns (uint256[] memory) {
        assembly ("memory-safe") {
            mstore(ids, count) // `count` <= the array's length: only shrinks it
        }
        return ids;
    }

    function _removeAddress(address[] storage list, address item) internal {
        for (uint256 k; k < list.length; ++k) {
            if (list[k] == item) {
                list[k] = list[list.length - 1];
                list.pop();
                return;
            }
        }
    }

    /// @dev Appends `id` to `set[0:count]` unless present; returns the new count. Sets here are bounded by a
    /// batch's action count or MAX_MARKETS.
    function _addUnique(uint256[] memory set, uint256 count, uint256 id) internal pure returns (uint256) {
        for (uint256 k; k < count; ++k) {
            if (set[k] == id) return count;
        }
        set[count] = id;
        return count + 1;
    }
}
