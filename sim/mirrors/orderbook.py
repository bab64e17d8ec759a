"""Mirror of OrderBook (contracts/venue/OrderBook.sol), to the wei: placement, matching, fees, escrow, cancels,
claims and views, and the book rebuilt from its events alone.

Units as on chain: prices are WAD quote per base (whole tokens), tick t is price t * tick_size, amounts are
token units, fees are pips (1e-6) of what each party receives. A call the contract would revert raises
OrderBookError carrying the Solidity error's name, and leaves the mirror unchanged.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

MAX_TICK = 2**24 - 1
MAX_FEE_PIPS = 100_000
FEE_DENOMINATOR = 1_000_000
BPS = 10_000
UINT96_MAX = 2**96 - 1
UINT32_MAX = 2**32 - 1


class OrderBookError(ValueError):
    """A call the contract would revert; `name` is the Solidity custom error (e.g. "OrderWouldCross")."""

    def __init__(self, name: str, *args: int | str) -> None:
        super().__init__(f"{name}{args}" if args else name)
        self.name = name
        self.args_ = args


# ------------------------------------------------------------------------------------------------ math


def quote_down(base: int, price: int, divisor: int) -> int:
    """base * price / divisor rounded down: what the book pays for `base`."""
    return base * price // divisor


def quote_up(base: int, price: int, divisor: int) -> int:
    """base * price / divisor rounded up: what the book collects for `base`."""
    return -(-base * price // divisor)


def base_down(quote: int, price: int, divisor: int) -> int:
    """The most base `quote` pays for at `price` once rounded up."""
    return quote * divisor // price


def fee_up(amount: int, pips: int) -> int:
    """amount * pips / 1e6 rounded up."""
    return -(-amount * pips // FEE_DENOMINATOR)


def price_divisor(base_decimals: int, quote_decimals: int) -> int:
    """10**(18 + base_decimals - quote_decimals): quote units = base units * WAD price / divisor."""
    return int(10 ** (18 + base_decimals - quote_decimals))


# ------------------------------------------------------------------------------------------------ records


@dataclass(frozen=True)
class Order:
    id: int
    owner: str
    is_bid: bool
    tick: int
    remaining: int
    claimable: int


class NewOrder(NamedTuple):
    is_bid: bool
    tick: int
    base_amount: int


@dataclass(frozen=True)
class Fill:
    """One OrderFilled event: `quote` is the fill's value rounded down, `maker_fee` in what the maker receives."""

    order_id: int
    maker: str
    is_bid: bool
    tick: int
    base: int
    quote: int
    maker_fee: int
    remaining: int


@dataclass(frozen=True)
class MarketFill:
    """A market order's outcome (its MarketOrder event and fills). `base`/`quote` are gross: quote paid by a
    buyer or earned by a seller before its fee; `amounts` are what the taker gives and gets."""

    is_buy: bool
    base: int
    quote: int
    taker_fee: int
    levels: int
    last_tick: int
    fills: tuple[Fill, ...]
    maker_base_fees: int
    maker_quote_fees: int

    @property
    def amounts(self) -> tuple[int, int]:
        """(base, quote) as the contract returns them: sells (base sold, quote out after the fee), buys
        (base out after the fee, quote paid)."""
        if self.base == 0:
            return (0, 0)
        if self.is_buy:
            return (self.base - self.taker_fee, self.quote)
        return (self.base, self.quote - self.taker_fee)


class LevelView(NamedTuple):
    tick: int
    price: int
    base_volume: int
    order_count: int


class Depth(NamedTuple):
    bid_base: int
    bid_quote: int
    ask_base: int
    ask_quote: int


class OrderView(NamedTuple):
    id: int
    owner: str
    is_bid: bool
    tick: int
    price: int
    remaining: int
    claimable: int
    escrow: int


