"""Drives the order book and its mirror side by side: every call goes to both, a predicted revert must revert
with the same custom error, and after each call the whole book (levels, queues, orders, owners' lists, best
prices, fees, token balances, depth) must agree to the wei, as must a third book rebuilt from the events alone.
It also checks, independently of the mirror, that the book never crosses, that a market order's fills are a
prefix of the book in price-time priority and that none is beyond the order's limit."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any, TypeVar

from eth_utils import keccak
from web3.exceptions import ContractCustomError, ContractLogicError

from sim.mirrors.orderbook import BookState, MarketFill, NewOrder, OrderBookError, OrderBookMirror

T = TypeVar("T")
BOOK_EVENTS = {
    "OrderPlaced",
    "OrderFilled",
    "OrderCancelled",
    "ProceedsClaimed",
    "MarketOrder",
    "FeesSet",
    "FeesCollected",
}
DEPTH_BPS = 200


def error_selectors(contract: Any) -> dict[str, bytes]:
    return {error.name: keccak(text=error.selector)[:4] for error in contract.contract_type.errors}


def revert_data(contract: Any, method: str, args: Sequence[Any], sender: Any) -> bytes | None:
    """The revert data of a call, or None when it succeeds: a raw eth_call, as ape traces every refusal."""
    data = getattr(contract, method).encode_input(*args)
    try:
        contract.provider.web3.eth.call({"to": contract.address, "from": sender.address, "data": data})
    except ContractCustomError as error:
        return bytes.fromhex(str(error.data)[2:])
    except ContractLogicError as error:
        return bytes.fromhex(str(error.data)[2:]) if error.data else b""
    return None


def as_tuple(order: NewOrder) -> tuple[bool, int, int]:
    return (order.is_bid, order.tick, order.base_amount)


class BookHarness:
    def __init__(
        self, book: Any, lens: Any, base: Any, quote: Any, mirror: OrderBookMirror, owners: list[Any]
    ):
        self.book, self.lens, self.base, self.quote = book, lens, base, quote
        self.mirror = mirror
        self.replay = copy.deepcopy(mirror)
        self.owners = [o.address for o in owners]
        self.selectors = error_selectors(book)
        self.closed: list[int] = []  # ids closed lately: the chain must answer them with empty views
        self.stats = {"reverts": 0, "fills": 0, "calls": 0}

    # ------------------------------------------------------------------ calls

    def send(
        self, method: str, args: Sequence[Any], sender: Any, predict: Callable[[], T]
    ) -> tuple[T, Any] | None:
        """Predicts with the mirror; on a predicted revert checks the chain refuses with the same error,
        otherwise sends the transaction, folds its events into the replay book and returns both."""
        try:
            result = predict()
        except OrderBookError as error:
            data = revert_data(self.book, method, args, sender)
            assert data is not None, f"{method}{tuple(args)} succeeded on chain; the mirror says {error}"
            assert data[:4] == self.selectors[error.name], (
                f"{method}: chain {data[:4].hex()} vs mirror {error}"
            )
            self.stats["reverts"] += 1
            return None
        receipt = getattr(self.book, method)(*args, sender=sender)
        self.stats["calls"] += 1
        self._replay(receipt)
        return result, receipt

    def place(self, who: Any, is_bid: bool, tick: int, amount: int) -> int | None:
        sent = self.send(
            "placeOrder",
            [is_bid, tick, amount],
            who,
            lambda: self.mirror.place_order(who.address, is_bid, tick, amount),
        )
        if sent is None:
            return None
        order_id, receipt = sent
        self.expect_transfers(receipt, [(self._token(is_bid), who.address, self.book.address,
                                         self.mirror.escrow_for(is_bid, tick, amount))])  # fmt: skip
        return order_id

    def place_many(self, who: Any, orders: Sequence[NewOrder]) -> list[int] | None:
        return self._maker_call(
            "placeOrders",
            [[as_tuple(o) for o in orders]],
            who,
            lambda: self.mirror.place_orders(who.address, orders),
        )

    def cancel(self, who: Any, ids: Sequence[int]) -> tuple[int, int] | None:
        paid = self._maker_call(
            "cancelOrders", [list(ids)], who, lambda: self.mirror.cancel_orders(who.address, ids)
        )
        if paid is not None:
            self.closed.extend(ids)
        return paid

    def cancel_all(self, who: Any, max_orders: int) -> tuple[int, int, int] | None:
        ids = self.mirror.orders_of(who.address)[:max_orders]
        result = self._maker_call(
            "cancelAllOrders",
            [max_orders],
            who,
            lambda: self.mirror.cancel_all_orders(who.address, max_orders),
        )
        if result is not None:
            self.closed.extend(ids)
        return result

    def replace_orders(
        self, who: Any, cancel_ids: Sequence[int], orders: Sequence[NewOrder]
    ) -> list[int] | None:
        ids = self._maker_call(
            "replaceOrders",
            [list(cancel_ids), [as_tuple(o) for o in orders]],
            who,
            lambda: self.mirror.replace_orders(who.address, cancel_ids, orders),
        )
        if ids is not None:
            self.closed.extend(cancel_ids)
        return ids

    def claim(self, who: Any, ids: Sequence[int]) -> tuple[int, int] | None:
        orders = self.mirror.state.orders
        closing = [i for i in ids if i in orders and orders[i].remaining == 0]
        paid = self._maker_call("claim", [list(ids)], who, lambda: self.mirror.claim(who.address, ids))
        if paid is not None:
            self.closed.extend(closing)
        return paid

    def _maker_call(self, method: str, args: Sequence[Any], who: Any, predict: Callable[[], T]) -> T | None:
        """A maker's call settles the net of escrows and payouts: one transfer per token, base first, each
        the change of what the mirror says the book must hold."""
        before = self.mirror.holdings()
        sent = self.send(method, args, who, predict)
        if sent is None:
            return None
        result, receipt = sent
        after = self.mirror.holdings()
        expected = []
        for token, old, new in ((self.base, before[0], after[0]), (self.quote, before[1], after[1])):
            if new > old:
                expected.append((token, who.address, self.book.address, new - old))
            elif old > new:
                expected.append((token, self.book.address, who.address, old - new))
        self.expect_transfers(receipt, expected)
        return result

    def sell(
        self, who: Any, amount: int, limit: int, min_out: int, levels: int, to: Any
    ) -> MarketFill | None:
        return self._market(
            "sellBase",
            [amount, limit, min_out, levels, to],
            who,
            lambda: self.mirror.sell_base(amount, limit, min_out, levels, to.address),
            limit,
        )

    def buy(self, who: Any, amount: int, limit: int, max_in: int, levels: int, to: Any) -> MarketFill | None:
        return self._market(
            "buyBase",
            [amount, limit, max_in, levels, to],
            who,
            lambda: self.mirror.buy_base(amount, limit, max_in, levels, to.address),
            limit,
        )

    def spend(
        self, who: Any, amount: int, limit: int, min_out: int, levels: int, to: Any
    ) -> MarketFill | None:
        return self._market(
            "spendQuote",
            [amount, limit, min_out, levels, to],
            who,
            lambda: self.mirror.spend_quote(amount, limit, min_out, levels, to.address),
            limit,
        )

    def _market(
        self, method: str, args: list[Any], who: Any, predict: Callable[[], MarketFill], limit: int
    ) -> MarketFill | None:
        before = self.mirror.state
        sent = self.send(method, args, who, predict)
        if sent is None:
            return None
        market, receipt = sent
        fills = [log for log in receipt.events if log.event_name == "OrderFilled"]
        assert [_fill_tuple(log.event_arguments) for log in fills] == [
            (f.order_id, f.maker, f.is_bid, f.tick, f.base, f.quote, f.maker_fee, f.remaining)
            for f in market.fills
        ]
        assert all(log.event_arguments["taker"] == who.address for log in fills)
        check_priority_prefix(before, market)
        check_within_limit(market, limit)
        self.stats["fills"] += len(market.fills)
        recipient = args[-1].address
        given, got = market.amounts if not market.is_buy else (market.amounts[1], market.amounts[0])
        if market.base == 0:
            self.expect_transfers(receipt, [])
            return market
        summary = [log.event_arguments for log in receipt.events if log.event_name == "MarketOrder"]
        assert len(summary) == 1
        assert (summary[0]["baseAmount"], summary[0]["quoteAmount"], summary[0]["takerFee"]) == (
            market.base,
            market.quote,
            market.taker_fee,
        )
        assert (summary[0]["levels"], summary[0]["lastTick"]) == (market.levels, market.last_tick)
        token_in, token_out = (self.quote, self.base) if market.is_buy else (self.base, self.quote)
        self.expect_transfers(
            receipt,
            [
                (token_in, who.address, self.book.address, given),
                (token_out, self.book.address, recipient, got),
            ],
        )
        return market

    # ------------------------------------------------------------------ checks

    def expect_transfers(self, receipt: Any, expected: Sequence[tuple[Any, str, str, int]]) -> None:
        """The receipt's token transfers, in order, are exactly `expected` (zero amounts are not sent)."""
        moves = [
            (
                log.contract_address,
                log.event_arguments["from"],
                log.event_arguments["to"],
                log.event_arguments["value"],
            )
            for log in receipt.events
            if log.event_name == "Transfer"
        ]
        want = [(token.address, src, dst, amount) for token, src, dst, amount in expected if amount]
        assert moves == want

    def check_state(self) -> None:
        """The chain equals the mirror and the replayed book; the book does not cross; balances cover escrow."""
        m = self.mirror
        ids = sorted(m.state.orders)
        probe = ids + self.closed[-8:]
        snap = self.lens.snapshot(self.book, probe, self.owners, DEPTH_BPS)
        if snap.bestBid and snap.bestAsk:
            assert snap.bestBid < snap.bestAsk, "the book crossed"
        assert (snap.bestBid, snap.bestAsk) == (m.best_bid()[0], m.best_ask()[0])
        assert snap.midPrice == m.mid_price()
        assert (snap.lastTradeTick, snap.lastTradePrice) == m.last_trade()[:2]
        assert (snap.feesBase, snap.feesQuote) == m.accrued_fees()
        assert snap.nextOrderId == m.state.next_id
        assert (snap.balanceBase, snap.balanceQuote) == m.holdings(), "escrow + proceeds + fees != balances"
        assert [tuple(lv) for lv in snap.bids] == [tuple(lv) for lv in m.levels(True)]
        assert [tuple(lv) for lv in snap.asks] == [tuple(lv) for lv in m.levels(False)]
        assert list(snap.bestBidQueue) == m.level_orders(True, snap.bestBid)
        assert list(snap.bestAskQueue) == m.level_orders(False, snap.bestAsk)
        for order_id, view in zip(probe, snap.orders, strict=True):
            if order_id in m.state.orders:
                assert tuple(view) == tuple(m.get_order(order_id))
            else:
                assert view.owner == "0x0000000000000000000000000000000000000000"
        assert [list(ids) for ids in snap.ordersOf] == [m.orders_of(owner) for owner in self.owners]
        assert tuple(snap.depth) == tuple(m.depth_within(DEPTH_BPS))
        assert _comparable(self.replay.state) == _comparable(m.state), "the events do not rebuild the book"

    def _replay(self, receipt: Any) -> None:
        for log in receipt.events:
            if log.contract_address == self.book.address and log.event_name in BOOK_EVENTS:
                self.replay.apply_event(log.event_name, log.event_arguments)

    def _token(self, is_bid: bool) -> Any:
        return self.quote if is_bid else self.base


def _fill_tuple(args: Any) -> tuple[Any, ...]:
    keys = ("orderId", "maker", "isBid", "tick", "baseAmount", "quoteAmount", "makerFee", "remaining")
    return tuple(args[k] for k in keys)


def _comparable(state: BookState) -> BookState:
    """The state without the last trade's time and block (the replay is not given them here)."""
    return replace(state, last_trade_time=0, last_trade_block=0)


def check_priority_prefix(before: BookState, market: MarketFill) -> None:
    """Fills must take the resting orders in price-time priority: best price first, oldest first within a
    price, every order but the last filled completely, no order skipped."""
    side = not market.is_buy  # the makers' side: asks for a buy
    ticks = before.ticks[side]
    priority = [i for t in (reversed(ticks) if side else ticks) for i in before.queues[(side, t)]]
    taken = [f.order_id for f in market.fills]
    assert taken == priority[: len(taken)], "a fill jumped the queue"
    for fill in market.fills[:-1]:
        assert fill.remaining == 0, "an order was left partly filled before a later one filled"


def check_within_limit(market: MarketFill, limit: int) -> None:
    for fill in market.fills:
        assert fill.tick <= limit if market.is_buy else fill.tick >= limit, "filled beyond the limit price"
