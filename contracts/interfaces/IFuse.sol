// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice One step of a strategy batch: run `data` (the full calldata of one of the fuse's functions,
/// e.g. `abi.encodeCall(Erc4626SupplyFuse.enter, (...))`) on `fuse` by delegatecall from the vault.
struct FuseAction {
    address fuse;
    bytes data;
}

/// @title IFuse
/// @notice A fuse is a small stateless adapter that the vault runs by delegatecall to act on exactly one
/// market. Positions it opens belong to the vault's address. A fuse keeps no storage of its own: anything it
/// must remember lives in the vault's storage under an ERC-7201 namespace (see FuseboxStorageLib).
/// @dev A fuse MUST validate every address it touches against its market's substrates
/// (`FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, ...)`) before acting.
interface IFuse {
    /// @notice The market this fuse acts on; fixed at deployment.
    function MARKET_ID() external view returns (uint256);

    /// @notice The valuation keys (see `ValuationKeys`) of everything this fuse can change: the venue account,
    /// pool position or token balances it acts on. Every one must be a key of its market's balance fuse, so a
    /// fuse wired to another market's venue is refused when added (its effects would escape its market's
    /// guardrails).
    /// @dev Run by delegatecall from the vault (it may read the market's substrates); must not change state.
    function valuationKeys() external returns (bytes32[] memory keys);
}

/// @title IBalanceFuse
/// @notice Values the vault's whole position in one market, in units of the vault's asset.
/// @dev Run by delegatecall (so `address(this)` is the vault); must not change state except caches under its
/// own ERC-7201 namespace.
interface IBalanceFuse {
    /// @notice The market this balance fuse values.
    function MARKET_ID() external view returns (uint256);

    /// @notice The vault's position in the market.
    /// @return equity Net value in the vault's asset (collateral + PnL + funding - debt) of the WHOLE account
    /// the market values, floored at zero only where the venue's debt has no recourse beyond that account.
    /// @return grossNotional Gross exposure in the vault's asset (|perp notional|, or total supplied for a
    /// credit loop); zero for unlevered markets. The vault's leverage guardrail is grossNotional / equity.
    /// @return debt Debt still open in the account, in the vault's asset (a market with open debt is never removed).
    function marketValuation() external returns (uint256 equity, uint256 grossNotional, uint256 debt);

    /// @notice What this market values, as keys (`ValuationKeys`): a venue account, a pool position, a token
    /// balance, a custody account. The vault refuses a market whose keys overlap another active market's, so
    /// no account is ever valued twice (one account, one valuation).
    /// @dev Run by delegatecall from the vault (it may read the market's substrates); must not change state.
    function valuationKeys() external returns (bytes32[] memory keys);
}

/// @title IInstantWithdrawFuse
/// @notice A fuse that can return assets to the vault's idle balance in the same transaction, so that
/// depositors' redemptions can be served from the market when idle runs short.
interface IInstantWithdrawFuse {
    /// @notice Bring up to `assets` of the vault's asset back to idle. Must not revert for lack of liquidity:
    /// withdraw what is possible (the vault checks what arrived). Must never take the market past its leverage
    /// limit (the vault re-checks and skips the fuse if it did).
    function instantWithdraw(uint256 assets) external;

    /// @notice How much `instantWithdraw` would bring back to idle now, at most: the vault's `maxWithdraw` and
    /// `maxRedeem` promise no more than idle plus these amounts.
    /// @dev Run by delegatecall, inside a static call when the vault answers a view; must not change state.
    function instantWithdrawable() external returns (uint256 assets);
}
