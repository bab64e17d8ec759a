"""ConstantProductPool mint/burn/skim/sync and the protocol fee, with v2-core's exact figures."""

from __future__ import annotations

from typing import Any

import ape

from sim.mirrors.cpmm import MINIMUM_LIQUIDITY, CpmmState, first_mint_liquidity

from .conftest import DEAD, E18

ZERO = "0x0000000000000000000000000000000000000000"


def test_lp_token_metadata(pair: Any, factory: Any, token0: Any, token1: Any) -> None:
    assert (pair.name(), pair.symbol(), pair.decimals()) == ("Cascade CP LP", "CP-LP", 18)
    assert (pair.factory(), pair.token0(), pair.token1()) == (factory.address, token0.address, token1.address)
    assert pair.MINIMUM_LIQUIDITY() == MINIMUM_LIQUIDITY
    assert pair.MINIMUM_LIQUIDITY_HOLDER() == DEAD
    assert pair.getReserves() == (0, 0, 0)


def test_only_the_factory_initializes(alice: Any, pair: Any, token0: Any) -> None:
    with ape.reverts(pair.Forbidden):
        pair.initialize(token0, token0, sender=alice)


def test_first_mint_locks_minimum_liquidity_at_dead_address(
    deployer: Any, alice: Any, pair: Any, token0: Any, token1: Any
) -> None:
    token0.mint(pair, E18, sender=deployer)
    token1.mint(pair, 4 * E18, sender=deployer)
    receipt = pair.mint(alice, sender=alice)

    # sqrt(1e18 * 4e18) = 2e18, less the 1000 shares locked forever.
    assert first_mint_liquidity(E18, 4 * E18) == 2 * E18 - 1000
    assert pair.totalSupply() == 2 * E18
    assert pair.balanceOf(alice) == 2 * E18 - 1000
    assert pair.balanceOf(DEAD) == 1000
    assert pair.getReserves()[:2] == (E18, 4 * E18)
    transfers = [(log["from"], log.to, log.value) for log in receipt.decode_logs(pair.Transfer)]
    assert transfers == [(ZERO, DEAD, 1000), (ZERO, alice.address, 2 * E18 - 1000)]
    [mint] = list(receipt.decode_logs(pair.Mint))
    assert (mint.sender, mint.amount0, mint.amount1) == (alice.address, E18, 4 * E18)
    [sync] = list(receipt.decode_logs(pair.Sync))
    assert (sync.reserve0, sync.reserve1) == (E18, 4 * E18)


def test_first_mint_below_minimum_liquidity_reverts(
    deployer: Any, alice: Any, pair: Any, token0: Any, token1: Any
) -> None:
    token0.mint(pair, 1000, sender=deployer)
    token1.mint(pair, 1000, sender=deployer)
    with ape.reverts(pair.InsufficientLiquidityMinted):
        pair.mint(alice, sender=alice)  # sqrt(1000 * 1000) - 1000 == 0


