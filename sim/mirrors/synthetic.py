"""Mirror of the synthetic dollar and its staking vault: backing, funding accrual, vesting, ERC-4626 conversions.

Every function rounds as contracts/stable/*.sol do, so results match the chain to the wei. USD amounts are WAD
(18 decimals) and prices are USD with 8 decimals per whole token, as the oracle returns them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WAD = 10**18
PRICE_TO_WAD = 10**10
YEAR = 365 * 24 * 3600
VESTING_PERIOD = 8 * 3600
MIN_SHARES = WAD
MAX_COOLDOWN_DURATION = 90 * 24 * 3600


def _unit(decimals: int) -> int:
    """10**decimals as an int (mypy types int ** int as Any)."""
    return int(10**decimals)


def _div_up(x: int, d: int) -> int:
    return 0 if x == 0 else (x - 1) // d + 1


# ---------------------------------------------------------------- SyntheticMath


def usd_value_down(amount: int, price: int, decimals: int) -> int:
    """USD (WAD) value of `amount` raw units at `price` (8 decimals), rounded down."""
    return amount * price * PRICE_TO_WAD // _unit(decimals)


def units_down(usd: int, price: int, decimals: int) -> int:
    """Raw units worth at most `usd` (WAD) at `price` (8 decimals)."""
    return usd * _unit(decimals) // (price * PRICE_TO_WAD)


def funding_down(notional: int, annual_rate: int, elapsed: int) -> int:
    """Funding income on `notional` over `elapsed` seconds at `annual_rate` (WAD), rounded down."""
    return notional * annual_rate * elapsed // (YEAR * WAD)


def funding_up(notional: int, annual_rate: int, elapsed: int) -> int:
    """Funding cost on `notional` over `elapsed` seconds at `annual_rate` (WAD), rounded up."""
    return _div_up(notional * annual_rate * elapsed, YEAR * WAD)


# ---------------------------------------------------------------- SyntheticDollar


@dataclass
class CollateralBook:
    """One collateral asset's books: custody and the short that hedges it."""

    decimals: int
    hedged: bool
    hedge_active: bool = True
    held: int = 0
    hedge_size: int = 0
    hedge_entry: int = 0


@dataclass(frozen=True)
class Accrual:
    """Funding owed since the last accrual: signed amount, and a cost's split between reserve and backing."""

    elapsed: int = 0
    notional: int = 0
    amount: int = 0
    from_reserve: int = 0
    from_backing: int = 0


class MirrorError(ValueError):
    """The contract would revert; the message names its custom error."""


