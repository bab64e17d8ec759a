"""Mirror of UnifiedMarginVenue's math: equity, requirements, trades, liquidation outcome, breaker and steps.
Collateral on an order book is sold through OrderBookMirror (one market order at any price, capped in levels).

Units as on chain: prices and values are USD with 8 decimals, position sizes WAD tokens, balances and debts
token units. Every rounding matches the contract (always in the venue's favour).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.mirrors.orderbook import OrderBookMirror

BPS = 10_000
WAD = 10**18


def _unit(decimals: int) -> int:
    """10**decimals as an int (mypy types int ** int as Any)."""
    return int(10**decimals)


def ceil_div(a: int, b: int) -> int:
    """Unsigned division rounding up, as the contract's _ceilDiv (a >= 0, b > 0)."""
    return 0 if a == 0 else (a - 1) // b + 1


def trunc_div(a: int, b: int) -> int:
    """Signed division rounding toward zero, as Solidity's `/` on int256."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


# ------------------------------------------------------------------------------------------- valuation


@dataclass(frozen=True)
class Collateral:
    amount: int
    price: int
    decimals: int
    ratio_bps: int


@dataclass(frozen=True)
class Debt:
    amount: int
    price: int
    decimals: int
    imr_bps: int = 0
    mmr_bps: int = 0


@dataclass(frozen=True)
class Perp:
    size: int
    entry_price: int
    mark: int
    imr_bps: int
    mmr_bps: int


@dataclass(frozen=True)
class Health:
    equity: int
    maintenance: int
    initial: int

    @property
    def liquidatable(self) -> bool:
        return self.equity < self.maintenance


def collateral_value(c: Collateral) -> int:
    """balance x price x ratio, rounded down."""
    return c.amount * c.price * c.ratio_bps // (_unit(c.decimals) * BPS)


def debt_value(d: Debt) -> int:
    """debt x price, rounded up."""
    return ceil_div(d.amount * d.price, _unit(d.decimals))


def notional(size: int, mark: int) -> int:
    """|size| x mark, rounded up (the requirement base)."""
    return ceil_div(abs(size) * mark, WAD)


def unrealized_pnl(size: int, entry_price: int, mark: int) -> int:
    """size x (mark - entry), rounded toward minus infinity."""
    return (size * (mark - entry_price)) // WAD


def group_health(
    collaterals: list[Collateral], debts: list[Debt] | None = None, perps: list[Perp] | None = None
) -> Health:
    """Equity, maintenance and initial requirement of one margin group, as the venue's _health."""
    equity = sum(collateral_value(c) for c in collaterals)
    maintenance = initial = 0
    for d in debts or []:
        value = debt_value(d)
        equity -= value
        maintenance += ceil_div(value * d.mmr_bps, BPS)
        initial += ceil_div(value * d.imr_bps, BPS)
    for p in perps or []:
        n = notional(p.size, p.mark)
        equity += unrealized_pnl(p.size, p.entry_price, p.mark)
        maintenance += ceil_div(n * p.mmr_bps, BPS)
        initial += ceil_div(n * p.imr_bps, BPS)
    return Health(equity=equity, maintenance=maintenance, initial=initial)


def is_liquidatable(health: Health) -> bool:
    return health.liquidatable


# ------------------------------------------------------------------------------------------- trading


@dataclass(frozen=True)
class TradeResult:
    new_size: int
    entry_price: int
    realized_pnl: int


def trade(size: int, entry_price: int, delta: int, price: int) -> TradeResult:
    """A position change at `price`: average entry on increases (rounded against the trader), realized PnL
    on the closed part of a reduction, the remainder of a flip opened at `price`."""
    new_size = size + delta
    realized = 0
    if size == 0 or (size > 0) == (delta > 0):
        if size == 0:
            entry = price
        else:
            weighted = abs(size) * entry_price + abs(delta) * price
            entry = ceil_div(weighted, abs(new_size)) if size > 0 else weighted // abs(new_size)
    else:
        closed = size if abs(delta) >= abs(size) else -delta
        realized = unrealized_pnl(closed, entry_price, price)
        if new_size == 0:
            entry = 0
        elif (new_size > 0) != (size > 0):
            entry = price
        else:
            entry = entry_price
    return TradeResult(new_size=new_size, entry_price=entry, realized_pnl=realized)


def usd_to_quote(usd: int, quote_price: int, quote_decimals: int, round_up: bool) -> int:
    """USD (8 decimals) to quote token units at the quote's oracle price."""
    numerator = usd * _unit(quote_decimals)
    return ceil_div(numerator, quote_price) if round_up else numerator // quote_price


# ------------------------------------------------------------------------------------------- pools


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap v2 getAmountOut (0.3% fee); 0 for an empty pool."""
    with_fee = amount_in * 997
    denominator = reserve_in * 1000 + with_fee
    return 0 if denominator == 0 else with_fee * reserve_out // denominator


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Uniswap v2 getAmountIn: the least input that buys `amount_out` (needs amount_out < reserve_out)."""
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


def buy(wanted: int, budget: int, reserve_asset: int, reserve_quote: int) -> tuple[int, int]:
    """What the venue buys back of a debt asset with at most `budget` quote: (bought, quote spent)."""
    if wanted == 0 or budget == 0 or reserve_asset <= 1:
        return 0, 0
    bought = min(wanted, reserve_asset - 1)
    spent = get_amount_in(bought, reserve_quote, reserve_asset)
    if spent > budget:
        spent = budget
        bought = get_amount_out(budget, reserve_quote, reserve_asset)
        if bought == 0:
            return 0, 0
    return bought, spent


