// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @title TestErc4626Target
/// @notice TEST ONLY: a plain OpenZeppelin ERC-4626 vault, the target market of the ERC-4626 supply fuse in
/// tests and the benchmark (and the "bare ERC4626" the benchmark compares the Fusebox vault against).
contract TestErc4626Target is ERC4626 {
    uint8 private immutable _offset;

    constructor(IERC20 asset_, uint8 decimalsOffset_) ERC20("Test 4626", "t4626") ERC4626(asset_) {
        _offset = decimalsOffset_;
    }

    function _decimalsOffset() internal view override returns (uint8) {
        return _offset;
    }
}
