// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IFuse, IInstantWithdrawFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {LeverageLib} from "../shared/LeverageLib.sol";
import {AaveV3AccountLib} from "./AaveV3AccountLib.sol";
import {IAaveV3AddressesProvider, IAaveV3Pool, IAaveV3PriceOracle} from "./IAaveV3Pool.sol";

/// @title AaveV3Fuse
/// @notice Supplies, withdraws, borrows (variable rate) and repays on one Aave V3 pool for the vault, and serves
/// redemptions by withdrawing the vault's asset (instant withdrawal). Run by delegatecall from the vault, so the
/// Aave position (aTokens, debt) belongs to the vault's address.
/// @dev Substrates: the reserve assets (ERC-20 addresses, left-padded) the market may supply or borrow.
/// After every action that can lower the Aave health factor (`withdraw`, `borrow`) the health factor must stay at
/// or above `MIN_HEALTH_FACTOR_WAD`, a per-market parameter fixed at deployment (fuses are stateless).
contract AaveV3Fuse is IFuse, IInstantWithdrawFuse {
    using SafeERC20 for IERC20;

    /// @notice Aave's variable interest rate mode.
    uint256 private constant VARIABLE_RATE = 2;
    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    /// @notice Aave's reserve configuration bits: reserve active, reserve paused.
    uint256 private constant ACTIVE_BIT = 56;
    uint256 private constant PAUSED_BIT = 60;

    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;
    /// @notice The Aave V3 pool (proxy) this fuse acts on.
    IAaveV3Pool public immutable POOL;
    /// @notice The lowest Aave health factor (1e18 = 1.0) a borrow or a withdrawal may leave; at least 1e18.
    uint256 public immutable MIN_HEALTH_FACTOR_WAD;

    /// @notice After an action on market `marketId` the Aave health factor would be `healthFactorWad`, below the
    /// market's minimum `minHealthFactorWad`.
    error AaveV3HealthFactorTooLow(uint256 marketId, uint256 minHealthFactorWad, uint256 healthFactorWad);
    /// @notice The minimum health factor given at deployment is below 1e18 (Aave liquidates below 1.0).
    error AaveV3InvalidMinHealthFactor(uint256 minHealthFactorWad);

    event AaveV3Supplied(address indexed asset, uint256 amount);
    event AaveV3Withdrawn(address indexed asset, uint256 amount);
    event AaveV3Borrowed(address indexed asset, uint256 amount);
    event AaveV3Repaid(address indexed asset, uint256 amount);

    /// @param marketId The Fusebox market this fuse acts on.
    /// @param pool The Aave V3 pool (proxy).
    /// @param minHealthFactorWad The market's minimum health factor after a borrow or a withdrawal (>= 1e18).
    constructor(uint256 marketId, address pool, uint256 minHealthFactorWad) {
        if (minHealthFactorWad < WAD) revert AaveV3InvalidMinHealthFactor(minHealthFactorWad);
        MARKET_ID = marketId;
        POOL = IAaveV3Pool(pool);
        MIN_HEALTH_FACTOR_WAD = minHealthFactorWad;
    }

    /* ================================================================ ACTIONS */

    /// @notice Supply `amount` of `asset` (held idle by the vault) to Aave; it counts as collateral when the reserve
    /// allows it.
    function supply(address asset, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(asset);
        IERC20(asset).forceApprove(address(POOL), amount);
        POOL.supply(asset, amount, address(this), 0);
        emit AaveV3Supplied(asset, amount);
    }

    /// @notice Withdraw `amount` of `asset` from Aave to the vault (`type(uint256).max` = the whole supply), then
    /// require the health factor to stay at or above the minimum.
    function withdraw(address asset, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(asset);
        uint256 withdrawn = POOL.withdraw(asset, amount, address(this));
        emit AaveV3Withdrawn(asset, withdrawn);
        _requireHealthy();
    }

    /// @notice Borrow `amount` of `asset` at the variable rate into the vault, then require the health factor to
    /// stay at or above the minimum.
    function borrow(address asset, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(asset);
        POOL.borrow(asset, amount, VARIABLE_RATE, 0, address(this));
        emit AaveV3Borrowed(asset, amount);
        _requireHealthy();
    }

    /// @notice Repay up to `amount` of the vault's variable debt in `asset` from idle (`type(uint256).max` = all).
    function repay(address asset, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(asset);
        IERC20(asset).forceApprove(address(POOL), amount);
        uint256 repaid = POOL.repay(asset, amount, VARIABLE_RATE, address(this));
        // Repaying "all" approves more than is pulled: clear what is left.
        if (repaid != amount) IERC20(asset).forceApprove(address(POOL), 0);
        emit AaveV3Repaid(asset, repaid);
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Withdraws the vault's asset up to `_withdrawable` (aToken balance, the reserve's free liquidity, the
    /// minimum health factor and the market's leverage limit). Never reverts for lack of liquidity: when nothing
    /// can be taken (asset not a substrate, no liquidity, or Aave refuses), nothing is withdrawn and the vault
    /// sees the shortfall. Reverts only when the account cannot be valued (a stale price): the vault skips it.
    function instantWithdraw(uint256 assets) external {
        if (assets == 0) return;
        (address asset, uint256 amount) = _withdrawable(true);
        amount = Math.min(assets, amount);
        if (amount == 0) return;
        try POOL.withdraw(asset, amount, address(this)) returns (uint256 withdrawn) {
            emit AaveV3Withdrawn(asset, withdrawn);
        } catch {}
    }

    /// @inheritdoc IInstantWithdrawFuse
    function instantWithdrawable() external returns (uint256 assets) {
        (, assets) = _withdrawable(false);
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(POOL)));
    }

    /* ================================================================ INTERNAL */

    /// @dev What an instant withdrawal can take of the vault's asset now: the least of the vault's aToken
    /// balance, the reserve's free liquidity (zero while the reserve is inactive or paused), what keeps the
    /// health factor at or above the minimum, and what keeps the market's leverage (supplied / equity, the
    /// whole account at the vault's oracle) within its `maxLeverageWad`. The last two bind only with debt open.
    /// `writeCache` false never writes storage (instantWithdrawable runs inside a static call).
    function _withdrawable(bool writeCache) private returns (address asset, uint256 amount) {
        asset = IERC4626(address(this)).asset();
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, asset)) return (asset, 0);
        AaveV3AccountLib.ReserveTokens memory tokens = AaveV3AccountLib.reserveTokens(POOL, asset, writeCache);
        if (tokens.aToken == address(0)) return (asset, 0);
        uint256 configuration = POOL.getConfiguration(asset);
        if ((configuration >> ACTIVE_BIT) & 1 == 0 || (configuration >> PAUSED_BIT) & 1 == 1) return (asset, 0);
        amount = Math.min(IERC20(tokens.aToken).balanceOf(address(this)), IERC20(asset).balanceOf(tokens.aToken));
        if (amount == 0) return (asset, 0);
        (uint256 collateralBase, uint256 debtBase,, uint256 avgLiquidationThresholdBps,,) =
            POOL.getUserAccountData(address(this));
        if (debtBase == 0) return (asset, amount);
        amount = Math.min(
            amount, _maxWithdrawKeepingHealth(asset, configuration, collateralBase, debtBase, avgLiquidationThresholdBps)
        );
        if (amount == 0) return (asset, 0);
        (uint256 equity, uint256 supplied, uint256 debt) = AaveV3AccountLib.valueAccount(POOL, MARKET_ID, writeCache);
        uint256 maxLeverageWad = FuseboxStorageLib.vault().markets[MARKET_ID].maxLeverageWad;
        amount = Math.min(amount, LeverageLib.maxWithdrawWithinLeverage(equity, supplied, debt, maxLeverageWad));
    }

    /// @dev The most of `asset` that can leave the vault's collateral while the health factor stays >= the minimum:
    /// HF = Σ collateral_i × lt_i / debt, so a withdrawal w (base currency) costs w × lt_asset of the numerator.
    function _maxWithdrawKeepingHealth(
        address asset,
        uint256 configuration,
        uint256 collateralBase,
        uint256 debtBase,
        uint256 avgLiquidationThresholdBps
    ) private view returns (uint256) {
        uint256 assetThresholdBps = (configuration >> 16) & 0xFFFF;
        if (assetThresholdBps == 0) return type(uint256).max;
        // Both sides scaled by BPS × WAD: weighted collateral vs minimum HF × debt.
        uint256 weighted = collateralBase * avgLiquidationThresholdBps * WAD;
        uint256 required = MIN_HEALTH_FACTOR_WAD * debtBase * BPS;
        if (weighted <= required) return 0;
        uint256 freeBase = (weighted - required) / (assetThresholdBps * WAD);
        uint256 price = IAaveV3PriceOracle(IAaveV3AddressesProvider(POOL.ADDRESSES_PROVIDER()).getPriceOracle())
            .getAssetPrice(asset);
        if (price == 0) return 0;
        uint256 decimals = (configuration >> 48) & 0xFF;
        return Math.mulDiv(freeBase, 10 ** decimals, price);
    }

    function _requireHealthy() private view {
        (,,,,, uint256 healthFactor) = POOL.getUserAccountData(address(this));
        if (healthFactor < MIN_HEALTH_FACTOR_WAD) {
            revert AaveV3HealthFactorTooLow(MARKET_ID, MIN_HEALTH_FACTOR_WAD, healthFactor);
        }
    }

    function _requireAllowed(address asset) private view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, asset)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(asset));
        }
    }
}
