"""The synthetic-dollar mirror on its own: funding rounding, vesting boundaries, 4626 rounding, a depeg story."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sim.mirrors.synthetic import (
    VESTING_PERIOD,
    WAD,
    YEAR,
    SyntheticDollarModel,
    convert_to_assets,
    convert_to_shares,
    funding_down,
    funding_up,
    preview_mint,
    preview_withdraw,
    units_down,
    unvested_amount,
    usd_value_down,
)


def test_a_year_of_funding_is_the_rate_times_the_notional() -> None:
    assert funding_down(10_000 * WAD, WAD // 10, YEAR) == 1_000 * WAD
    assert funding_up(10_000 * WAD, WAD // 10, YEAR) == 1_000 * WAD


@given(notional=st.integers(0, 10**30), rate=st.integers(0, 25 * WAD), elapsed=st.integers(0, 10 * YEAR))
def test_funding_costs_round_up_and_income_down_by_at_most_one_wei(
    notional: int, rate: int, elapsed: int
) -> None:
    assert 0 <= funding_up(notional, rate, elapsed) - funding_down(notional, rate, elapsed) <= 1


@given(amount=st.integers(0, 10**30), price=st.integers(1, 10**14), decimals=st.sampled_from([6, 8, 18]))
def test_units_for_a_value_never_exceed_the_amount_it_came_from(
    amount: int, price: int, decimals: int
) -> None:
    assert units_down(usd_value_down(amount, price, decimals), price, decimals) <= amount


def test_vesting_is_linear_and_ends_at_eight_hours() -> None:
    assert unvested_amount(80 * WAD, 100, 100) == 80 * WAD
    assert unvested_amount(80 * WAD, 100, 100 + VESTING_PERIOD // 2) == 40 * WAD
    assert unvested_amount(80 * WAD, 100, 100 + VESTING_PERIOD) == 0
    assert unvested_amount(80 * WAD, 100, 100 + 10 * VESTING_PERIOD) == 0


@given(supply=st.integers(WAD, 10**30), total=st.integers(1, 10**30), amount=st.integers(0, 10**30))
def test_vault_conversions_round_in_the_vaults_favour(supply: int, total: int, amount: int) -> None:
    assert convert_to_assets(convert_to_shares(amount, supply, total), supply, total) <= amount
    assert preview_withdraw(amount, supply, total) >= convert_to_shares(amount, supply, total)
    assert preview_mint(amount, supply, total) >= convert_to_assets(amount, supply, total)


def test_hedged_backing_survives_the_crash_and_a_lost_hedge_does_not() -> None:
    # $10,000 minted with 2.5 WETH at $4,000; ETH falls 20% (Oct 10-11 2025) with the hedge on, then the venue
    # loses the hedge and ETH falls a further 10%.
    model = SyntheticDollarModel(last_accrual=0)
    model.add_collateral("weth", 18, True)
    prices = {"weth": 4_000 * 10**8}
    assert model.mint("weth", 25 * 10**17, 0, prices) == 10_000 * WAD
    prices["weth"] = 3_200 * 10**8
    assert model.backing(0, prices) == 10_000 * WAD
    assert model.set_hedge_active("weth", False, 0, prices) == 2_000 * WAD
    prices["weth"] = 2_880 * 10**8
    assert model.backing(0, prices) == 9_200 * WAD
    assert model.backing_ratio(0, prices) == 92 * 10**16
