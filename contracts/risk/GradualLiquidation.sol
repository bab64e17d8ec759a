// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GradualLiquidation
/// @notice The gradual-liquidation rule (seed proposal: liquidate in batches, one batch per further 5% drop).
///         A step takes `fractionBps` of every position and collateral balance; the next step is due once a
///         price the group is exposed to has moved against it by `triggerBps` since the previous step.
library GradualLiquidation {
    uint256 internal constant BPS = 10_000;

    /// @notice The part of a balance one step sells: its fraction, or all of it when the fraction rounds to
    ///         zero (dust would otherwise never be liquidated).
    function stepAmount(uint256 balance, uint256 fractionBps) internal pure returns (uint256 amount) {
        amount = balance * fractionBps / BPS;
        if (amount == 0) amount = balance;
    }

    /// @notice The part of a signed position one step closes, rounded toward zero; all of it when that is zero.
    function stepSize(int256 size, uint256 fractionBps) internal pure returns (int256 closed) {
        // Cannot overflow: |size| < 2**127 (positions are int128) and fractionBps <= 10_000.
        closed = size * int256(fractionBps) / int256(BPS);
        if (closed == 0) closed = size;
    }

    /// @notice Whether `price` moved against a holder by `triggerBps` or more from `refPrice`: down for
    ///         collateral and longs, up for shorts.
    function movedAgainst(uint256 refPrice, uint256 price, uint256 triggerBps, bool short)
        internal
        pure
        returns (bool)
    {
        if (short) return price * BPS >= refPrice * (BPS + triggerBps);
        return price * BPS <= refPrice * (BPS - triggerBps);
    }
}
