"""summary.json's `depeg_seconds`: how long each dollar-pegged asset's price stayed below 0.95, 0.90 and 0.80,
as each venue's oracle marks it and as each pool prices it, so a reader can set a venue's depeg beside Curve's.

Time is counted in blocks (each block lasts `seconds_per_block`): a block counts when its price, read after its
transactions, is below the threshold. Besides the total, the longest unbroken stretch of such blocks."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

THRESHOLDS = (0.95, 0.90, 0.80)


@dataclass
class _Clock:
    """Blocks below each threshold for one price: in total, in the current run of blocks, the longest run."""

    total: dict[float, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    current: dict[float, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))
    longest: dict[float, int] = field(default_factory=lambda: dict.fromkeys(THRESHOLDS, 0))

    def tick(self, price: float) -> None:
        for threshold in THRESHOLDS:
            if not math.isnan(price) and price < threshold:
                self.total[threshold] += 1
                self.current[threshold] += 1
                self.longest[threshold] = max(self.longest[threshold], self.current[threshold])
            else:
                self.current[threshold] = 0


@dataclass
class DepegClock:
    """One clock per watched price: `watched` maps a summary key ("<venue>:<asset>" for a venue's oracle mark,
    "pool:<name>:<asset>" for a pool's price) to its key in the metrics' prices ("oracle:..." / "pool:...")."""

    watched: dict[str, str]
    seconds_per_block: float
    clocks: dict[str, _Clock] = field(default_factory=dict)

    @classmethod
    def for_prices(
        cls,
        price_keys: Iterable[str],
        venue_oracles: Mapping[str, str],
        pegged: Iterable[str],
        seconds_per_block: float,
    ) -> DepegClock:
        """Watch every price key of a pegged asset: venue oracles' marks (`venue_oracles`: oracle label ->
        venue name) and pools' prices."""
        pegged = set(pegged)
        watched: dict[str, str] = {}
        for key in sorted(price_keys):
            kind, _, rest = key.partition(":")
            holder, _, asset = rest.rpartition(":")
            if asset not in pegged:
                continue
            if kind == "oracle" and holder in venue_oracles:
                watched[f"{venue_oracles[holder]}:{asset}"] = key
            elif kind == "pool":
                watched[f"pool:{holder}:{asset}"] = key
        return cls(watched, seconds_per_block)

    def observe(self, prices: Mapping[str, float]) -> None:
        for name, key in self.watched.items():
            self.clocks.setdefault(name, _Clock()).tick(prices.get(key, math.nan))

    def summary(self) -> dict[str, dict[str, Any]]:
        """Seconds below each threshold (`below_0.90`) and the longest stretch (`longest_below_0.90`)."""
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(self.watched):
            clock = self.clocks.get(name, _Clock())
            entry: dict[str, Any] = {}
            for threshold in THRESHOLDS:
                entry[f"below_{threshold:.2f}"] = _seconds(clock.total[threshold], self.seconds_per_block)
                entry[f"longest_below_{threshold:.2f}"] = _seconds(
                    clock.longest[threshold], self.seconds_per_block
                )
            out[name] = entry
        return out


def _seconds(blocks: int, seconds_per_block: float) -> float:
    return round(blocks * seconds_per_block, 3)
