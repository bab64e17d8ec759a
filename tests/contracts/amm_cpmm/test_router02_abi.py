"""ConstantProductRouter driven by a client that knows only Uniswap's IUniswapV2Router02 ABI (npm
`@uniswap/v2-periphery`): quotes, swaps and liquidity return what the real router's math gives (the mirror), and
what we leave out of Router02 (docs/interfaces.md) is absent, not answered wrongly."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.cpmm import (
    CpmmState,
    burn_amounts,
    get_amount_in,
    get_amount_out,
    get_amounts_in,
    get_amounts_out,
)
from sim.mirrors.cpmm import quote as mirror_quote
from sim.node.npm_artifacts import uniswap_v2_periphery

from .conftest import E18, MAX_DEADLINE

# tokens[0]/tokens[1] holds 1,000 / 3,000; tokens[1]/tokens[2] holds 7,000 / 2,000.
POOL_01 = (1_000 * E18, 3_000 * E18)
POOL_12 = (7_000 * E18, 2_000 * E18)


@pytest.fixture(scope="module")
def router02(router: Any) -> Any:
    """A handle on our router that knows only Uniswap's IUniswapV2Router02 ABI."""
    return ape.Contract(router.address, abi=list(uniswap_v2_periphery("IUniswapV2Router02").abi))


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


def test_views_answer_router02s_calls_with_uniswaps_math(
    router02: Any, factory: Any, tokens: list[Any], pools: Any
) -> None:
    assert router02.factory() == factory.address
    assert router02.quote(7 * E18, *POOL_01) == mirror_quote(7 * E18, *POOL_01) == 21 * E18
    assert router02.getAmountOut(3 * E18, *POOL_01) == get_amount_out(3 * E18, *POOL_01)
    assert router02.getAmountIn(5 * E18, *POOL_01) == get_amount_in(5 * E18, *POOL_01)
    path = [tokens[0], tokens[1], tokens[2]]
    assert list(router02.getAmountsOut(2 * E18, path)) == get_amounts_out(2 * E18, [POOL_01, POOL_12])
    back = [(POOL_12[1], POOL_12[0]), (POOL_01[1], POOL_01[0])]
    assert list(router02.getAmountsIn(E18, path[::-1])) == get_amounts_in(E18, back)


def test_swap_exact_tokens_for_tokens_over_two_hops(
    bob: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    path = [tokens[0], tokens[1], tokens[2]]
    expected = get_amounts_out(2 * E18, [POOL_01, POOL_12])
    assert list(router02.getAmountsOut(2 * E18, path)) == expected
    # What the client's eth_call of the swap returns, then what the swap does.
    amounts = router02.swapExactTokensForTokens.call(
        2 * E18, expected[-1], path, bob, MAX_DEADLINE, sender=bob
    )
    assert list(amounts) == expected
    router02.swapExactTokensForTokens(2 * E18, expected[-1], path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[0].balanceOf(bob) == 98 * E18
    assert tokens[1].balanceOf(bob) == 100 * E18
    assert tokens[2].balanceOf(bob) == 100 * E18 + expected[2]
    assert pools[0].getReserves()[:2] == (POOL_01[0] + expected[0], POOL_01[1] - expected[1])
    assert pools[1].getReserves()[:2] == (POOL_12[0] + expected[1], POOL_12[1] - expected[2])


def test_swap_tokens_for_exact_tokens_against_the_pair_order(
    bob: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    path = [tokens[1], tokens[0]]
    expected = get_amounts_in(E18, [(POOL_01[1], POOL_01[0])])
    amounts = router02.swapTokensForExactTokens.call(E18, expected[0], path, bob, MAX_DEADLINE, sender=bob)
    assert list(amounts) == expected
    router02.swapTokensForExactTokens(E18, expected[0], path, bob, MAX_DEADLINE, sender=bob)
    assert tokens[0].balanceOf(bob) == 101 * E18
    assert tokens[1].balanceOf(bob) == 100 * E18 - expected[0]


def test_swap_below_the_minimum_output_reverts(
    bob: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    out = get_amount_out(E18, *POOL_01)
    with ape.reverts():
        router02.swapExactTokensForTokens(E18, out + 1, [tokens[0], tokens[1]], bob, MAX_DEADLINE, sender=bob)


def test_add_liquidity_keeps_the_ratio_and_mints_like_the_pair(
    bob: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    a, b = tokens[0], tokens[1]
    state = CpmmState(0, 0, 0).mint(*POOL_01).state
    amount_b = mirror_quote(4 * E18, *POOL_01)  # B in excess: all of A, B at the pool ratio
    minted = state.mint(4 * E18, amount_b)
    args = (a, b, 4 * E18, 50 * E18, 4 * E18, amount_b, bob, MAX_DEADLINE)
    assert tuple(router02.addLiquidity.call(*args, sender=bob)) == (4 * E18, amount_b, minted.liquidity)
    router02.addLiquidity(*args, sender=bob)
    assert (a.balanceOf(bob), b.balanceOf(bob)) == (96 * E18, 100 * E18 - amount_b)
    assert pools[0].balanceOf(bob) == minted.liquidity
    assert pools[0].getReserves()[:2] == (minted.state.reserve0, minted.state.reserve1)


def test_add_liquidity_creates_a_missing_pair(
    deployer: Any,
    bob: Any,
    project: Any,
    factory: Any,
    router: Any,
    router02: Any,
    create_token: Any,
    tokens: Any,
) -> None:
    fresh = create_token("NEW")
    fresh.mint(bob, 25 * E18, sender=deployer)
    fresh.approve(router, 2**256 - 1, sender=bob)
    tokens[0].mint(bob, 4 * E18, sender=deployer)
    tokens[0].approve(router, 2**256 - 1, sender=bob)
    args = (fresh, tokens[0], 25 * E18, 4 * E18, 0, 0, bob, MAX_DEADLINE)
    first = CpmmState(0, 0, 0).mint(25 * E18, 4 * E18).liquidity
    assert first == 10 * E18 - 1000  # sqrt(25e18 * 4e18) less MINIMUM_LIQUIDITY
    assert tuple(router02.addLiquidity.call(*args, sender=bob)) == (25 * E18, 4 * E18, first)
    router02.addLiquidity(*args, sender=bob)
    pair = project.ConstantProductPool.at(factory.getPair(fresh, tokens[0]))
    assert pair.balanceOf(bob) == first


def test_remove_liquidity_pays_pro_rata(
    alice: Any, router: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    pair = pools[0]
    shares = pair.balanceOf(alice) // 3
    pair.approve(router, shares, sender=alice)
    amounts = burn_amounts(shares, *POOL_01, pair.totalSupply())
    args = (tokens[0], tokens[1], shares, amounts[0], amounts[1], alice, MAX_DEADLINE)
    assert tuple(router02.removeLiquidity.call(*args, sender=alice)) == amounts
    before = (tokens[0].balanceOf(alice), tokens[1].balanceOf(alice))
    router02.removeLiquidity(*args, sender=alice)
    assert (tokens[0].balanceOf(alice) - before[0], tokens[1].balanceOf(alice) - before[1]) == amounts


def test_router02_functions_we_leave_out_revert(
    bob: Any, router02: Any, tokens: list[Any], pools: Any
) -> None:
    """WETH paths and fee-on-transfer variants are not implemented: the call reverts (no fallback answers it)."""
    with ape.reverts():
        router02.WETH()
    with ape.reverts():
        router02.swapExactTokensForTokensSupportingFeeOnTransferTokens(
            E18, 0, [tokens[0], tokens[1]], bob, MAX_DEADLINE, sender=bob
        )
