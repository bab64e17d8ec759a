"""The rules in which our LendingPool (Aave v3.3's mechanics, rounding in the protocol's favour) deliberately
differs from the real Aave v3.0.2 bytecode, as switches over the lending mirror: one `Rules` per version, and
each difference a named field. The differential test predicts every health factor and liquidation of each market
from its own state with its own Rules, so each documented difference is asserted as exactly that difference.

| switch | Aave v3.0.2 (real) | ours (v3.3 + directional rounding) |
|---|---|---|
| debt in base currency | floor(debt * price / unit) | ceil (debt never understated) |
| close factor | 50% of the reserve debt when HF > 0.95, else 100% | v3.3: 100%, unless collateral and debt >= $2,000 and HF > 0.95: 50% of the account's total debt |
| dust rule | none | v3.3: a partial liquidation must leave >= $1,000 of debt and collateral (MustNotLeaveDust) |
| debt repaid when the collateral runs out | value / bonus rounded half up | rounded up |
| bad debt | stays on the account, accruing | v3.3: written off into the reserve deficit (DeficitCreated) |
| balances | scaled x index rounded half up | supply rounded down, debt rounded up (v3.5's direction) |
| compounded interest | 1 + x + n(n-1)b^2/2 + n(n-1)(n-2)b^3/6 (b = rate per second) | 1 + x + x^2/2 + x^3/6 (x = rate * dt / year) |
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sim.mirrors.lending import (
    CLOSE_FACTOR_HF_THRESHOLD,
    DEFAULT_LIQUIDATION_CLOSE_FACTOR,
    HEALTH_FACTOR_LIQUIDATION_THRESHOLD,
    MAX_UINT256,
    PERCENTAGE_FACTOR,
    EModeCategory,
    LiquidationError,
    Position,
    ReserveParams,
    account_data,
    collateral_base,
    liquidation_amounts,
    liquidation_bonus,
    percent_div,
    percent_mul,
    unit,
    wad_div,
)


@dataclass(frozen=True)
class Rules:
    name: str
    debt_base_rounds_up: bool
    v33_close_factor_and_dust: bool
    capped_debt_rounds_up: bool
    writes_off_bad_debt: bool
    # the compounding formula follows the same split: v3.0's binomial form for the real market


AAVE_V3_0_2 = Rules("Aave v3.0.2 (npm @aave/core-v3 1.19.3)", False, False, False, False)
OURS = Rules("LendingPool: Aave v3.3 mechanics, protocol-favouring rounding", True, True, True, True)


def account(
    rules: Rules,
    positions: Mapping[str, Position],
    prices: Mapping[str, int],
    params: Mapping[str, ReserveParams],
    emode: EModeCategory | None,
) -> tuple[int, int, int, int, int, int]:
    """getUserAccountData under `rules`."""
    ours = account_data(positions, prices, params, emode)
    if rules.debt_base_rounds_up:
        d = ours
    else:
        debt = sum(
            p.debt * prices[a] // unit(params[a].decimals) for a, p in positions.items() if p.debt != 0
        )
        collateral, lt, ltv = ours.total_collateral_base, ours.current_liquidation_threshold, ours.ltv
        health = MAX_UINT256 if debt == 0 else wad_div(percent_mul(collateral, lt), debt)
        borrowable = percent_mul(collateral, ltv)
        return (collateral, debt, max(0, borrowable - debt), lt, ltv, health)
    return (
        d.total_collateral_base,
        d.total_debt_base,
        d.available_borrows_base,
        d.current_liquidation_threshold,
        d.ltv,
        d.health_factor,
    )


def liquidation(
    rules: Rules,
    positions: Mapping[str, Position],
    prices: Mapping[str, int],
    params: Mapping[str, ReserveParams],
    emode: EModeCategory | None,
    collateral_asset: str,
    debt_asset: str,
    debt_to_cover: int,
) -> tuple[int, int]:
    """(debt repaid, collateral to the liquidator) of a liquidationCall under `rules`; raises LiquidationError
    (with our error name) where that version reverts."""
    if rules.v33_close_factor_and_dust:
        plan = liquidation_amounts(
            positions, prices, params, emode, collateral_asset, debt_asset, debt_to_cover
        )
        return plan.debt_repaid, plan.collateral_to_liquidator
    health = account(rules, positions, prices, params, emode)[5]
    collateral = positions.get(collateral_asset, Position())
    debt = positions.get(debt_asset, Position())
    cp, dp = params[collateral_asset], params[debt_asset]
    if health >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
        raise LiquidationError("HealthFactorNotBelowThreshold")
    if cp.liquidation_threshold == 0 or not collateral.collateral_enabled:
        raise LiquidationError("CollateralCannotBeLiquidated")
    if debt.debt == 0:
        raise LiquidationError("SpecifiedCurrencyNotBorrowedByUser")
    close_factor = (
        DEFAULT_LIQUIDATION_CLOSE_FACTOR if health > CLOSE_FACTOR_HF_THRESHOLD else PERCENTAGE_FACTOR
    )
    to_cover = min(debt_to_cover, percent_mul(debt.debt, close_factor))
    bonus = liquidation_bonus(cp, collateral_asset, emode)
    coll_unit, debt_unit = unit(cp.decimals), unit(dp.decimals)
    coll_price, debt_price = prices[collateral_asset], prices[debt_asset]
    base = debt_price * to_cover * coll_unit // (coll_price * debt_unit)
    amount = percent_mul(base, bonus)
    repaid = to_cover
    if amount > collateral.supplied:
        amount = collateral.supplied
        repaid = percent_div(coll_price * amount * debt_unit // (debt_price * coll_unit), bonus)
    if cp.liquidation_protocol_fee != 0:
        amount -= percent_mul(amount - percent_div(amount, bonus), cp.liquidation_protocol_fee)
    return repaid, amount


def seized_base(amount: int, price: int, decimals: int) -> int:
    return collateral_base(amount, price, decimals)


SECONDS_PER_YEAR = 365 * 24 * 3600
RAY = 10**27


def compounded_interest_v3_0(rate: int, elapsed: int) -> int:
    """Aave v3.0.2's MathUtils.calculateCompoundedInterest: the binomial approximation with exp*(exp-1) and
    exp*(exp-1)*(exp-2) (ours, like later versions' mirror, uses x^2/2 + x^3/6 of x = rate*dt/year)."""
    if elapsed == 0:
        return RAY
    minus_one, minus_two = elapsed - 1, elapsed - 2 if elapsed > 2 else 0
    power_two = (rate * rate + RAY // 2) // RAY // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    power_three = (power_two * rate + RAY // 2) // RAY // SECONDS_PER_YEAR
    second = elapsed * minus_one * power_two // 2
    third = elapsed * minus_one * minus_two * power_three // 6
    return RAY + rate * elapsed // SECONDS_PER_YEAR + second + third


def normalized_debt(rules: Rules, index: int, rate: int, last_update: int, now: int) -> int:
    """getReserveNormalizedVariableDebt under `rules` from a reserve's stored index, rate and last update."""
    from sim.mirrors.lending import compounded_interest, ray_mul

    if now == last_update:
        return index
    growth = (
        compounded_interest(rate, now - last_update)
        if rules.writes_off_bad_debt
        else compounded_interest_v3_0(rate, now - last_update)
    )
    return ray_mul(growth, index)
