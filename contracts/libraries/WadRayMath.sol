// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "./Math.sol";

/// @title WadRayMath
/// @notice Fixed-point products and quotients in WAD (1e18) and RAY (1e27), with the rounding in the name:
///         `Floor`/`Ceil` round towards zero/infinity; the unsuffixed `rayMul`, `rayDiv` and `wadDiv` round
///         half up, as Aave's WadRayMath does where Aave uses it (index growth, rate model, health factor).
/// @dev Checked arithmetic: an overflowing product reverts (Aave reverts with empty data, we with a panic).
library WadRayMath {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant HALF_WAD = 0.5e18;
    uint256 internal constant RAY = 1e27;
    uint256 internal constant HALF_RAY = 0.5e27;

    /// @notice a * b / RAY, rounded half up.
    function rayMul(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b + HALF_RAY) / RAY;
    }

    /// @notice a * b / RAY, rounded down.
    function rayMulFloor(uint256 a, uint256 b) internal pure returns (uint256) {
        return a * b / RAY;
    }

    /// @notice a * b / RAY, rounded up.
    function rayMulCeil(uint256 a, uint256 b) internal pure returns (uint256) {
        return Math.mulDivCeil(a, b, RAY);
    }

    /// @notice a * RAY / b, rounded half up.
    function rayDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * RAY + b / 2) / b;
    }

    /// @notice a * RAY / b, rounded down.
    function rayDivFloor(uint256 a, uint256 b) internal pure returns (uint256) {
        return a * RAY / b;
    }

    /// @notice a * RAY / b, rounded up.
    function rayDivCeil(uint256 a, uint256 b) internal pure returns (uint256) {
        return Math.mulDivCeil(a, RAY, b);
    }

    /// @notice a * WAD / b, rounded half up (the health factor's quotient).
    function wadDiv(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * WAD + b / 2) / b;
    }
}
