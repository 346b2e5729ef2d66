// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title RiskStorageLib
/// @notice The risk engine's storage (ERC-7201 namespace `fusebox.storage.Risk`), apart from the vault's own
/// layout: shared risk groups, the per-asset net-delta book and the batch loss budget.
library RiskStorageLib {
    /// @notice A shared risk: markets that fail together (a venue, a custodian, a protocol, an operator...).
    struct Group {
        uint16 capBps; // summed balances of the group's markets, basis points of total assets (<= 10_000)
        uint128 capAssets; // optional absolute cap on the summed balances (0 = none)
        uint96 maxNotionalWad; // summed gross notional / total assets, 1e18 = 1x (0 = no notional cap)
        bool exists;
    }

    /// @notice The net-delta band of one underlying asset and the vault's net exposure to it.
    struct Band {
        int240 netDelta; // Σ over valued markets of their signed exposure, in the asset's units
        uint16 bandBps; // |netDelta| priced in the vault's asset must stay within bandBps of total assets (0 = no band)
    }

    /// @custom:storage-location erc7201:fusebox.storage.Risk
    struct RiskLayout {
        // slot 0: the one slot a batch reads when nothing is configured
        uint32 groupCount; // how many groups exist (0: no group work at all)
        uint32 bandCount; // assets with a net-delta band (0: no delta check; a market's own flag says whether it books)
        uint16 maxBatchLossBps; // the most one batch may lose, basis points of total assets (0 = no budget)
        // groups
        mapping(bytes32 groupId => Group) groups;
        bytes32[] groupIds;
        mapping(bytes32 groupId => uint32[]) groupMarkets;
        mapping(uint256 marketId => bytes32[]) marketGroups;
        // net delta: each reporting market's last report, one slot per asset (`packExposure`), the first
        // `Market.exposureCount` indices in use
        mapping(uint256 marketId => mapping(uint256 index => bytes32)) exposureEntries;
        mapping(address asset => Band) bands;
        address[] bandAssets;
        // NAV-rate bounds: read only after a refresh of every market
        NavBound navBound;
    }

    /// @notice How far the price per share may move between two refreshes of every market: `perUpdateBps` plus
    /// `annualRateBps` pro rata of the time between them, both ways. A breach pauses the vault (deposits stop, batches
    /// are reduce-only, exits go on) until the atomist acknowledges it.
    struct NavBound {
        uint16 perUpdateBps;
        uint32 annualRateBps;
        uint128 lastPpsWad; // the price per share at the last refresh within the bound (0 = no baseline yet)
        uint40 lastAt;
        bool pausedByBound; // the bound paused the vault (the acknowledgement unpauses it)
    }

    /// @notice One booked exposure in one slot: the asset in the high 160 bits, the signed amount (int96, in the
    /// asset's units: 3.9e28, e.g. 39 billion tokens of 18 decimals) in the low 96.
    function packExposure(address asset, int96 amount) internal pure returns (bytes32) {
        return bytes32((uint256(uint160(asset)) << 96) | uint256(uint96(amount)));
    }

    function unpackExposure(bytes32 entry) internal pure returns (address asset, int96 amount) {
        return (address(uint160(uint256(entry) >> 96)), int96(uint96(uint256(entry))));
    }

    /// @dev Transient ticket for the risk module's vault-only functions (`bookExposure`, `checkNavRate`), which the core
    /// and the configuration module reach by delegatecall (so `msg.sender` is not the vault): set right before the
    /// call, consumed by it; a call from outside, through the fallback chain, finds none.
    /// keccak256("fusebox.transient.BookingTicket")
    bytes32 internal constant VAULT_CALL_TICKET = 0xbe3cc82085e9b29910dd99880ba597d76433abfe5dbd8863141665d4d8187a27;

    /// @notice Admits the next vault-only risk-module call (made right after, by delegatecall).
    function admitVaultCall() internal {
        bytes32 ticket = VAULT_CALL_TICKET;
        assembly {
            tstore(ticket, 1)
        }
    }

    /// @notice Whether the call was admitted by the vault itself; consumes the ticket.
    function vaultCallAdmitted() internal returns (bool admitted) {
        bytes32 ticket = VAULT_CALL_TICKET;
        assembly {
            admitted := tload(ticket)
            tstore(ticket, 0)
        }
    }

    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.Risk")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant RISK_SLOT = 0x45683d5bd9de18460e56ee21876fb78e72817132f805b1d8222307cabc296000;

    /// @notice Whether anything a batch is checked against is configured (groups, bands, a loss budget): slot 0
    /// non-zero. (Exposure is booked per market, by `Market.reportsExposure`, whatever this says.)
    function configured() internal view returns (bool any) {
        assembly {
            any := iszero(iszero(sload(RISK_SLOT)))
        }
    }

    /// @notice Whether a batch loss budget is set (it needs fresh "before" values: no optimistic frame).
    function lossBudgetSet() internal view returns (bool) {
        return risk().maxBatchLossBps != 0;
    }


    /// @notice Whether NAV-rate bounds are set (checked after each refresh of every market).
    function navBoundSet() internal view returns (bool) {
        NavBound storage b = risk().navBound;
        return b.perUpdateBps != 0 || b.annualRateBps != 0;
    }

    function risk() internal pure returns (RiskLayout storage $) {
        assembly {
            $.slot := RISK_SLOT
        }
    }
}
