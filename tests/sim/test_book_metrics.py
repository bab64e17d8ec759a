"""books.csv and the summary's `books`, `depeg_seconds` and `liquidations_by_agent_kind`, on small worlds built by
hand, with values worked out on paper (no devnet)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.market.builder import Market, PoolInfo
from sim.mirrors.orderbook import OrderBookMirror
from sim.node.contracts import Handle
from sim.node.events import Event
from sim.outputs.books import BookMetrics
from sim.outputs.by_kind import LiquidationsByKind
from sim.outputs.depeg import DepegClock
from sim.world.liquidations import Liquidation
from sim.world.world import PoolView, World

WAD = 10**18
SEED_OWNER, MM_OWNER = "0x" + "f0" * 20, "0x" + "aa" * 20


def whole(units: float) -> int:
    return int(units * WAD)


def book_world() -> tuple[World, OrderBookMirror]:
    """One ALT/USDT book, a tick of 1 USDT: the seed rests bids 5 @ 198 and 10 @ 190, asks 5 @ 202 and
    10 @ 210; a market maker quotes 2 @ 199 and 2 @ 201."""
    book = OrderBookMirror(18, 6, WAD, 1)
    for owner, is_bid, tick, amount in (
        (SEED_OWNER, True, 198, 5), (SEED_OWNER, True, 190, 10), (SEED_OWNER, False, 202, 5),
        (SEED_OWNER, False, 210, 10), (MM_OWNER, True, 199, 2), (MM_OWNER, False, 201, 2),
    ):  # fmt: skip
        book.place_order(owner, is_bid, tick, whole(amount))
    world = World(market=Market())
    info = PoolInfo("bk", "order_book", Handle("OrderBook", b"\x0b" * 20), ("ALT", "USDT"))
    world.pools["bk"] = PoolView(info, (18, 6), book=book)
    world.reference = {"ALT": 200.0, "USDT": 1.0}
    return world, book


def event(name: str, args: dict[str, Any], block: int) -> Event:
    return Event(block, 0, 0, "someone", "pool:bk", name, args)


@pytest.fixture
def observed() -> tuple[BookMetrics, list[list[dict[str, Any]]]]:
    """Block 0: the book as built. Block 1: the market maker cancels its bid. Block 2: a market sell of 6 ALT
    takes the seed's 198 bid and 1 ALT of its 190 bid."""
    world, book = book_world()
    metrics = BookMetrics.for_world(world, {"bk": "alpha"}, {SEED_OWNER: "seed", MM_OWNER: "market_maker"})
    rows = []
    metrics.observe(0, world, [])
    rows.append(metrics.rows())
    mm_bid = next(i for i in book.orders_of(MM_OWNER) if book.get_order(i).is_bid)
    book.cancel_order(MM_OWNER, mm_bid)
    cancel = {"orderId": mm_bid, "owner": MM_OWNER, "baseRemaining": whole(2), "refund": 398 * 10**6}
    metrics.observe(1, world, [event("OrderCancelled", cancel, 1)])
    rows.append(metrics.rows())
    book.sell_base(whole(6), 1, 0, 16)
    metrics.observe(2, world, [event("MarketOrder", {}, 2)])
    rows.append(metrics.rows())
    return metrics, rows


def test_a_books_row_prices_depth_and_owners(
    observed: tuple[BookMetrics, list[list[dict[str, Any]]]],
) -> None:
    _, rows = observed
    first = rows[0][0]
    assert (first["book"], first["venue"]) == ("bk", "alpha")
    assert (first["best_bid"], first["best_ask"], first["mid"], first["spread_bps"]) == (
        199.0,
        201.0,
        200.0,
        100.0,
    )
    # within 2% of 200 (196..204): bids 2 @ 199 + 5 @ 198, asks 2 @ 201 + 5 @ 202
    assert (first["depth_2pct_bid_usd"], first["depth_2pct_ask_usd"], first["depth_2pct_usd"]) == (
        1388.0, 1412.0, 2800.0,
    )  # fmt: skip
    assert first["resting_usd:seed"] == 6000.0 and first["resting_usd:market_maker"] == 800.0
    assert first["resting_usd:other"] == 0.0 and first["orders"] == 6
    # 5% bands from the start price 200: 199, 198 and 190 (-5% exactly) in [-5, 0); 201, 202 in [0, 5); 210 in [5, 10)
    assert (first["band_usd:-5"], first["band_usd:0"], first["band_usd:5"], first["band_usd:-10"]) == (
        3288.0, 1412.0, 2100.0, 0.0,
    )  # fmt: skip
    second = rows[1][0]
    assert second["cancelled_usd"] == 398.0  # 2 ALT at the cancelled order's 199
    assert second["mid"] == 199.5 and second["spread_bps"] == pytest.approx(3 / 199.5 * 10_000, abs=1e-6)
    assert second["depth_2pct_usd"] == 2402.0  # 195.51..203.49: 5 @ 198; 2 @ 201, 5 @ 202
    third = rows[2][0]
    assert (third["best_bid"], third["mid"], third["last_trade"]) == (190.0, 195.5, 190.0)
    assert third["depth_2pct_usd"] == 0.0 and third["cancelled_usd"] == 0.0  # nothing within 191.59..199.41


