// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {WadRayMath} from "./WadRayMath.sol";

/// @title MathUtils
/// @notice Interest accrual factors in RAY: linear for the supply side, as Aave's MathUtils; for the borrow side a
///         three-term Taylor expansion of e^x, where Aave v3.0-v3.3 expand per-second compounding binomially
///         (the difference is asserted against Aave's bytecode in tests/contracts/real_aave).
library MathUtils {
    using WadRayMath for uint256;

    /// @dev Aave ignores leap years: rates are per 365-day year.
    uint256 internal constant SECONDS_PER_YEAR = 365 days;

    /// @notice 1 + rate * dt / year, in RAY (the supply side accrues simple interest between updates).
    function calculateLinearInterest(uint256 rate, uint256 lastUpdateTimestamp) internal view returns (uint256) {
        return WadRayMath.RAY + rate * (block.timestamp - lastUpdateTimestamp) / SECONDS_PER_YEAR;
    }

    /// @notice 1 + x + x^2/2 + x^3/6 with x = rate * dt / year, in RAY: e^x to three terms, which slightly
    ///         undercharges borrowers against exact per-second compounding in exchange for cheap gas.
    function calculateCompoundedInterest(uint256 rate, uint256 lastUpdateTimestamp, uint256 currentTimestamp)
        internal
        pure
        returns (uint256)
    {
        uint256 exp = currentTimestamp - lastUpdateTimestamp;
        if (exp == 0) return WadRayMath.RAY;
        uint256 x = rate * exp / SECONDS_PER_YEAR;
        return WadRayMath.RAY + x + x.rayMul(x / 2 + x.rayMul(x / 6));
    }
}
