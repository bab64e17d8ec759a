// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "../libraries/Math.sol";

/// @title TestMath
/// @notice Test-only harness exposing the internal Math library.
contract TestMath {
    function sqrt(uint256 y) external pure returns (uint256) {
        return Math.sqrt(y);
    }

    function min(uint256 x, uint256 y) external pure returns (uint256) {
        return Math.min(x, y);
    }
}