def test_a_books_summary_start_worst_and_totals(
    observed: tuple[BookMetrics, list[list[dict[str, Any]]]],
) -> None:
    metrics, _ = observed
    assert metrics.summary() == {
        "alpha:bk": {
            "depth_2pct_start_usd": 2800.0,
            "depth_2pct_min_usd": 0.0,
            "depth_2pct_min_block": 2,
            "depth_drop": 1.0,
            "spread_bps_start": 100.0,
            "spread_bps_max": round(11 / 195.5 * 10_000, 2),
            "spread_ratio_max": round(11 / 195.5 * 100, 6),
            "cancelled_usd": 398.0,
            "resting_usd_by_owner_start": {"market_maker": 800.0, "seed": 6000.0},
            # the maker's ask alone; the seed's 9 ALT @ 190 and its two asks
            "resting_usd_by_owner_min": {"market_maker": 402.0, "seed": 1710.0 + 1010.0 + 2100.0},
        }
    }


def test_an_untouched_book_is_revalued_at_the_quotes_reference_price() -> None:
    world, _ = book_world()
    metrics = BookMetrics.for_world(world, {}, {})
    metrics.observe(0, world, [])
    world.reference = {"ALT": 200.0, "USDT": 0.5}
    metrics.observe(1, world, [])
    row = metrics.rows()[0]
    assert row["venue"] == "" and row["mid"] == 100.0 and row["depth_2pct_usd"] == 1400.0
    assert row["resting_usd:other"] == 3400.0  # no owner known: 6800 USDT at half a dollar
    assert list(metrics.summary()) == ["bk"]


def test_one_sided_book_counts_depth_around_its_last_trade() -> None:
    world, book = book_world()
    book.sell_base(whole(17), 1, 0, 16)  # every bid taken: last trade at 190
    metrics = BookMetrics.for_world(world, {}, {})
    metrics.observe(0, world, [])
    row = metrics.rows()[0]
    assert row["best_bid"] == "" and row["mid"] == "" and row["spread_bps"] == ""
    assert row["depth_2pct_usd"] == 0.0  # 186.2..193.8 around 190: no ask there
    assert metrics.summary()["bk"]["spread_bps_start"] is None


def test_depeg_seconds_count_blocks_below_each_threshold_and_the_longest_stretch() -> None:
    keys = ["oracle:alpha:USDe", "oracle:alpha:ALT", "oracle:aave:USDe", "pool:curve:USDe", "ref:USDe"]
    clock = DepegClock.for_prices(keys, {"alpha": "alpha"}, ["USDe"], 12.0)
    assert clock.watched == {"alpha:USDe": "oracle:alpha:USDe", "pool:curve:USDe": "pool:curve:USDe"}
    for venue_price in (1.0, 0.94, 0.89, 0.79, 0.91, 0.85, math.nan, 1.0):
        clock.observe({"oracle:alpha:USDe": venue_price, "pool:curve:USDe": 0.99})
    summary = clock.summary()
    assert summary["alpha:USDe"] == {
        "below_0.95": 60.0, "longest_below_0.95": 60.0,  # blocks 1-5
        "below_0.90": 36.0, "longest_below_0.90": 24.0,  # blocks 2, 3 and 5
        "below_0.80": 12.0, "longest_below_0.80": 12.0,  # block 3
    }  # fmt: skip
    assert set(summary["pool:curve:USDe"].values()) == {0.0}


def liquidation(account: bytes, usd: float, market: str = "venue:alpha") -> Liquidation:
    return Liquidation(market, 1, 0, 0, "bot", account, 0, "", usd, "cross")


def test_liquidated_usd_by_the_liquidated_agents_kind() -> None:
    mm, whale, stranger = b"\x01" * 20, b"\x02" * 20, b"\x03" * 20
    tally = LiquidationsByKind({mm: "book_market_maker", whale: "whale"})
    tally.observe([liquidation(mm, 300.0), liquidation(whale, 500.0), liquidation(mm, 100.0, "lending:aave")])
    tally.observe([liquidation(stranger, 100.0)])
    assert tally.summary() == {
        "book_market_maker": {"usd": 400.0, "count": 2, "share": 0.4},
        "other": {"usd": 100.0, "count": 1, "share": 0.1},
        "whale": {"usd": 500.0, "count": 1, "share": 0.5},
    }
