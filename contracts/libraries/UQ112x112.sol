// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title UQ112x112
/// @notice Unsigned fixed point with 112 integer and 112 fractional bits, for the pair's price accumulators.
/// @dev Range [0, 2**112 - 1], resolution 1 / 2**112: a uint112 reserve ratio always fits.
library UQ112x112 {
    /// @notice 1.0 in UQ112x112.
    uint224 internal constant Q112 = 2 ** 112;

    /// @notice `y` as a UQ112x112.
    function encode(uint112 y) internal pure returns (uint224 z) {
        unchecked {
            // Cannot overflow: y < 2**112, so y * 2**112 < 2**224.
            z = uint224(y) * Q112;
        }
    }

    /// @notice The UQ112x112 `x` divided by the integer `y`, rounded down.
    /// @dev Reverts on y == 0 (division by zero); the pair never calls it with an empty reserve.
    function uqdiv(uint224 x, uint112 y) internal pure returns (uint224 z) {
        z = x / uint224(y);
    }
}
