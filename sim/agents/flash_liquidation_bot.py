"""FlashLiquidationBot: liquidates lending accounts with no capital, through its own FlashLiquidator contract
(flash loan -> liquidationCall -> sale into a pair -> repayment, in one transaction)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import MAX_UINT
from sim.mirrors.fixed_point import percent_mul_ceil
from sim.mirrors.lending import (
    FLASHLOAN_PREMIUM_BPS,
    EModeCategory,
    LiquidationError,
    Position,
    liquidation_amounts,
)
from sim.node.artifacts import load_artifact
from sim.node.chain import TxRequest
from sim.node.contracts import DEPLOY_GAS, Handle, abi_of, create_address
from sim.scenario.kinds import MAX_USD, AgentParams, Drawn, MarketName, PoolName
from sim.world.lending import LendingView
from sim.world.world import World


class FlashLiquidationBotParams(AgentParams):
    """Liquidates on a lending market with flash loans through its own contract (no capital); sells the
    seizure into the constant-product pairs among `sell_pools`; sends only what clears `min_profit_usd`."""

    market: MarketName
    sell_pools: list[PoolName]
    max_per_block: int = Field(default=10, ge=0)
    priority: Drawn = Field(default=100.0, ge=0)
    min_profit_usd: float = Field(default=0.0, ge=0, le=MAX_USD)


@dataclass(frozen=True)
class FlashPlan:
    collateral: str
    debt: str
    debt_to_cover: int  # what the mirror says the pool will take (the transaction asks for the maximum)
    flash_amount: int  # borrowed: that plus a margin for interest accrued before the block executes
    pool: str
    profit: int  # in the debt asset's base units, after the flash-loan premium


def flash_margin(amount: int) -> int:
    """The loan for a liquidation the mirror prices at `amount`: 0.1% more (interest accrues between the view
    and the block), returned unused with the loan."""
    return amount + amount // 1000 + 1


@dataclass
class FlashLiquidationBot(Agent[FlashLiquidationBotParams]):
    """Liquidates with no capital: its own FlashLiquidator contract flash-borrows the debt asset from the pool,
    liquidates, sells the seizure into a constant-product pair and repays, in one transaction. It sends only
    liquidations the mirrors predict profitable after the premium (the contract reverts the rest whole)."""

    kind = "flash_liquidation_bot"
    Params = FlashLiquidationBotParams
    cause = Cause.LIQUIDATION_SALE

    view: LendingView | None = None
    contract: Handle | None = None

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        self.view = ctx.world.lending[self.params.market]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        """Deploys the bot's FlashLiquidator (its first transaction, so its address is known now)."""
        assert self.view is not None
        data = load_artifact("FlashLiquidator").bytecode + abi_of("FlashLiquidator").encode_constructor(
            self.view.pool.address
        )
        self.contract = Handle("FlashLiquidator", create_address(self.wallet.address, self.wallet.nonce))
        return [TxRequest(self.wallet, None, data, gas=DEPLOY_GAS, tag=self.name)]

    def contracts(self) -> dict[str, Handle]:
        return {f"bot:{self.name}": self.contract} if self.contract is not None else {}

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None and self.contract is not None
        txs: list[TxRequest] = []
        tokens = world.market.tokens
        for user, _ in self.view.liquidatable()[: self.params.max_per_block]:
            plan = self.plan(world, self.view.positions(user), self.view.emode_of(user))
            if plan is None:
                continue
            txs.append(
                self.contract.tx(
                    self.wallet,
                    "liquidate",
                    tokens[plan.collateral].address,
                    tokens[plan.debt].address,
                    user,
                    MAX_UINT,  # the pool applies its close factor and collateral cap: no dust from rounding
                    plan.flash_amount,
                    world.pools[plan.pool].info.handle.address,
                    self.view.units(plan.debt, self.params.min_profit_usd),  # enforced on chain too
                    tag=self.name,
                )
            )
            self.count("attempts")
            self.count("expected_profit_usd", self.view.usd(plan.debt, plan.profit))
        return txs

    def plan(
        self, world: World, positions: dict[str, Position], emode: EModeCategory | None
    ) -> FlashPlan | None:
        """The most profitable (collateral, debt, pair) liquidation of these positions, if it clears
        `min_profit_usd` after the flash-loan premium, predicted with the lending and AMM mirrors."""
        assert self.view is not None
        view = self.view
        prices = view.prices()
        best: FlashPlan | None = None
        debts = sorted(a for a, p in positions.items() if p.debt > 0)
        collaterals = sorted(a for a, p in positions.items() if p.supplied > 0 and p.collateral_enabled)
        for debt in debts:
            for collateral in collaterals:
                pools = [
                    n
                    for n in self.params.sell_pools
                    if world.pools[n].cpmm is not None
                    and set(world.pools[n].info.tokens) == {collateral, debt}
                ]  # a pair of the two (none when they are the same asset)
                if not pools:
                    continue
                try:
                    amounts = liquidation_amounts(
                        positions, prices, view.params, emode, collateral, debt, MAX_UINT
                    )
                except LiquidationError:
                    continue
                flash = flash_margin(amounts.debt_repaid)
                cash = world.balance(view.pool.address, debt)  # the reserve's: what flashLoanSimple can lend
                if flash > cash:
                    continue
                premium = percent_mul_ceil(flash, FLASHLOAN_PREMIUM_BPS)
                for name in pools:
                    out = world.pools[name].amount_out(
                        collateral, debt, amounts.collateral_to_liquidator, world.timestamp
                    )
                    profit = out - amounts.debt_repaid - premium
                    if view.usd(debt, profit) <= self.params.min_profit_usd:
                        continue
                    if best is None or profit > best.profit:
                        best = FlashPlan(collateral, debt, amounts.debt_repaid, flash, name, profit)
        return best
