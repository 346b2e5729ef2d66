// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpBalanceFuseBase} from "./PerpBalanceFuseBase.sol";
import {PerpV2Adapter} from "./PerpV2Adapter.sol";

/// @title PerpV2BalanceFuse
/// @notice PerpBalanceFuseBase on Perpetual Protocol v2: equity = Perp `Vault.getAccountValue` (collateral +
/// realised and unrealised PnL + pending funding, floored at zero), gross notional =
/// `AccountBalance.getTotalAbsPositionValue`, both in the settlement token (USDC, 6 decimals). Reverts when the
/// index feed of a held market has timed out.
contract PerpV2BalanceFuse is PerpBalanceFuseBase, PerpV2Adapter {
    constructor(uint256 marketId, address clearingHouse) PerpBalanceFuseBase(marketId) PerpV2Adapter(clearingHouse) {}
}
