// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ExpMath
/// @notice e^x in WAD, bit for bit the `exp` Curve's StableSwap-NG pools use for their EMA oracles (snekmate's
///         wad_exp, after Remco Bloemen's method): range reduction by powers of two, then a (6, 7)-term rational
///         approximation in a 2^96 base. Rounds down; about 1e-18 relative error.
library ExpMath {
    /// @notice Below this the result is under 0.5 wei and the function returns 0 (x ~ -41.4e18 = ln(0.5e-18)).
    int256 internal constant MIN_EXPONENT = -41_446_531_673_892_822_313;
    /// @notice From here the result no longer fits a signed 256-bit integer (x ~ 135.3e18).
    int256 internal constant MAX_EXPONENT = 135_305_999_368_893_231_589;

    /// @notice The input is MAX_EXPONENT or more.
    error ExpOverflow(int256 x);

    /// @notice e^(x / 1e18) * 1e18, rounded down.
    function expWad(int256 x) internal pure returns (uint256) {
        if (x <= MIN_EXPONENT) return 0;
        if (x >= MAX_EXPONENT) revert ExpOverflow(x);
        // Every step below stays far inside int256 for x in the accepted range (the bounds above are chosen so).
        unchecked {
            // To a 2^96 base: x * 2^96 / 1e18 = x * 2^78 / 5^18.
            int256 v = (x << 78) / 5 ** 18;
            // v = v' + k * ln2 with |v'| <= ln2 / 2, so e^v = e^v' * 2^k.
            int256 k = ((v << 96) / 54_916_777_467_707_473_351_141_471_128 + 2 ** 95) >> 96;
            v = v - k * 54_916_777_467_707_473_351_141_471_128;
            // Rational approximation p / q of e^v'; p is monic, its scale goes in the final constant.
            int256 y = (((v + 1_346_386_616_545_796_478_920_950_773_328) * v) >> 96)
                + 57_155_421_227_552_351_082_224_309_758_442;
            int256 p = ((((y + v - 94_201_549_194_550_492_254_356_042_504_812) * y) >> 96)
                    + 28_719_021_644_029_726_153_956_944_680_412_240) * v
                + (4_385_272_521_454_847_904_659_076_985_693_276 << 96);
            int256 q = (((v - 2_855_989_394_907_223_263_936_484_059_900) * v) >> 96)
                + 50_020_603_652_535_783_019_961_831_881_945;
            q = ((q * v) >> 96) - 533_845_033_583_426_703_283_633_433_725_380;
            q = ((q * v) >> 96) + 3_604_857_256_930_695_427_073_651_918_091_429;
            q = ((q * v) >> 96) - 14_423_608_567_350_463_180_887_372_962_807_573;
            q = ((q * v) >> 96) + 26_449_188_498_355_588_339_934_803_723_976_023;
            // q has no real root, so it never vanishes; r is in (0.09, 0.25) * 2^96.
            int256 r = p / q;
            // Times the scale of p, 2^k and 1e18 / 2^96, in one multiplication and a shift (k <= 195).
            return (uint256(r) * 3_822_833_074_963_236_453_042_738_258_902_158_003_155_416_615_667)
                >> uint256(195 - k);
        }
    }
}
