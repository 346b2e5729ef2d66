// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IFuse, IBalanceFuse} from "../interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";
import {FuseErrors} from "../libraries/FuseErrors.sol";
import {ValuationKeys} from "../libraries/ValuationKeys.sol";

/// @title TestLeveragedVenue
/// @notice TEST ONLY: a minimal leveraged venue (margin + a notional the account declares), so the vault's
/// leverage guardrail can be tested before the real perp and credit fuses exist. `applyPnl` lets a test move
/// an account's equity as a price move would.
contract TestLeveragedVenue {
    using SafeERC20 for IERC20;

    IERC20 public immutable asset;
    mapping(address account => uint256) public margin;
    mapping(address account => uint256) public notional;

    constructor(IERC20 asset_) {
        asset = asset_;
    }

    function depositMargin(uint256 amount) external {
        asset.safeTransferFrom(msg.sender, address(this), amount);
        margin[msg.sender] += amount;
    }

    function withdrawMargin(uint256 amount) external {
        margin[msg.sender] -= amount;
        asset.safeTransfer(msg.sender, amount);
    }

    function setNotional(uint256 newNotional) external {
        notional[msg.sender] = newNotional;
    }

    /// @notice Test hook: a price move that changes `account`'s equity by `pnl` (the venue's balance follows).
    function applyPnl(address account, int256 pnl) external {
        if (pnl >= 0) {
            margin[account] += uint256(pnl);
        } else {
            uint256 loss = uint256(-pnl);
            margin[account] = loss > margin[account] ? 0 : margin[account] - loss;
        }
    }
}

/// @notice TEST ONLY: `account(venue)` for each venue substrate of `marketId` (both test fuses' keys).
function venueKeys(uint256 marketId) view returns (bytes32[] memory keys) {
    bytes32[] storage venues = FuseboxStorageLib.substrates().list[marketId];
    keys = new bytes32[](venues.length);
    for (uint256 i; i < venues.length; ++i) {
        keys[i] = ValuationKeys.account(address(uint160(uint256(venues[i]))));
    }
}

/// @title TestLeveragedFuse
/// @notice TEST ONLY: moves margin to an allowed TestLeveragedVenue and sets the declared notional.
contract TestLeveragedFuse is IFuse {
    using SafeERC20 for IERC20;

    uint256 public immutable MARKET_ID;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    function addMargin(address venue, uint256 amount) external {
        _requireAllowed(venue);
        IERC20 asset = TestLeveragedVenue(venue).asset();
        asset.forceApprove(venue, amount);
        TestLeveragedVenue(venue).depositMargin(amount);
    }

    function removeMargin(address venue, uint256 amount) external {
        _requireAllowed(venue);
        TestLeveragedVenue(venue).withdrawMargin(amount);
    }

    function setNotional(address venue, uint256 newNotional) external {
        _requireAllowed(venue);
        TestLeveragedVenue(venue).setNotional(newNotional);
    }

    /// @inheritdoc IFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return venueKeys(MARKET_ID);
    }

    function _requireAllowed(address venue) private view {
        if (!FuseboxStorageLib.isSubstrateAllowed(MARKET_ID, venue)) {
            revert FuseErrors.SubstrateNotAllowed(MARKET_ID, FuseboxStorageLib.toSubstrate(venue));
        }
    }
}

/// @title TestLeveragedBalanceFuse
/// @notice TEST ONLY: equity = margin, gross notional = declared notional, summed over the market's venues.
contract TestLeveragedBalanceFuse is IBalanceFuse {
    uint256 public immutable MARKET_ID;

    constructor(uint256 marketId) {
        MARKET_ID = marketId;
    }

    /// @inheritdoc IBalanceFuse
    function valuationKeys() external view returns (bytes32[] memory keys) {
        return venueKeys(MARKET_ID);
    }

    function marketValuation() external view returns (uint256 equity, uint256 grossNotional, uint256 debt) {
        bytes32[] storage venues = FuseboxStorageLib.substrates().list[MARKET_ID];
        for (uint256 i; i < venues.length; ++i) {
            TestLeveragedVenue venue = TestLeveragedVenue(address(uint160(uint256(venues[i]))));
            equity += venue.margin(address(this));
            grossNotional += venue.notional(address(this));
        }
        return (equity, grossNotional, 0);
    }
}
