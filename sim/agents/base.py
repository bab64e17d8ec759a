"""What every agent is: a named wallet with its drawn parameters that returns transactions for the next block
from what it observes. Defining a subclass with a `kind` registers the kind (and its `Params`) for scenarios."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar, Generic, TypeVar

import numpy as np

from sim.node.chain import TxRequest, Wallet
from sim.node.contracts import Handle
from sim.scenario.kinds import AgentParams, register_kind

if TYPE_CHECKING:
    from sim.market.market import Market
    from sim.scenario.schema import Scenario
    from sim.world.world import World

P = TypeVar("P", bound=AgentParams)

# Every concrete agent class by kind (filled as `sim.agents` imports its modules).
AGENT_KINDS: dict[str, type[AnyAgent]] = {}


class Cause(StrEnum):
    """What an agent's trades are, as a cause of the price moves they make (cascade attribution)."""

    EXOGENOUS = "exogenous"  # carries the reference path into pools and oracles (arbitrageurs, keepers)
    LIQUIDATION_SALE = "liquidation_sale"
    MM_WITHDRAWAL = "mm_withdrawal"
    LOOP_UNWIND = "loop_unwind"
    PANIC_SALE = "panic_sale"
    REDEMPTION = "redemption"
    TRADE = "trade"
    CROSS_VENUE = "cross_venue"  # carries one venue's price to another (cross-venue arbitrage)


@dataclass
class SetupContext:
    """What agents need to open their starting positions: the market, the world and the funder."""

    market: Market
    world: World
    funder: Wallet

    def fund(self, asset: str, to: bytes, amount: int) -> TxRequest:
        """The funder gives `to` tokens: minted for mock assets, transferred from its supply otherwise."""
        token = self.market.tokens[asset]
        if token.name == "MockERC20":
            return token.tx(self.funder, "mint", to, amount, tag="setup")
        return token.tx(self.funder, "transfer", to, amount, tag="setup")


@dataclass(frozen=True)
class BuildContext:
    """What an agent may look up once, when it is built: the scenario, the deployed market and the world."""

    scenario: Scenario
    market: Market
    world: World


@dataclass
class Agent(ABC, Generic[P]):
    """One actor. `priority` orders agents within a block: higher first (bots bidding gas, keepers first)."""

    kind: ClassVar[str] = "agent"
    Params: ClassVar[type[AgentParams]] = AgentParams
    cause: ClassVar[Cause] = Cause.TRADE
    # A passive agent only holds a position (its act returns nothing): the engine does not call it per block.
    passive: ClassVar[bool] = False

    name: str
    wallet: Wallet
    params: P
    priority: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # A kind whose parameters include a (drawn) `priority` bids that much for its place in the block.
        bid = getattr(self.params, "priority", None)
        if bid is not None:
            self.priority = int(bid)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            AGENT_KINDS[cls.kind] = cls
            register_kind(cls.kind, cls.Params)

    def drawn(self) -> dict[str, Any]:
        """This agent's parameters as drawn (named as in the scenario), plus any per-agent choice made when
        it was bound; agents.csv carries them, one column each."""
        return self.params.model_dump(mode="json")

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        """Look up, once, what this agent needs beyond its parameters (its protocol's view, ids the scenario
        assigns); per-agent random choices draw from `rng` here. The default needs nothing."""
        return None

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        """Transactions that open this agent's starting position (funded by the scenario funder)."""
        return []

    def contracts(self) -> dict[str, Handle]:
        """Contracts this agent deploys for itself (label -> handle), so their events are decoded too."""
        return {}

    @abstractmethod
    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        """The transactions this agent sends in the next block (often none)."""

    def count(self, key: str, amount: float = 1.0) -> None:
        self.stats[key] = self.stats.get(key, 0.0) + amount


AnyAgent = Agent[Any]
"""An agent of any kind."""
