"""`cascade sweep`: a scenario over a grid of parameter values and seeds, in parallel (each run in its own
worker with its own anvil). Writes OUT/runs/<point>-s<seed>/ per run, sweep.csv (rewritten after every
finished run, so what finished is on disk), heatmaps of the first two axes (averaged over seeds and any
further axes), and sweep.html."""

from __future__ import annotations

import base64
import csv
import itertools
import math
import os
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.batch import Executor, Notify, Outcome, RunTask, run_all
from sim.compare import headline
from sim.htmlpage import figure_png, image, page, section
from sim.plots import report_figure
from sim.scenario import ScenarioError, load_scenario

HEATMAP_METRICS = ("bad_debt_usd", "liq_usd_total", "amplification", "max_wave")


@dataclass(frozen=True)
class Point:
    id: str
    values: tuple[Any, ...]  # one per axis


def grid_points(axes: Sequence[tuple[str, list[Any]]]) -> list[Point]:
    combos = list(itertools.product(*(values for _, values in axes)))
    width = max(3, len(str(len(combos))))
    return [Point(f"p{i:0{width}d}", tuple(combo)) for i, combo in enumerate(combos)]


def plan(
    scenario: Path,
    axes: Sequence[tuple[str, list[Any]]],
    seeds: int,
    out_dir: Path,
    blocks: int | None = None,
    seed: int | None = None,
) -> tuple[list[Point], list[int], list[RunTask]]:
    """The grid's points and seeds and one task per pair; every point's scenario is validated first, so a bad
    key or value stops the sweep before anything runs."""
    keys = [k for k, _ in axes]
    if "seed" in keys:
        raise ScenarioError(
            "--grid seed=...: seeds are not a grid axis; use --seeds N (and --seed for the first)."
        )
    repeated = sorted({k for k in keys if keys.count(k) > 1})
    if repeated:
        raise ScenarioError(
            f"--grid {', '.join(repeated)} given twice: give each key once, with all its values."
        )
    points = grid_points(axes)
    for point in points:
        overrides = dict(zip(keys, point.values, strict=True))
        try:
            load_scenario(scenario, overrides)
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in overrides.items())
            raise ScenarioError(f"grid point {shown}: {exc}") from None
    first = load_scenario(scenario).seed if seed is None else seed
    seed_list = [first + i for i in range(seeds)]
    tasks = [
        RunTask(
            f"{point.id}-s{s}",
            str(scenario.resolve()),
            str((out_dir / "runs" / f"{point.id}-s{s}").resolve()),
            dict(zip(keys, point.values, strict=True)),
            s,
            blocks,
        )
        for point in points
        for s in seed_list
    ]
    return points, seed_list, tasks


def sweep(
    scenario: Path,
    axes: Sequence[tuple[str, list[Any]]],
    seeds: int,
    out_dir: Path,
    executor: Executor,
    notify: Notify,
    blocks: int | None = None,
    seed: int | None = None,
    show_progress: bool = True,
) -> list[Outcome]:
    points, _, tasks = plan(scenario, axes, seeds, out_dir, blocks, seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = [k for k, _ in axes]
    finished: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        finished.append(outcome)
        write_csv(out_dir / "sweep.csv", keys, points, finished)

    outcomes = run_all(tasks, executor, notify, show_progress, record)
    write_csv(out_dir / "sweep.csv", keys, points, outcomes)
    write_figures(out_dir, scenario, axes, points, outcomes)
    return outcomes


def _point_of(task: RunTask, points: Sequence[Point]) -> Point:
    return next(p for p in points if task.id.startswith(p.id + "-"))


def sweep_rows(
    keys: Sequence[str], points: Sequence[Point], outcomes: Sequence[Outcome]
) -> list[dict[str, Any]]:
    rows = []
    for outcome in outcomes:
        point = _point_of(outcome.task, points)
        row: dict[str, Any] = {"point": point.id, "seed": outcome.task.seed}
        row |= {k: _show(v) for k, v in zip(keys, point.values, strict=True)}
        row |= {"attempts": outcome.attempts, "error": outcome.error, "run_dir": f"runs/{outcome.task.id}"}
        row |= headline(outcome.summary) | {"status": outcome.status}
        rows.append(row)
    return sorted(rows, key=lambda r: (r["point"], r["seed"]))


def _show(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) else repr(value)


def write_csv(path: Path, keys: Sequence[str], points: Sequence[Point], outcomes: Sequence[Outcome]) -> None:
    rows = sweep_rows(keys, points, outcomes)
    fixed = ["point", "seed", *keys, "status", "attempts", "error", "run_dir"]
    columns = fixed + sorted({k for r in rows for k in r} - set(fixed))
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, restval="")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)


