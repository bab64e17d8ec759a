"""The venue's mitigations: the circuit breaker (trips at exactly dropBps within the window, blocks trades and
liquidations for the pause, then resumes) and gradual liquidation (a fraction per step, the next step only after
a further drop)."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.venue import breaker_bucket_width, breaker_trips, moved_against

from .conftest import E6, E9, E18, USD

WINDOW, PAUSE, DROP = 900, 300, 3_000


@pytest.fixture
def armed(venue: Any, breaker: Any, deployer: Any) -> Any:
    """The venue with the breaker on, at its defaults."""
    venue.setCircuitBreaker(breaker, sender=deployer)
    return breaker


@pytest.fixture
def levered_bob(venue: Any, usdt: Any, usde: Any, wbeth: Any, bnsol: Any, bob: Any, deposit: Any) -> Any:
    """10,000 USDe, 2 wBETH and 30 BNSOL against 18,000 USDT: equity 2,420, maintenance 900."""
    deposit(bob, usde, 10_000 * E18)
    deposit(bob, wbeth, 2 * E18)
    deposit(bob, bnsol, 30 * E9)
    venue.borrow(usdt, 18_000 * E6, sender=bob)
    venue.withdraw(usdt, 18_000 * E6, sender=bob)
    return bob


def _poke_at(breaker: Any, asset: Any, keeper: Any, chain: Any, timestamp: int) -> Any:
    chain.pending_timestamp = timestamp
    receipt = breaker.checkAndPause(asset, sender=keeper)
    assert receipt.timestamp == timestamp
    return receipt


# ------------------------------------------------------------------------------------------- circuit breaker


def test_breaker_defaults_are_the_seed_proposal(breaker: Any, oracle: Any) -> None:
    assert (breaker.dropBps(), breaker.window(), breaker.pauseDuration()) == (DROP, WINDOW, PAUSE)
    assert breaker.oracle() == oracle.address
    assert breaker_bucket_width(WINDOW) == 300


def test_breaker_trips_at_exactly_the_drop_within_the_window(
    breaker: Any, usde: Any, keeper: Any, chain: Any, set_price: Any
) -> None:
    t0 = chain.pending_timestamp + 10
    _poke_at(breaker, usde, keeper, chain, t0)  # records 1.00
    set_price(usde, 70_010_000)  # 29.99% down: not yet
    receipt = _poke_at(breaker, usde, keeper, chain, t0 + WINDOW - 1)
    assert list(receipt.decode_logs(breaker.CircuitBreakerTripped)) == []
    assert not breaker.isPaused(usde)
    set_price(usde, 70_000_000)  # exactly 30% down, a full window after the 1.00 touch
    assert breaker.wouldPause(usde)
    receipt = _poke_at(breaker, usde, keeper, chain, t0 + WINDOW)
    [event] = list(receipt.decode_logs(breaker.CircuitBreakerTripped))
    assert (event.asset, event.price, event.referencePrice, event.until) == (
        usde.address,
        70_000_000,
        USD,
        t0 + WINDOW + PAUSE,
    )
    assert breaker.isPaused(usde)
    assert breaker.pausedUntil(usde) == t0 + WINDOW + PAUSE
    assert breaker_trips(70_000_000, USD, DROP) and not breaker_trips(70_010_000, USD, DROP)


def test_a_peak_older_than_the_window_and_its_bucket_does_not_trip(
    breaker: Any, usde: Any, keeper: Any, chain: Any, set_price: Any
) -> None:
    t0 = chain.pending_timestamp + 10
    _poke_at(breaker, usde, keeper, chain, t0)
    set_price(usde, 50_000_000)
    receipt = _poke_at(breaker, usde, keeper, chain, t0 + WINDOW + breaker_bucket_width(WINDOW))
    assert list(receipt.decode_logs(breaker.CircuitBreakerTripped)) == []
    assert breaker.referencePrice(usde) == 50_000_000


def test_a_paused_asset_cannot_be_traded_or_liquidated_until_the_pause_ends(
    venue: Any,
    armed: Any,
    usde: Any,
    weth: Any,
    alice: Any,
    usdt: Any,
    levered_bob: Any,
    keeper: Any,
    liquidator: Any,
    chain: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    breaker = armed
    deposit(alice, usdt, 10_000 * E6)
    t0 = chain.pending_timestamp + 10
    _poke_at(breaker, usde, keeper, chain, t0)
    _poke_at(breaker, weth, keeper, chain, t0 + 1)
    set_price(usde, 70_000_000)  # bob: 6,650 + 7,920 + 3,000 - 18,000 < 900
    set_price(weth, 3_080 * USD)  # ETH -30%
    _poke_at(breaker, usde, keeper, chain, t0 + 60)
    _poke_at(breaker, weth, keeper, chain, t0 + 61)
    until = t0 + 60 + PAUSE
    assert venue.isLiquidatable(levered_bob)

    with ape.reverts(venue.AssetPaused, asset=usde.address, until=until):
        venue.liquidate(levered_bob, sender=liquidator)
    with ape.reverts(venue.AssetPaused, asset=weth.address, until=until + 1):
        venue.openPosition(weth, E18, sender=alice)

    chain.mine(timestamp=until - 3)  # the last seconds of the pause
    with ape.reverts(venue.AssetPaused, asset=usde.address, until=until):
        venue.liquidate(levered_bob, sender=liquidator)

    chain.pending_timestamp = until
    receipt = venue.liquidate(levered_bob, sender=liquidator)
    assert receipt.timestamp == until
    [resumed] = list(receipt.decode_logs(breaker.CircuitBreakerResumed))
    assert (resumed.asset, resumed.price, resumed.timestamp) == (usde.address, 70_000_000, until)
    assert usde.balanceOf(venue) == 0
    chain.pending_timestamp = until + 1
    venue.openPosition(weth, E18, sender=alice)  # ETH's pause ended too
    assert venue.getPosition(alice, weth).size == E18


def test_without_a_keeper_the_venue_still_refuses_while_the_drop_holds(
    venue: Any,
    armed: Any,
    usde: Any,
    levered_bob: Any,
    keeper: Any,
    liquidator: Any,
    chain: Any,
    set_price: Any,
) -> None:
    t0 = chain.pending_timestamp + 10
    _poke_at(armed, usde, keeper, chain, t0)
    set_price(usde, 70_000_000)
    # The venue's check (a view) sees the trip and reverts with the pause it would start; nothing is recorded.
    chain.mine(timestamp=t0 + 100)
    chain.pending_timestamp = t0 + 101
    with ape.reverts(venue.AssetPaused, asset=usde.address, until=t0 + 101 + PAUSE):
        venue.liquidate(levered_bob, sender=liquidator)
    assert not armed.isPaused(usde)  # the keeper's poke records the trip
    assert armed.wouldPause(usde)


def test_a_liquidation_that_crashes_a_price_pauses_the_next_one(
    venue: Any,
    armed: Any,
    oracle: Any,
    usdt: Any,
    usde: Any,
    pools: dict[str, Any],
    alice: Any,
    bob: Any,
    deployer: Any,
    keeper: Any,
    liquidator: Any,
    deposit: Any,
    dump: Any,
) -> None:
    oracle.setPoolSpotSource(usde, pools["USDe"], usdt, sender=deployer)
    for account, amount, loan in ((alice, 20_000, 16_000), (bob, 10_000, 5_000)):
        deposit(account, usde, amount * E18)
        venue.borrow(usdt, loan * E6, sender=account)
        venue.withdraw(usdt, loan * E6, sender=account)
    armed.checkAndPause(usde, sender=keeper)  # reference ~1.00
    dump(pools["USDe"], usde, 8_000 * E18)  # ~0.74: -26%, no trip
    assert not armed.wouldPause(usde)

    receipt = venue.liquidate(alice, sender=liquidator)  # its sale takes USDe to ~0.41

    [tripped] = list(receipt.decode_logs(armed.CircuitBreakerTripped))
    assert tripped.asset == usde.address and tripped.price == oracle.getAssetPrice(usde)
    assert venue.isLiquidatable(bob)
    with ape.reverts(venue.AssetPaused, asset=usde.address, until=tripped.until):
        venue.liquidate(bob, sender=liquidator)


def test_a_trade_records_its_mark_with_the_breaker_after_the_trade(
    venue: Any, armed: Any, usdt: Any, weth: Any, alice: Any, chain: Any, deposit: Any
) -> None:
    deposit(alice, usdt, 10_000 * E6)
    assert armed.referencePrice(weth) == 0  # nobody touched ETH yet
    chain.pending_timestamp = chain.pending_timestamp + 10
    receipt = venue.openPosition(weth, E18, sender=alice)
    # The breaker's record is the trade's last act: its bucket holds the mark the trade was validated at.
    assert armed.referencePrice(weth) == 4_400 * USD
    [changed] = list(receipt.decode_logs(venue.PositionChanged))
    assert changed.price == 4_400 * USD


def test_only_the_owner_sets_breaker_parameters(breaker: Any, deployer: Any, alice: Any) -> None:
    with ape.reverts(breaker.NotOwner, caller=alice.address):
        breaker.setParameters(2_000, 600, 60, sender=alice)
    with ape.reverts(breaker.InvalidParameter):
        breaker.setParameters(10_000, 600, 60, sender=deployer)
    with ape.reverts(breaker.InvalidParameter):
        breaker.setParameters(2_000, 600, 0, sender=deployer)
    receipt = breaker.setParameters(2_000, 600, 60, sender=deployer)
    [event] = list(receipt.decode_logs(breaker.ParametersSet))
    assert (event.dropBps, event.window, event.pauseDuration) == (2_000, 600, 60)


# ------------------------------------------------------------------------------------------- gradual liquidation


@pytest.fixture
def gradual(venue: Any, deployer: Any) -> None:
    """Steps of 25%, the next one after a further 2% move against the account."""
    venue.setGradualLiquidation(2_500, 200, 0, sender=deployer)


@pytest.fixture
def long_alice(venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, set_price: Any) -> Any:
    """10,000 USDT and 20 ETH long from 4,400, marked down to 4,050: equity 3,000 < maintenance 4,050."""
    deposit(alice, usdt, 10_000 * E6)
    venue.openPosition(weth, 20 * E18, sender=alice)
    set_price(weth, 4_050 * USD)
    return alice


def test_a_gradual_step_closes_a_fraction_and_waits_for_a_further_drop(
    venue: Any, gradual: None, usdt: Any, weth: Any, long_alice: Any, liquidator: Any, set_price: Any
) -> None:
    alice = long_alice
    receipt = venue.liquidate(alice, sender=liquidator)
    [started] = list(receipt.decode_logs(venue.LiquidationStarted))
    assert started.fractionBps == 2_500
    [closed] = list(receipt.decode_logs(venue.PositionLiquidated))
    assert (closed.sizeClosed, closed.realizedPnl) == (5 * E18, -1_750 * USD)
    assert venue.getPosition(alice, weth).size == 15 * E18
    # 10,000 - 1,750 realized - 101.25 reward - 202.50 fee (0.5% and 1% of 20,250 notional)
    assert venue.balanceOf(alice, 0, usdt) == 7_946_250_000
    assert venue.isLiquidatable(alice)  # equity 2,696.25 < maintenance 3,037.50
    with ape.reverts(venue.LiquidationStepNotDue, account=alice.address, group=0):
        venue.liquidate(alice, sender=liquidator)

    set_price(weth, 3_970 * USD)  # 1.98% lower than at the step
    assert venue.isLiquidatable(alice)
    assert not moved_against(4_050 * USD, 3_970 * USD, 200, short=False)
    with ape.reverts(venue.LiquidationStepNotDue):
        venue.liquidate(alice, sender=liquidator)

    set_price(weth, 3_969 * USD)  # exactly 2% lower
    receipt = venue.liquidate(alice, sender=liquidator)
    [closed] = list(receipt.decode_logs(venue.PositionLiquidated))
    assert closed.sizeClosed == 15 * E18 // 4
    assert venue.getPosition(alice, weth).size == 45 * E18 // 4


def test_a_gradual_step_sells_the_fraction_of_every_collateral(
    venue: Any,
    gradual: None,
    usde: Any,
    wbeth: Any,
    bnsol: Any,
    levered_bob: Any,
    liquidator: Any,
    set_price: Any,
) -> None:
    set_price(usde, 80_000_000)  # equity 520 > 0, below maintenance 900
    receipt = venue.liquidate(levered_bob, sender=liquidator)
    sold = [(e.asset, e.amountIn) for e in receipt.decode_logs(venue.CollateralSold)]
    assert sold == [(usde.address, 2_500 * E18), (wbeth.address, E18 // 2), (bnsol.address, 75 * E9 // 10)]
    assert venue.balanceOf(levered_bob, 0, usde) == 7_500 * E18


def test_an_insolvent_account_is_liquidated_in_full_even_in_gradual_mode(
    venue: Any, gradual: None, weth: Any, long_alice: Any, liquidator: Any, set_price: Any
) -> None:
    venue.liquidate(long_alice, sender=liquidator)
    set_price(weth, 3_800 * USD)  # 7,946.25 - 15 x 600 < 0
    assert venue.accountEquity(long_alice) < 0
    receipt = venue.liquidate(long_alice, sender=liquidator)
    [started] = list(receipt.decode_logs(venue.LiquidationStarted))
    assert started.fractionBps == 10_000
    assert venue.getPosition(long_alice, weth).size == 0


def test_a_gradual_step_times_out(
    venue: Any, weth: Any, long_alice: Any, liquidator: Any, deployer: Any, chain: Any
) -> None:
    venue.setGradualLiquidation(2_500, 200, 600, sender=deployer)
    receipt = venue.liquidate(long_alice, sender=liquidator)
    chain.mine(timestamp=receipt.timestamp + 300)
    with ape.reverts(venue.LiquidationStepNotDue):
        venue.liquidate(long_alice, sender=liquidator)
    chain.pending_timestamp = receipt.timestamp + 600
    venue.liquidate(long_alice, sender=liquidator)
    assert venue.getPosition(long_alice, weth).size == 45 * E18 // 4


def test_gradual_parameters_are_checked(venue: Any, deployer: Any) -> None:
    with ape.reverts(venue.InvalidParameter):
        venue.setGradualLiquidation(10_000, 200, 0, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setGradualLiquidation(2_500, 0, 0, sender=deployer)
    receipt = venue.setGradualLiquidation(0, 0, 0, sender=deployer)  # off
    [event] = list(receipt.decode_logs(venue.GradualLiquidationSet))
    assert event.stepBps == 0
    assert venue.gradualLiquidation() == (0, 0, 0)
