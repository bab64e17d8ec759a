"""Mirror of the constant-product pool (Uniswap v2) math, to the wei: quotes, mint/burn shares, fee, state.

Every function is the integer arithmetic of ConstantProductPool / ConstantProductLibrary, in the same order
and with the same rounding, so the simulator can predict a trade's result (and whether it reverts) without
calling the chain. Reverts are raised as CpmmError carrying the Solidity error's name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import isqrt
from typing import NamedTuple

MINIMUM_LIQUIDITY = 1_000
FEE_NUMERATOR = 997  # 0.3% of the input stays in the pool
FEE_DENOMINATOR = 1_000
Q112: int = 2**112
UINT32: int = 2**32
UINT112_MAX: int = 2**112 - 1
UINT256: int = 2**256


class CpmmError(ValueError):
    """A call the contracts would revert; `name` is the Solidity custom error (e.g. "K")."""

    def __init__(self, name: str, detail: str = "") -> None:
        super().__init__(f"{name}: {detail}" if detail else name)
        self.name = name


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """Output for `amount_in` after the 0.3% fee, rounded down (v2 getAmountOut)."""
    if amount_in <= 0:
        raise CpmmError("ZeroInputAmount")
    if reserve_in <= 0 or reserve_out <= 0:
        raise CpmmError("InsufficientLiquidity")
    amount_in_with_fee = amount_in * FEE_NUMERATOR
    return amount_in_with_fee * reserve_out // (reserve_in * FEE_DENOMINATOR + amount_in_with_fee)


def get_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """Least input that buys `amount_out`: the quotient rounded down plus one (v2 getAmountIn)."""
    if amount_out <= 0:
        raise CpmmError("ZeroOutputAmount")
    if reserve_in <= 0 or reserve_out <= amount_out:
        raise CpmmError("InsufficientLiquidity")
    return reserve_in * amount_out * FEE_DENOMINATOR // ((reserve_out - amount_out) * FEE_NUMERATOR) + 1


def quote(amount_a: int, reserve_a: int, reserve_b: int) -> int:
    """amount_a of A priced in B at the pool ratio, rounded down (v2 quote)."""
    if amount_a <= 0:
        raise CpmmError("ZeroAmount")
    if reserve_a <= 0 or reserve_b <= 0:
        raise CpmmError("InsufficientLiquidity")
    return amount_a * reserve_b // reserve_a


def get_amounts_out(amount_in: int, reserves: list[tuple[int, int]]) -> list[int]:
    """Amounts of each hop selling `amount_in`; `reserves` are (reserve_in, reserve_out) per hop."""
    amounts = [amount_in]
    for reserve_in, reserve_out in reserves:
        amounts.append(get_amount_out(amounts[-1], reserve_in, reserve_out))
    return amounts


def get_amounts_in(amount_out: int, reserves: list[tuple[int, int]]) -> list[int]:
    """Amounts of each hop buying `amount_out`; `reserves` are (reserve_in, reserve_out) per hop, in path order."""
    amounts = [amount_out]
    for reserve_in, reserve_out in reversed(reserves):
        amounts.insert(0, get_amount_in(amounts[0], reserve_in, reserve_out))
    return amounts


def first_mint_liquidity(amount0: int, amount1: int) -> int:
    """Shares of the first depositor: sqrt(amount0 * amount1) less the MINIMUM_LIQUIDITY locked forever."""
    liquidity = isqrt(amount0 * amount1) - MINIMUM_LIQUIDITY
    if liquidity < 0:
        raise CpmmError("Panic", "sqrt(amount0 * amount1) < MINIMUM_LIQUIDITY underflows")
    if liquidity == 0:
        raise CpmmError("InsufficientLiquidityMinted")
    return liquidity


def mint_liquidity(amount0: int, amount1: int, reserve0: int, reserve1: int, total_supply: int) -> int:
    """Shares for a later deposit: the smaller of the two pro-rata amounts (the excess is donated)."""
    liquidity = min(amount0 * total_supply // reserve0, amount1 * total_supply // reserve1)
    if liquidity == 0:
        raise CpmmError("InsufficientLiquidityMinted")
    return liquidity


def burn_amounts(liquidity: int, balance0: int, balance1: int, total_supply: int) -> tuple[int, int]:
    """Tokens paid for burning `liquidity` shares: pro rata of the pool's balances, rounded down."""
    amount0 = liquidity * balance0 // total_supply
    amount1 = liquidity * balance1 // total_supply
    if amount0 == 0 or amount1 == 0:
        raise CpmmError("InsufficientLiquidityBurned")
    return amount0, amount1


def protocol_fee_liquidity(reserve0: int, reserve1: int, total_supply: int, k_last: int) -> int:
    """Shares minted to feeTo before a mint or burn: 1/6 of the growth of sqrt(k) since k_last (v2 _mintFee)."""
    if k_last == 0:
        return 0
    root_k = isqrt(reserve0 * reserve1)
    root_k_last = isqrt(k_last)
    if root_k <= root_k_last:
        return 0
    return total_supply * (root_k - root_k_last) // (root_k * 5 + root_k_last)


def swap_k_holds(
    balance0: int, balance1: int, reserve0: int, reserve1: int, amount0_in: int, amount1_in: int
) -> bool:
    """The pair's invariant: (1000*b0 - 3*in0) * (1000*b1 - 3*in1) >= r0 * r1 * 1000**2."""
    adjusted0 = balance0 * 1000 - amount0_in * 3
    adjusted1 = balance1 * 1000 - amount1_in * 3
    return adjusted0 * adjusted1 >= reserve0 * reserve1 * 1000**2


