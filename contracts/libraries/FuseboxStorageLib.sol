// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title FuseboxStorageLib
/// @notice The vault's storage, laid out in ERC-7201 namespaces. Fuses run by delegatecall in the vault's
/// context, so every piece of state lives at a hashed slot that no fuse (and no inherited contract) can
/// overlap by accident. Fuses read their market's substrates and the price oracle through this library.
library FuseboxStorageLib {
    /// @notice Per-market configuration and cached valuation.
    struct Market {
        // slot 0: what valuation and guardrails read together
        uint128 balance; // cached equity of the vault's position, in the vault's asset
        uint40 updatedAt; // when `balance` was last refreshed (0 = never)
        uint32 maxBalanceAge; // seconds after which `balance` must not price a deposit or a redemption
        uint16 capBps; // capital cap, basis points of total assets
        bool active;
        uint8 dependentCount; // length of `VaultLayout.marketDependents[id]`, kept here so execute reads one slot
        // Isolated by the guardian: valued at zero, never refreshed, its fuses refused, deposits halted.
        bool quarantined;
        // The risk engine's net-delta book (RiskLib): whether the balance fuse's exposure report is booked with each
        // valuation, and how many (asset, amount) entries it holds — here, in the slot a valuation writes anyway.
        bool reportsExposure;
        uint8 exposureCount;
        // slot 1
        address balanceFuse;
        uint96 maxLeverageWad; // gross notional / equity, 1e18 = 1x; 0 = the market may hold no notional
        // slot 2
        uint128 capAssets; // absolute capital cap in assets; 0 = none
        uint128 grossNotional; // cached gross notional reported by the balance fuse
    }

    /// @custom:storage-location erc7201:fusebox.storage.Vault
    struct VaultLayout {
        // slot 0: the only slot a deposit or a redemption from idle reads
        uint128 totalMarketBalance; // sum of `Market.balance` over active markets
        uint64 navExpiresAt; // min over active markets of updatedAt + maxBalanceAge
        uint16 idleBufferBps;
        bool paused;
        bool depositorAllowlistEnabled;
        uint8 quarantinedCount; // markets in quarantine: deposits are refused while any is
        // Economics (FuseboxEconomicsModule): EconomicsStorageLib.FEES_ON | SET_ASIDE, here so that a deposit or a
        // redemption with fees off and nothing set aside reads no other slot.
        uint8 economicsFlags;
        // slot 1
        uint256 navExpiryMarketId; // the market that sets `navExpiresAt` (0 = none)
        mapping(address fuse => uint256 marketId) fuseMarketId; // 0 = fuse not allowed
        mapping(uint256 marketId => Market) markets;
        uint32[] marketIds; // active markets, at most MAX_MARKETS (ids fit 32 bits: eight a slot, so a scan is cheap)
        address[] instantWithdrawFuses; // redemption order after idle (IInstantWithdrawFuse)
        mapping(address depositor => bool) depositorAllowed;
        mapping(uint256 marketId => address[]) marketFuses; // the allowed fuses of each market
        // Markets whose valuation a market's fuses can change (e.g. tokens an Aave borrow leaves in the vault
        // are valued by the spot market): execute and redemptions value them together.
        mapping(uint256 marketId => uint256[]) marketDependents;
        // One account, one valuation: the market that values each key (ValuationKeys), and each market's keys.
        mapping(bytes32 key => uint256 marketId) keyMarket;
        mapping(uint256 marketId => bytes32[]) marketKeys;
        // 10 ** decimals offset: the virtual shares of every conversion, written once by the core's constructor
        // (the core keeps its own immutable copy for the hot paths; the modules read this one).
        uint256 virtualShares;
    }

    /// @custom:storage-location erc7201:fusebox.storage.Substrates
    struct SubstratesLayout {
        mapping(uint256 marketId => mapping(bytes32 substrate => bool)) allowed;
        mapping(uint256 marketId => bytes32[]) list;
    }

    /// @custom:storage-location erc7201:fusebox.storage.Oracle
    struct OracleLayout {
        address priceOracle;
    }

    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.Vault")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant VAULT_SLOT = 0x3a19128fd5fb662f8620c56bded9a13ef53d0e074ae8959b4fc1a09e56b81b00;
    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.Substrates")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant SUBSTRATES_SLOT = 0xdda339fdc51e84f68dc19d78123afc82c4d4782911d6fac05289d9c35d9b7400;
    // keccak256(abi.encode(uint256(keccak256("fusebox.storage.Oracle")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant ORACLE_SLOT = 0x7d78ac89f93970b311d4552f233e3b04712fce5bcc994e20da1943650a552a00;

    function vault() internal pure returns (VaultLayout storage $) {
        assembly {
            $.slot := VAULT_SLOT
        }
    }

    function substrates() internal pure returns (SubstratesLayout storage $) {
        assembly {
            $.slot := SUBSTRATES_SLOT
        }
    }

    function oracle() internal pure returns (OracleLayout storage $) {
        assembly {
            $.slot := ORACLE_SLOT
        }
    }

    /// @notice Whether `substrate` (an address, pool id, market id... as bytes32) is allowed in `marketId`.
    function isSubstrateAllowed(uint256 marketId, bytes32 substrate) internal view returns (bool) {
        return substrates().allowed[marketId][substrate];
    }

    /// @notice Whether the address `substrate` is allowed in `marketId`.
    function isSubstrateAllowed(uint256 marketId, address substrate) internal view returns (bool) {
        return substrates().allowed[marketId][toSubstrate(substrate)];
    }

    /// @notice The substrate encoding of an address (left-padded).
    function toSubstrate(address account) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }

    /// @notice The vault's price oracle middleware.
    function priceOracle() internal view returns (address) {
        return oracle().priceOracle;
    }
}
