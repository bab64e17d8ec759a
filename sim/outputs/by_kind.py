"""summary.json's `liquidations_by_agent_kind`: liquidated USD and counts (lending and venue liquidations) by the
kind of the agent whose account was liquidated, market makers included; an account no agent holds is `other`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.world.liquidations import Liquidation

OTHER = "other"


@dataclass
class LiquidationsByKind:
    """`kind_of`: every address an agent holds (its wallet, its contracts) -> the agent's kind."""

    kind_of: Mapping[bytes, str]
    usd: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    count: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def observe(self, liquidations: Iterable[Liquidation]) -> None:
        for liquidation in liquidations:
            kind = self.kind_of.get(liquidation.account, OTHER)
            self.usd[kind] += liquidation.usd
            self.count[kind] += 1

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per kind: `usd`, `count` and `share` (of all liquidated USD)."""
        total = sum(self.usd.values())
        return {
            kind: {
                "usd": round(self.usd[kind], 2),
                "count": self.count[kind],
                "share": round(self.usd[kind] / total, 6) if total > 0 else None,
            }
            for kind in sorted(self.count)
        }
