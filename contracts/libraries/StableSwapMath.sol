// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title StableSwapMath
/// @notice Curve StableSwap-NG invariant math on rate-scaled balances (`xp`, every coin at 18 decimals), with
///         NG's integer rounding step for step, so results equal the Vyper pools and sim/mirrors/stableswap.py
///         to the wei. `amp` is A * A_PRECISION throughout, as NG stores it.
/// @dev The invariant: A * n^n * sum(x) + D = A * n^n * D + D^(n+1) / (n^n * prod(x)).
///      Every operation is checked: an overflow or an empty balance reverts, as in Vyper.
library StableSwapMath {
    /// @notice Thrown when a Newton iteration has not settled within MAX_ITERATIONS rounds.
    error NewtonDidNotConverge();

    /// @dev NG stores A times 100, so that a ramp moves A in steps of 0.01 instead of 1.
    uint256 internal constant A_PRECISION = 100;
    /// @dev Fees are fractions of 1e10 (Curve's unit: 4000000 = 0.04%).
    uint256 internal constant FEE_DENOMINATOR = 1e10;
    /// @dev Newton settles in fewer than ten rounds on any live pool; Curve gives up after 255.
    uint256 internal constant MAX_ITERATIONS = 255;

    /// @notice The invariant D of `xp` (0 for an empty pool), by Newton from D = sum(xp) until it moves by <= 1.
    function getD(uint256[] memory xp, uint256 amp) internal pure returns (uint256) {
        uint256 n = xp.length;
        uint256 s;
        for (uint256 k; k < n; ++k) {
            s += xp[k];
        }
        if (s == 0) return 0;

        uint256 d = s;
        uint256 ann = amp * n;
        uint256 nn = n ** n;
        for (uint256 round; round < MAX_ITERATIONS; ++round) {
            // D_P = D^(n+1) / (n^n * prod(x)), accumulated one coin at a time so it never overflows.
            uint256 dP = d;
            for (uint256 k; k < n; ++k) {
                dP = dP * d / xp[k];
            }
            dP /= nn;
            uint256 previous = d;
            d = (ann * s / A_PRECISION + dP * n) * d / ((ann - A_PRECISION) * d / A_PRECISION + (n + 1) * dP);
            if (_settled(d, previous)) return d;
        }
        revert NewtonDidNotConverge();
    }

    /// @notice The balance of coin `j` that keeps D when coin `i`'s balance becomes `x` (all in xp units).
    function getY(uint256 i, uint256 j, uint256 x, uint256[] memory xp, uint256 amp, uint256 d)
        internal
        pure
        returns (uint256)
    {
        uint256[] memory moved = new uint256[](xp.length);
        for (uint256 k; k < xp.length; ++k) {
            moved[k] = xp[k];
        }
        moved[i] = x;
        return getYD(amp, j, moved, d);
    }

    /// @notice The balance of coin `i` that gives invariant `d` with the other balances of `xp` unchanged.
    function getYD(uint256 amp, uint256 i, uint256[] memory xp, uint256 d) internal pure returns (uint256) {
        uint256 n = xp.length;
        uint256 ann = amp * n;
        uint256 c = d;
        uint256 s;
        for (uint256 k; k < n; ++k) {
            if (k == i) continue;
            s += xp[k];
            c = c * d / (xp[k] * n);
        }
        c = c * d * A_PRECISION / (ann * n);
        return _newtonY(s + d * A_PRECISION / ann, c, d);
    }

    /// @notice NG's dynamic fee: `fee` at peg, up to `multiplier / 1e10` times it as coins i and j drift apart:
    ///         `m * fee / ((m - 1e10) * 4 * xpi * xpj / (xpi + xpj)^2 + 1e10)`.
    function dynamicFee(uint256 xpi, uint256 xpj, uint256 fee, uint256 multiplier) internal pure returns (uint256) {
        if (multiplier <= FEE_DENOMINATOR) return fee;
        uint256 xps2 = (xpi + xpj) ** 2;
        return multiplier * fee / ((multiplier - FEE_DENOMINATOR) * 4 * xpi * xpj / xps2 + FEE_DENOMINATOR);
    }

    /// @notice The marginal price of every coin k >= 1 in coin 0 (1e18 = par) at `xp`, whose invariant is `d`.
    function spotPrices(uint256[] memory xp, uint256 amp, uint256 d) internal pure returns (uint256[] memory prices) {
        uint256 n = xp.length;
        uint256 ann = amp * n;
        uint256 dr = d / n ** n;
        for (uint256 k; k < n; ++k) {
            dr = dr * d / xp[k];
        }
        uint256 xp0A = ann * xp[0] / A_PRECISION;
        prices = new uint256[](n - 1);
        for (uint256 k = 1; k < n; ++k) {
            prices[k - 1] = 1e18 * (xp0A + dr * xp[0] / xp[k]) / (xp0A + dr);
        }
    }

    /// @dev Solves y^2 + (b - D) * y = c by Newton from y = D: y <- (y^2 + c) / (2y + b - D).
    function _newtonY(uint256 b, uint256 c, uint256 d) private pure returns (uint256) {
        uint256 y = d;
        for (uint256 round; round < MAX_ITERATIONS; ++round) {
            uint256 previous = y;
            y = (y * y + c) / (2 * y + b - d);
            if (_settled(y, previous)) return y;
        }
        revert NewtonDidNotConverge();
    }

    /// @dev Curve's stopping rule: the iterate moved by at most one wei.
    function _settled(uint256 current, uint256 previous) private pure returns (bool) {
        return current > previous ? current - previous <= 1 : previous - current <= 1;
    }
}
