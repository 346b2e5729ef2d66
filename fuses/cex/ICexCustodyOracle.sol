// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ICexCustodyOracle
/// @notice What the CEX fuses need from a vault's custody-report contract (see CexCustodyOracle).
interface ICexCustodyOracle {
    /// @notice The vault whose exchange accounts this contract accounts for.
    function VAULT() external view returns (address);

    /// @notice The vault's asset: every amount here is in its units.
    function ASSET() external view returns (address);

    /// @notice Record `amount` sent by the vault to `account` (in transit until a report covers it). Vault only.
    function recordSent(address account, uint256 amount) external;

    /// @notice Record that the vault asked `account` to send `amount` back (it stops counting at once). Vault only.
    function recordReturnRequested(address account, uint256 amount) external;

    /// @notice The value of every account the vault has used, in the asset. Reverts when any is stale.
    function totalValue() external view returns (uint256);
}
