// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

import {IFuse, IInstantWithdrawFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {PerpVenueAdapter} from "./PerpVenueAdapter.sol";

/// @title PerpFuseBase
/// @notice The generic perp DEX actions — margin in and out, open / increase / reduce / close a long or a
/// short, instant withdrawal of free margin — with substrate checks and events. A venue is served by an adapter
/// that implements the internal `_venue*` hooks below plus the read hooks of PerpVenueAdapter; the vault
/// sees the same function signatures for every venue. Run by delegatecall from the vault.
/// @dev Substrates: the venue's market identifiers as addresses (Perp v2: the BaseToken; simulated venue: the
/// market address it was listed under), left-padded (FuseboxStorageLib.toSubstrate). The venue's contracts are
/// immutables of the concrete fuse, fixed at deployment and vetted when the fuse manager adds the fuse.
/// Units: base sizes and quote notionals are the venue's 18-decimal units; margin amounts are settlement-token
/// units. A bound of 0 means "no bound" (as in Perp v2).
abstract contract PerpFuseBase is IFuse, IInstantWithdrawFuse, PerpVenueAdapter {
    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;

    event PerpMarginDeposited(address indexed venue, uint256 amount);
    event PerpMarginWithdrawn(address indexed venue, uint256 amount);
    event PerpPositionIncreased(address indexed venue, address indexed market, bool isLong, uint256 base, uint256 quote);
    event PerpPositionReduced(address indexed venue, address indexed market, bool wasLong, uint256 base, uint256 quote);
    event PerpPositionClosed(address indexed venue, address indexed market, bool wasLong, uint256 base, uint256 quote);

    /// @notice The vault holds no position in `market`.
    error PerpNoPosition(address market);
    /// @notice Reducing by `base` would go past the position's size `size` (use closePosition).
    error PerpReduceExceedsPosition(address market, uint256 size, uint256 base);
    /// @notice The trade got `actual` against the caller's `bound` (the venue's adapter checks it when the
    /// venue does not).
    error PerpSlippageExceeded(address market, uint256 bound, uint256 actual);

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /* ================================================================ ACTIONS */

    /// @notice Move `amount` of the settlement token from the vault's idle balance into margin at the venue.
    function depositMargin(uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _venueDeposit(amount);
        emit PerpMarginDeposited(_venue(), amount);
    }

    /// @notice Bring `amount` of margin back to the vault (the venue refuses more than its free collateral).
    function withdrawMargin(uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        _venueWithdraw(amount);
        emit PerpMarginWithdrawn(_venue(), amount);
    }

    /// @notice Open or increase a position in `market` by `quoteAmount` of notional.
    /// @param isLong True buys base (long), false sells base (short).
    /// @param baseAmountBound Long: the least base to receive; short: the most base to sell (0 = no bound).
    function increasePosition(address market, bool isLong, uint256 quoteAmount, uint256 baseAmountBound)
        external
        returns (uint256 base, uint256 quote)
    {
        if (quoteAmount == 0) revert FuseErrors.ZeroAmount();
        _requireMarket(market);
        (base, quote) = _venueIncrease(market, isLong, quoteAmount, baseAmountBound);
        emit PerpPositionIncreased(_venue(), market, isLong, base, quote);
    }

    /// @notice Reduce the position in `market` by `baseAmount` of size (never past zero).
    /// @param quoteAmountBound Reducing a long (selling): the least quote to receive; reducing a short (buying):
    /// the most quote to pay (0 = no bound).
    function reducePosition(address market, uint256 baseAmount, uint256 quoteAmountBound)
        external
        returns (uint256 base, uint256 quote)
    {
        if (baseAmount == 0) revert FuseErrors.ZeroAmount();
        _requireMarket(market);
        int256 size = _venuePositionSize(market);
        if (size == 0) revert PerpNoPosition(market);
        if (baseAmount > SignedMath.abs(size)) revert PerpReduceExceedsPosition(market, SignedMath.abs(size), baseAmount);
        (base, quote) = _venueReduce(market, size > 0, baseAmount, quoteAmountBound);
        emit PerpPositionReduced(_venue(), market, size > 0, base, quote);
    }

    /// @notice Close the whole position in `market`.
    /// @param quoteAmountBound As in `reducePosition`.
    function closePosition(address market, uint256 quoteAmountBound) external returns (uint256 base, uint256 quote) {
        _requireMarket(market);
        int256 size = _venuePositionSize(market);
        if (size == 0) revert PerpNoPosition(market);
        (base, quote) = _venueClose(market, size > 0, quoteAmountBound);
        emit PerpPositionClosed(_venue(), market, size > 0, base, quote);
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Withdraws up to `_withdrawableMargin`, so serving a redemption never pushes the position past the
    /// vault's guardrail. Never reverts for lack of liquidity (it withdraws what is possible, possibly nothing).
    function instantWithdraw(uint256 assets) external {
        uint256 amount = Math.min(assets, _withdrawableMargin());
        if (amount == 0) return;
        _venueWithdraw(amount);
        emit PerpMarginWithdrawn(_venue(), amount);
    }

    /// @inheritdoc IInstantWithdrawFuse
    function instantWithdrawable() external view returns (uint256 assets) {
        return _withdrawableMargin();
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return _valuationKeys();
    }

    /* ================================================================ VENUE HOOKS */

    function _venueDeposit(uint256 amount) internal virtual;

    function _venueWithdraw(uint256 amount) internal virtual;

    function _venueIncrease(address market, bool isLong, uint256 quoteAmount, uint256 baseAmountBound)
        internal
        virtual
        returns (uint256 base, uint256 quote);

    function _venueReduce(address market, bool isLong, uint256 baseAmount, uint256 quoteAmountBound)
        internal
        virtual
        returns (uint256 base, uint256 quote);

    function _venueClose(address market, bool isLong, uint256 quoteAmountBound)
        internal
        virtual
        returns (uint256 base, uint256 quote);

    /// @dev The vault's signed position size in `market` (18 decimals; > 0 long).
    function _venuePositionSize(address market) internal view virtual returns (int256);

    /// @dev Margin (settlement units) the venue lets the vault withdraw now.
    function _venueFreeCollateral() internal view virtual returns (uint256);

    /* ================================================================ INTERNAL */

    /// @dev Margin that is free at the venue AND above what the market's leverage limit needs; zero when the
    /// venue settles in another token than the vault's asset (withdrawn margin would not be idle asset).
    function _withdrawableMargin() internal view returns (uint256) {
        if (_settlementToken() != IERC4626(address(this)).asset()) return 0;
        return Math.min(_venueFreeCollateral(), _marginAboveLeverageLimit(MARKET_ID));
    }

    function _requireMarket(address market) internal view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, market)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(market));
        }
    }
}
