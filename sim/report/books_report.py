"""report.html's order-book section, from books.csv and summary.json's `books`: per book a heatmap of resting
volume (USD) by price band and block with the mid drawn over it, the spreads of every book over time, and a table
of each book's depth and spread at the start and at their worst. The figures are also written as PNG files
(`book_depth_<book>.png`, `book_spreads.png`) beside overview.png."""

from __future__ import annotations

import csv
import html
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes
from matplotlib.colors import LogNorm

from sim.report.htmlpage import figure_png, image
from sim.report.htmlpage import num as _num
from sim.report.htmlpage import table as _table
from sim.report.htmlpage import txt as _txt
from sim.report.plots import report_figure

BAND_PREFIX = "band_usd:"
Rows = list[dict[str, str]]


def read_books(path: Path) -> dict[str, Rows] | None:
    """books.csv's rows by book, in block order; None when the run has no books.csv (no order books)."""
    if not path.exists():
        return None
    books: dict[str, Rows] = {}
    with path.open(newline="") as handle:
        for row in csv.DictReader(handle):
            if (
                row.get("book") and None not in row.values()
            ):  # a row cut short by an interrupted run is left out
                books.setdefault(row["book"], []).append(row)
    return books


def _float(value: str | None) -> float:
    return float(value) if value not in (None, "") else math.nan


def bands_of(rows: Sequence[Mapping[str, str]]) -> list[int]:
    """The band columns' lower edges (% from the start price), low to high."""
    return sorted(int(c.removeprefix(BAND_PREFIX)) for c in rows[0] if c.startswith(BAND_PREFIX))


def draw_book_depth(ax: Axes, rows: Sequence[Mapping[str, str]]) -> None:
    """Resting USD per 5% price band (vs the book's start price) and block, log colour scale, with the mid
    (as % from its start) drawn over it."""
    edges = bands_of(rows)
    blocks = [int(r["block"]) for r in rows]
    grid = [[_float(r[f"{BAND_PREFIX}{e}"]) for r in rows] for e in edges]
    positive = [v for line in grid for v in line if v > 0]
    step = edges[1] - edges[0] if len(edges) > 1 else 5
    x = [*blocks, blocks[-1] + 1] if blocks else [0, 1]
    y = [*edges, edges[-1] + step]
    if positive:
        masked = [[v if v > 0 else math.nan for v in line] for line in grid]
        mesh = ax.pcolormesh(
            x, y, masked, cmap="viridis", norm=LogNorm(min(positive), max(positive)), shading="flat"
        )
        ax.figure.colorbar(mesh, ax=ax, label="resting USD")
    mids = [_float(r["mid"]) for r in rows]
    start = next((m for m in mids if not math.isnan(m) and m > 0), None)
    if start is not None:
        ax.plot(
            [b + 0.5 for b in blocks],
            [100 * (m / start - 1) if not math.isnan(m) else math.nan for m in mids],
            color="tab:red",
            linewidth=1.2,
            label="mid",
        )
        ax.legend(fontsize=7, loc="lower left")
    ax.set_ylim(y[0], y[-1])
    ax.set_xlabel("block")
    ax.set_ylabel("price vs start (%)")


def draw_spreads(ax: Axes, books: Mapping[str, Rows]) -> None:
    """Every book's bid-ask spread (bps) per block, on a log scale; blocks with one side empty are gaps."""
    drawn = False
    for name, rows in sorted(books.items()):
        spreads = [_float(r["spread_bps"]) for r in rows]
        values = [s if s > 0 else math.nan for s in spreads]
        if any(not math.isnan(v) for v in values):
            ax.plot([int(r["block"]) for r in rows], values, label=name, linewidth=1.0)
            drawn = True
    if drawn:
        ax.set_yscale("log")
        ax.legend(fontsize=7, ncol=3)
    ax.set_xlabel("block")
    ax.set_ylabel("spread (bps)")


