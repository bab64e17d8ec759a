"""`cascade sweep`: a scenario over a grid of parameter values and seeds, in parallel (each run in its own
worker with its own anvil). Writes OUT/runs/<point>-s<seed>/ per run, sweep.csv (rewritten after every
finished run, so what finished is on disk), heatmaps of the first two axes (averaged over seeds and any
further axes), and sweep.html."""

from __future__ import annotations

import csv
import itertools
import math
import os
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sim.analysis.batch import Executor, Notify, Outcome, RunTask, run_all
from sim.analysis.compare import figures
from sim.report.htmlpage import figure_png, image, page, section
from sim.report.plots import report_figure
from sim.scenario.loading import load_scenario
from sim.scenario.schema import ScenarioError

HEATMAP_METRICS = ("bad_debt_usd", "liq_usd_total", "amplification", "max_wave")


SEED_MARK = "-s"  # task ids are <point>-s<seed>


def plan(
    *,
    scenario: Path,
    axes: Sequence[tuple[str, list[Any]]],
    seeds: int,
    out_dir: Path,
    blocks: int | None = None,
    seed: int | None = None,
) -> list[RunTask]:
    """One task per (grid point, seed), id `p<index>-s<seed>`, the point's values as its overrides; every
    point's scenario is validated first, so a bad key or value stops the sweep before anything runs."""
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
    points = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v for _, v in axes))]
    blocks_set = {"blocks": blocks} if blocks is not None else {}
    for overrides in points:
        try:
            load_scenario(scenario, {**overrides, **blocks_set})
        except ScenarioError as exc:
            shown = ", ".join(f"{k}={v}" for k, v in overrides.items())
            raise ScenarioError(f"grid point {shown}: {exc}") from None
    first = load_scenario(scenario).seed if seed is None else seed
    width = max(3, len(str(len(points))))
    tasks = []
    for index, overrides in enumerate(points):
        for s in range(first, first + seeds):
            task_id = f"p{index:0{width}d}{SEED_MARK}{s}"
            run_dir = str((out_dir / "runs" / task_id).resolve())
            tasks.append(RunTask(task_id, str(scenario.resolve()), run_dir, overrides, s, blocks))
    return tasks


def sweep(
    *,
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
    tasks = plan(scenario=scenario, axes=axes, seeds=seeds, out_dir=out_dir, blocks=blocks, seed=seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = [k for k, _ in axes]
    rows: list[dict[str, Any]] = []

    def record(outcome: Outcome) -> None:  # sweep.csv holds every finished run, rewritten after each
        rows.append(sweep_row(keys, outcome))
        write_csv(out_dir / "sweep.csv", keys, rows)

    outcomes = run_all(tasks, executor, notify, show_progress, record)
    write_figures(out_dir, scenario, axes, rows)
    return outcomes


def sweep_row(keys: Sequence[str], outcome: Outcome) -> dict[str, Any]:
    """One run's line of sweep.csv: its grid point (from the task's id and overrides), seed, outcome, figures."""
    task = outcome.task
    row: dict[str, Any] = {"point": task.id.rsplit(SEED_MARK, 1)[0], "seed": task.seed}
    row |= {k: _show(task.overrides[k]) for k in keys}
    row |= {"attempts": outcome.attempts, "error": outcome.error, "run_dir": f"runs/{task.id}"}
    return row | figures(outcome)


def _show(value: Any) -> Any:
    return value if isinstance(value, int | float | str | bool) else repr(value)


def write_csv(path: Path, keys: Sequence[str], rows: Sequence[dict[str, Any]]) -> None:
    rows = sorted(rows, key=lambda r: (r["point"], r["seed"]))
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
    column_of = {_show(x): i for i, x in enumerate(xs)}
    row_of = {_show(y): j for j, y in enumerate(ys)}
    sums: dict[tuple[int, int], list[float]] = defaultdict(list)
    for row in rows:
        value = row.get(metric)
        if row.get("status") != "completed" or not isinstance(value, int | float) or math.isnan(value):
            continue
        i = column_of[row[kx]]
        j = row_of[row[ky]] if ky else 0
        sums[(j, i)].append(float(value))
    grid = np.full((len(ys), len(xs)), np.nan)
    for (j, i), values in sums.items():
        grid[j, i] = float(np.mean(values))
    return grid


def write_figures(
    out_dir: Path,
    scenario: Path,
    axes: Sequence[tuple[str, list[Any]]],
    rows: Sequence[dict[str, Any]],
) -> list[Path]:
    rows = sorted(rows, key=lambda r: (r["point"], r["seed"]))
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
        (out_dir / name).write_bytes(data)
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
