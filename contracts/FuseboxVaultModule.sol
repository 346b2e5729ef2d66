// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {AccessManagedUpgradeable} from "@openzeppelin/contracts-upgradeable/access/manager/AccessManagedUpgradeable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFuse, IBalanceFuse, IInstantWithdrawFuse} from "./interfaces/IFuse.sol";
import {IFuseboxVaultModule} from "./interfaces/IFuseboxVault.sol";
import {IFuseboxRiskModule} from "./interfaces/IFuseboxRiskModule.sol";
import {FuseboxValuation} from "./FuseboxValuation.sol";
import {FuseboxStorageLib} from "./libraries/FuseboxStorageLib.sol";
import {EconomicsStorageLib} from "./libraries/EconomicsStorageLib.sol";
import {GuardrailLib} from "./libraries/GuardrailLib.sol";
import {ValuationKeys} from "./libraries/ValuationKeys.sol";
import {RiskLib} from "./libraries/RiskLib.sol";
import {RiskStorageLib} from "./libraries/RiskStorageLib.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";
import {FuseboxModuleLink} from "./FuseboxModuleLink.sol";
import {EventsLib} from "./libraries/EventsLib.sol";

/// @title FuseboxVaultModule
/// @notice Configuration, guardian actions and views of a Fusebox vault, run by delegatecall from the vault's
/// fallback in the vault's storage (ERC-7201 namespaces shared with the core). One deployment serves any number
/// of vaults; called directly, it acts on its own empty storage and every restricted function refuses.
/// @dev Access: every state-changing function is `restricted` (the vault's AccessManager, read from the vault's
/// storage), except the two steps the vault runs on itself (`instantWithdrawChecked`, `exitLimits`).
contract FuseboxVaultModule is FuseboxModuleLink, AccessManagedUpgradeable, ReentrancyGuardTransient, FuseboxValuation, IFuseboxVaultModule {
    using Math for uint256;

    /// @param nextModule The next module in the chain (0 = none).
    constructor(address nextModule) FuseboxModuleLink(nextModule) {
        _disableInitializers();
    }

    /* ================================================================ CONFIGURATION (risk-raising: delayed) */

    /// @inheritdoc IFuseboxVaultModule
    function configureMarket(uint256 marketId, MarketParams calldata params) external restricted nonReentrant {
        if (marketId == 0 || marketId > type(uint32).max) revert ErrorsLib.InvalidMarketId();
        if (params.balanceFuse == address(0)) revert ErrorsLib.ZeroAddress();
        if (params.capBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(params.capBps);
        if (params.maxBalanceAge == 0) revert ErrorsLib.InvalidMaxBalanceAge();
        uint256 reported = IBalanceFuse(params.balanceFuse).MARKET_ID();
        if (reported != marketId) revert ErrorsLib.FuseMarketMismatch(params.balanceFuse, marketId, reported);

        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (market.quarantined) revert ErrorsLib.MarketInQuarantine(marketId);
        if (!market.active) {
            if ($.marketIds.length >= GuardrailLib.MAX_MARKETS) revert ErrorsLib.TooManyMarkets(GuardrailLib.MAX_MARKETS);
            $.marketIds.push(uint32(marketId)); // < 2**32, checked above
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

        _assignValuationKeys(marketId, market);
        _refreshMarket(marketId, market);
        _recomputeNavExpiry();
    }

    /// @inheritdoc IFuseboxVaultModule
    function addFuses(address[] calldata fuses) external restricted nonReentrant {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < fuses.length; ++i) {
            uint256 marketId = IFuse(fuses[i]).MARKET_ID();
            if (!$.markets[marketId].active) revert ErrorsLib.MarketNotActive(marketId);
            if ($.fuseMarketId[fuses[i]] == marketId) continue;
            _requireFuseKeysInMarket(fuses[i], marketId);
            $.fuseMarketId[fuses[i]] = marketId;
            $.marketFuses[marketId].push(fuses[i]);
            emit EventsLib.FuseAdded(fuses[i], marketId);
        }
    }

    /// @inheritdoc IFuseboxVaultModule
    function grantSubstrates(uint256 marketId, bytes32[] calldata substrates) external restricted nonReentrant {
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        bool granted;
        for (uint256 i; i < substrates.length; ++i) {
            if (s.allowed[marketId][substrates[i]]) continue;
            s.allowed[marketId][substrates[i]] = true;
            s.list[marketId].push(substrates[i]);
            granted = true;
            emit EventsLib.SubstrateGranted(marketId, substrates[i]);
        }
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        // A new substrate can widen what the market values (a token, a position): claim the keys again.
        if (granted && market.active) _assignValuationKeys(marketId, market);
    }

    /// @inheritdoc IFuseboxVaultModule
    function setMarketDependencies(uint256 marketId, uint256[] calldata dependents) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if (!$.markets[marketId].active) revert ErrorsLib.MarketNotActive(marketId);
        if (dependents.length >= GuardrailLib.MAX_MARKETS) revert ErrorsLib.TooManyMarkets(GuardrailLib.MAX_MARKETS);
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

    /// @inheritdoc IFuseboxVaultModule
    function setIdleBufferBps(uint16 newIdleBufferBps) external restricted {
        if (newIdleBufferBps > GuardrailLib.BPS) revert ErrorsLib.InvalidBps(newIdleBufferBps);
        FuseboxStorageLib.vault().idleBufferBps = newIdleBufferBps;
        emit EventsLib.IdleBufferSet(newIdleBufferBps);
    }

    /// @inheritdoc IFuseboxVaultModule
    function setInstantWithdrawFuses(address[] calldata fuses) external restricted {
        if (fuses.length > GuardrailLib.MAX_MARKETS) revert ErrorsLib.TooManyMarkets(GuardrailLib.MAX_MARKETS);
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < fuses.length; ++i) {
            if ($.fuseMarketId[fuses[i]] == 0) revert ErrorsLib.FuseNotAllowed(fuses[i]);
        }
        $.instantWithdrawFuses = fuses;
        emit EventsLib.InstantWithdrawFusesSet(fuses);
    }

    /// @inheritdoc IFuseboxVaultModule
    function setDepositorAllowlistEnabled(bool enabled) external restricted {
        FuseboxStorageLib.vault().depositorAllowlistEnabled = enabled;
        emit EventsLib.DepositorAllowlistSet(enabled);
    }

    /// @inheritdoc IFuseboxVaultModule
    function setDepositorsAllowed(address[] calldata depositors, bool allowed) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 i; i < depositors.length; ++i) {
            $.depositorAllowed[depositors[i]] = allowed;
            emit EventsLib.DepositorAllowedSet(depositors[i], allowed);
        }
    }

    /// @inheritdoc IFuseboxVaultModule
    function setPriceOracle(address priceOracle_) external restricted {
        if (priceOracle_ == address(0)) revert ErrorsLib.ZeroAddress();
        FuseboxStorageLib.oracle().priceOracle = priceOracle_;
        emit EventsLib.PriceOracleSet(priceOracle_);
    }

    /// @inheritdoc IFuseboxVaultModule
    function unpause() external restricted {
        FuseboxStorageLib.vault().paused = false;
        emit EventsLib.PausedSet(false);
    }

    /// @inheritdoc IFuseboxVaultModule
    function removeMarket(uint256 marketId) external restricted nonReentrant {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        if (market.quarantined) revert ErrorsLib.MarketInQuarantine(marketId); // written off, not removed
        (uint256 equity, uint256 notional, uint256 debt) = _valueMarket(market.balanceFuse);
        if (equity != 0 || notional != 0 || debt != 0) {
            revert ErrorsLib.MarketNotEmpty(marketId, equity, notional, debt);
        }
        _writeMarket(marketId, market, 0, 0);
        _forgetMarket(marketId);
    }

    /// @inheritdoc IFuseboxVaultModule
    function releaseQuarantine(uint256 marketId) external restricted nonReentrant {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (!market.quarantined) revert ErrorsLib.MarketNotQuarantined(marketId);
        market.quarantined = false;
        --$.quarantinedCount;
        _refreshMarket(marketId, market); // reverts while it still cannot be valued
        _recomputeNavExpiry();
        emit EventsLib.QuarantineReleased(marketId, market.balance);
    }

    /// @inheritdoc IFuseboxVaultModule
    function writeOffMarket(uint256 marketId) external restricted nonReentrant {
        if (!FuseboxStorageLib.vault().markets[marketId].quarantined) revert ErrorsLib.MarketNotQuarantined(marketId);
        _forgetMarket(marketId);
        emit EventsLib.MarketWrittenOff(marketId);
    }

    /* ================================================================ GUARDIAN (risk-lowering: immediate) */

    /// @inheritdoc IFuseboxVaultModule
    function pause() external restricted {
        FuseboxStorageLib.vault().paused = true;
        emit EventsLib.PausedSet(true);
    }

    /// @inheritdoc IFuseboxVaultModule
    function lowerMarketLimits(uint256 marketId, uint16 capBps, uint128 capAssets, uint96 maxLeverageWad)
        external
        restricted
    {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        // An absolute cap of 0 means "none" (maxLeverageWad 0 means no notional at all: a plain bound).
        if (
            capBps > market.capBps || maxLeverageWad > market.maxLeverageWad
                || !GuardrailLib.optionalLimitNotRaised(market.capAssets, capAssets)
        ) {
            revert ErrorsLib.NotALowering(marketId);
        }
        market.capBps = capBps;
        market.capAssets = capAssets;
        market.maxLeverageWad = maxLeverageWad;
        emit EventsLib.MarketLimitsLowered(marketId, capBps, capAssets, maxLeverageWad);
    }

    /// @inheritdoc IFuseboxVaultModule
    /// @dev Balance fuses value the positions held at their market's listed substrates, so revoking one that
    /// still holds a position would drop it out of total assets (new depositors would buy shares cheap) and let
    /// `removeMarket` see an "empty" market. The market is valued before and after into memory — never into the
    /// cache, so the guardian cannot use an empty revocation as a refresh. A quarantined market is not valued
    /// (it counts zero already).
    function revokeSubstrates(uint256 marketId, bytes32[] calldata substrates) external restricted nonReentrant {
        FuseboxStorageLib.Market storage market = FuseboxStorageLib.vault().markets[marketId];
        bool valued = market.active && !market.quarantined;
        uint256 balanceBefore;
        uint256 notionalBefore;
        if (valued) (balanceBefore, notionalBefore,) = _valueMarket(market.balanceFuse);
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        bytes32[] storage list = s.list[marketId];
        bool revoked;
        for (uint256 i; i < substrates.length; ++i) {
            if (!s.allowed[marketId][substrates[i]]) continue;
            s.allowed[marketId][substrates[i]] = false;
            revoked = true;
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
        if (!revoked) return;
        if (valued) {
            (uint256 balanceAfter, uint256 notionalAfter,) = _valueMarket(market.balanceFuse);
            if (balanceAfter != balanceBefore || notionalAfter != notionalBefore) {
                revert ErrorsLib.SubstrateHoldsPosition(
                    marketId, balanceBefore, balanceAfter, notionalBefore, notionalAfter
                );
            }
        }
        if (market.active) _assignValuationKeys(marketId, market);
    }

    /// @inheritdoc IFuseboxVaultModule
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

    /// @inheritdoc IFuseboxVaultModule
    function quarantineMarket(uint256 marketId) external restricted {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (!market.active) revert ErrorsLib.MarketNotActive(marketId);
        if (market.quarantined) revert ErrorsLib.MarketInQuarantine(marketId);
        uint256 balance = market.balance;
        $.totalMarketBalance -= uint128(balance); // the running total always includes this balance
        market.balance = 0;
        market.quarantined = true;
        ++$.quarantinedCount; // at most MAX_MARKETS
        _recomputeNavExpiry();
        emit EventsLib.MarketQuarantined(marketId, balance);
    }

    /* ================================================================ THE VAULT'S OWN STEPS */

    /// @dev The module's own valuations (configuring, releasing a quarantine, an instant withdrawal's revaluation) are
    /// booked into the net-delta book as the core's are: straight into the risk module, the next link.
    function _afterMarketWritten(uint256 marketId) internal override {
        if (!FuseboxStorageLib.vault().markets[marketId].reportsExposure) return;
        RiskStorageLib.admitVaultCall();
        Address.functionDelegateCall(NEXT_MODULE, abi.encodeCall(IFuseboxRiskModule.bookExposure, (marketId)));
    }

    /// @inheritdoc IFuseboxVaultModule
    function instantWithdrawChecked(address fuse, uint256 assets) external returns (uint256 received, uint256 cost) {
        if (msg.sender != address(this)) revert ErrorsLib.OnlyVault();
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 marketId = $.fuseMarketId[fuse];
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (marketId == 0 || !market.active) revert ErrorsLib.MarketNotActive(marketId);
        if (market.quarantined) revert ErrorsLib.MarketInQuarantine(marketId);
        // The redemption refreshed every market in this block first; one that could not be valued is not used.
        if (market.updatedAt != block.timestamp) revert ErrorsLib.NavExpired(market.updatedAt + market.maxBalanceAge);

        uint256[] memory ids = new uint256[](1);
        ids[0] = marketId;
        ids = _withDependents(ids, 1);
        uint256 valueBefore = _cachedSum(ids);
        uint256 leverageBefore = GuardrailLib.leverageWadUp(market.grossNotional, market.balance);
        uint256 idleBefore = _idleAssets();

        Address.functionDelegateCall(fuse, abi.encodeCall(IInstantWithdrawFuse.instantWithdraw, (assets)));

        received = _idleAssets() - idleBefore; // a fuse that spent idle reverts here and is skipped
        for (uint256 j; j < ids.length; ++j) {
            _refreshMarket(ids[j], $.markets[ids[j]]); // a market that cannot be valued after: rolled back, skipped
        }
        _updateNavExpiry(ids, ids.length);
        uint256 leverage = GuardrailLib.leverageWadUp(market.grossNotional, market.balance);
        if (leverage > market.maxLeverageWad && leverage > leverageBefore) {
            revert ErrorsLib.LeverageLimitExceeded(marketId, market.maxLeverageWad, leverage);
        }
        uint256 valueAfter = _cachedSum(ids);
        uint256 lost = valueBefore > valueAfter ? valueBefore - valueAfter : 0;
        cost = lost > received ? lost - received : 0;
    }

    /// @inheritdoc IFuseboxVaultModule
    /// @dev Mirrors `withdraw` / `redeem`: priced on the cache unless the NAV has expired or a pull is needed, in
    /// which case every market is valued afresh (one that cannot be valued counts zero); liquidity is idle plus
    /// what each instant-withdraw fuse says it can release, less a rounding allowance per fuse.
    function exitLimits(address owner) external returns (uint256 maxAssets, uint256 maxShares) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint256 shares = IERC20(address(this)).balanceOf(owner);
        uint256 supply = IERC20(address(this)).totalSupply();
        uint256 virtualShares = $.virtualShares;
        uint256 idle = _idleAssets();
        bool fresh = block.timestamp > $.navExpiresAt;
        uint256 totalAssets_ = idle + (fresh ? _freshMarketValue() : $.totalMarketBalance);
        uint256 assets = shares.mulDiv(totalAssets_ + 1, supply + virtualShares, Math.Rounding.Floor);
        if (assets <= idle) return (assets, shares); // served from idle, at the price the call will use
        if (!fresh) {
            totalAssets_ = idle + _freshMarketValue();
            assets = shares.mulDiv(totalAssets_ + 1, supply + virtualShares, Math.Rounding.Floor);
        }
        (uint256 releasable, uint256 fuseCount) = _instantWithdrawable();
        uint256 liquidity = idle + releasable;
        if (assets <= liquidity) {
            maxShares = shares;
        } else {
            maxShares = liquidity.mulDiv(supply + virtualShares, totalAssets_ + 1, Math.Rounding.Floor);
        }
        maxAssets = Math.min(assets, liquidity);
        if (maxAssets > idle) {
            uint256 allowance = fuseCount * GuardrailLib.PULL_ROUNDING_ALLOWANCE
                + Math.mulDiv(maxAssets - idle, GuardrailLib.PULL_COST_ALLOWANCE_BPS, GuardrailLib.BPS, Math.Rounding.Ceil);
            maxAssets = maxAssets > idle + allowance ? maxAssets - allowance : idle;
        }
    }

    /// @inheritdoc IFuseboxVaultModule
    function marketsValue() external returns (bool) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint32[] storage ids = $.marketIds;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[ids[i]];
            if (market.quarantined) continue;
            (bool ok,,,) = _tryValueMarket(market.balanceFuse);
            if (!ok) return false;
        }
        return true;
    }

    /* ================================================================ VIEWS */

    /// @inheritdoc IFuseboxVaultModule
    function MAX_MARKETS() external pure returns (uint256) {
        return GuardrailLib.MAX_MARKETS;
    }

    /// @inheritdoc IFuseboxVaultModule
    function getMarket(uint256 marketId) external view returns (FuseboxStorageLib.Market memory) {
        return FuseboxStorageLib.vault().markets[marketId];
    }

    /// @inheritdoc IFuseboxVaultModule
    function getMarketIds() external view returns (uint256[] memory ids) {
        uint32[] storage stored = FuseboxStorageLib.vault().marketIds;
        ids = new uint256[](stored.length);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = stored[i];
        }
    }

    /// @inheritdoc IFuseboxVaultModule
    function getSubstrates(uint256 marketId) external view returns (bytes32[] memory) {
        return FuseboxStorageLib.substrates().list[marketId];
    }

    /// @inheritdoc IFuseboxVaultModule
    function isSubstrateAllowed(uint256 marketId, bytes32 substrate) external view returns (bool) {
        return FuseboxStorageLib.isSubstrateAllowed(marketId, substrate);
    }

    /// @inheritdoc IFuseboxVaultModule
    function fuseMarketId(address fuse) external view returns (uint256) {
        return FuseboxStorageLib.vault().fuseMarketId[fuse];
    }

    /// @inheritdoc IFuseboxVaultModule
    function getMarketFuses(uint256 marketId) external view returns (address[] memory) {
        return FuseboxStorageLib.vault().marketFuses[marketId];
    }

    /// @inheritdoc IFuseboxVaultModule
    function getMarketDependencies(uint256 marketId) external view returns (uint256[] memory) {
        return FuseboxStorageLib.vault().marketDependents[marketId];
    }

    /// @inheritdoc IFuseboxVaultModule
    function getValuationKeys(uint256 marketId) external view returns (bytes32[] memory) {
        return FuseboxStorageLib.vault().marketKeys[marketId];
    }

    /// @inheritdoc IFuseboxVaultModule
    function valuationKeyMarket(bytes32 key) external view returns (uint256) {
        return FuseboxStorageLib.vault().keyMarket[key];
    }

    /// @inheritdoc IFuseboxVaultModule
    function getInstantWithdrawFuses() external view returns (address[] memory) {
        return FuseboxStorageLib.vault().instantWithdrawFuses;
    }

    /// @inheritdoc IFuseboxVaultModule
    function idleBufferBps() external view returns (uint16) {
        return FuseboxStorageLib.vault().idleBufferBps;
    }

    /// @inheritdoc IFuseboxVaultModule
    function paused() external view returns (bool) {
        return FuseboxStorageLib.vault().paused;
    }

    /// @inheritdoc IFuseboxVaultModule
    function quarantinedCount() external view returns (uint256) {
        return FuseboxStorageLib.vault().quarantinedCount;
    }

    /// @inheritdoc IFuseboxVaultModule
    function navExpiresAt() external view returns (uint64) {
        return FuseboxStorageLib.vault().navExpiresAt;
    }

    /// @inheritdoc IFuseboxVaultModule
    function totalMarketBalance() external view returns (uint256) {
        return FuseboxStorageLib.vault().totalMarketBalance;
    }

    /// @inheritdoc IFuseboxVaultModule
    function depositorAllowlistEnabled() external view returns (bool) {
        return FuseboxStorageLib.vault().depositorAllowlistEnabled;
    }

    /// @inheritdoc IFuseboxVaultModule
    function isDepositorAllowed(address depositor) external view returns (bool) {
        return FuseboxStorageLib.vault().depositorAllowed[depositor];
    }

    /// @inheritdoc IFuseboxVaultModule
    function priceOracle() external view returns (address) {
        return FuseboxStorageLib.priceOracle();
    }

    /* ================================================================ INTERNAL */

    function _asset() internal view returns (address) {
        return IERC4626(address(this)).asset();
    }

    /// @dev Without the assets set aside for settled redeem requests (FuseboxEconomicsModule).
    function _idleAssets() internal view override returns (uint256) {
        return EconomicsStorageLib.idle(IERC20(_asset()).balanceOf(address(this)));
    }

    /// @dev Sum of the cached balances of `ids`.
    function _cachedSum(uint256[] memory ids) internal view returns (uint256 sum) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        for (uint256 j; j < ids.length; ++j) {
            sum += $.markets[ids[j]].balance;
        }
    }

    /// @dev Every market not in quarantine valued afresh into memory (one that cannot be valued counts zero), as a
    /// redemption's refresh would value them. Writes nothing.
    function _freshMarketValue() internal returns (uint256 total) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        uint32[] storage ids = $.marketIds;
        for (uint256 i; i < ids.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[ids[i]];
            if (market.quarantined) continue;
            (bool ok, uint256 equity,,) = _tryValueMarket(market.balanceFuse);
            if (ok) total += equity;
        }
    }

    /// @dev What the instant-withdraw fuses say they can release now (a fuse of a removed or quarantined market,
    /// or one that cannot answer, counts zero), and how many answered.
    function _instantWithdrawable() internal returns (uint256 releasable, uint256 fuseCount) {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        address[] storage fuses = $.instantWithdrawFuses;
        for (uint256 i; i < fuses.length; ++i) {
            FuseboxStorageLib.Market storage market = $.markets[$.fuseMarketId[fuses[i]]];
            if (!market.active || market.quarantined) continue;
            (bool ok, bytes memory result) =
                fuses[i].delegatecall(abi.encodeCall(IInstantWithdrawFuse.instantWithdrawable, ()));
            if (!ok || result.length < 32) continue;
            releasable += abi.decode(result, (uint256));
            ++fuseCount;
        }
    }

    /// @dev Asks the market's balance fuse what it values and claims those keys for `marketId`: refused when
    /// another active market holds one, or one is the vault's own asset (idle). Every fuse of the market must
    /// still act only inside the new keys.
    function _assignValuationKeys(uint256 marketId, FuseboxStorageLib.Market storage market) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        bytes32[] memory keys = abi.decode(
            Address.functionDelegateCall(market.balanceFuse, abi.encodeCall(IBalanceFuse.valuationKeys, ())),
            (bytes32[])
        );
        _releaseValuationKeys(marketId);
        bytes32 idleKey = ValuationKeys.tokenBalance(_asset());
        for (uint256 i; i < keys.length; ++i) {
            if (keys[i] == idleKey) revert ErrorsLib.ValuationKeyOverlap(keys[i], marketId, 0);
            uint256 holder = $.keyMarket[keys[i]];
            if (holder != 0 && holder != marketId) revert ErrorsLib.ValuationKeyOverlap(keys[i], marketId, holder);
            $.keyMarket[keys[i]] = marketId;
        }
        $.marketKeys[marketId] = keys;
        emit EventsLib.ValuationKeysSet(marketId, keys);
        address[] storage fuses = $.marketFuses[marketId];
        for (uint256 i; i < fuses.length; ++i) {
            _requireFuseKeysInMarket(fuses[i], marketId);
        }
    }

    function _releaseValuationKeys(uint256 marketId) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        bytes32[] storage held = $.marketKeys[marketId];
        for (uint256 i; i < held.length; ++i) {
            delete $.keyMarket[held[i]];
        }
        delete $.marketKeys[marketId];
    }

    function _requireFuseKeysInMarket(address fuse, uint256 marketId) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        bytes32[] memory keys =
            abi.decode(Address.functionDelegateCall(fuse, abi.encodeCall(IFuse.valuationKeys, ())), (bytes32[]));
        for (uint256 i; i < keys.length; ++i) {
            if ($.keyMarket[keys[i]] != marketId) revert ErrorsLib.FuseKeyOutsideMarket(fuse, marketId, keys[i]);
        }
    }

    /// @dev Forgets everything `marketId` had — fuses, substrates, keys, dependencies both ways, quarantine — so
    /// re-using its id later starts from nothing. Its cached balance must already be out of the running total.
    function _forgetMarket(uint256 marketId) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        FuseboxStorageLib.Market storage market = $.markets[marketId];
        if (market.quarantined) --$.quarantinedCount;
        address[] storage fuses = $.marketFuses[marketId];
        for (uint256 k; k < fuses.length; ++k) {
            delete $.fuseMarketId[fuses[k]];
            emit EventsLib.FuseRemoved(fuses[k], marketId);
        }
        delete $.marketFuses[marketId];
        delete $.marketDependents[marketId];
        _releaseValuationKeys(marketId);
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        bytes32[] storage substrateList = s.list[marketId];
        for (uint256 k; k < substrateList.length; ++k) {
            delete s.allowed[marketId][substrateList[k]];
            emit EventsLib.SubstrateRevoked(marketId, substrateList[k]);
        }
        delete s.list[marketId];
        // Whatever it still booked leaves the net-delta book with it.
        if (market.reportsExposure) RiskLib.clearExposure(marketId, market);
        delete $.markets[marketId];
        uint32[] storage ids = $.marketIds;
        for (uint256 k; k < ids.length; ++k) {
            if (ids[k] == marketId) {
                ids[k] = ids[ids.length - 1];
                ids.pop();
                break;
            }
        }
        // No market may keep depending on a market that is gone (it would brick execute and redemptions).
        for (uint256 k; k < ids.length; ++k) {
            _dropDependency(ids[k], marketId);
        }
        _recomputeNavExpiry();
        emit EventsLib.MarketRemoved(marketId);
    }

    function _dropDependency(uint256 marketId, uint256 dependentId) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        if ($.markets[marketId].dependentCount == 0) return;
        uint256[] storage dependents = $.marketDependents[marketId];
        for (uint256 k; k < dependents.length; ++k) {
            if (dependents[k] == dependentId) {
                dependents[k] = dependents[dependents.length - 1];
                dependents.pop();
                $.markets[marketId].dependentCount = uint8(dependents.length);
                emit EventsLib.MarketDependenciesSet(marketId, dependents);
                return;
            }
        }
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
}
