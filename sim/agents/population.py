"""Scenario agent populations -> agent objects, each with a wallet derived from the seed and parameters drawn
from the population's distributions with the run's one seeded generator."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from eth_hash.auto import keccak

from sim.agents.arbitrageur import Arbitrageur
from sim.agents.base import Agent
from sim.agents.funding_keeper import FundingKeeper
from sim.agents.keeper import OracleKeeper, PushedFeed
from sim.agents.lending_agents import Borrower, FlashLiquidationBot, LiquidationBot, Looper
from sim.agents.params import AGENT_PARAMS, AgentParams
from sim.agents.seller import Seller
from sim.agents.venue_agents import MarketMaker, Redeemer, VenueLiquidator, Whale
from sim.market.builder import Market
from sim.node.chain import Wallet
from sim.scenario.draws import draw
from sim.scenario.schema import Scenario
from sim.world.world import World

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def derive_wallet(seed: int, index: int) -> Wallet:
    """A deterministic key per (seed, agent index), never one of anvil's funded test keys."""
    key = int.from_bytes(
        keccak(b"cascade-sim/agent" + seed.to_bytes(8, "big") + index.to_bytes(8, "big")), "big"
    )
    return Wallet.from_hex(f"{key % (SECP256K1_N - 1) + 1:064x}")


@dataclass
class BuildContext:
    scenario: Scenario
    market: Market
    world: World
    rng: np.random.Generator

    def d(self, value: Any) -> float:
        return draw(value, self.rng)


