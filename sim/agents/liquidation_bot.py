"""LiquidationBot: liquidates lending accounts with its own stables and sells the seizure on-chain."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import MAX_UINT, approvals, best_quote, spenders_for, swap_tx, usd_units
from sim.mirrors.lending import LiquidationError, liquidation_amounts
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, MarketName, PoolName
from sim.world.lending import LendingView
from sim.world.world import World


class LiquidationBotParams(AgentParams):
    """Liquidates on a lending market with `capital_usd` of each stable; higher `priority` bids more gas."""

    market: MarketName
    stables: list[AssetName]
    capital_usd: Drawn = Field(default=5_000_000.0, ge=0, le=MAX_USD)
    max_per_block: int = Field(default=10, ge=0)
    priority: Drawn = Field(default=100.0, ge=0)
    sell_pools: list[PoolName] = Field(default_factory=list)


@dataclass
class LiquidationBot(Agent[LiquidationBotParams]):
    """Liquidates accounts the view flags (exact mirror check), within its capital, and sells the seized
    collateral on the on-chain AMMs in the same block. Bots compete on priority (gas)."""

    kind = "liquidation_bot"
    Params = LiquidationBotParams
    cause = Cause.LIQUIDATION_SALE

    view: LendingView | None = None

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        self.view = ctx.world.lending[self.params.market]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        p, world = self.params, ctx.world
        txs = [ctx.fund(s, self.wallet.address, usd_units(world, s, p.capital_usd)) for s in p.stables]
        txs += approvals(self.wallet, world.market, [self.view.pool.address], list(p.stables), self.name)
        pools = [world.pools[name].info for name in p.sell_pools]
        sellable = sorted({t for pool in pools for t in pool.tokens})
        txs += approvals(self.wallet, world.market, spenders_for(world.market, pools), sellable, self.name)
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        view = self.view
        txs: list[TxRequest] = []
        budget = {s: world.balance(self.wallet.address, s) for s in self.params.stables}
        prices = view.prices()
        for user, _ in view.liquidatable()[: self.params.max_per_block]:
            positions = view.positions(user)
            debts = [a for a, p in positions.items() if p.debt > 0 and a in budget]
            collaterals = [a for a, p in positions.items() if p.supplied > 0 and p.collateral_enabled]
            if not debts or not collaterals:
                continue
            debt = max(debts, key=lambda a: positions[a].debt * prices[a] / 10 ** view.params[a].decimals)
            collateral = max(
                collaterals, key=lambda a: positions[a].supplied * prices[a] / 10 ** view.params[a].decimals
            )
            try:
                amounts = liquidation_amounts(
                    positions, prices, view.params, view.emode_of(user), collateral, debt, MAX_UINT
                )
                to_cover = min(amounts.debt_repaid, budget[debt])
                if to_cover < amounts.debt_repaid:
                    amounts = liquidation_amounts(
                        positions, prices, view.params, view.emode_of(user), collateral, debt, to_cover
                    )
                else:
                    # Ask for the maximum: the pool applies its close factor and collateral cap itself, where
                    # the mirror's rounded-up figure sent back could leave dust the pool refuses.
                    to_cover = MAX_UINT
            except LiquidationError:
                continue
            if amounts.debt_repaid == 0 or amounts.debt_repaid > budget[debt]:
                continue
            budget[debt] -= amounts.debt_repaid
            tokens = world.market.tokens
            txs.append(
                view.pool.tx(
                    self.wallet,
                    "liquidationCall",
                    tokens[collateral].address,
                    tokens[debt].address,
                    user,
                    to_cover,
                    False,
                    tag=self.name,
                )
            )
            self.count("attempts")
            self.count("attempted_repay_usd", view.usd(debt, amounts.debt_repaid))
            if collateral != debt and amounts.collateral_to_liquidator > 0:
                quote = best_quote(
                    world, self.params.sell_pools, collateral, debt, amounts.collateral_to_liquidator
                )
                if quote is not None and quote.amount_out > 0:
                    txs.append(
                        swap_tx(
                            self.wallet,
                            world.market,
                            quote.pool.info,
                            collateral,
                            debt,
                            quote.amount_in,
                            0,
                            self.name,
                        )
                    )
        return txs
