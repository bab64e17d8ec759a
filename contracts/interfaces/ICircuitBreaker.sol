// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "./IPriceOracle.sol";

/// @title ICircuitBreaker
/// @notice Pauses trading and liquidations on an asset whose oracle price fell more than `dropBps` below the
///         highest price seen in the last `window` seconds, for `pauseDuration` seconds (seed proposal: 30%
///         in 15 min pauses for 5 min). Prices are recorded on every touch: `checkAndPause` is callable by
///         anyone (a keeper pokes it each block) and the venue calls it on each trade and liquidation.
/// @dev The reference is kept in BUCKETS time buckets of width window / (BUCKETS - 1), each holding the
///      highest price touched in it. The reference is the highest price of the current bucket and the
///      BUCKETS - 1 before it: it always covers the last `window` seconds, and at most window + width.
///      Warning: only touched prices count; a peak nobody touched between two touches is not seen.
///      Warning: a trip re-anchors the reference at the trip price (the buckets restart from it), so that
///      trading resumes after the pause unless the price falls another `dropBps` from there.
interface ICircuitBreaker {
    /// @notice A drop, window or pause parameter is zero or out of range.
    error InvalidParameter();

    /// @notice Emitted when `asset` trips: `price` is at least dropBps below `referencePrice`; trading and
    ///         liquidations on it are paused until `until` (exclusive).
    event CircuitBreakerTripped(address indexed asset, uint256 price, uint256 referencePrice, uint256 until);
    /// @notice Emitted on the first touch of `asset` at or after the end of its pause.
    event CircuitBreakerResumed(address indexed asset, uint256 price, uint256 timestamp);
    /// @notice Emitted when the owner sets the trip threshold, the look-back window and the pause length.
    event ParametersSet(uint16 dropBps, uint32 window, uint32 pauseDuration);

    /// @notice The oracle whose prices are watched (the venue's own).
    function oracle() external view returns (IPriceOracle);
    /// @notice The drop from the reference, in bps, at which an asset trips (3000 = 30%).
    function dropBps() external view returns (uint16);
    /// @notice The look-back window of the reference price, in seconds (900 = 15 min).
    function window() external view returns (uint32);
    /// @notice How long a trip pauses the asset, in seconds (300 = 5 min).
    function pauseDuration() external view returns (uint32);

    /// @notice Records the asset's current oracle price, trips the breaker when the price is down dropBps or
    ///         more from the reference, and says whether the asset is paused now. Anyone may call.
    /// @return paused Whether trading and liquidations on `asset` are paused after this call.
    function checkAndPause(address asset) external returns (bool paused);
    /// @notice Sets the trip threshold (bps, 1..9999), look-back window and pause length (seconds, > 0).
    function setParameters(uint16 dropBps_, uint32 window_, uint32 pauseDuration_) external;

    /// @notice Whether `asset` is inside a pause started by an earlier trip.
    function isPaused(address asset) external view returns (bool);
    /// @notice When the current (or last) pause of `asset` ends; 0 when it never tripped or was resumed.
    function pausedUntil(address asset) external view returns (uint256);
    /// @notice The highest recorded price of `asset` within the look-back window (0 when none).
    function referencePrice(address asset) external view returns (uint256);
    /// @notice Whether a `checkAndPause(asset)` now would report the asset paused (a running pause, or a trip
    ///         at the current price).
    function wouldPause(address asset) external view returns (bool);
}
