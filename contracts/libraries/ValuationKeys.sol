// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FuseboxStorageLib} from "./FuseboxStorageLib.sol";

/// @title ValuationKeys
/// @notice Names for what a balance fuse values, so the vault can refuse two markets that value the same thing
/// (one account, one valuation). A key is a hash of a kind and the identity of the thing:
/// - `tokenBalance(token)`: the vault's own balance of an ERC-20 (spot tokens, ERC-4626 shares);
/// - `account(venue)`: the vault's whole account at a venue or pool where collateral and debt are netted
///   account-wide (a Perp v2 ClearingHouse, an Aave V3 pool, a custody contract, a simulated venue);
/// - `position(venue, id)`: an isolated position inside a venue (a Morpho Blue market id).
/// The vault's own asset is idle, which the vault values itself: no market may claim its token key.
library ValuationKeys {
    bytes32 internal constant TOKEN_BALANCE = keccak256("fusebox.valuation.tokenBalance");
    bytes32 internal constant ACCOUNT = keccak256("fusebox.valuation.account");
    bytes32 internal constant POSITION = keccak256("fusebox.valuation.position");

    function tokenBalance(address token) internal pure returns (bytes32) {
        return keccak256(abi.encode(TOKEN_BALANCE, token));
    }

    function account(address venue) internal pure returns (bytes32) {
        return keccak256(abi.encode(ACCOUNT, venue));
    }

    function position(address venue, bytes32 id) internal pure returns (bytes32) {
        return keccak256(abi.encode(POSITION, venue, id));
    }

    /// @notice A one-key list.
    function single(bytes32 key) internal pure returns (bytes32[] memory keys) {
        keys = new bytes32[](1);
        keys[0] = key;
    }

    /// @notice The token-balance keys of `marketId`'s substrates (addresses), skipping `skipped` (the vault's asset).
    function substrateTokenBalances(uint256 marketId, address skipped) internal view returns (bytes32[] memory keys) {
        bytes32[] storage list = FuseboxStorageLib.substrates().list[marketId];
        keys = new bytes32[](list.length);
        uint256 count;
        for (uint256 i; i < list.length; ++i) {
            address token = address(uint160(uint256(list[i])));
            if (token != skipped) keys[count++] = tokenBalance(token);
        }
        assembly ("memory-safe") {
            mstore(keys, count) // only shrinks
        }
    }

    /// @notice The position keys at `venue` of `marketId`'s substrates (position ids).
    function substratePositions(uint256 marketId, address venue) internal view returns (bytes32[] memory keys) {
        bytes32[] storage list = FuseboxStorageLib.substrates().list[marketId];
        keys = new bytes32[](list.length);
        for (uint256 i; i < list.length; ++i) {
            keys[i] = position(venue, list[i]);
        }
    }
}
