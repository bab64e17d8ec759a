"""Order-book fixtures: a USDe/USDT book (18-decimal base, 6-decimal quote, 0.0001 ticks, 0.1% maker and
0.2% taker fees), three funded makers and a funded taker, and the Hypothesis profiles of this suite."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import settings

from sim.mirrors.orderbook import OrderBookMirror
from tests.fuzz_profiles import fuzz_settings

E18 = 10**18
E6 = 10**6
TICK = 10**14  # 0.0001 USDT per USDe
MIN_BASE = 10**12  # 0.000001 USDe: one quote wei at price 1, so rounding edges stay reachable
MAKER_PIPS = 1_000  # 0.1%
TAKER_PIPS = 2_000  # 0.2%
FUNDS_BASE = 10**9 * E18
FUNDS_QUOTE = 10**9 * E6
MAX_UINT = 2**256 - 1
ZERO = "0x0000000000000000000000000000000000000000"


def fuzz(examples: int) -> settings:
    """`examples` per test in CI with a fixed seed (the same cases every run); the deep profile under
    CASCADE_FUZZ=deep (tests/fuzz_profiles.py)."""
    return fuzz_settings(ci_examples=examples, ci_derandomize=True)


@pytest.fixture(scope="module", autouse=True)
def _shared_setup_first(
    deployer: Any,
    alice: Any,
    bob: Any,
    liquidator: Any,
    keeper: Any,
    chain: Any,
    book: Any,
    funded: Any,
    lens: Any,
) -> None:
    """Deploy and fund before the module's snapshot, so ape never rebases the module."""


@pytest.fixture(scope="module")
def carol(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="module")
def base(create_token: Any) -> Any:
    return create_token("USDe", 18)


@pytest.fixture(scope="module")
def quote(create_token: Any) -> Any:
    return create_token("USDT", 6)


@pytest.fixture(scope="module")
def book(project: Any, deployer: Any, base: Any, quote: Any) -> Any:
    return project.OrderBook.deploy(base, quote, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS, sender=deployer)


@pytest.fixture(scope="module")
def lens(project: Any, deployer: Any) -> Any:
    return project.TestOrderBookLens.deploy(sender=deployer)


@pytest.fixture(scope="module")
def makers(alice: Any, bob: Any, carol: Any) -> list[Any]:
    return [alice, bob, carol]


@pytest.fixture(scope="module")
def taker(liquidator: Any) -> Any:
    return liquidator


@pytest.fixture(scope="module")
def funded(deployer: Any, base: Any, quote: Any, book: Any, makers: list[Any], taker: Any) -> None:
    """Every trader holds a billion of each token and has approved the book for all of it."""
    for account in [*makers, taker]:
        base.mint(account, FUNDS_BASE, sender=deployer)
        quote.mint(account, FUNDS_QUOTE, sender=deployer)
        base.approve(book, MAX_UINT, sender=account)
        quote.approve(book, MAX_UINT, sender=account)


@pytest.fixture
def mirror() -> OrderBookMirror:
    return OrderBookMirror(18, 6, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS)
