// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IBalanceFuse} from "../../contracts/interfaces/IFuse.sol";
import {ValuationKeys} from "../../contracts/libraries/ValuationKeys.sol";
import {ICexCustodyOracle} from "./ICexCustodyOracle.sol";

/// @title CexBalanceFuse
/// @notice Values the vault's margin at exchanges from its custody contract: per account, the last confirmed
/// report plus transfers in transit, less returns booked (CexCustodyOracle). Unlevered for the vault: gross
/// notional is zero (any exchange-side exposure is the alpha's hedge and is not visible on-chain).
/// @dev Reverts when any used account's report is stale (StaleCustodyReport), so the vault refuses to price
/// deposits and redemptions rather than use it. Values every account the vault ever sent to, not the current
/// substrate list, so revoking an address never drops the margin still held there from total assets.
contract CexBalanceFuse is IBalanceFuse {
    /// @inheritdoc IBalanceFuse
    uint256 public immutable MARKET_ID;
    /// @notice The vault's custody-report contract.
    ICexCustodyOracle public immutable CUSTODY;

    /// @notice The custody contract accounts for `custodyVault`, not for the vault running this fuse.
    error CustodyVaultMismatch(address custodyVault, address vault);

    constructor(uint256 marketId, address custody) {
        MARKET_ID = marketId;
        CUSTODY = ICexCustodyOracle(custody);
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        address custodyVault = CUSTODY.VAULT();
        if (custodyVault != address(this)) revert CustodyVaultMismatch(custodyVault, address(this));
        return (CUSTODY.totalValue(), 0, 0);
    }

    /// @inheritdoc IBalanceFuse
    /// @dev One key, `account(custody)`: the custody contract accounts for all of the vault's exchange accounts.
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.account(address(CUSTODY)));
    }
}
