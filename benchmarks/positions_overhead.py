"""What positions.csv costs: a run with 10,000 lending positions, with and without the file. Prints figures,
asserts nothing.

The same scenario (throughput.py's scaling market: passive borrowers, a slow ETH drift, a fixed number of
transactions per block) runs `--rounds` times each way, interleaved so that a busy machine slows both alike; the
"without" runs replace the position snapshots with empty ones, so nothing else changes. Printed: the median
run time and block-loop time each way, the overheads as ratios, and the rows written.

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


def one_run(scenario: Path, out: Path, with_positions: bool) -> dict[str, Any]:
    started = time.perf_counter()
    if with_positions:
        summary = run(RunOptions(scenario=scenario, out_dir=out))
    else:
        with positions_off():
            summary = run(RunOptions(scenario=scenario, out_dir=out))
    rows = sum(1 for _ in (out / "positions.csv").open()) - 1
    return {"wall": time.perf_counter() - started, "loop": summary["loop_seconds"], "rows": rows}


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
        return statistics.median(x[key] for x in runs[on])

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
    }
    print(json.dumps(figures, indent=2))
    print(
        f"positions.csv at {args.positions:,} positions: whole run x{figures['wall_with_over_without']}, "
        f"block loop x{figures['loop_with_over_without']} (target <= 1.10)"
    )


if __name__ == "__main__":
    main()
