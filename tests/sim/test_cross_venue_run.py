"""Two venues with order books, end to end: a crash pushed on one venue's book by a seller reaches the other venue's
book only through the cross-venue arbitrageur, first from the inventory it holds there, then only as fast as its
transfers between the venues arrive; stub bids far below the market catch the crash."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest

from sim.run import RunOptions, run

DATA = Path(__file__).parent / "data"
LATENCY = 5


@pytest.fixture(scope="module")
def two_venues(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("two_venues")
    return out, run(RunOptions(scenario=DATA / "two_venues.yaml", out_dir=out))


def _events(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]


def _prices(out: Path, column: str) -> list[float]:
    with (out / "timeseries.csv").open() as f:
        return [float(row[column]) for row in csv.DictReader(f)]


def test_the_crash_reaches_the_other_venue_only_through_the_arbitrageur_at_the_transfer_latency(
    two_venues: tuple[Path, dict[str, Any]],
) -> None:
    out, summary = two_venues
    assert summary["status"] == "completed"
    manifest = json.loads((out / "manifest.json").read_text())
    arb = manifest["agents"]["cross_venue_arbitrageur-0"]
    bn_wallet, okx_wallet, transit = (w.lower() for w in arb["wallets"])
    events = _events(out)
    okx_sells = [e for e in events if e["contract"] == "pool:okx_alt_usdt" and e["event"] == "MarketOrder"]
    # Nobody but the arbitrageur trades okx's book: every move there is the crash carried over.
    assert okx_sells and {e["agent"] for e in okx_sells} == {"cross_venue_arbitrageur-0"}
    assert all(not e["args"]["isBuy"] for e in okx_sells)
    okx = _prices(out, "pool:okx_alt_usdt:ALT")
    bn = _prices(out, "pool:bn_alt_usdt:ALT")
    first_sell = min(e["block"] for e in okx_sells)
    assert okx[first_sell - 1] == 200.0 and bn[first_sell - 1] < 150  # bn crashed first; okx had not moved

    # Every move between the venues leaves a venue wallet for transit and lands LATENCY blocks later.
    alt = [e for e in events if e["contract"] == "token:ALT" and e["event"] == "Transfer"]
    departures = [e for e in alt if e["args"]["to"].lower() == transit]
    arrivals = [e for e in alt if e["args"]["from"].lower() == transit]
    assert departures and len(arrivals) >= 2
    for arrival in arrivals:
        assert arrival["args"]["to"].lower() == okx_wallet
        match = [d for d in departures if d["args"]["value"] == arrival["args"]["value"]]
        assert [d["block"] for d in match] == [arrival["block"] - LATENCY]
        assert match[0]["args"]["from"].lower() == bn_wallet

    # Once the inventory on okx is sold, okx's price stays put until the first move of ALT arrives, then
    # falls again on the arbitrageur's next sale.
    first_departure = departures[0]["block"]
    first_arrival = arrivals[0]["block"]
    assert first_arrival == first_departure + LATENCY
    waiting = [e["block"] for e in okx_sells if first_departure <= e["block"] <= first_arrival]
    assert waiting == []
    assert okx[first_departure] == okx[first_arrival] < 200.0
    after = min(e["block"] for e in okx_sells if e["block"] > first_arrival)
    assert after == first_arrival + 1 and okx[after] < okx[first_arrival]
    assert okx[-1] < okx[first_arrival] and okx[-1] > bn[-1]  # still catching up at the end
    stats = summary["agents"]["cross_venue_arbitrageur"]
    assert stats["trades"] >= 4 and stats["transfers"] >= 2 and stats["edge_usd"] > 0


def test_stub_bids_catch_the_crash(two_venues: tuple[Path, dict[str, Any]]) -> None:
    out, summary = two_venues
    manifest = json.loads((out / "manifest.json").read_text())
    stubs = {v["address"].lower() for name, v in manifest["agents"].items() if name.startswith("stub_bids-")}
    fills = [e for e in _events(out) if e["event"] == "OrderFilled" and e["args"]["maker"].lower() in stubs]
    assert {e["contract"] for e in fills} == {"pool:bn_alt_usdt"}  # okx never fell 20%
    prices = [e["args"]["tick"] / 100 for e in fills]  # a tick is a cent of USDT here
    assert all(100 <= p <= 160 for p in prices)  # between the 20% drop and the seller's limit
    placed = [e for e in _events(out) if e["event"] == "OrderPlaced" and e["args"]["owner"].lower() in stubs]
    assert len(placed) == summary["agents"]["stub_bids"]["attempted_bids"] == 60
    assert {e["block"] for e in placed} == {0}


def test_the_rescue_fund_activates_past_the_threshold_bids_on_the_hardest_hit_book_and_covers_bad_debt(
    tmp_path: Path,
) -> None:
    summary = run(RunOptions(scenario=DATA / "two_venues_rescue.yaml", out_dir=tmp_path))
    events = _events(tmp_path)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert "rescue_fund-0" in manifest["agents"]  # added by the run: the scenario lists no such population
    fund = [e for e in events if e["contract"] == "rescue_fund"]
    [activated] = [e for e in fund if e["event"] == "Activated"]
    threshold = 100_000 * 10**8
    assert activated["args"]["totalLiquidated"] >= threshold
    # It activates in the block after the one whose liquidations passed the threshold, not before.
    liquidated_before = [e for e in events if e["event"] == "LiquidationCompleted"]
    assert min(e["block"] for e in liquidated_before) < activated["block"]
    [posted] = [e for e in fund if e["event"] == "BidsPosted"]
    books = manifest["addresses"]
    assert posted["args"]["book"].lower() == books["pool:bn_alt_usdt"].lower()  # bn fell, okx hardly
    assert posted["args"]["orders"] == 5 and posted["args"]["quoteEscrowed"] <= 1_000_000 * 10**6
    # The venue's whole bad debt (under the half of the capital set aside for it) is repaid, after it is written.
    bad_debt = [e for e in events if e["event"] == "BadDebt"]
    covered = [e for e in fund if e["event"] == "BadDebtCovered"]
    assert bad_debt and covered and min(e["block"] for e in covered) > min(e["block"] for e in bad_debt)
    total = sum(e["args"]["amount"] for e in bad_debt)
    assert sum(e["args"]["amount"] for e in covered) == total <= 1_000_000 * 10**6
    assert summary["agents"]["rescue_fund"]["bad_debt_covered_usd"] == pytest.approx(total / 10**6)
