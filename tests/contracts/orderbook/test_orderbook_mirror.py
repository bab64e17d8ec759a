"""The order-book mirror on its own (no chain, so many examples): the rounding identities the contract relies
on, and conservation over random sequences: what takers and makers pay in minus what they take out always
equals what the book holds (escrow + unclaimed proceeds + fees), a refused call changes nothing, a preview
changes nothing."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from sim.mirrors.orderbook import (
    MAX_TICK,
    NewOrder,
    OrderBookError,
    OrderBookMirror,
    base_down,
    fee_up,
    quote_down,
    quote_up,
)

from .conftest import fuzz

DIVISORS = st.sampled_from([10**30, 10**20, 10**6, 10**18, 1, 10**36])
prices = st.integers(1, 2**150)
amounts = st.integers(0, 2**96)


@fuzz(400)
@given(base=amounts, price=prices, divisor=DIVISORS)
def test_quote_rounding_brackets_the_exact_value(base: int, price: int, divisor: int) -> None:
    down, up = quote_down(base, price, divisor), quote_up(base, price, divisor)
    assert down * divisor <= base * price <= up * divisor
    assert up - down == (0 if base * price % divisor == 0 else 1)


@fuzz(400)
@given(quote=amounts, price=prices, divisor=DIVISORS)
def test_base_down_is_the_most_the_quote_pays_for(quote: int, price: int, divisor: int) -> None:
    base = base_down(quote, price, divisor)
    assert quote_up(base, price, divisor) <= quote
    assert quote_up(base + 1, price, divisor) > quote


@fuzz(400)
@given(remaining=st.integers(1, 2**96), cut=st.integers(0, 2**96), price=prices, divisor=DIVISORS)
def test_a_bid_releases_at_least_what_its_taker_earns(
    remaining: int, cut: int, price: int, divisor: int
) -> None:
    fill = cut % remaining + 1
    released = quote_up(remaining, price, divisor) - quote_up(remaining - fill, price, divisor)
    assert quote_down(fill, price, divisor) <= released <= quote_up(fill, price, divisor)


@fuzz(200)
@given(amount=amounts, pips=st.integers(0, 100_000))
def test_a_fee_rounds_up_and_never_exceeds_the_amount(amount: int, pips: int) -> None:
    fee = fee_up(amount, pips)
    assert fee * 1_000_000 >= amount * pips and fee <= amount


step = st.one_of(
    st.tuples(
        st.just("place"), st.integers(0, 2), st.booleans(), st.integers(-30, 30), st.integers(1, 10**20)
    ),
    st.tuples(st.just("cancel"), st.integers(0, 2), st.integers(0, 50)),
    st.tuples(st.just("claim"), st.integers(0, 2)),
    st.tuples(st.just("sell"), st.integers(1, 10**20), st.integers(-30, 30), st.integers(1, 4)),
    st.tuples(st.just("buy"), st.integers(1, 10**20), st.integers(-30, 30), st.integers(1, 4)),
    st.tuples(st.just("spend"), st.integers(1, 10**8), st.integers(1, 4)),
    st.tuples(st.just("fees"), st.integers(0, 100_000), st.integers(0, 100_000)),
)
OWNERS = ["alice", "bob", "carol"]


@fuzz(300)
@given(steps=st.lists(step, max_size=40))
def test_the_book_holds_exactly_what_was_paid_in_and_not_out(steps: list[tuple[Any, ...]]) -> None:
    book = OrderBookMirror(18, 6, 10**14, 10**12, 1_000, 2_000)
    net = [0, 0]  # base, quote paid into the book minus paid out
    for action, *args in steps:
        before = copy.deepcopy(book.state)
        try:
            moved = apply(book, action, args)
        except OrderBookError:
            assert book.state == before, "a refused call changed the book"
            continue
        net[0] += moved[0]
        net[1] += moved[1]
        assert tuple(net) == book.holdings()
        bid, ask = book.best_bid()[0], book.best_ask()[0]
        assert not (bid and ask and bid >= ask), "the book crossed"


def apply(book: OrderBookMirror, action: str, args: list[int]) -> tuple[int, int]:
    """Runs one step; returns (base, quote) paid into the book minus paid out of it."""
    if action == "place":
        who, is_bid, offset, amount = args
        tick = min(max(10_000 + offset, 1), MAX_TICK)
        new_id = book.state.next_id
        book.place_orders(OWNERS[who], [NewOrder(bool(is_bid), tick, max(amount % 2**96, 1))])
        if book.state.next_id == new_id:
            return (0, 0)  # it would have crossed: skipped
        order = book.state.orders[new_id]
        escrow = book.escrow_for(order.is_bid, order.tick, order.remaining)
        return (0, escrow) if order.is_bid else (escrow, 0)
    if action in ("cancel", "claim"):
        owner = OWNERS[args[0]]
        ids = book.orders_of(owner)
        before = book.holdings()
        if action == "cancel":
            book.cancel_orders(owner, ids[: args[1] % 4 + 1] if ids else [args[1] + 10**6])
        else:
            book.claim(owner, ids)
        after = book.holdings()
        return (after[0] - before[0], after[1] - before[1])
    if action == "fees":
        book.set_fees(args[0], args[1])
        return (0, 0)
    if action == "spend":
        market = book.spend_quote(args[0], MAX_TICK, 0, args[1])
        return (-market.amounts[0], market.amounts[1])
    amount, offset, cap = args
    if action == "sell":
        preview = book.preview(False, False, amount, max(book.best_bid()[0] + offset, 0), cap)
        market = book.sell_base(amount, max(book.best_bid()[0] + offset, 0), 0, cap)
        assert market == preview
        return (market.amounts[0], -market.amounts[1])
    market = book.buy_base(amount, min(max(book.best_ask()[0] + offset, 0), MAX_TICK), 2**256, cap)
    return (-market.amounts[0], market.amounts[1])
