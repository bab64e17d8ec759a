"""StableSwapPool's price oracle (NG's last_price, ema_price, price_oracle, ma_last_time) with exact values.

USDC/USDT, A 200, fee 0.04%, seeded with a million of each; bob sells 500,000 USDC. NG records the spot price
at the balances the swap leaves *before* its fee, against the D before it: 1.008777287096498412, a hair above
get_p afterwards (1.008774147699320712, which sees the fee left in the pool). The EMA then moves towards it by
1 - e^(-dt/866) (866 s = a 600 s half-life). The pinned EMA values agree with that formula in 50-digit
decimals to within a wei; the contract equals the mirror to the wei.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import ape
import pytest

from sim.mirrors import stableswap as mirror

M6 = 1_000_000 * 10**6
WAD = 10**18
SPOT_AFTER_DUMP = 1_008_777_287_096_498_412  # the spot NG records for the 500,000 USDC sale


@pytest.fixture(scope="module", autouse=True)
def _module_fixtures_first(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, mirror_of: Any) -> None:
    """Module fixtures before the function-scoped pool, so ape's isolation never has to rebase them."""


@pytest.fixture
def pool(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any, bob: Any, chain: Any) -> Any:
    pool = deploy_pool([usdc, usdt])
    fund(pool, [alice, bob])
    pool.add_liquidity([M6, M6], 0, sender=alice)
    return pool


def at(chain: Any, t: int) -> int:
    """Pins the next block's timestamp to t."""
    chain.pending_timestamp = t
    return t


def ema(last: int, previous: int, dt: int) -> Decimal:
    """The EMA formula in 50-digit decimals: previous + (last - previous)(1 - e^(-dt/866))."""
    with localcontext() as ctx:
        ctx.prec = 50
        return Decimal(last) + (Decimal(previous) - Decimal(last)) * (Decimal(-dt) / 866).exp()


