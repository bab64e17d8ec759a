// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FullMath} from "./FullMath.sol";

/// @title OrderBookMath
/// @notice Conversions between base and quote amounts at a WAD price, and fees in pips, with the rounding
///         direction in every name: the order book collects amounts rounded up and pays amounts rounded down.
/// @dev `divisor` is 10**(18 + baseDecimals - quoteDecimals): base units times a WAD quote-per-base price over
///      it gives quote units. Products go through FullMath, so no input combination overflows silently.
library OrderBookMath {
    /// @dev Fees are in pips: 1e-6 of the amount, fine enough for the 0.1-2 bps tiers of real venues.
    uint256 internal constant FEE_DENOMINATOR = 1_000_000;

    /// @notice base * price / divisor rounded down: what the book pays for `base`.
    function quoteDown(uint256 base, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return FullMath.mulDivDown(base, price, divisor);
    }

    /// @notice base * price / divisor rounded up: what the book collects for `base` (escrow, a taker's payment).
    function quoteUp(uint256 base, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return mulDivUp(base, price, divisor);
    }

    /// @notice The most base that `quote` pays for at `price` once rounded up: quote * divisor / price, down.
    function baseDown(uint256 quote, uint256 price, uint256 divisor) internal pure returns (uint256) {
        return FullMath.mulDivDown(quote, divisor, price);
    }

    /// @notice amount * pips / 1e6 rounded up: a fee never rounds to the payer's advantage.
    function feeUp(uint256 amount, uint256 pips) internal pure returns (uint256) {
        return mulDivUp(amount, pips, FEE_DENOMINATOR);
    }

    function mulDivUp(uint256 a, uint256 b, uint256 denominator) internal pure returns (uint256 result) {
        result = FullMath.mulDivDown(a, b, denominator);
        if (mulmod(a, b, denominator) != 0) result += 1;
    }
}
