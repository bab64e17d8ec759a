// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Math
/// @notice Integer helpers: minimum, a product divided and rounded up, floor square root.
library Math {
    /// @notice The smaller of `x` and `y`.
    function min(uint256 x, uint256 y) internal pure returns (uint256) {
        return x < y ? x : y;
    }

    /// @notice a * b / c, rounded up (checked: an overflowing product reverts). The one ceiling division behind
    ///         the `Ceil` forms of WadRayMath and PercentageMath and the lending pool's debt valuation.
    function mulDivCeil(uint256 a, uint256 b, uint256 c) internal pure returns (uint256 d) {
        uint256 product = a * b;
        d = product / c;
        if (product % c != 0) d += 1;
    }

    /// @notice floor(sqrt(y)), the same value as Uniswap v2's Babylonian `Math.sqrt`.
    /// @dev Newton's iteration started at the power of two just above the root, so it takes a handful of
    ///      rounds where v2's start at y/2 takes ~log2(y)/2. From any start >= floor(sqrt(y)) the integer
    ///      iterates decrease strictly until they reach floor(sqrt(y)), and the next one is not smaller:
    ///      that is where the loop stops.
    function sqrt(uint256 y) internal pure returns (uint256 z) {
        if (y < 4) return y == 0 ? 0 : 1;
        // r = 2**floor(log2(y) / 2) <= sqrt(y) < 2r, found by halving the exponent range.
        uint256 v = y;
        uint256 r = 1;
        if (v >= 1 << 128) (v, r) = (v >> 128, r << 64);
        if (v >= 1 << 64) (v, r) = (v >> 64, r << 32);
        if (v >= 1 << 32) (v, r) = (v >> 32, r << 16);
        if (v >= 1 << 16) (v, r) = (v >> 16, r << 8);
        if (v >= 1 << 8) (v, r) = (v >> 8, r << 4);
        if (v >= 1 << 4) (v, r) = (v >> 4, r << 2);
        if (v >= 1 << 2) r <<= 1;
        z = r << 1;
        uint256 x = (y / z + z) >> 1;
        while (x < z) {
            z = x;
            x = (y / x + x) >> 1;
        }
    }
}
