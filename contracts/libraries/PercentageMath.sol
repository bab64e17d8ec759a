// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

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
    function percentMulCeil(uint256 value, uint256 percentage) internal pure returns (uint256 result) {
        uint256 product = value * percentage;
        result = product / PERCENTAGE_FACTOR;
        if (product % PERCENTAGE_FACTOR != 0) result += 1;
    }

    /// @notice value * 10_000 / percentage, rounded half up.
    function percentDiv(uint256 value, uint256 percentage) internal pure returns (uint256) {
        return (value * PERCENTAGE_FACTOR + percentage / 2) / percentage;
    }

    /// @notice value * 10_000 / percentage, rounded up (debt a capped liquidation must repay).
    function percentDivCeil(uint256 value, uint256 percentage) internal pure returns (uint256 result) {
        uint256 scaled = value * PERCENTAGE_FACTOR;
        result = scaled / percentage;
        if (scaled % percentage != 0) result += 1;
    }
}
