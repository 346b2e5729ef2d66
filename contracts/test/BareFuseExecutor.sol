// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {FuseAction} from "../interfaces/IFuse.sol";
import {FuseboxStorageLib} from "../libraries/FuseboxStorageLib.sol";

/// @title BareFuseExecutor
/// @notice TEST / BENCHMARK ONLY: runs fuse actions by delegatecall exactly as the vault does, with the same
/// substrate storage, but without access control, valuation or guardrails. The gas benchmark subtracts its cost
/// from the vault's `execute` to isolate what valuation and guardrails cost per touched market.
contract BareFuseExecutor {
    function grantSubstrates(uint256 marketId, bytes32[] calldata substrates) external {
        FuseboxStorageLib.SubstratesLayout storage s = FuseboxStorageLib.substrates();
        for (uint256 i; i < substrates.length; ++i) {
            s.allowed[marketId][substrates[i]] = true;
            s.list[marketId].push(substrates[i]);
        }
    }

    function execute(FuseAction[] calldata actions) external {
        for (uint256 i; i < actions.length; ++i) {
            Address.functionDelegateCall(actions[i].fuse, actions[i].data);
        }
    }
}
