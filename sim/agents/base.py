"""What every agent is: a named wallet that returns transactions for the next block from what it observes."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from sim.node.chain import TxRequest, Wallet
from sim.node.contracts import Handle

if TYPE_CHECKING:
    from sim.market.builder import Market
    from sim.world.world import World


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


@dataclass
class Agent(ABC):
    """One actor. `priority` orders agents within a block: higher first (bots bidding gas, keepers first)."""

    kind: ClassVar[str] = "agent"
    # A passive agent only holds a position (its act returns nothing): the engine does not call it per block.
    passive: ClassVar[bool] = False

    name: str
    wallet: Wallet
    priority: int = 0
    stats: dict[str, float] = field(default_factory=dict)

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
