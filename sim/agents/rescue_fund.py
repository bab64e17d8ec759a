"""Rescue fund operator: watches the venues' total liquidated USD, switches the fund on once it passes the
threshold, then rests bids below the market on the hardest-hit books and covers the venues' bad debt with the
rest, as `mitigations.rescue_fund` configures. Added to the run automatically when the mitigation is enabled."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, SetupContext
from sim.agents.trading import units_usd
from sim.market.venues import PLACE_GAS_PER_ORDER
from sim.mirrors.orderbook.units import UINT96_MAX, base_down
from sim.node.chain import TxRequest
from sim.scenario.kinds import AgentParams
from sim.scenario.mitigations import RescueFundSpec
from sim.world.world import PoolView, World

WAD = 10**18


class RescueFundParams(AgentParams):
    """Operates the scenario's rescue fund (`mitigations.rescue_fund`: threshold, capital, bid share, books,
    levels, drops, bad-debt cover); one per scenario, added by the run when the mitigation is enabled."""

    priority: int = Field(default=0, description="place in the block (higher first)")


def bid_ladder(
    anchor: float, levels: int, from_drop: float, to_drop: float, budget: float
) -> list[tuple[float, float]]:
    """(price, quote) of `levels` bids spread evenly from `from_drop` to `to_drop` below `anchor`, the budget
    split equally among them."""
    if levels <= 0 or anchor <= 0:
        return []
    step = (to_drop - from_drop) / (levels - 1) if levels > 1 else 0.0
    return [(anchor * (1 - from_drop - i * step), budget / levels) for i in range(levels)]


@dataclass
class RescueFundOperator(Agent[RescueFundParams]):
    kind = "rescue_fund"
    Params = RescueFundParams

    spec: RescueFundSpec = field(default_factory=RescueFundSpec)
    books: list[str] = field(default_factory=list)  # every venue book in the fund's quote
    start: dict[str, float] = field(default_factory=dict)  # book -> its start price (quote per base)
    activated_at: int = -1
    cover_left: int = 0  # quote still set aside for bad debt

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        scenario = ctx.scenario
        self.spec = scenario.mitigations.rescue_fund
        fund = ctx.world.rescue_fund
        if fund is None:
            raise ValueError(
                f"{self.name}: a rescue_fund agent operates the scenario's rescue fund; enable it with "
                "mitigations.rescue_fund.enabled: true (the run then adds this agent by itself)"
            )
        for venue in scenario.venues:
            for pool in venue.pools:
                if pool.kind == "order_book" and pool.tokens[1] == fund.quote:
                    base, quote = pool.tokens
                    self.books.append(pool.name)
                    self.start[pool.name] = scenario.assets[base].price / scenario.assets[quote].price

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        fund = ctx.world.market.contracts["rescue_fund"]
        return [fund.tx(ctx.funder, "setOperator", self.wallet.address, True, tag="setup")]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        fund = world.rescue_fund
        if fund is None:
            return []
        txs: list[TxRequest] = []
        if self.activated_at < 0:
            if not fund.active and fund.total_liquidated < fund.threshold:
                return []
            # Past the threshold (or switched on by someone else): activate, bid and set the rest aside.
            self.activated_at = world.block
            self.count("activated_block", world.block)
            if not fund.active:
                txs.append(fund.handle.tx(self.wallet, "activate", tag=self.name))
            bids = int(fund.balance * self.spec.bid_share)
            self.cover_left = fund.balance - bids if self.spec.cover_bad_debt else 0
            txs += self._bids(world, bids)
        return txs + self._cover(world)

    def hardest_hit(self, world: World) -> list[str]:
        """The `books` books whose price (mid, else last trade) fell most from the start."""
        falls = []
        for name in self.books:
            price = world.pools[name].book_price() / WAD
            falls.append((1 - price / self.start[name] if price > 0 else 1.0, name))
        falls.sort(key=lambda f: (-f[0], self.books.index(f[1])))
        return [name for _, name in falls[: self.spec.books]]

    def _bids(self, world: World, capital: int) -> list[TxRequest]:
        fund = world.rescue_fund
        assert fund is not None
        chosen = self.hardest_hit(world)
        if not chosen or capital <= 0:
            return []
        txs: list[TxRequest] = []
        for name in chosen:
            view = world.pools[name]
            orders = self._ladder(world, view, capital // len(chosen))
            if not orders:
                continue
            gas = PLACE_GAS_PER_ORDER * len(orders) + 300_000  # with the fund's approvals and balance reads
            txs.append(
                fund.handle.tx(
                    self.wallet, "postBids", view.info.handle.address, orders, tag=self.name, gas=gas
                )
            )
            escrow = sum(view.book.escrow_for(True, t, a) for _, t, a in orders) if view.book else 0
            self.count("bids", len(orders))
            self.count("bid_usd", units_usd(world, view.info.tokens[1], escrow))
        return txs

    def _ladder(self, world: World, view: PoolView, budget: int) -> list[tuple[bool, int, int]]:
        """Bids from from_drop to to_drop below the reference price, or below the best ask when the book has
        fallen under it (a bid must not cross)."""
        book = view.book
        assert book is not None
        base, quote = view.info.tokens
        anchor = world.usd(base) / world.usd(quote) if world.usd(quote) > 0 else 0.0
        ask_tick = book.best_ask()[0]
        if ask_tick > 1:
            anchor = min(anchor, book.price(ask_tick - 1) / WAD)
        orders: list[tuple[bool, int, int]] = []
        s = self.spec
        for price, quote_amount in bid_ladder(anchor, s.levels, s.from_drop, s.to_drop, float(budget)):
            tick = book.price_to_tick_down(int(price * WAD))
            if tick < 1:
                continue
            amount = min(base_down(int(quote_amount), book.price(tick), book.divisor), UINT96_MAX)
            if amount >= book.min_base_amount:
                orders.append((True, tick, amount))
        return orders

    def _cover(self, world: World) -> list[TxRequest]:
        """Each block while active: repay each venue's bad debt in the quote from what is set aside."""
        fund = world.rescue_fund
        assert fund is not None
        txs: list[TxRequest] = []
        token = world.market.tokens[fund.quote].address
        for name, venue in fund.venues.items():
            amount = min(fund.deficits.get(name, 0), self.cover_left)
            if amount <= 0:
                continue
            self.cover_left -= amount
            txs.append(
                fund.handle.tx(self.wallet, "coverBadDebt", venue.address, token, amount, tag=self.name)
            )
            self.count("bad_debt_covered_usd", units_usd(world, fund.quote, amount))
        return txs
