// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TestERC20
/// @notice TEST ONLY: a freely mintable ERC-20 with configurable decimals, for local chains and tests.
/// Never deployed by the deployment scripts to a real network.
contract TestERC20 is ERC20 {
    uint8 private immutable _tokenDecimals;

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _tokenDecimals = decimals_;
    }

    function decimals() public view override returns (uint8) {
        return _tokenDecimals;
    }

    /// @notice Mint `amount` to `to`. Returns true (Aave's test receivers decode a bool from `mint`).
    function mint(address to, uint256 amount) external returns (bool) {
        _mint(to, amount);
        return true;
    }

    /// @notice Burn `amount` from `from` (used by simulations to model losses).
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }
}
