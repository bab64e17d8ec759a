// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOrderBook} from "../interfaces/IOrderBook.sol";
import {Owned} from "../libraries/Owned.sol";
import {LevelBitmap} from "../libraries/LevelBitmap.sol";
import {IERC20} from "../interfaces/IERC20.sol";
import {OrderBookMath} from "../libraries/OrderBookMath.sol";
import {SafeTransferLib} from "../libraries/SafeTransferLib.sol";

/// @title OrderBook
/// @notice A central limit order book for one base/quote pair (see IOrderBook and docs/orderbook.md).
/// @dev Storage: an order is two slots (owner, tick, side and its level-queue links; remaining, claimable and
///      its owner-list links); a level is one slot (FIFO head and tail, order count, base volume); each side
///      has a three-level bitmap of non-empty ticks; the best ticks, the id counter, the last trade and the fees
///      share one hot slot that every call reads once and writes once. Every state-changing call runs
///      validate -> compute -> write -> emit -> transfer, behind a transient reentrancy lock.
contract OrderBook is IOrderBook, Owned {
    using LevelBitmap for LevelBitmap.Bitmap;

    uint256 public constant MAX_TICK = LevelBitmap.MAX_TICK;
    /// @dev 10% caps a fee set by mistake; real venues charge 0-0.1%.
    uint256 public constant MAX_FEE_PIPS = 100_000;
    uint256 internal constant BPS = 10_000;

    struct Order {
        address owner;
        uint24 tick;
        bool isBid;
        // Level queue. `prev` is meaningful only while the order is not its level's head: a fill pops the
        // head without touching the next order, and removal checks the level's head first.
        uint32 prev;
        uint32 next;
        uint96 remaining;
        uint96 claimable;
        uint32 ownerPrev;
        uint32 ownerNext;
    }

    struct Level {
        uint32 head;
        uint32 tail;
        uint32 count;
        uint160 volume;
    }

    struct Side {
        LevelBitmap.Bitmap bitmap;
        mapping(uint256 => Level) levels;
    }

    /// @dev Read once and written once per call; ticks are 0 when the side is empty / before any trade.
    struct Top {
        uint24 bestBid;
        uint24 bestAsk;
        uint32 nextOrderId;
        uint24 lastTradeTick;
        uint40 lastTradeTime;
        uint24 makerFeePips;
        uint24 takerFeePips;
        uint64 lastTradeBlock;
    }

    struct OwnerOrders {
        uint32 head;
        uint32 count;
    }

    struct AccruedFees {
        uint128 base;
        uint128 quote;
    }

    /// @dev What the caller owes the book and is owed, netted into one transfer per token at the end.
    struct Settlement {
        uint256 baseIn;
        uint256 quoteIn;
        uint256 baseOut;
        uint256 quoteOut;
    }

    /// @dev A market order in progress: what is left to fill (base, or quote for spendQuote) and its bounds.
    struct Take {
        bool isBuy;
        bool inQuote;
        uint256 amount;
        uint256 limitTick;
        uint256 maxLevels;
        uint256 makerFeePips;
    }

    /// @dev A market order's totals: base filled, quote paid (buy) or earned before the taker fee (sell), the
    ///      makers' fees and rounding remainders it produced, levels taken and the last tick filled.
    struct Walk {
        uint256 base;
        uint256 quote;
        uint256 baseFees;
        uint256 quoteFees;
        uint256 levels;
        uint24 lastTick;
    }

    address internal immutable _base;
    address internal immutable _quote;
    uint256 internal immutable _tickSize;
    uint256 internal immutable _divisor;
    uint256 internal immutable _minBase;

    Top internal _top;
    AccruedFees internal _fees;
    Side internal _bids;
    Side internal _asks;
    mapping(uint32 => Order) internal _orders;
    mapping(address => OwnerOrders) internal _owners;

    bool private transient _locked;

    modifier nonReentrant() {
        if (_locked) revert Reentrancy();
        _locked = true;
        _;
        _locked = false;
    }

    /// @param tickSize_ The price step in WAD quote per base (1e14 = 0.0001 quote per base).
    /// @param minBaseAmount_ The smallest order that may rest: a floor on what spamming a level costs.
    constructor(
        address base_,
        address quote_,
        uint256 tickSize_,
        uint96 minBaseAmount_,
        uint24 makerFeePips_,
        uint24 takerFeePips_
    ) Owned(msg.sender) {
        if (base_ == address(0) || quote_ == address(0) || base_ == quote_) revert InvalidParameter();
        // 2**128 keeps MAX_TICK * tickSize far inside 256 bits.
        if (tickSize_ == 0 || tickSize_ > type(uint128).max || minBaseAmount_ == 0) revert InvalidParameter();
        uint256 baseDecimals = IERC20(base_).decimals();
        uint256 quoteDecimals = IERC20(quote_).decimals();
        if (baseDecimals > 18 || quoteDecimals > 18) revert InvalidParameter();
        _checkFees(makerFeePips_, takerFeePips_);
        _base = base_;
        _quote = quote_;
        _tickSize = tickSize_;
        _divisor = 10 ** (18 + baseDecimals - quoteDecimals);
        _minBase = minBaseAmount_;
        _top.nextOrderId = 1;
        _top.makerFeePips = makerFeePips_;
        _top.takerFeePips = takerFeePips_;
        emit FeesSet(makerFeePips_, takerFeePips_);
    }

    // ---------------------------------------------------------------- makers

    /// @inheritdoc IOrderBook
    function placeOrder(bool isBid, uint24 tick, uint96 baseAmount) external nonReentrant returns (uint32 orderId) {
        _validateOrder(tick, baseAmount);
        Top memory top = _top;
        if (_crosses(top, isBid, tick)) revert OrderWouldCross(tick, isBid ? top.bestAsk : top.bestBid);
        uint256 escrow;
        (orderId, escrow) = _rest(top, isBid, tick, baseAmount);
        _top = top;
        _pull(isBid ? _quote : _base, escrow);
    }

    /// @inheritdoc IOrderBook
    function placeOrders(NewOrder[] calldata orders) external nonReentrant returns (uint32[] memory orderIds) {
        Top memory top = _top;
        Settlement memory s;
        orderIds = _restAll(top, orders, s);
        _top = top;
        _settle(s);
    }

    /// @inheritdoc IOrderBook
    function cancelOrder(uint32 orderId) external nonReentrant returns (uint256 baseAmount, uint256 quoteAmount) {
        Top memory top = _top;
        Settlement memory s;
        _close(top, orderId, s);
        _top = top;
        _settle(s);
        return (s.baseOut, s.quoteOut);
    }

    /// @inheritdoc IOrderBook
    function cancelOrders(uint32[] calldata orderIds)
        external
        nonReentrant
        returns (uint256 baseAmount, uint256 quoteAmount)
    {
        Top memory top = _top;
        Settlement memory s;
        for (uint256 i; i < orderIds.length; ++i) {
            _close(top, orderIds[i], s);
        }
        _top = top;
        _settle(s);
        return (s.baseOut, s.quoteOut);
    }

    /// @inheritdoc IOrderBook
    function cancelAllOrders(uint256 maxOrders)
        external
        nonReentrant
        returns (uint256 cancelled, uint256 baseAmount, uint256 quoteAmount)
    {
        Top memory top = _top;
        Settlement memory s;
        uint32 id = _owners[msg.sender].head;
        while (id != 0 && cancelled < maxOrders) {
            uint32 next = _orders[id].ownerNext;
            _close(top, id, s);
            id = next;
            ++cancelled;
        }
        _top = top;
        _settle(s);
        return (cancelled, s.baseOut, s.quoteOut);
    }

    /// @inheritdoc IOrderBook
    function replaceOrders(uint32[] calldata cancelIds, NewOrder[] calldata orders)
        external
        nonReentrant
        returns (uint32[] memory orderIds)
    {
        Top memory top = _top;
        Settlement memory s;
        for (uint256 i; i < cancelIds.length; ++i) {
            _close(top, cancelIds[i], s);
        }
        orderIds = _restAll(top, orders, s);
        _top = top;
        _settle(s);
    }

    /// @inheritdoc IOrderBook
    function claim(uint32[] calldata orderIds)
        external
        nonReentrant
        returns (uint256 baseAmount, uint256 quoteAmount)
    {
        Settlement memory s;
        for (uint256 i; i < orderIds.length; ++i) {
            uint32 id = orderIds[i];
            Order memory order = _ownedOrder(id);
            if (order.isBid) s.baseOut += order.claimable;
            else s.quoteOut += order.claimable;
            if (order.remaining == 0) {
                _unlinkOwner(order);
                delete _orders[id];
            } else if (order.claimable != 0) {
                _orders[id].claimable = 0;
            }
            // Also when closing with nothing to pay, so the events alone say the order is gone.
            if (order.claimable != 0 || order.remaining == 0) emit ProceedsClaimed(id, order.owner, order.claimable);
        }
        _settle(s);
        return (s.baseOut, s.quoteOut);
    }

    // ---------------------------------------------------------------- takers

    /// @inheritdoc IOrderBook
    function sellBase(uint256 baseIn, uint24 minTick, uint256 minQuoteOut, uint256 maxLevels, address recipient)
        external
        nonReentrant
        returns (uint256 baseSold, uint256 quoteOut)
    {
        _validateTake(baseIn, maxLevels, recipient);
        Top memory top = _top;
        Walk memory w = _walk(top, Take(false, false, baseIn, minTick, maxLevels, top.makerFeePips));
        uint256 takerFee = OrderBookMath.feeUp(w.quote, top.takerFeePips);
        quoteOut = w.quote - takerFee;
        if (quoteOut < minQuoteOut) revert InsufficientOutput(quoteOut, minQuoteOut);
        if (w.base == 0) return (0, 0);
        baseSold = w.base;
        _record(top, w, 0, takerFee);
        emit MarketOrder(msg.sender, recipient, false, w.base, w.quote, takerFee, w.levels, w.lastTick);
        _pull(_base, baseSold);
        _push(_quote, recipient, quoteOut);
    }

    /// @inheritdoc IOrderBook
    function buyBase(uint256 baseAmount, uint24 maxTick, uint256 maxQuoteIn, uint256 maxLevels, address recipient)
        external
        nonReentrant
        returns (uint256 baseOut, uint256 quoteIn)
    {
        _validateTake(baseAmount, maxLevels, recipient);
        Top memory top = _top;
        Walk memory w = _walk(top, Take(true, false, baseAmount, maxTick, maxLevels, top.makerFeePips));
        if (w.quote > maxQuoteIn) revert ExcessiveInput(w.quote, maxQuoteIn);
        return _finishBuy(top, w, recipient);
    }

    /// @inheritdoc IOrderBook
    function spendQuote(uint256 quoteIn, uint24 maxTick, uint256 minBaseOut, uint256 maxLevels, address recipient)
        external
        nonReentrant
        returns (uint256 baseOut, uint256 quoteSpent)
    {
        _validateTake(quoteIn, maxLevels, recipient);
        Top memory top = _top;
        Walk memory w = _walk(top, Take(true, true, quoteIn, maxTick, maxLevels, top.makerFeePips));
        uint256 net = w.base - OrderBookMath.feeUp(w.base, top.takerFeePips);
        if (net < minBaseOut) revert InsufficientOutput(net, minBaseOut);
        return _finishBuy(top, w, recipient);
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IOrderBook
    function setFees(uint24 makerFeePips, uint24 takerFeePips) external onlyOwner {
        _checkFees(makerFeePips, takerFeePips);
        _top.makerFeePips = makerFeePips;
        _top.takerFeePips = takerFeePips;
        emit FeesSet(makerFeePips, takerFeePips);
    }

    /// @inheritdoc IOrderBook
    function collectFees(address to)
        external
        onlyOwner
        nonReentrant
        returns (uint256 baseAmount, uint256 quoteAmount)
    {
        if (to == address(0)) revert InvalidRecipient();
        AccruedFees memory accrued = _fees;
        delete _fees;
        emit FeesCollected(to, accrued.base, accrued.quote);
        _push(_base, to, accrued.base);
        _push(_quote, to, accrued.quote);
        return (accrued.base, accrued.quote);
    }

    // ---------------------------------------------------------------- views

    function baseToken() external view returns (address) {
        return _base;
    }

    function quoteToken() external view returns (address) {
        return _quote;
    }

    function tickSize() external view returns (uint256) {
        return _tickSize;
    }

    function minBaseAmount() external view returns (uint256) {
        return _minBase;
    }

    function priceDivisor() external view returns (uint256) {
        return _divisor;
    }

    function fees() external view returns (uint24 makerFeePips, uint24 takerFeePips) {
        return (_top.makerFeePips, _top.takerFeePips);
    }

    function accruedFees() external view returns (uint256 baseAmount, uint256 quoteAmount) {
        return (_fees.base, _fees.quote);
    }

    function nextOrderId() external view returns (uint32) {
        return _top.nextOrderId;
    }

    function bestBid() external view returns (uint24 tick, uint256 price, uint256 baseVolume) {
        tick = _top.bestBid;
        return (tick, _price(tick), _bids.levels[tick].volume);
    }

    function bestAsk() external view returns (uint24 tick, uint256 price, uint256 baseVolume) {
        tick = _top.bestAsk;
        return (tick, _price(tick), _asks.levels[tick].volume);
    }

    function midPrice() external view returns (uint256) {
        return _mid(_top);
    }

    function lastTrade() external view returns (uint24 tick, uint256 price, uint256 timestamp, uint256 blockNumber) {
        Top memory top = _top;
        return (top.lastTradeTick, _price(top.lastTradeTick), top.lastTradeTime, top.lastTradeBlock);
    }

    function depthWithin(uint256 bps) external view returns (Depth memory depth) {
        Top memory top = _top;
        uint256 mid = _mid(top);
        if (mid == 0) return depth;
        // Bids priced >= mid * (1 - bps/1e4), asks <= mid * (1 + bps/1e4), compared exactly in integers.
        uint256 low = bps >= BPS ? 0 : mid * (BPS - bps);
        uint256 high = mid * (BPS + bps);
        for (uint256 tick = top.bestBid; tick != 0 && _price(tick) * BPS >= low; tick = _bids.bitmap.nextBelow(tick)) {
            uint256 volume = _bids.levels[tick].volume;
            depth.bidBase += volume;
            depth.bidQuote += OrderBookMath.quoteDown(volume, _price(tick), _divisor);
        }
        for (uint256 tick = top.bestAsk; tick != 0 && _price(tick) * BPS <= high; tick = _asks.bitmap.nextAbove(tick)) {
            uint256 volume = _asks.levels[tick].volume;
            depth.askBase += volume;
            depth.askQuote += OrderBookMath.quoteDown(volume, _price(tick), _divisor);
        }
    }

    function levels(bool isBid, uint256 maxLevels) external view returns (LevelView[] memory out) {
        Side storage side = isBid ? _bids : _asks;
        uint256 first = isBid ? _top.bestBid : _top.bestAsk;
        uint256 n;
        for (uint256 tick = first; tick != 0 && n < maxLevels; tick = _nextTick(side, isBid, tick)) ++n;
        out = new LevelView[](n);
        uint256 tick_ = first;
        for (uint256 i; i < n; ++i) {
            Level memory level = side.levels[tick_];
            out[i] = LevelView(uint24(tick_), _price(tick_), level.volume, level.count);
            tick_ = _nextTick(side, isBid, tick_);
        }
    }

    function levelOrders(bool isBid, uint24 tick) external view returns (uint32[] memory ids) {
        Level memory level = (isBid ? _bids : _asks).levels[tick];
        ids = new uint32[](level.count);
        uint32 id = level.head;
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = id;
            id = _orders[id].next;
        }
    }

    function getOrder(uint32 orderId) external view returns (OrderView memory) {
        Order memory order = _orders[orderId];
        if (order.owner == address(0)) revert OrderNotFound(orderId);
        return _orderView(orderId, order);
    }

    function getOrders(uint32[] calldata orderIds) external view returns (OrderView[] memory views) {
        views = new OrderView[](orderIds.length);
        for (uint256 i; i < orderIds.length; ++i) {
            Order memory order = _orders[orderIds[i]];
            if (order.owner != address(0)) views[i] = _orderView(orderIds[i], order);
        }
    }

    function ordersOf(address owner_) external view returns (uint32[] memory ids) {
        OwnerOrders memory list = _owners[owner_];
        ids = new uint32[](list.count);
        uint32 id = list.head;
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = id;
            id = _orders[id].ownerNext;
        }
    }

    function tickToPrice(uint24 tick) external view returns (uint256) {
        return _price(tick);
    }

    function priceToTickDown(uint256 price) external view returns (uint256) {
        return price / _tickSize;
    }

    function priceToTickUp(uint256 price) external view returns (uint256) {
        return price == 0 ? 0 : (price - 1) / _tickSize + 1;
    }

    function quoteForBaseDown(uint256 baseAmount, uint24 tick) external view returns (uint256) {
        return OrderBookMath.quoteDown(baseAmount, _price(tick), _divisor);
    }

    function quoteForBaseUp(uint256 baseAmount, uint24 tick) external view returns (uint256) {
        return OrderBookMath.quoteUp(baseAmount, _price(tick), _divisor);
    }

    function baseForQuoteDown(uint256 quoteAmount, uint24 tick) external view returns (uint256) {
        if (tick == 0) revert InvalidTick(0);
        return OrderBookMath.baseDown(quoteAmount, _price(tick), _divisor);
    }

    // ---------------------------------------------------------------- placing and closing

    function _validateOrder(uint24 tick, uint96 baseAmount) internal view {
        // A uint24 cannot exceed MAX_TICK; tick 0 is the "no level" sentinel.
        if (tick == 0) revert InvalidTick(0);
        if (baseAmount == 0) revert ZeroAmount();
        if (baseAmount < _minBase) revert OrderTooSmall(baseAmount, _minBase);
        // The order's claimable proceeds live in 96 bits: an ask's can reach its full quote value.
        if (OrderBookMath.quoteUp(baseAmount, _price(tick), _divisor) > type(uint96).max) {
            revert OrderTooLarge(baseAmount);
        }
    }

    function _crosses(Top memory top, bool isBid, uint256 tick) internal pure returns (bool) {
        if (isBid) return top.bestAsk != 0 && tick >= top.bestAsk;
        return tick <= top.bestBid;
    }

    /// @dev Places the (validated) orders that do not cross; a crossing one gets id 0.
    function _restAll(Top memory top, NewOrder[] calldata orders, Settlement memory s)
        internal
        returns (uint32[] memory orderIds)
    {
        orderIds = new uint32[](orders.length);
        for (uint256 i; i < orders.length; ++i) {
            NewOrder calldata o = orders[i];
            _validateOrder(o.tick, o.baseAmount);
            if (_crosses(top, o.isBid, o.tick)) continue;
            (uint32 id, uint256 escrow) = _rest(top, o.isBid, o.tick, o.baseAmount);
            orderIds[i] = id;
            if (o.isBid) s.quoteIn += escrow;
            else s.baseIn += escrow;
        }
    }

    /// @dev Appends a new order to its level's queue and to the caller's list; returns its id and escrow.
    function _rest(Top memory top, bool isBid, uint24 tick, uint96 baseAmount)
        internal
        returns (uint32 id, uint256 escrow)
    {
        id = top.nextOrderId;
        if (id == type(uint32).max) revert TooManyOrders();
        top.nextOrderId = id + 1;
        Side storage side = isBid ? _bids : _asks;
        Level memory level = side.levels[tick];
        OwnerOrders memory list = _owners[msg.sender];
        _orders[id] = Order(msg.sender, tick, isBid, level.tail, 0, baseAmount, 0, 0, list.head);
        if (level.count == 0) {
            level.head = id;
            side.bitmap.set(tick);
            if (isBid && tick > top.bestBid) top.bestBid = tick;
            if (!isBid && (top.bestAsk == 0 || tick < top.bestAsk)) top.bestAsk = tick;
        } else {
            _orders[level.tail].next = id;
        }
        level.tail = id;
        level.count += 1;
        level.volume += baseAmount;
        side.levels[tick] = level;
        if (list.head != 0) _orders[list.head].ownerPrev = id;
        _owners[msg.sender] = OwnerOrders(id, list.count + 1);
        escrow = isBid ? OrderBookMath.quoteUp(baseAmount, _price(tick), _divisor) : baseAmount;
        emit OrderPlaced(id, msg.sender, tick, isBid, baseAmount, escrow);
    }

    /// @dev Cancels the caller's order: out of its level (if still resting) and its owner's list, deleted;
    ///      its escrow and proceeds added to what the caller is owed.
    function _close(Top memory top, uint32 id, Settlement memory s) internal {
        Order memory order = _ownedOrder(id);
        uint256 refund;
        if (order.remaining != 0) {
            _unlinkLevel(top, id, order);
            refund = order.isBid
                ? OrderBookMath.quoteUp(order.remaining, _price(order.tick), _divisor)
                : order.remaining;
        }
        _unlinkOwner(order);
        delete _orders[id];
        if (order.isBid) {
            s.quoteOut += refund;
            s.baseOut += order.claimable;
        } else {
            s.baseOut += refund;
            s.quoteOut += order.claimable;
        }
        emit OrderCancelled(id, order.owner, order.remaining, refund);
        if (order.claimable != 0) emit ProceedsClaimed(id, order.owner, order.claimable);
    }

    function _ownedOrder(uint32 id) internal view returns (Order memory order) {
        order = _orders[id];
        if (order.owner == address(0)) revert OrderNotFound(id);
        if (order.owner != msg.sender) revert NotOrderOwner(id, msg.sender);
    }

    function _unlinkLevel(Top memory top, uint32 id, Order memory order) internal {
        Side storage side = order.isBid ? _bids : _asks;
        uint256 tick = order.tick;
        Level memory level = side.levels[tick];
        bool isHead = level.head == id;
        if (isHead) level.head = order.next;
        else _orders[order.prev].next = order.next;
        if (level.tail == id) level.tail = isHead ? 0 : order.prev;
        else if (!isHead) _orders[order.next].prev = order.prev;
        level.count -= 1;
        level.volume -= order.remaining;
        if (level.count != 0) {
            side.levels[tick] = level;
            return;
        }
        delete side.levels[tick];
        side.bitmap.clear(tick);
        if (order.isBid && tick == top.bestBid) top.bestBid = uint24(side.bitmap.nextBelow(tick));
        if (!order.isBid && tick == top.bestAsk) top.bestAsk = uint24(side.bitmap.nextAbove(tick));
    }

    function _unlinkOwner(Order memory order) internal {
        OwnerOrders storage list = _owners[order.owner];
        if (order.ownerPrev == 0) list.head = order.ownerNext;
        else _orders[order.ownerPrev].ownerNext = order.ownerNext;
        if (order.ownerNext != 0) _orders[order.ownerNext].ownerPrev = order.ownerPrev;
        list.count -= 1;
    }

    // ---------------------------------------------------------------- matching

    function _validateTake(uint256 amount, uint256 maxLevels, address recipient) internal pure {
        if (amount == 0) revert ZeroAmount();
        if (maxLevels == 0) revert ZeroMaxLevels();
        if (recipient == address(0)) revert InvalidRecipient();
    }

    /// @dev Walks one side best-first, level by level, each level oldest order first, until the amount is
    ///      filled, the side is empty, the next level is beyond the limit or `maxLevels` levels were taken.
    function _walk(Top memory top, Take memory t) internal returns (Walk memory w) {
        Side storage side = t.isBuy ? _asks : _bids;
        uint256 tick = t.isBuy ? top.bestAsk : top.bestBid;
        while (
            tick != 0 && t.amount != 0 && w.levels < t.maxLevels
                && (t.isBuy ? tick <= t.limitTick : tick >= t.limitTick)
        ) {
            Level memory level = side.levels[tick];
            if (!_takeLevel(level, tick, t, w)) break;
            w.levels += 1;
            w.lastTick = uint24(tick);
            if (level.count != 0) {
                side.levels[tick] = level; // the taker is done inside this level
                break;
            }
            delete side.levels[tick];
            side.bitmap.clear(tick);
            tick = _nextTick(side, !t.isBuy, tick);
        }
        if (t.isBuy) top.bestAsk = uint24(tick);
        else top.bestBid = uint24(tick);
    }

    /// @dev Fills the level's orders in time priority; false when nothing could fill (a quote budget too
    ///      small for one base unit at this price).
    function _takeLevel(Level memory level, uint256 tick, Take memory t, Walk memory w)
        internal
        returns (bool filled)
    {
        uint256 price = _price(tick);
        while (level.head != 0 && t.amount != 0) {
            uint256 want = t.inQuote ? OrderBookMath.baseDown(t.amount, price, _divisor) : t.amount;
            if (want == 0) break;
            filled = true;
            (uint256 fill, bool emptied) = _fillOrder(level.head, tick, want, t, w);
            level.volume -= uint160(fill);
            if (!emptied) break;
            level.head = _orders[level.head].next;
            level.count -= 1;
        }
    }

    /// @dev Fills up to `want` base of the order `id` at `tick`; true when that empties it.
    function _fillOrder(uint32 id, uint256 tick, uint256 want, Take memory t, Walk memory w)
        internal
        returns (uint256 fill, bool emptied)
    {
        Order storage order = _orders[id];
        uint256 remaining = order.remaining;
        fill = want < remaining ? want : remaining;
        (uint256 value, uint256 makerFee, uint256 proceeds) =
            t.isBuy ? _fillAsk(fill, _price(tick), t, w) : _fillBid(remaining, fill, _price(tick), t, w);
        w.base += fill;
        remaining -= fill;
        // Cannot overflow 96 bits: an order's proceeds never exceed its base amount or its quote value, both
        // checked against 2**96 when it was placed.
        order.remaining = uint96(remaining);
        order.claimable += uint96(proceeds);
        emit OrderFilled(id, order.owner, msg.sender, !t.isBuy, uint24(tick), fill, value, makerFee, remaining);
        return (fill, remaining == 0);
    }

    /// @dev A taker buys `fill` base from an ask: it pays the value rounded up, the maker earns it rounded
    ///      down less its fee; the one-wei difference, if any, joins the quote fees.
    function _fillAsk(uint256 fill, uint256 price, Take memory t, Walk memory w)
        internal
        view
        returns (uint256 value, uint256 makerFee, uint256 proceeds)
    {
        value = OrderBookMath.quoteDown(fill, price, _divisor);
        uint256 paid = OrderBookMath.quoteUp(fill, price, _divisor);
        makerFee = OrderBookMath.feeUp(value, t.makerFeePips);
        proceeds = value - makerFee;
        w.quote += paid;
        w.quoteFees += makerFee + (paid - value);
        t.amount -= t.inQuote ? paid : fill;
    }

    /// @dev A taker sells `fill` base into a bid: it earns the value rounded down; the bid releases exactly
    ///      the difference of its escrow before and after (so its escrow stays quoteUp(remaining)), and the
    ///      maker receives the base less its fee. Released minus value joins the quote fees.
    function _fillBid(uint256 remaining, uint256 fill, uint256 price, Take memory t, Walk memory w)
        internal
        view
        returns (uint256 value, uint256 makerFee, uint256 proceeds)
    {
        value = OrderBookMath.quoteDown(fill, price, _divisor);
        uint256 released = OrderBookMath.quoteUp(remaining, price, _divisor)
            - OrderBookMath.quoteUp(remaining - fill, price, _divisor);
        makerFee = OrderBookMath.feeUp(fill, t.makerFeePips);
        proceeds = fill - makerFee;
        w.quote += value;
        w.baseFees += makerFee;
        // released >= value: ceil(r*p) - ceil((r-f)*p) > f*p - 1 and is an integer, so >= floor(f*p).
        w.quoteFees += released - value;
        t.amount -= fill;
    }

    /// @dev Books the walk's fees and the last trade, and writes the hot slot back.
    function _record(Top memory top, Walk memory w, uint256 takerBaseFee, uint256 takerQuoteFee) internal {
        AccruedFees memory accrued = _fees;
        accrued.base += uint128(w.baseFees + takerBaseFee);
        accrued.quote += uint128(w.quoteFees + takerQuoteFee);
        _fees = accrued;
        top.lastTradeTick = w.lastTick;
        top.lastTradeTime = uint40(block.timestamp);
        top.lastTradeBlock = uint64(block.number);
        _top = top;
    }

    function _finishBuy(Top memory top, Walk memory w, address recipient)
        internal
        returns (uint256 baseOut, uint256 quoteIn)
    {
        if (w.base == 0) return (0, 0);
        uint256 takerFee = OrderBookMath.feeUp(w.base, top.takerFeePips);
        baseOut = w.base - takerFee;
        quoteIn = w.quote;
        _record(top, w, takerFee, 0);
        emit MarketOrder(msg.sender, recipient, true, w.base, w.quote, takerFee, w.levels, w.lastTick);
        _pull(_quote, quoteIn);
        _push(_base, recipient, baseOut);
    }

    // ---------------------------------------------------------------- helpers

    function _price(uint256 tick) internal view returns (uint256) {
        return tick * _tickSize;
    }

    function _mid(Top memory top) internal view returns (uint256) {
        if (top.bestBid == 0 || top.bestAsk == 0) return 0;
        return (_price(top.bestBid) + _price(top.bestAsk)) / 2;
    }

    /// @dev The next non-empty level away from the best: lower for bids, higher for asks.
    function _nextTick(Side storage side, bool isBid, uint256 tick) internal view returns (uint256) {
        return isBid ? side.bitmap.nextBelow(tick) : side.bitmap.nextAbove(tick);
    }

    function _orderView(uint32 id, Order memory order) internal view returns (OrderView memory) {
        uint256 price = _price(order.tick);
        uint256 escrow = order.isBid ? OrderBookMath.quoteUp(order.remaining, price, _divisor) : order.remaining;
        return OrderView(id, order.owner, order.isBid, order.tick, price, order.remaining, order.claimable, escrow);
    }

    function _checkFees(uint24 makerFeePips, uint24 takerFeePips) internal pure {
        if (makerFeePips > MAX_FEE_PIPS) revert FeeTooHigh(makerFeePips);
        if (takerFeePips > MAX_FEE_PIPS) revert FeeTooHigh(takerFeePips);
    }

    // ---------------------------------------------------------------- tokens
    // The only places tokens move: a shared safe-transfer library can replace these two bodies.

    function _settle(Settlement memory s) internal {
        if (s.baseIn > s.baseOut) _pull(_base, s.baseIn - s.baseOut);
        else if (s.baseOut > s.baseIn) _push(_base, msg.sender, s.baseOut - s.baseIn);
        if (s.quoteIn > s.quoteOut) _pull(_quote, s.quoteIn - s.quoteOut);
        else if (s.quoteOut > s.quoteIn) _push(_quote, msg.sender, s.quoteOut - s.quoteIn);
    }

    /// @dev Moves `amount` of `token` from the caller into the book. Zero amounts are not sent (a sale of
    ///      dust can earn 0 quote; some tokens refuse zero transfers).
    function _pull(address token, uint256 amount) internal {
        if (amount != 0) SafeTransferLib.safeTransferFrom(token, msg.sender, address(this), amount);
    }

    function _push(address token, address to, uint256 amount) internal {
        if (amount != 0) SafeTransferLib.safeTransfer(token, to, amount);
    }
}
