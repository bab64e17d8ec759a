// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICircuitBreaker} from "../interfaces/ICircuitBreaker.sol";
import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {Owned} from "../libraries/Owned.sol";

/// @title CircuitBreaker
/// @notice Per-asset trading pause on a fast oracle-price drop; see ICircuitBreaker for the exact rule.
contract CircuitBreaker is ICircuitBreaker, Owned {
    uint256 internal constant BPS = 10_000;
    /// @dev Four buckets of window/3: the reference spans 15 to 20 minutes at the default 15-minute window,
    ///      for four storage slots per asset.
    uint256 public constant BUCKETS = 4;

    struct Bucket {
        uint64 start; // the bucket's first second
        uint192 maxPrice; // the highest price touched in it
    }

    struct State {
        uint64 pausedUntil;
        Bucket[BUCKETS] buckets;
    }

    IPriceOracle public immutable oracle;
    uint16 public dropBps = 3_000;
    uint32 public window = 15 minutes;
    uint32 public pauseDuration = 5 minutes;

    mapping(address => State) internal _states;

    constructor(address owner_, IPriceOracle oracle_) Owned(owner_) {
        oracle = oracle_;
        emit ParametersSet(dropBps, window, pauseDuration);
    }

    /// @inheritdoc ICircuitBreaker
    function setParameters(uint16 dropBps_, uint32 window_, uint32 pauseDuration_) external onlyOwner {
        if (dropBps_ == 0 || dropBps_ >= BPS || window_ < BUCKETS - 1 || pauseDuration_ == 0) {
            revert InvalidParameter();
        }
        dropBps = dropBps_;
        window = window_;
        pauseDuration = pauseDuration_;
        emit ParametersSet(dropBps_, window_, pauseDuration_);
    }

    /// @inheritdoc ICircuitBreaker
    function checkAndPause(address asset) external returns (bool paused) {
        uint256 price = oracle.getAssetPrice(asset);
        State storage s = _states[asset];
        uint256 until = s.pausedUntil;
        if (until != 0 && block.timestamp >= until) {
            s.pausedUntil = 0;
            until = 0;
            emit CircuitBreakerResumed(asset, price, block.timestamp);
        }
        if (until != 0) {
            _record(s, price);
            return true;
        }
        uint256 reference_ = _reference(s);
        if (_trips(price, reference_)) {
            until = block.timestamp + pauseDuration;
            s.pausedUntil = uint64(until);
            // Re-anchor: after the pause, only a further drop from here trips again.
            delete s.buckets;
            _record(s, price);
            emit CircuitBreakerTripped(asset, price, reference_, until);
            return true;
        }
        _record(s, price);
        return false;
    }

    /// @inheritdoc ICircuitBreaker
    function isPaused(address asset) external view returns (bool) {
        return block.timestamp < _states[asset].pausedUntil;
    }

    /// @inheritdoc ICircuitBreaker
    function pausedUntil(address asset) external view returns (uint256) {
        return _states[asset].pausedUntil;
    }

    /// @inheritdoc ICircuitBreaker
    function referencePrice(address asset) external view returns (uint256) {
        return _reference(_states[asset]);
    }

    /// @inheritdoc ICircuitBreaker
    function wouldPause(address asset) external view returns (bool) {
        State storage s = _states[asset];
        if (block.timestamp < s.pausedUntil) return true;
        return _trips(oracle.getAssetPrice(asset), _reference(s));
    }

    /// @notice The stored buckets of `asset` (start second and highest price), for analysts and tests.
    function getBuckets(address asset) external view returns (Bucket[BUCKETS] memory) {
        return _states[asset].buckets;
    }

    function _trips(uint256 price, uint256 reference_) internal view returns (bool) {
        return reference_ != 0 && price * BPS <= reference_ * (BPS - dropBps);
    }

    function _width() internal view returns (uint256) {
        return window / (BUCKETS - 1);
    }

    function _record(State storage s, uint256 price) internal {
        uint256 width = _width();
        uint256 start = block.timestamp - block.timestamp % width;
        Bucket storage b = s.buckets[(block.timestamp / width) % BUCKETS];
        if (b.start != start) {
            b.start = uint64(start);
            b.maxPrice = uint192(price);
        } else if (price > b.maxPrice) {
            b.maxPrice = uint192(price);
        }
    }

    function _reference(State storage s) internal view returns (uint256 highest) {
        uint256 width = _width();
        uint256 span = (BUCKETS - 1) * width + block.timestamp % width;
        // Buckets that started at or after `oldest` lie in the last `window` seconds or the bucket before.
        uint256 oldest = block.timestamp > span ? block.timestamp - span : 0;
        for (uint256 i; i < BUCKETS; ++i) {
            Bucket storage b = s.buckets[i];
            if (b.start >= oldest && b.maxPrice > highest) highest = b.maxPrice;
        }
    }
}
