"""Looper: the USDe carry loop on a lending market (supply the synthetic dollar, borrow a stable in e-mode,
buy more, repeat), held at its leverage and unwound a slice per block on a margin call, negative carry or
risk-off."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import (
    VARIABLE_RATE,
    approvals,
    best_quote,
    spenders_for,
    supply_and_borrow,
    swap_tx,
    usd_units,
)
from sim.mirrors.fixed_point import RAY
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, MarketName, PoolName
from sim.world.lending import LendingView
from sim.world.world import World

# An unwind keeps the position this far above liquidation: collateral value x LT >= 1.005 x debt.
UNWIND_HF_FLOOR = 1.005


class LooperParams(AgentParams):
    """USDe loop on a lending market: supply `collateral`, borrow `debt` in e-mode, buy more, repeat. The loop
    is given as a target `leverage` (exposure / capital), or as the seeds describe it: an `ltv` borrowed each
    round and a number of `rounds`, which gives exposure = capital x (1 + ltv + ltv^2 + ... + ltv^rounds)."""

    market: MarketName
    collateral: AssetName = "USDe"
    debt: AssetName = "USDC"
    capital_usd: Drawn = Field(default=100_000.0, gt=0, le=MAX_USD)
    leverage: Drawn = Field(default=5.0, ge=1, description="exposure / capital (unless `rounds` is given)")
    ltv: Drawn = Field(default=0.0, ge=0, lt=1, description="with `rounds`: the share borrowed each round")
    rounds: int = Field(default=0, ge=0, le=100, description="with `ltv`: rounds of borrow-and-resupply")
    emode: int = Field(default=1, ge=0, le=255)
    carry_apy: Drawn = Field(
        default=0.12,
        description="the loop's yield when the scenario has no synthetic dollar (else its live funding)",
    )
    unwind_hf: float = Field(default=1.01, gt=0)
    unwind_fraction: float = Field(default=0.2, gt=0, le=1)
    risk_asset: AssetName = "WETH"
    risk_off_drawdown: Drawn = 1.0
    sell_pools: list[PoolName] = Field(default_factory=list)

    @classmethod
    def check_scenario(cls, spec: BaseModel) -> None:
        given = spec.model_fields_set
        if "rounds" in given and "leverage" in given:
            raise ValueError("give either `leverage`, or `ltv` with `rounds`, not both")
        if ("rounds" in given) != ("ltv" in given):
            raise ValueError("a loop by rounds needs both `ltv` (borrowed each round) and `rounds`")

    @property
    def exposure_multiple(self) -> float:
        """Exposure over capital: the target leverage, or the geometric series of `rounds` at `ltv`."""
        if self.rounds:
            return (1 - self.ltv ** (self.rounds + 1)) / (1 - self.ltv)
        return self.leverage


@dataclass
class Looper(Agent[LooperParams]):
    """Supplies the synthetic dollar, borrows a stable against it in e-mode and holds the loop at
    `leverage`; unwinds a slice per block on a margin call, on negative carry or when risk-off hits."""

    kind = "looper"
    Params = LooperParams
    cause = Cause.LOOP_UNWIND

    view: LendingView | None = None
    peak: float = 0.0
    unwinding: bool = False

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        self.view = ctx.world.lending[self.params.market]

    def drawn(self) -> dict[str, Any]:
        return super().drawn() | {"exposure_multiple": self.params.exposure_multiple}

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        p, world, pool = self.params, ctx.world, self.view.pool
        exposure = usd_units(world, p.collateral, p.capital_usd * p.exposure_multiple)
        # Borrow what the leverage asks, but never a unit more than the pool allows on that collateral (so a
        # loop at exactly the e-mode maximum LTV is reachable): the lending mirror's exact headroom.
        borrow = min(
            usd_units(world, p.debt, p.capital_usd * (p.exposure_multiple - 1)),
            self.view.headroom({p.collateral: exposure}, p.debt, self.view.emodes.get(p.emode)),
        )
        tag = self.name
        return [
            ctx.fund(p.collateral, self.wallet.address, exposure),
            *approvals(self.wallet, world.market, [pool.address], [p.collateral, p.debt], tag),
            *approvals(
                self.wallet,
                world.market,
                spenders_for(world.market, [world.pools[name].info for name in p.sell_pools]),
                [p.collateral],
                tag,
            ),
            pool.tx(self.wallet, "setUserEMode", p.emode, tag=tag),
            *supply_and_borrow(self.wallet, world, pool, p.collateral, exposure, p.debt, borrow, tag),
            # The borrowed stable bought the extra collateral: hand it back to the funder who sold it.
            world.market.tokens[p.debt].tx(self.wallet, "transfer", ctx.funder.address, borrow, tag=tag),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        p = self.params
        positions = self.view.positions(self.wallet.address)
        if p.debt not in positions or positions[p.debt].debt == 0:
            return []
        self.peak = max(self.peak, world.reference.get(p.risk_asset, 0.0))
        data = self.view.account(self.wallet.address)
        hf = data.health_factor / 1e18
        borrow_apy = self.view.reserves[p.debt].borrow_rate / RAY
        carry = world.synthetic.funding_apy if world.synthetic is not None else p.carry_apy
        drawdown = 1 - world.reference.get(p.risk_asset, self.peak) / self.peak if self.peak else 0.0
        if drawdown >= p.risk_off_drawdown:
            self.unwinding = True
        reason = (
            "margin_call"
            if hf < p.unwind_hf
            else "negative_carry"
            if borrow_apy > carry
            else "risk_off"
            if self.unwinding
            else ""
        )
        if not reason:
            return []
        return self._unwind(world, positions[p.collateral].supplied, data.total_debt_base, reason)

    def _unwind(self, world: World, supplied: int, debt_base: int, reason: str) -> list[TxRequest]:
        assert self.view is not None
        p = self.params
        prices = self.view.prices()
        emode = self.view.emode_of(self.wallet.address)
        lt = (
            emode.liquidation_threshold
            if emode is not None
            else self.view.params[p.collateral].liquidation_threshold
        )
        unit = 10 ** world.market.decimals[p.collateral]
        keep = int(debt_base * UNWIND_HF_FLOOR * 10_000 / lt * unit / prices[p.collateral]) + 1
        amount = min(int(supplied * p.unwind_fraction), supplied - keep)
        if amount <= 0:
            return []
        quote = best_quote(world, p.sell_pools, p.collateral, p.debt, amount)
        if quote is None or quote.amount_out == 0:
            return []
        repay = quote.amount_out * 999 // 1000
        pool, tokens = self.view.pool, world.market.tokens
        self.count(f"attempted_unwinds_{reason}")
        self.count("attempted_unwind_usd", amount / unit * world.reference.get(p.collateral, 1.0))
        return [
            pool.tx(
                self.wallet,
                "withdraw",
                tokens[p.collateral].address,
                amount,
                self.wallet.address,
                tag=self.name,
            ),
            swap_tx(
                self.wallet, world.market, quote.pool.info, p.collateral, p.debt, amount, repay, self.name
            ),
            pool.tx(
                self.wallet,
                "repay",
                tokens[p.debt].address,
                repay,
                VARIABLE_RATE,
                self.wallet.address,
                tag=self.name,
            ),
        ]
