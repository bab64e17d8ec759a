"""Stateful test: random swaps both ways, mints and burns by several providers, and the protocol fee switched
on and off, with the pool's invariants checked after every step against the chain and the mirror."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from sim.mirrors.cpmm import CpmmError, CpmmState
from tests.fuzz_profiles import TalliedMachine, run_machine
from tests.raw_calls import expect_refusal

from .conftest import DEAD

ZERO = "0x0000000000000000000000000000000000000000"
amounts = st.one_of(st.integers(1, 10**6), st.integers(10**15, 10**24))
bps = st.integers(1, 10_000)
PROVIDERS = st.sampled_from(range(3))


@dataclass(frozen=True)
class PairWorld:
    """The empty pair and who acts on it: three LPs, a trader, the fee setter and the fee recipient."""

    chain: Any
    pair: Any
    token0: Any
    token1: Any
    factory: Any
    lens: Any
    deployer: Any  # mints tokens into the pair (every deposit and swap input) and skims refused deposits
    providers: tuple[Any, ...]
    trader: Any
    fee_setter: Any
    fee_to: Any

    @property
    def holders(self) -> list[str]:
        """Every address that can hold LP shares: the LPs, the fee recipient, the locked minimum, the pair."""
        return [*(p.address for p in self.providers), self.fee_to.address, DEAD, self.pair.address]


class PairMachine(TalliedMachine):
    def __init__(self, world: PairWorld) -> None:
        super().__init__()
        self.w = world
        self.snapshot = world.chain.snapshot()
        self.mirror = CpmmState(0, 0, 0)
        self.fee_on = False
        self.parked = 0  # LP shares sent to the pair by a refused burn: the next burn burns them too

    def teardown(self) -> None:
        self.w.chain.restore(self.snapshot)

    def _send(self, amount0: int, amount1: int) -> None:
        if amount0:
            self.w.token0.mint(self.w.pair, amount0, sender=self.w.deployer)
        if amount1:
            self.w.token1.mint(self.w.pair, amount1, sender=self.w.deployer)

    def _swap_keeps_k(self, outs: tuple[int, int]) -> None:
        pair, trader = self.w.pair, self.w.trader
        reserve0, reserve1, _ = pair.getReserves()
        pair.swap(*outs, trader, b"", sender=trader)
        after0, after1, _ = pair.getReserves()
        assert after0 * after1 >= reserve0 * reserve1

    @initialize(amount0=st.integers(10**6, 10**24), amount1=st.integers(10**6, 10**24))
    def first_mint(self, amount0: int, amount1: int) -> None:
        self._send(amount0, amount1)
        first = self.w.providers[0]
        self.w.pair.mint(first, sender=first)
        self.mirror = self.mirror.mint(amount0, amount1).state

    @rule(fee_on=st.booleans())
    def switch_protocol_fee(self, fee_on: bool) -> None:
        self.w.factory.setFeeTo(self.w.fee_to if fee_on else ZERO, sender=self.w.fee_setter)
        self.fee_on = fee_on

    @rule(who=PROVIDERS, amount0=amounts, amount1=amounts)
    def mint(self, who: int, amount0: int, amount1: int) -> None:
        pair, provider = self.w.pair, self.w.providers[who]
        self._send(amount0, amount1)
        try:
            minted = self.mirror.mint(amount0, amount1, self.fee_on)
        except CpmmError as error:
            expect_refusal(pair, "mint", provider, sender=provider, error=error.name)
            pair.skim(self.w.deployer, sender=self.w.deployer)  # take the refused deposit back out
            return
        before = pair.balanceOf(provider)
        pair.mint(provider, sender=provider)
        assert pair.balanceOf(provider) - before == minted.liquidity
        self.mirror = minted.state

    @rule(who=PROVIDERS, share_bps=bps)
    def burn(self, who: int, share_bps: int) -> None:
        pair, provider = self.w.pair, self.w.providers[who]
        liquidity = pair.balanceOf(provider) * share_bps // 10_000
        if liquidity == 0:
            return
        pair.transfer(pair, liquidity, sender=provider)
        self.parked += liquidity
        try:
            burned = self.mirror.burn(self.parked, self.fee_on)
        except CpmmError as error:
            expect_refusal(pair, "burn", provider, sender=provider, error=error.name)
            return
        self.parked = 0
        token0, token1 = self.w.token0, self.w.token1
        before = (token0.balanceOf(provider), token1.balanceOf(provider))
        pair.burn(provider, sender=provider)
        paid = (token0.balanceOf(provider) - before[0], token1.balanceOf(provider) - before[1])
        assert paid == (burned.amount0, burned.amount1)
        self.mirror = burned.state

    @rule(amount_in=amounts, zero_for_one=st.booleans())
    def swap_exact_in(self, amount_in: int, zero_for_one: bool) -> None:
        try:
            swapped = self.mirror.swap_exact_in(amount_in, zero_for_one)
        except CpmmError:
            return  # pays nothing: the trader would not send it
        self._send(*((amount_in, 0) if zero_for_one else (0, amount_in)))
        outs = (0, swapped.amount) if zero_for_one else (swapped.amount, 0)
        greedy = (0, swapped.amount + 1) if zero_for_one else (swapped.amount + 1, 0)
        reserve_out = self.mirror.reserve1 if zero_for_one else self.mirror.reserve0
        pair, trader = self.w.pair, self.w.trader
        # The mirror's output is the largest the pair accepts: one wei more fails K (or drains the reserve).
        refused = "K" if swapped.amount + 1 < reserve_out else "InsufficientLiquidity"
        expect_refusal(pair, "swap", *greedy, trader, b"", sender=trader, error=refused)
        self._swap_keeps_k(outs)
        self.mirror = swapped.state

    @rule(out_bps=st.integers(1, 9_999), zero_for_one=st.booleans())
    def swap_exact_out(self, out_bps: int, zero_for_one: bool) -> None:
        reserve_out = self.mirror.reserve1 if zero_for_one else self.mirror.reserve0
        amount_out = reserve_out * out_bps // 10_000
        if amount_out == 0:
            return
        swapped = self.mirror.swap_exact_out(amount_out, zero_for_one)
        self._send(*((swapped.amount, 0) if zero_for_one else (0, swapped.amount)))
        self._swap_keeps_k((0, amount_out) if zero_for_one else (amount_out, 0))
        self.mirror = swapped.state

    @invariant()
    def chain_equals_mirror_and_lp_balances_sum_to_supply(self) -> None:
        view = self.w.lens.read(self.w.pair, self.w.holders)
        assert (view.reserve0, view.reserve1) == (view.balance0, view.balance1)
        assert (view.reserve0, view.reserve1) == (self.mirror.reserve0, self.mirror.reserve1)
        assert view.holdersBalance == view.totalSupply == self.mirror.total_supply
        assert view.kLast == self.mirror.k_last


@pytest.fixture(scope="module")
def world(
    project: Any,
    chain: Any,
    deployer: Any,
    alice: Any,
    bob: Any,
    liquidator: Any,
    keeper: Any,
    factory: Any,
    fee_setter: Any,
    pair: Any,
    token0: Any,
    token1: Any,
) -> PairWorld:
    return PairWorld(
        chain=chain,
        pair=pair,
        token0=token0,
        token1=token1,
        factory=factory,
        lens=project.TestPoolLens.deploy(sender=deployer),
        deployer=deployer,
        providers=(alice, bob, liquidator),
        trader=bob,
        fee_setter=fee_setter,
        fee_to=keeper,
    )


@pytest.mark.fuzz
def test_pool_invariants_hold_under_random_operations(world: PairWorld) -> None:
    run_machine("cpmm PairMachine", lambda: PairMachine(world), ci_examples=20, ci_steps=15)
