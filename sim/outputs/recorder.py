"""Streamed run outputs: events.jsonl, timeseries.csv, liquidations.csv, positions.csv (and books.csv when the run
has order books) appended and flushed
whole block by whole block, manifest.json at the start and summary.json at the end, so that a crash or Ctrl-C
keeps every finished block on disk and no half block."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import signal
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

# liquidations.csv: each liquidation with the price move that pushed its account under (cascade attribution).
LIQUIDATION_COLUMNS = (
    "id", "block", "tx_index", "market", "account", "group", "collateral", "usd", "mode",
    "trigger_block", "trigger_oracle", "trigger_asset", "trigger_old", "trigger_new",
    "cause", "cause_agent", "parent", "wave", "trigger_venue",
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


@dataclass
class _Stream:
    """One append-only output file, written in binary so a block's offset can be restored exactly."""

    path: Path
    handle: IO[bytes]

    @classmethod
    def open(cls, path: Path, header: str = "") -> _Stream:
        stream = cls(path, path.open("wb"))
        if header:
            stream.handle.write(header.encode())
            stream.handle.flush()
        return stream


def _csv_text(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], header: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), extrasaction="raise", restval="")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM while a block is committed: they arrive right after it, at a block boundary.

    Python runs signal handlers in the main thread whichever thread the kernel picked, so holding them is a
    matter of handlers that only note the signal, then hand it to the previous handlers at the end (a thread
    mask would not do: a progress bar's or a client's thread would take the signal instead)."""
    held = (signal.SIGINT, signal.SIGTERM)
    pending: list[int] = []

    def note(signum: int, _frame: FrameType | None) -> None:
        pending.append(signum)

    try:
        previous = {signum: signal.signal(signum, note) for signum in held}
    except ValueError:  # not the main thread: handlers cannot be set here, nothing to hold
        yield
        return
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for caught in dict.fromkeys(pending):
            handler = previous[signal.Signals(caught)]
            if callable(handler):
                handler(caught, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(caught)


class Recorder:
    """Owns a run's output streams: the manifest at start, then each block appended to every stream as a whole
    (events.jsonl, timeseries.csv, liquidations.csv, positions.csv) and flushed, the summary at the end. A block
    is committed or not at all: should anything stop its writing (a signal, a full disk), every stream is cut
    back to the end of the previous block, so all of them always end at the same whole block and the counts
    and hash the recorder reports describe exactly what is on disk."""

    def __init__(
        self,
        out_dir: Path,
        columns: Sequence[str],
        position_columns: Sequence[str] = (),
        book_columns: Sequence[str] = (),
    ) -> None:
        self.out_dir = out_dir
        out_dir.mkdir(parents=True, exist_ok=True)
        self.columns = list(columns)
        self.position_columns = list(position_columns)
        self.book_columns = list(book_columns)
        self._events = _Stream.open(out_dir / "events.jsonl")
        self._series = _Stream.open(out_dir / "timeseries.csv", _csv_text(self.columns, [], header=True))
        self._liquidations = _Stream.open(
            out_dir / "liquidations.csv", _csv_text(LIQUIDATION_COLUMNS, [], header=True)
        )
        self._positions = _Stream.open(
            out_dir / "positions.csv", _csv_text(self.position_columns, [], header=True)
        )
        self._books = (
            _Stream.open(out_dir / "books.csv", _csv_text(self.book_columns, [], header=True))
            if self.book_columns
            else None
        )
        self._hash = hashlib.sha256()
        self.blocks = 0  # blocks committed
        self.events = 0  # events committed
        self.transactions = 0  # sent in committed blocks
        self.failed = 0  # reverted in committed blocks
        self.position_rows = 0

    def manifest(self, data: Mapping[str, Any]) -> None:
        write_json(self.out_dir / "manifest.json", data)

    def block(
        self,
        events: Sequence[Mapping[str, Any]],
        row: Mapping[str, Any] | None,
        liquidations: Sequence[Mapping[str, Any]] = (),
        positions: Sequence[Mapping[str, Any]] = (),
        books: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        """Append one block: its events, its metrics row (None: positions only, as at the start and the end),
        its attributed liquidations, its changed positions and its order books' rows, all or nothing."""
        lines = "".join(_EVENT_JSON.encode(event) + "\n" for event in events)
        texts = [
            (self._events, lines),
            (self._series, _csv_text(self.columns, [row]) if row is not None else ""),
            (self._liquidations, _csv_text(LIQUIDATION_COLUMNS, liquidations)),
            (self._positions, _csv_text(self.position_columns, positions) if self.position_columns else ""),
        ]
        if self._books is not None:
            texts.append((self._books, _csv_text(self.book_columns, books)))
        digest = self._hash.copy()
        digest.update(lines.encode())
        with signals_deferred():
            marks = [stream.handle.tell() for stream, _ in texts]
            try:
                for stream, text in texts:
                    if text:
                        stream.handle.write(text.encode())
                for stream, _ in texts:
                    stream.handle.flush()
            except BaseException:
                for (stream, _), mark in zip(texts, marks, strict=True):
                    stream.handle.seek(mark)
                    stream.handle.truncate()
                    stream.handle.flush()
                raise
            self._hash = digest
            self.events += len(events)
            self.position_rows += len(positions)
            if row is not None:
                self.blocks += 1
                self.transactions += int(row.get("txs", 0) or 0)
                self.failed += int(row.get("failed_txs", 0) or 0)

    def counts(self) -> dict[str, Any]:
        """What the files hold, for the summary: blocks, transactions, reverts, events and the events' hash."""
        return {
            "blocks": self.blocks,
            "transactions": self.transactions,
            "failed_transactions": self.failed,
            "events": self.events,
            "events_sha256": self.events_sha256,
            "position_rows": self.position_rows,
        }

    @property
    def events_sha256(self) -> str:
        """sha256 of events.jsonl as committed so far (equal to hashing the file)."""
        return self._hash.hexdigest()

    def summary(self, data: Mapping[str, Any]) -> None:
        write_json(self.out_dir / "summary.json", data)

    def close(self) -> None:
        streams = (self._events, self._series, self._liquidations, self._positions, self._books)
        for stream in (s for s in streams if s is not None):
            if not stream.handle.closed:
                stream.handle.close()
