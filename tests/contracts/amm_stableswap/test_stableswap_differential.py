"""StableSwapPool against sim.mirrors.stableswap, to the wei, on random pools of 2, 3 and 4 coins.

Each example seeds one of several deployed pools (A from 1 to 50,000, fees from 0 to 5%, constant or dynamic,
decimals 6, 8 and 18) with random balances, then checks every view against the mirror; the second test executes
random operations and compares what they pay and the books after each one. Where the mirror says the contract
reverts, an eth_call must revert with the same error (a raw call: ape's revert tracing is slow).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st

from sim.mirrors import stableswap as mirror
from sim.mirrors.stableswap import StableSwapError, StableSwapState
from tests.fuzz_profiles import fuzz_settings, profile_name

T = TypeVar("T")
PANIC_SELECTOR = "0x4e487b71"

# (coins, A, fee, off-peg multiplier): the decimals and fee settings cover every branch of the math.
POOL_SPECS = [
    (("usdc", "usdt"), 200, 4_000_000, 20_000_000_000),
    (("usde", "usdc"), 1_500, 1_000_000, 50_000_000_000),
    (("usdt", "dai"), 50_000, 0, 10_000_000_000),
    (("usde", "usdc", "usdt"), 200, 1_000_000, 50_000_000_000),
    (("dai", "usdc", "wbtc"), 10, 30_000_000, 10_000_000_000),
    (("usde", "usdc", "usdt", "dai"), 1_000, 4_000_000, 20_000_000_000),
    (("usdc", "wbtc", "dai", "usdt"), 1, 500_000_000, 100_000_000_000),
]
OPERATIONS = (
    "exchange",
    "add_liquidity",
    "remove_liquidity",
    "remove_liquidity_one_coin",
    "remove_liquidity_imbalance",
)
# Seconds between blocks: within one EMA time constant (866 s) and well past it.
GAPS = (1, 12, 60, 600, 3_600, 86_400)
# Operations per example: a few in CI, more under CASCADE_FUZZ=deep (`make fuzz`).
MAX_STEPS = 12 if profile_name() == "deep" else 4


def differential(ci_examples: int) -> settings:
    """`ci_examples` in CI, the deep profile's examples (randomised) under `make fuzz`. No shrinking: every
    shrink step replays chain calls, and the unshrunk example is printed anyway."""
    return settings(
        fuzz_settings(ci_examples=ci_examples),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],
    )


@pytest.fixture(scope="module")
def pools(deploy_pool: Any, fund: Any, alice: Any, bob: Any, request: Any) -> list[Any]:
    deployed = []
    for symbols, a, fee, offpeg in POOL_SPECS:
        pool = deploy_pool([request.getfixturevalue(s) for s in symbols], a=a, fee=fee, offpeg=offpeg)
        fund(pool, [alice, bob])
        deployed.append(pool)
    return deployed


def revert_selector(pool: Any, method: str, args: tuple[Any, ...], sender: Any) -> str:
    """The 4-byte error a call reverts with; fails the test when it does not revert."""
    call = {"to": pool.address, "data": getattr(pool, method).encode_input(*args)}
    if sender is not None:
        call["from"] = sender.address
    try:
        pool.provider.web3.eth.call(call)
    except Exception as error:  # web3 raises one class per revert kind; all carry the revert data last
        data = str(error.args[-1])
        return data[:10]
    pytest.fail(f"{method}{args} did not revert")


def error_selector(pool: Any, name: str) -> str:
    if name == "Panic":
        return PANIC_SELECTOR
    lookup = pool.contract_type.identifier_lookup
    [selector] = [s for s, abi in lookup.items() if abi.type == "error" and abi.name == name]
    return str(selector)


def agree(
    pool: Any, method: str, args: tuple[Any, ...], modelled: Callable[[], T], sender: Any = None
) -> tuple[T, Any] | None:
    """(mirror result, chain result) when the mirror succeeds; None when both revert with the same error."""
    try:
        expected = modelled()
    except StableSwapError as error:
        assert revert_selector(pool, method, args, sender) == error_selector(pool, error.name), error
        event(f"{method} reverts: {error.name}")
        return None
    handler = getattr(pool, method)
    return expected, handler(*args) if sender is None else handler(*args, sender=sender)


def view_agrees(pool: Any, method: str, args: tuple[Any, ...], modelled: Callable[[], int]) -> None:
    outcome = agree(pool, method, args, modelled)
    if outcome is not None:
        assert outcome[1] == outcome[0], method


@st.composite
def balances_for(draw: st.DrawFn, decimals: list[int]) -> list[int]:
    """Balances around a common size (1 to 1e9 whole coins), each up to ~1000x off it either way."""
    size = draw(st.integers(0, 9))
    amounts = []
    for d in decimals:
        exponent = max(0, size + draw(st.integers(-3, 3))) + d
        amounts.append(draw(st.integers(10**exponent, 10 ** (exponent + 1))))
    return amounts


def fraction_of(draw: st.DrawFn, amount: int) -> int:
    """Anything from one wei to twice `amount`, mostly small fractions of it."""
    ppm = draw(st.one_of(st.integers(1, 10_000), st.integers(1, 2_000_000)))
    return max(1, amount * ppm // 1_000_000 + draw(st.integers(0, 1_000)))


def next_block_at(chain: Any, seconds: int = 1) -> int:
    """Pins the next block's timestamp `seconds` after the head's and returns it: the oracle's EMA and its time
    depend on it, so the mirror must run at the very time the transaction is mined."""
    t = int(chain.blocks.head.timestamp) + seconds
    chain.pending_timestamp = t
    return t


def deposit(pool: Any, state: StableSwapState, amounts: list[int], user: Any, t: int) -> bool:
    """The same deposit on chain and in the mirror, minting the same shares; False when both revert."""
    before = pool.balanceOf(user)
    outcome = agree(
        pool, "add_liquidity", (amounts, 0), lambda: mirror.add_liquidity(state, amounts, t), user
    )
    if outcome is None:
        return False
    assert pool.balanceOf(user) - before == outcome[0]
    return True


def seeded(
    pool: Any, coin_of: Any, mirror_of: Any, alice: Any, chain: Any, data: st.DataObject
) -> StableSwapState | None:
    """The pool after alice's random first deposit, and its mirror; None when the deposit reverts."""
    state = mirror_of(pool)
    decimals = [coin_of(pool, k).decimals() for k in range(state.n)]
    amounts = data.draw(balances_for(decimals), label="balances")
    if not deposit(pool, state, amounts, alice, next_block_at(chain)):
        event("first deposit reverts on chain and in the mirror")
        return None
    assert mirror_of(pool) == state
    return state


