"""MarketMaker: liquidity on the venue's pools from its own inventory, pulled when volatility or drawdown of
the asset it watches crosses its limits, and brought back after a calm spell."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, Cause, SetupContext
from sim.agents.trading import usd_units
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, PoolName
from sim.world.world import World

SECONDS_PER_YEAR = 365 * 24 * 3600


class MarketMakerParams(AgentParams):
    """Liquidity on the named venue pools, pulled when volatility or drawdown of `watch` crosses a limit."""

    requires = ("venue",)

    pools: list[PoolName]
    depth_usd: Drawn = Field(default=10_000_000.0, gt=0, le=MAX_USD)
    watch: AssetName = "WETH"
    vol_window: int = Field(default=10, ge=2, le=63)
    vol_limit: Drawn = Field(default=1.5, ge=0)
    drawdown_limit: Drawn = Field(default=0.05, ge=0)
    residual: float = Field(default=0.05, ge=0, le=1)
    calm_blocks: int = Field(default=50, ge=0)


@dataclass
class MarketMaker(Agent[MarketMakerParams]):
    """Provides liquidity to the venue's pools; pulls it (keeping `residual`) when realized volatility or
    drawdown of the reference crosses its limits, and comes back after `calm_blocks` quiet blocks."""

    kind = "market_maker"
    Params = MarketMakerParams
    cause = Cause.MM_WITHDRAWAL

    history: deque[float] = field(default_factory=lambda: deque(maxlen=64))
    peak: float = 0.0
    pulled: bool = False
    calm: int = 0

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        txs: list[TxRequest] = []
        for name in self.params.pools:
            pool = world.pools[name].info
            for token in pool.tokens:
                amount = usd_units(world, token, self.params.depth_usd / 2)
                txs.append(ctx.fund(token, pool.handle.address, amount))
            txs.append(pool.handle.tx(self.wallet, "mint", self.wallet.address, tag=self.name))
        return txs

    def _annualized_vol(self, seconds_per_block: float) -> float:
        if len(self.history) < 3:
            return 0.0
        values = list(self.history)[-self.params.vol_window - 1 :]
        returns = np.diff(np.log(values))
        return float(np.std(returns) * math.sqrt(SECONDS_PER_YEAR / seconds_per_block))

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        p = self.params
        price = world.reference.get(p.watch, 0.0)
        if price <= 0:
            return []
        self.history.append(price)
        self.peak = max(self.peak, price)
        vol = self._annualized_vol(world.seconds_per_block)
        drawdown = 1 - price / self.peak
        stressed = vol > p.vol_limit or drawdown > p.drawdown_limit
        if stressed and not self.pulled:
            self.pulled = True
            self.calm = 0
            self.count("attempted_pulls")
            return self._remove(world, 1 - p.residual)
        if self.pulled:
            self.calm = self.calm + 1 if vol < p.vol_limit / 2 else 0
            if self.calm >= p.calm_blocks:
                self.pulled = False
                self.peak = price  # drawdown is measured from where the maker came back
                self.count("attempted_returns")
                return self._readd(world)
        return []

    def _remove(self, world: World, fraction: float) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for name in self.params.pools:
            pool = world.pools[name]
            lp = world.balance(self.wallet.address, f"lp:{name}")
            amount = int(lp * fraction)
            if amount <= 0:
                continue
            txs.append(
                pool.info.handle.tx(self.wallet, "transfer", pool.info.handle.address, amount, tag=self.name)
            )
            txs.append(pool.info.handle.tx(self.wallet, "burn", self.wallet.address, tag=self.name))
        return txs

    def _readd(self, world: World) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for name in self.params.pools:
            pool = world.pools[name]
            reserves = pool.reserves()
            balances = [world.balance(self.wallet.address, t) for t in pool.info.tokens]
            # Add at the pool's current ratio, as much as the inventory allows.
            share = min(b / r for b, r in zip(balances, reserves, strict=True) if r > 0)
            if share <= 0:
                continue
            share *= 0.999  # stay clear of rounding at the balance
            for token, reserve in zip(pool.info.tokens, reserves, strict=True):
                txs.append(
                    world.market.tokens[token].tx(
                        self.wallet, "transfer", pool.info.handle.address, int(reserve * share), tag=self.name
                    )
                )
            txs.append(pool.info.handle.tx(self.wallet, "mint", self.wallet.address, tag=self.name))
        return txs
