"""Figures drawn from timeseries.csv: overview.png, and the single plots that report.html embeds."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

PRICE_KINDS = ("pool:", "ref:", "oracle:")
REPORT_WIDTH_IN = 11.0


@dataclass(frozen=True)
class Timeseries:
    """timeseries.csv as read: its column names in file order and one dict of strings per block."""

    columns: list[str]
    rows: list[dict[str, str]]

    @property
    def blocks(self) -> list[int]:
        return [int(r["block"]) for r in self.rows]

    def series(self, key: str) -> list[float]:
        return [float(r[key]) if r.get(key) not in (None, "") else float("nan") for r in self.rows]

    def with_prefix(self, prefix: str) -> list[str]:
        return [c for c in self.columns if c.startswith(prefix)]


def read_timeseries(path: Path) -> Timeseries:
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return Timeseries(columns=list(reader.fieldnames or []), rows=rows)


def traded_assets(ts: Timeseries) -> list[str]:
    """Assets with at least one pool price (the ones worth a price panel)."""
    return sorted({c.split(":")[-1] for c in ts.with_prefix("pool:")})


def priced_assets(ts: Timeseries) -> list[str]:
    """Assets with a pool or an oracle price next to their reference."""
    return sorted({c.split(":")[-1] for c in ts.columns if c.startswith(("pool:", "oracle:"))})


def is_flat(ts: Timeseries, asset: str) -> bool:
    """Whether every price column of `asset` holds one value in every block (nothing to plot)."""
    values = {
        v for c in ts.columns if c.split(":")[-1] == asset and c.startswith(PRICE_KINDS) for v in ts.series(c)
    }
    return len(values) <= 1


def draw_prices(ax: Axes, ts: Timeseries, asset: str, legend_outside: bool = False) -> None:
    """Every pool and oracle price of `asset` over blocks, the reference dashed black (on top with
    `legend_outside`, the report's layout: legend right of the plot instead of over its lower left)."""
    for column in ts.columns:
        if column.split(":")[-1] != asset or not column.startswith(PRICE_KINDS):
            continue
        style: dict[str, Any] = {"ref": dict(color="black", linestyle="--", linewidth=1.2)}.get(
            column.split(":")[0], {}
        )
        if legend_outside and column.startswith("ref:"):
            style["zorder"] = 5
        ax.plot(ts.blocks, ts.series(column), label=column.removesuffix(f":{asset}"), **style)
    ax.set_ylabel(f"{asset} (USD)")
    if legend_outside:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
        ax.set_xlabel("block")
    else:
        ax.legend(fontsize=7, loc="lower left", ncol=3)
    ax.grid(alpha=0.3)


def draw_liquidations(ax: Axes, ts: Timeseries, stacked: bool = False) -> None:
    """Liquidated USD per block, one bar series per lending market and the venue."""
    bottom = [0.0] * len(ts.rows)
    for column in ts.with_prefix("liq_usd:"):
        values = [v / 1e6 for v in ts.series(column)]
        ax.bar(
            ts.blocks,
            values,
            bottom=bottom if stacked else None,
            label=column.removeprefix("liq_usd:"),
            alpha=0.85 if stacked else 0.7,
            width=1.0 if stacked else 0.8,
        )
        if stacked:
            bottom = [b + (v if v == v else 0.0) for b, v in zip(bottom, values, strict=True)]
    ax.set_ylabel("liquidated (USD m)")
    ax.set_xlabel("block")
    ax.legend(fontsize=7 if not stacked else 8)


def running_total(values: list[float]) -> list[float]:
    """Running sum, NaN counted as 0."""
    total, out = 0.0, []
    for v in values:
        total += v if v == v else 0.0
        out.append(total)
    return out


def draw_cumulative(ax: Axes, ts: Timeseries) -> None:
    """Cumulative liquidated USD (solid) and bad debt (dashed) per market and the venue."""
    for column in ts.with_prefix("liq_usd:"):
        market = column.removeprefix("liq_usd:")
        (line,) = ax.plot(
            ts.blocks, [v / 1e6 for v in running_total(ts.series(column))], label=f"liquidated {market}"
        )
        debt = f"bad_debt_usd:{market}"
        if debt in ts.columns:
            cumulative = [v / 1e6 for v in running_total(ts.series(debt))]
            ax.plot(ts.blocks, cumulative, linestyle="--", color=line.get_color(), label=f"bad debt {market}")
    ax.set_ylabel("cumulative (USD m)")
    ax.set_xlabel("block")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    ax.grid(alpha=0.3)


def draw_backing(ax: Axes, ts: Timeseries) -> None:
    """The synthetic dollar's backing ratio (left axis) and its reserve fund (right axis)."""
    ax.plot(ts.blocks, ts.series("backing_ratio"), color="tab:blue", label="backing ratio")
    ax.axhline(1.0, color="grey", linewidth=0.8, linestyle=":")
    ax.set_ylabel("backing ratio", color="tab:blue")
    ax.set_xlabel("block")
    ax.grid(alpha=0.3)
    right = ax.twinx()
    right.plot(
        ts.blocks,
        [v / 1e6 for v in ts.series("reserve_fund_usd")],
        color="tab:orange",
        linestyle="--",
        label="reserve fund",
    )
    right.set_ylabel("reserve fund (USD m)", color="tab:orange")
    lines = ax.get_lines()[:1] + right.get_lines()
    ax.legend(lines, [str(line.get_label()) for line in lines], fontsize=8, loc="lower left")


def report_figure(height_in: float) -> tuple[Figure, Axes]:
    figure, ax = plt.subplots(figsize=(REPORT_WIDTH_IN, height_in))
    return figure, ax


def plot_overview(out_dir: Path) -> Path:
    """Draw overview.png from timeseries.csv: every USD price column grouped by asset, liquidations below."""
    ts = read_timeseries(out_dir / "timeseries.csv")
    assets = traded_assets(ts)
    figure, grid = plt.subplots(
        len(assets) + 1, 1, figsize=(10, 2.2 * (len(assets) + 1)), sharex=True, squeeze=False
    )
    axes = [row[0] for row in grid]
    for ax, asset in zip(axes, assets, strict=False):
        draw_prices(ax, ts, asset)
    draw_liquidations(axes[-1], ts)
    figure.tight_layout()
    target = out_dir / "overview.png"
    figure.savefig(target, dpi=90)
    plt.close(figure)
    return target
