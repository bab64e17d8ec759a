"""Mirror of LendingPool's math to the wei: rates, index accrual, account health and liquidation amounts.

The pool follows Aave v3.3 (health factor, close factor, dust rule, deficit) with two deliberate departures:
rounding always in the protocol's favour where Aave rounds half up, and the borrow index compounded as
1 + x + x^2/2 + x^3/6. tests/contracts/real_aave checks this module against our bytecode, and against Aave
v3.0.2's bytecode with every difference between the versions a named switch (docs/interfaces.md lists them).
Amounts are integers in token units; "base" values are USD with 8 decimals; rates and indexes are RAY; ltv,
thresholds, bonus and fees are bps.

Typical use, without touching the chain::

    data = account_data(positions, prices, params, emode)
    if data.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
        plan = liquidation_amounts(positions, prices, params, emode, "WETH", "USDC", MAX_UINT256)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from sim.mirrors.fixed_point import (
    PERCENTAGE_FACTOR,
    RAY,
    WAD,
    mul_div_ceil,
    percent_div,
    percent_div_ceil,
    percent_mul,
    ray_div,
    ray_div_ceil,
    ray_div_floor,
    ray_mul,
    ray_mul_ceil,
    ray_mul_floor,
    unit,
    wad_div,
)

# LendingPool.DEFAULT_FLASHLOAN_PREMIUM: the flash-loan fee in basis points, rounded up on the amount.
FLASHLOAN_PREMIUM_BPS = 5

SECONDS_PER_YEAR = 365 * 24 * 3600
BPS_TO_RAY = 10**23
MAX_UINT256 = 2**256 - 1

HEALTH_FACTOR_LIQUIDATION_THRESHOLD = WAD
CLOSE_FACTOR_HF_THRESHOLD = 95 * WAD // 100
DEFAULT_LIQUIDATION_CLOSE_FACTOR = 5_000
MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD = 2_000 * 10**8
MIN_LEFTOVER_BASE = MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD // 2


# ---------------------------------------------------------------------------------------------- scaled balances


def supply_balance(scaled: int, liquidity_index: int) -> int:
    """A supply position's balance: rounded down (never overstates what a supplier can take out)."""
    return ray_mul_floor(scaled, liquidity_index)


def debt_balance(scaled: int, borrow_index: int) -> int:
    """A debt position's balance: rounded up (never understates what a borrower owes)."""
    return ray_mul_ceil(scaled, borrow_index)


def supply_mint_scaled(amount: int, liquidity_index: int) -> int:
    """Scaled units credited for a supply of `amount` (rounded down)."""
    return ray_div_floor(amount, liquidity_index)


def supply_burn_scaled(amount: int, liquidity_index: int) -> int:
    """Scaled units burned or moved for `amount` of supply (withdraw, seizure, fee; rounded up)."""
    return ray_div_ceil(amount, liquidity_index)


def debt_mint_scaled(amount: int, borrow_index: int) -> int:
    """Scaled debt booked for a borrow of `amount` (rounded up)."""
    return ray_div_ceil(amount, borrow_index)


def debt_burn_scaled(amount: int, borrow_index: int) -> int:
    """Scaled debt cleared by a repayment of `amount` (rounded down)."""
    return ray_div_floor(amount, borrow_index)


# ---------------------------------------------------------------------------------------------- interest


def linear_interest(rate: int, elapsed: int) -> int:
    """1 + rate * dt / year in RAY: the supply side's growth factor between two updates."""
    return RAY + rate * elapsed // SECONDS_PER_YEAR


