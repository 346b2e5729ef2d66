// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {FuseboxStorageLib} from "./FuseboxStorageLib.sol";

/// @title EconomicsStorageLib
/// @notice The vault's fee and redemption-queue state, in an ERC-7201 namespace of its own (shared by the core
/// and `FuseboxEconomicsModule`, both running in the vault's storage).
library EconomicsStorageLib {
    /// @notice One controller's ERC-7540 redeem request (requestId 0: a controller's requests are aggregated).
    struct Request {
        uint128 pendingShares; // in the vault's custody, awaiting settlement
        uint64 requestedAt; // when the oldest still-pending share was requested (0 = nothing pending)
        uint64 settledEpoch; // the last settlement that processed this controller (a list names it once)
        uint128 claimableShares; // settled, not yet claimed (already burnt)
        uint128 claimableAssets; // what `claimableShares` were settled for, set aside in idle
    }

    /// @custom:storage-location erc7201:fusebox.storage.Economics
    struct EconomicsLayout {
        // slot 0: the one slot every deposit and redemption reads (fees off: nothing else)
        uint96 setAside; // settled assets awaiting claims: not the vault's, excluded from total assets and idle
        uint96 highWaterMark; // price per share (FeeLib.pricePerShare) the performance fee starts above; never falls
        uint32 lastAccrual; // when the management fee was last accrued (0 = never)
        uint16 managementFeeBps; // per year, of total assets
        uint16 performanceFeeBps; // of the gain in price per share above the high-water mark
        // slot 1
        address feeRecipient;
        uint32 maxRedeemWait; // seconds a request may wait before anyone may settle it (0 = the default)
        uint64 epoch; // settlements so far
        // slot 2
        uint128 pendingShares; // Σ pending over controllers (the vault's custody)
        uint64 oldestRequestAt; // lower bound of the oldest pending request's time (0 = none pending)
        mapping(address controller => Request) requests;
        mapping(address controller => mapping(address operator => bool)) operators;
    }

    /// @notice Bits of `FuseboxStorageLib.VaultLayout.economicsFlags`: a fee is non-zero; assets are set aside.
    uint8 internal constant FEES_ON = 1;
    uint8 internal constant SET_ASIDE = 2;

    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.Economics")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant ECONOMICS_SLOT = 0xfdf7b3c46f3081dcb447ed118521c45645bbe9d4c80e6477db6d9333a5ae9800;

    function economics() internal pure returns (EconomicsLayout storage $) {
        assembly {
            $.slot := ECONOMICS_SLOT
        }
    }

    /// @notice The vault's idle assets: its `balance` of the asset less what is set aside for settled requests.
    function idle(uint256 balance) internal view returns (uint256) {
        if (FuseboxStorageLib.vault().economicsFlags & SET_ASIDE == 0) return balance;
        return balance - economics().setAside;
    }

    /// @notice Sets or clears `flag` in the vault's economics flags.
    function setFlag(uint8 flag, bool on) internal {
        FuseboxStorageLib.VaultLayout storage $ = FuseboxStorageLib.vault();
        $.economicsFlags = on ? $.economicsFlags | flag : $.economicsFlags & ~flag;
    }
}
