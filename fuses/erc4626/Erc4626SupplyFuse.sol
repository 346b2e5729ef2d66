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

/// @title Erc4626SupplyFuse
/// @notice Supplies the vault's asset into ERC-4626 vaults allowed as substrates of its market ("vault of
/// vaults"), withdraws, and serves redemptions by instant withdrawal. Run by delegatecall from the vault.
/// @dev Substrates: the addresses of the target ERC-4626 vaults. Each must take the vault's asset.
contract Erc4626SupplyFuse is IFuse, IInstantWithdrawFuse {
    using SafeERC20 for IERC20;

    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;

    event Erc4626Supplied(address indexed targetVault, uint256 assets, uint256 shares);
    event Erc4626Withdrawn(address indexed targetVault, uint256 assets, uint256 shares);

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /// @notice Deposit `assets` of the vault's asset into `targetVault`.
    function enter(address targetVault, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(targetVault);
        IERC20 asset = IERC20(IERC4626(targetVault).asset());
        asset.forceApprove(targetVault, assets);
        uint256 shares = IERC4626(targetVault).deposit(assets, address(this));
        asset.forceApprove(targetVault, 0);
        emit Erc4626Supplied(targetVault, assets, shares);
    }

    /// @notice Withdraw `assets` from `targetVault` back to idle (capped at what it lets the vault take; up to one
    /// target share more, since the whole shares covering it are redeemed).
    function exit(address targetVault, uint256 assets) external {
        if (assets == 0) revert FuseErrors.ZeroAmount();
        _requireAllowed(targetVault);
        _withdraw(targetVault, assets);
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Walks the market's substrates in order; bounded by the atomist's substrate list.
    function instantWithdraw(uint256 assets) external {
        bytes32[] storage targets = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < targets.length && assets > 0; ++i) {
            uint256 withdrawn = _withdraw(address(uint160(uint256(targets[i]))), assets);
            assets = withdrawn >= assets ? 0 : assets - withdrawn;
        }
    }

    /// @inheritdoc IInstantWithdrawFuse
    /// @dev Σ `maxWithdraw(vault)` over the substrates: what `instantWithdraw` may take from each.
    function instantWithdrawable() external view returns (uint256 assets) {
        bytes32[] storage targets = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < targets.length; ++i) {
            assets += _withdrawable(address(uint160(uint256(targets[i]))));
        }
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.substrateTokenBalances(MARKET_ID, address(0));
    }

    /// @dev What `targetVault` lets the vault withdraw now (its own ERC-4626 limit).
    function _withdrawable(address targetVault) private view returns (uint256) {
        return IERC4626(targetVault).maxWithdraw(address(this));
    }

    /// @dev Redeems the whole target shares that cover `assets` (the target's `previewWithdraw`, rounded up), capped at
    /// what it lets the vault redeem: the vault receives all those shares are worth — `assets` or up to one target
    /// share more — instead of `withdraw(assets)` burning the same shares and leaving the fraction in the target. On
    /// a coarse target (a donation makes one share worth many units) that fraction was a real cost of every pull.
    function _withdraw(address targetVault, uint256 assets) private returns (uint256 withdrawn) {
        uint256 wanted = Math.min(assets, _withdrawable(targetVault));
        if (wanted == 0) return 0;
        IERC4626 target = IERC4626(targetVault);
        uint256 shares = Math.min(target.previewWithdraw(wanted), target.maxRedeem(address(this)));
        if (shares == 0) return 0;
        withdrawn = target.redeem(shares, address(this), address(this));
        emit Erc4626Withdrawn(targetVault, withdrawn, shares);
    }

    function _requireAllowed(address targetVault) private view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, targetVault)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(targetVault));
        }
    }
}
