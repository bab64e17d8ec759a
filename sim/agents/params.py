"""Typed parameters of each agent kind, validated when a scenario is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from sim.scenario.draws import Draw


class AgentParams(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


AGENT_PARAMS: dict[str, type[AgentParams]] = {}


P = TypeVar("P", bound=type["AgentParams"])


def register(kind: str) -> Callable[[P], P]:
    def wrap(cls: P) -> P:
        AGENT_PARAMS[kind] = cls
        return cls

    return wrap


@register("oracle_keeper")
class OracleKeeperParams(AgentParams):
    """Pushes reference prices to pushed oracle sources when the deviation or heartbeat rule says so."""


@register("seller")
class SellerParams(AgentParams):
    """Exogenous panic seller: sells `asset` for `quote` into `pool` between blocks `start` and `end`."""

    pool: str
    asset: str
    amount_usd_per_block: Draw
    start: int = 0
    end: int = 1_000_000
    min_drawdown: float = 0.0


@register("arbitrageur")
class ArbitrageurParams(AgentParams):
    """Trades the named on-chain pools back to the reference prices; holds `capital_usd` of each pool token."""

    pools: list[str]
    capital_usd: Draw = 10_000_000.0
    min_edge_bps: float = 10.0
    max_trade_usd: Draw = 5_000_000.0


@register("looper")
class LooperParams(AgentParams):
    """USDe loop on a lending market: supply `collateral`, borrow `debt` in e-mode at `leverage`."""

    market: str
    collateral: str = "USDe"
    debt: str = "USDC"
    capital_usd: Draw = 100_000.0
    leverage: Draw = 5.0
    emode: int = 1
    carry_apy: Draw = Field(
        default=0.12,
        description="the loop's yield when the scenario has no synthetic dollar (else its live funding)",
    )
    unwind_hf: float = 1.01
    unwind_fraction: float = 0.2
    risk_asset: str = "WETH"
    risk_off_drawdown: Draw = 1.0
    sell_pools: list[str] = []


@register("borrower")
class BorrowerParams(AgentParams):
    """A leveraged long on a lending market: one of `collateral` (drawn per agent), borrowing `debt`."""

    market: str
    collateral: list[str]
    debt: str = "USDC"
    capital_usd: Draw = 100_000.0
    health_factor: Draw = 1.3


@register("liquidation_bot")
class LiquidationBotParams(AgentParams):
    """Liquidates on a lending market with `capital_usd` of each stable; higher `priority` bids more gas."""

    market: str
    stables: list[str]
    capital_usd: Draw = 5_000_000.0
    max_per_block: int = 10
    priority: Draw = 100.0
    sell_pools: list[str] = []


@register("flash_liquidation_bot")
class FlashLiquidationBotParams(AgentParams):
    """Liquidates on a lending market with flash loans through its own contract (no capital); sells the
    seizure into the constant-product pairs among `sell_pools`; sends only what clears `min_profit_usd`."""

    market: str
    sell_pools: list[str]
    max_per_block: int = 10
    priority: Draw = 100.0
    min_profit_usd: float = 0.0


@register("whale")
class WhaleParams(AgentParams):
    """A unified-margin venue account: `collateral` weights of `capital_usd`, a stable loan of `loop_fraction`
    of capital spent on more USDe, and a long perp on `perp` at `perp_leverage` x capital."""

    capital_usd: Draw = 1_000_000.0
    collateral: dict[str, float]
    loop_fraction: Draw = 0.0
    perp: str = ""
    perp_leverage: Draw = 0.0
    isolated_share: float = Field(
        default=0.0, ge=0, le=1, description="share of the population in isolated mode"
    )


@register("market_maker")
class MarketMakerParams(AgentParams):
    """Liquidity on the named venue pools, pulled when volatility or drawdown of `watch` crosses a limit."""

    pools: list[str]
    depth_usd: Draw = 10_000_000.0
    watch: str = "WETH"
    vol_window: int = 10
    vol_limit: Draw = 1.5
    drawdown_limit: Draw = 0.05
    residual: float = 0.05
    calm_blocks: int = 50


@register("venue_liquidator")
class VenueLiquidatorParams(AgentParams):
    max_per_block: int = 20
    priority: Draw = 50.0


@register("redeemer")
class RedeemerParams(AgentParams):
    """Buys USDe under `threshold` on a venue pool and redeems it for `redeem_asset` within the cap."""

    pool: str
    quote: str = "USDT"
    redeem_asset: str = "WETH"
    threshold: float = 0.995
    capital_usd: Draw = 10_000_000.0
    max_per_block_usd: Draw = 2_000_000.0


@register("funding_keeper")
class FundingKeeperParams(AgentParams):
    """Sets the synthetic dollar's funding rate along `apy_knots` ([block, annual rate], linear between)."""

    apy_knots: list[tuple[int, float]] = Field(min_length=1)
    accrue_every: int = Field(default=1, ge=1)
