// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IAggregatorV3} from "../interfaces/IPriceOracleMiddleware.sol";

/// @title TestPriceFeed
/// @notice TEST ONLY: a Chainlink AggregatorV3-compatible feed whose answer and timestamp are set by hand.
/// No real Chainlink aggregator with bytecode ships on npm, so local chains use this one.
contract TestPriceFeed is IAggregatorV3 {
    uint8 public immutable override decimals;
    int256 public answer;
    uint256 public updatedAt;
    uint80 public roundId;

    event AnswerUpdated(int256 answer, uint256 updatedAt, uint80 roundId);

    constructor(uint8 decimals_, int256 answer_) {
        decimals = decimals_;
        _set(answer_, block.timestamp);
    }

    /// @notice Set a new answer stamped with the current block time.
    function setAnswer(int256 answer_) external {
        _set(answer_, block.timestamp);
    }

    /// @notice Set a new answer with an explicit timestamp (to simulate a stale feed).
    function setAnswerAt(int256 answer_, uint256 updatedAt_) external {
        _set(answer_, updatedAt_);
    }

    /// @inheritdoc IAggregatorV3
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (roundId, answer, updatedAt, updatedAt, roundId);
    }

    /// @notice Chainlink v2 compatibility (used by Perp v2's ChainlinkPriceFeedV3 and Aave's oracle).
    function latestAnswer() external view returns (int256) {
        return answer;
    }

    /// @notice Chainlink v2 compatibility.
    function latestTimestamp() external view returns (uint256) {
        return updatedAt;
    }

    /// @notice Chainlink v2 compatibility.
    function latestRound() external view returns (uint256) {
        return roundId;
    }

    /// @notice Chainlink v2 compatibility: the feed keeps only the latest round.
    function getRoundData(uint80 id) external view returns (uint80, int256, uint256, uint256, uint80) {
        return (id, answer, updatedAt, updatedAt, id);
    }

    function _set(int256 answer_, uint256 updatedAt_) private {
        answer = answer_;
        updatedAt = updatedAt_;
        roundId += 1;
        emit AnswerUpdated(answer_, updatedAt_, roundId);
    }
}
