"""`cascade compare`: one scenario under several variants on the same seed, side by side. Each variant is a
full run in OUT/<variant>/ (with its own report.html); the comparison is comparison.json, comparison.csv and
a self-contained comparison.html."""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes

from sim.analysis.batch import Executor, Notify, Outcome, RunTask, run_all
from sim.outputs.recorder import write_json
from sim.report.htmlpage import Row, num, page, plot, section, table, txt
from sim.report.plots import Timeseries, read_timeseries, running_total
from sim.scenario.loading import load_scenario

BASELINE = "baseline"


@dataclass(frozen=True)
class Variant:
    name: str
    overrides: dict[str, Any]


def headline(summary: dict[str, Any]) -> dict[str, Any]:
    """The figures a comparison or a sweep puts side by side, flat: liquidations per market, bad debt, waves,
    amplification, backing, and every lowest price (`min:<column>`)."""
    out: dict[str, Any] = {"status": summary.get("status", "missing")}
    liquidations = summary.get("liquidations", {})
    for market, tally in sorted(liquidations.items()):
        out[f"liq_count:{market}"] = tally.get("count", 0)
        out[f"liq_usd:{market}"] = tally.get("usd", 0.0)
    out["liq_count_total"] = sum(t.get("count", 0) for t in liquidations.values())
    out["liq_usd_total"] = round(sum(t.get("usd", 0.0) for t in liquidations.values()), 2)
    out["bad_debt_usd"] = summary.get("bad_debt_usd", math.nan)
    out["bad_debt_net_usd"] = summary.get("bad_debt_net_usd", out["bad_debt_usd"])
    cascade = summary.get("cascade", {})
    out["max_wave"] = cascade.get("max_wave", 0)
    amplification = cascade.get("amplification")
    out["amplification"] = math.nan if amplification is None else amplification
    out["exogenous_usd"] = cascade.get("exogenous_usd", 0.0)
    backing = summary.get("backing_ratio", {}) or {}
    out["backing_ratio_min"] = math.nan if backing.get("min") is None else backing["min"]
    for key, value in sorted(summary.get("min_price", {}).items()):
        if not key.startswith("ref:"):
            out[f"min:{key}"] = value
    out["transactions"] = summary.get("transactions", 0)
    out["wall_seconds"] = summary.get("wall_seconds", math.nan)
    out["events_sha256"] = summary.get("events_sha256", "")
    return out


def figures(outcome: Outcome) -> dict[str, Any]:
    """`headline` of an outcome's summary, with the outcome's own status (a failed run may have no summary)."""
    return headline(outcome.summary) | {"status": outcome.status}


def check_variants(scenario: Path, variants: Sequence[Variant], blocks: int | None = None) -> None:
    """Validate every variant's scenario before anything runs (a bad key or value names the variant)."""
    from sim.scenario.schema import ScenarioError

    names = [v.name for v in variants]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ScenarioError(
            f"variant name(s) {', '.join(repeated)} given twice; each variant needs its own name."
        )
    for variant in variants:
        if "seed" in variant.overrides:
            raise ScenarioError(
                f"variant {variant.name!r} sets `seed`: a comparison runs every variant on one seed (--seed); "
                "compare seeds with `cascade sweep --seeds N` instead."
            )
        try:
            load_scenario(
                scenario, {**variant.overrides, **({"blocks": blocks} if blocks is not None else {})}
            )
        except ScenarioError as exc:
            raise ScenarioError(f"variant {variant.name!r}: {exc}") from None


def compare(
    *,
    scenario: Path,
    variants: Sequence[Variant],
    out_dir: Path,
    executor: Executor,
    notify: Notify,
    seed: int | None = None,
    blocks: int | None = None,
    show_progress: bool = True,
    backend: str = "anvil",
) -> tuple[list[Variant], list[Outcome]]:
    """Run the baseline (unless a variant is named so) and every variant on one seed; write the comparison.
    Returns the variants as run (the baseline first) and their outcomes."""
    variants = list(variants)
    if BASELINE not in [v.name for v in variants]:
        variants = [Variant(BASELINE, {}), *variants]
    check_variants(scenario, variants, blocks)
    base = load_scenario(scenario)
    seed = base.seed if seed is None else seed
    out_dir.mkdir(parents=True, exist_ok=True)
    tasks = [
        RunTask(
            v.name,
            str(scenario.resolve()),
            str((out_dir / v.name).resolve()),
            v.overrides,
            seed,
            blocks,
            True,
            backend=backend,
        )
        for v in variants
    ]
    write_json(
        out_dir / "comparison.json",
        {"scenario": str(scenario), "seed": seed, "blocks": blocks, "status": "running", "variants": []},
    )
    outcomes = run_all(tasks, executor, notify, show_progress)
    write_comparison(out_dir, scenario, seed, blocks, variants, outcomes)
    return variants, outcomes