def _keeper(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    feeds = [
        PushedFeed(m.name, asset, s.heartbeat_s, s.deviation_bps)
        for m in c.scenario.lending
        for asset, s in m.oracle.items()
        if s.kind == "pushed"
    ]
    if c.scenario.synthetic is not None:
        feeds += [PushedFeed("synthetic", a, 3600, 10) for a in c.scenario.synthetic.collateral]
    twaps = [
        (m.name, a, s.window_s) for m in c.scenario.lending for a, s in m.oracle.items() if s.kind == "twap"
    ]
    if c.scenario.venue is not None:
        twaps += [
            (c.scenario.venue.name, a, v.oracle.window_s)
            for a, v in c.scenario.venue.collateral.items()
            if v.oracle.kind == "twap"
        ]
    breaker = (
        sorted(c.scenario.venue.collateral)
        if c.scenario.venue is not None and c.scenario.mitigations.circuit_breaker.enabled
        else []
    )
    return OracleKeeper(
        name,
        wallet,
        feeds=feeds,
        twaps=twaps,
        breaker_assets=[a for a in breaker if a != c.scenario.venue.quote] if c.scenario.venue else [],
    )


def _params(p: AgentParams) -> dict[str, Any]:
    return dict(p)


def _arbitrageur(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return Arbitrageur(
        name,
        wallet,
        pools=q["pools"],
        min_edge_bps=q["min_edge_bps"],
        max_trade_usd=c.d(q["max_trade_usd"]),
        capital_usd=c.d(q["capital_usd"]),
    )


def _seller(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return Seller(
        name,
        wallet,
        pool=q["pool"],
        asset=q["asset"],
        usd_per_block=c.d(q["amount_usd_per_block"]),
        start=q["start"],
        end=min(q["end"], c.scenario.blocks),
        min_drawdown=q["min_drawdown"],
    )


def _looper(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return Looper(
        name, wallet, view=c.world.lending[q["market"]], collateral=q["collateral"], debt=q["debt"],
        capital_usd=c.d(q["capital_usd"]), leverage=c.d(q["leverage"]), emode=q["emode"], carry_apy=c.d(q["carry_apy"]),
        unwind_hf=q["unwind_hf"], unwind_fraction=q["unwind_fraction"], risk_asset=q["risk_asset"],
        risk_off_drawdown=c.d(q["risk_off_drawdown"]), sell_pools=q["sell_pools"],
    )  # fmt: skip


def _borrower(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    collateral = q["collateral"][int(c.rng.integers(len(q["collateral"])))]
    return Borrower(
        name, wallet, view=c.world.lending[q["market"]], collateral=collateral, debt=q["debt"],
        capital_usd=c.d(q["capital_usd"]), health_factor=c.d(q["health_factor"]),
    )  # fmt: skip


def _liquidation_bot(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return LiquidationBot(
        name, wallet, priority=int(c.d(q["priority"])), view=c.world.lending[q["market"]], capital_usd=c.d(q["capital_usd"]),
        max_per_block=q["max_per_block"], sell_pools=q["sell_pools"], stables=q["stables"],
    )  # fmt: skip


def _flash_liquidation_bot(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return FlashLiquidationBot(
        name, wallet, priority=int(c.d(q["priority"])), view=c.world.lending[q["market"]],
        max_per_block=q["max_per_block"], sell_pools=q["sell_pools"], min_profit_usd=q["min_profit_usd"],
    )  # fmt: skip


def _whale(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    venue = c.world.venue
    assert venue is not None and c.scenario.venue is not None
    capital = c.d(q["capital_usd"])
    listed = [c.scenario.venue.quote] + [
        a for a in c.scenario.venue.collateral if a != c.scenario.venue.quote
    ]
    return Whale(
        name, wallet, view=venue, capital_usd=capital, collateral=dict(q["collateral"]), loop_usd=capital * c.d(q["loop_fraction"]),
        loop_asset=c.scenario.synthetic.symbol if c.scenario.synthetic else "", perp=q["perp"], perp_leverage=c.d(q["perp_leverage"]), isolated=bool(c.rng.random() < q["isolated_share"]),
        market_ids={m.asset: i for i, m in enumerate(c.scenario.venue.markets.values())},
        asset_ids={a: i for i, a in enumerate(listed)},
    )  # fmt: skip


def _market_maker(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return MarketMaker(
        name, wallet, pools=q["pools"], depth_usd=c.d(q["depth_usd"]), watch=q["watch"], vol_window=q["vol_window"],
        vol_limit=c.d(q["vol_limit"]), drawdown_limit=c.d(q["drawdown_limit"]), residual=q["residual"], calm_blocks=q["calm_blocks"],
    )  # fmt: skip


def _venue_liquidator(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return VenueLiquidator(
        name, wallet, priority=int(c.d(q["priority"])), view=c.world.venue, max_per_block=q["max_per_block"]
    )


def _redeemer(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    assert c.scenario.synthetic is not None
    return Redeemer(
        name, wallet, pool=q["pool"], symbol=c.scenario.synthetic.symbol, quote=q["quote"], redeem_asset=q["redeem_asset"],
        threshold=q["threshold"], capital_usd=c.d(q["capital_usd"]), max_per_block_usd=c.d(q["max_per_block_usd"]),
    )  # fmt: skip


def _funding_keeper(name: str, wallet: Wallet, p: AgentParams, c: BuildContext) -> Agent:
    q = _params(p)
    return FundingKeeper(
        name, wallet, knots=[(int(b), float(v)) for b, v in q["apy_knots"]], accrue_every=q["accrue_every"]
    )


BUILDERS: dict[str, Callable[[str, Wallet, AgentParams, BuildContext], Agent]] = {
    "funding_keeper": _funding_keeper,
    "oracle_keeper": _keeper,
    "arbitrageur": _arbitrageur,
    "seller": _seller,
    "looper": _looper,
    "borrower": _borrower,
    "liquidation_bot": _liquidation_bot,
    "flash_liquidation_bot": _flash_liquidation_bot,
    "whale": _whale,
    "market_maker": _market_maker,
    "venue_liquidator": _venue_liquidator,
    "redeemer": _redeemer,
}


def build_agents(
    scenario: Scenario, market: Market, world: World, rng: np.random.Generator, seed: int
) -> list[Agent]:
    context = BuildContext(scenario, market, world, rng)
    agents: list[Agent] = []
    index = 0
    for population in scenario.agents:
        params = AGENT_PARAMS[population.kind].model_validate(population.params)
        for k in range(population.count):
            wallet = derive_wallet(seed, index)
            index += 1
            agents.append(
                BUILDERS[population.kind](
                    f"{population.name or population.kind}-{k}", wallet, params, context
                )
            )
    return agents
