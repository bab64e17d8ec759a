"""Attribution of oracle moves that order books drive (`mid`, `last`, and the book constituents of a `median`),
and the cross-venue rule.

Each book the oracles read is replayed here event by event on a copy of its mirror, so every event's effect on
the book's mid and last trade is known where it happens in the block:

- a market order (its OrderFilled events, then its MarketOrder) moves the price for its taker: the transaction's
  agent, with that agent's cause; in a venue liquidation's transaction the move is that liquidation's sale. When
  market makers cancelled orders in the last `window` blocks, the move has two causes, the trade and the
  withdrawal; with `a` the actual log change and `c` the change the same market order makes on the book with
  those cancelled orders put back (the mirror's state cloned, the orders re-appended, the order walked again),
  the trade gets (a + c) / 2 and `mm_withdrawal` (a - c) / 2, the Shapley values of the two (the same split as
  a constant-product pool's LP withdrawal). A withdrawal share against the move's direction is not counted.
- a cancel moves the price for the cancelling agent with its cause (a market maker's: `mm_withdrawal`); a
  cancel inside a venue liquidation's transaction is that liquidation's.
- a placed order that moves the mid (a new best bid or ask) does so for its owner's agent and cause. A market
  maker re-placing at a level it cancelled in the window takes that volume back from the withdrawal.

A median answer moves with its constituents, each weighted by its share of the weights; the parts are then
scaled so that they sum to the answer's actual change when they point the same way (the median follows its
middle constituent, so the weighted sum over- or under-shoots it).

Cross-venue: a part whose price source sits on venue A (a book or pool of A) and that moves the oracle of
another venue B is `cross_venue`, whatever moved A's price, so a liquidation on B charged to it is counted under
`cross_venue` (with its liquidation parent kept, for the waves). A lending oracle reading a venue's book is not
a venue, and keeps the part's own cause."""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from sim.agents.base import Cause
from sim.mirrors.orderbook import MAX_TICK, OrderBookMirror
from sim.mirrors.orderbook.replay import apply_event
from sim.mirrors.orderbook.state import Order, append, apply_fill
from sim.node.events import Event

CROSS_VENUE = Cause.CROSS_VENUE.value
MM_WITHDRAWAL = Cause.MM_WITHDRAWAL.value
LIQUIDATION_SALE = Cause.LIQUIDATION_SALE.value
WITHDRAWAL_WINDOW = 10  # blocks: market makers' cancels this recent count as withdrawn depth
WALK_LEVELS = 4_096  # levels the counterfactual market order may take
Part = tuple[str, str, int | None]
Key = tuple[str, str]


class KeyBook(Protocol):
    def add(self, part: Part, change: float, block: int) -> None: ...


@dataclass(frozen=True)
class BookDriver:
    """One oracle answer a book drives: its key, which price it reads (`mid` or `last`), its signed weight
    (negative when the answer prices the book's quote)."""

    key: Key
    price: str
    weight: float


def cross_cause(cause: str, source_venue: str, oracle: str, venues: frozenset[str]) -> str:
    """`cross_venue` for a move made on venue `source_venue` of another venue's oracle, else `cause`."""
    if source_venue and oracle in venues and oracle != source_venue:
        return CROSS_VENUE
    return cause


def charge(
    answer: KeyBook,
    part_venue: dict[Part, str],
    venues: frozenset[str],
    oracle: str,
    venue: str,
    part: Part,
    weight: float,
    change: float,
    withdrawal: float,
    block: int,
) -> None:
    """Add one trade's log change of a source (a book's or pool's price, `change`) to an answer of `oracle` that
    the source drives with `weight`: the `withdrawal` share to the market makers, the rest to `part`; either is
    `cross_venue` when the source sits on a venue (`venue`) other than the oracle's (the source venue is kept
    in `part_venue`)."""
    if withdrawal != 0.0:
        mm = (cross_cause(MM_WITHDRAWAL, venue, oracle, venues), "market-makers", None)
        if mm[0] == CROSS_VENUE:
            part_venue[mm] = venue
        answer.add(mm, weight * withdrawal, block)
    own = (cross_cause(part[0], venue, oracle, venues), part[1], part[2])
    if own[0] == CROSS_VENUE:
        part_venue[own] = venue
    answer.add(own, weight * (change - withdrawal), block)


def rescaled(parts: Mapping[Part, float], total: float) -> dict[Part, float]:
    """A median's parts scaled to sum to its actual change `total` when they point the same way."""
    found = sum(parts.values())
    if found == 0.0 or total == 0.0 or found * total < 0:
        return dict(parts)
    return {part: value * total / found for part, value in parts.items()}


def book_price(book: OrderBookMirror, kind: str) -> int:
    """A book's price as an oracle reads it: `mid` (the last trade when a side is empty) or `last` (the mid
    before any trade)."""
    mid, last = book.mid_price(), book.last_trade()[1]
    if kind == "last":
        return last if last > 0 else mid
    return mid if mid > 0 else last


def _ln(new: int, old: int) -> float:
    return math.log(new / old) if new > 0 and old > 0 else 0.0


@dataclass
class _Withdrawn:
    block: int
    order: Order  # as it rested when cancelled (its remaining volume)


