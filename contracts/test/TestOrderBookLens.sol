// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {IERC20} from "../interfaces/IERC20.sol";

/// @title TestOrderBookLens
/// @notice Test helper: one call returns every view the order-book tests compare with the mirror after each
///         step (a dozen separate calls would dominate the fuzz suite's time).
contract TestOrderBookLens {
    struct Snapshot {
        uint24 bestBid;
        uint24 bestAsk;
        uint256 midPrice;
        uint24 lastTradeTick;
        uint256 lastTradePrice;
        uint256 feesBase;
        uint256 feesQuote;
        uint32 nextOrderId;
        uint256 balanceBase;
        uint256 balanceQuote;
        IOrderBook.LevelView[] bids;
        IOrderBook.LevelView[] asks;
        uint32[] bestBidQueue;
        uint32[] bestAskQueue;
        IOrderBook.OrderView[] orders;
        uint32[][] ordersOf;
        IOrderBook.Depth depth;
    }

    function snapshot(IOrderBook book, uint32[] calldata orderIds, address[] calldata owners, uint256 depthBps)
        external
        view
        returns (Snapshot memory s)
    {
        (s.bestBid,,) = book.bestBid();
        (s.bestAsk,,) = book.bestAsk();
        s.midPrice = book.midPrice();
        (s.lastTradeTick, s.lastTradePrice,,) = book.lastTrade();
        (s.feesBase, s.feesQuote) = book.accruedFees();
        s.nextOrderId = book.nextOrderId();
        s.balanceBase = IERC20(book.baseToken()).balanceOf(address(book));
        s.balanceQuote = IERC20(book.quoteToken()).balanceOf(address(book));
        s.bids = book.levels(true, type(uint256).max);
        s.asks = book.levels(false, type(uint256).max);
        s.bestBidQueue = book.levelOrders(true, s.bestBid);
        s.bestAskQueue = book.levelOrders(false, s.bestAsk);
        s.orders = book.getOrders(orderIds);
        s.ordersOf = new uint32[][](owners.length);
        for (uint256 i; i < owners.length; ++i) {
            s.ordersOf[i] = book.ordersOf(owners[i]);
        }
        s.depth = book.depthWithin(depthBps);
    }
}
