"""An interrupt never leaves half a block on disk: every output file ends at the same whole block, and the
summary's counts and events hash describe exactly what the files hold."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import signal
import threading
from pathlib import Path
from typing import Any

import pytest

import sim.outputs.recorder as recorder_module
from sim.outputs.recorder import signals_deferred
from sim.run import RunOptions, run

DATA = Path(__file__).parent / "data"
INTERRUPTED_AT = 12


class InterruptingFile:
    """A file whose `after`-th write raises KeyboardInterrupt, as a Ctrl-C landing mid-block would."""

    def __init__(self, handle: Any, after: int) -> None:
        self.handle, self.after, self.writes = handle, after, 0

    def write(self, data: bytes) -> int:
        self.writes += 1
        if self.writes == self.after:
            raise KeyboardInterrupt
        return int(self.handle.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.handle, name)


def test_an_interrupt_between_two_writes_of_a_block_leaves_whole_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = recorder_module._Stream.open

    def opening(path: Path, header: str = "") -> Any:
        stream = original(path, header)
        if path.name == "timeseries.csv":  # header, then one write per block: fail in block INTERRUPTED_AT
            stream.handle = InterruptingFile(stream.handle, after=INTERRUPTED_AT + 1)  # type: ignore[assignment]
        return stream

    monkeypatch.setattr(recorder_module._Stream, "open", staticmethod(opening))
    with pytest.raises(KeyboardInterrupt):
        run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path))
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["status"] == "interrupted"
    assert summary["blocks"] == INTERRUPTED_AT
    events = (tmp_path / "events.jsonl").read_bytes()
    lines = [json.loads(line) for line in events.splitlines()]
    assert (
        lines and max(e["block"] for e in lines) == INTERRUPTED_AT - 1
    )  # the events of block 12 were rolled back
    assert summary["events"] == len(lines)
    assert summary["events_sha256"] == hashlib.sha256(events).hexdigest()
    series = list(csv.DictReader((tmp_path / "timeseries.csv").open()))
    assert [int(r["block"]) for r in series] == list(range(INTERRUPTED_AT))
    assert summary["transactions"] == sum(int(r["txs"]) for r in series)
    for name in ("liquidations.csv", "positions.csv"):
        rows = list(csv.DictReader((tmp_path / name).open()))
        assert all(int(r["block"]) < INTERRUPTED_AT for r in rows), name


@pytest.mark.parametrize("other_thread", [False, True], ids=["alone", "beside a thread"])
def test_a_signal_during_a_commit_waits_for_its_end(other_thread: bool) -> None:
    """SIGTERM stops `cascade run` like Ctrl-C (its handler raises KeyboardInterrupt), but not mid-block, also
    when another thread (a progress bar's, a client's) could have been the one the kernel handed it to."""
    stop = threading.Event()
    if other_thread:
        threading.Thread(target=stop.wait, daemon=True).start()

    def interrupt(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    done = []
    try:
        with pytest.raises(KeyboardInterrupt):
            with signals_deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                done.append("still writing")  # the signal is held: the block's writes go on
            done.append("never reached")  # delivered here, as the commit ends
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop.set()
    assert done == ["still writing"]
