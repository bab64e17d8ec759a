"""Stateful: the chain matches the Python mirror (sim/mirrors/synthetic.py) to the wei after every step, and
supply <= backing holds while the hedge holds and funding is non-negative.

Two machines share the rules: the calm one (mints, redeems, price moves, positive funding, time warps, yield
distribution) asserts the backing invariant; the stressed one adds negative funding, reserve top-ups and the venue
losing and re-opening hedges, where backing may fall short, and asserts only the differential."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from sim.mirrors.synthetic import MirrorError, SyntheticDollarModel, unvested_amount, usd_value_down
from tests.contracts.stable.conftest import STETH_PRICE, USDT_PRICE, WAD, WETH_PRICE

ASSETS = ("weth", "steth", "usdt")
HEDGED = ("weth", "steth")
DECIMALS = {"weth": 18, "steth": 18, "usdt": 6}


@pytest.mark.parametrize("stressed", [False, True], ids=["calm", "stressed"])
def test_chain_matches_mirror_and_supply_stays_backed_while_hedged(
    stressed: bool,
    usde: Any,
    susde: Any,
    oracle: Any,
    weth: Any,
    steth: Any,
    usdt: Any,
    alice: Any,
    keeper: Any,
    deployer: Any,
    chain: Any,
) -> None:
    tokens = {"weth": weth, "steth": steth, "usdt": usdt}
    min_rate = -2 * WAD if stressed else 0

    class SyntheticDollarMachine(RuleBasedStateMachine):
        @initialize(
            rate=st.integers(min_rate, 2 * WAD),
            seeds=st.lists(st.integers(1, 50_000), min_size=len(ASSETS), max_size=len(ASSETS)),
        )
        def start(self, rate: int, seeds: list[int]) -> None:
            self.snapshot = chain.snapshot()
            self.prices = {"weth": WETH_PRICE, "steth": STETH_PRICE, "usdt": USDT_PRICE}
            self.model = SyntheticDollarModel(last_accrual=usde.lastFundingAccrual())
            for name in ASSETS:
                self.model.add_collateral(name, DECIMALS[name], name in HEDGED)
            # Start with some of every collateral in custody, so redemptions have something to pay from.
            for name, whole in zip(ASSETS, seeds, strict=True):
                self.mint(name, whole, 0)
            self.set_funding_rate(rate)

        def teardown(self) -> None:
            if hasattr(self, "snapshot"):
                chain.restore(self.snapshot)

        def _next_block(self, seconds: int = 1) -> int:
            """Pins the next block's timestamp, so the mirror knows when each transaction runs."""
            at = chain.blocks.head.timestamp + seconds
            chain.pending_timestamp = at
            return at

        @rule(asset=st.sampled_from(ASSETS), whole=st.integers(1, 50_000), frac=st.integers(0, 10**6 - 1))
        def mint(self, asset: str, whole: int, frac: int) -> None:
            # Amounts worth about $1 to $200k: `whole` thousandths of a token plus a ragged fraction.
            unit = 10 ** DECIMALS[asset]
            amount = whole * unit // (1_000 if asset in HEDGED else 1) + frac * unit // 10**6
            at = self._next_block()
            try:
                expected = self.model.mint(asset, amount, at, self.prices)
            except MirrorError:
                with ape.reverts(usde.HedgeInactive, asset=tokens[asset].address):
                    usde.mint(tokens[asset], amount, 0, alice, sender=alice)
                return
            receipt = usde.mint(tokens[asset], amount, expected, alice, sender=alice)
            assert receipt.timestamp == at
            assert receipt.return_value == expected

        @rule(asset=st.sampled_from(ASSETS), share=st.integers(1, 1_000))
        def redeem(self, asset: str, share: int) -> None:
            # A share of what alice holds, up to about what the asset's custody is worth.
            if self.model.collaterals[asset].held == 0:
                asset = max(ASSETS, key=lambda a: self.model.collaterals[a].held * 10 ** (18 - DECIMALS[a]))
            book = self.model.collaterals[asset]
            worth = usd_value_down(book.held, self.prices[asset], book.decimals)
            amount = min(usde.balanceOf(alice), worth) * share // 1_000
            if amount == 0:
                return
            at = self._next_block()
            expected = self.model.preview_redeem(asset, amount, at, self.prices)
            if expected == 0:
                with ape.reverts(usde.ZeroAmount):
                    usde.redeem(tokens[asset], amount, 0, alice, sender=alice)
                return
            if expected > book.held:
                with ape.reverts(usde.InsufficientCollateral, asset=tokens[asset].address, held=book.held):
                    usde.redeem(tokens[asset], amount, 0, alice, sender=alice)
                return
            paid = self.model.redeem(asset, amount, at, self.prices)
            receipt = usde.redeem(tokens[asset], amount, paid, alice, sender=alice)
            assert receipt.timestamp == at
            assert receipt.return_value == paid

        @rule(asset=st.sampled_from(HEDGED), move_bps=st.integers(-3_000, 3_000))
        def move_price(self, asset: str, move_bps: int) -> None:
            price = max(self.prices[asset] * (10_000 + move_bps) // 10_000, 10**8)
            self._next_block()
            oracle.setFixedPrice(tokens[asset], price, sender=deployer)
            self.prices[asset] = price

        @rule(rate=st.integers(min_rate, 2 * WAD))
        def set_funding_rate(self, rate: int) -> None:
            at = self._next_block()
            self.model.set_funding_rate(rate, at, self.prices)
            usde.setFundingRate(rate, sender=keeper)

        @rule(seconds=st.integers(1, 3 * 24 * 3600))
        def warp(self, seconds: int) -> None:
            chain.mine(timestamp=chain.blocks.head.timestamp + seconds)

        @rule()
        def distribute(self) -> None:
            at = self._next_block()
            vesting = unvested_amount(susde.vestingAmount(), susde.lastDistributionTimestamp(), at)
            if vesting or self.model.pending_yield_now(at, self.prices) == 0:
                return
            expected = self.model.distribute(at, self.prices)
            receipt = usde.distributeFunding(sender=keeper)
            assert receipt.return_value == expected

        @precondition(lambda _: stressed)
        @rule(asset=st.sampled_from(HEDGED))
        def toggle_hedge(self, asset: str) -> None:
            at = self._next_block()
            active = not self.model.collaterals[asset].hedge_active
            realised = self.model.set_hedge_active(asset, active, at, self.prices)
            receipt = usde.setHedgeActive(tokens[asset], active, sender=deployer)
            [event] = list(receipt.decode_logs(usde.HedgeChanged))
            assert event.realisedPnl == realised

        @precondition(lambda _: stressed)
        @rule(dollars=st.integers(1, 1_000))
        def fund_reserve(self, dollars: int) -> None:
            at = self._next_block()
            self.model.fund_reserve(dollars * 10**6, USDT_PRICE, 6, at, self.prices)
            usde.fundReserve(dollars * 10**6, sender=deployer)

        @invariant()
        def supply_is_backed_while_hedged_with_non_negative_funding(self) -> None:
            if stressed:
                return
            owed = usde.totalSupply() + usde.pendingYield()
            assert owed <= usde.totalBacking()
            assert usde.backingRatio() >= WAD

        @invariant()
        def chain_matches_mirror(self) -> None:
            now = chain.blocks.head.timestamp
            assert usde.totalSupply() == self.model.total_supply
            assert usde.collateralValue() == self.model.collateral_value(self.prices)
            assert usde.hedgePnl() == self.model.hedge_pnl(self.prices)
            assert usde.cashBalance() == self.model.cash_balance(now, self.prices)
            assert usde.pendingYield() == self.model.pending_yield_now(now, self.prices)
            assert usde.reserveFund() == self.model.reserve_fund_now(now, self.prices)
            assert usde.totalBacking() == self.model.total_backing(now, self.prices)
            assert usde.backingRatio() == self.model.backing_ratio(now, self.prices)
            for name in HEDGED:
                book = usde.collateral(tokens[name])
                mirror = self.model.collaterals[name]
                assert (book.held, book.hedgeSize, book.hedgeEntryNotional, book.hedgeActive) == (
                    mirror.held,
                    mirror.hedge_size,
                    mirror.hedge_entry,
                    mirror.hedge_active,
                )
                assert book.hedgeSize == (book.held if book.hedgeActive else 0)

    run_state_machine_as_test(
        SyntheticDollarMachine, settings=settings(max_examples=12, stateful_step_count=15, deadline=None)
    )
