"""Aave's fixed-point math (WadRayMath, PercentageMath) and the rounding variants our pool uses, to the wei:
the direction of each rounding is in the function's name (`_floor`, `_ceil`; none: half up, as Aave)."""

from __future__ import annotations

WAD = 10**18
RAY = 10**27
HALF_RAY = RAY // 2
HALF_WAD = WAD // 2
PERCENTAGE_FACTOR = 10_000
HALF_PERCENTAGE_FACTOR = PERCENTAGE_FACTOR // 2


def unit(decimals: int) -> int:
    """10**decimals as an int (mypy types int ** int as Any)."""
    return int(10**decimals)


# ---------------------------------------------------------------------------------------------- fixed point


def ray_mul(a: int, b: int) -> int:
    """a * b / RAY rounded half up (index growth, rate model)."""
    return (a * b + HALF_RAY) // RAY


def ray_mul_floor(a: int, b: int) -> int:
    return a * b // RAY


def ray_mul_ceil(a: int, b: int) -> int:
    return -(-(a * b) // RAY)


def ray_div(a: int, b: int) -> int:
    """a * RAY / b rounded half up."""
    return (a * RAY + b // 2) // b


def ray_div_floor(a: int, b: int) -> int:
    return a * RAY // b


def ray_div_ceil(a: int, b: int) -> int:
    return -(-(a * RAY) // b)


def wad_div(a: int, b: int) -> int:
    """a * WAD / b rounded half up (the health factor)."""
    return (a * WAD + b // 2) // b


def percent_mul(value: int, bps: int) -> int:
    return (value * bps + HALF_PERCENTAGE_FACTOR) // PERCENTAGE_FACTOR


def percent_mul_ceil(value: int, bps: int) -> int:
    return -(-(value * bps) // PERCENTAGE_FACTOR)


def percent_div(value: int, bps: int) -> int:
    return (value * PERCENTAGE_FACTOR + bps // 2) // bps


def percent_div_ceil(value: int, bps: int) -> int:
    return -(-(value * PERCENTAGE_FACTOR) // bps)


def mul_div_ceil(a: int, b: int, c: int) -> int:
    return -(-(a * b) // c)
