// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "../libraries/Math.sol";
import {ExpMath} from "../libraries/ExpMath.sol";

/// @title TestMath
/// @notice Test-only harness exposing the internal Math and ExpMath libraries.
contract TestMath {
    function sqrt(uint256 y) external pure returns (uint256) {
        return Math.sqrt(y);
    }

    function min(uint256 x, uint256 y) external pure returns (uint256) {
        return Math.min(x, y);
    }

    function expWad(int256 x) external pure returns (uint256) {
        return ExpMath.expWad(x);
    }
}
