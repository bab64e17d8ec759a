"""Mirror of OrderBook (contracts/venue/OrderBook.sol), to the wei: placement, matching, fees, escrow, cancels,
claims and views, and the book rebuilt from its events alone.

Units as on chain: prices are WAD quote per base (whole tokens), tick t is price t * tick_size, amounts are
token units, fees are pips (1e-6) of what each party receives. A call the contract would revert raises
OrderBookError carrying the Solidity error's name, and leaves the mirror unchanged.
"""

from sim.mirrors.orderbook.book import OrderBookMirror
from sim.mirrors.orderbook.state import (
    BookState,
    Depth,
    Fill,
    LevelView,
    MarketFill,
    NewOrder,
    Order,
    OrderView,
)
from sim.mirrors.orderbook.units import (
    BPS,
    FEE_DENOMINATOR,
    MAX_FEE_PIPS,
    MAX_TICK,
    UINT32_MAX,
    UINT96_MAX,
    OrderBookError,
    base_down,
    fee_up,
    price_divisor,
    quote_down,
    quote_up,
)

__all__ = [
    "BPS",
    "FEE_DENOMINATOR",
    "MAX_FEE_PIPS",
    "MAX_TICK",
    "UINT32_MAX",
    "UINT96_MAX",
    "BookState",
    "Depth",
    "Fill",
    "LevelView",
    "MarketFill",
    "NewOrder",
    "Order",
    "OrderBookError",
    "OrderBookMirror",
    "OrderView",
    "base_down",
    "fee_up",
    "price_divisor",
    "quote_down",
    "quote_up",
]
