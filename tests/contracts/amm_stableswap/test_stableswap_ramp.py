"""Ramping A: linear in time, equal to the mirror at every second, Curve's limits, owner only, and trades mid-ramp."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from sim.mirrors import stableswap as mirror

DAY = 86_400
M6 = 1_000_000 * 10**6


@pytest.fixture(scope="module")
def pool(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any, bob: Any) -> Any:
    """USDC/USDT at A 200, seeded 1M/1M by alice."""
    deployed = deploy_pool([usdc, usdt])
    fund(deployed, [alice, bob])
    deployed.add_liquidity([M6, M6], 0, sender=alice)
    return deployed


@pytest.fixture(scope="module", autouse=True)
def _pool_first(pool: Any) -> None:
    """Deploy before any test, so ape's isolation never has to rebase fixtures."""


def start_ramp(pool: Any, owner: Any, chain: Any, future_a: int, duration: int) -> int:
    """Sends ramp_A in a block at a known time and returns that time."""
    start = chain.pending_timestamp + 10
    chain.pending_timestamp = start
    pool.ramp_A(future_a, start + duration, sender=owner)
    return start


def a_at(pool: Any, chain: Any, t: int) -> int:
    """A_precise() read in a block mined at time t."""
    chain.mine(timestamp=t)
    return int(pool.A_precise())


def test_ramp_up_moves_A_linearly_to_the_target(pool: Any, deployer: Any, chain: Any) -> None:
    start = chain.pending_timestamp + 10
    chain.pending_timestamp = start
    receipt = pool.ramp_A(2_000, start + 10 * DAY, sender=deployer)
    [log] = list(receipt.decode_logs(pool.RampA))
    assert (log.old_A, log.new_A, log.initial_time, log.future_time) == (
        20_000,
        200_000,
        start,
        start + 10 * DAY,
    )
    assert (pool.initial_A(), pool.future_A(), pool.initial_A_time(), pool.future_A_time()) == (
        20_000,
        200_000,
        start,
        start + 10 * DAY,
    )
    # 180000 over 864000 s: +0.2083 per second of A_precise, rounded down.
    assert a_at(pool, chain, start + 1) == 20_000
    assert a_at(pool, chain, start + 5) == 20_001
    assert a_at(pool, chain, start + DAY) == 38_000
    assert a_at(pool, chain, start + 5 * DAY) == 110_000
    assert pool.A() == 1_100
    assert a_at(pool, chain, start + 10 * DAY - 1) == 199_999
    assert a_at(pool, chain, start + 10 * DAY) == 200_000
    assert a_at(pool, chain, start + 20 * DAY) == 200_000
    assert pool.A() == 2_000


