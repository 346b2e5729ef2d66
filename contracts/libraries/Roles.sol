// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Roles
/// @notice AccessManager role ids used by Fusebox. Which vault function needs which role, and which roles
/// carry an execution delay, is wired by the deployment (scripts/lib/access.ts) and documented in
/// contracts/README.md. Role 0 is the AccessManager's own ADMIN_ROLE.
library Roles {
    /// @notice Configures the vault: markets, fuses, substrates, buffer, withdraw order. Risk-raising: delayed.
    uint64 internal constant ATOMIST = 1;
    /// @notice Runs strategy batches (`execute`). The off-chain alpha bot.
    uint64 internal constant ALPHA = 2;
    /// @notice Pauses, lowers limits, revokes substrates and fuses, cancels scheduled changes. Never delayed.
    uint64 internal constant GUARDIAN = 3;
    /// @notice Adds fuses (risk-raising: delayed).
    uint64 internal constant FUSE_MANAGER = 4;
    /// @notice Posts off-chain custody reports (CEX balances).
    uint64 internal constant REPORTER = 5;
}