def compounded_interest(rate: int, elapsed: int) -> int:
    """1 + x + x^2/2 + x^3/6 in RAY with x = rate * dt / year: the borrow side's growth factor."""
    if elapsed == 0:
        return RAY
    x = rate * elapsed // SECONDS_PER_YEAR
    return RAY + x + ray_mul(x, x // 2 + ray_mul(x, x // 6))


@dataclass(frozen=True)
class RateModel:
    """The kinked rate model's parameters, in bps as the pool stores them."""

    optimal_usage_ratio: int
    base_variable_borrow_rate: int
    variable_rate_slope1: int
    variable_rate_slope2: int


def interest_rates(
    model: RateModel, available: int, total_debt: int, deficit: int, reserve_factor: int
) -> tuple[int, int]:
    """(liquidity rate, variable borrow rate) in RAY for the given cash, debt and deficit."""
    borrow_rate = model.base_variable_borrow_rate * BPS_TO_RAY
    if total_debt == 0:
        return 0, borrow_rate
    available_plus_debt = available + total_debt
    borrow_usage = ray_div(total_debt, available_plus_debt)
    supply_usage = ray_div(total_debt, available_plus_debt + deficit)
    optimal = model.optimal_usage_ratio * BPS_TO_RAY
    slope1 = model.variable_rate_slope1 * BPS_TO_RAY
    if borrow_usage > optimal:
        excess = ray_div(borrow_usage - optimal, RAY - optimal)
        borrow_rate += slope1 + ray_mul(model.variable_rate_slope2 * BPS_TO_RAY, excess)
    else:
        borrow_rate += ray_div(ray_mul(slope1, borrow_usage), optimal)
    liquidity_rate = percent_mul(ray_mul(borrow_rate, supply_usage), PERCENTAGE_FACTOR - reserve_factor)
    return liquidity_rate, borrow_rate


@dataclass(frozen=True)
class ReserveState:
    """A reserve's accounting state, field for field as getReserveState reports it."""

    liquidity_index: int = RAY
    variable_borrow_index: int = RAY
    liquidity_rate: int = 0
    borrow_rate: int = 0
    last_update: int = 0
    scaled_total_supply: int = 0
    scaled_total_debt: int = 0
    accrued_to_treasury: int = 0
    virtual_balance: int = 0
    deficit: int = 0
    reserve_factor: int = 0


def normalized_income(state: ReserveState, now: int) -> int:
    """getReserveNormalizedIncome: the liquidity index as of `now`."""
    if now == state.last_update:
        return state.liquidity_index
    return ray_mul(linear_interest(state.liquidity_rate, now - state.last_update), state.liquidity_index)


def normalized_debt(state: ReserveState, now: int) -> int:
    """getReserveNormalizedVariableDebt: the variable-borrow index as of `now`."""
    if now == state.last_update:
        return state.variable_borrow_index
    return ray_mul(
        compounded_interest(state.borrow_rate, now - state.last_update), state.variable_borrow_index
    )


def accrue(state: ReserveState, now: int) -> ReserveState:
    """The reserve after the pool's _updateState at `now`: indexes and the treasury's share of new interest."""
    if now == state.last_update:
        return state
    liquidity_index = state.liquidity_index
    if state.liquidity_rate != 0:
        liquidity_index = normalized_income(state, now)
    borrow_index = state.variable_borrow_index
    accrued = state.accrued_to_treasury
    if state.scaled_total_debt != 0:
        borrow_index = normalized_debt(state, now)
        if state.reserve_factor != 0:
            grown = ray_mul_floor(state.scaled_total_debt, borrow_index - state.variable_borrow_index)
            to_treasury = percent_mul(grown, state.reserve_factor)
            if to_treasury != 0:
                accrued += ray_div_floor(to_treasury, liquidity_index)
    return replace(
        state,
        liquidity_index=liquidity_index,
        variable_borrow_index=borrow_index,
        accrued_to_treasury=accrued,
        last_update=now,
    )


def update_rates(state: ReserveState, model: RateModel, added: int = 0, taken: int = 0) -> ReserveState:
    """The reserve after the pool's _updateRates: cash moved by `added` in and `taken` out, new rates."""
    available = state.virtual_balance + added - taken
    if available < 0:
        raise ValueError("NotEnoughLiquidity")
    total_debt = debt_balance(state.scaled_total_debt, state.variable_borrow_index)
    liquidity_rate, borrow_rate = interest_rates(
        model, available, total_debt, state.deficit, state.reserve_factor
    )
    return replace(state, liquidity_rate=liquidity_rate, borrow_rate=borrow_rate, virtual_balance=available)


# ---------------------------------------------------------------------------------------------- account health


@dataclass(frozen=True)
class ReserveParams:
    """A reserve's risk parameters (bps; the bonus includes the 100%: 10500 = +5%)."""

    decimals: int
    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int
    liquidation_protocol_fee: int = 0


@dataclass(frozen=True)
class EModeCategory:
    """A user's e-mode category: its parameters replace those of the assets it lists as collateral."""

    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int
    collateral_assets: frozenset[str] = field(default_factory=frozenset)
    borrowable_assets: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Position:
    """A user's position in one reserve, in token units as the pool reports them (getUserReserve)."""

    supplied: int = 0
    debt: int = 0
    collateral_enabled: bool = True


@dataclass(frozen=True)
class AccountData:
    """getUserAccountData, plus whether any enabled collateral has zero LTV."""

    total_collateral_base: int
    total_debt_base: int
    available_borrows_base: int
    current_liquidation_threshold: int
    ltv: int
    health_factor: int
    has_zero_ltv_collateral: bool = False


def effective_terms(params: ReserveParams, asset: str, emode: EModeCategory | None) -> tuple[int, int]:
    """(ltv, liquidation threshold) of a collateral asset for a user in `emode`."""
    if emode is not None and asset in emode.collateral_assets:
        return emode.ltv, emode.liquidation_threshold
    return params.ltv, params.liquidation_threshold


def collateral_base(amount: int, price: int, decimals: int) -> int:
    """A collateral amount in base currency, rounded down."""
    return amount * price // unit(decimals)


def debt_base(amount: int, price: int, decimals: int) -> int:
    """A debt amount in base currency, rounded up (any non-zero debt is worth at least 1)."""
    return mul_div_ceil(amount, price, unit(decimals))


def account_data(
    positions: Mapping[str, Position],
    prices: Mapping[str, int],
    params: Mapping[str, ReserveParams],
    emode: EModeCategory | None = None,
) -> AccountData:
    """The pool's getUserAccountData for a user holding `positions` (asset -> Position) at `prices`."""
    collateral = debt = weighted_ltv = weighted_lt = 0
    has_zero_ltv = False
    for asset, position in positions.items():
        p = params[asset]
        if position.collateral_enabled and p.liquidation_threshold != 0:
            value = collateral_base(position.supplied, prices[asset], p.decimals)
            collateral += value
            ltv, lt = effective_terms(p, asset, emode)
            if p.ltv != 0:
                weighted_ltv += value * ltv
            else:
                has_zero_ltv = True
            weighted_lt += value * lt
        if position.debt != 0:
            debt += debt_base(position.debt, prices[asset], p.decimals)
    avg_ltv = weighted_ltv // collateral if collateral else 0
    avg_lt = weighted_lt // collateral if collateral else 0
    health = MAX_UINT256 if debt == 0 else wad_div(percent_mul(collateral, avg_lt), debt)
    borrowable = percent_mul(collateral, avg_ltv)
    available = borrowable - debt if borrowable > debt else 0
    return AccountData(collateral, debt, available, avg_lt, avg_ltv, health, has_zero_ltv)


def is_liquidatable(data: AccountData) -> bool:
    return data.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD


def borrow_headroom(data: AccountData, price: int, decimals: int) -> int:
    """The most of an asset (base units, at `price`) the pool lets an account with `data` borrow now: the
    largest `owed` whose value `price * owed / unit` (rounded down) keeps `percentDiv(debt + value, ltv)` within
    the collateral, LendingPool._validateBorrowPower's check to the unit. 0 when it may not borrow at all."""
    if (
        data.ltv == 0
        or data.total_collateral_base == 0
        or data.health_factor <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD
    ):
        return 0
    low, high = data.total_debt_base, data.total_collateral_base * PERCENTAGE_FACTOR // data.ltv + 1
    while low < high:  # the largest total debt (base) whose percentDiv by the LTV fits the collateral
        mid = (low + high + 1) // 2
        if percent_div(mid, data.ltv) <= data.total_collateral_base:
            low = mid
        else:
            high = mid - 1
    if percent_div(low, data.ltv) > data.total_collateral_base:
        return 0
    room = low - data.total_debt_base
    return ((room + 1) * unit(decimals) - 1) // price


# ---------------------------------------------------------------------------------------------- liquidation


class LiquidationError(ValueError):
    """The pool would revert this liquidation; `reason` is the contract's custom error name."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LiquidationAmounts:
    """What a liquidationCall does: the debt repaid and collateral sent to the liquidator (as LiquidationCall
    reports them), the protocol fee taken out of the bonus, the seized collateral in base currency, the
    close-factor cap and whether the borrower is left without collateral (the rest of its debt becomes deficit)."""

    debt_repaid: int
    collateral_to_liquidator: int
    protocol_fee: int
    collateral_seized_base: int
    max_liquidatable_debt: int
    liquidation_bonus: int
    has_no_collateral_left: bool


def liquidation_bonus(params: ReserveParams, asset: str, emode: EModeCategory | None) -> int:
    if emode is not None and asset in emode.collateral_assets:
        return emode.liquidation_bonus
    return params.liquidation_bonus


def max_liquidatable_debt(
    health_factor: int,
    total_debt_base: int,
    collateral_balance_base: int,
    debt_balance: int,
    debt_price: int,
    debt_decimals: int,
) -> int:
    """Aave v3.3's close factor: all the reserve debt, unless the liquidated collateral and debt are both worth
    >= $2,000 and HF > 0.95, when the cap is half the account's total debt (if this reserve's debt exceeds it)."""
    debt_value = debt_balance * debt_price // unit(debt_decimals)
    if (
        collateral_balance_base >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
        and debt_value >= MIN_BASE_MAX_CLOSE_FACTOR_THRESHOLD
        and health_factor > CLOSE_FACTOR_HF_THRESHOLD
    ):
        half = percent_mul(total_debt_base, DEFAULT_LIQUIDATION_CLOSE_FACTOR)
        if debt_value > half:
            return half * unit(debt_decimals) // debt_price
    return debt_balance


def seized_collateral(
    debt_to_cover: int,
    collateral_balance: int,
    collateral_price: int,
    collateral_decimals: int,
    debt_price: int,
    debt_decimals: int,
    bonus: int,
    protocol_fee_bps: int,
) -> tuple[int, int, int, int]:
    """(collateral to liquidator, debt repaid, protocol fee, seized collateral in base currency).

    base = debt * P_debt * 10^dec_coll / (P_coll * 10^dec_debt); seized = base x bonus; when that exceeds the
    balance, the whole balance is seized and the debt repaid is its value divided by the bonus (rounded up).
    The fee is its bps share of the bonus part, taken out of what the liquidator gets."""
    coll_unit, debt_unit = unit(collateral_decimals), unit(debt_decimals)
    base = debt_price * debt_to_cover * coll_unit // (collateral_price * debt_unit)
    collateral = percent_mul(base, bonus)
    debt = debt_to_cover
    if collateral > collateral_balance:
        collateral = collateral_balance
        value = collateral_price * collateral * debt_unit // (debt_price * coll_unit)
        debt = percent_div_ceil(value, bonus)
    seized_base = collateral * collateral_price // coll_unit
    fee = 0
    if protocol_fee_bps != 0:
        fee = percent_mul(collateral - percent_div(collateral, bonus), protocol_fee_bps)
        collateral -= fee
    return collateral, debt, fee, seized_base


def liquidation_amounts(
    positions: Mapping[str, Position],
    prices: Mapping[str, int],
    params: Mapping[str, ReserveParams],
    emode: EModeCategory | None,
    collateral_asset: str,
    debt_asset: str,
    debt_to_cover: int,
) -> LiquidationAmounts:
    """The outcome of liquidationCall(collateral_asset, debt_asset, user, debt_to_cover) on a user holding
    `positions`; raises LiquidationError with the contract's error name where the pool would revert."""
    data = account_data(positions, prices, params, emode)
    collateral_position = positions.get(collateral_asset, Position())
    debt_position = positions.get(debt_asset, Position())
    cp, dp = params[collateral_asset], params[debt_asset]
    if data.health_factor >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
        raise LiquidationError("HealthFactorNotBelowThreshold")
    if cp.liquidation_threshold == 0 or not collateral_position.collateral_enabled:
        raise LiquidationError("CollateralCannotBeLiquidated")
    if debt_position.debt == 0:
        raise LiquidationError("SpecifiedCurrencyNotBorrowedByUser")
    coll_price, debt_price = prices[collateral_asset], prices[debt_asset]
    balance = collateral_position.supplied
    cap = max_liquidatable_debt(
        data.health_factor,
        data.total_debt_base,
        collateral_base(balance, coll_price, cp.decimals),
        debt_position.debt,
        debt_price,
        dp.decimals,
    )
    bonus = liquidation_bonus(cp, collateral_asset, emode)
    collateral, debt, fee, seized_base = seized_collateral(
        min(debt_to_cover, cap),
        balance,
        coll_price,
        cp.decimals,
        debt_price,
        dp.decimals,
        bonus,
        cp.liquidation_protocol_fee,
    )
    if debt < debt_position.debt and collateral + fee < balance:
        debt_left = (debt_position.debt - debt) * debt_price // unit(dp.decimals)
        collateral_left = collateral_base(balance - collateral - fee, coll_price, cp.decimals)
        if debt_left < MIN_LEFTOVER_BASE or collateral_left < MIN_LEFTOVER_BASE:
            raise LiquidationError("MustNotLeaveDust")
    return LiquidationAmounts(
        debt_repaid=debt,
        collateral_to_liquidator=collateral,
        protocol_fee=fee,
        collateral_seized_base=seized_base,
        max_liquidatable_debt=cap,
        liquidation_bonus=bonus,
        has_no_collateral_left=data.total_collateral_base == seized_base,
    )
