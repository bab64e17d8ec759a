"""Mirror of PriceOracle's arithmetic: pool spot, TWAP, index blend, the keeper push rule, book prices and the
weighted median (8-decimal USD)."""

from __future__ import annotations

from dataclasses import dataclass

BPS = 10_000
WAD = 10**18
Q112: int = 2**112
UINT256: int = 2**256


def _unit(decimals: int) -> int:
    """10**decimals as an int (mypy types int ** int as Any, since a negative exponent gives a float)."""
    return int(10**decimals)


def spot_price(
    reserve_asset: int, reserve_quote: int, dec_asset: int, dec_quote: int, quote_price: int
) -> int:
    """USD per whole asset token from a pool's reserves and the quote token's USD price."""
    if reserve_asset == 0 or reserve_quote == 0:
        raise ZeroDivisionError("empty pool")
    return reserve_quote * _unit(dec_asset) * quote_price // (reserve_asset * _unit(dec_quote))


def index_price(spot: int, rate: int, underlying_price: int, spot_weight_bps: int) -> int:
    """A spot / conversion-rate blend: weight of spot in bps, the rest at rate (WAD) x underlying's price."""
    converted = rate * underlying_price // WAD
    return (spot * spot_weight_bps + converted * (BPS - spot_weight_bps)) // BPS


def cumulative_increment(reserve_asset: int, reserve_quote: int, elapsed: int) -> int:
    """What a Uniswap v2 pair adds to the asset's cumulative price (UQ112x112 quote per asset) in `elapsed` s."""
    return (reserve_quote * Q112 // reserve_asset) * elapsed


def twap_average(cumulative_now: int, cumulative_then: int, elapsed: int) -> int:
    """Average UQ112x112 price over a window; cumulative values wrap modulo 2**256 as on chain."""
    return ((cumulative_now - cumulative_then) % UINT256) // elapsed


def twap_price(average_uq: int, dec_asset: int, dec_quote: int, quote_price: int) -> int:
    """USD per whole asset token from a UQ112x112 average of raw quote units per raw asset unit."""
    return average_uq * (_unit(dec_asset) * quote_price) // (Q112 * _unit(dec_quote))


@dataclass(frozen=True)
class PushCheck:
    due: bool
    deviation_bps: int
    age: int


def push_due(
    previous: int, price: int, updated_at: int, now: int, heartbeat: int, deviation_bps: int
) -> PushCheck:
    """Chainlink-style rule: a push is due when the price moved >= the threshold or the heartbeat elapsed."""
    deviation = abs(price - previous) * BPS // previous
    age = now - updated_at
    return PushCheck(due=deviation >= deviation_bps or age >= heartbeat, deviation_bps=deviation, age=age)


# ------------------------------------------------------------------------------------------- books and median


def book_price(mid: int, last: int, last_trade: bool) -> int:
    """A book source's price (WAD quote per whole base): the mid or the last trade as configured, the other
    when the first is 0; 0 when the book has neither (the oracle then reverts EmptyBook)."""
    first, second = (last, mid) if last_trade else (mid, last)
    return first if first else second


def book_usd(price_wad: int, quote_price: int) -> int:
    """USD (8 decimals) per whole base from a book price and the book quote's USD price, rounded down."""
    return price_wad * quote_price // WAD


def weighted_median(prices: list[tuple[int | None, int]]) -> int | None:
    """The Median source's rule on (price, weight) pairs in constituent order: None prices are left out with
    their weights; sorted ascending (ties in constituent order), the first price whose cumulative weight
    reaches half the total (cumulative * 2 >= total). None when no price is left (NoConstituentPrice)."""
    priced = sorted(((p, w) for p, w in prices if p is not None), key=lambda pw: pw[0])
    total = sum(w for _, w in priced)
    cumulative = 0
    for price, weight in priced:
        cumulative += weight
        if cumulative * 2 >= total:
            return price
    return None
