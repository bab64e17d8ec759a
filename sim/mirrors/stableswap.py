"""Mirror of the Curve StableSwap-NG pool (StableSwapPool) to the wei; its pure math (StableSwapMath, ExpMath) is
in sim.mirrors.stableswap_math.

Every function is the integer arithmetic of the contracts in the same order and with the same rounding, so the
simulator can quote a trade, a deposit or a withdrawal, and tell whether it reverts, without calling the chain.
`StableSwapState` holds what the pool stores; the operations that change it mutate it in place (only once nothing
can revert any more) and return what the contract returns. Amounts are in each coin's own decimals; `xp` are the
same balances scaled to 18 decimals. Reverts raise `StableSwapError` carrying the Solidity error's name ("Panic"
for an arithmetic underflow or a division by zero, or a uint256 overflow in the invariant math, where very
imbalanced pools overflow; elsewhere overflow needs balances far beyond any real pool and is not modelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sim.mirrors.stableswap_math import (
    A_PRECISION,
    ADMIN_FEE,
    FEE_DENOMINATOR,
    MAX_A,
    MAX_A_CHANGE,
    MIN_RAMP_TIME,
    PRECISION,
    StableSwapError,
    _div,
    _sub,
    a_at,
    dynamic_fee,
    get_D,
    get_y,
    get_y_D,
    moving_average,
    rate_multiplier,
    spot_prices,
    to_xp,
)

# ---------------------------------------------------------------- StableSwapPool


@dataclass
class StableSwapState:
    """What a StableSwapPool stores: LP and admin balances per coin (own decimals), LP supply, fees and ramp."""

    rates: list[int]
    fee: int
    offpeg_fee_multiplier: int
    initial_A: int
    future_A: int
    initial_A_time: int = 0
    future_A_time: int = 0
    balances: list[int] = field(default_factory=list)
    admin_balances: list[int] = field(default_factory=list)
    total_supply: int = 0
    # The price oracle, per coin k >= 1: the last spot price and the EMA as of ma_last_time (NG's packed pairs).
    last_prices: list[int] = field(default_factory=list)
    ema_prices: list[int] = field(default_factory=list)
    ma_last_time: int = 0

    def __post_init__(self) -> None:
        n = len(self.rates)
        self.balances = self.balances or [0] * n
        self.admin_balances = self.admin_balances or [0] * n
        self.last_prices = self.last_prices or [PRECISION] * (n - 1)
        self.ema_prices = self.ema_prices or [PRECISION] * (n - 1)

    @classmethod
    def create(cls, decimals: Sequence[int], a: int, fee: int, offpeg_fee_multiplier: int) -> StableSwapState:
        """A freshly deployed pool: constructor(…, coins, A, fee, offpeg_fee_multiplier, owner)."""
        return cls(
            rates=[rate_multiplier(d) for d in decimals],
            fee=fee,
            offpeg_fee_multiplier=offpeg_fee_multiplier,
            initial_A=a * A_PRECISION,
            future_A=a * A_PRECISION,
        )

    @property
    def n(self) -> int:
        return len(self.rates)

    def amp(self, t: int) -> int:
        """A_precise() at block time t."""
        return a_at(self.initial_A, self.future_A, self.initial_A_time, self.future_A_time, t)

    def xp(self) -> list[int]:
        return to_xp(self.rates, self.balances)

    def D(self, t: int) -> int:
        return get_D(self.xp(), self.amp(t))


def upkeep_oracle(state: StableSwapState, xp: Sequence[int], amp: int, d: int, t: int) -> None:
    """StableSwapPool._upkeepOracle at time t: every EMA brought up to t, then the spot prices at xp and d (capped
    at 2e18) become the last prices."""
    for k, spot in enumerate(spot_prices(xp, amp, d)):
        if spot == 0:
            continue
        state.ema_prices[k] = moving_average(state.last_prices[k], state.ema_prices[k], state.ma_last_time, t)
        state.last_prices[k] = min(spot, 2 * PRECISION)
    state.ma_last_time = max(state.ma_last_time, t)


def price_oracle(state: StableSwapState, i: int, t: int) -> int:
    """price_oracle(i) at time t: the EMA of coin i+1's price in coin 0 as of t."""
    if not 0 <= i < state.n - 1:
        raise StableSwapError("CoinIndexOutOfRange")
    return moving_average(state.last_prices[i], state.ema_prices[i], state.ma_last_time, t)


def _upkeep_after(
    state: StableSwapState, amounts: Sequence[int], fees: Sequence[int], deposit: bool, d: int, t: int
) -> None:
    """The prices an imbalanced deposit or withdrawal records: at its balances less the full fees, against d."""
    moved = [(b + a if deposit else b - a) - f for b, a, f in zip(state.balances, amounts, fees, strict=True)]
    upkeep_oracle(state, to_xp(state.rates, moved), state.amp(t), d, t)


