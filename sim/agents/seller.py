"""Exogenous seller: a panic or forced seller dumping an asset into one pool at a steady USD rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.agents.base import Agent, SetupContext
from sim.agents.trading import approvals, spenders_for, swap_tx
from sim.node.chain import TxRequest
from sim.world.world import World


@dataclass
class Seller(Agent):
    kind = "seller"

    pool: str = ""
    asset: str = ""
    usd_per_block: float = 0.0
    start: int = 0
    end: int = 0
    min_drawdown: float = 0.0
    peak: float = 0.0

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        blocks = max(0, min(self.end, 10**9) - self.start)
        amount = world.market.units(self.asset, self.usd_per_block * blocks / world.reference[self.asset])
        info = world.pools[self.pool].info
        return [
            ctx.fund(self.asset, self.wallet.address, amount),
            *approvals(
                self.wallet, world.market, spenders_for(world.market, [info]), [self.asset], self.name
            ),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        price = world.reference.get(self.asset, 0.0)
        self.peak = max(self.peak, price)
        if not self.start <= world.block < self.end or price <= 0:
            return []
        if self.peak > 0 and 1 - price / self.peak < self.min_drawdown:
            return []
        view = world.pools[self.pool]
        quote = next(t for t in view.info.tokens if t != self.asset)
        amount = min(
            world.balance(self.wallet.address, self.asset),
            world.market.units(self.asset, self.usd_per_block / price),
        )
        if amount <= 0:
            return []
        self.count("sold_usd", amount / 10 ** world.market.decimals[self.asset] * price)
        return [swap_tx(self.wallet, world.market, view.info, self.asset, quote, amount, 0, self.name)]
