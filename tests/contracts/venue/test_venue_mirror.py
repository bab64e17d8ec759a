"""The venue mirror on its own: v2 sale vectors, rounding directions, trades, gradual steps and the breaker rule."""

from __future__ import annotations

import pytest

from sim.mirrors.venue import (
    Collateral,
    Debt,
    Perp,
    buy,
    ceil_div,
    get_amount_in,
    get_amount_out,
    group_health,
    moved_against,
    step_amount,
    step_size,
    trade,
    unrealized_pnl,
    usd_to_quote,
)

E18 = 10**18


@pytest.mark.parametrize(
    ("amount_in", "reserve_in", "reserve_out", "out"),
    [
        (1, 5, 10, 1662497915624478906),
        (1, 10, 5, 453305446940074565),
        (2, 5, 10, 2851015155847869602),
        (2, 10, 5, 831248957812239453),
        (1, 10, 10, 906610893880149131),
        (1, 100, 100, 987158034397061298),
        (1, 1000, 1000, 996006981039903216),
    ],
)
def test_sale_proceeds_match_the_v2_vectors(
    amount_in: int, reserve_in: int, reserve_out: int, out: int
) -> None:
    assert get_amount_out(amount_in * E18, reserve_in * E18, reserve_out * E18) == out
    # The exact-out inverse buys at least that much and one wei less input buys less.
    needed = get_amount_in(out, reserve_in * E18, reserve_out * E18)
    assert get_amount_out(needed, reserve_in * E18, reserve_out * E18) >= out
    assert get_amount_out(needed - 1, reserve_in * E18, reserve_out * E18) < out


def test_an_empty_pool_gives_nothing() -> None:
    assert get_amount_out(10**18, 0, 0) == 0
    assert buy(10, 10**6, 0, 0) == (0, 0)


def test_buy_spends_all_the_budget_when_it_is_short() -> None:
    bought, spent = buy(100 * 10**6, 50 * 10**6, 1_000 * 10**6, 1_000 * 10**6)
    assert spent == 50 * 10**6
    assert bought == get_amount_out(50 * 10**6, 1_000 * 10**6, 1_000 * 10**6) < 100 * 10**6


def test_rounding_is_always_in_the_venues_favour() -> None:
    assert unrealized_pnl(-1, 10**8, 10**8 + 1) == -1  # -1e-18 of a token x 1 unit rounds to -1, not 0
    assert unrealized_pnl(1, 10**8, 10**8 + 1) == 0
    assert usd_to_quote(1, 10**8, 6, round_up=True) == 1
    assert usd_to_quote(1, 10**8, 6, round_up=False) == 0
    health = group_health([Collateral(1, 1, 18, 10_000)], [Debt(1, 1, 18, 1, 1)], [Perp(1, 1, 1, 1, 1)])
    assert (health.equity, health.maintenance, health.initial) == (-1, 2, 2)
    assert ceil_div(0, 7) == 0 and ceil_div(7, 7) == 1 and ceil_div(8, 7) == 2


def test_a_short_entry_averages_down_and_a_long_up() -> None:
    assert trade(-E18, 100, -2 * E18, 101).entry_price == 100  # (100 + 202) / 3 = 100.67 down
    assert trade(E18, 100, 2 * E18, 101).entry_price == 101


def test_gradual_steps_take_the_fraction_or_the_dust() -> None:
    assert step_amount(10_000, 2_500) == 2_500
    assert step_amount(3, 2_500) == 3
    assert step_size(-10, 2_500) == -2  # toward zero
    assert step_size(-3, 2_500) == -3
    assert moved_against(100, 98, 200, short=False)
    assert not moved_against(100, 99, 200, short=False)
    assert moved_against(100, 102, 200, short=True)
    assert not moved_against(100, 101, 200, short=True)
