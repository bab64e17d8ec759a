"""Typed parameters of each agent kind, validated when a scenario is loaded."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict

from sim.draws import Draw


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
