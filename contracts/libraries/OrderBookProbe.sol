// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOrderBook} from "../interfaces/IOrderBook.sol";

/// @title OrderBookProbe
/// @notice Tells an order book from a v2 pair (or anything else) by asking for its base token with a low-level
///         call: a pair has no baseToken() and reverts, an address without code answers nothing, so neither is
///         mistaken for a book. The venue and the oracle both take a book or a pair where a market is named.
library OrderBookProbe {
    /// @return base The book's base token, or zero when `pool` does not answer baseToken() with a word.
    function baseOf(address pool) internal view returns (address base) {
        (bool ok, bytes memory data) = pool.staticcall(abi.encodeCall(IOrderBook.baseToken, ()));
        if (ok && data.length >= 32) base = abi.decode(data, (address));
    }
}
