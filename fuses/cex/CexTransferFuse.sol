// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IFuse} from "../../contracts/interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../../contracts/libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../../contracts/libraries/FuseErrors.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {ICexCustodyOracle} from "./ICexCustodyOracle.sol";

/// @title CexTransferFuse
/// @notice Sends the vault's asset as margin to allowlisted exchange deposit addresses, and books returns
/// before the alpha asks an exchange to send margin back. Only in restricted vaults (depositor allowlist on):
/// off-chain custody is a trust assumption that only known depositors may opt into.
/// @dev Substrates: exchange deposit addresses. Every transfer is recorded in the vault's custody contract
/// (`CUSTODY`, whose `recordSent` accepts only its vault) in the same call, before the tokens leave: the amount
/// moves from idle to "in transit" atomically and stays counted until a report covers it.
contract CexTransferFuse is IFuse {
    using SafeERC20 for IERC20;

    /// @inheritdoc IFuse
    uint256 public immutable MARKET_ID;
    /// @notice The vault's custody-report contract.
    ICexCustodyOracle public immutable CUSTODY;
    /// @notice The vault's asset (the custody contract's unit).
    address public immutable ASSET;

    /// @notice The vault's depositor allowlist is off: a CEX market is for restricted vaults only.
    error CexFuseRequiresRestrictedVault();

    event CexMarginSent(address indexed account, uint256 amount);
    event CexReturnBooked(address indexed account, uint256 amount);

    constructor(uint256 marketId, address custody) {
        MARKET_ID = marketId;
        CUSTODY = ICexCustodyOracle(custody);
        ASSET = ICexCustodyOracle(custody).ASSET();
    }

    /// @notice Send `amount` of the vault's asset to the exchange deposit address `account`.
    function transferToExchange(address account, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        if (!FuseboxStorageLib.vault().depositorAllowlistEnabled) revert CexFuseRequiresRestrictedVault();
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, account)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(account));
        }
        CUSTODY.recordSent(account, amount);
        IERC20(ASSET).safeTransfer(account, amount);
        emit CexMarginSent(account, amount);
    }

    /// @notice Book a return of `amount` from `account` before asking the exchange for it: it stops counting in
    /// the market at once and counts as idle when it lands. De-risking, so allowed even if `account` has since
    /// been revoked or the allowlist switched off (bounded by the account's value in the custody contract).
    function requestReturn(address account, uint256 amount) external {
        if (amount == 0) revert FuseErrors.ZeroAmount();
        CUSTODY.recordReturnRequested(account, amount);
        emit CexReturnBooked(account, amount);
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(CUSTODY)));
    }
}
