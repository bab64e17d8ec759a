"""summary.json's `cascade`: liquidation records (attribution's, or liquidations.csv rows) summed by wave, cause
and market, with the amplification factor."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict, is_dataclass
from typing import Any

from sim.agents.base import Cause

EXOGENOUS = Cause.EXOGENOUS.value


def cascade_summary(records: Iterable[Any]) -> dict[str, Any]:
    """Waves, causes, markets and the amplification factor of liquidation records (dataclasses or rows)."""
    waves: dict[int, list[float]] = defaultdict(lambda: [0, 0.0])
    causes: dict[str, list[float]] = defaultdict(lambda: [0, 0.0])
    markets: dict[str, dict[int, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
    total = exogenous = 0.0
    for item in records:
        row = asdict(item) if is_dataclass(item) and not isinstance(item, type) else item
        wave, usd, cause = int(row["wave"]), float(row["usd"]), str(row["cause"])
        for bucket in (waves[wave], causes[cause], markets[str(row["market"])][wave]):
            bucket[0] += 1
            bucket[1] += usd
        total += usd
        if wave == 1 and cause == EXOGENOUS:
            exogenous += usd
    wave_rows: list[dict[str, Any]] = []
    running = 0.0
    for wave, (count, usd) in sorted(waves.items()):
        running += usd
        wave_rows.append(
            {
                "wave": wave,
                "count": int(count),
                "usd": round(usd, 2),
                # everything liquidated up to this wave over what the exogenous moves alone liquidated
                "amplification_through": round(running / exogenous, 4) if exogenous > 0 else None,
            }
        )
    return {
        "waves": wave_rows,
        "max_wave": max(waves, default=0),
        "by_cause": {c: {"count": int(n), "usd": round(u, 2)} for c, (n, u) in sorted(causes.items())},
        "by_market": {
            m: [{"wave": w, "count": int(c), "usd": round(u, 2)} for w, (c, u) in sorted(ws.items())]
            for m, ws in sorted(markets.items())
        },
        "total_usd": round(total, 2),
        "exogenous_usd": round(exogenous, 2),
        "amplification": round(total / exogenous, 4) if exogenous > 0 else None,
    }
