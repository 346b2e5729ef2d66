// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Id, IMorpho, Market, MarketParams, Position} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";
import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";
import {MarketParamsLib} from "@morpho-org/morpho-blue/src/libraries/MarketParamsLib.sol";
import {MathLib} from "@morpho-org/morpho-blue/src/libraries/MathLib.sol";
import {SharesMathLib} from "@morpho-org/morpho-blue/src/libraries/SharesMathLib.sol";
import {ORACLE_PRICE_SCALE} from "@morpho-org/morpho-blue/src/libraries/ConstantsLib.sol";
import {MorphoBalancesLib} from "@morpho-org/morpho-blue/src/libraries/periphery/MorphoBalancesLib.sol";

import {IFuse, IInstantWithdrawFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {LeverageLib} from "../shared/LeverageLib.sol";
import {MorphoBlueAccountLib} from "./MorphoBlueAccountLib.sol";

/// @title MorphoBlueFuse
/// @notice Lends (supply/withdraw), posts collateral (supplyCollateral/withdrawCollateral) and borrows
/// (borrow/repay) on Morpho Blue markets for the vault, and serves redemptions by withdrawing the vault's asset
/// from its lending positions (instant withdrawal). Run by delegatecall from the vault, so the Morpho positions
/// belong to the vault's address.
/// @dev Substrates: Morpho market ids (`Id`, bytes32). Actions take the market's `MarketParams` (as Morpho's own
/// API does) and check that their id is allowed. After `borrow` and `withdrawCollateral` the position's health
/// factor (collateral × oracle price × LLTV / borrowed, Morpho's own oracle and rounding) must stay at or above
/// `MIN_HEALTH_FACTOR_WAD`, a per-market parameter fixed at deployment (fuses are stateless).
contract MorphoBlueFuse is IFuse, IInstantWithdrawFuse {
    using SafeERC20 for IERC20;
    using MarketParamsLib for MarketParams;
    using MathLib for uint256;
    using SharesMathLib for uint256;
    using MorphoBalancesLib for IMorpho;

    uint256 private constant WAD = 1e18;

    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Morpho Blue singleton.
    IMorpho public immutable MORPHO;
    /// @notice The lowest health factor (1e18 = 1.0) a borrow or a collateral withdrawal may leave; at least 1e18.
    uint256 public immutable MIN_HEALTH_FACTOR_WAD;

    /// @notice After an action on Morpho market `morphoMarketId` (in Fusebox market `marketId`) the position's
    /// health factor would be `healthFactorWad`, below the minimum `minHealthFactorWad`.
    error MorphoBlueHealthFactorTooLow(
        uint256 marketId, bytes32 morphoMarketId, uint256 minHealthFactorWad, uint256 healthFactorWad
    );
    /// @notice The minimum health factor given at deployment is below 1e18 (Morpho liquidates below 1.0).
    error MorphoBlueInvalidMinHealthFactor(uint256 minHealthFactorWad);

    event MorphoBlueSupplied(bytes32 indexed morphoMarketId, uint256 assets, uint256 shares);
    event MorphoBlueWithdrawn(bytes32 indexed morphoMarketId, uint256 assets, uint256 shares);
    event MorphoBlueCollateralSupplied(bytes32 indexed morphoMarketId, uint256 assets);
    event MorphoBlueCollateralWithdrawn(bytes32 indexed morphoMarketId, uint256 assets);
    event MorphoBlueBorrowed(bytes32 indexed morphoMarketId, uint256 assets, uint256 shares);
    event MorphoBlueRepaid(bytes32 indexed morphoMarketId, uint256 assets, uint256 shares);

    /// @param marketId The Fusebox market this fuse acts on.
    /// @param morpho The Morpho Blue singleton.
    /// @param minHealthFactorWad The market's minimum health factor after a borrow or a collateral withdrawal.
    constructor(uint256 marketId, address morpho, uint256 minHealthFactorWad) {
        if (minHealthFactorWad < WAD) revert MorphoBlueInvalidMinHealthFactor(minHealthFactorWad);
        MARKET_ID = marketId;
        MORPHO = IMorpho(morpho);
        MIN_HEALTH_FACTOR_WAD = minHealthFactorWad;
    }

    /* ================================================================ LENDING SIDE */

    /// @notice Lend `assets` of the market's loan token (held idle by the vault).
    function supply(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        IERC20(marketParams.loanToken).forceApprove(address(MORPHO), assets);
        (uint256 supplied, uint256 shares) = MORPHO.supply(marketParams, assets, 0, address(this), "");
        emit MorphoBlueSupplied(Id.unwrap(id), supplied, shares);
    }

    /// @notice Withdraw `assets` of the loan token from the vault's lending position (`type(uint256).max` = all,
    /// by shares, so no dust is left).
    function withdraw(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        _withdraw(marketParams, id, assets);
    }

    /* ================================================================ BORROWING SIDE */

    /// @notice Post `assets` of the market's collateral token (held idle by the vault) as collateral.
    function supplyCollateral(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        IERC20(marketParams.collateralToken).forceApprove(address(MORPHO), assets);
        MORPHO.supplyCollateral(marketParams, assets, address(this), "");
        emit MorphoBlueCollateralSupplied(Id.unwrap(id), assets);
    }

    /// @notice Take `assets` of collateral back to the vault (`type(uint256).max` = all), then require the health
    /// factor to stay at or above the minimum.
    function withdrawCollateral(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        if (assets == type(uint256).max) assets = MORPHO.position(id, address(this)).collateral;
        MORPHO.withdrawCollateral(marketParams, assets, address(this), address(this));
        emit MorphoBlueCollateralWithdrawn(Id.unwrap(id), assets);
        _requireHealthy(marketParams, id);
    }

    /// @notice Borrow `assets` of the loan token into the vault, then require the health factor to stay at or
    /// above the minimum.
    function borrow(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        (uint256 borrowed, uint256 shares) = MORPHO.borrow(marketParams, assets, 0, address(this), address(this));
        emit MorphoBlueBorrowed(Id.unwrap(id), borrowed, shares);
        _requireHealthy(marketParams, id);
    }

    /// @notice Repay `assets` of the vault's debt from idle (`type(uint256).max` = all, by shares, so no dust
    /// of debt is left).
    function repay(MarketParams memory marketParams, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        Id id = _requireAllowed(marketParams);
        uint256 repaid;
        uint256 shares;
        if (assets == type(uint256).max) {
            uint256 borrowShares = MORPHO.position(id, address(this)).borrowShares;
            IERC20(marketParams.loanToken).forceApprove(address(MORPHO), type(uint256).max);
            (repaid, shares) = MORPHO.repay(marketParams, 0, borrowShares, address(this), "");
            IERC20(marketParams.loanToken).forceApprove(address(MORPHO), 0);
        } else {
            IERC20(marketParams.loanToken).forceApprove(address(MORPHO), assets);
            (repaid, shares) = MORPHO.repay(marketParams, assets, 0, address(this), "");
        }
        emit MorphoBlueRepaid(Id.unwrap(id), repaid, shares);
    }

    /* ================================================================ REDEMPTIONS */

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Walks the market's Morpho markets in substrate order and withdraws from the lending positions whose
    /// loan token is the vault's asset, each capped by `_withdrawable` (the vault's expected supply and the
    /// market's free liquidity, interest accrued to this block), and in total by the market's leverage limit
    /// (`_leverageCap`). Collateral is never touched. Never reverts for lack of liquidity: what cannot be
    /// withdrawn is left for the vault to report as a shortfall.
    function instantWithdraw(uint256 assets) external {
        assets = Math.min(assets, _leverageCap());
        address vaultAsset = IERC4626(address(this)).asset();
        bytes32[] storage ids = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < ids.length && assets != 0; ++i) {
            uint256 withdrawn = _withdrawUpTo(Id.wrap(ids[i]), vaultAsset, assets);
            assets = withdrawn >= assets ? 0 : assets - withdrawn;
        }
    }

    /// @inheritdoc IInstantWithdrawFuse
    function instantWithdrawable() external view returns (uint256 assets) {
        address vaultAsset = IERC4626(address(this)).asset();
        bytes32[] storage ids = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < ids.length; ++i) {
            (,,, uint256 amount) = _withdrawable(Id.wrap(ids[i]), vaultAsset);
            assets += amount;
        }
        return Math.min(assets, _leverageCap());
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substratePositions(MARKET_ID, address(MORPHO));
    }

    /* ================================================================ INTERNAL */

    /// @dev What the lending position in `id` can give back now: zero unless its loan token is `vaultAsset`;
    /// else the least of the vault's expected supply and the market's free liquidity.
    function _withdrawable(Id id, address vaultAsset)
        private
        view
        returns (MarketParams memory marketParams, uint256 supplyShares, uint256 supplied, uint256 amount)
    {
        marketParams = MORPHO.idToMarketParams(id);
        if (marketParams.loanToken != vaultAsset) return (marketParams, 0, 0, 0);
        supplyShares = MORPHO.position(id, address(this)).supplyShares;
        if (supplyShares == 0) return (marketParams, 0, 0, 0);
        (uint256 totalSupplyAssets, uint256 totalSupplyShares, uint256 totalBorrowAssets,) =
            MORPHO.expectedMarketBalances(marketParams);
        supplied = supplyShares.toAssetsDown(totalSupplyAssets, totalSupplyShares);
        amount = Math.min(supplied, totalSupplyAssets - totalBorrowAssets);
    }

    /// @dev The most the lending side may give back while the market's leverage (supplied / equity) stays
    /// within its limit; unbounded while nothing is borrowed (checked first: the full valuation is only needed
    /// with debt open).
    function _leverageCap() private view returns (uint256) {
        bytes32[] storage ids = FuseboxStorageLib.substrates().list[MARKET_ID];
        uint256 i;
        while (i < ids.length && MORPHO.position(Id.wrap(ids[i]), address(this)).borrowShares == 0) ++i;
        if (i == ids.length) return type(uint256).max;
        (uint256 equity, uint256 supplied, uint256 debt) = MorphoBlueAccountLib.valuePositions(MORPHO, MARKET_ID);
        return LeverageLib.maxWithdrawWithinLeverage(
            equity, supplied, debt, FuseboxStorageLib.vault().markets[MARKET_ID].maxLeverageWad
        );
    }

    /// @dev Withdraws up to `assets` from the vault's lending position in `id` (capped by `_withdrawable`); a
    /// refusal by Morpho withdraws nothing.
    function _withdrawUpTo(Id id, address vaultAsset, uint256 assets) private returns (uint256 withdrawn) {
        (MarketParams memory marketParams, uint256 supplyShares, uint256 supplied, uint256 available) =
            _withdrawable(id, vaultAsset);
        uint256 amount = Math.min(assets, available);
        if (amount == 0) return 0;
        // Taking the whole position goes by shares so no dust is stranded.
        (uint256 assetsIn, uint256 sharesIn) = amount == supplied ? (uint256(0), supplyShares) : (amount, uint256(0));
        try MORPHO.withdraw(marketParams, assetsIn, sharesIn, address(this), address(this)) returns (
            uint256 assetsOut, uint256 sharesOut
        ) {
            emit MorphoBlueWithdrawn(Id.unwrap(id), assetsOut, sharesOut);
            return assetsOut;
        } catch {
            return 0;
        }
    }

    function _withdraw(MarketParams memory marketParams, Id id, uint256 assets) private {
        (uint256 withdrawn, uint256 shares) = assets == type(uint256).max
            ? MORPHO.withdraw(marketParams, 0, MORPHO.position(id, address(this)).supplyShares, address(this), address(this))
            : MORPHO.withdraw(marketParams, assets, 0, address(this), address(this));
        emit MorphoBlueWithdrawn(Id.unwrap(id), withdrawn, shares);
    }

    /// @dev Called right after an action that accrued interest on `id`, so the stored totals are current.
    function _requireHealthy(MarketParams memory marketParams, Id id) private view {
        Position memory position = MORPHO.position(id, address(this));
        if (position.borrowShares == 0) return;
        Market memory market = MORPHO.market(id);
        uint256 borrowed =
            uint256(position.borrowShares).toAssetsUp(market.totalBorrowAssets, market.totalBorrowShares);
        uint256 maxBorrow = uint256(position.collateral).mulDivDown(
            IOracle(marketParams.oracle).price(), ORACLE_PRICE_SCALE
        ).wMulDown(marketParams.lltv);
        uint256 healthFactor = maxBorrow.wDivDown(borrowed);
        if (healthFactor < MIN_HEALTH_FACTOR_WAD) {
            revert MorphoBlueHealthFactorTooLow(MARKET_ID, Id.unwrap(id), MIN_HEALTH_FACTOR_WAD, healthFactor);
        }
    }

    function _requireAllowed(MarketParams memory marketParams) private view returns (Id id) {
        id = marketParams.id();
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, Id.unwrap(id))) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, Id.unwrap(id));
        }
    }
}