def mean_grid(
    rows: Sequence[dict[str, Any]], axes: Sequence[tuple[str, list[Any]]], metric: str
) -> np.ndarray[Any, np.dtype[np.float64]]:
    """The metric averaged over seeds (and any axes after the first two) on the first two axes' grid; NaN where
    no run completed."""
    (kx, xs), (ky, ys) = axes[0], (axes[1] if len(axes) > 1 else ("", [None]))
    sums: dict[tuple[int, int], list[float]] = defaultdict(list)
    for row in rows:
        value = row.get(metric)
        if row.get("status") != "completed" or not isinstance(value, int | float) or math.isnan(value):
            continue
        i = [_show(x) for x in xs].index(row[kx])
        j = [_show(y) for y in ys].index(row[ky]) if ky else 0
        sums[(j, i)].append(float(value))
    grid = np.full((len(ys), len(xs)), np.nan)
    for (j, i), values in sums.items():
        grid[j, i] = float(np.mean(values))
    return grid


def write_figures(
    out_dir: Path,
    scenario: Path,
    axes: Sequence[tuple[str, list[Any]]],
    points: Sequence[Point],
    outcomes: Sequence[Outcome],
) -> list[Path]:
    keys = [k for k, _ in axes]
    rows = sweep_rows(keys, points, outcomes)
    lows = sorted({k for r in rows for k in r if k.startswith("min:pool:")})
    metrics = [*HEATMAP_METRICS, *lows[:2]]
    written: list[Path] = []
    figures: list[str] = []
    for metric in metrics:
        grid = mean_grid(rows, axes, metric)
        figure, ax = report_figure(4.2 if len(axes) > 1 else 3.2)
        if len(axes) > 1:
            shown = ax.imshow(grid, origin="lower", aspect="auto", cmap="magma_r")
            ax.set_xticks(range(len(axes[0][1])), [str(_show(v)) for v in axes[0][1]], fontsize=8)
            ax.set_yticks(range(len(axes[1][1])), [str(_show(v)) for v in axes[1][1]], fontsize=8)
            ax.set_xlabel(axes[0][0])
            ax.set_ylabel(axes[1][0])
            for (j, i), value in np.ndenumerate(grid):
                if not math.isnan(value):
                    ax.text(
                        i, j, _short(float(value)), ha="center", va="center", fontsize=8, color="tab:cyan"
                    )
            figure.colorbar(shown, ax=ax, label=metric)
        else:
            ax.plot([str(_show(v)) for v in axes[0][1]], grid[0], marker="o")
            ax.set_xlabel(axes[0][0])
            ax.set_ylabel(metric)
        rest = " (mean over seeds" + (" and further axes)" if len(axes) > 2 else ")")
        ax.set_title(f"{metric}{rest}", fontsize=10)
        name = "heatmap_" + metric.replace(":", "_") + ".png"
        data = figure_png(figure)
        (out_dir / name).write_bytes(base64.b64decode(data))
        written.append(out_dir / name)
        figures.append(image(f"{metric}{rest}", data))
    failed = [r for r in rows if r["status"] != "completed"]
    note = (
        f"<p>{len(failed)} of {len(rows)} runs failed (see sweep.csv's error column): "
        + ", ".join(r["run_dir"] for r in failed)
        + "</p>"
        if failed
        else f"<p>All {len(rows)} runs completed.</p>"
    )
    body = (
        f"<h1>cascade-sim sweep: {scenario.stem}</h1>"
        + f'<p class="lead">Axes: {", ".join(f"{k} = {[_show(v) for v in vs]}" for k, vs in axes)}; '
        + f"{len({r['seed'] for r in rows})} seed(s) per point; data in sweep.csv.</p>"
        + note
        + section("Heatmaps", "".join(figures), "heatmaps")
    )
    (out_dir / "sweep.html").write_text(page(f"cascade-sim sweep: {scenario.stem}", body), encoding="utf-8")
    return written


def _short(value: float) -> str:
    if abs(value) >= 1e6:
        return f"{value / 1e6:.1f}M"
    if abs(value) >= 1e3:
        return f"{value / 1e3:.0f}k"
    return f"{value:.3g}"
