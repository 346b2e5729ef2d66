// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ErrorsLib} from "./libraries/ErrorsLib.sol";

/// @title FuseboxModuleLink
/// @notice One link of the vault's module chain: selectors a module does not know are passed on, by delegatecall
/// and still in the vault's storage, to `NEXT_MODULE`; the last module (0) reverts `UnknownFunction`. Lets the
/// vault's features grow past one contract's size limit without touching the core.
abstract contract FuseboxModuleLink {
    /// @notice The next module in the vault's chain (0 = none).
    address public immutable NEXT_MODULE;

    /// @param nextModule The next module in the chain (0 = none).
    constructor(address nextModule) {
        NEXT_MODULE = nextModule;
    }

    /// @notice Unknown selectors go on to the next module; with none, the call reverts `UnknownFunction`.
    fallback() external {
        address next = NEXT_MODULE;
        if (next == address(0)) revert ErrorsLib.UnknownFunction(msg.sig);
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), next, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
