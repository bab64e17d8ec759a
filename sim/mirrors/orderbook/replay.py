"""The order book rebuilt from its events alone: each decoded event folded into a BookState."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sim.mirrors.orderbook.state import (
    BookState,
    Fill,
    append,
    apply_fill,
    remove_from_level,
    unlink_owner,
)
from sim.mirrors.orderbook.units import quote_up


def apply_event(
    s: BookState, name: str, args: Mapping[str, Any], tick_size: int, divisor: int, timestamp: int, block: int
) -> None:
    """Folds one event into `s` (edited in place); events of other names are ignored."""
    if name == "OrderPlaced":
        owner, is_bid = str(args["owner"]), bool(args["isBid"])
        append(s, int(args["orderId"]), owner, is_bid, int(args["tick"]), int(args["baseAmount"]))
    elif name == "OrderFilled":
        _fill(s, args, tick_size, divisor)
    elif name == "OrderCancelled":
        order = s.orders[int(args["orderId"])]
        if order.remaining:
            remove_from_level(s, order)
        unlink_owner(s, order)
        del s.orders[order.id]
    elif name == "ProceedsClaimed":
        _claim(s, int(args["orderId"]), int(args["amount"]))
    elif name == "MarketOrder":
        if args["isBuy"]:
            s.fees_base += int(args["takerFee"])
        else:
            s.fees_quote += int(args["takerFee"])
        s.last_trade_tick, s.last_trade_time, s.last_trade_block = int(args["lastTick"]), timestamp, block
    elif name == "FeesSet":
        s.maker_fee_pips, s.taker_fee_pips = int(args["makerFeePips"]), int(args["takerFeePips"])
    elif name == "FeesCollected":
        s.fees_base -= int(args["baseAmount"])
        s.fees_quote -= int(args["quoteAmount"])


def _fill(s: BookState, args: Mapping[str, Any], tick_size: int, divisor: int) -> None:
    """An OrderFilled event; the maker's fee and the rounding remainder follow from its amounts."""
    order = s.orders[int(args["orderId"])]
    base, quote, maker_fee, left = (
        int(args[k]) for k in ("baseAmount", "quoteAmount", "makerFee", "remaining")
    )
    price = order.tick * tick_size
    if order.is_bid:
        released = quote_up(order.remaining, price, divisor) - quote_up(left, price, divisor)
        s.fees_base += maker_fee
        s.fees_quote += released - quote
    else:
        s.fees_quote += maker_fee + quote_up(base, price, divisor) - quote
    apply_fill(s, Fill(order.id, order.owner, order.is_bid, order.tick, base, quote, maker_fee, left))


def _claim(s: BookState, order_id: int, amount: int) -> None:
    order = s.orders.get(order_id)
    if order is None:
        return  # a cancel's payout: its OrderCancelled closed the order already
    order = replace(order, claimable=order.claimable - amount)
    s.orders[order_id] = order
    if order.remaining == 0:
        unlink_owner(s, order)
        del s.orders[order_id]
