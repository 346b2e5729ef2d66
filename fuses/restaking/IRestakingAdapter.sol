// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IRestakingAdapter
/// @notice What the restaking fuses need from a restaking venue, in the venue's collateral token. The SIMULATION-ONLY
/// `contracts/simulation/SimulatedRestakingVault.sol` implements it directly; a real adapter would map it onto
/// Symbiotic (Vault.deposit / withdraw / claim by epoch, the delegator's network and operator limits, the slasher's
/// veto window) or EigenLayer (StrategyManager deposits, AllocationManager.modifyAllocations per operator set,
/// DelegationManager withdrawal queue, slashing by operator set).
/// @dev Accounts are the caller (`msg.sender`): the vault, since fuses run by delegatecall.
interface IRestakingAdapter {
    /// @notice The token staked and paid out.
    function collateral() external view returns (address);

    /// @notice Stake `amount` (pulled from the caller).
    function deposit(uint256 amount) external;

    /// @notice Leave with `amount` of stake: it stays slashable until the end of the next epoch, then is claimable.
    function requestWithdraw(uint256 amount) external;

    /// @notice Take what finished its withdrawal epochs.
    function claim() external returns (uint256 amount);

    /// @notice Make `amount` of the caller's stake slashable by `network` through `operator` (full restake: the same
    /// stake may secure several networks; each allocation is at most the stake).
    function allocate(address operator, address network, uint256 amount) external;

    /// @notice Active stake (slashable, not withdrawing).
    function stakeOf(address account) external view returns (uint256);

    /// @notice Stake withdrawing (still slashable) and stake claimable (no longer slashable).
    function withdrawalsOf(address account) external view returns (uint256 pending, uint256 claimable);

    /// @notice Slashes requested against `account` and not yet executed nor vetoed.
    function pendingSlashesOf(address account) external view returns (uint256);

    /// @notice What `network` can slash of `account` through `operator` now: min(allocation, stake).
    function slashableOf(address account, address operator, address network) external view returns (uint256);

    /// @notice Σ over (operator, network) of `slashableOf`: with full restake this exceeds the stake (stacked).
    function totalSlashableOf(address account) external view returns (uint256);
}
