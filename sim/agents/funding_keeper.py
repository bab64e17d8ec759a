"""FundingKeeper: follows a funding-rate path (the perp market's funding, annualised) into the synthetic
dollar, and books accrued funding every `accrue_every` blocks so the reserve fund's drain shows block by block."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, Cause, SetupContext
from sim.node.chain import TxRequest
from sim.scenario.kinds import AgentParams
from sim.world.world import World

WAD = 10**18
# Rate changes smaller than this (annualised) are not sent: the keeper books accrued funding instead.
MIN_CHANGE = 0.0001


class FundingKeeperParams(AgentParams):
    """Sets the synthetic dollar's funding rate along `apy_knots` ([block, annual rate], linear between)."""

    requires = ("synthetic",)

    apy_knots: list[tuple[int, float]] = Field(min_length=1)
    accrue_every: int = Field(default=1, ge=1)


@dataclass
class FundingKeeper(Agent[FundingKeeperParams]):
    kind = "funding_keeper"
    Params = FundingKeeperParams
    cause = Cause.EXOGENOUS

    current: float | None = None
    priority: int = 900_000

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        synthetic = ctx.market.contracts["synthetic"]
        return [synthetic.tx(ctx.funder, "setRole", 2, self.wallet.address, True, tag="setup")]

    def apy_at(self, block: int) -> float:
        xs = [b for b, _ in self.params.apy_knots]
        ys = [v for _, v in self.params.apy_knots]
        return float(np.interp(block, xs, ys))

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        synthetic = world.market.contracts["synthetic"]
        txs: list[TxRequest] = []
        target = self.apy_at(world.block)
        if self.current is None or abs(target - self.current) >= MIN_CHANGE:
            txs.append(synthetic.tx(self.wallet, "setFundingRate", round(target * WAD), tag=self.name))
            self.current = target
            self.count("attempted_rate_changes")
        elif world.block % self.params.accrue_every == 0:
            txs.append(synthetic.tx(self.wallet, "accrueFunding", tag=self.name))
        return txs
