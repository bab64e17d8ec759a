"""books.csv and summary.json's `books`: every order book's state each block (best bid and ask, mid, spread,
depth within 2% of the mid, resting volume by owner kind and by price band, volume cancelled), and per book its
start, its worst block and its totals.

A book's row is recomputed only in blocks whose events touched it; the others reuse their cached figures in
quote units, valued at the block's reference price of the quote (a cheap product per book)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sim.mirrors.orderbook import BPS, OrderBookMirror, quote_down
from sim.node.events import Event
from sim.world.world import World

DEPTH_BPS = 200  # depth within 2% of the mid
SEED = "seed"  # the funder's passive ladder
OTHER = "other"  # an owner no agent of the run holds (a venue contract, a stranger)
# Resting volume by price band relative to the book's start price, in 5% bands from -100% to +20%.
BAND_PCT = 5
BANDS = tuple(range(-100, 20, BAND_PCT))
BASE_COLUMNS = (
    "block", "book", "venue", "best_bid", "best_ask", "mid", "last_trade", "spread_bps", "depth_2pct_bid_usd",
    "depth_2pct_ask_usd", "depth_2pct_usd", "cancelled_usd", "orders",
)  # fmt: skip


@dataclass(frozen=True)
class BookRef:
    """One order book: its pool name, its venue's name ("" for a book outside any venue), base and quote."""

    name: str
    venue: str
    base: str
    quote: str

    @property
    def key(self) -> str:
        """summary.json's `books` key: "<venue>:<market>" (the pool name alone outside a venue)."""
        return f"{self.venue}:{self.name}" if self.venue else self.name


@dataclass
class _Figures:
    """A book's figures in quote units (prices as quote per whole base), valid until its next event."""

    bid: float = math.nan
    ask: float = math.nan
    mid: float = math.nan
    last: float = math.nan
    depth_bid: float = 0.0
    depth_ask: float = 0.0
    resting: dict[str, float] = field(default_factory=dict)  # owner kind -> quote value
    bands: dict[int, float] = field(default_factory=dict)  # band's lower edge (%) -> quote value
    orders: int = 0
    reserves: tuple[int, ...] = (0, 0)  # the pool view's reserves (base on the asks, quote behind the bids)


@dataclass
class _Tally:
    """A book's summary so far."""

    depth_start: float | None = None
    depth_min: float = math.inf
    depth_min_block: int = 0
    spread_start: float | None = None
    spread_max: float = 0.0
    cancelled: float = 0.0
    resting_start: dict[str, float] | None = None
    resting_min: dict[str, float] = field(default_factory=dict)


def depth_around(book: OrderBookMirror, center: int, bps: int) -> tuple[int, int]:
    """(bid, ask) quote value resting within `bps` of `center` (a WAD price), as the contract's
    `depthWithin` counts around its mid (levels valued at their own prices, rounded down)."""
    if center <= 0:
        return (0, 0)
    low = 0 if bps >= BPS else center * (BPS - bps)
    high = center * (BPS + bps)
    bid = sum(
        quote_down(lv.base_volume, lv.price, book.divisor)
        for lv in book.levels(True)
        if lv.price * BPS >= low
    )
    ask = sum(
        quote_down(lv.base_volume, lv.price, book.divisor)
        for lv in book.levels(False)
        if lv.price * BPS <= high
    )
    return (bid, ask)


def figures_of(
    book: OrderBookMirror, quote_unit: int, start_price: float, kind_of: Mapping[str, str]
) -> _Figures:
    """A book's figures now: prices in quote per base, volumes in whole quote tokens. Depth is counted around
    the mid, else around the last trade (a one-sided book), else it is 0."""
    wad = 10**18
    bid_tick, bid_price, _ = book.best_bid()
    ask_tick, ask_price, _ = book.best_ask()
    mid = book.mid_price()
    last = book.last_trade()[1]
    center = mid if mid > 0 else last
    depth_bid, depth_ask = depth_around(book, center, DEPTH_BPS)
    out = _Figures(
        bid=bid_price / wad if bid_tick else math.nan,
        ask=ask_price / wad if ask_tick else math.nan,
        mid=mid / wad if mid else math.nan,
        last=last / wad if last else math.nan,
        depth_bid=depth_bid / quote_unit,
        depth_ask=depth_ask / quote_unit,
    )
    band_of: dict[int, int] = {}  # tick -> band
    for order in book.state.orders.values():
        if not order.remaining:
            continue
        out.orders += 1
        price = book.price(order.tick)
        value = quote_down(order.remaining, price, book.divisor) / quote_unit
        kind = kind_of.get(order.owner, OTHER)
        out.resting[kind] = out.resting.get(kind, 0.0) + value
        if start_price > 0:
            band = band_of.get(order.tick)
            if band is None:
                band = band_of[order.tick] = _band(price / wad / start_price)
            out.bands[band] = out.bands.get(band, 0.0) + value
    return out


