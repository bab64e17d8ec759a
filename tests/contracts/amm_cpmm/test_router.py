"""ConstantProductRouter: exact-in/exact-out over one and two hops, liquidity, slippage and deadline reverts."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.cpmm import CpmmState, get_amount_in, get_amount_out, get_amounts_in, get_amounts_out, quote

from .conftest import E18, MAX_DEADLINE

ZERO = "0x0000000000000000000000000000000000000000"
# tokens[0]/tokens[1] holds 1,000 / 2,000; tokens[1]/tokens[2] holds 4,000 / 1,000.
POOL_01 = (1_000 * E18, 2_000 * E18)
POOL_12 = (4_000 * E18, 1_000 * E18)


@pytest.fixture(scope="module")
def pools(
    deployer: Any, alice: Any, bob: Any, create_pair: Any, add_liquidity: Any, tokens: list[Any], router: Any
) -> tuple[Any, Any]:
    """Two funded pairs sharing tokens[1], and bob holding 100 of each token, approved to the router."""
    pair01 = create_pair(tokens[0], tokens[1])
    pair12 = create_pair(tokens[1], tokens[2])
    add_liquidity(pair01, *POOL_01, alice)
    add_liquidity(pair12, *POOL_12, alice)
    for token in tokens:
        token.mint(bob, 100 * E18, sender=deployer)
        token.approve(router, 2**256 - 1, sender=bob)
    return pair01, pair12


def test_exact_in_one_hop_pays_the_mirror_amount(
    bob: Any, router: Any, tokens: list[Any], pools: Any
) -> None:
    path = [tokens[0], tokens[1]]
    expected = get_amounts_out(E18, [POOL_01])
    assert router.getAmountsOut(E18, path) == expected
    router.swapExactTokensForTokens(E18, expected[-1], path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[1].balanceOf(bob) == 100 * E18 + expected[-1]
    assert tokens[0].balanceOf(bob) == 99 * E18
    assert pools[0].getReserves()[:2] == (POOL_01[0] + E18, POOL_01[1] - expected[-1])


def test_exact_in_two_hops_routes_through_the_middle_pair(
    bob: Any, router: Any, tokens: list[Any], pools: Any
) -> None:
    path = [tokens[0], tokens[1], tokens[2]]
    expected = get_amounts_out(E18, [POOL_01, POOL_12])
    assert expected[1] == get_amount_out(E18, *POOL_01)
    receipt = router.swapExactTokensForTokens(E18, 0, path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[2].balanceOf(bob) == 100 * E18 + expected[2]
    assert tokens[1].balanceOf(bob) == 100 * E18  # the middle token never reaches the trader
    assert pools[1].getReserves()[:2] == (POOL_12[0] + expected[1], POOL_12[1] - expected[2])
    [first, second] = list(receipt.decode_logs(pools[0].Swap))
    assert first.to == pools[1].address
    assert second.to == bob.address


def test_exact_in_below_minimum_output_reverts(bob: Any, router: Any, tokens: list[Any], pools: Any) -> None:
    out = get_amount_out(E18, *POOL_01)
    with ape.reverts(router.InsufficientOutputAmount, amountOut=out, amountOutMin=out + 1):
        router.swapExactTokensForTokens(E18, out + 1, [tokens[0], tokens[1]], bob, MAX_DEADLINE, sender=bob)


def test_exact_out_one_hop_charges_the_mirror_amount(
    bob: Any, router: Any, tokens: list[Any], pools: Any
) -> None:
    # Buying tokens[0] with tokens[1]: the path runs against the pair's order.
    path = [tokens[1], tokens[0]]
    expected = get_amounts_in(E18, [(POOL_01[1], POOL_01[0])])
    assert router.getAmountsIn(E18, path) == expected
    router.swapTokensForExactTokens(E18, expected[0], path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[0].balanceOf(bob) == 101 * E18
    assert tokens[1].balanceOf(bob) == 100 * E18 - expected[0]


def test_exact_out_two_hops(bob: Any, router: Any, tokens: list[Any], pools: Any) -> None:
    path = [tokens[2], tokens[1], tokens[0]]
    expected = get_amounts_in(E18, [(POOL_12[1], POOL_12[0]), (POOL_01[1], POOL_01[0])])
    assert expected[1] == get_amount_in(E18, POOL_01[1], POOL_01[0])
    assert router.getAmountsIn(E18, path) == expected
    router.swapTokensForExactTokens(E18, expected[0], path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[0].balanceOf(bob) == 101 * E18
    assert tokens[2].balanceOf(bob) == 100 * E18 - expected[0]


def test_exact_out_above_maximum_input_reverts(bob: Any, router: Any, tokens: list[Any], pools: Any) -> None:
    cost = get_amount_in(E18, POOL_01[0], POOL_01[1])
    with ape.reverts(router.ExcessiveInputAmount, amountIn=cost, amountInMax=cost - 1):
        router.swapTokensForExactTokens(E18, cost - 1, [tokens[0], tokens[1]], bob, MAX_DEADLINE, sender=bob)


def test_every_entry_point_refuses_an_expired_deadline(
    bob: Any, router: Any, tokens: list[Any], pools: Any, chain: Any
) -> None:
    past = chain.pending_timestamp - 1
    a, b = tokens[0], tokens[1]
    with ape.reverts(router.Expired, deadline=past):
        router.swapExactTokensForTokens(E18, 0, [a, b], bob, past, sender=bob)
    with ape.reverts(router.Expired, deadline=past):
        router.swapTokensForExactTokens(E18, 2**255, [a, b], bob, past, sender=bob)
    with ape.reverts(router.Expired, deadline=past):
        router.addLiquidity(a, b, E18, E18, 0, 0, bob, past, sender=bob)
    with ape.reverts(router.Expired, deadline=past):
        router.removeLiquidity(a, b, 1, 0, 0, bob, past, sender=bob)


def test_deadline_equal_to_block_time_is_accepted(
    bob: Any, router: Any, tokens: list[Any], pools: Any, chain: Any
) -> None:
    deadline = chain.pending_timestamp
    chain.pending_timestamp = deadline
    receipt = router.swapExactTokensForTokens(E18, 0, [tokens[0], tokens[1]], bob, deadline, sender=bob)
    assert receipt.timestamp == deadline


def test_add_liquidity_creates_the_pair_and_takes_the_desired_amounts(
    deployer: Any, bob: Any, project: Any, factory: Any, router: Any, create_token: Any, tokens: list[Any]
) -> None:
    fresh = create_token("NEW")
    fresh.mint(bob, 9 * E18, sender=deployer)
    fresh.approve(router, 2**256 - 1, sender=bob)
    assert factory.getPair(fresh, tokens[0]) == ZERO

    router.addLiquidity(fresh, tokens[0], 9 * E18, 4 * E18, 0, 0, bob, MAX_DEADLINE, sender=bob)
    pair = project.ConstantProductPool.at(factory.getPair(fresh, tokens[0]))
    assert pair.balanceOf(bob) == 6 * E18 - 1000  # sqrt(9e18 * 4e18) less MINIMUM_LIQUIDITY
    assert fresh.balanceOf(bob) == 0
    assert tokens[0].balanceOf(bob) == 96 * E18


def test_add_liquidity_keeps_the_pool_ratio_and_mints_like_the_pair(
    bob: Any, router: Any, tokens: list[Any], pools: Any
) -> None:
    a, b = tokens[0], tokens[1]
    state = CpmmState(0, 0, 0).mint(*POOL_01).state
    # B is the side in excess: all of A goes in, and B at the pool ratio.
    amount_b = quote(10 * E18, *POOL_01)
    minted = state.mint(10 * E18, amount_b)
    router.addLiquidity(a, b, 10 * E18, 50 * E18, 10 * E18, amount_b, bob, MAX_DEADLINE, sender=bob)
    assert (a.balanceOf(bob), b.balanceOf(bob)) == (90 * E18, 100 * E18 - amount_b)
    assert pools[0].balanceOf(bob) == minted.liquidity
    # Arguments in (B, A) order, A in excess: all of B goes in, and A at the ratio.
    amount_a = quote(5 * E18, minted.state.reserve1, minted.state.reserve0)
    again = minted.state.mint(amount_a, 5 * E18)
    router.addLiquidity(b, a, 5 * E18, 50 * E18, 0, 0, bob, MAX_DEADLINE, sender=bob)
    assert a.balanceOf(bob) == 90 * E18 - amount_a
    assert pools[0].balanceOf(bob) == minted.liquidity + again.liquidity
    assert pools[0].getReserves()[:2] == (again.state.reserve0, again.state.reserve1)


def test_add_liquidity_below_a_minimum_reverts(bob: Any, router: Any, tokens: list[Any], pools: Any) -> None:
    a, b = tokens[0], tokens[1]
    amount_b = quote(10 * E18, *POOL_01)  # 20e18
    with ape.reverts(router.InsufficientBAmount, amountB=amount_b, amountBMin=amount_b + 1):
        router.addLiquidity(a, b, 10 * E18, 50 * E18, 0, amount_b + 1, bob, MAX_DEADLINE, sender=bob)
    amount_a = quote(10 * E18, POOL_01[1], POOL_01[0])  # B short: 10e18 of B buys 5e18 of A
    with ape.reverts(router.InsufficientAAmount, amountA=amount_a, amountAMin=amount_a + 1):
        router.addLiquidity(a, b, 50 * E18, 10 * E18, amount_a + 1, 0, bob, MAX_DEADLINE, sender=bob)


def test_remove_liquidity_pays_pro_rata_and_checks_minimums(
    alice: Any, router: Any, tokens: list[Any], pools: Any
) -> None:
    pair01 = pools[0]
    a, b = tokens[0], tokens[1]
    shares = pair01.balanceOf(alice) // 4
    supply = pair01.totalSupply()
    amount_a, amount_b = shares * POOL_01[0] // supply, shares * POOL_01[1] // supply
    pair01.approve(router, shares, sender=alice)
    with ape.reverts(router.InsufficientAAmount, amountA=amount_a, amountAMin=amount_a + 1):
        router.removeLiquidity(a, b, shares, amount_a + 1, 0, alice, MAX_DEADLINE, sender=alice)
    with ape.reverts(router.InsufficientBAmount, amountB=amount_b, amountBMin=amount_b + 1):
        router.removeLiquidity(a, b, shares, 0, amount_b + 1, alice, MAX_DEADLINE, sender=alice)
    # Token order of the arguments is the order of the amounts.
    router.removeLiquidity(b, a, shares, amount_b, amount_a, alice, MAX_DEADLINE, sender=alice)
    assert (a.balanceOf(alice), b.balanceOf(alice)) == (amount_a, amount_b)


def test_views_match_the_mirror_and_its_errors(router: Any, tokens: list[Any], pools: Any) -> None:
    assert router.quote(3 * E18, 7 * E18, 11 * E18) == quote(3 * E18, 7 * E18, 11 * E18)
    assert router.getAmountOut(E18, 5 * E18, 10 * E18) == 1662497915624478906
    assert router.getAmountIn(1662497915624478906, 5 * E18, 10 * E18) == get_amount_in(
        1662497915624478906, 5 * E18, 10 * E18
    )
    with ape.reverts(router.ZeroInputAmount):
        router.getAmountOut(0, E18, E18)
    with ape.reverts(router.ZeroOutputAmount):
        router.getAmountIn(0, E18, E18)
    with ape.reverts(router.ZeroAmount):
        router.quote(0, E18, E18)
    with ape.reverts(router.InsufficientLiquidity):
        router.getAmountOut(1, 0, E18)
    with ape.reverts(router.InsufficientLiquidity):
        router.getAmountIn(E18, E18, E18)  # the whole reserve
    with ape.reverts(router.InvalidPath):
        router.getAmountsOut(E18, [tokens[0]])
    with ape.reverts(router.PairNotFound, tokenA=tokens[0].address, tokenB=tokens[2].address):
        router.getAmountsOut(E18, [tokens[0], tokens[2]])
