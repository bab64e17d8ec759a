"""Where the world is, shared by the world and its protocol views: block, time and oracle answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Snapshot:
    """Where the world is: the block being built, its timestamp, and every oracle's answers as of the end of
    the last block (USD, 8 decimals, by (oracle label, asset)). Shared by the world and its protocol views,
    which depend on nothing else that changes per block."""

    block: int = 0
    timestamp: int = 0
    oracle_prices: dict[tuple[str, str], int] = field(default_factory=dict)

    def prices_of(self, oracle: str, assets: Iterable[str]) -> dict[str, int]:
        """One oracle's answers for `assets` (those it has answered)."""
        return {a: self.oracle_prices[(oracle, a)] for a in assets if (oracle, a) in self.oracle_prices}
