// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LevelBitmap} from "../libraries/LevelBitmap.sol";

/// @title TestLevelBitmap
/// @notice Test helper: sets and clears ticks, then answers searches, all in one call (run it as eth_call).
contract TestLevelBitmap {
    using LevelBitmap for LevelBitmap.Bitmap;

    LevelBitmap.Bitmap internal _bitmap;

    function run(uint24[] calldata setTicks, uint24[] calldata clearTicks, uint256[] calldata queries)
        external
        returns (uint256[] memory below, uint256[] memory above, uint256 highest, uint256 lowest)
    {
        for (uint256 i; i < setTicks.length; ++i) {
            _bitmap.set(setTicks[i]);
        }
        for (uint256 i; i < clearTicks.length; ++i) {
            _bitmap.clear(clearTicks[i]);
        }
        below = new uint256[](queries.length);
        above = new uint256[](queries.length);
        for (uint256 i; i < queries.length; ++i) {
            below[i] = _bitmap.nextBelow(queries[i]);
            above[i] = _bitmap.nextAbove(queries[i]);
        }
        return (below, above, _bitmap.highest(), _bitmap.lowest());
    }
}
