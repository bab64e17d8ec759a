"""Stateful: mints, redeems, price moves, positive funding and time warps keep supply <= backing, and the chain
matches the Python mirror (sim/mirrors/synthetic.py) to the wei after every step."""

from __future__ import annotations

from typing import Any

import ape
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sim.mirrors.synthetic import SyntheticDollarModel, unvested_amount, usd_value_down
from tests.contracts.stable.conftest import STETH_PRICE, USDT_PRICE, WAD, WETH_PRICE

ASSETS = ("weth", "steth", "usdt")
HEDGED = ("weth", "steth")


def test_supply_never_exceeds_backing_while_hedged(
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
    decimals = {"weth": 18, "steth": 18, "usdt": 6}

    class SyntheticDollarMachine(RuleBasedStateMachine):
        @initialize(rate=st.integers(0, 2 * WAD))
        def start(self, rate: int) -> None:
            self.snapshot = chain.snapshot()
            self.prices = {"weth": WETH_PRICE, "steth": STETH_PRICE, "usdt": USDT_PRICE}
            self.model = SyntheticDollarModel(last_accrual=usde.lastFundingAccrual())
            for name in ASSETS:
                self.model.add_collateral(name, decimals[name], name in HEDGED)
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
            unit = 10 ** decimals[asset]
            amount = whole * unit // (1_000 if asset in HEDGED else 1) + frac * unit // 10**6
            at = self._next_block()
            expected = self.model.mint(asset, amount, at, self.prices)
            receipt = usde.mint(tokens[asset], amount, expected, alice, sender=alice)
            assert receipt.timestamp == at
            assert receipt.return_value == expected

        @rule(asset=st.sampled_from(ASSETS), share=st.integers(1, 1_000))
        def redeem(self, asset: str, share: int) -> None:
            # A share of what alice holds, up to about what the asset's custody is worth.
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
            held = self.model.collaterals[asset].held
            if expected > held:
                with ape.reverts(usde.InsufficientCollateral, asset=tokens[asset].address, held=held):
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

        @rule(rate=st.integers(0, 2 * WAD))
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

        @invariant()
        def supply_is_backed(self) -> None:
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
            assert usde.totalBacking() == self.model.total_backing(now, self.prices)
            for name in HEDGED:
                book = usde.collateral(tokens[name])
                mirror = self.model.collaterals[name]
                assert (book.held, book.hedgeSize, book.hedgeEntryNotional) == (
                    mirror.held,
                    mirror.hedge_size,
                    mirror.hedge_entry,
                )
                assert book.held == book.hedgeSize

    run_state_machine_as_test(
        SyntheticDollarMachine, settings=settings(max_examples=20, stateful_step_count=15, deadline=None)
    )
