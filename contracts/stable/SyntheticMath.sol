// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SyntheticMath
/// @notice Unit conversions and funding arithmetic of the synthetic dollar; the rounding direction is in the name.
/// @dev Mirrored to the wei by sim/mirrors/synthetic.py.
library SyntheticMath {
    uint256 internal constant WAD = 1e18;
    /// @dev Oracle prices have 8 decimals and USD amounts 18: one price unit is 1e10 WAD.
    uint256 internal constant PRICE_TO_WAD = 1e10;
    /// @dev Funding rates are annual; a year of 365 days, as perp venues annualise 8-hourly funding.
    uint256 internal constant YEAR = 365 days;

    /// @notice USD (WAD) value of `amount` raw units of a token with `decimals`, at `price` (8 decimals).
    function usdValueDown(uint256 amount, uint256 price, uint8 decimals) internal pure returns (uint256) {
        return amount * price * PRICE_TO_WAD / 10 ** decimals;
    }

    /// @notice Raw units of a token with `decimals` worth at most `usd` (WAD) at `price` (8 decimals).
    function unitsDown(uint256 usd, uint256 price, uint8 decimals) internal pure returns (uint256) {
        return usd * 10 ** decimals / (price * PRICE_TO_WAD);
    }

    /// @notice Funding on `notional` (WAD) over `elapsed` seconds at `annualRate` (WAD), rounded down: income.
    function fundingDown(uint256 notional, uint256 annualRate, uint256 elapsed) internal pure returns (uint256) {
        return notional * annualRate * elapsed / (YEAR * WAD);
    }

    /// @notice Funding on `notional` (WAD) over `elapsed` seconds at `annualRate` (WAD), rounded up: a cost.
    function fundingUp(uint256 notional, uint256 annualRate, uint256 elapsed) internal pure returns (uint256) {
        uint256 numerator = notional * annualRate * elapsed;
        // Cannot underflow: the numerator is non-zero in the branch that subtracts.
        return numerator == 0 ? 0 : (numerator - 1) / (YEAR * WAD) + 1;
    }

    /// @notice `x` as a signed integer; reverts past int256's range instead of wrapping.
    function toInt(uint256 x) internal pure returns (int256) {
        if (x > uint256(type(int256).max)) revert IntOverflow(x);
        return int256(x);
    }

    /// @notice A value does not fit in int256.
    error IntOverflow(uint256 value);
}