def _check_pair(state: StableSwapState, i: int, j: int) -> None:
    if i == j:
        raise StableSwapError("SameCoin")
    for k in (i, j):
        if not 0 <= k < state.n:
            raise StableSwapError("CoinIndexOutOfRange")


def _swap_out(state: StableSwapState, i: int, j: int, x: int, xp: list[int], amp: int) -> tuple[int, int]:
    """(dy before fee, fee), both in xp, of moving coin i's xp to x."""
    dy, fee, _, _ = _swap_out_with_curve(state, i, j, x, xp, amp)
    return dy, fee


def _swap_out_with_curve(
    state: StableSwapState, i: int, j: int, x: int, xp: list[int], amp: int
) -> tuple[int, int, int, int]:
    """(dy before fee, fee, coin j's new xp, D before the swap)."""
    d = get_D(xp, amp)
    y = get_y(i, j, x, xp, amp, d)
    dy = _sub(_sub(xp[j], y), 1)
    rate = dynamic_fee((xp[i] + x) // 2, (xp[j] + y) // 2, state.fee, state.offpeg_fee_multiplier)
    return dy, dy * rate // FEE_DENOMINATOR, y, d


def get_dy(state: StableSwapState, i: int, j: int, dx: int, t: int) -> int:
    """What exchange(i, j, dx) pays out at time t."""
    _check_pair(state, i, j)
    xp = state.xp()
    x = xp[i] + dx * state.rates[i] // PRECISION
    dy, fee = _swap_out(state, i, j, x, xp, state.amp(t))
    return _sub(dy, fee) * PRECISION // state.rates[j]


def get_dx(state: StableSwapState, i: int, j: int, dy: int, t: int) -> int:
    """About how much of coin i buys dy of coin j (NG's Views.get_dx, fee at current balances)."""
    _check_pair(state, i, j)
    amp = state.amp(t)
    xp = state.xp()
    d = get_D(xp, amp)
    dy_with_fee = dy * state.rates[j] // PRECISION + 1
    rate = dynamic_fee(xp[i], xp[j], state.fee, state.offpeg_fee_multiplier)
    y = _sub(xp[j], dy_with_fee * FEE_DENOMINATOR // (FEE_DENOMINATOR - rate))
    x = get_y(j, i, y, xp, amp, d)
    return _sub(x, xp[i]) * PRECISION // state.rates[i]


def exchange(state: StableSwapState, i: int, j: int, dx: int, t: int, min_dy: int = 0) -> int:
    """Sells dx of coin i for coin j at time t; returns dy and books the admin's half of the fee."""
    _check_pair(state, i, j)
    if dx == 0:
        raise StableSwapError("ZeroAmount")
    xp = state.xp()
    x = xp[i] + dx * state.rates[i] // PRECISION
    amp = state.amp(t)
    dy_xp, fee_xp, y, d = _swap_out_with_curve(state, i, j, x, xp, amp)
    dy = _sub(dy_xp, fee_xp) * PRECISION // state.rates[j]
    if dy < min_dy:
        raise StableSwapError("InsufficientOutput", f"{dy} < {min_dy}")
    admin_fee = fee_xp * ADMIN_FEE // FEE_DENOMINATOR * PRECISION // state.rates[j]
    new_j = _sub(state.balances[j], dy + admin_fee)
    xp[i], xp[j] = x, y
    upkeep_oracle(state, xp, amp, d, t)
    state.balances[i] += dx
    state.balances[j] = new_j
    state.admin_balances[j] += admin_fee
    return dy


def _liquidity_change(
    state: StableSwapState, amounts: Sequence[int], is_deposit: bool, t: int
) -> tuple[int, int, int, list[int]]:
    """(D before, D after the move, D after the imbalance fees, fees per coin)."""
    if len(amounts) != state.n:
        raise StableSwapError("WrongLength")
    amp = state.amp(t)
    old = list(state.balances)
    updated = [b + a if is_deposit else _sub(b, a) for b, a in zip(old, amounts, strict=True)]
    d0 = get_D(to_xp(state.rates, old), amp)
    d1 = get_D(to_xp(state.rates, updated), amp)
    fees = [0] * state.n
    if state.total_supply == 0:
        return d0, d1, d1, fees
    base_fee = state.fee * state.n // (4 * (state.n - 1))
    ys = (d0 + d1) // state.n
    for k in range(state.n):
        ideal = d1 * old[k] // d0
        difference = abs(ideal - updated[k])
        xs = state.rates[k] * (old[k] + updated[k]) // PRECISION
        fee_rate = dynamic_fee(xs, ys, base_fee, state.offpeg_fee_multiplier)
        fees[k] = fee_rate * difference // FEE_DENOMINATOR
        updated[k] = _sub(updated[k], fees[k])
    return d0, d1, get_D(to_xp(state.rates, updated), amp), fees


def calc_token_amount(state: StableSwapState, amounts: Sequence[int], is_deposit: bool, t: int) -> int:
    """LP shares minted for depositing (or burned, one wei short, for withdrawing) `amounts`."""
    d0, d1, d2, _ = _liquidity_change(state, amounts, is_deposit, t)
    if state.total_supply == 0:
        return d1
    diff = _sub(d2, d0) if is_deposit else _sub(d0, d2)
    return diff * state.total_supply // d0


def add_liquidity(state: StableSwapState, amounts: Sequence[int], t: int, min_mint_amount: int = 0) -> int:
    """Deposits `amounts` at time t; returns the LP shares minted."""
    minted, _ = add_liquidity_with_fees(state, amounts, t, min_mint_amount)
    return minted


def add_liquidity_with_fees(
    state: StableSwapState, amounts: Sequence[int], t: int, min_mint_amount: int = 0
) -> tuple[int, list[int]]:
    """As add_liquidity, also returning the imbalance fee per coin (the AddLiquidity event's `fees`)."""
    supply = state.total_supply
    if len(amounts) != state.n:
        raise StableSwapError("WrongLength")
    if supply == 0 and 0 in amounts:
        raise StableSwapError("InitialDepositNeedsAllCoins")
    d0, d1, d2, fees = _liquidity_change(state, amounts, True, t)
    if d1 <= d0:
        raise StableSwapError("InvariantNotIncreased")
    minted = d1 if supply == 0 else supply * _sub(d2, d0) // d0
    if minted < min_mint_amount:
        raise StableSwapError("InsufficientMint", f"{minted} < {min_mint_amount}")
    if supply != 0:
        _upkeep_after(state, amounts, fees, True, d2, t)
    admin_fees = [fee * ADMIN_FEE // FEE_DENOMINATOR for fee in fees]
    state.balances = [
        _sub(b + amount, a) for b, amount, a in zip(state.balances, amounts, admin_fees, strict=True)
    ]
    state.admin_balances = [b + a for b, a in zip(state.admin_balances, admin_fees, strict=True)]
    state.total_supply += minted
    return minted, fees


def withdraw_admin_fees(state: StableSwapState) -> list[int]:
    """Clears the admin balances and returns what goes to the owner."""
    paid = list(state.admin_balances)
    state.admin_balances = [0] * state.n
    return paid


def remove_liquidity(
    state: StableSwapState, burn_amount: int, min_amounts: Sequence[int] | None = None
) -> list[int]:
    """Burns shares for a pro-rata share of every coin, then pays the admin fees out (NG's default)."""
    if burn_amount == 0:
        raise StableSwapError("ZeroAmount")
    minimums = [0] * state.n if min_amounts is None else list(min_amounts)
    if len(minimums) != state.n:
        raise StableSwapError("WrongLength")
    amounts = [_div(b * burn_amount, state.total_supply) for b in state.balances]
    for amount, minimum in zip(amounts, minimums, strict=True):
        if amount < minimum:
            raise StableSwapError("InsufficientOutput", f"{amount} < {minimum}")
    supply = _sub(state.total_supply, burn_amount)
    state.balances = [_sub(b, a) for b, a in zip(state.balances, amounts, strict=True)]
    state.total_supply = supply
    withdraw_admin_fees(state)
    return amounts


def _withdraw_one_coin(state: StableSwapState, burn_amount: int, i: int, t: int) -> tuple[int, int]:
    """(coins paid, fee in coin i) for burning burn_amount shares into coin i alone."""
    dy, fee, _, _ = _withdraw_one_coin_with_curve(state, burn_amount, i, t)
    return dy, fee


def _withdraw_one_coin_with_curve(
    state: StableSwapState, burn_amount: int, i: int, t: int
) -> tuple[int, int, int, int]:
    """(coins paid, fee in coin i, coin i's xp after it before fees, D after it)."""
    if not 0 <= i < state.n:
        raise StableSwapError("CoinIndexOutOfRange")
    amp = state.amp(t)
    xp = state.xp()
    n = state.n
    d0 = get_D(xp, amp)
    d1 = _sub(d0, _div(burn_amount * d0, state.total_supply))
    new_y = get_y_D(amp, i, xp, d1)
    base_fee = state.fee * n // (4 * (n - 1))
    ys = (d0 + d1) // (2 * n)
    xp_reduced = list(xp)
    for k in range(n):
        if k == i:
            expected = _sub(xp[k] * d1 // d0, new_y)
            xavg = (xp[k] + new_y) // 2
        else:
            expected = _sub(xp[k], xp[k] * d1 // d0)
            xavg = xp[k]
        fee_rate = dynamic_fee(xavg, ys, base_fee, state.offpeg_fee_multiplier)
        xp_reduced[k] = _sub(xp[k], fee_rate * expected // FEE_DENOMINATOR)
    dy_xp = _sub(xp_reduced[i], get_y_D(amp, i, xp_reduced, d1))
    dy_no_fee = _sub(xp[i], new_y) * PRECISION // state.rates[i]
    dy = _sub(dy_xp, 1) * PRECISION // state.rates[i]
    return dy, _sub(dy_no_fee, dy), new_y, d1


def calc_withdraw_one_coin(state: StableSwapState, burn_amount: int, i: int, t: int) -> int:
    """What remove_liquidity_one_coin(burn_amount, i) pays at time t."""
    return _withdraw_one_coin(state, burn_amount, i, t)[0]


def remove_liquidity_one_coin(
    state: StableSwapState, burn_amount: int, i: int, t: int, min_received: int = 0
) -> int:
    """Burns shares for coin i alone at time t; returns the coins paid."""
    if burn_amount == 0:
        raise StableSwapError("ZeroAmount")
    dy, fee, new_y, d1 = _withdraw_one_coin_with_curve(state, burn_amount, i, t)
    if dy < min_received:
        raise StableSwapError("InsufficientOutput", f"{dy} < {min_received}")
    admin_fee = fee * ADMIN_FEE // FEE_DENOMINATOR
    supply = _sub(state.total_supply, burn_amount)
    balance = _sub(state.balances[i], dy + admin_fee)
    xp = state.xp()
    xp[i] = new_y
    upkeep_oracle(state, xp, state.amp(t), d1, t)
    state.balances[i] = balance
    state.admin_balances[i] += admin_fee
    state.total_supply = supply
    return dy


def remove_liquidity_imbalance(
    state: StableSwapState, amounts: Sequence[int], t: int, max_burn_amount: int | None = None
) -> int:
    """Withdraws exactly `amounts` at time t; returns the shares burned (one more than the exact figure)."""
    supply = state.total_supply
    d0, _, d2, fees = _liquidity_change(state, amounts, False, t)
    burned = _sub(d0, d2) * supply // d0 + 1
    if burned <= 1:
        raise StableSwapError("ZeroAmount")
    if max_burn_amount is not None and burned > max_burn_amount:
        raise StableSwapError("ExcessiveBurn", f"{burned} > {max_burn_amount}")
    new_supply = _sub(supply, burned)
    admin_fees = [fee * ADMIN_FEE // FEE_DENOMINATOR for fee in fees]
    balances = [_sub(b, amount + a) for b, amount, a in zip(state.balances, amounts, admin_fees, strict=True)]
    _upkeep_after(state, amounts, fees, False, d2, t)
    state.balances = balances
    state.admin_balances = [b + a for b, a in zip(state.admin_balances, admin_fees, strict=True)]
    state.total_supply = new_supply
    return burned


def virtual_price(state: StableSwapState, t: int) -> int:
    """get_virtual_price(): D * 1e18 / LP supply."""
    if state.total_supply == 0:
        raise StableSwapError("EmptyPool")
    return state.D(t) * PRECISION // state.total_supply


def pool_dynamic_fee(state: StableSwapState, i: int, j: int) -> int:
    """dynamic_fee(i, j): the fee at the current balances of coins i and j."""
    xp = state.xp()
    return dynamic_fee(xp[i], xp[j], state.fee, state.offpeg_fee_multiplier)


def get_p(state: StableSwapState, i: int, t: int) -> int:
    """get_p(i): marginal price of coin i+1 in coin 0, 1e18 = par."""
    if not 0 <= i < state.n - 1:
        raise StableSwapError("CoinIndexOutOfRange")
    amp = state.amp(t)
    xp = state.xp()
    return spot_prices(xp, amp, get_D(xp, amp))[i]


def ramp_A(state: StableSwapState, future_a: int, future_time: int, t: int) -> None:
    """ramp_A(future_a, future_time) sent at time t (future_a not scaled)."""
    if t < state.initial_A_time + MIN_RAMP_TIME:
        raise StableSwapError("RampTooSoon")
    if future_time < t + MIN_RAMP_TIME:
        raise StableSwapError("RampTooShort")
    initial = state.amp(t)
    future = future_a * A_PRECISION
    if future_a == 0 or future_a >= MAX_A:
        raise StableSwapError("BadA")
    too_far = future * MAX_A_CHANGE < initial if future < initial else future > initial * MAX_A_CHANGE
    if too_far:
        raise StableSwapError("AChangeTooLarge")
    state.initial_A, state.future_A = initial, future
    state.initial_A_time, state.future_A_time = t, future_time


def stop_ramp_A(state: StableSwapState, t: int) -> None:
    """stop_ramp_A() sent at time t: A freezes at its current value."""
    current = state.amp(t)
    state.initial_A = state.future_A = current
    state.initial_A_time = state.future_A_time = t
