"""Order books as the world sees them: the mirror built from the deployed contract's parameters, its resting
orders read once when the world is built (the seed ladders), and every later change folded in from events."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

from sim.mirrors.orderbook import OrderBookMirror
from sim.mirrors.orderbook.state import append, remove_from_level
from sim.node.contracts import Handle
from sim.node.reads import Reads

BOOK_PARAMETERS = ("tickSize", "minBaseAmount", "fees", "nextOrderId")


def queue_book_parameters(reads: Reads, name: str, handle: Handle, deployed: dict[Any, Any]) -> None:
    for fn in BOOK_PARAMETERS:
        reads.add(handle, fn, (), partial(deployed.__setitem__, (name, fn)))


def book_mirror(name: str, decimals: tuple[int, ...], deployed: dict[Any, Any]) -> OrderBookMirror:
    """The mirror of a deployed book, empty, with `next_id` set so that `queue_book_state` knows what to read."""
    maker, taker = deployed[(name, "fees")]
    mirror = OrderBookMirror(
        decimals[0],
        decimals[1],
        int(deployed[(name, "tickSize")]),
        int(deployed[(name, "minBaseAmount")]),
        int(maker),
        int(taker),
    )
    mirror.state.next_id = int(deployed[(name, "nextOrderId")])
    return mirror


def queue_book_state(reads: Reads, handle: Handle, mirror: OrderBookMirror) -> None:
    """Read every order the book has issued so far, its last trade and its accrued fees into the mirror."""
    ids = list(range(1, mirror.state.next_id))
    if ids:
        reads.add(handle, "getOrders", (ids,), partial(_set_orders, mirror))
    reads.add(handle, "lastTrade", (), partial(_set_last_trade, mirror))
    reads.add(handle, "accruedFees", (), partial(_set_fees, mirror))


def _set_orders(mirror: OrderBookMirror, orders: list[Any]) -> None:
    """Open orders join their levels in id order, which is their time priority within a level; a filled order
    waiting for its claim keeps only its proceeds."""
    s = mirror.state
    for order_id, owner, is_bid, tick, _, remaining, claimable, _ in orders:
        if int(order_id) == 0:  # closed (cancelled, or filled and claimed)
            continue
        append(s, int(order_id), str(owner).lower(), bool(is_bid), int(tick), int(remaining))
        order = replace(s.orders[int(order_id)], claimable=int(claimable))
        s.orders[order.id] = order
        if order.remaining == 0:
            remove_from_level(s, order)


def _set_last_trade(mirror: OrderBookMirror, out: tuple[int, int, int, int]) -> None:
    tick, _, timestamp, block = out
    s = mirror.state
    s.last_trade_tick, s.last_trade_time, s.last_trade_block = int(tick), int(timestamp), int(block)


def _set_fees(mirror: OrderBookMirror, out: tuple[int, int]) -> None:
    mirror.state.fees_base, mirror.state.fees_quote = int(out[0]), int(out[1])
