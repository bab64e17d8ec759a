"""FundingKeeper: follows a funding-rate path (the perp market's funding, annualised) into the synthetic
dollar, and books accrued funding every `accrue_every` blocks so the reserve fund's drain shows block by block."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.agents.base import Agent, SetupContext
from sim.node.chain import TxRequest
from sim.world.world import World

WAD = 10**18


@dataclass
class FundingKeeper(Agent):
    kind = "funding_keeper"

    knots: list[tuple[int, float]] = field(default_factory=list)
    accrue_every: int = 1
    min_change: float = 0.0001
    current: float | None = None
    priority: int = 900_000

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        synthetic = ctx.market.contracts["synthetic"]
        return [synthetic.tx(ctx.funder, "setRole", 2, self.wallet.address, True, tag="setup")]

    def apy_at(self, block: int) -> float:
        xs = [b for b, _ in self.knots]
        ys = [v for _, v in self.knots]
        return float(np.interp(block, xs, ys))

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        synthetic = world.market.contracts["synthetic"]
        txs: list[TxRequest] = []
        target = self.apy_at(world.block)
        if self.current is None or abs(target - self.current) >= self.min_change:
            txs.append(synthetic.tx(self.wallet, "setFundingRate", round(target * WAD), tag=self.name))
            self.current = target
            self.count("rate_changes")
        elif world.block % self.accrue_every == 0:
            txs.append(synthetic.tx(self.wallet, "accrueFunding", tag=self.name))
        return txs
