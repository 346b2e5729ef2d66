// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title FuseErrors
/// @notice Errors shared by every fuse.
library FuseErrors {
    /// @notice `substrate` is not on the allowlist of `marketId`.
    error SubstrateNotAllowed(uint256 marketId, bytes32 substrate);
    /// @notice A zero amount where a positive one is required.
    error ZeroAmount();
}
