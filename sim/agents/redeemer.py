"""Redeemer: buys the synthetic dollar below a threshold on a pool and redeems it for collateral within the
per-block cap, the rate-limited force that restores the peg."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import MAX_UINT, approvals, stableswap_input_to_price, swap_tx, usd_units
from sim.mirrors.cpmm import get_amount_in
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, PoolName
from sim.world.world import PoolView, World

MINTER_ROLE = 1  # SyntheticDollar's role for whitelisted minters and redeemers


class RedeemerParams(AgentParams):
    """Buys USDe under `threshold` on `pool` and redeems it for `redeem_asset` within the cap."""

    requires = ("synthetic",)

    pool: PoolName
    quote: AssetName = "USDT"
    redeem_asset: AssetName = "WETH"
    threshold: float = Field(default=0.995, gt=0)
    capital_usd: Drawn = Field(default=10_000_000.0, ge=0, le=MAX_USD)
    max_per_block_usd: Drawn = Field(default=2_000_000.0, ge=0, le=MAX_USD)


@dataclass
class Redeemer(Agent[RedeemerParams]):
    """Buys the synthetic dollar below `threshold` on a venue pool and redeems it for collateral within the
    per-block redemption cap: the rate-limited force that restores the peg."""

    kind = "redeemer"
    Params = RedeemerParams
    cause = Cause.REDEMPTION

    symbol: str = "USDe"

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        assert ctx.scenario.synthetic is not None
        self.symbol = ctx.scenario.synthetic.symbol

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        p, world = self.params, ctx.world
        synthetic = world.market.contracts["synthetic"]
        pool = world.pools[p.pool].info
        return [
            ctx.fund(p.quote, self.wallet.address, usd_units(world, p.quote, p.capital_usd)),
            synthetic.tx(ctx.funder, "setRole", MINTER_ROLE, self.wallet.address, True, tag="setup"),
            *approvals(
                self.wallet,
                world.market,
                [world.market.contracts[pool.router].address],
                [p.quote, self.symbol],
                self.name,
            ),
            world.market.tokens[self.symbol].tx(
                self.wallet, "approve", synthetic.address, MAX_UINT, tag=self.name
            ),
            *(
                []
                if pool.kind == "constant_product"
                else approvals(self.wallet, world.market, [pool.handle.address], [p.quote], self.name)
            ),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        p = self.params
        view = world.pools[p.pool]
        if world.synthetic is None or view.price(self.symbol, p.quote, world.timestamp) >= p.threshold:
            return []
        cap = min(world.synthetic.max_redeem_per_block, int(p.max_per_block_usd * 10**18))
        spend, wanted = self._purchase(world, view, cap)
        if spend <= 0 or wanted <= 0 or spend > world.balance(self.wallet.address, p.quote):
            return []
        synthetic = world.market.contracts["synthetic"]
        self.count("attempted_purchase_usd", spend / 10 ** world.market.decimals[p.quote])
        return [
            swap_tx(self.wallet, world.market, view.info, p.quote, self.symbol, spend, wanted, self.name),
            synthetic.tx(
                self.wallet,
                "redeem",
                world.market.tokens[p.redeem_asset].address,
                wanted,
                0,
                self.wallet.address,
                tag=self.name,
            ),
        ]

    def _purchase(self, world: World, view: PoolView, cap: int) -> tuple[int, int]:
        """(quote to spend, USDe it buys): up to the USDe that lifts the pool to the threshold, at most `cap`."""
        p = self.params
        i, j = view.info.tokens.index(p.quote), view.info.tokens.index(self.symbol)
        unit_q, unit_s = 10 ** view.decimals[i], 10 ** view.decimals[j]
        if view.cpmm is not None:
            reserves = view.reserves()
            target_reserve = math.sqrt(reserves[i] * reserves[j] / (p.threshold * unit_q / unit_s))
            wanted = min(int(reserves[j] - target_reserve), cap)
            return (get_amount_in(wanted, reserves[i], reserves[j]), wanted) if wanted > 0 else (0, 0)
        # StableSwap: the largest spend whose last slice still buys USDe at or under the threshold.
        budget = min(world.balance(self.wallet.address, p.quote), cap * unit_q // unit_s)
        spend = stableswap_input_to_price(
            view, i, j, unit_s / (p.threshold * unit_q), budget, world.timestamp
        )
        return spend, view.amount_out(p.quote, self.symbol, spend, world.timestamp) * 999 // 1000
