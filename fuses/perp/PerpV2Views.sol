// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Read-only views of Perpetual Protocol v2 (Curie 2.8) that the off-chain alpha reads (book, marks,
/// index, funding). Restated from Perp's 0.7.6 ABIs so the build generates typechain bindings for them; no fuse
/// calls these. Units: 18 decimals unless said otherwise; settlement-token decimals where Perp uses them.
interface IPerpV2ClearingHouseViews {
    function getVault() external view returns (address);
    function getAccountBalance() external view returns (address);
    function getExchange() external view returns (address);
    function getClearingHouseConfig() external view returns (address);
}

interface IPerpV2VaultViews {
    function getSettlementToken() external view returns (address);
    /// @dev Settlement-token decimals: collateral + owed realised PnL + unrealised PnL + pending funding and fees.
    function getAccountValue(address trader) external view returns (int256);
    /// @dev Settlement-token decimals.
    function getFreeCollateral(address trader) external view returns (uint256);
    /// @dev Settlement-token decimals: the trader's settlement-token collateral.
    function getBalance(address trader) external view returns (int256);
}

interface IPerpV2AccountBalanceViews {
    function getTakerPositionSize(address trader, address baseToken) external view returns (int256);
    function getTakerOpenNotional(address trader, address baseToken) external view returns (int256);
    /// @dev Owed realised PnL, unrealised PnL, pending fee (18 decimals).
    function getPnlAndPendingFee(address trader) external view returns (int256, int256, uint256);
    /// @dev The price Perp values positions at (its mark-price config: market TWAP with a premium clamp).
    function getMarkPrice(address baseToken) external view returns (uint256);
}

interface IPerpV2ExchangeViews {
    /// @notice Emitted when a market's funding is settled (any trade in it): the TWAPs the funding accrued on.
    event FundingUpdated(address indexed baseToken, uint256 marketTwap, uint256 indexTwap);

    function getSqrtMarkTwapX96(address baseToken, uint32 twapInterval) external view returns (uint160);
    /// @dev The pool's (market) TWAP that funding accrues on, against the index TWAP.
    function getSqrtMarketTwapX96(address baseToken, uint32 twapInterval) external view returns (uint160);
    function getPendingFundingPayment(address trader, address baseToken) external view returns (int256);
}

interface IPerpV2ConfigViews {
    /// @dev 1e6 = 100 %.
    function getImRatio() external view returns (uint24);
    function getMmRatio() external view returns (uint24);
    function getTwapInterval() external view returns (uint32);
    /// @dev 1e6 = 100 % per day: Perp clamps the premium funding accrues on to ± this.
    function getMaxFundingRate() external view returns (uint24);
}

interface IPerpV2BaseTokenViews {
    function getIndexPrice(uint256 interval) external view returns (uint256);
    function getPriceFeed() external view returns (address);
}

interface IPerpV2PriceFeedDispatcherViews {
    function getChainlinkPriceFeedV3() external view returns (address);
}

interface IPerpV2ChainlinkPriceFeedV3Views {
    function isTimedOut() external view returns (bool);
    function getLastValidTimestamp() external view returns (uint256);
    function getTimeout() external view returns (uint256);
}
