"""VenueLiquidator: calls the venue's liquidate on every account under maintenance."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause
from sim.node.chain import TxRequest
from sim.scenario.kinds import AgentParams, Drawn, VenueName
from sim.world.venue import VenueView
from sim.world.world import World

# A venue liquidation sells every collateral of the account and closes its perps: room for the largest.
LIQUIDATE_GAS = 12_000_000


class VenueLiquidatorParams(AgentParams):
    """Calls the venue's liquidate on up to `max_per_block` accounts per block; `priority` bids gas."""

    requires = ("venue",)

    venues: list[VenueName] = Field(default_factory=list, description="the venues it watches (default: all)")
    max_per_block: int = Field(default=20, ge=0)
    priority: Drawn = Field(default=50.0, ge=0)


@dataclass
class VenueLiquidator(Agent[VenueLiquidatorParams]):
    """Calls the venue's liquidate on every account the mirror finds under maintenance (the reward pays gas)."""

    kind = "venue_liquidator"
    Params = VenueLiquidatorParams
    cause = Cause.LIQUIDATION_SALE

    views: list[VenueView] = field(default_factory=list)

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        wanted = self.params.venues or list(ctx.world.venues)
        self.views = [ctx.world.venues[name] for name in wanted]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for view in self.views:
            targets = [a for a in view.liquidatable() if _anything_to_do(world, view, a)]
            targets = targets[: self.params.max_per_block]
            self.count("attempts", len(targets))
            txs += [
                view.handle.tx(self.wallet, "liquidate", account, tag=self.name, gas=LIQUIDATE_GAS)
                for account in targets
            ]
        return txs


def _anything_to_do(world: World, view: VenueView, account: bytes) -> bool:
    """False when a call could only repeat the last one: no perp to close, no debt left alone, and every asset the
    account holds sells into an order book without a bid (what a book cannot take stays in the account, so the
    engine waits for bids instead of calling every block). Always true on constant-product pools."""
    for group in view.groups(account):
        if group.positions:
            return True
        held = [a for a, _ in group.collaterals if a != view.quote]
        if not held and group.debts:
            return True  # only debt left: the call covers it (insurance, then bad debt)
        for asset in held:
            book = world.pools[view.sells_into[asset]].book
            if book is None or book.best_bid()[0] != 0:
                return True
    return False
