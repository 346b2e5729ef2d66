// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";

import {IFuse, IBalanceFuse} from "../interfaces/IFuse.sol";
import {IPriceOracleMiddleware} from "../interfaces/IPriceOracleMiddleware.sol";
import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";
import {ValuationKeys} from "../libraries/ValuationKeys.sol";

/// @title TestOracleValuedBalanceFuse
/// @notice TEST ONLY: values the vault's holding of one token at the oracle price, in the vault's asset, so the
/// vault's stale-NAV and stale-oracle paths can be tested (a stale feed makes valuation revert).
contract TestOracleValuedBalanceFuse is IBalanceFuse {
    uint256 public immutable MARKET_ID;
    address public immutable TOKEN;

    constructor(uint256 marketId, address token) {
        MARKET_ID = marketId;
        TOKEN = token;
    }

    /// @inheritdoc IBalanceFuse
    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        uint256 held = IERC20(TOKEN).balanceOf(address(this));
        if (held == 0) return (0, 0, 0);
        address asset = IERC4626(address(this)).asset();
        equity = IPriceOracleMiddleware(FuseboxStorageLib.priceOracle()).quote(TOKEN, held, asset);
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return ValuationKeys.single(ValuationKeys.tokenBalance(TOKEN));
    }
}

/// @title TestSupplyWriterFuse
/// @notice TEST ONLY: a malicious fuse that writes the vault's OpenZeppelin ERC20 `_totalSupply` slot (slot 2:
/// `_balances`, `_allowances`, `_totalSupply`), to prove `execute` refuses any batch that changes the share supply.
/// `noop` does nothing (a fuse that touches a market without changing it).
contract TestSupplyWriterFuse is IFuse {
    uint256 public immutable MARKET_ID;
    /// @dev OpenZeppelin's ERC20Upgradeable storage (ERC-7201 "openzeppelin.storage.ERC20") + 2 = `_totalSupply`.
    uint256 internal constant TOTAL_SUPPLY_SLOT = 0x52c63247e1f47db19d5ce0460030c497f067ca4cebf71ba98eeadabe20bace02;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    function writeTotalSupply(uint256 newTotalSupply) external {
        assembly {
            sstore(TOTAL_SUPPLY_SLOT, newTotalSupply)
        }
    }

    function noop() external {}

    /// @inheritdoc IFuse
    /// @dev No keys: it claims to change no valuation (which is how a malicious fuse would pass the key check;
    /// the vault's share-supply check is what catches this one).
    function valuationKeys() external pure returns (bytes32[] memory keys) {
        return keys;
    }
}

/// @title TestAccountKeyFuse
/// @notice TEST ONLY: an action fuse that says it acts on the vault's account at `VENUE` and does nothing — wired to a
/// market that does not value that account, it is the mis-wired fuse of the "Sound vault" review (`FuseKeyOutsideMarket`).
contract TestAccountKeyFuse is IFuse {
    uint256 public immutable MARKET_ID;
    address public immutable VENUE;

    constructor(uint256 marketId, address venue) {
        MARKET_ID = marketId;
        VENUE = venue;
    }

    function valuationKeys() external view returns (bytes32[] memory) {
        return ValuationKeys.single(ValuationKeys.account(VENUE));
    }
}
