"""Differential tests: the router's quotes and the pair's executed swaps equal the Python mirror to the wei."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import ape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.mirrors.cpmm import (
    CpmmError,
    CpmmState,
    get_amount_in,
    get_amount_out,
    get_amounts_in,
    get_amounts_out,
)

from .conftest import MAX_DEADLINE

UINT112_MAX = 2**112 - 1
reserves = st.integers(min_value=1, max_value=UINT112_MAX)
pool_reserves = st.integers(min_value=10**6, max_value=10**30)
amounts = st.one_of(st.integers(0, 10**6), st.integers(0, UINT112_MAX))
ON_CHAIN = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@contextmanager
def isolated(chain: Any) -> Iterator[None]:
    """Undo everything an example did, so each one starts from the module's state."""
    snapshot = chain.snapshot()
    try:
        yield
    finally:
        chain.restore(snapshot)


def _assert_same(contract_call: Any, mirror_call: Any, router: Any) -> None:
    try:
        expected = mirror_call()
    except CpmmError as error:
        with ape.reverts(getattr(router, error.name)):
            contract_call()
        return
    assert contract_call() == expected


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=amounts, reserve_in=reserves, reserve_out=reserves)
def test_get_amount_out_and_in_equal_the_mirror(
    router: Any, amount: int, reserve_in: int, reserve_out: int
) -> None:
    _assert_same(
        lambda: router.getAmountOut(amount, reserve_in, reserve_out),
        lambda: get_amount_out(amount, reserve_in, reserve_out),
        router,
    )
    _assert_same(
        lambda: router.getAmountIn(amount, reserve_in, reserve_out),
        lambda: get_amount_in(amount, reserve_in, reserve_out),
        router,
    )


def _seed(pair: Any, token0: Any, token1: Any, reserve0: int, reserve1: int, deployer: Any) -> None:
    token0.mint(pair, reserve0, sender=deployer)
    token1.mint(pair, reserve1, sender=deployer)
    pair.mint(deployer, sender=deployer)


@ON_CHAIN
@given(
    r01=st.tuples(pool_reserves, pool_reserves), r12=st.tuples(pool_reserves, pool_reserves), amount=amounts
)
def test_get_amounts_out_and_in_over_two_hops_equal_the_mirror(
    deployer: Any,
    chain: Any,
    router: Any,
    create_pair: Any,
    tokens: list[Any],
    r01: tuple[int, int],
    r12: tuple[int, int],
    amount: int,
) -> None:
    with isolated(chain):
        _seed(create_pair(tokens[0], tokens[1]), tokens[0], tokens[1], *r01, deployer)
        _seed(create_pair(tokens[1], tokens[2]), tokens[1], tokens[2], *r12, deployer)
        path = [tokens[0], tokens[1], tokens[2]]
        _assert_same(
            lambda: router.getAmountsOut(amount, path), lambda: get_amounts_out(amount, [r01, r12]), router
        )
        backwards = [tokens[2], tokens[1], tokens[0]]
        hops = [(r12[1], r12[0]), (r01[1], r01[0])]
        _assert_same(
            lambda: router.getAmountsIn(amount, backwards), lambda: get_amounts_in(amount, hops), router
        )


@ON_CHAIN
@given(
    reserve0=pool_reserves,
    reserve1=pool_reserves,
    amount_in=st.integers(1, 10**30),
    zero_for_one=st.booleans(),
)
def test_executed_exact_in_swap_leaves_the_mirror_reserves(
    deployer: Any,
    bob: Any,
    chain: Any,
    router: Any,
    create_pair: Any,
    token0: Any,
    token1: Any,
    reserve0: int,
    reserve1: int,
    amount_in: int,
    zero_for_one: bool,
) -> None:
    start = CpmmState(0, 0, 0).mint(reserve0, reserve1).state
    try:
        expected = start.swap_exact_in(amount_in, zero_for_one)
    except CpmmError:
        return  # an output of zero: covered by the quote test
    token_in, token_out = (token0, token1) if zero_for_one else (token1, token0)
    with isolated(chain):
        pair = create_pair(token0, token1)
        _seed(pair, token0, token1, reserve0, reserve1, deployer)
        token_in.mint(bob, amount_in, sender=deployer)
        token_in.approve(router, amount_in, sender=bob)
        router.swapExactTokensForTokens(
            amount_in, expected.amount, [token_in, token_out], bob, MAX_DEADLINE, sender=bob
        )
        assert token_out.balanceOf(bob) == expected.amount
        assert pair.getReserves()[:2] == (expected.state.reserve0, expected.state.reserve1)
        assert (token0.balanceOf(pair), token1.balanceOf(pair)) == (
            expected.state.reserve0,
            expected.state.reserve1,
        )


@ON_CHAIN
@given(
    reserve0=pool_reserves,
    reserve1=pool_reserves,
    out_bps=st.integers(1, 9_990),
    zero_for_one=st.booleans(),
)
def test_executed_exact_out_swap_charges_the_mirror_input(
    deployer: Any,
    bob: Any,
    chain: Any,
    router: Any,
    create_pair: Any,
    token0: Any,
    token1: Any,
    reserve0: int,
    reserve1: int,
    out_bps: int,
    zero_for_one: bool,
) -> None:
    start = CpmmState(0, 0, 0).mint(reserve0, reserve1).state
    amount_out = max(1, (reserve1 if zero_for_one else reserve0) * out_bps // 10_000)
    expected = start.swap_exact_out(amount_out, zero_for_one)
    token_in, token_out = (token0, token1) if zero_for_one else (token1, token0)
    with isolated(chain):
        pair = create_pair(token0, token1)
        _seed(pair, token0, token1, reserve0, reserve1, deployer)
        token_in.mint(bob, expected.amount, sender=deployer)
        token_in.approve(router, expected.amount, sender=bob)
        router.swapTokensForExactTokens(
            amount_out, expected.amount, [token_in, token_out], bob, MAX_DEADLINE, sender=bob
        )
        assert (token_in.balanceOf(bob), token_out.balanceOf(bob)) == (0, amount_out)
        assert pair.getReserves()[:2] == (expected.state.reserve0, expected.state.reserve1)
