// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IFuse, IInstantWithdrawFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {IRestakingAdapter} from "./IRestakingAdapter.sol";

/// @title RestakingFuse
/// @notice Stakes the vault's collateral at one restaking venue (`IRestakingAdapter`), allocates it to
/// (operator, network) pairs, and leaves through the venue's withdrawal epochs. Run by delegatecall from the vault.
/// @dev Substrates: the operators and networks the vault may allocate to (addresses). The venue is immutable: the
/// market values exactly one venue account (`account(venue)`). Over-allocation (more than the stake to one pair) is
/// the venue's refusal; the stacking multiple Σ slashable ÷ stake is the market's gross notional ÷ equity, held by
/// the vault's leverage guardrail (`maxLeverageWad`); per-network and per-operator caps are the vault's risk groups.
/// @dev As an instant-withdraw fuse, it brings back what finished its withdrawal epochs: an exit the alpha started
/// for the ERC-7540 queue becomes liquid for redemptions and for anyone's overdue settlement once it matures, without
/// waiting for the alpha. Stake not yet withdrawn is never instant.
contract RestakingFuse is IFuse, IInstantWithdrawFuse {
    using SafeERC20 for IERC20;

    uint256 public immutable MARKET_ID;
    IRestakingAdapter public immutable VENUE;

    constructor(uint256 marketId, address venue) {
        MARKET_ID = marketId;
        VENUE = IRestakingAdapter(venue);
    }

    /// @notice Stake `amount` of the venue's collateral from idle.
    function deposit(uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        IERC20(VENUE.collateral()).forceApprove(address(VENUE), amount);
        VENUE.deposit(amount);
    }

    /// @notice Make `amount` of the stake slashable by `network` through `operator` (0 ends the allocation).
    function allocate(address operator, address network, uint256 amount) external {
        _requireAllowed(operator);
        _requireAllowed(network);
        VENUE.allocate(operator, network, amount);
    }

    /// @notice Start leaving with `amount`: claimable after the venue's withdrawal epoch, slashable until then.
    function requestWithdraw(uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        VENUE.requestWithdraw(amount);
    }

    /// @notice Bring what finished its withdrawal epochs back to idle.
    function claim() external {
        VENUE.claim();
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Claims every matured withdrawal (the venue pays them whole, so possibly more than `assets`); nothing when
    /// none has matured or the venue's collateral is not the vault's asset.
    function instantWithdraw(uint256 assets) external {
        if (assets == 0 || _maturedInAsset() == 0) return;
        VENUE.claim();
    }

    /// @inheritdoc IInstantWithdrawFuse
    function instantWithdrawable() external view returns (uint256) {
        return _maturedInAsset();
    }

    /// @dev Matured withdrawals, when the venue pays in the vault's asset (else 0: no conversion on the exit path).
    function _maturedInAsset() private view returns (uint256 claimable) {
        if (VENUE.collateral() != IERC4626(address(this)).asset()) return 0;
        (, claimable) = VENUE.withdrawalsOf(address(this));
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(VENUE)));
    }

    function _requireAllowed(address substrate) private view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, substrate)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(substrate));
        }
    }
}