def price_uq112(reserve_base: int, reserve_quote: int) -> int:
    """reserve_quote / reserve_base as a UQ112x112, rounded down: what the accumulators add per second."""
    return reserve_quote * Q112 // reserve_base


def cumulative_prices(
    price0_cumulative: int, price1_cumulative: int, reserve0: int, reserve1: int, elapsed: int
) -> tuple[int, int]:
    """The pair's accumulators after `elapsed` seconds at the given reserves (wrapping mod 2**256)."""
    elapsed %= UINT32
    if elapsed == 0 or reserve0 == 0 or reserve1 == 0:
        return price0_cumulative, price1_cumulative
    return (
        (price0_cumulative + price_uq112(reserve0, reserve1) * elapsed) % UINT256,
        (price1_cumulative + price_uq112(reserve1, reserve0) * elapsed) % UINT256,
    )


class Swapped(NamedTuple):
    """A swap's result: the pool after it and the amount the trader paid or received."""

    state: CpmmState
    amount: int


class Minted(NamedTuple):
    """A mint's result: the pool after it, the depositor's shares and the protocol's fee shares."""

    state: CpmmState
    liquidity: int
    fee_liquidity: int


class Burned(NamedTuple):
    """A burn's result: the pool after it, the tokens paid out and the protocol's fee shares."""

    state: CpmmState
    amount0: int
    amount1: int
    fee_liquidity: int


@dataclass(frozen=True, slots=True)
class CpmmState:
    """A synced pair (balances == reserves): its reserves, LP supply and kLast (zero while the fee is off).

    Methods are pure: they return the state after the operation and never mutate this one.
    """

    reserve0: int
    reserve1: int
    total_supply: int
    k_last: int = 0

    @property
    def k(self) -> int:
        """reserve0 * reserve1."""
        return self.reserve0 * self.reserve1

    def spot_price0(self) -> float:
        """Token1 per token0 at the margin, before fees (raw units: no decimals adjustment)."""
        return self.reserve1 / self.reserve0

    def swap(self, amount0_in: int, amount1_in: int, amount0_out: int, amount1_out: int) -> CpmmState:
        """ConstantProductPool.swap for amounts already sent in; raises as the pair would revert."""
        if amount0_out == 0 and amount1_out == 0:
            raise CpmmError("InsufficientOutputAmount")
        if amount0_out >= self.reserve0 or amount1_out >= self.reserve1:
            raise CpmmError("InsufficientLiquidity")
        if amount0_in == 0 and amount1_in == 0:
            raise CpmmError("InsufficientInputAmount")
        balance0 = self.reserve0 + amount0_in - amount0_out
        balance1 = self.reserve1 + amount1_in - amount1_out
        if not swap_k_holds(balance0, balance1, self.reserve0, self.reserve1, amount0_in, amount1_in):
            raise CpmmError("K")
        if balance0 > UINT112_MAX or balance1 > UINT112_MAX:
            raise CpmmError("Overflow")
        return replace(self, reserve0=balance0, reserve1=balance1)

    def swap_exact_in(self, amount_in: int, zero_for_one: bool) -> Swapped:
        """Sell `amount_in` of token0 (zero_for_one) or token1 for the most the pair pays."""
        if zero_for_one:
            out = get_amount_out(amount_in, self.reserve0, self.reserve1)
            return Swapped(self.swap(amount_in, 0, 0, out), out)
        out = get_amount_out(amount_in, self.reserve1, self.reserve0)
        return Swapped(self.swap(0, amount_in, out, 0), out)

    def swap_exact_out(self, amount_out: int, zero_for_one: bool) -> Swapped:
        """Buy `amount_out` of token1 (zero_for_one) or token0 for the least input the pair accepts."""
        if zero_for_one:
            paid = get_amount_in(amount_out, self.reserve0, self.reserve1)
            return Swapped(self.swap(paid, 0, 0, amount_out), paid)
        paid = get_amount_in(amount_out, self.reserve1, self.reserve0)
        return Swapped(self.swap(0, paid, amount_out, 0), paid)

    def mint(self, amount0: int, amount1: int, fee_on: bool = False) -> Minted:
        """ConstantProductPool.mint for amount0/amount1 sent in; the fee shares are minted first."""
        fee = self._fee_liquidity(fee_on)
        supply = self.total_supply + fee
        if supply == 0:
            liquidity = first_mint_liquidity(amount0, amount1)
            supply = MINIMUM_LIQUIDITY
        else:
            liquidity = mint_liquidity(amount0, amount1, self.reserve0, self.reserve1, supply)
        state = self._after_liquidity_event(amount0, amount1, supply + liquidity, fee_on)
        return Minted(state, liquidity, fee)

    def burn(self, liquidity: int, fee_on: bool = False) -> Burned:
        """ConstantProductPool.burn of `liquidity` shares sent to the pair; the fee shares are minted first."""
        fee = self._fee_liquidity(fee_on)
        supply = self.total_supply + fee
        amount0, amount1 = burn_amounts(liquidity, self.reserve0, self.reserve1, supply)
        state = self._after_liquidity_event(-amount0, -amount1, supply - liquidity, fee_on)
        return Burned(state, amount0, amount1, fee)

    def _fee_liquidity(self, fee_on: bool) -> int:
        if not fee_on:
            return 0
        return protocol_fee_liquidity(self.reserve0, self.reserve1, self.total_supply, self.k_last)

    def _after_liquidity_event(self, delta0: int, delta1: int, total_supply: int, fee_on: bool) -> CpmmState:
        reserve0, reserve1 = self.reserve0 + delta0, self.reserve1 + delta1
        if reserve0 > UINT112_MAX or reserve1 > UINT112_MAX:
            raise CpmmError("Overflow")
        return CpmmState(reserve0, reserve1, total_supply, reserve0 * reserve1 if fee_on else 0)
