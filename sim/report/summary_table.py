"""The human-readable run summary printed at the end of `cascade run`."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def print_summary(summary: dict[str, Any], console: Console | None = None) -> None:
    console = console or Console()
    table = Table(title=f"{summary['scenario']} (seed {summary['seed']}): {summary['status']}")
    table.add_column("market / venue")
    table.add_column("liquidations", justify="right")
    table.add_column("volume (USD)", justify="right")
    table.add_column("bad debt (USD)", justify="right")
    for label, tally in summary["liquidations"].items():
        table.add_row(label, f"{tally['count']:,}", f"{tally['usd']:,.0f}", f"{tally['bad_debt_usd']:,.0f}")
    console.print(table)
    lows = Table(title="lowest prices (USD)")
    lows.add_column("where")
    lows.add_column("min", justify="right")
    for key, value in summary["min_price"].items():
        if not key.startswith("ref:"):
            lows.add_row(key, f"{value:,.4f}")
    console.print(lows)
    backing = summary.get("backing_ratio") or {}
    if backing.get("final") is not None:
        console.print(
            f"backing ratio: peak {backing['peak']:.4f}, min {backing['min']:.4f}, final {backing['final']:.4f}"
        )
    console.print(
        f"{summary['blocks']} blocks, {summary['transactions']:,} transactions ({summary['failed_transactions']:,} reverted), "
        f"{summary['tx_per_second']:,} tx/s in the block loop, {summary['wall_seconds']:.1f} s in all; "
        f"events sha256 {summary['events_sha256'][:16]}"
    )
