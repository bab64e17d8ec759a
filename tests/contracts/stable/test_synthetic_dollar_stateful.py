"""Stateful: the chain matches the Python mirror (sim/mirrors/synthetic.py) to the wei after every step, and
supply <= backing holds while the hedge holds and funding is non-negative.

Two machines share the rules: the calm one (mints, redeems, price moves, positive funding, time warps, yield
distribution) asserts the backing invariant; the stressed one adds negative funding, reserve top-ups and the venue
losing and re-opening hedges, where backing may fall short, and asserts only the differential."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from sim.mirrors.synthetic import MirrorError, SyntheticDollarModel, unvested_amount, usd_value_down
from tests.contracts.stable.conftest import STETH_PRICE, USDT_PRICE, WAD, WETH_PRICE
from tests.fuzz_profiles import TalliedMachine, run_machine
from tests.raw_calls import Read, expect_refusal, read_many

ASSETS = ("weth", "steth", "usdt")
HEDGED = ("weth", "steth")
DECIMALS = {"weth": 18, "steth": 18, "usdt": 6}


class SyntheticDollarMachine(TalliedMachine):
    """The calm market: funding never negative, hedges always on; supply <= backing is asserted."""

    stressed: ClassVar[bool] = False

    def __init__(self, world: SyntheticWorld) -> None:
        super().__init__()
        self.chain, self.usde, self.susde, self.oracle = world.chain, world.usde, world.susde, world.oracle
        self.tokens = world.tokens
        self.minter, self.keeper, self.owner = world.minter, world.keeper, world.owner
        self.min_rate = -2 * WAD if self.stressed else 0
        self.snapshot = self.chain.snapshot()

    @initialize(
        data=st.data(),
        seeds=st.lists(st.integers(1, 50_000), min_size=len(ASSETS), max_size=len(ASSETS)),
    )
    def start(self, data: st.DataObject, seeds: list[int]) -> None:
        self.prices = {"weth": WETH_PRICE, "steth": STETH_PRICE, "usdt": USDT_PRICE}
        self.model = SyntheticDollarModel(last_accrual=self.usde.lastFundingAccrual())
        for name in ASSETS:
            self.model.add_collateral(name, DECIMALS[name], name in HEDGED)
        # Start with some of every collateral in custody, so redemptions have something to pay from.
        for name, whole in zip(ASSETS, seeds, strict=True):
            self.mint(name, whole, 0)
        self.set_funding_rate(data)

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    def _next_block(self, seconds: int = 1) -> int:
        """Pins the next block's timestamp, so the mirror knows when each transaction runs."""
        at = self.chain.blocks.head.timestamp + seconds
        self.chain.pending_timestamp = at
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
            token, minter = self.tokens[asset], self.minter
            expect_refusal(
                self.usde,
                "mint",
                token,
                amount,
                0,
                minter,
                sender=minter,
                error="HedgeInactive",
                asset=token.address,
            )
            return
        receipt = self.usde.mint(self.tokens[asset], amount, expected, self.minter, sender=self.minter)
        assert receipt.timestamp == at
        assert receipt.return_value == expected

    @rule(asset=st.sampled_from(ASSETS), share=st.integers(1, 1_000))
    def redeem(self, asset: str, share: int) -> None:
        # A share of what the minter holds, up to about what the asset's custody is worth.
        if self.model.collaterals[asset].held == 0:
            asset = max(ASSETS, key=lambda a: self.model.collaterals[a].held * 10 ** (18 - DECIMALS[a]))
        book = self.model.collaterals[asset]
        worth = usd_value_down(book.held, self.prices[asset], book.decimals)
        amount = min(self.usde.balanceOf(self.minter), worth) * share // 1_000
        if amount == 0:
            return
        at = self._next_block()
        expected = self.model.preview_redeem(asset, amount, at, self.prices)
        token, minter = self.tokens[asset], self.minter
        if expected == 0:
            expect_refusal(self.usde, "redeem", token, amount, 0, minter, sender=minter, error="ZeroAmount")
            return
        if expected > book.held:
            expect_refusal(
                *(self.usde, "redeem", token, amount, 0, minter),
                sender=minter,
                error="InsufficientCollateral",
                asset=token.address,
                held=book.held,
            )
            return
        paid = self.model.redeem(asset, amount, at, self.prices)
        receipt = self.usde.redeem(self.tokens[asset], amount, paid, self.minter, sender=self.minter)
        assert receipt.timestamp == at
        assert receipt.return_value == paid

    @rule(asset=st.sampled_from(HEDGED), move_bps=st.integers(-3_000, 3_000))
    def move_price(self, asset: str, move_bps: int) -> None:
        price = max(self.prices[asset] * (10_000 + move_bps) // 10_000, 10**8)
        self._next_block()
        self.oracle.setFixedPrice(self.tokens[asset], price, sender=self.owner)
        self.prices[asset] = price

    @rule(data=st.data())
    def set_funding_rate(self, data: st.DataObject) -> None:
        rate = data.draw(st.integers(self.min_rate, 2 * WAD), label="rate")
        at = self._next_block()
        self.model.set_funding_rate(rate, at, self.prices)
        self.usde.setFundingRate(rate, sender=self.keeper)

    @rule(seconds=st.integers(1, 3 * 24 * 3600))
    def warp(self, seconds: int) -> None:
        self.chain.mine(timestamp=self.chain.blocks.head.timestamp + seconds)

    @rule()
    def distribute(self) -> None:
        at = self._next_block()
        vesting = unvested_amount(self.susde.vestingAmount(), self.susde.lastDistributionTimestamp(), at)
        if vesting or self.model.pending_yield_now(at, self.prices) == 0:
            return
        expected = self.model.distribute(at, self.prices)
        receipt = self.usde.distributeFunding(sender=self.keeper)
        assert receipt.return_value == expected

    @precondition(lambda self: self.stressed)
    @rule(asset=st.sampled_from(HEDGED))
    def toggle_hedge(self, asset: str) -> None:
        at = self._next_block()
        active = not self.model.collaterals[asset].hedge_active
        realised = self.model.set_hedge_active(asset, active, at, self.prices)
        receipt = self.usde.setHedgeActive(self.tokens[asset], active, sender=self.owner)
        [event] = list(receipt.decode_logs(self.usde.HedgeChanged))
        assert event.realisedPnl == realised

    @precondition(lambda self: self.stressed)
    @rule(dollars=st.integers(1, 1_000))
    def fund_reserve(self, dollars: int) -> None:
        at = self._next_block()
        self.model.fund_reserve(dollars * 10**6, USDT_PRICE, 6, at, self.prices)
        self.usde.fundReserve(dollars * 10**6, sender=self.owner)

    @precondition(lambda self: not self.stressed)
    @invariant()
    def supply_is_backed_while_hedged_with_non_negative_funding(self) -> None:
        views = ("totalSupply", "pendingYield", "totalBacking", "backingRatio")
        supply, pending, backing, ratio = read_many([Read(self.usde, view) for view in views])
        assert supply + pending <= backing
        assert ratio >= WAD

    @invariant()
    def chain_matches_mirror(self) -> None:
        now = self.chain.blocks.head.timestamp
        model, prices = self.model, self.prices
        expected = {
            "totalSupply": model.total_supply,
            "collateralValue": model.collateral_value(prices),
            "hedgePnl": model.hedge_pnl(prices),
            "cashBalance": model.cash_balance(now, prices),
            "pendingYield": model.pending_yield_now(now, prices),
            "reserveFund": model.reserve_fund_now(now, prices),
            "totalBacking": model.total_backing(now, prices),
            "backingRatio": model.backing_ratio(now, prices),
        }
        reads = [Read(self.usde, view) for view in expected]
        reads += [Read(self.usde, "collateral", (self.tokens[name],)) for name in HEDGED]
        values = read_many(reads)
        assert dict(zip(expected, values[: len(expected)], strict=True)) == expected
        for name, book in zip(HEDGED, values[len(expected) :], strict=True):
            mirror = model.collaterals[name]
            assert (book.held, book.hedgeSize, book.hedgeEntryNotional, book.hedgeActive) == (
                mirror.held,
                mirror.hedge_size,
                mirror.hedge_entry,
                mirror.hedge_active,
            )
            assert book.hedgeSize == (book.held if book.hedgeActive else 0)


class StressedSyntheticDollarMachine(SyntheticDollarMachine):
    """Adds negative funding, reserve top-ups and hedges lost and re-opened: only the differential is asserted."""

    stressed = True


@dataclass(frozen=True)
class SyntheticWorld:
    """USDe over WETH/stETH (hedged) and USDT, its staking vault and oracle; the minter (alice, whitelisted to
    mint and redeem), the funding keeper and the owner."""

    chain: Any
    usde: Any
    susde: Any
    oracle: Any
    tokens: dict[str, Any]
    minter: Any
    keeper: Any
    owner: Any


@pytest.fixture(scope="module")
def world(
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
) -> SyntheticWorld:
    return SyntheticWorld(
        chain=chain,
        usde=usde,
        susde=susde,
        oracle=oracle,
        tokens={"weth": weth, "steth": steth, "usdt": usdt},
        minter=alice,
        keeper=keeper,
        owner=deployer,
    )


@pytest.mark.fuzz
@pytest.mark.parametrize(
    "machine", [SyntheticDollarMachine, StressedSyntheticDollarMachine], ids=["calm", "stressed"]
)
def test_chain_matches_mirror_and_supply_stays_backed_while_hedged(
    machine: type[SyntheticDollarMachine], world: SyntheticWorld
) -> None:
    name = f"synthetic {machine.__name__}"
    run_machine(name, lambda: machine(world), ci_examples=12, ci_steps=15)
