"""Attribution of book-priced oracle moves (trades, market makers' cancels, the Shapley split between them) and of
cross-venue liquidations, on books and events built by hand with answers worked out on paper (no devnet)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import pytest

from sim.analysis.attribution import AnswerBook, Attribution, PositionKey
from sim.analysis.book_moves import (
    CROSS_VENUE,
    BookDriver,
    BookMoves,
    cross_cause,
    rescaled,
)
from sim.analysis.cascade_summary import cascade_summary
from sim.mirrors.orderbook import OrderBookMirror
from sim.node.events import Event
from sim.world.liquidations import BlockLiquidations, Liquidation

WAD = 10**18
SEED, MM, TAKER = "0x" + "f0" * 20, "0x" + "aa" * 20, "0x" + "cc" * 20
CAUSES = {"mm-0": "mm_withdrawal", "seller-0": "panic_sale", "liq-0": "liquidation_sale"}


def whole(units: float) -> int:
    return int(units * WAD)


@dataclass
class Chain:
    """One book 'on chain' (a mirror) whose calls give the events the contract emits."""

    book: OrderBookMirror = field(default_factory=lambda: OrderBookMirror(18, 6, WAD, 1))

    def place(self, owner: str, is_bid: bool, tick: int, amount: float, block: int, agent: str) -> Event:
        order_id = self.book.place_order(owner, is_bid, tick, whole(amount))
        args = {
            "orderId": order_id,
            "owner": owner,
            "tick": tick,
            "isBid": is_bid,
            "baseAmount": whole(amount),
        }
        return Event(block, 0, 0, agent, "pool:bk", "OrderPlaced", args | {"escrow": 0})

    def cancel(self, owner: str, tick: int, block: int, agent: str) -> Event:
        order_id = next(i for i in self.book.orders_of(owner) if self.book.get_order(i).tick == tick)
        remaining = self.book.get_order(order_id).remaining
        self.book.cancel_order(owner, order_id)
        args = {"orderId": order_id, "owner": owner, "baseRemaining": remaining, "refund": 0}
        return Event(block, 0, 0, agent, "pool:bk", "OrderCancelled", args)

    def sell(self, amount: float, block: int, agent: str, tx: int = 1) -> list[Event]:
        market = self.book.sell_base(whole(amount), 1, 0, 16)
        events = [
            Event(
                block,
                tx,
                i,
                agent,
                "pool:bk",
                "OrderFilled",
                {
                    "orderId": f.order_id,
                    "maker": f.maker,
                    "taker": TAKER,
                    "isBid": f.is_bid,
                    "tick": f.tick,
                    "baseAmount": f.base,
                    "quoteAmount": f.quote,
                    "makerFee": f.maker_fee,
                    "remaining": f.remaining,
                },
            )
            for i, f in enumerate(market.fills)
        ]
        events.append(
            Event(
                block,
                tx,
                len(events),
                agent,
                "pool:bk",
                "MarketOrder",
                {
                    "taker": TAKER,
                    "recipient": TAKER,
                    "isBuy": False,
                    "baseAmount": market.base,
                    "quoteAmount": market.quote,
                    "takerFee": market.taker_fee,
                    "levels": market.levels,
                    "lastTick": market.last_tick,
                },
            )
        )
        return events


def seeded() -> Chain:
    """Seed bids 5 @ 198 and 10 @ 190, asks 5 @ 202 and 10 @ 210; the market maker bids 4 @ 199."""
    chain = Chain()
    for is_bid, tick, amount in ((True, 198, 5), (True, 190, 10), (False, 202, 5), (False, 210, 10)):
        chain.book.place_order(SEED, is_bid, tick, whole(amount))
    chain.book.place_order(MM, True, 199, whole(4))
    return chain


@dataclass
class Recorder:
    parts: dict[tuple[str, str], dict[Any, float]] = field(default_factory=lambda: defaultdict(dict))

    def __getitem__(self, key: tuple[str, str]) -> Recorder.Key:
        return Recorder.Key(self.parts[key])

    @dataclass
    class Key:
        sums: dict[Any, float]

        def add(self, part: Any, change: float, block: int) -> None:
            self.sums[part] = self.sums.get(part, 0.0) + change


def moves(chain: Chain, oracle: str = "alpha", venue: str = "alpha", window: int = 10) -> BookMoves:
    drivers = {"bk": [BookDriver((oracle, "ALT"), "mid", 1.0)]}
    out = BookMoves.copying({"bk": chain.book}, drivers, {"bk": venue}, frozenset({"alpha", "beta"}), set())
    out.window = window
    return out


def feed(
    book_moves: BookMoves, events: list[Event], keys: Any, sale: tuple[int | None, str] | None = None
) -> None:
    for e in events:
        cause, parent = (sale[1], sale[0]) if sale is not None else (CAUSES.get(e.agent, "trade"), None)
        book_moves.observe("bk", e, cause, parent, keys)


def test_a_market_makers_cancel_that_moves_the_mid_is_mm_withdrawal() -> None:
    chain = seeded()
    book_moves, keys = moves(chain), Recorder()
    feed(book_moves, [chain.cancel(MM, 199, 1, "mm-0")], keys)
    # mid (199 + 202) / 2 -> (198 + 202) / 2
    assert keys.parts[("alpha", "ALT")] == {("mm_withdrawal", "mm-0", None): math.log(200 / 200.5)}


def test_a_trade_after_a_withdrawal_is_split_by_shapley() -> None:
    """The seller's 6 ALT take 5 @ 198 and 1 @ 190: mid 200 -> (190 + 202) / 2 = 196, a = ln(196 / 200). With the
    maker's 4 @ 199 put back, the same sell takes 4 @ 199 and 2 @ 198: mid 200.5 -> 200, c = ln(200 / 200.5). The
    trader gets (a + c) / 2, the withdrawal (a - c) / 2."""
    chain = seeded()
    book_moves, keys = moves(chain), Recorder()
    feed(book_moves, [chain.cancel(MM, 199, 1, "mm-0")], keys)
    feed(book_moves, chain.sell(6, 2, "seller-0"), keys)
    a, c = math.log(196 / 200), math.log(200 / 200.5)
    parts = keys.parts[("alpha", "ALT")]
    assert parts[("panic_sale", "seller-0", None)] == pytest.approx((a + c) / 2, abs=1e-12)
    assert parts[("mm_withdrawal", "market-makers", None)] == pytest.approx((a - c) / 2, abs=1e-12)
    assert parts[("mm_withdrawal", "mm-0", None)] == pytest.approx(math.log(200 / 200.5), abs=1e-12)


def test_cancels_older_than_the_window_or_requoted_are_not_withdrawn() -> None:
    chain = seeded()
    book_moves, keys = moves(chain, window=3), Recorder()
    feed(book_moves, [chain.cancel(MM, 199, 1, "mm-0")], keys)
    feed(book_moves, chain.sell(6, 4, "seller-0"), keys)  # 3 blocks later: out of the window
    assert keys.parts[("alpha", "ALT")][("panic_sale", "seller-0", None)] == math.log(196 / 200)
    assert ("mm_withdrawal", "market-makers", None) not in keys.parts[("alpha", "ALT")]
    chain = seeded()
    book_moves, keys = moves(chain), Recorder()
    feed(book_moves, [chain.cancel(MM, 199, 1, "mm-0"), chain.place(MM, True, 199, 4, 1, "mm-0")], keys)
    feed(book_moves, chain.sell(6, 2, "seller-0"), keys)  # re-quoted at the same level: nothing withdrawn
    parts = keys.parts[("alpha", "ALT")]
    assert ("mm_withdrawal", "market-makers", None) not in parts
    assert parts[("panic_sale", "seller-0", None)] == pytest.approx(math.log(200 / 200.5), abs=1e-12)


def test_a_liquidations_sale_on_a_book_and_a_quote_priced_answer() -> None:
    chain = seeded()
    book_moves = BookMoves.copying(
        {"bk": chain.book},
        {"bk": [BookDriver(("alpha", "ALT"), "last", 1.0), BookDriver(("alpha", "USDT"), "mid", -1.0)]},
        {"bk": "alpha"},
        frozenset({"alpha"}),
        set(),
    )
    keys = Recorder()
    feed(book_moves, chain.sell(6, 1, "liq-0"), keys, sale=(7, "liquidation_sale"))
    # 4 @ 199 and 2 @ 198: `last` had no trade, so it read the mid, 200.5, and now the last trade, 198; the
    # USDT answer moves with the inverse of the mid, (198 + 202) / 2 = 200
    assert keys.parts[("alpha", "ALT")] == {("liquidation_sale", "liq-0", 7): math.log(198 / 200.5)}
    assert keys.parts[("alpha", "USDT")] == {("liquidation_sale", "liq-0", 7): -math.log(200 / 200.5)}


def test_cross_venue_parts_and_the_median_rescale() -> None:
    assert cross_cause("panic_sale", "alpha", "beta", frozenset({"alpha", "beta"})) == CROSS_VENUE
    assert cross_cause("panic_sale", "beta", "beta", frozenset({"alpha", "beta"})) == "panic_sale"
    assert cross_cause("panic_sale", "alpha", "aave", frozenset({"alpha", "beta"})) == "panic_sale"
    assert cross_cause("panic_sale", "", "beta", frozenset({"alpha", "beta"})) == "panic_sale"
    parts = {("a", "x", None): -0.02, ("b", "y", None): -0.06}
    assert rescaled(parts, -0.04) == pytest.approx(
        {("a", "x", None): -0.01, ("b", "y", None): -0.03}, abs=1e-15
    )
    assert rescaled(parts, 0.01) == parts  # pointing the other way: kept, the rest is exogenous


@dataclass
class BetaProbe:
    """Venue beta: an account that goes under once beta's ALT mark falls below 197."""

    attribution: Attribution | None = None

    @property
    def label(self) -> str:
        return "venue:beta"

    @property
    def oracle(self) -> str:
        return "beta"

    def under_water(self) -> list[PositionKey]:
        assert self.attribution is not None
        return [(b"\xbb" * 20, 0)] if self.attribution.prices[("beta", "ALT")] < 197 * 10**8 else []

    def exposure(self, key: PositionKey) -> dict[str, float]:
        return {"ALT": 1_000.0}