# ------------------------------------------------------------------------------------------- liquidation


@dataclass(frozen=True)
class Sale:
    """A collateral balance and the reserves of its asset/quote pool at the time of the sale."""

    amount: int
    reserve_asset: int
    reserve_quote: int


@dataclass(frozen=True)
class BookSale:
    """A collateral balance and the order book it is sold into by one market order at any price (minTick 1)
    over at most `max_levels` levels (the venue's liquidationMaxLevels). The book mirror is previewed, not
    changed: call its sell_base to move it on."""

    amount: int
    book: OrderBookMirror
    max_levels: int = 64


def book_sale(amount: int, book: OrderBookMirror, max_levels: int) -> tuple[int, int]:
    """(base sold, quote received after the taker fee) of the venue's liquidation order, as sellBase returns."""
    return book.preview(False, False, amount, 1, max_levels).amounts


@dataclass(frozen=True)
class ClosedPerp:
    size: int
    entry_price: int
    mark: int


@dataclass
class LiquidationOutcome:
    proceeds: int = 0
    sales: list[int] = field(default_factory=list)
    base_sold: list[int] = field(default_factory=list)
    realized_pnl: list[int] = field(default_factory=list)
    closed_notional_usd: int = 0
    reward: int = 0
    debt_repaid: int = 0
    fee: int = 0
    insurance_used: int = 0
    bad_debt: int = 0
    quote_left: int = 0
    debt_left: int = 0
    liquidated_usd: int = 0
    # False: the module reverts NothingToLiquidate (nothing closed, sold, repaid or written off).
    acted: bool = False


def liquidate_cross(
    quote_balance: int,
    quote_debt: int,
    sales: list[Sale | BookSale],
    perps: list[ClosedPerp],
    fee_bps: int,
    reward_bps: int,
    insurance_fund: int,
    quote_price: int = 10**8,
    quote_decimals: int = 6,
    fraction_bps: int = BPS,
) -> LiquidationOutcome:
    """A liquidation of a group whose only debt is in the quote (the usual case), step by step as the
    module does it: close, sell, reward, repay, fee, insurance, bad debt. Realized profits are assumed
    payable by the quote book. `liquidated_usd` is what the venue's liquidatedVolume grows by."""
    out = LiquidationOutcome()
    balance, debt = quote_balance, quote_debt
    for p in perps:
        closed = step_size(p.size, fraction_bps)
        realized = trade(p.size, p.entry_price, -closed, p.mark).realized_pnl
        out.realized_pnl.append(realized)
        out.closed_notional_usd += abs(closed) * p.mark // WAD
        if realized > 0:
            balance += usd_to_quote(realized, quote_price, quote_decimals, False)
        elif realized < 0:
            loss = usd_to_quote(-realized, quote_price, quote_decimals, True)
            paid = min(balance, loss)
            balance -= paid
            debt += loss - paid
    for s in sales:
        amount = step_amount(s.amount, fraction_bps)
        if isinstance(s, BookSale):
            sold, got = book_sale(amount, s.book, s.max_levels)
        else:
            sold, got = amount, get_amount_out(amount, s.reserve_asset, s.reserve_quote)
        out.base_sold.append(sold)
        out.sales.append(got)
        out.proceeds += got
    balance += out.proceeds
    base = out.proceeds + usd_to_quote(out.closed_notional_usd, quote_price, quote_decimals, False)
    out.reward = min(base * reward_bps // BPS, balance)
    balance -= out.reward
    out.debt_repaid = min(debt, balance)
    balance -= out.debt_repaid
    debt -= out.debt_repaid
    out.fee = min(base * fee_bps // BPS, balance)
    balance -= out.fee
    # A book sale may leave part of the balance unsold: the group keeps it, and no shortfall is covered yet.
    nothing_left = all(sold == s.amount for s, sold in zip(sales, out.base_sold, strict=True))
    covered = bool(debt and nothing_left)
    if covered:
        out.insurance_used = min(debt, insurance_fund)
        debt -= out.insurance_used
        out.bad_debt = debt
        debt = 0
    out.acted = bool(perps) or out.proceeds > 0 or out.debt_repaid > 0 or covered
    out.quote_left = balance
    out.debt_left = debt
    out.liquidated_usd = out.proceeds * quote_price // _unit(quote_decimals) + out.closed_notional_usd
    return out


# ------------------------------------------------------------------------------------------- mitigations


def step_amount(balance: int, fraction_bps: int) -> int:
    """The part of a balance a gradual step sells (all of it when the fraction rounds to zero)."""
    amount = balance * fraction_bps // BPS
    return amount if amount else balance


def step_size(size: int, fraction_bps: int) -> int:
    """The part of a position a gradual step closes, rounded toward zero (all of it when that is zero)."""
    closed = trunc_div(size * fraction_bps, BPS)
    return closed if closed else size


def moved_against(ref_price: int, price: int, trigger_bps: int, short: bool) -> bool:
    """Whether a price moved `trigger_bps` against the holder since a step: down, or up for a short."""
    if short:
        return price * BPS >= ref_price * (BPS + trigger_bps)
    return price * BPS <= ref_price * (BPS - trigger_bps)


def breaker_trips(price: int, reference: int, drop_bps: int) -> bool:
    """The circuit breaker's rule: down at least drop_bps from the reference (the window's highest touch)."""
    return reference != 0 and price * BPS <= reference * (BPS - drop_bps)


def breaker_bucket_width(window: int, buckets: int = 4) -> int:
    """Width of one reference bucket; the reference spans the last window to window + width seconds."""
    return window // (buckets - 1)
