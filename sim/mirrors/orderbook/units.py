"""Order-book units: the contract's constants, its errors, and conversions with the rounding in their names."""

from __future__ import annotations

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


def validate_take(amount: int, max_levels: int, recipient: str) -> None:
    if amount == 0:
        raise OrderBookError("ZeroAmount")
    if max_levels == 0:
        raise OrderBookError("ZeroMaxLevels")
    if recipient in ("", "0x0000000000000000000000000000000000000000"):
        raise OrderBookError("InvalidRecipient")


def check_fees(maker_fee_pips: int, taker_fee_pips: int) -> None:
    for pips in (maker_fee_pips, taker_fee_pips):
        if pips > MAX_FEE_PIPS:
            raise OrderBookError("FeeTooHigh", pips)
