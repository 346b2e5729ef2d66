// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IExposureFuse} from "../interfaces/IExposureFuse.sol";
import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";
import {Erc4626BalanceFuse} from "../../fuses/erc4626/Erc4626BalanceFuse.sol";

/// @title TestExposureBalanceFuse
/// @notice TEST / BENCH ONLY: Erc4626BalanceFuse that also reports its market's supplied assets as exposure to
/// the vault's asset, so the bench can measure the net-delta bookkeeping per touched market on plain markets.
contract TestExposureBalanceFuse is Erc4626BalanceFuse, IExposureFuse {
    constructor(uint256 marketId) Erc4626BalanceFuse(marketId) {}

    /// @inheritdoc IExposureFuse
    function exposures() external view returns (address[] memory assets, int256[] memory amounts) {
        bytes32[] storage targets = FuseboxStorageLib.substrates().list[MARKET_ID];
        uint256 supplied;
        for (uint256 i; i < targets.length; ++i) {
            IERC4626 target = IERC4626(address(uint160(uint256(targets[i]))));
            supplied += target.convertToAssets(target.balanceOf(address(this)));
        }
        assets = new address[](1);
        amounts = new int256[](1);
        assets[0] = IERC4626(address(this)).asset();
        amounts[0] = SafeCast.toInt256(supplied);
    }
}
