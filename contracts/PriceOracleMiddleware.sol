// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {AccessManaged} from "@openzeppelin/contracts/access/manager/AccessManaged.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPriceOracleMiddleware, IAggregatorV3} from "./interfaces/IPriceOracleMiddleware.sol";
import {ErrorsLib} from "./libraries/ErrorsLib.sol";

/// @title PriceOracleMiddleware
/// @notice Maps each asset to a Chainlink-style USD feed with its own maximum staleness, and normalises
/// every price to 18 decimals. Balance fuses value positions through it; a stale, non-positive or missing
/// price reverts, so no deposit, redemption or guardrail check is ever priced on a bad price.
contract PriceOracleMiddleware is IPriceOracleMiddleware, AccessManaged {
    struct Feed {
        IAggregatorV3 aggregator;
        uint32 maxStaleness; // seconds
        uint8 feedDecimals;
        uint8 assetDecimals;
    }

    mapping(address asset => Feed) private _feeds;

    event FeedSet(address indexed asset, address indexed aggregator, uint256 maxStaleness);

    /// @param authority_ AccessManager gating `setFeed` (the atomist's role; a new feed raises risk).
    constructor(address authority_) AccessManaged(authority_) {}

    /// @notice Price `asset` with `aggregator` (USD quote), refusing answers older than `maxStaleness` seconds.
    function setFeed(address asset, address aggregator, uint32 maxStaleness) external restricted {
        if (asset == address(0) || aggregator == address(0)) revert ErrorsLib.ZeroAddress();
        if (maxStaleness == 0) revert ErrorsLib.InvalidMaxStaleness();
        _feeds[asset] = Feed({
            aggregator: IAggregatorV3(aggregator),
            maxStaleness: maxStaleness,
            feedDecimals: IAggregatorV3(aggregator).decimals(),
            assetDecimals: IERC20Metadata(asset).decimals()
        });
        emit FeedSet(asset, aggregator, maxStaleness);
    }

    /// @notice The feed configuration of `asset`.
    function getFeed(address asset) external view returns (Feed memory) {
        return _feeds[asset];
    }

    /// @inheritdoc IPriceOracleMiddleware
    function getAssetPriceWad(address asset) public view returns (uint256 priceWad) {
        (priceWad,) = _priceWad(asset);
    }

    /// @inheritdoc IPriceOracleMiddleware
    function quote(address assetIn, uint256 amountIn, address assetOut) external view returns (uint256 amountOut) {
        if (assetIn == assetOut) return amountIn;
        (uint256 priceIn, uint8 decimalsIn) = _priceWad(assetIn);
        (uint256 priceOut, uint8 decimalsOut) = _priceWad(assetOut);
        // amountOut = amountIn * priceIn / priceOut, rescaled from decimalsIn to decimalsOut; one rounding.
        if (decimalsOut >= decimalsIn) {
            return Math.mulDiv(amountIn * 10 ** (decimalsOut - decimalsIn), priceIn, priceOut);
        }
        return Math.mulDiv(amountIn, priceIn, priceOut * 10 ** (decimalsIn - decimalsOut));
    }

    function _priceWad(address asset) private view returns (uint256 priceWad, uint8 assetDecimals) {
        Feed memory feed = _feeds[asset];
        if (address(feed.aggregator) == address(0)) revert ErrorsLib.PriceFeedNotSet(asset);
        (, int256 answer,, uint256 updatedAt,) = feed.aggregator.latestRoundData();
        if (answer <= 0) revert ErrorsLib.NonPositivePrice(asset, answer);
        // A timestamp in the future is as untrustworthy as an old one (and must not overflow the sum below).
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > feed.maxStaleness) {
            revert ErrorsLib.StalePrice(asset, updatedAt, feed.maxStaleness);
        }
        uint256 price = uint256(answer);
        priceWad = feed.feedDecimals <= 18 ? price * 10 ** (18 - feed.feedDecimals) : price / 10 ** (feed.feedDecimals - 18);
        assetDecimals = feed.assetDecimals;
    }
}
