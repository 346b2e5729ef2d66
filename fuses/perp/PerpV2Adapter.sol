// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PerpVenueAdapter} from "./PerpVenueAdapter.sol";

/// @notice The subset of Perpetual Protocol v2 (Curie) interfaces the fuses use (Perp's contracts are 0.7.6;
/// these are their ABIs restated for 0.8).
interface IPerpClearingHouse {
    struct OpenPositionParams {
        address baseToken;
        bool isBaseToQuote;
        bool isExactInput;
        uint256 amount;
        uint256 oppositeAmountBound;
        uint256 deadline;
        uint160 sqrtPriceLimitX96;
        bytes32 referralCode;
    }

    struct ClosePositionParams {
        address baseToken;
        uint160 sqrtPriceLimitX96;
        uint256 oppositeAmountBound;
        uint256 deadline;
        bytes32 referralCode;
    }

    function openPosition(OpenPositionParams calldata params) external returns (uint256 base, uint256 quote);
    function closePosition(ClosePositionParams calldata params) external returns (uint256 base, uint256 quote);
    function getVault() external view returns (address);
    function getAccountBalance() external view returns (address);
}

interface IPerpVault {
    function deposit(address token, uint256 amount) external;
    function withdraw(address token, uint256 amount) external;
    function getSettlementToken() external view returns (address);
    /// @dev Settlement-token decimals.
    function getAccountValue(address trader) external view returns (int256);
    /// @dev Settlement-token decimals.
    function getFreeCollateral(address trader) external view returns (uint256);
}

interface IPerpAccountBalance {
    function getBaseTokens(address trader) external view returns (address[] memory);
    function getTakerPositionSize(address trader, address baseToken) external view returns (int256);
    /// @dev 18 decimals.
    function getTotalAbsPositionValue(address trader) external view returns (uint256);
}

interface IPerpBaseToken {
    function getPriceFeed() external view returns (address);
}

interface IPerpPriceFeedDispatcher {
    function getChainlinkPriceFeedV3() external view returns (address);
}

interface IPerpChainlinkPriceFeedV3 {
    function isTimedOut() external view returns (bool);
}

/// @title PerpV2Adapter
/// @notice Read side of Perpetual Protocol v2: equity from `Vault.getAccountValue` (collateral + owed realised
/// PnL + unrealised PnL + pending funding and fees, settlement-token decimals), gross notional from
/// `AccountBalance.getTotalAbsPositionValue` (18 decimals, converted rounding up). Perp keeps valuing on the
/// last valid price when its Chainlink feed times out; this adapter refuses instead: valuation reverts when the
/// index feed of any market the vault holds has timed out.
/// @dev Venue contracts are immutables read from the ClearingHouse at deployment.
abstract contract PerpV2Adapter is PerpVenueAdapter {
    /// @notice Perp's ClearingHouse (trades).
    IPerpClearingHouse public immutable CLEARING_HOUSE;
    /// @notice Perp's Vault (margin).
    IPerpVault public immutable PERP_VAULT;
    /// @notice Perp's AccountBalance (positions).
    IPerpAccountBalance public immutable ACCOUNT_BALANCE;
    address internal immutable SETTLEMENT_TOKEN;

    /// @notice The index price feed of `baseToken` has timed out: its value cannot be trusted.
    error PerpV2StaleIndexPrice(address baseToken, address priceFeed);

    constructor(address clearingHouse) {
        CLEARING_HOUSE = IPerpClearingHouse(clearingHouse);
        PERP_VAULT = IPerpVault(IPerpClearingHouse(clearingHouse).getVault());
        ACCOUNT_BALANCE = IPerpAccountBalance(IPerpClearingHouse(clearingHouse).getAccountBalance());
        SETTLEMENT_TOKEN = PERP_VAULT.getSettlementToken();
    }

    /// @dev The vault's Perp v2 account is keyed by the ClearingHouse (one account per trader, all markets).
    function _venue() internal view override returns (address) {
        return address(CLEARING_HOUSE);
    }

    function _settlementToken() internal view override returns (address) {
        return SETTLEMENT_TOKEN;
    }

    function _accountValue() internal view override returns (int256) {
        address[] memory baseTokens = ACCOUNT_BALANCE.getBaseTokens(address(this));
        for (uint256 i; i < baseTokens.length; ++i) {
            address feed = IPerpPriceFeedDispatcher(IPerpBaseToken(baseTokens[i]).getPriceFeed()).getChainlinkPriceFeedV3();
            if (IPerpChainlinkPriceFeedV3(feed).isTimedOut()) revert PerpV2StaleIndexPrice(baseTokens[i], feed);
        }
        return PERP_VAULT.getAccountValue(address(this));
    }

    function _grossNotional() internal view override returns (uint256) {
        // 18 decimals -> settlement decimals (6 for USDC), rounded up: notional never under-reported.
        uint256 scale = 10 ** (18 - _settlementDecimals());
        return (ACCOUNT_BALANCE.getTotalAbsPositionValue(address(this)) + scale - 1) / scale;
    }

    function _settlementDecimals() internal view returns (uint256) {
        return IERC20MetadataLike(SETTLEMENT_TOKEN).decimals();
    }
}

interface IERC20MetadataLike {
    function decimals() external view returns (uint8);
}