@dataclass
class SyntheticDollarModel:
    """The SyntheticDollar's books; `prices` maps each asset key to its oracle price (8 decimals)."""

    last_accrual: int
    collaterals: dict[str, CollateralBook] = field(default_factory=dict)
    funding_rate: int = 0
    reserve_fund: int = 0
    cash: int = 0
    pending_yield: int = 0
    total_supply: int = 0

    def add_collateral(self, asset: str, decimals: int, hedged: bool) -> None:
        self.collaterals[asset] = CollateralBook(decimals=decimals, hedged=hedged, hedge_active=hedged)

    # views ------------------------------------------------------------

    def collateral_value(self, prices: Mapping[str, int]) -> int:
        return sum(
            usd_value_down(c.held, prices[a], c.decimals) for a, c in self.collaterals.items() if c.held
        )

    def hedge_pnl(self, prices: Mapping[str, int]) -> int:
        return sum(
            c.hedge_entry - usd_value_down(c.hedge_size, prices[a], c.decimals)
            for a, c in self.collaterals.items()
            if c.hedge_size
        )

    def hedge_notional(self, prices: Mapping[str, int]) -> int:
        return sum(
            usd_value_down(c.hedge_size, prices[a], c.decimals)
            for a, c in self.collaterals.items()
            if c.hedge_size
        )

    def preview_accrual(self, now: int, prices: Mapping[str, int]) -> Accrual:
        elapsed = now - self.last_accrual
        if elapsed == 0 or self.funding_rate == 0:
            return Accrual(elapsed=elapsed)
        notional = self.hedge_notional(prices)
        if self.funding_rate > 0:
            return Accrual(elapsed, notional, funding_down(notional, self.funding_rate, elapsed))
        cost = funding_up(notional, -self.funding_rate, elapsed)
        from_reserve = min(cost, self.reserve_fund)
        return Accrual(elapsed, notional, -cost, from_reserve, cost - from_reserve)

    def _cash_after(self, a: Accrual) -> int:
        return self.cash + a.amount if a.amount > 0 else self.cash - a.from_backing

    def cash_balance(self, now: int, prices: Mapping[str, int]) -> int:
        return self._cash_after(self.preview_accrual(now, prices))

    def reserve_fund_now(self, now: int, prices: Mapping[str, int]) -> int:
        return self.reserve_fund - self.preview_accrual(now, prices).from_reserve

    def pending_yield_now(self, now: int, prices: Mapping[str, int]) -> int:
        return self.pending_yield + max(self.preview_accrual(now, prices).amount, 0)

    def backing(self, now: int, prices: Mapping[str, int]) -> int:
        """Signed backing: collateral value + hedge PnL + cash, as if funding were accrued now."""
        return self.collateral_value(prices) + self.hedge_pnl(prices) + self.cash_balance(now, prices)

    def total_backing(self, now: int, prices: Mapping[str, int]) -> int:
        return max(self.backing(now, prices), 0)

    def backing_ratio(self, now: int, prices: Mapping[str, int]) -> int:
        return backing_ratio(
            self.backing(now, prices), self.total_supply + self.pending_yield_now(now, prices)
        )

    # actions ----------------------------------------------------------

    def accrue(self, now: int, prices: Mapping[str, int]) -> int:
        a = self.preview_accrual(now, prices)
        self.last_accrual = now
        if a.amount > 0:
            self.pending_yield += a.amount
        self.reserve_fund -= a.from_reserve
        self.cash = self._cash_after(a)
        return a.amount

    def mint(self, asset: str, amount: int, now: int, prices: Mapping[str, int]) -> int:
        c = self.collaterals[asset]
        if c.hedged and not c.hedge_active:
            raise MirrorError("HedgeInactive")
        self.accrue(now, prices)
        usde = usd_value_down(amount, prices[asset], c.decimals)
        if usde == 0:
            raise MirrorError("ZeroAmount")
        c.held += amount
        if c.hedged:
            c.hedge_size += amount
            c.hedge_entry += usde
        self.total_supply += usde
        return usde

    def preview_redeem(self, asset: str, usde_amount: int, now: int, prices: Mapping[str, int]) -> int:
        c = self.collaterals[asset]
        owed = self.total_supply + self.pending_yield_now(now, prices)
        usd = redemption_usd(usde_amount, self.backing(now, prices), owed)
        return units_down(usd, prices[asset], c.decimals)

    def redeem(self, asset: str, usde_amount: int, now: int, prices: Mapping[str, int]) -> int:
        """Burns `usde_amount`, returns the collateral units paid; realises the closed hedge's PnL to cash."""
        self.accrue(now, prices)
        out = self.preview_redeem(asset, usde_amount, now, prices)
        c = self.collaterals[asset]
        if out == 0:
            raise MirrorError("ZeroAmount")
        if out > c.held:
            raise MirrorError("InsufficientCollateral")
        if c.hedge_size:
            closed_size = c.hedge_size * out // c.held
            closed_entry = c.hedge_entry * closed_size // c.hedge_size
            self.cash += closed_entry - usd_value_down(closed_size, prices[asset], c.decimals)
            c.hedge_size -= closed_size
            c.hedge_entry -= closed_entry
        c.held -= out
        self.total_supply -= usde_amount
        return out

    def set_hedge_active(self, asset: str, active: bool, now: int, prices: Mapping[str, int]) -> int:
        """Loses (realising PnL at `prices`) or re-opens the hedge; returns the PnL realised."""
        c = self.collaterals[asset]
        self.accrue(now, prices)
        realised = 0
        if active:
            c.hedge_size = c.held
            c.hedge_entry = usd_value_down(c.held, prices[asset], c.decimals)
        else:
            realised = c.hedge_entry - usd_value_down(c.hedge_size, prices[asset], c.decimals)
            self.cash += realised
            c.hedge_size = 0
            c.hedge_entry = 0
        c.hedge_active = active
        return realised

    def set_funding_rate(self, rate: int, now: int, prices: Mapping[str, int]) -> None:
        self.accrue(now, prices)
        self.funding_rate = rate

    def fund_reserve(
        self, amount: int, price: int, decimals: int, now: int, prices: Mapping[str, int]
    ) -> int:
        self.accrue(now, prices)
        usd = usd_value_down(amount, price, decimals)
        self.reserve_fund += usd
        return usd

    def distribute(self, now: int, prices: Mapping[str, int]) -> int:
        """Mints the pending yield (to the vault); returns the amount."""
        self.accrue(now, prices)
        amount = self.pending_yield
        if amount == 0:
            raise MirrorError("NothingToDistribute")
        self.pending_yield = 0
        self.total_supply += amount
        return amount


def backing_ratio(backing: int, owed: int) -> int:
    """Backing / owed as WAD, rounded down; 1e18 with nothing owed, 0 with no (or negative) backing."""
    if owed == 0:
        return WAD
    return backing * WAD // owed if backing > 0 else 0


def redemption_usd(usde_amount: int, backing: int, owed: int) -> int:
    """$1 per USDe while backing covers what is owed; usde_amount * backing / owed below."""
    if backing >= owed:
        return usde_amount
    return usde_amount * backing // owed if backing > 0 else 0


# ---------------------------------------------------------------- StakedSyntheticDollar


def unvested_amount(vesting_amount: int, last_distribution: int, now: int) -> int:
    """The part of the last reward not yet vested: linear over VESTING_PERIOD, rounded down."""
    elapsed = now - last_distribution
    if elapsed >= VESTING_PERIOD:
        return 0
    return (VESTING_PERIOD - elapsed) * vesting_amount // VESTING_PERIOD


def convert_to_shares(assets: int, supply: int, total_assets: int) -> int:
    """Solmate ERC4626.convertToShares (and previewDeposit): rounded down, 1:1 on an empty vault."""
    return assets if supply == 0 else assets * supply // total_assets


def convert_to_assets(shares: int, supply: int, total_assets: int) -> int:
    """Solmate ERC4626.convertToAssets (and previewRedeem): rounded down, 1:1 on an empty vault."""
    return shares if supply == 0 else shares * total_assets // supply


def preview_mint(shares: int, supply: int, total_assets: int) -> int:
    """Assets a mint of `shares` takes: rounded up."""
    return shares if supply == 0 else _div_up(shares * total_assets, supply)


def preview_withdraw(assets: int, supply: int, total_assets: int) -> int:
    """Shares a withdrawal of `assets` burns: rounded up."""
    return assets if supply == 0 else _div_up(assets * supply, total_assets)
