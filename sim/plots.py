"""The run overview figure (overview.png): venue versus on-chain prices, and liquidations per block."""

from __future__ import annotations

import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _series(rows: list[dict[str, str]], key: str) -> list[float]:
    return [float(r[key]) if r.get(key) not in (None, "") else float("nan") for r in rows]


def plot_overview(out_dir: Path) -> Path:
    """Draw overview.png from timeseries.csv: every USD price column grouped by asset, liquidations below."""
    with (out_dir / "timeseries.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    blocks = [int(r["block"]) for r in rows]
    columns = list(rows[0]) if rows else []
    assets = sorted({c.split(":")[-1] for c in columns if c.startswith("pool:")})
    figure, grid = plt.subplots(
        len(assets) + 1, 1, figsize=(10, 2.2 * (len(assets) + 1)), sharex=True, squeeze=False
    )
    axes = [row[0] for row in grid]
    for ax, asset in zip(axes, assets, strict=False):
        for column in columns:
            if column.split(":")[-1] != asset or not column.startswith(("pool:", "ref:", "oracle:")):
                continue
            style = {"ref": dict(color="black", linestyle="--", linewidth=1.2)}.get(column.split(":")[0], {})
            ax.plot(blocks, _series(rows, column), label=column.removesuffix(f":{asset}"), **style)
        ax.set_ylabel(f"{asset} (USD)")
        ax.legend(fontsize=7, loc="lower left", ncol=3)
        ax.grid(alpha=0.3)
    bottom = axes[-1]
    for column in columns:
        if column.startswith("liq_usd:"):
            bottom.bar(
                blocks,
                [v / 1e6 for v in _series(rows, column)],
                label=column.removeprefix("liq_usd:"),
                alpha=0.7,
            )
    bottom.set_ylabel("liquidated (USD m)")
    bottom.set_xlabel("block")
    bottom.legend(fontsize=7)
    figure.tight_layout()
    target = out_dir / "overview.png"
    figure.savefig(target, dpi=90)
    plt.close(figure)
    return target
