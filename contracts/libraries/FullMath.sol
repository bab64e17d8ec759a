// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FullMath
/// @notice a * b / denominator with a 512-bit intermediate product, rounding down, for when a * b can exceed
///         2**256 (TWAP averages are UQ112x112 numbers scaled by token decimals and prices).
library FullMath {
    /// @notice The result does not fit in 256 bits, or the denominator is zero.
    error MulDivOverflow();

    function mulDivDown(uint256 a, uint256 b, uint256 denominator) internal pure returns (uint256 result) {
        unchecked {
            // Wrapping is the method: lo, hi and the inverse below are arithmetic modulo 2**256 on purpose, and
            // the two reverts rule out the only results that would not fit.
            // The 512-bit product as hi * 2**256 + lo (the mulmod with -1 recovers the high word).
            uint256 lo = a * b;
            uint256 mm = mulmod(a, b, type(uint256).max);
            uint256 hi = mm - lo - (mm < lo ? 1 : 0);
            if (hi == 0) {
                if (denominator == 0) revert MulDivOverflow();
                return lo / denominator;
            }
            if (denominator <= hi) revert MulDivOverflow();

            // Subtract the remainder so the division below is exact.
            uint256 remainder = mulmod(a, b, denominator);
            hi -= remainder > lo ? 1 : 0;
            lo -= remainder;

            // Factor the largest power of two out of the denominator and shift it out of the product.
            uint256 twos = denominator & (0 - denominator);
            denominator /= twos;
            lo /= twos;
            // Bring hi's bits down into lo: 2**256 / twos, computed without overflow.
            lo |= hi * ((0 - twos) / twos + 1);

            // The denominator is now odd, so it has an inverse modulo 2**256: Newton-Raphson doubles the
            // number of correct bits each step, from 4 correct bits (3 * d ^ 2) to 256 after six steps.
            uint256 inverse = (3 * denominator) ^ 2;
            inverse *= 2 - denominator * inverse;
            inverse *= 2 - denominator * inverse;
            inverse *= 2 - denominator * inverse;
            inverse *= 2 - denominator * inverse;
            inverse *= 2 - denominator * inverse;
            inverse *= 2 - denominator * inverse;
            result = lo * inverse;
        }
    }
}
