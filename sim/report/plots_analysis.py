"""Figures of report.html's analysis sections: health-factor bands, pool depths, agent PnL and the cascade
graph (liquidations linked to the liquidations whose sales pushed them under)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from sim.report.plots import Timeseries

MARKET_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")
CAUSE_COLORS = {
    "exogenous": "tab:gray",
    "liquidation_sale": "tab:red",
    "mm_withdrawal": "tab:purple",
    "panic_sale": "tab:orange",
    "loop_unwind": "tab:olive",
    "redemption": "tab:cyan",
    "trade": "tab:brown",
    "cross_venue": "magenta",
    "unattributed": "black",
}
CROSS_VENUE_COLOR = "magenta"


def hf_markets(ts: Timeseries) -> list[str]:
    """Lending markets with health-factor band columns (`hf_below:<t>:<market>`)."""
    return sorted({c.split(":", 2)[2] for c in ts.with_prefix("hf_below:")})


def draw_health_bands(ax: Axes, ts: Timeseries, market: str) -> None:
    """Borrowers per health-factor band over blocks (stacked): below 1 (liquidatable), 1-1.05, ..."""
    columns = [c for c in ts.with_prefix("hf_below:") if c.endswith(f":{market}")]
    thresholds = [float(c.split(":")[1]) for c in columns]
    below = [ts.series(c) for c in columns]
    bands, labels = [], []
    for i, upper in enumerate(thresholds):
        lower = below[i - 1] if i else [0.0] * len(ts.rows)
        bands.append([max(0.0, u - lo) for u, lo in zip(below[i], lower, strict=True)])
        labels.append(f"HF < {upper:g}" if i == 0 else f"{thresholds[i - 1]:g} - {upper:g}")
    colors = ["#b2182b", "#ef8a62", "#fddbc7", "#d1e5f0", "#67a9cf", "#2166ac"][: len(bands)]
    ax.stackplot(ts.blocks, bands, labels=labels, colors=colors, alpha=0.9)
    ax.set_xlabel("block")
    ax.set_ylabel("borrowers")
    ax.legend(fontsize=7, loc="upper left", ncol=len(bands))


def draw_depths(ax: Axes, ts: Timeseries) -> None:
    """Each pool's reserves at reference prices, as a share of its depth at block 0."""
    for column in ts.with_prefix("depth_usd:"):
        values = ts.series(column)
        start = next((v for v in values if v and not math.isnan(v)), None)
        if start:
            ax.plot(ts.blocks, [100 * v / start for v in values], label=column.removeprefix("depth_usd:"))
    ax.set_xlabel("block")
    ax.set_ylabel("depth (% of start)")
    ax.legend(fontsize=7, ncol=3)


def draw_pnl(ax: Axes, by_kind: dict[str, dict[str, float]]) -> None:
    """Total PnL per agent kind at reference prices, and the part left after the market's move (vs holding)."""
    kinds = sorted(by_kind)
    xs = range(len(kinds))
    ax.bar([x - 0.2 for x in xs], [by_kind[k]["total_usd"] / 1e6 for k in kinds], 0.4, label="PnL")
    ax.bar(
        [x + 0.2 for x in xs],
        [by_kind[k].get("vs_hold_total_usd", math.nan) / 1e6 for k in kinds],
        0.4,
        label="vs holding the start portfolio",
    )
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_xticks(list(xs), kinds, rotation=20, fontsize=8)
    ax.set_ylabel("USD m")
    ax.legend(fontsize=8)


def draw_cascade(ax: Axes, rows: Sequence[dict[str, Any]]) -> None:
    """Each liquidation at (block, wave), area by USD, colour by what moved its trigger price; a line from
    each to the liquidation whose sale pushed it under; a cross-venue link (a liquidation on one venue triggered
    from another venue's price) in magenta, each pair of venues labelled once ("A -> B")."""
    by_id = {int(r["id"]): r for r in rows}
    labelled: set[tuple[str, str]] = set()
    for row in rows:
        cross = row.get("cause") == "cross_venue"
        parent = by_id.get(int(row["parent"])) if row.get("parent") else None
        if parent is not None:
            ax.plot(
                [int(parent["block"]), int(row["block"])],
                [int(parent["wave"]), int(row["wave"])],
                color=CROSS_VENUE_COLOR if cross else "tab:red",
                alpha=0.6 if cross else 0.25,
                linewidth=1.2 if cross else 0.8,
            )
        pair = (str(row.get("trigger_venue") or (parent or {}).get("market", "?")), str(row["market"]))
        if cross and pair not in labelled:
            labelled.add(pair)
            ax.annotate(
                f"{pair[0].removeprefix('venue:')} -> {pair[1].removeprefix('venue:')}",
                (int(row["block"]), int(row["wave"])),
                textcoords="offset points",
                xytext=(4, 6),
                fontsize=7,
                color=CROSS_VENUE_COLOR,
            )
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[str(row["cause"])].append(row)
    for cause, items in sorted(groups.items()):
        ax.scatter(
            [int(r["block"]) for r in items],
            [int(r["wave"]) for r in items],
            s=[max(6.0, math.sqrt(float(r["usd"])) / 6) for r in items],
            color=CAUSE_COLORS.get(cause, "tab:pink"),
            alpha=0.7,
            edgecolors="white",
            linewidths=0.4,
            label=cause,
        )
    waves = [int(r["wave"]) for r in rows]
    ax.set_yticks(range(1, max(waves, default=1) + 1))
    ax.set_ylim(0.5, max(waves, default=1) + 0.5)
    ax.set_xlabel("block")
    ax.set_ylabel("wave")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([0], [0], color="tab:red", alpha=0.5))
    labels.append("sale -> next liquidation")
    if labelled:
        handles.append(Line2D([0], [0], color=CROSS_VENUE_COLOR))
        labels.append("cross-venue link")
    ax.legend(handles, labels, fontsize=7, loc="upper right", title="trigger moved by", title_fontsize=7)
