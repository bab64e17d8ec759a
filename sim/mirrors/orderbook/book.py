"""OrderBookMirror: one OrderBook's state and every call as the contract computes it (makers, takers, admin,
views); a call the contract would revert raises OrderBookError and leaves the mirror unchanged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sim.mirrors.orderbook.matching import walk
from sim.mirrors.orderbook.replay import apply_event
from sim.mirrors.orderbook.state import (
    BookState,
    Depth,
    LevelView,
    MarketFill,
    NewOrder,
    OrderView,
    append,
    apply_fill,
    best,
    owned,
    remove_from_level,
    unlink_owner,
)
from sim.mirrors.orderbook.units import (
    BPS,
    MAX_TICK,
    UINT32_MAX,
    UINT96_MAX,
    OrderBookError,
    check_fees,
    price_divisor,
    quote_down,
    quote_up,
    validate_take,
)


class OrderBookMirror:
    """One OrderBook's state and every call, as the contract computes them. `owner`/`taker` arguments are
    the caller's address (any string, compared as given)."""

    def __init__(
        self,
        base_decimals: int,
        quote_decimals: int,
        tick_size: int,
        min_base_amount: int,
        maker_fee_pips: int = 0,
        taker_fee_pips: int = 0,
    ) -> None:
        if tick_size <= 0 or tick_size > 2**128 - 1 or min_base_amount <= 0:
            raise OrderBookError("InvalidParameter")
        if not (0 <= base_decimals <= 18 and 0 <= quote_decimals <= 18):
            raise OrderBookError("InvalidParameter")
        check_fees(maker_fee_pips, taker_fee_pips)
        self.tick_size = tick_size
        self.divisor = price_divisor(base_decimals, quote_decimals)
        self.min_base_amount = min_base_amount
        self.state = BookState(maker_fee_pips=maker_fee_pips, taker_fee_pips=taker_fee_pips)

    # ------------------------------------------------------------------ transactions

    def _commit(self, state: BookState) -> None:
        self.state = state

    def price(self, tick: int) -> int:
        """tickToPrice."""
        return tick * self.tick_size

    def price_to_tick_down(self, price: int) -> int:
        """The highest tick priced at or below `price` (a buyer's max tick)."""
        return price // self.tick_size

    def price_to_tick_up(self, price: int) -> int:
        """The lowest tick priced at or above `price` (a seller's min tick)."""
        return -(-price // self.tick_size)

    # ------------------------------------------------------------------ makers

    def place_order(self, owner: str, is_bid: bool, tick: int, base_amount: int) -> int:
        """placeOrder: the new id (its escrow is `escrow_for`)."""
        self._validate_order(tick, base_amount)
        s = self.state.clone()
        if self._crosses(s, is_bid, tick):
            raise OrderBookError("OrderWouldCross", tick, best(s, not is_bid))
        order_id = self._rest(s, owner, is_bid, tick, base_amount)
        self._commit(s)
        return order_id

    def place_orders(self, owner: str, orders: Sequence[NewOrder]) -> list[int]:
        """placeOrders: ids, 0 for an order skipped because it would cross."""
        s = self.state.clone()
        ids = self._rest_all(s, owner, orders)
        self._commit(s)
        return ids

    def cancel_order(self, owner: str, order_id: int) -> tuple[int, int]:
        """cancelOrder: (base, quote) paid back."""
        return self.cancel_orders(owner, [order_id])

    def cancel_orders(self, owner: str, order_ids: Sequence[int]) -> tuple[int, int]:
        s = self.state.clone()
        paid = [0, 0]
        for order_id in order_ids:
            self._close(s, owner, order_id, paid)
        self._commit(s)
        return (paid[0], paid[1])

    def cancel_all_orders(self, owner: str, max_orders: int) -> tuple[int, int, int]:
        """cancelAllOrders: (orders closed, base, quote), newest first."""
        s = self.state.clone()
        ids = s.owners.get(owner, ())[:max_orders]
        paid = [0, 0]
        for order_id in ids:
            self._close(s, owner, order_id, paid)
        self._commit(s)
        return (len(ids), paid[0], paid[1])

    def replace_orders(self, owner: str, cancel_ids: Sequence[int], orders: Sequence[NewOrder]) -> list[int]:
        s = self.state.clone()
        paid = [0, 0]
        for order_id in cancel_ids:
            self._close(s, owner, order_id, paid)
        ids = self._rest_all(s, owner, orders)
        self._commit(s)
        return ids

    def claim(self, owner: str, order_ids: Sequence[int]) -> tuple[int, int]:
        """claim: (base, quote) of proceeds paid; a fully filled order is closed."""
        s = self.state.clone()
        paid = [0, 0]
        for order_id in order_ids:
            order = owned(s, owner, order_id)
            paid[0 if order.is_bid else 1] += order.claimable
            if order.remaining == 0:
                unlink_owner(s, order)
                del s.orders[order_id]
            else:
                s.orders[order_id] = replace(order, claimable=0)
        self._commit(s)
        return (paid[0], paid[1])

    # ------------------------------------------------------------------ takers

    def sell_base(
        self,
        base_in: int,
        min_tick: int,
        min_quote_out: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        validate_take(base_in, max_levels, recipient)
        market = self.preview(False, False, base_in, min_tick, max_levels)
        quote_out = market.quote - market.taker_fee
        if quote_out < min_quote_out:
            raise OrderBookError("InsufficientOutput", quote_out, min_quote_out)
        self._apply(market, timestamp, block)
        return market

    def buy_base(
        self,
        base_amount: int,
        max_tick: int,
        max_quote_in: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        validate_take(base_amount, max_levels, recipient)
        market = self.preview(True, False, base_amount, max_tick, max_levels)
        if market.quote > max_quote_in:
            raise OrderBookError("ExcessiveInput", market.quote, max_quote_in)
        self._apply(market, timestamp, block)
        return market

    def spend_quote(
        self,
        quote_in: int,
        max_tick: int,
        min_base_out: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        validate_take(quote_in, max_levels, recipient)
        market = self.preview(True, True, quote_in, max_tick, max_levels)
        net = market.base - market.taker_fee
        if net < min_base_out:
            raise OrderBookError("InsufficientOutput", net, min_base_out)
        self._apply(market, timestamp, block)
        return market

    def preview(
        self, is_buy: bool, in_quote: bool, amount: int, limit_tick: int, max_levels: int
    ) -> MarketFill:
        """The market order's outcome on the current book, without changing it (`in_quote`: spendQuote)."""
        return walk(
            self.state,
            self.tick_size,
            self.divisor,
            is_buy=is_buy,
            in_quote=in_quote,
            amount=amount,
            limit_tick=limit_tick,
            max_levels=max_levels,
        )

    def _apply(self, market: MarketFill, timestamp: int, block: int) -> None:
        if market.base == 0:
            return
        s = self.state.clone()
        for fill in market.fills:
            apply_fill(s, fill)
        s.fees_base += market.maker_base_fees + (market.taker_fee if market.is_buy else 0)
        s.fees_quote += market.maker_quote_fees + (0 if market.is_buy else market.taker_fee)
        s.last_trade_tick = market.last_tick
        s.last_trade_time = timestamp
        s.last_trade_block = block
        self._commit(s)

    # ------------------------------------------------------------------ admin

    def set_fees(self, maker_fee_pips: int, taker_fee_pips: int) -> None:
        check_fees(maker_fee_pips, taker_fee_pips)
        self.state = replace(self.state, maker_fee_pips=maker_fee_pips, taker_fee_pips=taker_fee_pips)

    def collect_fees(self) -> tuple[int, int]:
        collected = (self.state.fees_base, self.state.fees_quote)
        self.state = replace(self.state, fees_base=0, fees_quote=0)
        return collected

    # ------------------------------------------------------------------ views

    def best_bid(self) -> tuple[int, int, int]:
        """(tick, price, base volume); tick 0 when there is no bid."""
        return self._best_view(True)

    def best_ask(self) -> tuple[int, int, int]:
        return self._best_view(False)

    def mid_price(self) -> int:
        bid, ask = best(self.state, True), best(self.state, False)
        if bid == 0 or ask == 0:
            return 0
        return (self.price(bid) + self.price(ask)) // 2

    def last_trade(self) -> tuple[int, int, int, int]:
        s = self.state
        return (s.last_trade_tick, self.price(s.last_trade_tick), s.last_trade_time, s.last_trade_block)

    def depth_within(self, bps: int) -> Depth:
        mid = self.mid_price()
        if mid == 0:
            return Depth(0, 0, 0, 0)
        low = 0 if bps >= BPS else mid * (BPS - bps)
        high = mid * (BPS + bps)
        bid = [lv for lv in self.levels(True) if lv.price * BPS >= low]
        ask = [lv for lv in self.levels(False) if lv.price * BPS <= high]
        return Depth(
            sum(lv.base_volume for lv in bid),
            sum(quote_down(lv.base_volume, lv.price, self.divisor) for lv in bid),
            sum(lv.base_volume for lv in ask),
            sum(quote_down(lv.base_volume, lv.price, self.divisor) for lv in ask),
        )

    def levels(self, is_bid: bool, max_levels: int | None = None) -> list[LevelView]:
        """Non-empty levels of one side, best first."""
        ticks = self.state.ticks[is_bid]
        ordered = list(reversed(ticks)) if is_bid else list(ticks)
        return [self._level_view(is_bid, tick) for tick in ordered[:max_levels]]

    def level_orders(self, is_bid: bool, tick: int) -> list[int]:
        return list(self.state.queues.get((is_bid, tick), ()))

    def get_order(self, order_id: int) -> OrderView:
        order = self.state.orders.get(order_id)
        if order is None:
            raise OrderBookError("OrderNotFound", order_id)
        price = self.price(order.tick)
        escrow = quote_up(order.remaining, price, self.divisor) if order.is_bid else order.remaining
        return OrderView(
            order.id, order.owner, order.is_bid, order.tick, price, order.remaining, order.claimable, escrow
        )

    def orders_of(self, owner: str) -> list[int]:
        return list(self.state.owners.get(owner, ()))

    def accrued_fees(self) -> tuple[int, int]:
        return (self.state.fees_base, self.state.fees_quote)

    def escrow_for(self, is_bid: bool, tick: int, base_amount: int) -> int:
        """What a new order moves into the book: quote rounded up for a bid, the base for an ask."""
        return quote_up(base_amount, self.price(tick), self.divisor) if is_bid else base_amount

    def holdings(self) -> tuple[int, int]:
        """(base, quote) the book must hold: escrow behind resting orders, unclaimed proceeds, accrued fees."""
        base, quote = self.state.fees_base, self.state.fees_quote
        for order in self.state.orders.values():
            if order.is_bid:
                quote += quote_up(order.remaining, self.price(order.tick), self.divisor)
                base += order.claimable
            else:
                base += order.remaining
                quote += order.claimable
        return (base, quote)

    # ------------------------------------------------------------------ events

    def apply_event(self, name: str, args: Mapping[str, Any], *, timestamp: int = 0, block: int = 0) -> None:
        """Folds one decoded OrderBook event (with its block's timestamp and number) into the state: a book
        rebuilt from its events alone equals the contract's (orders, levels in time priority, owners' lists,
        fees, last trade). Events of other names are ignored. An event is a fact the chain already applied, so it is
        folded into the state in place (calls copy the state first, so that a revert leaves it as it was)."""
        apply_event(self.state, name, args, self.tick_size, self.divisor, timestamp, block)

    def apply_events(self, events: Iterable[tuple[str, Mapping[str, Any], int, int]]) -> None:
        """Folds (name, args, timestamp, block) tuples in log order."""
        for name, args, timestamp, block in events:
            self.apply_event(name, args, timestamp=timestamp, block=block)

    # ------------------------------------------------------------------ internals

    def _validate_order(self, tick: int, base_amount: int) -> None:
        if not 0 <= tick <= MAX_TICK or not 0 <= base_amount <= UINT96_MAX:
            raise OrderBookError("AbiDecode", "tick or amount out of its ABI type")
        if tick == 0:
            raise OrderBookError("InvalidTick", 0)
        if base_amount == 0:
            raise OrderBookError("ZeroAmount")
        if base_amount < self.min_base_amount:
            raise OrderBookError("OrderTooSmall", base_amount, self.min_base_amount)
        if quote_up(base_amount, self.price(tick), self.divisor) > UINT96_MAX:
            raise OrderBookError("OrderTooLarge", base_amount)

    @staticmethod
    def _crosses(s: BookState, is_bid: bool, tick: int) -> bool:
        if is_bid:
            ask = best(s, False)
            return ask != 0 and tick >= ask
        return tick <= best(s, True)

    def _rest_all(self, s: BookState, owner: str, orders: Sequence[NewOrder]) -> list[int]:
        ids: list[int] = []
        for is_bid, tick, base_amount in orders:
            self._validate_order(tick, base_amount)
            ids.append(
                0 if self._crosses(s, is_bid, tick) else self._rest(s, owner, is_bid, tick, base_amount)
            )
        return ids

    @staticmethod
    def _rest(s: BookState, owner: str, is_bid: bool, tick: int, base_amount: int) -> int:
        order_id = s.next_id
        if order_id == UINT32_MAX:
            raise OrderBookError("TooManyOrders")
        s.next_id = order_id + 1
        append(s, order_id, owner, is_bid, tick, base_amount)
        return order_id

    def _close(self, s: BookState, owner: str, order_id: int, paid: list[int]) -> None:
        order = owned(s, owner, order_id)
        refund = 0
        if order.remaining:
            remove_from_level(s, order)
            refund = self.escrow_for(order.is_bid, order.tick, order.remaining)
        unlink_owner(s, order)
        del s.orders[order_id]
        if order.is_bid:
            paid[1] += refund
            paid[0] += order.claimable
        else:
            paid[0] += refund
            paid[1] += order.claimable

    def _best_view(self, is_bid: bool) -> tuple[int, int, int]:
        tick = best(self.state, is_bid)
        if tick == 0:
            return (0, 0, 0)
        return (tick, self.price(tick), self._level_view(is_bid, tick).base_volume)

    def _level_view(self, is_bid: bool, tick: int) -> LevelView:
        ids = self.state.queues[(is_bid, tick)]
        volume = sum(self.state.orders[i].remaining for i in ids)
        return LevelView(tick, self.price(tick), volume, len(ids))
