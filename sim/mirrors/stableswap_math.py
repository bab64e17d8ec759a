"""The pure math of the Curve StableSwap-NG mirror (StableSwapMath and ExpMath), to the wei: the invariant D,
the coin balance that keeps it, NG's dynamic fee and spot prices, the ramped A, and NG's integer e^x for the
price EMA. sim.mirrors.stableswap builds the pool's operations on these.

Reverts raise `StableSwapError` carrying the Solidity error's name ("Panic" for an arithmetic underflow, a division
by zero, or a uint256 overflow in the invariant math).
"""

from __future__ import annotations

from collections.abc import Sequence

A_PRECISION = 100
FEE_DENOMINATOR = 10**10
PRECISION = 10**18
ADMIN_FEE = 5 * 10**9
MAX_ITERATIONS = 255
MAX_A = 10**6
MAX_A_CHANGE = 10
MIN_RAMP_TIME = 86_400
MA_EXP_TIME = 866  # the price EMA's time constant (s): NG's factory default, a 600 s half-life
MIN_EXPONENT = -41_446_531_673_892_822_313  # exp_wad is 0 at or below (the result is under 0.5 wei)
MAX_EXPONENT = 135_305_999_368_893_231_589  # exp_wad overflows int256 from here
LN2_Q96 = 54_916_777_467_707_473_351_141_471_128  # ln 2 * 2^96


class StableSwapError(ValueError):
    """A call the contract would revert; `name` is the Solidity custom error (or "Panic")."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name


def _sub(a: int, b: int) -> int:
    """a - b as checked uint256 arithmetic."""
    if b > a:
        raise StableSwapError("Panic", f"underflow: {a} - {b}")
    return a - b


def _div(a: int, b: int) -> int:
    """a // b as checked uint256 arithmetic."""
    if b == 0:
        raise StableSwapError("Panic", "division by zero")
    return a // b


def _u256(value: int) -> int:
    """value, or the revert a uint256 overflow causes."""
    if value >= 2**256:
        raise StableSwapError("Panic", "overflow")
    return value


def _settled(current: int, previous: int) -> bool:
    return abs(current - previous) <= 1


# ---------------------------------------------------------------- ExpMath (NG's exp)


def _sdiv(a: int, b: int) -> int:
    """EVM sdiv: the quotient truncated towards zero (Python's // floors)."""
    quotient = abs(a) // abs(b)
    return quotient if (a >= 0) == (b >= 0) else -quotient


def exp_wad(x: int) -> int:
    """ExpMath.expWad / NG's exp: e^(x/1e18) * 1e18 rounded down, with the contract's exact integer steps."""
    if x <= MIN_EXPONENT:
        return 0
    if x >= MAX_EXPONENT:
        raise StableSwapError("ExpOverflow")
    v = _sdiv(x << 78, 5**18)
    k = (_sdiv(v << 96, LN2_Q96) + 2**95) >> 96
    v -= k * LN2_Q96
    y = (
        ((v + 1_346_386_616_545_796_478_920_950_773_328) * v) >> 96
    ) + 57_155_421_227_552_351_082_224_309_758_442
    p = (
        (((y + v - 94_201_549_194_550_492_254_356_042_504_812) * y) >> 96)
        + 28_719_021_644_029_726_153_956_944_680_412_240
    ) * v + (4_385_272_521_454_847_904_659_076_985_693_276 << 96)
    q = (
        ((v - 2_855_989_394_907_223_263_936_484_059_900) * v) >> 96
    ) + 50_020_603_652_535_783_019_961_831_881_945
    q = ((q * v) >> 96) - 533_845_033_583_426_703_283_633_433_725_380
    q = ((q * v) >> 96) + 3_604_857_256_930_695_427_073_651_918_091_429
    q = ((q * v) >> 96) - 14_423_608_567_350_463_180_887_372_962_807_573
    q = ((q * v) >> 96) + 26_449_188_498_355_588_339_934_803_723_976_023
    r = _sdiv(p, q)
    return ((r % 2**256) * 3_822_833_074_963_236_453_042_738_258_902_158_003_155_416_615_667 % 2**256) >> (
        195 - k
    )


