"""Interest: the kinked rate model, index accrual after time warps and the treasury's reserve-factor share,
equal to the mirror to the wei."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sim.mirrors.fixed_point import RAY
from sim.mirrors.lending import (
    SECONDS_PER_YEAR,
    ReserveState,
    accrue,
    debt_balance,
    debt_burn_scaled,
    debt_mint_scaled,
    normalized_debt,
    normalized_income,
    supply_balance,
    supply_mint_scaled,
    update_rates,
)

DAY = 24 * 3600


def warp(chain: Any, seconds: int) -> int:
    """Mines a block `seconds` later; the next transactions share its timestamp."""
    now = int(chain.blocks.head.timestamp) + seconds
    chain.mine(1, timestamp=now)
    return now


def borrow_half_the_usdc(market: Any, alice: Any) -> None:
    """Alice borrows 5M of the whale's 10M USDC: usage exactly 50%."""
    market.supply(alice, "WETH", 2_000 * 10**18)
    market.borrow(alice, "USDC", 5_000_000 * 10**6)


def test_rates_at_half_usage_follow_the_kinked_model(market: Any, alice: Any) -> None:
    borrow_half_the_usdc(market, alice)
    data = market.pool.getReserveState(market.tokens["USDC"])
    # borrow: 4% x 50% / 90% = 2.2222...%; supply: borrow x 50% usage x 90% (10% reserve factor) = 1%
    assert data.currentVariableBorrowRate == 22222222222222222222222222
    assert data.currentLiquidityRate == 10**25


def test_rates_above_the_kink_use_the_steep_slope(market: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 4_000 * 10**18)
    market.borrow(alice, "USDC", 9_500_000 * 10**6)
    data = market.pool.getReserveState(market.tokens["USDC"])
    # 95% usage: 4% + 60% x (95% - 90%) / 10% = 34%; supply 34% x 95% x 90% = 29.07%
    assert data.currentVariableBorrowRate == 34 * 10**25
    assert data.currentLiquidityRate == 2907 * 10**23


def test_indexes_after_a_time_warp_equal_the_mirror(market: Any, alice: Any, whale: Any, chain: Any) -> None:
    borrow_half_the_usdc(market, alice)
    usdc = market.tokens["USDC"]
    before = market.reserve_state("USDC")
    now = warp(chain, 30 * DAY)
    income, debt_index = normalized_income(before, now), normalized_debt(before, now)
    assert market.pool.getReserveNormalizedIncome(usdc) == income
    assert market.pool.getReserveNormalizedVariableDebt(usdc) == debt_index
    # 30 days at 2.2222%: x = 0.0018264840..., the borrow index grows by x + x^2/2 + x^3/6
    assert debt_index == 1001828153055737797107283101
    alice_position = market.pool.getUserReserve(alice, usdc)
    assert alice_position.debt == debt_balance(alice_position.scaledDebt, debt_index)
    assert alice_position.debt == 5_009_140_765279
    whale_position = market.pool.getUserReserve(whale, usdc)
    assert whale_position.supplied == supply_balance(whale_position.scaledSupply, income)


