"""TWAP-priced lending: the oracle answers from block 0 (primed over a window at the start price during the
set-up), and a 10% dip liquidates later than under a spot oracle, and no more."""

from __future__ import annotations

import csv
from pathlib import Path

from sim.run import RunOptions, run

DATA = Path(__file__).parent / "data"
TWAP = {"lending[aave].oracle.WETH": {"kind": "twap", "pool": "uni_weth_usdc", "window_s": 300}}


def liquidation_blocks(out: Path) -> list[int]:
    return [int(r["block"]) for r in csv.DictReader((out / "liquidations.csv").open())]


def test_a_twap_oracle_answers_from_block_0_and_liquidates_later_not_more(tmp_path: Path) -> None:
    spot = run(RunOptions(scenario=DATA / "twap_dip.yaml", out_dir=tmp_path / "spot"))
    twap = run(RunOptions(scenario=DATA / "twap_dip.yaml", out_dir=tmp_path / "twap", overrides=TWAP))
    assert spot["status"] == twap["status"] == "completed"
    at_spot, at_twap = liquidation_blocks(tmp_path / "spot"), liquidation_blocks(tmp_path / "twap")
    assert at_spot and at_twap, "the dip liquidates under both oracles"
    assert min(at_twap) > min(at_spot)
    assert len(at_twap) <= len(at_spot)
    # The first window falls due at block 0 (the set-up primed it one window before the start), then every
    # 300 s: 25 blocks of 12 s.
    rows = list(csv.DictReader((tmp_path / "twap" / "timeseries.csv").open()))
    assert float(rows[0]["oracle:aave:WETH"]) == 4000.0
    assert min(at_twap) == 26  # the update at block 25 is the first to average the dip; bots act next block
