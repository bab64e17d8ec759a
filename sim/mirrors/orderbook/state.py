"""Order-book state: the records the contract stores and returns, and the edits every call is made of."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from sim.mirrors.orderbook.units import OrderBookError


@dataclass(frozen=True)
class Order:
    id: int
    owner: str
    is_bid: bool
    tick: int
    remaining: int
    claimable: int


class NewOrder(NamedTuple):
    is_bid: bool
    tick: int
    base_amount: int


@dataclass(frozen=True)
class Fill:
    """One OrderFilled event: `quote` is the fill's value rounded down, `maker_fee` in what the maker receives."""

    order_id: int
    maker: str
    is_bid: bool
    tick: int
    base: int
    quote: int
    maker_fee: int
    remaining: int


@dataclass(frozen=True)
class MarketFill:
    """A market order's outcome (its MarketOrder event and fills). `base`/`quote` are gross: quote paid by a
    buyer or earned by a seller before its fee; `amounts` are what the taker gives and gets."""

    is_buy: bool
    base: int
    quote: int
    taker_fee: int
    levels: int
    last_tick: int
    fills: tuple[Fill, ...]
    maker_base_fees: int
    maker_quote_fees: int

    @property
    def amounts(self) -> tuple[int, int]:
        """(base, quote) as the contract returns them: sells (base sold, quote out after the fee), buys
        (base out after the fee, quote paid)."""
        if self.base == 0:
            return (0, 0)
        if self.is_buy:
            return (self.base - self.taker_fee, self.quote)
        return (self.base, self.quote - self.taker_fee)


class LevelView(NamedTuple):
    tick: int
    price: int
    base_volume: int
    order_count: int


class Depth(NamedTuple):
    bid_base: int
    bid_quote: int
    ask_base: int
    ask_quote: int


class OrderView(NamedTuple):
    id: int
    owner: str
    is_bid: bool
    tick: int
    price: int
    remaining: int
    claimable: int
    escrow: int


@dataclass
class BookState:
    """Everything that changes; copied before a call so a revert leaves the book as it was."""

    orders: dict[int, Order] = field(default_factory=dict)
    queues: dict[tuple[bool, int], tuple[int, ...]] = field(default_factory=dict)
    ticks: dict[bool, list[int]] = field(default_factory=lambda: {True: [], False: []})
    owners: dict[str, tuple[int, ...]] = field(default_factory=dict)  # newest first
    next_id: int = 1
    maker_fee_pips: int = 0
    taker_fee_pips: int = 0
    fees_base: int = 0
    fees_quote: int = 0
    last_trade_tick: int = 0
    last_trade_time: int = 0
    last_trade_block: int = 0

    def clone(self) -> BookState:
        return replace(
            self,
            orders=dict(self.orders),
            queues=dict(self.queues),
            ticks={True: list(self.ticks[True]), False: list(self.ticks[False])},
            owners=dict(self.owners),
        )


def best(s: BookState, is_bid: bool) -> int:
    ticks = s.ticks[is_bid]
    if not ticks:
        return 0
    return ticks[-1] if is_bid else ticks[0]


def append(s: BookState, order_id: int, owner: str, is_bid: bool, tick: int, base_amount: int) -> None:
    s.orders[order_id] = Order(order_id, owner, is_bid, tick, base_amount, 0)
    key = (is_bid, tick)
    queue = s.queues.get(key)
    if queue is None:
        bisect.insort(s.ticks[is_bid], tick)
        queue = ()
    s.queues[key] = (*queue, order_id)
    s.owners[owner] = (order_id, *s.owners.get(owner, ()))
    s.next_id = max(s.next_id, order_id + 1)


def remove_from_level(s: BookState, order: Order) -> None:
    key = (order.is_bid, order.tick)
    queue = tuple(i for i in s.queues[key] if i != order.id)
    if queue:
        s.queues[key] = queue
    else:
        del s.queues[key]
        ticks = s.ticks[order.is_bid]
        del ticks[bisect.bisect_left(ticks, order.tick)]


def unlink_owner(s: BookState, order: Order) -> None:
    remaining = tuple(i for i in s.owners[order.owner] if i != order.id)
    if remaining:
        s.owners[order.owner] = remaining
    else:
        del s.owners[order.owner]


def apply_fill(s: BookState, fill: Fill) -> None:
    order = s.orders[fill.order_id]
    proceeds = fill.base - fill.maker_fee if order.is_bid else fill.quote - fill.maker_fee
    s.orders[order.id] = replace(order, remaining=fill.remaining, claimable=order.claimable + proceeds)
    if fill.remaining == 0:
        remove_from_level(s, order)


def owned(s: BookState, owner: str, order_id: int) -> Order:
    order = s.orders.get(order_id)
    if order is None:
        raise OrderBookError("OrderNotFound", order_id)
    if order.owner != owner:
        raise OrderBookError("NotOrderOwner", order_id, owner)
    return order