@dataclass
class _State:
    """Everything that changes; copied before a call so a revert leaves the book as it was."""

    orders: dict[int, Order] = field(default_factory=dict)
    queues: dict[tuple[bool, int], tuple[int, ...]] = field(default_factory=dict)
    ticks: dict[bool, list[int]] = field(default_factory=lambda: {True: [], False: []})
    owners: dict[str, tuple[int, ...]] = field(default_factory=dict)  # newest first
    next_id: int = 1
    maker_fee_pips: int = 0
    taker_fee_pips: int = 0
    fees_base: int = 0
    fees_quote: int = 0
    last_trade_tick: int = 0
    last_trade_time: int = 0
    last_trade_block: int = 0

    def clone(self) -> _State:
        return replace(
            self,
            orders=dict(self.orders),
            queues=dict(self.queues),
            ticks={True: list(self.ticks[True]), False: list(self.ticks[False])},
            owners=dict(self.owners),
        )


# ------------------------------------------------------------------------------------------------ the book


class OrderBookMirror:
    """One OrderBook's state and every call, as the contract computes them. `owner`/`taker` arguments are
    the caller's address (any string, compared as given)."""

    def __init__(
        self,
        base_decimals: int,
        quote_decimals: int,
        tick_size: int,
        min_base_amount: int,
        maker_fee_pips: int = 0,
        taker_fee_pips: int = 0,
    ) -> None:
        if tick_size <= 0 or tick_size > 2**128 - 1 or min_base_amount <= 0:
            raise OrderBookError("InvalidParameter")
        if not (0 <= base_decimals <= 18 and 0 <= quote_decimals <= 18):
            raise OrderBookError("InvalidParameter")
        _check_fees(maker_fee_pips, taker_fee_pips)
        self.tick_size = tick_size
        self.divisor = price_divisor(base_decimals, quote_decimals)
        self.min_base_amount = min_base_amount
        self.state = _State(maker_fee_pips=maker_fee_pips, taker_fee_pips=taker_fee_pips)

    # ------------------------------------------------------------------ transactions

    def _commit(self, state: _State) -> None:
        self.state = state

    def price(self, tick: int) -> int:
        """tickToPrice."""
        return tick * self.tick_size

    def price_to_tick_down(self, price: int) -> int:
        """The highest tick priced at or below `price` (a buyer's max tick)."""
        return price // self.tick_size

    def price_to_tick_up(self, price: int) -> int:
        """The lowest tick priced at or above `price` (a seller's min tick)."""
        return -(-price // self.tick_size)

    # ------------------------------------------------------------------ makers

    def place_order(self, owner: str, is_bid: bool, tick: int, base_amount: int) -> int:
        """placeOrder: the new id (its escrow is `escrow_for`)."""
        self._validate_order(tick, base_amount)
        s = self.state.clone()
        if self._crosses(s, is_bid, tick):
            raise OrderBookError("OrderWouldCross", tick, _best(s, not is_bid))
        order_id = self._rest(s, owner, is_bid, tick, base_amount)
        self._commit(s)
        return order_id

    def place_orders(self, owner: str, orders: Sequence[NewOrder]) -> list[int]:
        """placeOrders: ids, 0 for an order skipped because it would cross."""
        s = self.state.clone()
        ids = self._rest_all(s, owner, orders)
        self._commit(s)
        return ids

    def cancel_order(self, owner: str, order_id: int) -> tuple[int, int]:
        """cancelOrder: (base, quote) paid back."""
        return self.cancel_orders(owner, [order_id])

    def cancel_orders(self, owner: str, order_ids: Sequence[int]) -> tuple[int, int]:
        s = self.state.clone()
        paid = [0, 0]
        for order_id in order_ids:
            self._close(s, owner, order_id, paid)
        self._commit(s)
        return (paid[0], paid[1])

    def cancel_all_orders(self, owner: str, max_orders: int) -> tuple[int, int, int]:
        """cancelAllOrders: (orders closed, base, quote), newest first."""
        s = self.state.clone()
        ids = s.owners.get(owner, ())[:max_orders]
        paid = [0, 0]
        for order_id in ids:
            self._close(s, owner, order_id, paid)
        self._commit(s)
        return (len(ids), paid[0], paid[1])

    def replace_orders(self, owner: str, cancel_ids: Sequence[int], orders: Sequence[NewOrder]) -> list[int]:
        s = self.state.clone()
        paid = [0, 0]
        for order_id in cancel_ids:
            self._close(s, owner, order_id, paid)
        ids = self._rest_all(s, owner, orders)
        self._commit(s)
        return ids

    def claim(self, owner: str, order_ids: Sequence[int]) -> tuple[int, int]:
        """claim: (base, quote) of proceeds paid; a fully filled order is closed."""
        s = self.state.clone()
        paid = [0, 0]
        for order_id in order_ids:
            order = _owned(s, owner, order_id)
            paid[0 if order.is_bid else 1] += order.claimable
            if order.remaining == 0:
                _unlink_owner(s, order)
                del s.orders[order_id]
            else:
                s.orders[order_id] = replace(order, claimable=0)
        self._commit(s)
        return (paid[0], paid[1])

    # ------------------------------------------------------------------ takers

    def sell_base(
        self,
        base_in: int,
        min_tick: int,
        min_quote_out: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        _validate_take(base_in, max_levels, recipient)
        market = self.preview(False, False, base_in, min_tick, max_levels)
        quote_out = market.quote - market.taker_fee
        if quote_out < min_quote_out:
            raise OrderBookError("InsufficientOutput", quote_out, min_quote_out)
        self._apply(market, timestamp, block)
        return market

    def buy_base(
        self,
        base_amount: int,
        max_tick: int,
        max_quote_in: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        _validate_take(base_amount, max_levels, recipient)
        market = self.preview(True, False, base_amount, max_tick, max_levels)
        if market.quote > max_quote_in:
            raise OrderBookError("ExcessiveInput", market.quote, max_quote_in)
        self._apply(market, timestamp, block)
        return market

    def spend_quote(
        self,
        quote_in: int,
        max_tick: int,
        min_base_out: int,
        max_levels: int,
        recipient: str = "taker",
        *,
        timestamp: int = 0,
        block: int = 0,
    ) -> MarketFill:
        _validate_take(quote_in, max_levels, recipient)
        market = self.preview(True, True, quote_in, max_tick, max_levels)
        net = market.base - market.taker_fee
        if net < min_base_out:
            raise OrderBookError("InsufficientOutput", net, min_base_out)
        self._apply(market, timestamp, block)
        return market

    def preview(
        self, is_buy: bool, in_quote: bool, amount: int, limit_tick: int, max_levels: int
    ) -> MarketFill:
        """The market order's outcome on the current book, without changing it (`in_quote`: spendQuote)."""
        s = self.state
        fills: list[Fill] = []
        base = quote = base_fees = quote_fees = levels = last_tick = 0
        ticks = s.ticks[not is_buy]
        for tick in ticks if is_buy else reversed(ticks):
            if amount == 0 or levels >= max_levels or (tick > limit_tick if is_buy else tick < limit_tick):
                break
            price = self.price(tick)
            filled_here = level_left = False
            for order_id in s.queues[(not is_buy, tick)]:
                if amount == 0:
                    break
                want = base_down(amount, price, self.divisor) if in_quote else amount
                if want == 0:
                    break
                filled_here = True
                maker = s.orders[order_id]
                fill = min(want, maker.remaining)
                left = maker.remaining - fill
                value = quote_down(fill, price, self.divisor)
                if is_buy:
                    paid = quote_up(fill, price, self.divisor)
                    maker_fee = fee_up(value, s.maker_fee_pips)
                    quote += paid
                    quote_fees += maker_fee + paid - value
                    amount -= paid if in_quote else fill
                else:
                    released = quote_up(maker.remaining, price, self.divisor) - quote_up(
                        left, price, self.divisor
                    )
                    maker_fee = fee_up(fill, s.maker_fee_pips)
                    quote += value
                    base_fees += maker_fee
                    quote_fees += released - value
                    amount -= fill
                base += fill
                fills.append(Fill(order_id, maker.owner, maker.is_bid, tick, fill, value, maker_fee, left))
                if left != 0:
                    level_left = True  # the taker is done: a partial fill leaves less than one more unit
                    break
            if not filled_here:
                break
            levels += 1
            last_tick = tick
            if level_left:
                break
        taker_fee = fee_up(base if is_buy else quote, s.taker_fee_pips)
        return MarketFill(
            is_buy, base, quote, taker_fee, levels, last_tick, tuple(fills), base_fees, quote_fees
        )

    def _apply(self, market: MarketFill, timestamp: int, block: int) -> None:
        if market.base == 0:
            return
        s = self.state.clone()
        for fill in market.fills:
            _apply_fill(s, fill)
        s.fees_base += market.maker_base_fees + (market.taker_fee if market.is_buy else 0)
        s.fees_quote += market.maker_quote_fees + (0 if market.is_buy else market.taker_fee)
        s.last_trade_tick = market.last_tick
        s.last_trade_time = timestamp
        s.last_trade_block = block
        self._commit(s)

    # ------------------------------------------------------------------ admin

    def set_fees(self, maker_fee_pips: int, taker_fee_pips: int) -> None:
        _check_fees(maker_fee_pips, taker_fee_pips)
        self.state = replace(self.state, maker_fee_pips=maker_fee_pips, taker_fee_pips=taker_fee_pips)

    def collect_fees(self) -> tuple[int, int]:
        collected = (self.state.fees_base, self.state.fees_quote)
        self.state = replace(self.state, fees_base=0, fees_quote=0)
        return collected

    # ------------------------------------------------------------------ views

    def best_bid(self) -> tuple[int, int, int]:
        """(tick, price, base volume); tick 0 when there is no bid."""
        return self._best_view(True)

    def best_ask(self) -> tuple[int, int, int]:
        return self._best_view(False)

    def mid_price(self) -> int:
        bid, ask = _best(self.state, True), _best(self.state, False)
        if bid == 0 or ask == 0:
            return 0
        return (self.price(bid) + self.price(ask)) // 2

    def last_trade(self) -> tuple[int, int, int, int]:
        s = self.state
        return (s.last_trade_tick, self.price(s.last_trade_tick), s.last_trade_time, s.last_trade_block)

    def depth_within(self, bps: int) -> Depth:
        mid = self.mid_price()
        if mid == 0:
            return Depth(0, 0, 0, 0)
        low = 0 if bps >= BPS else mid * (BPS - bps)
        high = mid * (BPS + bps)
        bid = [lv for lv in self.levels(True) if lv.price * BPS >= low]
        ask = [lv for lv in self.levels(False) if lv.price * BPS <= high]
        return Depth(
            sum(lv.base_volume for lv in bid),
            sum(quote_down(lv.base_volume, lv.price, self.divisor) for lv in bid),
            sum(lv.base_volume for lv in ask),
            sum(quote_down(lv.base_volume, lv.price, self.divisor) for lv in ask),
        )

    def levels(self, is_bid: bool, max_levels: int | None = None) -> list[LevelView]:
        """Non-empty levels of one side, best first."""
        ticks = self.state.ticks[is_bid]
        ordered = list(reversed(ticks)) if is_bid else list(ticks)
        return [self._level_view(is_bid, tick) for tick in ordered[:max_levels]]

    def level_orders(self, is_bid: bool, tick: int) -> list[int]:
        return list(self.state.queues.get((is_bid, tick), ()))

    def get_order(self, order_id: int) -> OrderView:
        order = self.state.orders.get(order_id)
        if order is None:
            raise OrderBookError("OrderNotFound", order_id)
        price = self.price(order.tick)
        escrow = quote_up(order.remaining, price, self.divisor) if order.is_bid else order.remaining
        return OrderView(
            order.id, order.owner, order.is_bid, order.tick, price, order.remaining, order.claimable, escrow
        )

    def orders_of(self, owner: str) -> list[int]:
        return list(self.state.owners.get(owner, ()))

    def accrued_fees(self) -> tuple[int, int]:
        return (self.state.fees_base, self.state.fees_quote)

    def escrow_for(self, is_bid: bool, tick: int, base_amount: int) -> int:
        """What a new order moves into the book: quote rounded up for a bid, the base for an ask."""
        return quote_up(base_amount, self.price(tick), self.divisor) if is_bid else base_amount

    def holdings(self) -> tuple[int, int]:
        """(base, quote) the book must hold: escrow behind resting orders, unclaimed proceeds, accrued fees."""
        base, quote = self.state.fees_base, self.state.fees_quote
        for order in self.state.orders.values():
            if order.is_bid:
                quote += quote_up(order.remaining, self.price(order.tick), self.divisor)
                base += order.claimable
            else:
                base += order.remaining
                quote += order.claimable
        return (base, quote)

    # ------------------------------------------------------------------ events

    def apply_event(self, name: str, args: Mapping[str, Any], *, timestamp: int = 0, block: int = 0) -> None:
        """Folds one decoded OrderBook event (with its block's timestamp and number) into the state: a book
        rebuilt from its events alone equals the contract's (orders, levels in time priority, owners' lists,
        fees, last trade). Events of other names are ignored."""
        s = self.state.clone()
        if name == "OrderPlaced":
            owner, is_bid = str(args["owner"]), bool(args["isBid"])
            _append(s, int(args["orderId"]), owner, is_bid, int(args["tick"]), int(args["baseAmount"]))
        elif name == "OrderFilled":
            self._replay_fill(s, args)
        elif name == "OrderCancelled":
            order = s.orders[int(args["orderId"])]
            if order.remaining:
                _remove_from_level(s, order)
            _unlink_owner(s, order)
            del s.orders[order.id]
        elif name == "ProceedsClaimed":
            _replay_claim(s, int(args["orderId"]), int(args["amount"]))
        elif name == "MarketOrder":
            if args["isBuy"]:
                s.fees_base += int(args["takerFee"])
            else:
                s.fees_quote += int(args["takerFee"])
            s.last_trade_tick, s.last_trade_time, s.last_trade_block = int(args["lastTick"]), timestamp, block
        elif name == "FeesSet":
            s.maker_fee_pips, s.taker_fee_pips = int(args["makerFeePips"]), int(args["takerFeePips"])
        elif name == "FeesCollected":
            s.fees_base -= int(args["baseAmount"])
            s.fees_quote -= int(args["quoteAmount"])
        self._commit(s)

    def _replay_fill(self, s: _State, args: Mapping[str, Any]) -> None:
        """An OrderFilled event; the maker's fee and the rounding remainder follow from its amounts."""
        order = s.orders[int(args["orderId"])]
        base, quote, maker_fee, left = (
            int(args[k]) for k in ("baseAmount", "quoteAmount", "makerFee", "remaining")
        )
        price = self.price(order.tick)
        if order.is_bid:
            released = quote_up(order.remaining, price, self.divisor) - quote_up(left, price, self.divisor)
            s.fees_base += maker_fee
            s.fees_quote += released - quote
        else:
            s.fees_quote += maker_fee + quote_up(base, price, self.divisor) - quote
        _apply_fill(s, Fill(order.id, order.owner, order.is_bid, order.tick, base, quote, maker_fee, left))

    def apply_events(self, events: Iterable[tuple[str, Mapping[str, Any], int, int]]) -> None:
        """Folds (name, args, timestamp, block) tuples in log order."""
        for name, args, timestamp, block in events:
            self.apply_event(name, args, timestamp=timestamp, block=block)

    # ------------------------------------------------------------------ internals

    def _validate_order(self, tick: int, base_amount: int) -> None:
        if not 0 <= tick <= MAX_TICK or not 0 <= base_amount <= UINT96_MAX:
            raise OrderBookError("AbiDecode", "tick or amount out of its ABI type")
        if tick == 0:
            raise OrderBookError("InvalidTick", 0)
        if base_amount == 0:
            raise OrderBookError("ZeroAmount")
        if base_amount < self.min_base_amount:
            raise OrderBookError("OrderTooSmall", base_amount, self.min_base_amount)
        if quote_up(base_amount, self.price(tick), self.divisor) > UINT96_MAX:
            raise OrderBookError("OrderTooLarge", base_amount)

    @staticmethod
    def _crosses(s: _State, is_bid: bool, tick: int) -> bool:
        if is_bid:
            ask = _best(s, False)
            return ask != 0 and tick >= ask
        return tick <= _best(s, True)

    def _rest_all(self, s: _State, owner: str, orders: Sequence[NewOrder]) -> list[int]:
        ids: list[int] = []
        for is_bid, tick, base_amount in orders:
            self._validate_order(tick, base_amount)
            ids.append(
                0 if self._crosses(s, is_bid, tick) else self._rest(s, owner, is_bid, tick, base_amount)
            )
        return ids

    @staticmethod
    def _rest(s: _State, owner: str, is_bid: bool, tick: int, base_amount: int) -> int:
        order_id = s.next_id
        if order_id == UINT32_MAX:
            raise OrderBookError("TooManyOrders")
        s.next_id = order_id + 1
        _append(s, order_id, owner, is_bid, tick, base_amount)
        return order_id

    def _close(self, s: _State, owner: str, order_id: int, paid: list[int]) -> None:
        order = _owned(s, owner, order_id)
        refund = 0
        if order.remaining:
            _remove_from_level(s, order)
            refund = self.escrow_for(order.is_bid, order.tick, order.remaining)
        _unlink_owner(s, order)
        del s.orders[order_id]
        if order.is_bid:
            paid[1] += refund
            paid[0] += order.claimable
        else:
            paid[0] += refund
            paid[1] += order.claimable

    def _best_view(self, is_bid: bool) -> tuple[int, int, int]:
        tick = _best(self.state, is_bid)
        if tick == 0:
            return (0, 0, 0)
        return (tick, self.price(tick), self._level_view(is_bid, tick).base_volume)

    def _level_view(self, is_bid: bool, tick: int) -> LevelView:
        ids = self.state.queues[(is_bid, tick)]
        volume = sum(self.state.orders[i].remaining for i in ids)
        return LevelView(tick, self.price(tick), volume, len(ids))


# ------------------------------------------------------------------------------------------------ state edits


def _best(s: _State, is_bid: bool) -> int:
    ticks = s.ticks[is_bid]
    if not ticks:
        return 0
    return ticks[-1] if is_bid else ticks[0]


def _append(s: _State, order_id: int, owner: str, is_bid: bool, tick: int, base_amount: int) -> None:
    s.orders[order_id] = Order(order_id, owner, is_bid, tick, base_amount, 0)
    key = (is_bid, tick)
    queue = s.queues.get(key)
    if queue is None:
        bisect.insort(s.ticks[is_bid], tick)
        queue = ()
    s.queues[key] = (*queue, order_id)
    s.owners[owner] = (order_id, *s.owners.get(owner, ()))
    s.next_id = max(s.next_id, order_id + 1)


def _remove_from_level(s: _State, order: Order) -> None:
    key = (order.is_bid, order.tick)
    queue = tuple(i for i in s.queues[key] if i != order.id)
    if queue:
        s.queues[key] = queue
    else:
        del s.queues[key]
        ticks = s.ticks[order.is_bid]
        del ticks[bisect.bisect_left(ticks, order.tick)]


def _unlink_owner(s: _State, order: Order) -> None:
    remaining = tuple(i for i in s.owners[order.owner] if i != order.id)
    if remaining:
        s.owners[order.owner] = remaining
    else:
        del s.owners[order.owner]


def _apply_fill(s: _State, fill: Fill) -> None:
    order = s.orders[fill.order_id]
    proceeds = fill.base - fill.maker_fee if order.is_bid else fill.quote - fill.maker_fee
    s.orders[order.id] = replace(order, remaining=fill.remaining, claimable=order.claimable + proceeds)
    if fill.remaining == 0:
        _remove_from_level(s, order)


def _replay_claim(s: _State, order_id: int, amount: int) -> None:
    order = s.orders.get(order_id)
    if order is None:
        return  # a cancel's payout: its OrderCancelled closed the order already
    order = replace(order, claimable=order.claimable - amount)
    s.orders[order_id] = order
    if order.remaining == 0:
        _unlink_owner(s, order)
        del s.orders[order_id]


def _owned(s: _State, owner: str, order_id: int) -> Order:
    order = s.orders.get(order_id)
    if order is None:
        raise OrderBookError("OrderNotFound", order_id)
    if order.owner != owner:
        raise OrderBookError("NotOrderOwner", order_id, owner)
    return order


def _validate_take(amount: int, max_levels: int, recipient: str) -> None:
    if amount == 0:
        raise OrderBookError("ZeroAmount")
    if max_levels == 0:
        raise OrderBookError("ZeroMaxLevels")
    if recipient in ("", "0x0000000000000000000000000000000000000000"):
        raise OrderBookError("InvalidRecipient")


def _check_fees(maker_fee_pips: int, taker_fee_pips: int) -> None:
    for pips in (maker_fee_pips, taker_fee_pips):
        if pips > MAX_FEE_PIPS:
            raise OrderBookError("FeeTooHigh", pips)
