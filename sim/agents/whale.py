"""Whale: a leveraged unified-margin venue account (several collaterals, a stable loan spent on more USDe, a
long perp), in cross or isolated margin."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, SetupContext
from sim.agents.trading import approvals, usd_units
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, VenueName
from sim.world.venue import VenueView
from sim.world.world import World

WAD = 10**18
# Isolated margin groups: 1 + market id for a perp's group, 65 + asset id for a loan's (the venue's numbering).
MARKET_GROUP_BASE = 1
BORROW_GROUP_BASE = 65


class WhaleParams(AgentParams):
    """A unified-margin venue account: `collateral` weights of `capital_usd`, a stable loan of `loop_fraction`
    of capital spent on more USDe, and a long perp on `perp` at `perp_leverage` x capital."""

    requires = ("venue",)

    venue: VenueName = Field(default="", description="the venue of the account (default: the first)")
    capital_usd: Drawn = Field(default=1_000_000.0, gt=0, le=MAX_USD)
    collateral: dict[AssetName, float]
    loop_fraction: Drawn = Field(default=0.0, ge=0)
    perp: AssetName = ""
    perp_leverage: Drawn = Field(default=0.0, ge=0)
    isolated_share: float = Field(
        default=0.0, ge=0, le=1, description="share of the population in isolated mode"
    )


@dataclass
class Whale(Agent[WhaleParams]):
    """A unified-margin account: several collateral assets, a stable loan spent on more USDe (the loop),
    and a leveraged long perp. `isolated` margins each position and loan with its own collateral only."""

    kind = "whale"
    Params = WhaleParams
    passive = True

    view: VenueView | None = None
    loop_asset: str = "USDe"  # what the loan buys: the scenario's synthetic dollar
    isolated: bool = False
    market_ids: dict[str, int] = field(default_factory=dict)
    asset_ids: dict[str, int] = field(default_factory=dict)

    @property
    def loop_usd(self) -> float:
        return self.params.capital_usd * self.params.loop_fraction

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        venue = ctx.scenario.venue_named(self.params.venue)
        self.view = ctx.world.venues[venue.name]
        self.loop_asset = ctx.scenario.synthetic.symbol if ctx.scenario.synthetic else ""
        self.isolated = bool(rng.random() < self.params.isolated_share)
        self.market_ids = {m.asset: i for i, m in enumerate(venue.markets.values())}
        listed = [venue.quote] + [a for a in venue.collateral if a != venue.quote]
        self.asset_ids = {a: i for i, a in enumerate(listed)}

    def drawn(self) -> dict[str, Any]:
        return super().drawn() | {"isolated": self.isolated}

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        p, world, venue, tag = self.params, ctx.world, self.view.handle, self.name
        tokens = world.market.tokens
        quote = self.view.quote
        amounts = {a: usd_units(world, a, p.capital_usd * w) for a, w in p.collateral.items()}
        loop_asset = self.loop_asset if self.loop_asset in amounts else next(iter(amounts))
        if self.loop_usd > 0:
            amounts[loop_asset] = amounts.get(loop_asset, 0) + usd_units(world, loop_asset, self.loop_usd)
        txs = [ctx.fund(a, self.wallet.address, x) for a, x in amounts.items()]
        txs += approvals(self.wallet, world.market, [venue.address], [*amounts, quote], tag)
        if self.isolated:
            txs.append(venue.tx(self.wallet, "setIsolatedMode", True, tag=tag))
        txs += [venue.tx(self.wallet, "deposit", tokens[a].address, x, tag=tag) for a, x in amounts.items()]
        borrow = usd_units(world, quote, self.loop_usd)
        size = int(p.capital_usd * p.perp_leverage / world.reference[p.perp] * WAD) if p.perp else 0
        if self.isolated:
            perp_group = MARKET_GROUP_BASE + self.market_ids.get(p.perp, 0)
            loan_group = BORROW_GROUP_BASE + self.asset_ids[quote]
            for asset, amount in amounts.items():
                group = perp_group if (asset == p.perp and size) or not borrow else loan_group
                txs.append(
                    venue.tx(self.wallet, "allocateMargin", group, tokens[asset].address, amount, tag=tag)
                )
        if borrow > 0:
            txs += [
                venue.tx(self.wallet, "borrow", tokens[quote].address, borrow, tag=tag),
                venue.tx(self.wallet, "withdraw", tokens[quote].address, borrow, tag=tag)
                if not self.isolated
                else venue.tx(
                    self.wallet,
                    "releaseMargin",
                    BORROW_GROUP_BASE + self.asset_ids[quote],
                    tokens[quote].address,
                    borrow,
                    tag=tag,
                ),
            ]
            if self.isolated:
                txs.append(venue.tx(self.wallet, "withdraw", tokens[quote].address, borrow, tag=tag))
            # The loan bought the extra USDe: pay the funder who sold it.
            txs.append(tokens[quote].tx(self.wallet, "transfer", ctx.funder.address, borrow, tag=tag))
        if size:
            txs.append(venue.tx(self.wallet, "openPosition", tokens[p.perp].address, size, tag=tag))
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        return []