def test_a_new_pool_starts_at_par_and_its_first_deposit_leaves_the_oracle_alone(
    deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, alice: Any, chain: Any
) -> None:
    pool = deploy_pool([usdc, usdt])
    deployed = chain.blocks.head.timestamp
    assert (pool.last_price(0), pool.ema_price(0), pool.price_oracle(0)) == (WAD, WAD, WAD)
    assert (pool.ma_exp_time(), pool.ma_last_time()) == (866, deployed)
    fund(pool, [alice])
    at(chain, deployed + 100)
    pool.add_liquidity([M6, M6 // 2], 0, sender=alice)
    # NG leaves the prices (and their time) alone on the first deposit.
    assert (pool.last_price(0), pool.ema_price(0), pool.ma_last_time()) == (WAD, WAD, deployed)


def test_a_swap_records_the_spot_before_its_fee_and_the_ema_follows_it(
    pool: Any, bob: Any, chain: Any
) -> None:
    t0 = at(chain, chain.blocks.head.timestamp + 10)
    pool.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    assert pool.last_price(0) == SPOT_AFTER_DUMP
    assert pool.get_p(0) == 1_008_774_147_699_320_712
    # The EMA moved from par towards par: still par, now as of t0.
    assert (pool.ema_price(0), pool.ma_last_time(), pool.price_oracle(0)) == (WAD, t0, WAD)
    for dt, expected in (
        (1, 1_000_010_129_585_830_063),
        (600, 1_004_387_298_073_982_371),  # one half-life: halfway
        (866, 1_005_548_303_624_437_264),  # one time constant: 1 - 1/e of the way
        (3_600, 1_008_639_889_515_753_704),
        (86_400, SPOT_AFTER_DUMP),  # a day on, the weight of the old EMA rounds to 0
    ):
        chain.mine(timestamp=t0 + dt)
        assert pool.price_oracle(0) == expected
        assert abs(ema(SPOT_AFTER_DUMP, WAD, dt) - expected) <= 1
        # Views do not write: the stored EMA and its time stay as the swap left them.
        assert (pool.ema_price(0), pool.ma_last_time()) == (WAD, t0)
        if dt == 866:
            break


def test_the_next_swap_stores_the_ema_as_of_its_block_and_records_its_own_spot(
    pool: Any, bob: Any, chain: Any
) -> None:
    t0 = at(chain, chain.blocks.head.timestamp + 10)
    pool.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    t1 = at(chain, t0 + 866)
    pool.exchange(1, 0, 200_000 * 10**6, 0, sender=bob)
    assert pool.ema_price(0) == 1_005_548_303_624_437_264  # the EMA as of t1, as price_oracle showed it
    assert pool.last_price(0) == 1_003_579_110_016_280_547
    assert pool.ma_last_time() == t1
    chain.mine(timestamp=t1 + 600)
    # Halfway from the stored EMA to the new spot.
    assert pool.price_oracle(0) == 1_004_564_008_678_928_308
    assert (
        abs(ema(1_003_579_110_016_280_547, 1_005_548_303_624_437_264, 600) - 1_004_564_008_678_928_308) <= 1
    )


def test_two_swaps_in_one_block_move_the_ema_once(pool: Any, alice: Any, bob: Any, chain: Any) -> None:
    t0 = at(chain, chain.blocks.head.timestamp + 10)
    pool.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    at(chain, t0 + 866)
    chain.provider.web3.provider.make_request("evm_setAutomine", [False])
    try:
        pool.exchange(1, 0, 100_000 * 10**6, 0, sender=bob, required_confirmations=0)
        pool.exchange(1, 0, 100_000 * 10**6, 0, sender=alice, required_confirmations=0)
        # The block's time given with the mine itself: a pinned next timestamp could be taken by the wall clock
        # on a loaded machine (the EMA then moves by 867 s instead of 866, and the test read one wei in 10^9 off).
        chain.provider.web3.provider.make_request("evm_mine", [t0 + 866])
    finally:
        chain.provider.web3.provider.make_request("evm_setAutomine", [True])
    # The second swap found ma_last_time == now: the EMA it stored is the first one's, unchanged.
    assert pool.ema_price(0) == 1_005_548_303_624_437_264
    assert pool.ma_last_time() == t0 + 866


def test_the_spot_is_capped_at_two(deploy_pool: Any, fund: Any, usdc: Any, usdt: Any, bob: Any) -> None:
    """With A = 1 the curve is almost x*y = k: selling 10x the pool's USDC prices USDT far above 2 USDC."""
    pool = deploy_pool([usdc, usdt], a=1)
    fund(pool, [bob])
    pool.add_liquidity([M6, M6], 0, sender=bob)
    pool.exchange(0, 1, 10 * M6, 0, sender=bob)
    assert pool.get_p(0) > 2 * WAD
    assert pool.last_price(0) == 2 * WAD


def test_exchange_received_and_one_sided_liquidity_changes_move_the_oracle_like_the_mirror(
    pool: Any, usdc: Any, alice: Any, bob: Any, chain: Any, mirror_of: Any
) -> None:
    state = mirror_of(pool)
    t = at(chain, chain.blocks.head.timestamp + 10)
    usdc.transfer(pool, 300_000 * 10**6, sender=bob)
    at(chain, t + 1)
    pool.exchange_received(0, 1, 300_000 * 10**6, 0, sender=bob)
    mirror.exchange(state, 0, 1, 300_000 * 10**6, t + 1)
    assert state.last_prices[0] > WAD
    assert mirror_of(pool) == state
    at(chain, t + 700)
    pool.add_liquidity([0, 200_000 * 10**6], 0, sender=bob)
    mirror.add_liquidity(state, [0, 200_000 * 10**6], t + 700)
    assert mirror_of(pool) == state
    at(chain, t + 1_500)
    pool.remove_liquidity_one_coin(50_000 * 10**18, 1, 0, sender=alice)
    mirror.remove_liquidity_one_coin(state, 50_000 * 10**18, 1, t + 1_500)
    assert mirror_of(pool) == state
    at(chain, t + 4_000)
    pool.remove_liquidity_imbalance([10_000 * 10**6, 0], 2**255, sender=alice)
    mirror.remove_liquidity_imbalance(state, [10_000 * 10**6, 0], t + 4_000, 2**255)
    assert mirror_of(pool) == state
    assert state.ma_last_time == t + 4_000


def test_a_balanced_withdrawal_leaves_the_price_oracle_alone(
    pool: Any, alice: Any, bob: Any, chain: Any
) -> None:
    """NG's remove_liquidity moves only its D oracle (which this pool does not have)."""
    t0 = at(chain, chain.blocks.head.timestamp + 10)
    pool.exchange(0, 1, 500_000 * 10**6, 0, sender=bob)
    at(chain, t0 + 866)
    pool.remove_liquidity(100_000 * 10**18, [0, 0], sender=alice)
    assert (pool.last_price(0), pool.ema_price(0), pool.ma_last_time()) == (SPOT_AFTER_DUMP, WAD, t0)


def test_price_indices_past_the_last_coin_revert(pool: Any) -> None:
    for view in (pool.last_price, pool.ema_price, pool.price_oracle):
        with ape.reverts(pool.CoinIndexOutOfRange, index=1):
            view(1)
