"""What positions.csv costs: a run with 10,000 lending positions, with and without the file. Prints figures,
asserts nothing.

The same scenario (throughput.py's scaling market: passive borrowers, a slow ETH drift, a fixed number of
transactions per block) runs `--rounds` times each way, interleaved so that a busy machine slows both alike; the
"without" runs replace the position snapshots with empty ones, so nothing else changes. Printed: the median
run time and block-loop time each way and their ratios (noisy on a shared machine), the time spent inside the
position snapshots and their CSV formatting as a share of the run (not), and the rows written.

Run: .venv/bin/python benchmarks/positions_overhead.py [--positions 10000] [--blocks 40] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throughput import scaling_scenario

from sim.outputs import recorder
from sim.outputs.positions import Positions
from sim.run import RunOptions, run


@contextmanager
def positions_off() -> Iterator[None]:
    """Snapshots that return no rows: positions.csv gets its header only, everything else runs as usual."""
    every, changed = Positions.every, Positions.changed
    Positions.every = lambda self, when, block, world: []  # type: ignore[method-assign]
    Positions.changed = lambda self, block, world: []  # type: ignore[method-assign]
    try:
        yield
    finally:
        Positions.every, Positions.changed = every, changed  # type: ignore[method-assign]


@contextmanager
def positions_timed(spent: list[float]) -> Iterator[None]:
    """Adds to spent[0] the seconds inside the snapshots and the formatting of their CSV rows."""
    every, changed, csv_text = Positions.every, Positions.changed, recorder._csv_text

    def timed(fn: Any) -> Any:
        def inner(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return inner

    def csv_timed(columns: Any, rows: Any, header: bool = False) -> str:
        if "health_factor" in columns:
            return str(timed(csv_text)(columns, rows, header))
        return csv_text(columns, rows, header)

    Positions.every = timed(every)  # type: ignore[method-assign]
    Positions.changed = timed(changed)  # type: ignore[method-assign]
    recorder._csv_text = csv_timed
    try:
        yield
    finally:
        Positions.every, Positions.changed = every, changed  # type: ignore[method-assign]
        recorder._csv_text = csv_text


def one_run(scenario: Path, out: Path, with_positions: bool) -> dict[str, Any]:
    spent = [0.0]
    started = time.perf_counter()
    with positions_timed(spent) if with_positions else positions_off():
        summary = run(RunOptions(scenario=scenario, out_dir=out))
    wall = time.perf_counter() - started
    rows = sum(1 for _ in (out / "positions.csv").open()) - 1
    return {"wall": wall, "loop": summary["loop_seconds"], "rows": rows, "positions_seconds": spent[0]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--positions", type=int, default=10_000)
    parser.add_argument("--blocks", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        scenario = workdir / "scaling.yaml"
        scenario.write_text(yaml.safe_dump(scaling_scenario(args.positions, args.blocks)))
        runs: dict[bool, list[dict[str, Any]]] = {True: [], False: []}
        for r in range(args.rounds):
            for with_positions in (False, True):
                out = workdir / f"out_{r}_{int(with_positions)}"
                runs[with_positions].append(one_run(scenario, out, with_positions))
                print(
                    f"round {r + 1}, positions.csv {'on ' if with_positions else 'off'}: {runs[with_positions][-1]}"
                )

    def median(key: str, on: bool) -> float:
        return float(statistics.median(x[key] for x in runs[on]))

    figures = {
        "positions": args.positions,
        "blocks": args.blocks,
        "rounds": args.rounds,
        "rows_written": runs[True][0]["rows"],
        "wall_seconds_without": round(median("wall", False), 2),
        "wall_seconds_with": round(median("wall", True), 2),
        "wall_with_over_without": round(median("wall", True) / median("wall", False), 3),
        "loop_seconds_without": round(median("loop", False), 3),
        "loop_seconds_with": round(median("loop", True), 3),
        "loop_with_over_without": round(median("loop", True) / median("loop", False), 3),
        # Measured inside the runs with the file (immune to a busy machine): the snapshots and their CSV rows.
        "positions_seconds": round(median("positions_seconds", True), 3),
        "positions_share_of_run": round(median("positions_seconds", True) / median("wall", True), 4),
    }
    print(json.dumps(figures, indent=2))
    print(
        f"positions.csv at {args.positions:,} positions: whole run x{figures['wall_with_over_without']}, "
        f"block loop x{figures['loop_with_over_without']}; measured inside the run: "
        f"{figures['positions_seconds']} s, {100 * figures['positions_share_of_run']:.2f}% of it (target <= 10%)"
    )


if __name__ == "__main__":
    main()