@pytest.mark.fuzz
@differential(ci_examples=60)
@given(data=st.data())
def test_views_equal_the_mirror(
    pools: list[Any], coin_of: Any, mirror_of: Any, alice: Any, chain: Any, data: st.DataObject
) -> None:
    pool = data.draw(st.sampled_from(pools), label="pool")
    snapshot = chain.snapshot()
    try:
        state = seeded(pool, coin_of, mirror_of, alice, chain, data)
        if state is None:
            return
        t = chain.blocks.head.timestamp
        i, j = data.draw(st.permutations(range(state.n)), label="i, j")[:2]
        dx = fraction_of(data.draw, state.balances[i])
        dy = fraction_of(data.draw, state.balances[j] // 2)
        added = [fraction_of(data.draw, b) if data.draw(st.booleans()) else 0 for b in state.balances]
        removed = [min(b, fraction_of(data.draw, b // 4)) for b in state.balances]
        burn = fraction_of(data.draw, state.total_supply // 2)

        view_agrees(pool, "get_virtual_price", (), lambda: mirror.virtual_price(state, t))
        view_agrees(pool, "A_precise", (), lambda: state.amp(t))
        view_agrees(pool, "dynamic_fee", (i, j), lambda: mirror.pool_dynamic_fee(state, i, j))
        view_agrees(pool, "get_dy", (i, j, dx), lambda: mirror.get_dy(state, i, j, dx, t))
        view_agrees(pool, "get_dx", (i, j, dy), lambda: mirror.get_dx(state, i, j, dy, t))
        view_agrees(
            pool, "calc_token_amount", (added, True), lambda: mirror.calc_token_amount(state, added, True, t)
        )
        view_agrees(
            pool,
            "calc_token_amount",
            (removed, False),
            lambda: mirror.calc_token_amount(state, removed, False, t),
        )
        view_agrees(
            pool,
            "calc_withdraw_one_coin",
            (burn, j),
            lambda: mirror.calc_withdraw_one_coin(state, burn, j, t),
        )
        for k in range(state.n - 1):
            view_agrees(pool, "get_p", (k,), lambda k=k: mirror.get_p(state, k, t))
            view_agrees(pool, "price_oracle", (k,), lambda k=k: mirror.price_oracle(state, k, t))
    finally:
        chain.restore(snapshot)


@pytest.mark.fuzz
@differential(ci_examples=20)
@given(data=st.data())
def test_executed_operations_leave_the_books_of_the_mirror(
    pools: list[Any], coin_of: Any, mirror_of: Any, alice: Any, bob: Any, chain: Any, data: st.DataObject
) -> None:
    pool = data.draw(st.sampled_from(pools), label="pool")
    snapshot = chain.snapshot()
    try:
        state = seeded(pool, coin_of, mirror_of, alice, chain, data)
        # bob holds a share of the pool too, so that he can withdraw.
        if state is None or not deposit(
            pool, state, [b // 3 for b in state.balances], bob, next_block_at(chain)
        ):
            return
        for _ in range(data.draw(st.integers(1, MAX_STEPS), label="steps")):
            operation = data.draw(st.sampled_from(OPERATIONS), label="operation")
            # Time passes between operations, so that each one moves the EMA from where the last one left it.
            t = next_block_at(chain, data.draw(st.sampled_from(GAPS), label="seconds before"))
            run_operation(operation, pool, state, bob, t, data)
            # The books and NG's price oracle (last price, EMA, its time) equal the mirror's.
            assert mirror_of(pool) == state
            assert pool.balanceOf(alice) + pool.balanceOf(bob) == pool.totalSupply()
            # And the EMA as of a later block: moved towards the last price as the mirror says.
            chain.mine(timestamp=int(chain.blocks.head.timestamp) + data.draw(st.sampled_from(GAPS)))
            now = int(chain.blocks.head.timestamp)
            for k in range(state.n - 1):
                assert pool.price_oracle(k) == mirror.price_oracle(state, k, now)
    finally:
        chain.restore(snapshot)


def run_operation(
    operation: str, pool: Any, state: StableSwapState, user: Any, t: int, data: st.DataObject
) -> None:
    """One random operation by `user` on chain and in the mirror; what it pays or mints must agree too."""
    n = state.n
    shares = pool.balanceOf(user)
    if operation == "exchange":
        i, j = data.draw(st.permutations(range(n)), label="i, j")[:2]
        dx = fraction_of(data.draw, state.balances[i])
        outcome = agree(pool, "exchange", (i, j, dx, 0), lambda: mirror.exchange(state, i, j, dx, t), user)
        if outcome:
            [log] = list(outcome[1].decode_logs(pool.TokenExchange))
            assert log.tokens_bought == outcome[0]
    elif operation == "add_liquidity":
        amounts = [fraction_of(data.draw, b) if data.draw(st.booleans()) else 0 for b in state.balances]
        deposit(pool, state, amounts, user, t)
    elif operation == "remove_liquidity":
        burn = min(shares, fraction_of(data.draw, shares))
        outcome = agree(
            pool, "remove_liquidity", (burn, [0] * n), lambda: mirror.remove_liquidity(state, burn), user
        )
        if outcome:
            [log] = list(outcome[1].decode_logs(pool.RemoveLiquidity))
            assert list(log.token_amounts) == outcome[0]
    elif operation == "remove_liquidity_one_coin":
        burn = min(shares, fraction_of(data.draw, shares // 2))
        k = data.draw(st.integers(0, n - 1), label="coin")
        outcome = agree(
            pool,
            "remove_liquidity_one_coin",
            (burn, k, 0),
            lambda: mirror.remove_liquidity_one_coin(state, burn, k, t),
            user,
        )
        if outcome:
            [log] = list(outcome[1].decode_logs(pool.RemoveLiquidityOne))
            assert log.coin_amount == outcome[0]
    else:
        amounts = [min(b, fraction_of(data.draw, b // 20)) for b in state.balances]
        outcome = agree(
            pool,
            "remove_liquidity_imbalance",
            (amounts, shares),
            lambda: mirror.remove_liquidity_imbalance(state, amounts, t, shares),
            user,
        )
        if outcome:
            assert shares - pool.balanceOf(user) == outcome[0]
