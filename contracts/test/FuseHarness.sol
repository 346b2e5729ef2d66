// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";

/// @title FuseHarness
/// @notice TEST ONLY: the smallest vault context a fuse runs in — the same ERC-7201 storage (substrates, price
/// oracle, a market's leverage limit, the depositor-allowlist flag) and an `asset()` — with no access control,
/// valuation or guardrails, so a fuse's functions (valuation keys, instantWithdrawable, ...) can be called
/// directly. `run` delegatecalls a fuse and returns its raw return data; `probe` does the same inside a static
/// call, which proves the function writes no state (any SSTORE reverts the probe).
contract FuseHarness {
    /// @notice The "vault's" asset (read by fuses as `IERC4626(address(this)).asset()`).
    address public immutable asset;

    constructor(address asset_, address priceOracle) {
        asset = asset_;
        FuseboxStorageLib.oracle().priceOracle = priceOracle;
    }

    function grantSubstrates(uint256 marketId, bytes32[] calldata substrates) external {
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        for (uint256 i; i < substrates.length; ++i) {
            s.allowed[marketId][substrates[i]] = true;
            s.list[marketId].push(substrates[i]);
        }
    }

    function setMaxLeverage(uint256 marketId, uint96 maxLeverageWad) external {
        FuseboxStorageLib.vault().markets[marketId].maxLeverageWad = maxLeverageWad;
    }

    function setDepositorAllowlistEnabled(bool enabled) external {
        FuseboxStorageLib.vault().depositorAllowlistEnabled = enabled;
    }

    /// @notice Delegatecall `data` on `fuse`; reverts bubble up.
    function run(address fuse, bytes calldata data) public returns (bytes memory) {
        return Address.functionDelegateCall(fuse, data);
    }

    /// @notice `run` inside a static call: reverts if the fuse function writes any state.
    function probe(address fuse, bytes calldata data) external view returns (bytes memory) {
        (bool ok, bytes memory result) = address(this).staticcall(abi.encodeCall(this.run, (fuse, data)));
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
        return abi.decode(result, (bytes));
    }
}
