"""ConstantProductPool.swap: REFERENCE.md section 3's published vectors to the wei, the K check, swap errors."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.cpmm import CpmmState, get_amount_out

from .conftest import E18

# (amountIn, reserveIn, reserveOut) in whole 1e18 units -> exact output in wei (Uniswap v2-core's vectors).
SWAP_VECTORS = [
    (1, 5, 10, 1662497915624478906),
    (1, 10, 5, 453305446940074565),
    (2, 5, 10, 2851015155847869602),
    (2, 10, 5, 831248957812239453),
    (1, 10, 10, 906610893880149131),
    (1, 100, 100, 987158034397061298),
    (1, 1000, 1000, 996006981039903216),
]


@pytest.mark.parametrize(("amount_in", "reserve_in", "reserve_out", "expected"), SWAP_VECTORS)
def test_mirror_reproduces_published_vector(
    amount_in: int, reserve_in: int, reserve_out: int, expected: int
) -> None:
    assert get_amount_out(amount_in * E18, reserve_in * E18, reserve_out * E18) == expected


@pytest.mark.parametrize("zero_for_one", [True, False], ids=["token0-in", "token1-in"])
@pytest.mark.parametrize(("amount_in", "reserve_in", "reserve_out", "expected"), SWAP_VECTORS)
def test_published_vector_swaps_exactly_and_one_wei_more_reverts_k(
    deployer: Any,
    alice: Any,
    bob: Any,
    pair: Any,
    token0: Any,
    token1: Any,
    add_liquidity: Any,
    amount_in: int,
    reserve_in: int,
    reserve_out: int,
    expected: int,
    zero_for_one: bool,
) -> None:
    token_in, token_out = (token0, token1) if zero_for_one else (token1, token0)
    reserves = (
        (reserve_in * E18, reserve_out * E18) if zero_for_one else (reserve_out * E18, reserve_in * E18)
    )
    add_liquidity(pair, *reserves, alice)
    token_in.mint(bob, amount_in * E18, sender=deployer)
    token_in.transfer(pair, amount_in * E18, sender=bob)

    def outs(amount: int) -> tuple[int, int]:
        return (0, amount) if zero_for_one else (amount, 0)

    with ape.reverts(pair.K):
        pair.swap(*outs(expected + 1), bob, b"", sender=bob)
    receipt = pair.swap(*outs(expected), bob, b"", sender=bob)

    assert token_out.balanceOf(bob) == expected
    ins = (amount_in * E18, 0) if zero_for_one else (0, amount_in * E18)
    after = CpmmState(*reserves, total_supply=0).swap(*ins, *outs(expected))
    assert pair.getReserves()[:2] == (after.reserve0, after.reserve1)
    assert (token0.balanceOf(pair), token1.balanceOf(pair)) == (after.reserve0, after.reserve1)
    [swap] = list(receipt.decode_logs(pair.Swap))
    assert (swap.sender, swap.to) == (bob.address, bob.address)
    assert (swap.amount0In, swap.amount1In, swap.amount0Out, swap.amount1Out) == (*ins, *outs(expected))
    [sync] = list(receipt.decode_logs(pair.Sync))
    assert (sync.reserve0, sync.reserve1) == (after.reserve0, after.reserve1)


# v2-core's "optimistic" cases: tokens out and back in the same token; the pair keeps 0.3% of what comes in.
# (amount out, reserve0, reserve1, amount in): out = floor(in * 0.997), or in = ceil(out / 0.997).
OPTIMISTIC_VECTORS = [
    (997 * 10**15, 5 * E18, 10 * E18, E18),
    (997 * 10**15, 10 * E18, 5 * E18, E18),
    (997 * 10**15, 5 * E18, 5 * E18, E18),
    (E18, 5 * E18, 5 * E18, 1003009027081243732),
]


@pytest.mark.parametrize(("amount_out", "reserve0", "reserve1", "amount_in"), OPTIMISTIC_VECTORS)
def test_same_token_out_and_in_keeps_the_fee(
    deployer: Any,
    alice: Any,
    bob: Any,
    pair: Any,
    token0: Any,
    add_liquidity: Any,
    amount_out: int,
    reserve0: int,
    reserve1: int,
    amount_in: int,
) -> None:
    add_liquidity(pair, reserve0, reserve1, alice)
    token0.mint(bob, amount_in, sender=deployer)
    token0.transfer(pair, amount_in, sender=bob)
    with ape.reverts(pair.K):
        pair.swap(amount_out + 1, 0, bob, b"", sender=bob)
    pair.swap(amount_out, 0, bob, b"", sender=bob)
    assert pair.getReserves()[:2] == (reserve0 + amount_in - amount_out, reserve1)


def test_swap_without_output_reverts(alice: Any, pair: Any, add_liquidity: Any) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    with ape.reverts(pair.InsufficientOutputAmount):
        pair.swap(0, 0, alice, b"", sender=alice)


def test_swap_of_a_whole_reserve_reverts(alice: Any, pair: Any, add_liquidity: Any) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    with ape.reverts(pair.InsufficientLiquidity):
        pair.swap(0, 10 * E18, alice, b"", sender=alice)
    with ape.reverts(pair.InsufficientLiquidity):
        pair.swap(5 * E18, 0, alice, b"", sender=alice)


def test_swap_to_a_pool_token_reverts(
    alice: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    for token in (token0, token1):
        with ape.reverts(pair.InvalidTo):
            pair.swap(0, 1, token, b"", sender=alice)


def test_swap_without_input_reverts(alice: Any, pair: Any, add_liquidity: Any) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    with ape.reverts(pair.InsufficientInputAmount):
        pair.swap(0, 1, alice, b"", sender=alice)


def test_swap_on_an_empty_pair_reverts(alice: Any, pair: Any) -> None:
    with ape.reverts(pair.InsufficientLiquidity):
        pair.swap(0, 1, alice, b"", sender=alice)