def test_later_mint_pays_the_smaller_pro_rata_share(
    deployer: Any, alice: Any, bob: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, 3 * E18, 12 * E18, alice)  # supply 6e18
    token0.mint(pair, E18, sender=deployer)
    token1.mint(pair, 5 * E18, sender=deployer)  # 1e18 over the ratio: donated to the pool
    pair.mint(bob, sender=bob)

    expected = CpmmState(3 * E18, 12 * E18, 6 * E18).mint(E18, 5 * E18)
    assert expected.liquidity == min(E18 * 6 * E18 // (3 * E18), 5 * E18 * 6 * E18 // (12 * E18)) == 2 * E18
    assert pair.balanceOf(bob) == 2 * E18
    assert pair.totalSupply() == expected.state.total_supply == 8 * E18
    assert pair.getReserves()[:2] == (4 * E18, 17 * E18)


def test_mint_of_nothing_reverts(alice: Any, pair: Any, add_liquidity: Any) -> None:
    add_liquidity(pair, 3 * E18, 3 * E18, alice)
    with ape.reverts(pair.InsufficientLiquidityMinted):
        pair.mint(alice, sender=alice)


def test_burn_of_all_shares_leaves_the_locked_minimum(
    alice: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, 3 * E18, 3 * E18, alice)
    pair.transfer(pair, 3 * E18 - 1000, sender=alice)
    receipt = pair.burn(alice, sender=alice)

    assert (token0.balanceOf(alice), token1.balanceOf(alice)) == (3 * E18 - 1000, 3 * E18 - 1000)
    assert pair.balanceOf(alice) == 0
    assert pair.totalSupply() == MINIMUM_LIQUIDITY
    assert pair.getReserves()[:2] == (1000, 1000)
    [burn] = list(receipt.decode_logs(pair.Burn))
    assert (burn.sender, burn.amount0, burn.amount1, burn.to) == (
        alice.address,
        3 * E18 - 1000,
        3 * E18 - 1000,
        alice.address,
    )


def test_burn_pays_pro_rata_rounded_down(
    alice: Any, bob: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, E18, 4 * E18, alice)
    pair.transfer(pair, E18 // 3, sender=alice)
    pair.burn(bob, sender=alice)
    expected = CpmmState(E18, 4 * E18, 2 * E18).burn(E18 // 3)
    assert (expected.amount0, expected.amount1) == (
        E18 // 3 * E18 // (2 * E18),
        E18 // 3 * 4 * E18 // (2 * E18),
    )
    assert (token0.balanceOf(bob), token1.balanceOf(bob)) == (expected.amount0, expected.amount1)
    assert pair.getReserves()[:2] == (expected.state.reserve0, expected.state.reserve1)


def test_burn_of_no_shares_reverts(alice: Any, pair: Any, add_liquidity: Any) -> None:
    add_liquidity(pair, E18, E18, alice)
    with ape.reverts(pair.InsufficientLiquidityBurned):
        pair.burn(alice, sender=alice)


def test_skim_sends_the_excess_and_keeps_reserves(
    deployer: Any, alice: Any, bob: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    token0.mint(pair, 7, sender=deployer)
    token1.mint(pair, 11, sender=deployer)
    pair.skim(bob, sender=bob)
    assert (token0.balanceOf(bob), token1.balanceOf(bob)) == (7, 11)
    assert pair.getReserves()[:2] == (5 * E18, 10 * E18)
    assert (token0.balanceOf(pair), token1.balanceOf(pair)) == (5 * E18, 10 * E18)


def test_sync_adopts_donations_as_reserves(
    deployer: Any, alice: Any, pair: Any, token0: Any, token1: Any, add_liquidity: Any
) -> None:
    add_liquidity(pair, 5 * E18, 10 * E18, alice)
    token0.mint(pair, 7, sender=deployer)
    receipt = pair.sync(sender=alice)
    assert pair.getReserves()[:2] == (5 * E18 + 7, 10 * E18)
    [sync] = list(receipt.decode_logs(pair.Sync))
    assert (sync.reserve0, sync.reserve1) == (5 * E18 + 7, 10 * E18)
    pair.skim(alice, sender=alice)
    assert token0.balanceOf(alice) == 0


def test_balance_beyond_uint112_reverts_overflow(deployer: Any, alice: Any, pair: Any, token0: Any) -> None:
    token0.mint(pair, 2**112, sender=deployer)
    with ape.reverts(pair.Overflow):
        pair.sync(sender=alice)


def _swap_then_burn_everything(pair: Any, token1: Any, add_liquidity: Any, alice: Any, deployer: Any) -> None:
    """v2-core's feeTo scenario: 1000/1000 pool, 1e18 token1 in, then the provider burns all its shares."""
    add_liquidity(pair, 1000 * E18, 1000 * E18, alice)
    token1.mint(pair, E18, sender=deployer)
    pair.swap(996006981039903216, 0, alice, b"", sender=alice)
    pair.transfer(pair, 1000 * E18 - MINIMUM_LIQUIDITY, sender=alice)
    pair.burn(alice, sender=alice)


def test_protocol_fee_off_mints_nothing(
    deployer: Any, alice: Any, pair: Any, token1: Any, add_liquidity: Any
) -> None:
    _swap_then_burn_everything(pair, token1, add_liquidity, alice, deployer)
    assert pair.totalSupply() == MINIMUM_LIQUIDITY
    assert pair.kLast() == 0


def test_protocol_fee_on_mints_a_sixth_of_the_growth_of_root_k(
    deployer: Any,
    alice: Any,
    bob: Any,
    pair: Any,
    factory: Any,
    token0: Any,
    token1: Any,
    add_liquidity: Any,
    fee_setter: Any,
) -> None:
    factory.setFeeTo(bob, sender=fee_setter)
    _swap_then_burn_everything(pair, token1, add_liquidity, alice, deployer)

    # v2-core's figures for the same scenario.
    assert pair.balanceOf(bob) == 249750499251388
    assert pair.totalSupply() == MINIMUM_LIQUIDITY + 249750499251388
    assert token0.balanceOf(pair) == 1000 + 249501683697445
    assert token1.balanceOf(pair) == 1000 + 250000187312969
    reserve0, reserve1, _ = pair.getReserves()
    assert pair.kLast() == reserve0 * reserve1

    # The mirror reaches the same state through the same steps.
    state = CpmmState(0, 0, 0).mint(1000 * E18, 1000 * E18, fee_on=True).state
    state = state.swap(0, E18, 996006981039903216, 0)
    burned = state.burn(1000 * E18 - MINIMUM_LIQUIDITY, fee_on=True)
    assert burned.fee_liquidity == 249750499251388
    assert (burned.state.reserve0, burned.state.reserve1) == (reserve0, reserve1)
    assert burned.state.total_supply == pair.totalSupply()
    assert burned.state.k_last == pair.kLast()


def test_turning_the_fee_off_clears_k_last(
    alice: Any, bob: Any, pair: Any, factory: Any, add_liquidity: Any, fee_setter: Any
) -> None:
    factory.setFeeTo(bob, sender=fee_setter)
    add_liquidity(pair, 2 * E18, 8 * E18, alice)
    assert pair.kLast() == 16 * E18 * E18
    factory.setFeeTo(ZERO, sender=fee_setter)
    add_liquidity(pair, 2 * E18, 8 * E18, alice)
    assert pair.kLast() == 0