def test_a_liquidation_on_beta_triggered_by_alphas_book_is_cross_venue() -> None:
    """A seller's 12 ALT on alpha's book (4 @ 199, 5 @ 198, 3 @ 190) move its mid from 200.5 to 196, which is beta's
    mark: the account beta liquidates next is charged to a cross-venue move by the seller, from alpha."""
    chain = seeded()
    probe = BetaProbe()
    attribution = Attribution(
        sources={}, probes=[probe], cause_of=CAUSES, pools={}, pool_labels={}, pool_tokens={"bk": ("ALT", "USDT")},
        token_names={}, prices={("beta", "ALT"): 2005 * 10**7}, books=moves(chain, oracle="beta"),
        venues=frozenset({"alpha", "beta"}),
    )  # fmt: skip
    probe.attribution = attribution
    assert isinstance(attribution.keys[("beta", "ALT")], AnswerBook)
    attribution.observe(
        1,
        chain.sell(12, 1, "seller-0"),
        liquidations=BlockLiquidations(),
        prices={("beta", "ALT"): 196 * 10**8},
    )
    account = b"\xbb" * 20
    started = Event(2, 0, 0, "liq-0", "venue:beta", "LiquidationStarted", {"account": account, "group": 0})
    liquidation = Liquidation("venue:beta", 2, 0, 0, "liq-0", account, 0, "", 5_000.0, "cross")
    records = attribution.observe(
        2, [started], liquidations=BlockLiquidations([liquidation]), prices={("beta", "ALT"): 196 * 10**8}
    )
    (record,) = records
    assert (record.cause, record.cause_agent, record.trigger_venue, record.wave) == (
        CROSS_VENUE, "seller-0", "alpha", 1,
    )  # fmt: skip
    assert record.row()["trigger_venue"] == "alpha"
    summary = cascade_summary(attribution.records)
    assert summary["by_cause"] == {CROSS_VENUE: {"count": 1, "usd": 5_000.0}}