def write_comparison(
    out_dir: Path,
    scenario: Path,
    seed: int,
    blocks: int | None,
    variants: Sequence[Variant],
    outcomes: Sequence[Outcome],
) -> None:
    rows = [figures(o) for o in outcomes]
    write_json(
        out_dir / "comparison.json",
        {
            "scenario": str(scenario),
            "seed": seed,
            "blocks": blocks,
            "status": "completed",
            "variants": [
                {
                    "name": v.name,
                    "overrides": v.overrides,
                    "run_dir": v.name,
                    "attempts": o.attempts,
                    "error": o.error,
                    "figures": {
                        k: (None if isinstance(x, float) and math.isnan(x) else x) for k, x in r.items()
                    },
                }
                for v, o, r in zip(variants, outcomes, rows, strict=True)
            ],
        },
    )
    columns = sorted({k for r in rows for k in r}, key=_column_order)
    with (out_dir / "comparison.csv").open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["variant", "overrides", *columns])
        writer.writeheader()
        for variant, row in zip(variants, rows, strict=True):
            writer.writerow({"variant": variant.name, "overrides": json.dumps(variant.overrides)} | row)
    series = {v.name: _read_series(out_dir / v.name / "timeseries.csv") for v in variants}
    _write_png(out_dir / "comparison.png", variants, rows, series)
    (out_dir / "comparison.html").write_text(
        render_comparison(scenario, seed, variants, rows, series), encoding="utf-8"
    )


def _write_png(
    target: Path,
    variants: Sequence[Variant],
    rows: Sequence[dict[str, Any]],
    series: dict[str, Timeseries | None],
) -> None:
    """comparison.png: liquidated USD per variant and market beside the cumulative liquidations over blocks."""
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4))
    _bars(left, variants, rows, "liq_usd:")
    left.set_title("liquidated USD by market", fontsize=10)
    left.tick_params(axis="x", labelrotation=15, labelsize=8)
    _cumulative(right, series)
    right.set_title("cumulative liquidated USD", fontsize=10)
    figure.tight_layout()
    figure.savefig(target, dpi=90, metadata={"Software": None})
    plt.close(figure)


def _column_order(key: str) -> tuple[int, str]:
    order = (
        "status",
        "liq_count",
        "liq_usd",
        "bad_debt",
        "max_wave",
        "amplification",
        "exogenous",
        "backing",
    )
    for i, prefix in enumerate(order):
        if key.startswith(prefix):
            return i, key
    return (len(order), key) if key.startswith("min:") else (len(order) + 1, key)


def table_rows(rows: Sequence[dict[str, Any]], spread: float = 0.005) -> list[str]:
    """The metrics worth a line in the side-by-side table: all but the lowest prices, and those lowest prices
    that differ between variants by more than `spread` (relative)."""
    keys = sorted({k for r in rows for k in r if k not in ("status", "events_sha256")}, key=_column_order)
    return [k for k in keys if not k.startswith("min:") or _spread(rows, k) > spread]


def _spread(rows: Sequence[dict[str, Any]], key: str) -> float:
    """How far apart the variants' values of `key` are, relative to the largest (0 with fewer than two, or
    none positive)."""
    values = [float(r[key]) for r in rows if isinstance(r.get(key), int | float)]
    return (max(values) - min(values)) / max(values) if len(values) > 1 and max(values) > 0 else 0.0


def print_comparison(variants: Sequence[Variant], outcomes: Sequence[Outcome]) -> None:
    from rich.console import Console
    from rich.table import Table

    rows = [figures(o) for o in outcomes]
    console = Console()
    console.width = max(console.width, 34 + 14 * len(variants))  # no truncated figures when piped
    grid = Table(title="variants side by side (same seed)")
    grid.add_column("", no_wrap=True)
    for variant in variants:
        grid.add_column(variant.name, justify="right", overflow="fold")
    grid.add_row("status", *[str(r["status"]) for r in rows])
    for key in table_rows(rows):
        grid.add_row(key, *[_cell(r.get(key), key) for r in rows])
    console.print(grid)