def book_figures(books: Mapping[str, Rows]) -> list[tuple[str, str, bytes]]:
    """(file name, caption, PNG) of each book's depth heatmap, then the spreads of all books."""
    out = []
    for name, rows in sorted(books.items()):
        if not rows:
            continue
        figure, ax = report_figure(3.2)
        draw_book_depth(ax, rows)
        venue = rows[0].get("venue") or ""
        title = f"{name}{f' ({venue})' if venue else ''}: resting USD by price band and block, mid in red"
        out.append((f"book_depth_{_file_safe(name)}.png", title, figure_png(figure)))
    figure, ax = report_figure(3.2)
    draw_spreads(ax, books)
    out.append(("book_spreads.png", "Bid-ask spread of every book (bps, log scale)", figure_png(figure)))
    return out


def _file_safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in name)


def books_table(summary: Mapping[str, Any]) -> str:
    """Per book: depth within 2% of the mid (both sides) at the start and at its lowest, spread at the start
    and at its widest, USD cancelled."""
    rows = []
    for key, b in sorted((summary.get("books") or {}).items()):
        drop = b.get("depth_drop")
        ratio = b.get("spread_ratio_max")
        rows.append(
            [
                _txt(key),
                _num(b.get("depth_2pct_start_usd"), "usd"),
                _num(b.get("depth_2pct_min_usd"), "usd"),
                _txt(f"{100 * drop:.1f}%" if drop is not None else "n/a"),
                _num(b.get("spread_bps_start")) if b.get("spread_bps_start") is not None else _txt("n/a"),
                _num(b.get("spread_bps_max")) if b.get("spread_bps_max") is not None else _txt("n/a"),
                _txt(f"{ratio:.2f}x" if ratio is not None else "n/a"),
                _num(b.get("cancelled_usd"), "usd"),
            ]
        )
    return _table(
        [
            "book",
            "depth 2% start",
            "depth 2% min",
            "drop",
            "spread start (bps)",
            "spread max (bps)",
            "max / start",
            "cancelled USD",
        ],
        rows,
        (1, 2, 3, 4, 5, 6, 7),
    )


def books_section(summary: Mapping[str, Any], figures: Sequence[tuple[str, str, bytes]]) -> str:
    lead = (
        '<p class="lead">Each order book per block (books.csv): depth within 2% of the mid is both sides summed '
        "in USD; the heatmaps show where the resting volume sits relative to the book's start price, "
        "so liquidity withdrawn near the mid and stub bids far below it are visible. Figures also as PNG "
        f"files: {html.escape(', '.join(name for name, _, _ in figures))}.</p>"
    )
    return lead + books_table(summary) + "".join(image(title, png) for _, title, png in figures)


def by_kind_table(summary: Mapping[str, Any]) -> str:
    """Liquidated USD and counts by the liquidated agent's kind, with each kind's share of the USD."""
    kinds = summary.get("liquidations_by_agent_kind") or {}
    if not kinds:
        return "<p>No liquidations (or a run that predates this figure).</p>"
    rows = [
        [
            _txt(kind),
            _num(v["count"]),
            _num(v["usd"], "usd"),
            _txt(f"{100 * v['share']:.1f}%" if v.get("share") is not None else "n/a"),
        ]
        for kind, v in sorted(kinds.items())
    ]
    return _table(["agent kind", "liquidations", "USD", "share"], rows, (1, 2, 3))


def depeg_table(summary: Mapping[str, Any]) -> str:
    """Seconds each dollar-pegged price (venue marks, pools) spent below 0.95 / 0.90 / 0.80, and the longest
    stretch below 0.90; prices that never went below 0.95 are left out."""
    rows = [
        [
            _txt(key),
            _num(v["below_0.95"]),
            _num(v["below_0.90"]),
            _num(v["below_0.80"]),
            _num(v["longest_below_0.90"]),
        ]
        for key, v in sorted((summary.get("depeg_seconds") or {}).items())
        if v.get("below_0.95")
    ]
    if not rows:
        return "<p>No dollar-pegged price went below 0.95.</p>"
    return _table(["price", "s < 0.95", "s < 0.90", "s < 0.80", "longest s < 0.90"], rows, (1, 2, 3, 4))
