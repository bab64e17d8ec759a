"""Order-book matching: a market order's walk over one side, best price first and oldest order first, as the
contract's _walk / _takeLevel / _fillOrder compute it, without changing the book."""

from __future__ import annotations

from sim.mirrors.orderbook.state import BookState, Fill, MarketFill
from sim.mirrors.orderbook.units import base_down, fee_up, quote_down, quote_up


def walk(
    s: BookState,
    tick_size: int,
    divisor: int,
    *,
    is_buy: bool,
    in_quote: bool,
    amount: int,
    limit_tick: int,
    max_levels: int,
) -> MarketFill:
    """The fills of a market order (`in_quote`: a spendQuote budget) and its totals."""
    fills: list[Fill] = []
    levels = last_tick = 0
    ticks = s.ticks[not is_buy]
    for tick in ticks if is_buy else reversed(ticks):
        if amount == 0 or levels >= max_levels or (tick > limit_tick if is_buy else tick < limit_tick):
            break
        price = tick * tick_size
        level_fills: list[Fill] = []
        for order_id in s.queues[(not is_buy, tick)]:
            want = base_down(amount, price, divisor) if in_quote else amount
            if want == 0:
                break
            fill = _fill(s, order_id, tick, price, divisor, want, is_buy)
            level_fills.append(fill)
            amount -= quote_up(fill.base, price, divisor) if in_quote else fill.base
            if fill.remaining != 0 or amount == 0:
                break  # a partial fill leaves the taker less than one more unit
        if not level_fills:
            break
        fills += level_fills
        levels += 1
        last_tick = tick
        if level_fills[-1].remaining != 0:
            break
    return _totals(s, fills, tick_size, divisor, is_buy=is_buy, levels=levels, last_tick=last_tick)


def _fill(s: BookState, order_id: int, tick: int, price: int, divisor: int, want: int, is_buy: bool) -> Fill:
    maker = s.orders[order_id]
    base = min(want, maker.remaining)
    left = maker.remaining - base
    value = quote_down(base, price, divisor)
    # A maker pays its fee in what it receives: quote for an ask (a buyer's fill), base for a bid.
    maker_fee = fee_up(value, s.maker_fee_pips) if is_buy else fee_up(base, s.maker_fee_pips)
    return Fill(order_id, maker.owner, maker.is_bid, tick, base, value, maker_fee, left)


def _totals(
    s: BookState,
    fills: list[Fill],
    tick_size: int,
    divisor: int,
    *,
    is_buy: bool,
    levels: int,
    last_tick: int,
) -> MarketFill:
    base = quote = base_fees = quote_fees = 0
    for f in fills:
        price = f.tick * tick_size
        base += f.base
        if is_buy:
            paid = quote_up(f.base, price, divisor)  # the taker pays up, the ask's maker earns down
            quote += paid
            quote_fees += f.maker_fee + paid - f.quote
        else:
            before = f.remaining + f.base  # the bid releases the difference of its rounded-up escrow
            released = quote_up(before, price, divisor) - quote_up(f.remaining, price, divisor)
            quote += f.quote
            base_fees += f.maker_fee
            quote_fees += released - f.quote
    taker_fee = fee_up(base if is_buy else quote, s.taker_fee_pips)
    return MarketFill(is_buy, base, quote, taker_fee, levels, last_tick, tuple(fills), base_fees, quote_fees)