def _band(ratio: float) -> int:
    """The 5% band (lower edge, % from the start price) of a price `ratio` times the start; clamped to
    -100..+15 (the top band holds everything above +15%)."""
    edge = math.floor(round((ratio - 1.0) * 100 / BAND_PCT, 9)) * BAND_PCT  # 0.95 is -5%, not below it
    return max(BANDS[0], min(BANDS[-1], edge))


@dataclass
class BookMetrics:
    """Fed once per block after the world's refresh (`observe`), gives that block's books.csv rows (`rows`) and
    the run's per-book summary (`summary`). `kind_of` maps owners ("0x..." lowercase, as the books hold
    them) to agent kinds; the funder is `seed`."""

    books: list[BookRef]
    kind_of: Mapping[str, str]
    kinds: list[str]
    start_price: dict[str, float] = field(default_factory=dict)  # quote per base at the first observation
    ticks: dict[tuple[str, int], tuple[int, bool]] = field(default_factory=dict)  # order's (tick, is_bid)
    _figures: dict[str, _Figures] = field(default_factory=dict)
    _tallies: dict[str, _Tally] = field(default_factory=dict)
    _rows: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def for_world(cls, world: World, venue_of: Mapping[str, str], kind_of: Mapping[str, str]) -> BookMetrics:
        """Every book of the world, in pool order; `venue_of` maps a pool to its venue's name."""
        books = [
            BookRef(name, venue_of.get(name, ""), view.info.tokens[0], view.info.tokens[1])
            for name, view in world.pools.items()
            if view.book is not None
        ]
        kinds = sorted({*kind_of.values(), SEED, OTHER})
        metrics = cls(books, kind_of, kinds)
        for ref in books:
            book = world.pools[ref.name].book
            assert book is not None
            for order in book.state.orders.values():
                metrics.ticks[(ref.name, order.id)] = (order.tick, order.is_bid)
        return metrics

    @property
    def columns(self) -> list[str]:
        return [
            *BASE_COLUMNS,
            *(f"resting_usd:{kind}" for kind in self.kinds),
            *(f"band_usd:{edge}" for edge in BANDS),
        ]

    def observe(self, block: int, world: World, events: Sequence[Event]) -> None:
        """Fold one block in: the cancellations of its events (valued at their orders' prices), then the
        figures of every book it touched, then each book's row at this block's reference prices."""
        touched: set[str] = set()
        cancelled: dict[str, float] = {}
        for event in events:
            name = event.contract.removeprefix("pool:")
            if not event.contract.startswith("pool:") or world.pools.get(name) is None:
                continue
            view = world.pools[name]
            if view.book is None:
                continue
            touched.add(name)
            order_id = int(event.args.get("orderId", 0))
            if event.name == "OrderPlaced":
                self.ticks[(name, order_id)] = (int(event.args["tick"]), bool(event.args["isBid"]))
            elif event.name == "OrderFilled" and int(event.args["remaining"]) == 0:
                self.ticks.pop((name, order_id), None)  # filled: it can no longer be cancelled with volume
            elif event.name == "OrderCancelled":
                tick, _ = self.ticks.pop((name, order_id), (0, False))
                value = quote_down(int(event.args["baseRemaining"]), view.book.price(tick), view.book.divisor)
                cancelled[name] = cancelled.get(name, 0.0) + value / 10 ** view.decimals[1]
        self._rows = []
        for ref in self.books:
            view = world.pools[ref.name]
            assert view.book is not None
            if ref.name in touched or ref.name not in self._figures:
                if ref.name not in self.start_price:
                    self.start_price[ref.name] = view.book_price() / 1e18
                figures = figures_of(
                    view.book, 10 ** view.decimals[1], self.start_price[ref.name], self.kind_of
                )
                figures.reserves = view.reserves()
                self._figures[ref.name] = figures
            usd = world.reference.get(ref.quote, 1.0)
            self._rows.append(self._row(block, ref, usd, cancelled.get(ref.name, 0.0) * usd))

    def _row(self, block: int, ref: BookRef, usd: float, cancelled_usd: float) -> dict[str, Any]:
        f = self._figures[ref.name]
        spread = (f.ask - f.bid) / f.mid * BPS if not math.isnan(f.mid) else math.nan
        depth = (f.depth_bid + f.depth_ask) * usd
        resting = {kind: f.resting.get(kind, 0.0) * usd for kind in self.kinds}
        tally = self._tallies.setdefault(ref.name, _Tally())
        if tally.depth_start is None:
            tally.depth_start, tally.resting_start = depth, dict(resting)
            tally.spread_start = None if math.isnan(spread) else spread
        if depth < tally.depth_min:
            tally.depth_min, tally.depth_min_block = depth, block
        if not math.isnan(spread):
            tally.spread_start = spread if tally.spread_start is None else tally.spread_start
            tally.spread_max = max(tally.spread_max, spread)
        tally.cancelled += cancelled_usd
        for kind, value in resting.items():
            tally.resting_min[kind] = min(tally.resting_min.get(kind, math.inf), value)
        row: dict[str, Any] = {
            "block": block,
            "book": ref.name,
            "venue": ref.venue,
            "best_bid": _fmt(f.bid * usd),
            "best_ask": _fmt(f.ask * usd),
            "mid": _fmt(f.mid * usd),
            "last_trade": _fmt(f.last * usd),
            "spread_bps": _fmt(spread),
            "depth_2pct_bid_usd": _fmt(f.depth_bid * usd),
            "depth_2pct_ask_usd": _fmt(f.depth_ask * usd),
            "depth_2pct_usd": _fmt(depth),
            "cancelled_usd": _fmt(cancelled_usd),
            "orders": f.orders,
        }
        row |= {f"resting_usd:{kind}": _fmt(value) for kind, value in resting.items()}
        row |= {f"band_usd:{edge}": _fmt(f.bands.get(edge, 0.0) * usd) for edge in BANDS}
        return row

    def reserves(self, name: str) -> tuple[int, ...] | None:
        """Book `name`'s reserves (`PoolView.reserves`) as of the last observed block, kept from the block that
        last touched it (None: not a book, or not observed yet)."""
        figures = self._figures.get(name)
        return figures.reserves if figures is not None else None

    def rows(self) -> list[dict[str, Any]]:
        """The last observed block's rows, one per book."""
        return list(self._rows)

    def summary(self) -> dict[str, dict[str, Any]]:
        """Per book (`<venue>:<market>`): depth within 2% of the mid (bid and ask sides summed) at the start,
        its minimum and when, the drop; the spread at the start, its maximum and their ratio; USD cancelled;
        resting USD by owner kind at the start and at its minimum."""
        out: dict[str, dict[str, Any]] = {}
        for ref in self.books:
            t = self._tallies.get(ref.name)
            if t is None or t.depth_start is None:
                continue
            start, low = t.depth_start, t.depth_min
            spread = t.spread_start
            out[ref.key] = {
                "depth_2pct_start_usd": _round(start),
                "depth_2pct_min_usd": _round(low),
                "depth_2pct_min_block": t.depth_min_block,
                "depth_drop": _round(1 - low / start, 6) if start > 0 else None,
                "spread_bps_start": _round(spread) if spread is not None else None,
                "spread_bps_max": _round(t.spread_max) if spread is not None else None,
                "spread_ratio_max": _round(t.spread_max / spread, 6) if spread else None,
                "cancelled_usd": _round(t.cancelled),
                "resting_usd_by_owner_start": {k: _round(v) for k, v in (t.resting_start or {}).items() if v},
                "resting_usd_by_owner_min": {
                    k: _round(v) for k, v in t.resting_min.items() if (t.resting_start or {}).get(k)
                },
            }
        return out


def _round(value: float, digits: int = 2) -> float:
    return round(value, digits)


def _fmt(value: float) -> float | str:
    return "" if math.isnan(value) else float(f"{value:.10g}")
