// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {IInstantWithdrawFuse} from "../interfaces/IFuse.sol";
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
    function run(address fuse, bytes memory data) public returns (bytes memory) {
        return Address.functionDelegateCall(fuse, data);
    }

    /// @notice In one transaction, as the vault will: ask `fuse` what it can release (`instantWithdrawable`, in a
    /// static call), then `instantWithdraw(assets)`, and return both the promise and what arrived in idle.
    function measureInstantWithdraw(address fuse, uint256 assets) external returns (uint256 promised, uint256 brought) {
        promised = abi.decode(this.probe(fuse, abi.encodeCall(IInstantWithdrawFuse.instantWithdrawable, ())), (uint256));
        uint256 before = IERC20(asset).balanceOf(address(this));
        run(fuse, abi.encodeCall(IInstantWithdrawFuse.instantWithdraw, (assets)));
        brought = IERC20(asset).balanceOf(address(this)) - before;
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