@dataclass
class BookMoves:
    """The books the oracles read (own copies), which answers each drives, and the market makers' recent
    cancels per book."""

    books: dict[str, OrderBookMirror]  # by pool name
    drivers: dict[str, list[BookDriver]]
    venue_of: dict[str, str]  # pool -> its venue's name ("" outside venues)
    venues: frozenset[str]
    medians: set[Key] = field(default_factory=set)
    window: int = WITHDRAWAL_WINDOW
    withdrawn: dict[str, list[_Withdrawn]] = field(default_factory=lambda: defaultdict(list))
    part_venue: dict[Part, str] = field(default_factory=dict)  # a cross_venue part's source venue
    _before: dict[str, tuple[int, OrderBookMirror]] = field(default_factory=dict)  # pre-trade copy, by tx
    _pruned: dict[str, int] = field(
        default_factory=dict
    )  # the block each `withdrawn` list was last pruned at

    @classmethod
    def copying(
        cls,
        books: Mapping[str, OrderBookMirror],
        drivers: dict[str, list[BookDriver]],
        venue_of: Mapping[str, str],
        venues: frozenset[str],
        medians: set[Key],
    ) -> BookMoves:
        return cls({n: _copy(books[n]) for n in drivers}, drivers, dict(venue_of), venues, medians)

    def book_of(self, contract: str) -> str | None:
        """The book an event's contract label names, if attribution follows it."""
        name = contract[5:] if contract.startswith("pool:") else None
        return name if name is not None and name in self.books else None

    def observe(
        self, name: str, event: Event, cause: str, parent: int | None, keys: MutableMapping[Key, Any]
    ) -> None:
        """Fold one event of book `name` in, adding the price change it made to the answers it drives, for the
        transaction's `cause` (and the liquidation `parent` whose sale it is, if any)."""
        book = self.books[name]
        if event.name == "OrderFilled":
            before = self._before.get(name)
            if before is None or before[0] != event.tx_index:
                self._before[name] = (event.tx_index, _copy(book))
            self._replay(book, event)
            return
        old = {d.price: book_price(book, d.price) for d in self.drivers[name]}
        cancelled = book.state.orders.get(int(event.args.get("orderId", 0)))
        start = self._before.pop(name, None) if event.name == "MarketOrder" else None
        if start is not None:
            old = {kind: book_price(start[1], kind) for kind in old}
        self._replay(book, event)
        self._track(name, event, cause, cancelled)
        new = {kind: book_price(book, kind) for kind in old}
        actual = {kind: _ln(new[kind], old[kind]) for kind in old}
        thin = (
            self._thin(name, event, start[1] if start is not None else book, actual)
            if event.name == "MarketOrder"
            else dict.fromkeys(old, 0.0)
        )
        for driver in self.drivers[name]:
            if actual[driver.price] == 0.0:
                continue
            charge(
                keys[driver.key], self.part_venue, self.venues, driver.key[0], self.venue_of.get(name, ""),
                (cause, event.agent, parent), driver.weight, actual[driver.price], thin[driver.price], event.block,
            )  # fmt: skip

    @staticmethod
    def _replay(book: OrderBookMirror, event: Event) -> None:
        """The event folded into this copy's state in place (the mirror's `apply_event` clones the state first,
        for atomicity a private replay copy does not need)."""
        apply_event(book.state, event.name, event.args, book.tick_size, book.divisor, 0, event.chain_block)

    def _track(self, name: str, event: Event, cause: str, cancelled: Order | None) -> None:
        """Market makers' cancels join the withdrawn orders; their re-placements at a cancelled level take
        that volume back; orders older than the window drop out (once per block: the list is in block order)."""
        recent = self.withdrawn[name]
        if self._pruned.get(name) != event.block:
            self._pruned[name] = event.block
            cutoff = event.block - self.window
            old = next((i for i, w in enumerate(recent) if w.block > cutoff), len(recent))
            del recent[:old]
        if event.name == "OrderCancelled" and cause == MM_WITHDRAWAL and cancelled is not None:
            if cancelled.remaining:
                recent.append(_Withdrawn(event.block, cancelled))
        elif event.name == "OrderPlaced" and cause == MM_WITHDRAWAL:
            owner, is_bid, tick = str(event.args["owner"]), bool(event.args["isBid"]), int(event.args["tick"])
            left = int(event.args["baseAmount"])
            i = 0
            while left and i < len(recent):
                o = recent[i].order
                if (o.owner, o.is_bid, o.tick) == (owner, is_bid, tick):
                    taken = min(left, o.remaining)
                    left -= taken
                    if taken == o.remaining:
                        del recent[i]
                        continue
                    recent[i] = _Withdrawn(
                        recent[i].block, Order(o.id, o.owner, o.is_bid, o.tick, o.remaining - taken, 0)
                    )
                i += 1

    def _thin(
        self, name: str, event: Event, before: OrderBookMirror, actual: Mapping[str, float]
    ) -> dict[str, float]:
        """The withdrawal's Shapley share of a market order's change, per price kind: (a - c) / 2, with c the
        change of the same order on the book before it with the withdrawn orders put back."""
        withdrawn = [w.order for w in self.withdrawn.get(name, []) if w.order.id not in before.state.orders]
        if not withdrawn:
            return dict.fromkeys(actual, 0.0)
        book = _copy(before)
        for order in withdrawn:
            append(book.state, order.id, order.owner, order.is_bid, order.tick, order.remaining)
        start = {kind: book_price(book, kind) for kind in actual}
        is_buy = bool(event.args["isBuy"])
        walk = book.preview(
            is_buy, False, int(event.args["baseAmount"]), MAX_TICK if is_buy else 1, WALK_LEVELS
        )
        for fill in walk.fills:
            apply_fill(book.state, fill)
        if walk.base:
            book.state.last_trade_tick = walk.last_tick
        out = {}
        for kind, a in actual.items():
            c = _ln(book_price(book, kind), start[kind])
            share = (a - c) / 2
            out[kind] = share if share * a > 0 else 0.0
        return out


def _copy(book: OrderBookMirror) -> OrderBookMirror:
    out = copy.copy(book)
    out.state = book.state.clone()
    return out