def test_ramp_down_moves_A_linearly_to_the_target(pool: Any, deployer: Any, chain: Any) -> None:
    start = start_ramp(pool, deployer, chain, 20, 2 * DAY)
    assert a_at(pool, chain, start + DAY // 2) == 15_500
    assert a_at(pool, chain, start + DAY) == 11_000
    assert a_at(pool, chain, start + 2 * DAY - 1) == 2_001
    assert a_at(pool, chain, start + 2 * DAY) == 2_000
    assert pool.A() == 20


def test_stop_ramp_freezes_A_where_it_is(pool: Any, deployer: Any, chain: Any) -> None:
    start = start_ramp(pool, deployer, chain, 2_000, 10 * DAY)
    chain.pending_timestamp = start + 5 * DAY
    receipt = pool.stop_ramp_A(sender=deployer)
    [log] = list(receipt.decode_logs(pool.StopRampA))
    assert (log.A, log.t) == (110_000, start + 5 * DAY)
    assert a_at(pool, chain, start + 8 * DAY) == 110_000
    assert (pool.initial_A(), pool.future_A()) == (110_000, 110_000)
    assert pool.initial_A_time() == pool.future_A_time() == start + 5 * DAY


def test_only_the_owner_ramps_or_stops(pool: Any, alice: Any, chain: Any) -> None:
    with ape.reverts(pool.NotOwner, caller=alice.address):
        pool.ramp_A(400, chain.pending_timestamp + 2 * DAY, sender=alice)
    with ape.reverts(pool.NotOwner, caller=alice.address):
        pool.stop_ramp_A(sender=alice)


def test_ramp_limits(pool: Any, deployer: Any, chain: Any) -> None:
    now = chain.pending_timestamp + 10
    chain.pending_timestamp = now
    with ape.reverts(pool.RampTooShort, future_time=now + DAY - 1, earliest=now + DAY):
        pool.ramp_A(400, now + DAY - 1, sender=deployer)
    for bad in (0, 10**6):
        with ape.reverts(pool.BadA, A=bad):
            pool.ramp_A(bad, now + 2 * DAY, sender=deployer)
    with ape.reverts(pool.AChangeTooLarge, initial_A=20_000, future_A=200_100):
        pool.ramp_A(2_001, now + 2 * DAY, sender=deployer)
    with ape.reverts(pool.AChangeTooLarge, initial_A=20_000, future_A=1_900):
        pool.ramp_A(19, now + 2 * DAY, sender=deployer)


def test_tenfold_is_allowed_but_a_new_ramp_waits_a_day(pool: Any, deployer: Any, chain: Any) -> None:
    start = start_ramp(pool, deployer, chain, 2_000, DAY)
    chain.pending_timestamp = start + DAY - 1
    with ape.reverts(pool.RampTooSoon, earliest=start + DAY):
        pool.ramp_A(200, start + 3 * DAY, sender=deployer)
    chain.pending_timestamp = start + DAY
    pool.ramp_A(200, start + 3 * DAY, sender=deployer)  # back down tenfold from 2000
    assert pool.initial_A() == 200_000


def test_trades_during_a_ramp_use_the_A_of_their_block(
    pool: Any, deployer: Any, bob: Any, chain: Any, mirror_of: Any
) -> None:
    state = mirror_of(pool)
    start = start_ramp(pool, deployer, chain, 2_000, 4 * DAY)
    mirror.ramp_A(state, 2_000, start + 4 * DAY, start)
    assert mirror_of(pool) == state
    for offset, dx in ((3_600, 50_000 * 10**6), (DAY + 17, 200_000 * 10**6), (3 * DAY + 5, 300_000 * 10**6)):
        t = start + offset
        chain.pending_timestamp = t
        receipt = pool.exchange(0, 1, dx, 0, sender=bob)
        [log] = list(receipt.decode_logs(pool.TokenExchange))
        assert log.tokens_bought == mirror.exchange(state, 0, 1, dx, t)
        assert mirror_of(pool) == state
        assert pool.get_virtual_price() == mirror.virtual_price(state, t)


def test_virtual_price_moves_with_A_alone_on_an_imbalanced_pool(
    pool: Any, deployer: Any, bob: Any, chain: Any, mirror_of: Any
) -> None:
    pool.exchange(0, 1, 700_000 * 10**6, 0, sender=bob)
    state = mirror_of(pool)
    start = start_ramp(pool, deployer, chain, 2_000, 2 * DAY)
    mirror.ramp_A(state, 2_000, start + 2 * DAY, start)
    before = mirror.virtual_price(state, start)
    chain.mine(timestamp=start + 2 * DAY)
    after = pool.get_virtual_price()
    # A higher A flattens the curve, so the same imbalanced balances hold a larger D.
    assert after == mirror.virtual_price(state, start + 2 * DAY) > before


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    target=st.integers(20, 2_000),
    duration=st.integers(DAY, 30 * DAY),
    checkpoints=st.lists(st.integers(0, 40 * DAY), min_size=1, max_size=5),
)
def test_A_equals_the_mirror_at_any_time(
    pool: Any, deployer: Any, chain: Any, mirror_of: Any, target: int, duration: int, checkpoints: list[int]
) -> None:
    snapshot = chain.snapshot()
    try:
        state = mirror_of(pool)
        start = start_ramp(pool, deployer, chain, target, duration)
        mirror.ramp_A(state, target, start + duration, start)
        for offset in sorted(set(checkpoints)):
            t = start + 1 + offset
            assert a_at(pool, chain, t) == state.amp(t)
    finally:
        chain.restore(snapshot)
