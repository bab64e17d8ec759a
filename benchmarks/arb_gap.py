"""How far each pool's price sits from the reference: the 95th percentile and the largest gap per pool and asset
over a finished run's timeseries.csv. Prints figures, asserts nothing.

Run: cascade run scenarios/calm.yaml --out out/calm && .venv/bin/python benchmarks/arb_gap.py out/calm
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

import numpy as np


def gaps(timeseries: Path) -> dict[str, tuple[float, float]]:
    """`pool:NAME:ASSET` -> (p95, max) of |pool price / reference - 1|, in percent."""
    rows = list(csv.DictReader(timeseries.open()))
    out: dict[str, tuple[float, float]] = {}
    for column in rows[0] if rows else []:
        if not column.startswith("pool:"):
            continue
        reference = "ref:" + column.rsplit(":", 1)[1]
        values = [
            abs(float(r[column]) / float(r[reference]) - 1)
            for r in rows
            if r.get(column) and r.get(reference) and float(r[reference]) > 0
        ]
        if values:
            out[column] = (100 * float(np.percentile(values, 95)), 100 * max(values))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="a run folder holding timeseries.csv")
    args = parser.parse_args()
    for column, (p95, worst) in sorted(gaps(args.run_dir / "timeseries.csv").items()):
        print(f"{column:<32} gap p95 {p95:6.3f}%   max {worst:6.3f}%")


if __name__ == "__main__":
    main()
