"""One Aave v3 market model, two versions: the real Aave v3.0.2 bytecode (npm `@aave/core-v3` 1.19.3) and our
LendingPool (Aave v3.3's liquidation rules, rounding in the protocol's favour), as named switches in `Rules`.

The differential test reads each market's whole state (every reserve's indexes, rates, scaled totals, treasury
accrual and cash; every user's scaled balances, flags and e-mode), predicts the next block with this model under
that market's Rules, sends the same transaction to both markets and requires each market's new state, account
data and LiquidationCall amounts to equal its prediction to the wei. The two predictions run the same code, so
every way the markets part is one of the switches below, asserted as exactly that switch's arithmetic.

Our side calls sim.mirrors.lending (accrual, rates, account data, liquidation amounts): the mirror the simulator
relies on is checked against our bytecode here too. The Aave side follows the v3.0.2 sources shipped in the npm
package (ReserveLogic, DefaultReserveInterestRateStrategy, SupplyLogic, BorrowLogic, LiquidationLogic,
FlashLoanLogic, GenericLogic, ValidationLogic, EModeLogic, ScaledBalanceTokenBase).

| switch | Aave v3.0.2 (real bytecode) | ours |
|---|---|---|
| rounding | every scaled mint, burn, transfer and balance `rayMul`/`rayDiv` half up; debt valued in base currency rounded down; treasury accrual `(rayMul(s, new) - rayMul(s, old))` half up; flash premium half up; debt repaid by a capped liquidation `percentDiv` half up | in the protocol's favour: supply minted and valued down, burned up; debt minted and valued up, burned down; debt in base currency up; treasury accrual and premium-to-treasury down; flash premium up; capped-liquidation repayment up |
| compounding | `1 + rt + n(n-1)b^2/2 + n(n-1)(n-2)b^3/6` with `b = rate/year` (binomial, per second) | `1 + x + x^2/2 + x^3/6` with `x = rate*dt/year` (Taylor of e^x) |
| rate model | stable-debt era: the liquidity rate is `overall rate * usage` where the overall rate is a debt-weighted average (`rayDiv(rayMul(debt*1e9, rate), debt*1e9)`); cash is the aToken's token balance | variable debt only (`rate * usage`); the supply usage counts the reserve deficit; cash is a virtual balance (donations ignored) |
| close factor and dust | 50% of the reserve's debt while HF > 0.95, else 100%; no dust rule | v3.3: 100%, unless the liquidated collateral and debt are both >= $2,000 and HF > 0.95 (then half the account's total debt); a partial liquidation must leave >= $1,000 of both (`MustNotLeaveDust`) |
| bad debt | debt left without collateral stays on the account and keeps accruing | v3.3: written off into the reserve's deficit (`DeficitCreated`) in every reserve the borrower owes |
| collateral accrual | a liquidation that transfers aTokens leaves the collateral reserve's stored index untouched | the collateral reserve is accrued at the start of every liquidation |
| e-mode switch | health checked only when leaving a non-zero category (entering from 0 never checks; re-setting the same category does) | health checked after every change; setting the current category is a no-op |
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from enum import Enum

from sim.mirrors import lending as mirror
from sim.mirrors.fixed_point import (
    HALF_PERCENTAGE_FACTOR,
    PERCENTAGE_FACTOR,
    RAY,
    percent_div,
    percent_div_ceil,
    percent_mul,
    percent_mul_ceil,
    ray_div,
    ray_div_ceil,
    ray_div_floor,
    ray_mul,
    ray_mul_ceil,
    ray_mul_floor,
    unit,
    wad_div,
)
from sim.mirrors.lending import (
    HEALTH_FACTOR_LIQUIDATION_THRESHOLD,
    MAX_UINT256,
    SECONDS_PER_YEAR,
    EModeCategory,
    LiquidationError,
    Position,
    RateModel,
    ReserveParams,
    ReserveState,
)

BPS_TO_RAY = 10**23
WAD_TO_RAY = 10**9
CLOSE_FACTOR_HF_THRESHOLD = 95 * 10**16
TREASURY = "treasury"


class Version(Enum):
    AAVE_V3_0_2 = "Aave v3.0.2"
    OURS = "ours"


@dataclass(frozen=True)
class Rules:
    """Each switch is the version whose arithmetic applies (see the module's table)."""

    name: str
    rounding: Version
    compounding: Version
    rate_model: Version
    liquidation: Version
    collateral_accrual: Version
    emode_switch: Version


AAVE_V3_0_2 = Rules("Aave v3.0.2 (npm @aave/core-v3 1.19.3)", *(Version.AAVE_V3_0_2,) * 6)
OURS = Rules("LendingPool (Aave v3.3 rules, protocol-favouring rounding)", *(Version.OURS,) * 6)


class Revert(Exception):
    """The market reverts this transaction; `reason` names the check (our error name where we have one)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Listing:
    """A reserve's static configuration, the same on both markets."""

    params: ReserveParams
    reserve_factor: int
    rates: RateModel


@dataclass(frozen=True)
class Config:
    """The market's static configuration: reserves in id order, the e-mode category, the flash premium."""

    listings: dict[str, Listing]
    emode_id: int
    emode: EModeCategory
    flash_premium_bps: int

    @property
    def params(self) -> dict[str, ReserveParams]:
        return {s: x.params for s, x in self.listings.items()}


@dataclass
class User:
    """A user's position: scaled balances by asset, the configuration bitmap's flags, e-mode."""

    supply: dict[str, int] = field(default_factory=dict)
    debt: dict[str, int] = field(default_factory=dict)
    collateral: set[str] = field(default_factory=set)
    borrowing: set[str] = field(default_factory=set)
    emode: int = 0


@dataclass
class MarketState:
    """Everything both markets store that the actions touch. `ReserveState.virtual_balance` is the reserve's cash
    (Aave v3.0.2: the aToken's token balance; ours: the virtual balance); `deficit` is always 0 on Aave v3.0.2."""

    reserves: dict[str, ReserveState]
    users: dict[str, User]


@dataclass(frozen=True)
class LiquidationResult:
    debt_repaid: int
    collateral_to_liquidator: int
    protocol_fee: int
    debt_left_without_collateral: bool  # v3.0.2 keeps it on the account; ours writes it off


class Market:
    """Predicts one market's next state: each action mutates `state` (a copy) or raises Revert, leaving it as it
    was. `now` is the timestamp of the block the action runs in."""

    def __init__(
        self, rules: Rules, config: Config, state: MarketState, prices: dict[str, int], now: int
    ) -> None:
        self.rules = rules
        self.config = config
        self.state = copy.deepcopy(state)
        self.prices = prices
        self.now = now

    # ---------------------------------------------------------------------------------- arithmetic per version

    @property
    def _ours(self) -> bool:
        return self.rules.rounding is Version.OURS

    def supply_balance(self, scaled: int, index: int) -> int:
        return ray_mul_floor(scaled, index) if self._ours else ray_mul(scaled, index)

    def debt_balance(self, scaled: int, index: int) -> int:
        return ray_mul_ceil(scaled, index) if self._ours else ray_mul(scaled, index)

    def supply_mint(self, amount: int, index: int) -> int:
        return ray_div_floor(amount, index) if self._ours else ray_div(amount, index)

    def supply_burn(self, amount: int, index: int) -> int:
        return ray_div_ceil(amount, index) if self._ours else ray_div(amount, index)

    def debt_mint(self, amount: int, index: int) -> int:
        return ray_div_ceil(amount, index) if self._ours else ray_div(amount, index)

    def debt_burn(self, amount: int, index: int) -> int:
        return ray_div_floor(amount, index) if self._ours else ray_div(amount, index)

    def debt_in_base(self, amount: int, price: int, decimals: int) -> int:
        if self._ours:
            return mirror.debt_base(amount, price, decimals)
        return amount * price // unit(decimals)

    def compounded(self, rate: int, elapsed: int) -> int:
        if self.rules.compounding is Version.OURS:
            return mirror.compounded_interest(rate, elapsed)
        return compounded_interest_v3_0(rate, elapsed)

    def normalized_income(self, asset: str) -> int:
        r = self.state.reserves[asset]
        if self.now == r.last_update:
            return r.liquidity_index
        return ray_mul(mirror.linear_interest(r.liquidity_rate, self.now - r.last_update), r.liquidity_index)

    def normalized_debt(self, asset: str) -> int:
        r = self.state.reserves[asset]
        if self.now == r.last_update:
            return r.variable_borrow_index
        return ray_mul(self.compounded(r.borrow_rate, self.now - r.last_update), r.variable_borrow_index)

    # ---------------------------------------------------------------------------------- reserve updates

    def accrue(self, asset: str) -> None:
        """updateState: both indexes and the treasury's share of the interest since the last update."""
        r = self.state.reserves[asset]
        if self.now == r.last_update:
            return
        if self.rules.rounding is Version.OURS and self.rules.compounding is Version.OURS:
            self.state.reserves[asset] = mirror.accrue(r, self.now)
            return
        liquidity_index = self.normalized_income(asset) if r.liquidity_rate != 0 else r.liquidity_index
        borrow_index = self.normalized_debt(asset) if r.scaled_total_debt != 0 else r.variable_borrow_index
        accrued = r.accrued_to_treasury
        if r.reserve_factor != 0:
            s, old = r.scaled_total_debt, r.variable_borrow_index
            grown = (
                ray_mul_floor(s, borrow_index - old)
                if self._ours
                else ray_mul(s, borrow_index) - ray_mul(s, old)
            )
            to_treasury = percent_mul(grown, r.reserve_factor)
            if to_treasury != 0:
                accrued += (ray_div_floor if self._ours else ray_div)(to_treasury, liquidity_index)
        self.state.reserves[asset] = replace(
            r,
            liquidity_index=liquidity_index,
            variable_borrow_index=borrow_index,
            accrued_to_treasury=accrued,
            last_update=self.now,
        )

    def update_rates(self, asset: str, added: int, taken: int, cash_moves: bool = True) -> None:
        """updateInterestRates with `added` in and `taken` out of the cash. Aave v3.0.2 reads the aToken's token
        balance, which the transfers after this call move (`cash_moves=False` leaves them to the caller)."""
        r = self.state.reserves[asset]
        model = self.config.listings[asset].rates
        if r.virtual_balance + added < taken:
            raise Revert("NotEnoughLiquidity")
        if self.rules.rate_model is Version.OURS:
            updated = mirror.update_rates(r, model, added, taken)
        else:
            liquidity_rate, borrow_rate = interest_rates_v3_0(
                model,
                r.virtual_balance + added - taken,
                ray_mul(r.scaled_total_debt, r.variable_borrow_index),
                r.reserve_factor,
            )
            updated = replace(
                r,
                liquidity_rate=liquidity_rate,
                borrow_rate=borrow_rate,
                virtual_balance=r.virtual_balance + added - taken,
            )
        if not cash_moves:
            updated = replace(updated, virtual_balance=r.virtual_balance)
        self.state.reserves[asset] = updated

    def _move_cash(self, asset: str, delta: int) -> None:
        r = self.state.reserves[asset]
        self.state.reserves[asset] = replace(r, virtual_balance=r.virtual_balance + delta)

    def _scaled(self, asset: str, supply: int = 0, debt: int = 0) -> None:
        r = self.state.reserves[asset]
        self.state.reserves[asset] = replace(
            r,
            scaled_total_supply=r.scaled_total_supply + supply,
            scaled_total_debt=r.scaled_total_debt + debt,
        )

    def _user(self, who: str) -> User:
        return self.state.users.setdefault(who, User())

    # ---------------------------------------------------------------------------------- account health

    def positions(self, who: str) -> dict[str, Position]:
        """The user's balances at `now` under this version's rounding (what balanceOf/getUserReserve report)."""
        user = self._user(who)
        out = {}
        for asset in self.config.listings:
            supplied = self.supply_balance(user.supply.get(asset, 0), self.normalized_income(asset))
            debt = self.debt_balance(user.debt.get(asset, 0), self.normalized_debt(asset))
            if supplied or debt or asset in user.collateral:
                out[asset] = Position(supplied, debt, asset in user.collateral)
        return out

    def account(self, who: str) -> mirror.AccountData:
        """getUserAccountData."""
        user = self._user(who)
        emode = self.config.emode if user.emode == self.config.emode_id else None
        collateral = debt = weighted_ltv = weighted_lt = 0
        has_zero_ltv = False
        for asset, listing in self.config.listings.items():
            p = listing.params
            price = self.prices[asset]
            if asset in user.collateral and p.liquidation_threshold != 0:
                balance = self.supply_balance(user.supply.get(asset, 0), self.normalized_income(asset))
                value = balance * price // unit(p.decimals)
                collateral += value
                ltv, lt = mirror.effective_terms(p, asset, emode)
                if p.ltv != 0:
                    weighted_ltv += value * ltv
                else:
                    has_zero_ltv = True
                weighted_lt += value * lt
            if asset in user.borrowing:
                owed = self.debt_balance(user.debt.get(asset, 0), self.normalized_debt(asset))
                debt += self.debt_in_base(owed, price, p.decimals)
        avg_ltv = weighted_ltv // collateral if collateral else 0
        avg_lt = weighted_lt // collateral if collateral else 0
        health = MAX_UINT256 if debt == 0 else wad_div(percent_mul(collateral, avg_lt), debt)
        borrowable = percent_mul(collateral, avg_ltv)
        return mirror.AccountData(
            collateral, debt, max(0, borrowable - debt), avg_lt, avg_ltv, health, has_zero_ltv
        )

    def _require_healthy(self, who: str, asset: str | None = None) -> None:
        """validateHealthFactor (and, with `asset`, validateHFAndLtv's zero-LTV rule)."""
        data = self.account(who)
        if data.health_factor < HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
            raise Revert("HealthFactorLowerThanLiquidationThreshold")
        if asset is not None and data.has_zero_ltv_collateral and self.config.listings[asset].params.ltv != 0:
            raise Revert("LtvValidationFailed")

    # ---------------------------------------------------------------------------------- actions

    def supply(self, who: str, asset: str, amount: int) -> None:
        if amount == 0:
            raise Revert("InvalidAmount")
        self.accrue(asset)
        index = self.state.reserves[asset].liquidity_index
        scaled = self.supply_mint(amount, index)
        if scaled == 0:
            raise Revert("InvalidAmount")
        self.update_rates(asset, amount, 0)
        user = self._user(who)
        first = user.supply.get(asset, 0) == 0
        user.supply[asset] = user.supply.get(asset, 0) + scaled
        self._scaled(asset, supply=scaled)
        if first and self.config.listings[asset].params.ltv != 0:
            user.collateral.add(asset)

    def withdraw(self, who: str, asset: str, amount: int) -> int:
        self.accrue(asset)
        index = self.state.reserves[asset].liquidity_index
        user = self._user(who)
        balance = user.supply.get(asset, 0)
        if self._ours:
            if amount == MAX_UINT256:
                scaled, amount = balance, ray_mul_floor(balance, index)
            else:
                scaled = ray_div_ceil(amount, index)
            if scaled == 0:
                raise Revert("InvalidAmount")
            if scaled > balance:
                raise Revert("NotEnoughAvailableUserBalance")
            whole = scaled == balance
        else:
            owned = ray_mul(balance, index)
            amount = owned if amount == MAX_UINT256 else amount
            if amount == 0:
                raise Revert("InvalidAmount")
            if amount > owned:
                raise Revert("NotEnoughAvailableUserBalance")
            scaled = ray_div(amount, index)
            if scaled == 0:
                raise Revert("InvalidBurnAmount")
            if scaled > balance:
                raise Revert("Panic(0x11)")
            whole = amount == owned
        self.update_rates(asset, 0, amount)
        user.supply[asset] = balance - scaled
        self._scaled(asset, supply=-scaled)
        was_collateral = asset in user.collateral
        if was_collateral and whole:
            user.collateral.discard(asset)
        if was_collateral and user.borrowing:
            self._require_healthy(who, asset)
        return amount

    def borrow(self, who: str, asset: str, amount: int) -> None:
        user = self._user(who)
        if amount == 0:
            raise Revert("InvalidAmount")
        self.accrue(asset)
        r = self.state.reserves[asset]
        index = r.variable_borrow_index
        scaled = self.debt_mint(amount, index)
        owed = amount
        if self._ours:
            if scaled == 0:
                raise Revert("InvalidAmount")
            owed = ray_mul_ceil(scaled, index)
            if ray_mul_floor(r.scaled_total_supply, r.liquidity_index) < owed:
                raise Revert("InvalidAmount")
        if user.emode == self.config.emode_id and asset not in self.config.emode.borrowable_assets:
            raise Revert("NotBorrowableInEMode")
        data = self.account(who)
        if data.total_collateral_base == 0:
            raise Revert("CollateralBalanceIsZero")
        if data.ltv == 0:
            raise Revert("LtvValidationFailed")
        if data.health_factor <= HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
            raise Revert("HealthFactorLowerThanLiquidationThreshold")
        p = self.config.listings[asset].params
        owed_base = self.prices[asset] * owed // unit(p.decimals)
        if percent_div(data.total_debt_base + owed_base, data.ltv) > data.total_collateral_base:
            raise Revert("CollateralCannotCoverNewBorrow")
        if scaled == 0:
            raise Revert("InvalidMintAmount")
        user.debt[asset] = user.debt.get(asset, 0) + scaled
        user.borrowing.add(asset)
        self._scaled(asset, debt=scaled)
        self.update_rates(asset, 0, amount)

    def repay(self, who: str, asset: str, amount: int) -> int:
        if amount == 0:
            raise Revert("InvalidAmount")
        self.accrue(asset)
        index = self.state.reserves[asset].variable_borrow_index
        user = self._user(who)
        scaled_debt = user.debt.get(asset, 0)
        if scaled_debt == 0:
            raise Revert("NoDebtOfSelectedType")
        debt = self.debt_balance(scaled_debt, index)
        paid = min(amount, debt)
        scaled = self.debt_burn(paid, index)
        if scaled == 0:
            raise Revert("InvalidBurnAmount")
        if scaled > scaled_debt:
            raise Revert("Panic(0x11)")
        user.debt[asset] = scaled_debt - scaled
        self._scaled(asset, debt=-scaled)
        self.update_rates(asset, paid, 0)
        if (scaled == scaled_debt) if self._ours else (debt == paid):
            user.borrowing.discard(asset)
        return paid

    def set_emode(self, who: str, category: int) -> None:
        user = self._user(who)
        previous = user.emode
        if self.rules.emode_switch is Version.OURS and category == previous:
            return
        if category != 0:
            if category != self.config.emode_id:
                raise Revert("InconsistentEModeCategory")
            if any(a not in self.config.emode.borrowable_assets for a in user.borrowing):
                raise Revert("NotBorrowableInEMode")
        user.emode = category
        if self.rules.emode_switch is Version.OURS or previous != 0:
            self._require_healthy(who)

    def flash_loan(self, asset: str, amount: int) -> int:
        """flashLoanSimple through a receiver that repays amount + premium; returns the premium."""
        r = self.state.reserves[asset]
        premium_bps = self.config.flash_premium_bps
        if self._ours:
            if ray_mul_floor(r.scaled_total_supply, self.normalized_income(asset)) < amount:
                raise Revert("InvalidAmount")
            premium = percent_mul_ceil(amount, premium_bps)
        else:
            premium = percent_mul(amount, premium_bps)
        if amount > r.virtual_balance:
            raise Revert("NotEnoughLiquidity")
        self._move_cash(asset, -amount)
        self.accrue(asset)
        r = self.state.reserves[asset]
        to_treasury = (
            ray_div_floor(premium, r.liquidity_index) if self._ours else ray_div(premium, r.liquidity_index)
        )
        self.state.reserves[asset] = replace(r, accrued_to_treasury=r.accrued_to_treasury + to_treasury)
        self.update_rates(asset, amount + premium, 0)
        return premium

    def liquidate(
        self, liquidator: str, who: str, collateral: str, debt: str, to_cover: int, receive_a_token: bool
    ) -> LiquidationResult:
        if liquidator == who:
            raise Revert("SelfLiquidation")
        if self.rules.liquidation is Version.OURS:
            return self._liquidate_v3_3(liquidator, who, collateral, debt, to_cover, receive_a_token)
        return self._liquidate_v3_0(liquidator, who, collateral, debt, to_cover, receive_a_token)

    def _emode_of(self, who: str) -> EModeCategory | None:
        return self.config.emode if self._user(who).emode == self.config.emode_id else None

    def _liquidate_v3_0(
        self, liquidator: str, who: str, collateral: str, debt: str, to_cover: int, receive_a_token: bool
    ) -> LiquidationResult:
        user = self._user(who)
        self.accrue(debt)
        if self.rules.collateral_accrual is Version.OURS:
            self.accrue(collateral)
        health = self.account(who).health_factor
        debt_index = self.state.reserves[debt].variable_borrow_index
        owed = self.debt_balance(user.debt.get(debt, 0), debt_index)
        close_factor = (
            mirror.DEFAULT_LIQUIDATION_CLOSE_FACTOR if health > CLOSE_FACTOR_HF_THRESHOLD else 10_000
        )
        repaid = min(to_cover, percent_mul(owed, close_factor))
        cp = self.config.listings[collateral].params
        if health >= HEALTH_FACTOR_LIQUIDATION_THRESHOLD:
            raise Revert("HealthFactorNotBelowThreshold")
        if cp.liquidation_threshold == 0 or collateral not in user.collateral:
            raise Revert("CollateralCannotBeLiquidated")
        if owed == 0:
            raise Revert("SpecifiedCurrencyNotBorrowedByUser")
        bonus = mirror.liquidation_bonus(cp, collateral, self._emode_of(who))
        income = self.normalized_income(collateral)
        balance = ray_mul(user.supply.get(collateral, 0), income)
        dp = self.config.listings[debt].params
        seized, repaid, fee = _seizure_v3_0(
            repaid,
            balance,
            self.prices[collateral],
            cp.decimals,
            self.prices[debt],
            dp.decimals,
            bonus,
            cp.liquidation_protocol_fee,
        )
        if owed == repaid:
            user.borrowing.discard(debt)
        if seized + fee == balance:
            user.collateral.discard(collateral)
        burned = ray_div(repaid, debt_index)
        if burned == 0:
            raise Revert("InvalidBurnAmount")
        if burned > user.debt.get(debt, 0):
            raise Revert("Panic(0x11)")
        user.debt[debt] -= burned
        self._scaled(debt, debt=-burned)
        # The debt asset reaches the aToken only at the end: the rates see it as `added`, the cash moves later.
        self.update_rates(debt, repaid, 0, cash_moves=False)
        if receive_a_token:
            liquidator_had = self._user(liquidator).supply.get(collateral, 0)
            self._transfer_supply(collateral, who, liquidator, ray_div(seized, income))
            if liquidator_had == 0 and cp.ltv != 0:
                self._user(liquidator).collateral.add(collateral)
        else:
            self.accrue(collateral)
            self.update_rates(collateral, 0, seized)
            scaled = ray_div(seized, self.state.reserves[collateral].liquidity_index)
            if scaled == 0:
                raise Revert("InvalidBurnAmount")
            if scaled > user.supply.get(collateral, 0):
                raise Revert("Panic(0x11)")
            user.supply[collateral] -= scaled
            self._scaled(collateral, supply=-scaled)
        if fee != 0:
            index = self.normalized_income(collateral)
            remaining = user.supply.get(collateral, 0)
            if ray_div(fee, index) > remaining:
                fee = ray_mul(remaining, index)
            self._transfer_supply(collateral, who, TREASURY, ray_div(fee, index))
        self._move_cash(debt, repaid)
        debt_left = not any(a in user.collateral for a in self.config.listings) and bool(user.borrowing)
        return LiquidationResult(repaid, seized, fee, debt_left)

    def _transfer_supply(self, asset: str, sender: str, recipient: str, scaled: int) -> None:
        source = self._user(sender)
        if scaled > source.supply.get(asset, 0):
            raise Revert("Panic(0x11)")
        source.supply[asset] = source.supply.get(asset, 0) - scaled
        target = self._user(recipient)
        target.supply[asset] = target.supply.get(asset, 0) + scaled

    def _liquidate_v3_3(
        self, liquidator: str, who: str, collateral: str, debt: str, to_cover: int, receive_a_token: bool
    ) -> LiquidationResult:
        user = self._user(who)
        self.accrue(debt)
        if self.rules.collateral_accrual is Version.OURS:
            self.accrue(collateral)
        positions = self.positions(who)
        positions.setdefault(collateral, Position(0, 0, False))
        try:
            plan = mirror.liquidation_amounts(
                positions,
                self.prices,
                self.config.params,
                self._emode_of(who),
                collateral,
                debt,
                to_cover,
            )
        except LiquidationError as err:
            raise Revert(err.reason) from err
        seized, repaid, fee = plan.collateral_to_liquidator, plan.debt_repaid, plan.protocol_fee
        collateral_index = self.normalized_income(collateral)
        balance = ray_mul_floor(user.supply.get(collateral, 0), collateral_index)
        if seized + fee == balance:
            user.collateral.discard(collateral)
        self._burn_debt(who, debt, repaid, plan.has_no_collateral_left)
        if receive_a_token:
            liquidator_had = self._user(liquidator).supply.get(collateral, 0)
            self._transfer_supply(collateral, who, liquidator, ray_div_ceil(seized, collateral_index))
            if liquidator_had == 0 and self.config.listings[collateral].params.ltv != 0:
                self._user(liquidator).collateral.add(collateral)
        else:
            self.update_rates(collateral, 0, seized)
            scaled = ray_div_ceil(seized, collateral_index)
            if scaled == 0:
                raise Revert("InvalidBurnAmount")
            if scaled > user.supply.get(collateral, 0):
                raise Revert("Panic(0x11)")
            user.supply[collateral] -= scaled
            self._scaled(collateral, supply=-scaled)
        if fee != 0:
            scaled_fee = min(ray_div_ceil(fee, collateral_index), user.supply.get(collateral, 0))
            self._transfer_supply(collateral, who, TREASURY, scaled_fee)
        if plan.has_no_collateral_left:
            for asset in list(self.config.listings):
                if asset in user.borrowing:
                    self.accrue(asset)
                    self._burn_debt(who, asset, 0, True)
        return LiquidationResult(repaid, seized, fee, False)

    def _burn_debt(self, who: str, asset: str, repaid: int, write_off: bool) -> None:
        """LiquidationModule._burnDebt: the repaid debt, or all of it (the unpaid part into the deficit)."""
        user = self._user(who)
        index = self.state.reserves[asset].variable_borrow_index
        owed = ray_mul_ceil(user.debt.get(asset, 0), index)
        if owed != 0:
            scaled = ray_div_floor(owed if write_off else repaid, index)
            if scaled == 0:
                raise Revert("InvalidBurnAmount")
            user.debt[asset] -= scaled
            self._scaled(asset, debt=-scaled)
            if user.debt[asset] == 0:
                user.borrowing.discard(asset)
        else:
            user.borrowing.discard(asset)
        if write_off and owed - repaid != 0:
            r = self.state.reserves[asset]
            self.state.reserves[asset] = replace(r, deficit=r.deficit + owed - repaid)
        self.update_rates(asset, repaid, 0)


def compounded_interest_v3_0(rate: int, elapsed: int) -> int:
    """Aave v3.0.2's MathUtils.calculateCompoundedInterest: the first terms of the binomial expansion of per-second
    compounding, `b = rate / year` with b^2 and b^3 rounded as the contract rounds them."""
    if elapsed == 0:
        return RAY
    minus_one, minus_two = elapsed - 1, elapsed - 2 if elapsed > 2 else 0
    power_two = ray_mul(rate, rate) // (SECONDS_PER_YEAR * SECONDS_PER_YEAR)
    power_three = ray_mul(power_two, rate) // SECONDS_PER_YEAR
    second = elapsed * minus_one * power_two // 2
    third = elapsed * minus_one * minus_two * power_three // 6
    return RAY + rate * elapsed // SECONDS_PER_YEAR + second + third


def interest_rates_v3_0(
    model: RateModel, available: int, total_debt: int, reserve_factor: int
) -> tuple[int, int]:
    """Aave v3.0.2's DefaultReserveInterestRateStrategy.calculateInterestRates with no stable debt and nothing
    unbacked: (liquidity rate, variable borrow rate)."""
    borrow_rate = model.base_variable_borrow_rate * BPS_TO_RAY
    if total_debt == 0:
        return 0, borrow_rate
    optimal = model.optimal_usage_ratio * BPS_TO_RAY
    usage = ray_div(total_debt, available + total_debt)
    if usage > optimal:
        excess = ray_div(usage - optimal, RAY - optimal)
        borrow_rate += model.variable_rate_slope1 * BPS_TO_RAY + ray_mul(
            model.variable_rate_slope2 * BPS_TO_RAY, excess
        )
    else:
        borrow_rate += ray_div(ray_mul(model.variable_rate_slope1 * BPS_TO_RAY, usage), optimal)
    # _getOverallBorrowRate: the debt-weighted average of the variable and (here absent) stable rates.
    overall = ray_div(ray_mul(total_debt * WAD_TO_RAY, borrow_rate), total_debt * WAD_TO_RAY)
    liquidity_rate = percent_mul(ray_mul(overall, usage), PERCENTAGE_FACTOR - reserve_factor)
    return liquidity_rate, borrow_rate


def _seizure_v3_0(
    to_cover: int,
    balance: int,
    collateral_price: int,
    collateral_decimals: int,
    debt_price: int,
    debt_decimals: int,
    bonus: int,
    protocol_fee_bps: int,
) -> tuple[int, int, int]:
    """LiquidationLogic._calculateAvailableCollateralToLiquidate (v3.0.2): (collateral to the liquidator, debt
    repaid, protocol fee)."""
    coll_unit, debt_unit = unit(collateral_decimals), unit(debt_decimals)
    base = debt_price * to_cover * coll_unit // (collateral_price * debt_unit)
    amount = percent_mul(base, bonus)
    repaid = to_cover
    if amount > balance:
        amount = balance
        repaid = percent_div(collateral_price * amount * debt_unit // (debt_price * coll_unit), bonus)
    fee = 0
    if protocol_fee_bps != 0:
        fee = percent_mul(amount - percent_div(amount, bonus), protocol_fee_bps)
    return amount - fee, repaid, fee


__all__ = [
    "AAVE_V3_0_2",
    "HALF_PERCENTAGE_FACTOR",
    "OURS",
    "Config",
    "Listing",
    "Market",
    "MarketState",
    "Revert",
    "Rules",
    "User",
    "Version",
    "percent_div_ceil",
]
