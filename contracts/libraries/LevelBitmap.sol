// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LevelBitmap
/// @notice Which price levels of one side of an order book are non-empty: a three-level bitmap over 24-bit
///         ticks (a root word, 256 mid words, 65,536 leaf words of 256 ticks each). Finding the next non-empty
///         tick above or below any tick reads at most five words, however far it is; setting or clearing a
///         tick writes one word, and its parents only when a word turns empty or non-empty.
/// @dev The same idea as Uniswap v3's TickBitmap (one bit per tick, 256 ticks a word) with two summary levels
///      on top, so a search never scans empty words: a stub bid 95% below the market is as cheap to reach as
///      the next tick. Tick 0 is never set, so 0 doubles as "none".
library LevelBitmap {
    struct Bitmap {
        uint256 root;
        mapping(uint256 => uint256) mid;
        mapping(uint256 => uint256) leaf;
    }

    /// @dev Ticks are uint24: the top 8 bits pick the mid word, the next 8 the leaf word, the last 8 the bit.
    uint256 internal constant MAX_TICK = type(uint24).max;

    function set(Bitmap storage self, uint256 tick) internal {
        uint256 leafIndex = tick >> 8;
        uint256 word = self.leaf[leafIndex];
        self.leaf[leafIndex] = word | (1 << (tick & 0xff));
        if (word != 0) return;
        uint256 midIndex = tick >> 16;
        uint256 midWord = self.mid[midIndex];
        self.mid[midIndex] = midWord | (1 << (leafIndex & 0xff));
        if (midWord != 0) return;
        self.root |= 1 << midIndex;
    }

    function clear(Bitmap storage self, uint256 tick) internal {
        uint256 leafIndex = tick >> 8;
        uint256 word = self.leaf[leafIndex] & ~(1 << (tick & 0xff));
        self.leaf[leafIndex] = word;
        if (word != 0) return;
        uint256 midIndex = tick >> 16;
        uint256 midWord = self.mid[midIndex] & ~(1 << (leafIndex & 0xff));
        self.mid[midIndex] = midWord;
        if (midWord != 0) return;
        self.root &= ~(1 << midIndex);
    }

    function isSet(Bitmap storage self, uint256 tick) internal view returns (bool) {
        return self.leaf[tick >> 8] & (1 << (tick & 0xff)) != 0;
    }

    /// @notice The highest set tick strictly below `tick` (0 when none); `tick` may be MAX_TICK + 1.
    function nextBelow(Bitmap storage self, uint256 tick) internal view returns (uint256) {
        if (tick == 0) return 0;
        unchecked {
            uint256 x = tick - 1; // the highest candidate
            uint256 leafIndex = x >> 8;
            // Bits 0..(x & 0xff) inclusive; at 255 the shift wraps to 0 and the mask becomes all ones.
            uint256 bits = self.leaf[leafIndex] & ((2 << (x & 0xff)) - 1);
            if (bits != 0) return (leafIndex << 8) | mostSignificantBit(bits);
            uint256 midIndex = leafIndex >> 8;
            bits = self.mid[midIndex] & ((1 << (leafIndex & 0xff)) - 1);
            if (bits == 0) {
                bits = self.root & ((1 << midIndex) - 1);
                if (bits == 0) return 0;
                midIndex = mostSignificantBit(bits);
                bits = self.mid[midIndex];
            }
            leafIndex = (midIndex << 8) | mostSignificantBit(bits);
            return (leafIndex << 8) | mostSignificantBit(self.leaf[leafIndex]);
        }
    }

    /// @notice The lowest set tick strictly above `tick` (0 when none); `tick` may be 0.
    function nextAbove(Bitmap storage self, uint256 tick) internal view returns (uint256) {
        if (tick >= MAX_TICK) return 0;
        unchecked {
            uint256 x = tick + 1; // the lowest candidate
            uint256 leafIndex = x >> 8;
            uint256 bits = self.leaf[leafIndex] & ~((1 << (x & 0xff)) - 1);
            if (bits != 0) return (leafIndex << 8) | leastSignificantBit(bits);
            uint256 midIndex = leafIndex >> 8;
            // Bits above leafIndex's; at 255 the shift wraps to 0, the mask to all ones, its complement to 0.
            bits = self.mid[midIndex] & ~((2 << (leafIndex & 0xff)) - 1);
            if (bits == 0) {
                bits = self.root & ~((2 << midIndex) - 1);
                if (bits == 0) return 0;
                midIndex = leastSignificantBit(bits);
                bits = self.mid[midIndex];
            }
            leafIndex = (midIndex << 8) | leastSignificantBit(bits);
            return (leafIndex << 8) | leastSignificantBit(self.leaf[leafIndex]);
        }
    }

    /// @notice The highest set tick (0 when the bitmap is empty).
    function highest(Bitmap storage self) internal view returns (uint256) {
        return nextBelow(self, MAX_TICK + 1);
    }

    /// @notice The lowest set tick (0 when the bitmap is empty).
    function lowest(Bitmap storage self) internal view returns (uint256) {
        return nextAbove(self, 0);
    }

    /// @dev Index of the highest set bit of x > 0, by binary search.
    function mostSignificantBit(uint256 x) internal pure returns (uint256 r) {
        if (x >= 1 << 128) {
            x >>= 128;
            r += 128;
        }
        if (x >= 1 << 64) {
            x >>= 64;
            r += 64;
        }
        if (x >= 1 << 32) {
            x >>= 32;
            r += 32;
        }
        if (x >= 1 << 16) {
            x >>= 16;
            r += 16;
        }
        if (x >= 1 << 8) {
            x >>= 8;
            r += 8;
        }
        if (x >= 1 << 4) {
            x >>= 4;
            r += 4;
        }
        if (x >= 1 << 2) {
            x >>= 2;
            r += 2;
        }
        if (x >= 1 << 1) r += 1;
    }

    /// @dev Index of the lowest set bit of x > 0: the highest bit of x's lowest set bit alone.
    function leastSignificantBit(uint256 x) internal pure returns (uint256) {
        unchecked {
            return mostSignificantBit(x & (0 - x));
        }
    }
}
