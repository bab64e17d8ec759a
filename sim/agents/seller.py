"""Exogenous seller: a panic or forced seller dumping an asset into one pool at a steady USD rate."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import approvals, spenders_for, swap_tx
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, PoolName
from sim.world.world import BOOK_MAX_LEVELS, PoolView, World


class SellerParams(AgentParams):
    """Exogenous panic seller: sells `asset` for the pool's other token into `pool` from block `start` until
    block `end` (exclusive; the run's last block at most), only while `asset` is `min_drawdown` below its peak."""

    pool: PoolName
    asset: AssetName
    amount_usd_per_block: Drawn = Field(ge=0, le=MAX_USD)
    start: int = Field(default=0, ge=0)
    end: int = Field(default=1_000_000, ge=0)
    min_drawdown: float = Field(default=0.0, ge=0, le=1)
    limit_drop: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="order_book only: a limit sell at this drop below the reference price; what the bids down "
        "to it do not take rests as an ask there (a marketable limit order, not a market order)",
    )


@dataclass
class Seller(Agent[SellerParams]):
    kind = "seller"
    Params = SellerParams
    cause = Cause.PANIC_SALE

    last_block: int = 1_000_000  # the params' end, cut to the scenario's length when bound
    peak: float = 0.0

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        self.last_block = min(self.params.end, ctx.scenario.blocks)

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        blocks = max(0, self.last_block - self.params.start)
        amount = world.market.units(
            self.params.asset,
            self.params.amount_usd_per_block * blocks / world.reference[self.params.asset],
        )
        info = world.pools[self.params.pool].info
        return [
            ctx.fund(self.params.asset, self.wallet.address, amount),
            *approvals(
                self.wallet, world.market, spenders_for(world.market, [info]), [self.params.asset], self.name
            ),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        asset = self.params.asset
        price = world.reference.get(asset, 0.0)
        self.peak = max(self.peak, price)
        if not self.params.start <= world.block < self.last_block or price <= 0:
            return []
        if self.peak > 0 and 1 - price / self.peak < self.params.min_drawdown:
            return []
        view = world.pools[self.params.pool]
        quote = next(t for t in view.info.tokens if t != asset)
        amount = min(
            world.balance(self.wallet.address, asset),
            world.market.units(asset, self.params.amount_usd_per_block / price),
        )
        if amount <= 0:
            return []
        self.count("attempted_sale_usd", amount / 10 ** world.market.decimals[asset] * price)
        if self.params.limit_drop is not None and view.book is not None and view.info.tokens[0] == asset:
            return self._limit_sell(world, view, amount)
        return [swap_tx(self.wallet, world.market, view.info, asset, quote, amount, 0, self.name)]

    def _limit_sell(self, world: World, view: PoolView, amount: int) -> list[TxRequest]:
        """Sell into the bids down to the limit, and rest what they do not take as an ask at the limit."""
        book = view.book
        assert book is not None and self.params.limit_drop is not None
        base, quote = view.info.tokens
        limit = world.usd(base) / world.usd(quote) * (1 - self.params.limit_drop)
        tick = max(1, book.price_to_tick_up(int(limit * 10**18)))
        sold = book.preview(False, False, amount, tick, BOOK_MAX_LEVELS).base
        txs: list[TxRequest] = []
        if sold > 0:
            txs.append(swap_tx(self.wallet, world.market, view.info, base, quote, sold, 0, self.name, tick))
        rest = amount - sold
        if rest >= book.min_base_amount:
            txs.append(view.info.handle.tx(self.wallet, "placeOrder", False, tick, rest, tag=self.name))
        return txs
