"""The mirror's own properties (pure Python, no chain): rounding directions, the scaled-balance identities the
pool relies on, the interest expansion against e^x, and the rate model's shape."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from sim.mirrors.fixed_point import (
    RAY,
    percent_div,
    percent_div_ceil,
    percent_mul,
    percent_mul_ceil,
    ray_div,
    ray_div_ceil,
    ray_div_floor,
    ray_mul,
    ray_mul_ceil,
    ray_mul_floor,
)
from sim.mirrors.lending import (
    SECONDS_PER_YEAR,
    RateModel,
    compounded_interest,
    debt_balance,
    debt_burn_scaled,
    debt_mint_scaled,
    interest_rates,
    linear_interest,
    supply_balance,
    supply_burn_scaled,
    supply_mint_scaled,
)

amounts = st.integers(0, 10**30)
indexes = st.integers(RAY, 50 * RAY)
rates = st.integers(0, 10 * RAY)  # up to 1000% a year, the pool's maximum


@given(a=amounts, b=indexes)
def test_named_rounding_brackets_half_up(a: int, b: int) -> None:
    assert ray_mul_floor(a, b) <= ray_mul(a, b) <= ray_mul_ceil(a, b) <= ray_mul_floor(a, b) + 1
    assert ray_div_floor(a, b) <= ray_div(a, b) <= ray_div_ceil(a, b) <= ray_div_floor(a, b) + 1


@given(value=amounts, bps=st.integers(1, 20_000))
def test_percentage_rounding(value: int, bps: int) -> None:
    assert percent_mul_ceil(value, bps) - 1 <= percent_mul(value, bps) <= percent_mul_ceil(value, bps)
    assert percent_div_ceil(value, bps) - 1 <= percent_div(value, bps) <= percent_div_ceil(value, bps)


@given(amount=amounts, index=indexes)
def test_supply_never_credits_more_than_deposited_nor_withdraws_more_than_burned(
    amount: int, index: int
) -> None:
    assert supply_balance(supply_mint_scaled(amount, index), index) <= amount
    assert supply_balance(supply_burn_scaled(amount, index), index) >= amount


@given(amount=amounts, index=indexes)
def test_debt_is_never_booked_below_the_borrow(amount: int, index: int) -> None:
    assert debt_balance(debt_mint_scaled(amount, index), index) >= amount


@given(scaled=amounts, index=indexes)
def test_repaying_the_reported_debt_clears_exactly_the_scaled_debt(scaled: int, index: int) -> None:
    # Why repay(max) and bad-debt burns always reach zero: floor(ceil(s * i) / i) == s for i >= 1.
    assert debt_burn_scaled(debt_balance(scaled, index), index) == scaled


@given(rate=rates, elapsed=st.integers(0, 5 * SECONDS_PER_YEAR))
def test_compounding_lies_between_simple_interest_and_e_to_the_x(rate: int, elapsed: int) -> None:
    x = rate * elapsed / SECONDS_PER_YEAR / RAY
    assert linear_interest(rate, elapsed) <= compounded_interest(rate, elapsed)
    assert compounded_interest(rate, elapsed) <= RAY * math.exp(x) * (1 + 1e-12) + 1


def test_known_interest_vectors() -> None:
    # 5% for a year: 1 + 0.05 + 0.05^2/2 + 0.05^3/6
    assert compounded_interest(5 * 10**25, SECONDS_PER_YEAR) == 1051270833333333333333333333
    assert linear_interest(5 * 10**25, SECONDS_PER_YEAR) == 105 * 10**25
    assert compounded_interest(5 * 10**25, 0) == RAY


@given(
    debt=st.integers(1, 10**24),
    cash=st.integers(0, 10**24),
    extra=st.integers(1, 10**22),
    reserve_factor=st.integers(0, 10_000),
)
def test_rates_rise_with_usage_and_suppliers_never_earn_more_than_borrowers_pay(
    debt: int, cash: int, extra: int, reserve_factor: int
) -> None:
    model = RateModel(8000, 100, 400, 6000)
    liquidity, borrow = interest_rates(model, cash, debt, 0, reserve_factor)
    _, borrow_more_used = interest_rates(model, cash, debt + extra, 0, reserve_factor)
    assert borrow_more_used >= borrow
    assert (
        liquidity * (cash + debt) <= borrow * debt + RAY
    )  # supply income <= borrow interest (up to rounding)


def test_rate_model_vectors() -> None:
    usdc = RateModel(9000, 0, 400, 6000)
    assert interest_rates(usdc, 500, 500, 0, 1000) == (10**25, 22222222222222222222222222)
    assert interest_rates(usdc, 50, 950, 0, 1000) == (2907 * 10**23, 34 * 10**25)
    # A deficit counts as supplied but earns nothing: it lowers the supply rate, not the borrow rate.
    assert interest_rates(usdc, 500, 500, 1000, 1000) == (5 * 10**24, 22222222222222222222222222)
    assert interest_rates(usdc, 500, 0, 0, 1000) == (0, 0)
