// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "./Math.sol";

/// @title PercentageMath
/// @notice Basis-point arithmetic (10_000 = 100.00%), as Aave's PercentageMath: the unsuffixed forms round
///         half up, `Ceil` rounds up.
library PercentageMath {
    uint256 internal constant PERCENTAGE_FACTOR = 1e4;
    uint256 internal constant HALF_PERCENTAGE_FACTOR = 0.5e4;

    /// @notice value * percentage / 10_000, rounded half up.
    function percentMul(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * percentage + HALF_PERCENTAGE_FACTOR) / PERCENTAGE_FACTOR;
    }

    /// @notice value * percentage / 10_000, rounded up (flash-loan premiums).
    function percentMulCeil(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return Math.mulDivCeil(value, percentage, PERCENTAGE_FACTOR);
    }

    /// @notice value * 10_000 / percentage, rounded half up.
    function percentDiv(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * PERCENTAGE_FACTOR + percentage / 2) / percentage;
    }

    /// @notice value * 10_000 / percentage, rounded up (debt a capped liquidation must repay).
    function percentDivCeil(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return Math.mulDivCeil(value, PERCENTAGE_FACTOR, percentage);
    }
}
