"""Borrower: a leveraged long on a lending market, holding one collateral against a stable debt."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, SetupContext
from sim.agents.trading import approvals, supply_and_borrow, usd_units
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, MarketName, Picked
from sim.world.lending import LendingView
from sim.world.world import World


class BorrowerParams(AgentParams):
    """A leveraged long on a lending market: one of `collateral` (picked per agent), borrowing `debt`."""

    market: MarketName
    collateral: Picked
    debt: AssetName = "USDC"
    capital_usd: Drawn = Field(default=100_000.0, gt=0, le=MAX_USD)
    health_factor: Drawn = Field(default=1.3, gt=0)


@dataclass
class Borrower(Agent[BorrowerParams]):
    """A leveraged long: supplies ETH-like collateral, borrows a stable to a target health factor, holds."""

    kind = "borrower"
    Params = BorrowerParams
    passive = True

    view: LendingView | None = None

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        self.view = ctx.world.lending[self.params.market]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        p, world, pool = self.params, ctx.world, self.view.pool
        amount = usd_units(world, p.collateral, p.capital_usd)
        lt = self.view.params[p.collateral].liquidation_threshold / 10_000
        # The target health factor's debt, within what the pool allows on the collateral (the mirror's headroom).
        borrow = min(
            usd_units(world, p.debt, p.capital_usd * lt / p.health_factor),
            self.view.headroom({p.collateral: amount}, p.debt, None),
        )
        tag = self.name
        return [
            ctx.fund(p.collateral, self.wallet.address, amount),
            *approvals(self.wallet, world.market, [pool.address], [p.collateral], tag),
            *supply_and_borrow(self.wallet, world, pool, p.collateral, amount, p.debt, borrow, tag),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        return []
