"""Stub bids: small resting limit buys scattered far below the market (-20% to -95%), the orders that stopped the
October 2025 flash crashes. Each agent places its orders once, at the first block, and never re-quotes."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, Field

from sim.agents.base import Agent, BuildContext, SetupContext
from sim.agents.trading import approvals, units_usd
from sim.market.venues import PLACE_GAS_PER_ORDER
from sim.mirrors.orderbook.state import NewOrder
from sim.mirrors.orderbook.units import MAX_TICK, UINT96_MAX
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, Drawn, PoolName
from sim.world.world import World

WAD = 10**18
MAX_SIZE_MULTIPLE = 10.0  # one order is at most this many times the median size


class StubBidsParams(AgentParams):
    """Rests `orders` small bids on each of `books`, at prices drawn uniformly in log-space between
    `depth_from` and `depth_to` below the book's start price, each of a size drawn around `size_usd`."""

    books: list[PoolName] = Field(min_length=1)
    depth_from: float = Field(
        default=0.20, ge=0, lt=1, description="the shallowest bid, below the start price"
    )
    depth_to: float = Field(default=0.95, gt=0, lt=1, description="the deepest bid, below the start price")
    orders: int = Field(default=3, ge=1, le=100, description="bids per book per agent")
    size_usd: Drawn = Field(default=2_000.0, gt=0, le=MAX_USD, description="median USD size of one bid")
    size_sigma: float = Field(
        default=0.8, ge=0, le=3, description="log-space spread of each bid's size around size_usd"
    )

    @classmethod
    def check_scenario(cls, spec: BaseModel) -> None:
        low, high = getattr(spec, "depth_from", 0.20), getattr(spec, "depth_to", 0.95)
        if not low <= high:
            raise ValueError(
                f"depth_from ({low}) must not exceed depth_to ({high}): both are drops below the start"
            )


@dataclass
class StubBids(Agent[StubBidsParams]):
    kind = "stub_bids"
    Params = StubBidsParams

    # book name -> its bids (isBid, tick, base amount), drawn at bind; placed at the first block.
    ladders: dict[str, list[NewOrder]] = field(default_factory=dict)
    escrow: dict[str, int] = field(default_factory=dict)  # quote each book's bids lock, by book
    placed: bool = False

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        p, scenario = self.params, ctx.scenario
        for name in p.books:
            view = ctx.world.pools[name]
            if view.book is None:
                raise ValueError(
                    f"{self.name}: stub bids rest on order books, and {name!r} is a {view.info.kind} pool"
                )
            base, quote = view.info.tokens
            start = scenario.assets[base].price / scenario.assets[quote].price
            base_usd = scenario.assets[base].price
            ladder: list[NewOrder] = []
            low, high = math.log(1 - p.depth_to), math.log(1 - p.depth_from)
            for _ in range(p.orders):
                level = start * math.exp(rng.uniform(low, high))
                usd = min(
                    p.size_usd * math.exp(rng.normal(0.0, p.size_sigma)), p.size_usd * MAX_SIZE_MULTIPLE
                )
                tick = min(view.book.price_to_tick_down(int(level * WAD)), MAX_TICK)
                amount = int(usd / (base_usd * level / start) * 10 ** view.decimals[0])
                if tick < 1 or amount < view.book.min_base_amount or amount > UINT96_MAX:
                    continue
                ladder.append(NewOrder(True, tick, amount))
            self.ladders[name] = ladder
            self.escrow[name] = sum(view.book.escrow_for(True, t, a) for _, t, a in ladder)

    def drawn(self) -> dict[str, object]:
        out = dict(super().drawn())
        out["bids"] = sum(len(ladder) for ladder in self.ladders.values())
        return out

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        txs: list[TxRequest] = []
        for name, ladder in self.ladders.items():
            if not ladder:
                continue
            info = world.pools[name].info
            txs.append(ctx.fund(info.tokens[1], self.wallet.address, self.escrow[name]))
            txs += approvals(self.wallet, world.market, [info.handle.address], [info.tokens[1]], self.name)
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        if self.placed:
            return []
        self.placed = True
        txs: list[TxRequest] = []
        for name, ladder in self.ladders.items():
            if not ladder:
                continue
            view = world.pools[name]
            orders = [tuple(o) for o in ladder]
            gas = PLACE_GAS_PER_ORDER * len(orders) + 100_000
            txs.append(view.info.handle.tx(self.wallet, "placeOrders", orders, tag=self.name, gas=gas))
            self.count("attempted_bids", len(ladder))
            self.count("attempted_bid_usd", units_usd(world, view.info.tokens[1], self.escrow[name]))
        return txs
