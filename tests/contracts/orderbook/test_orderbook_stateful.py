"""Stateful test of the order book: makers place single orders and ladders (near the touch, far below as stub
bids, across the bitmap's word boundaries), cancel, cancel everything, re-quote and claim; a taker sells, buys
and spends quote with limits, level caps and minimum outputs (some of them refused); the owner changes and
collects fees. Every call goes to the chain and to the mirror (harness.py), and after every step:

- the book never crosses (best bid < best ask);
- the book's token balances equal the escrow behind resting orders + unclaimed proceeds + accrued fees;
- every market order's fills are a prefix of the book in price-time priority, none beyond its limit;
- the chain equals the mirror to the wei, and the book rebuilt from the events alone equals both.

The machine sits at module level; tests/fuzz_profiles.py sets its depth (CASCADE_FUZZ=deep: 1,000 x 50).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from sim.mirrors.orderbook import MAX_TICK, NewOrder, OrderBookMirror
from tests.fuzz_profiles import TalliedMachine, run_machine

from .conftest import MAKER_PIPS, MIN_BASE, TAKER_PIPS, TICK
from .harness import BookHarness

REF = 10_000  # tick of price 1.0
# Resting sizes: dust (rounding edges at one quote wei), retail, whales.
sizes = st.one_of(
    st.integers(MIN_BASE, 20 * MIN_BASE),
    st.integers(10**16, 10**19),
    st.integers(10**20, 10**22),
)
offsets = st.one_of(st.integers(0, 40), st.integers(41, 400))
# Far levels: stub bids deep below, asks far above, each side of a 256-tick word and a 65,536-tick block.
far_bids = st.sampled_from([1, 2, 255, 256, 257, 500, 4_095, 4_096, 9_000])
far_asks = st.sampled_from([10_500, 65_535, 65_536, 65_537, 70_000, 1_000_000, MAX_TICK])
fractions = st.integers(1, 10_000)
caps = st.one_of(st.integers(1, 4), st.just(1_000))


def ladder(is_bid: bool, start: int, count: int, spacing: int, size: int) -> list[NewOrder]:
    step = -spacing if is_bid else spacing
    return [
        NewOrder(is_bid, start + i * step, size + i * MIN_BASE)
        for i in range(count)
        if 0 < start + i * step <= MAX_TICK
    ]


class OrderBookMachine(TalliedMachine):
    """One book and its funded makers and taker (`env`, built once per module by the fixtures); each example
    starts from a chain snapshot and returns to it."""

    def __init__(self, env: dict[str, Any]) -> None:
        super().__init__()
        self.env = env
        self.snapshot = env["chain"].snapshot()
        mirror = OrderBookMirror(18, 6, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS)
        self.makers: list[Any] = env["makers"]
        self.taker: Any = env["taker"]
        self.h = BookHarness(
            env["book"], env["lens"], env["base"], env["quote"], mirror, [*self.makers, self.taker]
        )

    def teardown(self) -> None:
        self.env["chain"].restore(self.snapshot)

    @property
    def m(self) -> OrderBookMirror:
        return self.h.mirror

    def _own(self, who: int) -> list[int]:
        return self.m.orders_of(self.makers[who].address)

    def _touch(self, is_bid: bool) -> int:
        """Where a new order of this side goes: just behind the best of the side, or around price 1.0."""
        best = self.m.best_bid()[0] if is_bid else self.m.best_ask()[0]
        opposite = self.m.best_ask()[0] if is_bid else self.m.best_bid()[0]
        if best:
            return best
        if opposite:
            return opposite - 1 if is_bid else opposite + 1
        return REF if is_bid else REF + 1

    @initialize(bid_size=sizes, ask_size=sizes, spacing=st.integers(1, 30), count=st.integers(1, 6))
    def seed_book(self, bid_size: int, ask_size: int, spacing: int, count: int) -> None:
        orders = ladder(True, REF, count, spacing, bid_size) + ladder(
            False, REF + 1, count, spacing, ask_size
        )
        self.h.place_many(self.makers[0], orders)

    @rule(who=st.integers(0, 2), is_bid=st.booleans(), offset=offsets, size=sizes, cross=st.integers(0, 9))
    def place(self, who: int, is_bid: bool, offset: int, size: int, cross: int) -> None:
        # One time in ten the order is priced through the other side: the book must refuse it.
        if cross == 0:
            opposite = self.m.best_ask()[0] if is_bid else self.m.best_bid()[0]
            tick = opposite + (offset % 3 if is_bid else -(offset % 3)) if opposite else REF
        else:
            touch = self._touch(is_bid)
            tick = touch - offset if is_bid else touch + offset
        self.h.place(self.makers[who], is_bid, min(max(tick, 1), MAX_TICK), size)

    @rule(who=st.integers(0, 2), is_bid=st.booleans(), size=sizes, bid_tick=far_bids, ask_tick=far_asks)
    def place_far(self, who: int, is_bid: bool, size: int, bid_tick: int, ask_tick: int) -> None:
        tick = bid_tick if is_bid else ask_tick
        if is_bid and self.m.best_ask()[0] and tick >= self.m.best_ask()[0]:
            return
        if not is_bid and tick <= self.m.best_bid()[0]:
            return
        self.h.place(self.makers[who], is_bid, tick, size)

    @rule(
        who=st.integers(0, 2),
        count=st.integers(1, 5),
        spacing=st.integers(1, 20),
        size=sizes,
        inside=st.integers(-3, 3),
    )
    def place_ladders(self, who: int, count: int, spacing: int, size: int, inside: int) -> None:
        """A two-sided ladder; `inside` > 0 prices it through the touch, so some orders are skipped."""
        orders = ladder(True, self._touch(True) + inside, count, spacing, size)
        orders += ladder(False, self._touch(False) - inside, count, spacing, size)
        self.h.place_many(self.makers[who], orders)

    @rule(
        who=st.integers(0, 2),
        picks=st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
        stray=st.integers(0, 9),
    )
    def cancel(self, who: int, picks: list[int], stray: int) -> None:
        own = self._own(who)
        ids = sorted({own[p % len(own)] for p in picks}) if own else []
        if stray == 0:  # someone else's order, or one already closed: refused
            others = [i for i in self.m.state.orders if i not in own]
            ids.append(others[0] if others else self.m.state.next_id + 7)
        if ids:
            self.h.cancel(self.makers[who], ids)

    @rule(who=st.integers(0, 2), max_orders=st.one_of(st.integers(0, 3), st.just(10**6)))
    def cancel_all(self, who: int, max_orders: int) -> None:
        self.h.cancel_all(self.makers[who], max_orders)

    @rule(
        who=st.integers(0, 2), count=st.integers(0, 4), spacing=st.integers(1, 10), size=sizes, shift=offsets
    )
    def requote(self, who: int, count: int, spacing: int, size: int, shift: int) -> None:
        """A market maker's re-quote: pull the whole ladder, post a new one around the touch."""
        own = self._own(who)
        bid_start = max(self._touch(True) - shift % 5, 1)
        orders = ladder(True, bid_start, count, spacing, size) + ladder(
            False, bid_start + 1, count, spacing, size
        )
        self.h.replace_orders(self.makers[who], own, orders)

    @rule(who=st.integers(0, 2))
    def claim(self, who: int) -> None:
        own = self._own(who)
        if own:
            self.h.claim(self.makers[who], own)

    @rule(
        fraction=fractions, limit=st.integers(-50, 50), cap=caps, strict=st.integers(0, 5), far=st.booleans()
    )
    def sell(self, fraction: int, limit: int, cap: int, strict: int, far: bool) -> None:
        volume = sum(lv.base_volume for lv in self.m.levels(True)) or MIN_BASE
        amount = max(volume * fraction // 5_000, 1)  # up to twice the whole side
        tick = 0 if far else max(self.m.best_bid()[0] + limit, 0)
        min_out = self._tight(False, amount, tick, cap, strict)
        self.h.sell(self.taker, amount, tick, min_out, cap, self.makers[strict % 3])

    @rule(
        fraction=fractions, limit=st.integers(-50, 50), cap=caps, strict=st.integers(0, 5), far=st.booleans()
    )
    def buy(self, fraction: int, limit: int, cap: int, strict: int, far: bool) -> None:
        volume = sum(lv.base_volume for lv in self.m.levels(False)) or MIN_BASE
        amount = max(volume * fraction // 5_000, 1)
        tick = MAX_TICK if far else min(max(self.m.best_ask()[0] + limit, 0), MAX_TICK)
        preview = self.m.preview(True, False, amount, tick, cap)
        max_in = preview.quote - 1 if strict == 0 and preview.quote else 2**256 - 1
        self.h.buy(self.taker, amount, tick, max_in, cap, self.taker)

    @rule(
        quote_in=st.one_of(st.integers(1, 50), st.integers(10**4, 10**11)), cap=caps, strict=st.integers(0, 5)
    )
    def spend(self, quote_in: int, cap: int, strict: int) -> None:
        min_out = self._tight(True, quote_in, MAX_TICK, cap, strict)
        self.h.spend(self.taker, quote_in, MAX_TICK, min_out, cap, self.taker)

    def _tight(self, in_quote: bool, amount: int, tick: int, cap: int, strict: int) -> int:
        """A minimum output: none usually; the exact preview (passes) or one more (refused) sometimes."""
        if strict > 1:
            return 0
        preview = self.m.preview(in_quote, in_quote, amount, tick, cap)
        net = preview.base - preview.taker_fee if in_quote else preview.quote - preview.taker_fee
        return net + (1 - strict)

    @rule(maker=st.integers(0, 120_000), taker=st.integers(0, 100_000))
    def set_fees(self, maker: int, taker: int) -> None:
        owner = self.env["deployer"]
        self.h.send("setFees", [maker, taker], owner, lambda: self.m.set_fees(maker, taker))

    @precondition(lambda self: any(self.m.accrued_fees()))
    @rule()
    def collect_fees(self) -> None:
        owner = self.env["deployer"]
        self.h.send("collectFees", [owner], owner, self.m.collect_fees)

    @invariant()
    def chain_equals_mirror_and_book_is_sound(self) -> None:
        self.h.check_state()


@pytest.mark.fuzz
def test_order_book_invariants_hold_under_random_operations(
    chain: Any, book: Any, lens: Any, base: Any, quote: Any, makers: list[Any], taker: Any, deployer: Any
) -> None:
    env = {
        "chain": chain,
        "book": book,
        "lens": lens,
        "base": base,
        "quote": quote,
        "makers": makers,
        "taker": taker,
        "deployer": deployer,
    }
    # A fixed seed in CI: the small budget covers the same paths on every run (deep randomises).
    run_machine(
        "orderbook OrderBookMachine",
        lambda: OrderBookMachine(env),
        ci_examples=12,
        ci_steps=20,
        ci_derandomize=True,
    )
