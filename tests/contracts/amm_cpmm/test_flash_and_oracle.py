"""Flash swaps through uniswapV2Call, the reentrancy lock, and the UQ112x112 price accumulators."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.cpmm import Q112, cumulative_prices, price_uq112

from .conftest import E18


@pytest.fixture(scope="module")
def borrower(project: Any, deployer: Any) -> Any:
    return project.TestFlashBorrower.deploy(sender=deployer)


def test_flash_swap_repaid_with_fee_in_the_same_token_succeeds(
    deployer: Any, alice: Any, pair: Any, token0: Any, add_liquidity: Any, borrower: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    borrowed = E18
    repay = 1003009027081243732  # v2-core's vector: ceil(1e18 / 0.997), the least repayment the pair accepts
    assert repay == -(-borrowed * 1000 // 997)
    token0.mint(borrower, repay - borrowed, sender=deployer)  # the fee comes from the borrower's own funds
    receipt = borrower.borrow(pair, borrowed, 0, repay, 0, False, sender=alice)

    [event] = list(receipt.decode_logs(borrower.Borrowed))
    # The tokens were in the borrower's hands when the callback ran, before any repayment.
    assert (event.sender, event.amount0, event.amount1) == (borrower.address, borrowed, 0)
    assert event.balance0 == repay
    assert token0.balanceOf(borrower) == 0
    assert pair.getReserves()[:2] == (5 * E18 + repay - borrowed, 10 * E18)
    [swap] = list(receipt.decode_logs(pair.Swap))
    assert (swap.amount0In, swap.amount0Out, swap.to) == (repay, borrowed, borrower.address)


def test_flash_swap_under_repaid_by_one_wei_reverts_k(
    deployer: Any, alice: Any, pair: Any, token0: Any, add_liquidity: Any, borrower: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    repay = 1003009027081243732
    token0.mint(borrower, repay, sender=deployer)
    with ape.reverts(pair.K):
        borrower.borrow(pair, E18, 0, repay - 1, 0, False, sender=alice)


def test_flash_swap_repaid_in_the_other_token_is_a_swap(
    deployer: Any, alice: Any, pair: Any, token1: Any, add_liquidity: Any, borrower: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    out = 453305446940074565  # REFERENCE.md: 1 token1 into 10 token1 / 5 token0 reserves
    token1.mint(borrower, E18, sender=deployer)
    borrower.borrow(pair, out, 0, 0, E18, False, sender=alice)
    assert pair.getReserves()[:2] == (5 * E18 - out, 11 * E18)
    token1.mint(borrower, E18, sender=deployer)
    with ape.reverts(pair.K):
        borrower.borrow(pair, out + 1, 0, 0, E18, False, sender=alice)


def test_reentering_the_pair_from_the_callback_reverts_locked(
    deployer: Any, alice: Any, pair: Any, token0: Any, add_liquidity: Any, borrower: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    token0.mint(borrower, E18, sender=deployer)
    with ape.reverts(pair.Locked):
        borrower.borrow(pair, E18, 0, 2 * E18, 0, True, sender=alice)


def test_cumulative_prices_accrue_the_uq112x112_price_times_seconds(
    deployer: Any, alice: Any, bob: Any, pair: Any, token0: Any, add_liquidity: Any, chain: Any
) -> None:
    add_liquidity(pair, 3 * E18, 3 * E18, alice)
    t0 = pair.getReserves()[2]
    assert (pair.price0CumulativeLast(), pair.price1CumulativeLast()) == (0, 0)

    chain.pending_timestamp = t0 + 10
    pair.sync(sender=alice)
    assert pair.getReserves()[2] == t0 + 10
    assert pair.price0CumulativeLast() == (3 * E18 * Q112 // (3 * E18)) * 10 == Q112 * 10
    assert pair.price1CumulativeLast() == Q112 * 10

    # A swap accrues at the price before it: still 1.0 for the 15 seconds since the sync.
    # (The mint is its own block: the swap's time is set right before it, so a slow machine cannot move it.)
    token0.mint(pair, 3 * E18, sender=deployer)
    chain.pending_timestamp = t0 + 25
    pair.swap(0, E18, bob, b"", sender=bob)
    assert pair.getReserves()[:3] == (6 * E18, 2 * E18, t0 + 25)
    assert pair.price0CumulativeLast() == Q112 * 25

    # Then at the new price 2/6 (token1 per token0) and 6/2 for 7 seconds.
    chain.pending_timestamp = t0 + 32
    pair.sync(sender=alice)
    assert pair.price0CumulativeLast() == Q112 * 25 + (2 * E18 * Q112 // (6 * E18)) * 7
    assert pair.price1CumulativeLast() == Q112 * 25 + 3 * Q112 * 7
    assert (pair.price0CumulativeLast(), pair.price1CumulativeLast()) == cumulative_prices(
        Q112 * 25, Q112 * 25, 6 * E18, 2 * E18, 7
    )
    assert price_uq112(6 * E18, 2 * E18) == Q112 // 3


def test_cumulative_mirror_wraps_like_the_chain() -> None:
    near_max = 2**256 - Q112
    assert cumulative_prices(near_max, 0, E18, E18, 3) == (2 * Q112, 3 * Q112)
    assert cumulative_prices(5, 7, E18, E18, 2**32) == (5, 7)  # a 2**32 s gap wraps to zero elapsed
