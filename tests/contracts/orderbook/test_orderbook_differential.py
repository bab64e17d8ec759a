"""Differential tests: random books of four token-decimal pairs, a random market order of each kind, then every
maker claiming and cancelling; the contract and the mirror must agree to the wei on each call (fills, events,
transfers, reverts by name) and on the whole book after it (harness.py)."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.mirrors.orderbook import MAX_TICK, NewOrder, OrderBookMirror

from .conftest import MAX_UINT, fuzz
from .harness import BookHarness


class Pair(NamedTuple):
    """A market: base and quote decimals, tick size, minimum order, the tick of a typical price, fees."""

    base_decimals: int
    quote_decimals: int
    tick_size: int
    min_base: int
    mid_tick: int
    maker_pips: int
    taker_pips: int


PAIRS = [
    Pair(18, 6, 10**14, 10**12, 10_000, 1_000, 2_000),  # USDe/USDT at 1.0000
    Pair(8, 6, 10**16, 1, 10_000_000, 200, 500),  # WBTC/USDT at $100,000.00
    Pair(6, 18, 10**12, 1, 1_000_000, 0, 100_000),  # USDC/DAI at 1.000000, a 10% taker fee
    Pair(18, 18, 10**15, 10**9, 4_000, 50, 0),  # wBETH/ETH-like at 4.000
]


@pytest.fixture(scope="module")
def markets(
    project: Any, deployer: Any, create_token: Any, makers: list[Any], taker: Any, lens: Any
) -> list[tuple[Any, Any, Any]]:
    """One funded book per pair, deployed before the module's snapshot."""
    out = []
    for pair in PAIRS:
        base = create_token(f"B{pair.base_decimals}", pair.base_decimals)
        quote = create_token(f"Q{pair.quote_decimals}", pair.quote_decimals)
        book = project.OrderBook.deploy(
            base, quote, pair.tick_size, pair.min_base, pair.maker_pips, pair.taker_pips, sender=deployer
        )
        for account in [*makers, taker]:
            base.mint(account, 10**12 * 10**pair.base_decimals, sender=deployer)
            quote.mint(account, 10**18 * 10**pair.quote_decimals, sender=deployer)
            base.approve(book, MAX_UINT, sender=account)
            quote.approve(book, MAX_UINT, sender=account)
        out.append((base, quote, book))
    return out


@pytest.fixture(scope="module", autouse=True)
def _markets_first(markets: Any) -> None:
    """Deploy the markets before the module's snapshot."""


def harness_for(index: int, markets: list[tuple[Any, Any, Any]], lens: Any, owners: list[Any]) -> BookHarness:
    pair = PAIRS[index]
    base, quote, book = markets[index]
    mirror = OrderBookMirror(
        pair.base_decimals,
        pair.quote_decimals,
        pair.tick_size,
        pair.min_base,
        pair.maker_pips,
        pair.taker_pips,
    )
    return BookHarness(book, lens, base, quote, mirror, owners)


# One resting order: side, ticks away from the mid (far ones too), size in hundredths of a token or in units.
order_specs = st.tuples(
    st.booleans(),
    st.one_of(st.integers(0, 30), st.integers(31, 5_000)),
    st.one_of(st.integers(1, 10**5), st.integers(1, 1_000).map(lambda u: -u)),
)


def build(pair: Pair, specs: list[tuple[bool, int, int]]) -> list[NewOrder]:
    unit = 10**pair.base_decimals // 100
    orders = []
    for is_bid, away, size in specs:
        tick = pair.mid_tick - away if is_bid else pair.mid_tick + 1 + away
        amount = size * unit if size > 0 else -size * pair.min_base
        orders.append(NewOrder(is_bid, min(max(tick, 1), MAX_TICK), max(amount, pair.min_base)))
    return orders


@fuzz(20)
@given(
    index=st.integers(0, len(PAIRS) - 1),
    books=st.lists(st.lists(order_specs, min_size=1, max_size=8), min_size=1, max_size=3),
    kind=st.sampled_from(["sell", "buy", "spend"]),
    fraction=st.integers(1, 20_000),
    limit=st.one_of(st.none(), st.integers(-40, 40)),
    cap=st.one_of(st.integers(1, 5), st.just(10**6)),
)
def test_market_orders_on_random_books_match_the_mirror(
    markets: list[tuple[Any, Any, Any]],
    lens: Any,
    makers: list[Any],
    taker: Any,
    chain: Any,
    index: int,
    books: list[list[tuple[bool, int, int]]],
    kind: str,
    fraction: int,
    limit: int | None,
    cap: int,
) -> None:
    snapshot = chain.snapshot()
    try:
        pair = PAIRS[index]
        h = harness_for(index, markets, lens, [*makers, taker])
        for maker, specs in zip(makers, books, strict=False):
            h.place_many(maker, build(pair, specs))
        h.check_state()
        m = h.mirror
        if kind == "sell":
            volume = sum(lv.base_volume for lv in m.levels(True))
            amount = max(volume * fraction // 10_000, 1)
            tick = 0 if limit is None else max(m.best_bid()[0] + limit, 0)
            h.sell(taker, amount, tick, 0, cap, taker)
        elif kind == "buy":
            volume = sum(lv.base_volume for lv in m.levels(False))
            amount = max(volume * fraction // 10_000, 1)
            tick = MAX_TICK if limit is None else min(max(m.best_ask()[0] + limit, 0), MAX_TICK)
            h.buy(taker, amount, tick, MAX_UINT, cap, taker)
        else:
            depth = sum(m.escrow_for(True, lv.tick, lv.base_volume) for lv in m.levels(False))
            h.spend(taker, max(depth * fraction // 10_000, 1), MAX_TICK, 0, cap, taker)
        h.check_state()
        for maker in makers:
            h.claim(maker, m.orders_of(maker.address))
            h.cancel_all(maker, 10**6)
        h.check_state()
        # Only the fees are left, and the book holds exactly them.
        assert m.state.orders == {} and m.holdings() == m.accrued_fees()
    finally:
        chain.restore(snapshot)