def test_state_after_accrual_and_actions_equals_the_mirror(
    market: Any, alice: Any, bob: Any, chain: Any
) -> None:
    borrow_half_the_usdc(market, alice)
    usdc = market.tokens["USDC"]
    model = market.rate_model("USDC")

    state = market.reserve_state("USDC")
    now = warp(chain, 45 * DAY + 17)
    market.supply(bob, "USDC", 123_456_789)
    state = accrue(state, now)
    state = replace(
        state,
        scaled_total_supply=state.scaled_total_supply
        + supply_mint_scaled(123_456_789, state.liquidity_index),
    )
    state = update_rates(state, model, added=123_456_789)
    assert market.reserve_state("USDC") == state

    now = warp(chain, SECONDS_PER_YEAR)
    market.borrow(alice, "USDC", 1_000_000 * 10**6)
    state = accrue(state, now)
    scaled = debt_mint_scaled(1_000_000 * 10**6, state.variable_borrow_index)
    state = replace(state, scaled_total_debt=state.scaled_total_debt + scaled)
    state = update_rates(state, model, taken=1_000_000 * 10**6)
    assert market.reserve_state("USDC") == state

    now = warp(chain, 7 * DAY)
    market.fund(alice, "USDC", 777_777 * 10**6)
    market.pool.repay(usdc, 777_777 * 10**6, 2, alice, sender=alice)
    state = accrue(state, now)
    scaled = debt_burn_scaled(777_777 * 10**6, state.variable_borrow_index)
    state = replace(state, scaled_total_debt=state.scaled_total_debt - scaled)
    state = update_rates(state, model, added=777_777 * 10**6)
    assert market.reserve_state("USDC") == state
    assert state.liquidity_index > RAY and state.accrued_to_treasury > 0


def test_a_year_of_interest_splits_between_suppliers_treasury_and_compounding(
    market: Any, alice: Any, bob: Any, whale: Any, treasury: Any, chain: Any
) -> None:
    borrow_half_the_usdc(market, alice)
    usdc = market.tokens["USDC"]
    warp(chain, SECONDS_PER_YEAR)
    market.supply(bob, "USDC", 10**6)  # any action accrues the reserve
    market.pool.mintToTreasury([usdc], sender=bob)
    # A year at 2.2222%: the debt compounds to 112,354.82 of interest; suppliers earn 1% simple (100,000 on the
    # whale's 10M) and the treasury 10% of the debt interest; the compounding gap stays in the pool.
    assert market.pool.getUserReserve(alice, usdc).debt == 5_000_000 * 10**6 + 112_354_823960
    assert market.pool.getUserReserve(whale, usdc).supplied == 10_000_000 * 10**6 + 100_000 * 10**6
    assert market.pool.getUserReserve(treasury, usdc).supplied == 11_235_482395
    assert market.pool.getReserveState(usdc).accruedToTreasury == 0


def test_mint_to_treasury_credits_the_accrued_share(
    market: Any, alice: Any, treasury: Any, chain: Any
) -> None:
    borrow_half_the_usdc(market, alice)
    usdc = market.tokens["USDC"]
    now = warp(chain, 90 * DAY)
    market.supply(alice, "USDC", 10**6)  # accrues the reserve
    state = market.reserve_state("USDC")
    assert state.last_update == now
    receipt = market.pool.mintToTreasury([usdc], sender=alice)
    [log] = receipt.decode_logs(market.pool.MintedToTreasury)
    assert log.amountMinted == supply_balance(state.accrued_to_treasury, state.liquidity_index)
    treasury_position = market.pool.getUserReserve(treasury, usdc)
    assert treasury_position.scaledSupply == state.accrued_to_treasury
    assert market.reserve_state("USDC") == replace(
        state,
        accrued_to_treasury=0,
        scaled_total_supply=state.scaled_total_supply + state.accrued_to_treasury,
    )


def test_reserve_factor_change_accrues_under_the_old_factor(
    market: Any, alice: Any, deployer: Any, chain: Any
) -> None:
    borrow_half_the_usdc(market, alice)
    before = market.reserve_state("USDC")
    now = warp(chain, 60 * DAY)
    market.pool.configureReserve(
        market.tokens["USDC"], 7500, 7800, 10450, 1000, 5000, 0, 0, True, True, sender=deployer
    )
    expected: ReserveState = accrue(before, now)  # under the old 10%
    after = market.reserve_state("USDC")
    assert after.accrued_to_treasury == expected.accrued_to_treasury
    assert after.reserve_factor == 5000
    # The new factor halves what suppliers earn from now on: 2.2222% x 50% x 50%
    assert after.liquidity_rate < before.liquidity_rate