def moving_average(spot: int, ema: int, last_time: int, t: int) -> int:
    """NG's _calc_moving_average: the EMA moved towards `spot` by 1 - e^(-dt/MA_EXP_TIME) for dt = t - last_time."""
    if last_time >= t:
        return ema
    alpha = exp_wad(-((t - last_time) * PRECISION // MA_EXP_TIME))
    return (spot * (PRECISION - alpha) + ema * alpha) // PRECISION


# ---------------------------------------------------------------- StableSwapMath


def rate_multiplier(decimals: int) -> int:
    """The pool's rate for a coin of `decimals`: xp = rate * balance // 1e18."""
    return int(10 ** (36 - decimals))  # int(): mypy types int ** int as Any


def to_xp(rates: Sequence[int], amounts: Sequence[int]) -> list[int]:
    return [rate * amount // PRECISION for rate, amount in zip(rates, amounts, strict=True)]


def get_D(xp: Sequence[int], amp: int) -> int:
    """The invariant of `xp` at `amp` (A * A_PRECISION), by Newton from sum(xp)."""
    n = len(xp)
    s = sum(xp)
    if s == 0:
        return 0
    d = s
    ann = amp * n
    n_pow_n = int(n**n)
    for _ in range(MAX_ITERATIONS):
        d_p = d
        for x in xp:
            d_p = _div(_u256(d_p * d), x)
        d_p //= n_pow_n
        previous = d
        numerator = _u256((ann * s // A_PRECISION + d_p * n) * d)
        d = numerator // _u256(_u256((ann - A_PRECISION) * d) // A_PRECISION + _u256((n + 1) * d_p))
        if _settled(d, previous):
            return d
    raise StableSwapError("NewtonDidNotConverge")


def _newton_y(b: int, c: int, d: int) -> int:
    y = d
    for _ in range(MAX_ITERATIONS):
        previous = y
        y = _u256(y * y + c) // _sub(_u256(2 * y + b), d)
        if _settled(y, previous):
            return y
    raise StableSwapError("NewtonDidNotConverge")


def _solve_coin(others: Sequence[int], n: int, amp: int, d: int) -> int:
    """The xp of the one coin left out of `others` (the other coins' xp in index order) at invariant d."""
    ann = amp * n
    c = d
    s = 0
    for x in others:
        s += x
        c = _div(_u256(c * d), x * n)
    c = _u256(c * d * A_PRECISION) // (ann * n)
    return _newton_y(s + d * A_PRECISION // ann, c, d)


def get_y(i: int, j: int, x: int, xp: Sequence[int], amp: int, d: int) -> int:
    """The xp of coin j that keeps invariant d when coin i's xp becomes x."""
    others = [x if k == i else xk for k, xk in enumerate(xp) if k != j]
    return _solve_coin(others, len(xp), amp, d)


def get_y_D(amp: int, i: int, xp: Sequence[int], d: int) -> int:
    """The xp of coin i that gives invariant d with the other coins' xp unchanged."""
    others = [xk for k, xk in enumerate(xp) if k != i]
    return _solve_coin(others, len(xp), amp, d)


def dynamic_fee(xpi: int, xpj: int, fee: int, multiplier: int) -> int:
    """NG's fee for a trade between balances xpi and xpj: `fee` at peg, rising off peg up to multiplier/1e10x."""
    if multiplier <= FEE_DENOMINATOR:
        return fee
    xps2 = _u256((xpi + xpj) ** 2)
    return (
        multiplier * fee // (_u256((multiplier - FEE_DENOMINATOR) * 4 * xpi * xpj) // xps2 + FEE_DENOMINATOR)
    )


def spot_prices(xp: Sequence[int], amp: int, d: int) -> list[int]:
    """Marginal price of each coin k >= 1 in coin 0, 1e18 = par (NG's _get_p)."""
    n = len(xp)
    ann = amp * n
    dr = d // int(n**n)
    for x in xp:
        dr = _div(_u256(dr * d), x)
    xp0_a = ann * xp[0] // A_PRECISION
    return [10**18 * (xp0_a + dr * xp[0] // xp[k]) // (xp0_a + dr) for k in range(1, n)]


def a_at(initial_a: int, future_a: int, initial_time: int, future_time: int, t: int) -> int:
    """A * A_PRECISION at time t: linear from initial_a to future_a over the ramp, future_a after it."""
    if t >= future_time:
        return future_a
    if future_a > initial_a:
        return initial_a + (future_a - initial_a) * (t - initial_time) // (future_time - initial_time)
    return initial_a - (initial_a - future_a) * (t - initial_time) // (future_time - initial_time)
