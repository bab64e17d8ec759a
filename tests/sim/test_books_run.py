"""End to end on two venues (tests/sim/data/two_venues_metrics.yaml): books.csv block by block, the summary's `books`,
`liquidations_by_agent_kind` and `depeg_seconds`, cross-venue attribution, and the report's order-book section."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from sim.report.run_report import write_report
from sim.run import RunOptions, run

DATA = Path(__file__).parent / "data"
BOOK = "alpha:a_alt_usdt"


@pytest.fixture(scope="module")
def two_venues(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("two-venues")
    summary = run(RunOptions(scenario=DATA / "two_venues_metrics.yaml", out_dir=out))
    write_report(out)
    return out, summary


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_books_csv_has_one_row_per_book_per_block(two_venues: tuple[Path, dict[str, Any]]) -> None:
    out, summary = two_venues
    rows = read(out / "books.csv")
    assert [int(r["block"]) for r in rows] == list(range(summary["blocks"]))
    assert {(r["book"], r["venue"]) for r in rows} == {("a_alt_usdt", "alpha")}
    first = rows[0]
    # the seed ladder: 8 levels a side, 4% apart, the first 2% from the start price 200
    assert (first["best_bid"], first["best_ask"], first["mid"], first["spread_bps"]) == (
        "196.0", "204.0", "200.0", "400.0",
    )  # fmt: skip
    assert float(first["resting_usd:seed"]) == pytest.approx(2_000_000, rel=1e-4)
    assert float(first["depth_2pct_usd"]) == float(first["depth_2pct_bid_usd"]) + float(
        first["depth_2pct_ask_usd"]
    )
    # the book seller walks the bids down: the mid falls while the asks stay
    mids = [float(r["mid"]) for r in rows if r["mid"]]
    assert mids == sorted(mids, reverse=True) and mids[-1] < mids[0]


def test_summary_books_depth_spread_and_owners(two_venues: tuple[Path, dict[str, Any]]) -> None:
    _, summary = two_venues
    book = summary["books"][BOOK]
    assert book["depth_2pct_start_usd"] == 250_000.0  # the 196 bid and the 204 ask, 125,000 USD each
    assert book["depth_2pct_min_usd"] == 0.0 and book["depth_drop"] == 1.0
    assert book["spread_bps_start"] == 400.0 and book["spread_ratio_max"] > 3
    assert book["spread_ratio_max"] == pytest.approx(
        book["spread_bps_max"] / book["spread_bps_start"], abs=1e-5
    )
    assert book["cancelled_usd"] == 0.0
    assert list(book["resting_usd_by_owner_start"]) == ["seed"]
    assert book["resting_usd_by_owner_min"]["seed"] < book["resting_usd_by_owner_start"]["seed"]


def test_beta_liquidations_are_the_whales_and_cross_venue(two_venues: tuple[Path, dict[str, Any]]) -> None:
    out, summary = two_venues
    beta = summary["liquidations"]["venue:beta"]
    assert beta["count"] > 0 and summary["liquidations"]["venue:alpha"]["count"] == 0
    assert summary["liquidations_by_agent_kind"] == {
        "whale": {"count": beta["count"], "usd": beta["usd"], "share": 1.0}
    }
    assert summary["cascade"]["by_cause"][CROSS_VENUE] == {"count": beta["count"], "usd": beta["usd"]}
    rows = read(out / "liquidations.csv")
    assert {(r["market"], r["cause"], r["trigger_venue"], r["trigger_oracle"]) for r in rows} == {
        ("venue:beta", CROSS_VENUE, "alpha", "beta")
    }
    assert set(summary["depeg_seconds"]) == {"alpha:USDT", "beta:USDT"}


def test_report_has_the_books_section_and_its_pngs(two_venues: tuple[Path, dict[str, Any]]) -> None:
    out, _ = two_venues
    page = (out / "report.html").read_text()
    assert 'id="books"' in page and 'href="#books"' in page and "Liquidated by agent kind" in page
    for name in ("book_depth_a_alt_usdt.png", "book_spreads.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert name in page
    summary = json.loads((out / "summary.json").read_text())
    assert BOOK in summary["books"]


CROSS_VENUE = "cross_venue"