def _cell(value: Any, key: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and (key.startswith("min:") or key.endswith("ratio_min")):
        return f"{value:,.4f}"
    if isinstance(value, float):
        return f"{value:,.2f}" if key == "amplification" else f"{value:,.0f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def render_comparison(
    scenario: Path,
    seed: int,
    variants: Sequence[Variant],
    rows: Sequence[dict[str, Any]],
    series: dict[str, Timeseries | None],
) -> str:
    keys = table_rows(rows)
    headers = ["", *[v.name for v in variants]]
    body_rows: list[Row] = [
        [
            txt("changes"),
            *[
                txt(", ".join(f"{k}={json.dumps(v)}" for k, v in var.overrides.items()) or "-")
                for var in variants
            ],
        ],
        [txt("status"), *[txt(r["status"]) for r in rows]],
        [
            txt("run"),
            *[f'<td><a href="{v.name}/report.html">{v.name}/report.html</a></td>' for v in variants],
        ],
    ]
    body_rows += [[txt(k), *[num(r.get(k, math.nan), _fmt_key(k)) for r in rows]] for k in keys]
    plots = [
        plot("Liquidated USD by market and venue", lambda ax: _bars(ax, variants, rows, "liq_usd:")),
        plot("Cumulative liquidated USD over blocks", lambda ax: _cumulative(ax, series)),
    ]
    moved = sorted((k for k in keys if k.startswith("min:")), key=lambda k: (-_spread(rows, k), k))
    for key in moved[:4]:  # the lowest prices the variants disagree on most
        column = key.removeprefix("min:")
        plots.append(plot(f"{column} over blocks", partial(_lines, series=series, column=column)))
    body = "".join(
        [
            f"<h1>cascade-sim comparison: {scenario.stem}</h1>",
            f'<p class="lead">Every variant runs the same scenario on seed {seed}; each column links to that '
            "run's own report.</p>",
            section(
                "Side by side",
                f'<div class="wide">{table(headers, body_rows, numeric=range(1, len(headers)))}</div>',
                "table",
            ),
            section("Plots", "".join(plots), "plots"),
        ]
    )
    return page(f"cascade-sim comparison: {scenario.stem}", body)


def _fmt_key(key: str) -> str:
    return "usd" if key.startswith(("liq_usd", "bad_debt", "exogenous")) else key


def _read_series(path: Path) -> Timeseries | None:
    return read_timeseries(path) if path.is_file() else None


def _bars(ax: Any, variants: Sequence[Variant], rows: Sequence[dict[str, Any]], prefix: str) -> None:
    markets = sorted({k.removeprefix(prefix) for r in rows for k in r if k.startswith(prefix)})
    width = 0.8 / max(1, len(markets))
    for i, market in enumerate(markets):
        xs = [j + i * width for j in range(len(variants))]
        ax.bar(xs, [float(r.get(prefix + market, 0.0)) / 1e6 for r in rows], width, label=market)
    ax.set_xticks([j + 0.4 - width / 2 for j in range(len(variants))], [v.name for v in variants])
    ax.set_ylabel("USD millions")
    ax.legend(fontsize=8)


def _cumulative(ax: Any, series: dict[str, Timeseries | None]) -> None:
    for name, ts in series.items():
        if ts is None:
            continue
        total = [0.0] * len(ts.rows)  # every market's running total, added up
        for column in ts.with_prefix("liq_usd:"):
            total = [a + b for a, b in zip(total, running_total(ts.series(column)), strict=True)]
        ax.plot(ts.blocks, [v / 1e6 for v in total], label=name)
    ax.set_xlabel("block")
    ax.set_ylabel("USD millions")
    ax.legend(fontsize=8)


def _lines(ax: Axes, series: dict[str, Timeseries | None], column: str) -> None:
    for name, ts in series.items():
        if ts is not None and column in ts.columns:
            ax.plot(ts.blocks, ts.series(column), label=name)
    ax.set_xlabel("block")
    ax.set_ylabel("USD")
    ax.legend(fontsize=8)
