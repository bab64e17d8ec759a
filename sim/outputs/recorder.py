"""Streamed run outputs: events.jsonl, timeseries.csv and liquidations.csv appended and flushed block by block, manifest.json at
the start and summary.json at the end, so that a crash or Ctrl-C keeps every finished block on disk."""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Any

# liquidations.csv: each liquidation with the price move that pushed its account under (cascade attribution).
LIQUIDATION_COLUMNS = (
    "id", "block", "tx_index", "market", "account", "group", "collateral", "usd", "mode",
    "trigger_block", "trigger_oracle", "trigger_asset", "trigger_old", "trigger_new",
    "cause", "cause_agent", "parent", "wave",
)  # fmt: skip


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value


def _hex(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# One line per event, keys sorted: what `json.dumps(_jsonable(event), sort_keys=True, ...)` gives, without
# walking every event twice (tuples are lists to the encoder already; bytes become hex through `default`).
_EVENT_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), default=_hex)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write atomically (temp file + rename), so a reader never sees half a file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(_jsonable(dict(data)), indent=2, sort_keys=True) + "\n")
    os.replace(tmp, path)


class Recorder:
    """Owns a run's output streams: the manifest at start, events and metrics appended and flushed block by
    block, the summary at the end; `close()` closes the streams."""

    def __init__(self, out_dir: Path, columns: Sequence[str]) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.columns = list(columns)
        self._events: IO[str] = (out_dir / "events.jsonl").open("w")
        self._series_file: IO[str] = (out_dir / "timeseries.csv").open("w", newline="")
        self._series = csv.DictWriter(self._series_file, fieldnames=self.columns, extrasaction="raise")
        self._series.writeheader()
        self._liquidations_file: IO[str] = (out_dir / "liquidations.csv").open("w", newline="")
        self._liquidations = csv.DictWriter(self._liquidations_file, fieldnames=list(LIQUIDATION_COLUMNS))
        self._liquidations.writeheader()
        self._hash = hashlib.sha256()

    def manifest(self, data: Mapping[str, Any]) -> None:
        write_json(self.out_dir / "manifest.json", data)

    def block(
        self,
        events: Sequence[Mapping[str, Any]],
        row: Mapping[str, Any],
        liquidations: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Append one block's events, metrics row and attributed liquidations, then flush them to disk."""
        if events:
            text = "".join(_EVENT_JSON.encode(event) + "\n" for event in events)
            self._events.write(text)
            self._hash.update(text.encode())
        self._series.writerow(dict(row))
        self._liquidations.writerows(liquidations)
        self._events.flush()
        self._series_file.flush()
        self._liquidations_file.flush()

    @property
    def events_sha256(self) -> str:
        """sha256 of events.jsonl as written so far (equal to hashing the file)."""
        return self._hash.hexdigest()

    def summary(self, data: Mapping[str, Any]) -> None:
        write_json(self.out_dir / "summary.json", data)

    def close(self) -> None:
        if not self._events.closed:
            self._events.close()
        for stream in (self._series_file, self._liquidations_file):
            if not stream.closed:
                stream.close()
