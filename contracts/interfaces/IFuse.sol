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
}

/// @title IBalanceFuse
/// @notice Values the vault's whole position in one market, in units of the vault's asset.
/// @dev Run by delegatecall (so `address(this)` is the vault); must not change state.
interface IBalanceFuse {
    /// @notice The market this balance fuse values.
    function MARKET_ID() external view returns (uint256);

    /// @notice The vault's position in the market.
    /// @return equity Net value in the vault's asset (collateral + PnL + funding - debt), floored at zero.
    /// @return grossNotional Gross exposure in the vault's asset (|perp notional|, or total supplied for a
    /// credit loop); zero for unlevered markets. The vault's leverage guardrail is grossNotional / equity.
    function marketValuation() external returns (uint256 equity, uint256 grossNotional);
}

/// @title IInstantWithdrawFuse
/// @notice A fuse that can return assets to the vault's idle balance in the same transaction, so that
/// depositors' redemptions can be served from the market when idle runs short.
interface IInstantWithdrawFuse {
    /// @notice Bring up to `assets` of the vault's asset back to idle. Must not revert for lack of liquidity:
    /// withdraw what is possible (the vault checks what arrived).
    function instantWithdraw(uint256 assets) external;
}
