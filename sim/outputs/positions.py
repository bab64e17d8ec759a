"""positions.csv: every position (a lending account; a venue margin group) when the loop starts, after every
block in which a transaction changed it, and at the end: what it holds and owes per asset (units and USD), its
health factor or margin ratio, and its liquidation price where one asset decides it. Only changed positions are
written per block, so the cost follows activity, not the number of positions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.mirrors.venue import Health
from sim.world.lending import LendingView
from sim.world.venue import Group, VenueView
from sim.world.world import World

USD8 = 1e8
WAD = 10**18
HF_NONE = 2**256 - 1  # the pool's health factor of an account without debt

BASE_COLUMNS = (
    "when", "block", "market", "account", "group", "agent", "health_factor", "margin_ratio", "equity_usd",
    "maintenance_usd", "liquidation_asset", "liquidation_price",
)  # fmt: skip


@dataclass
class Positions:
    """Rows of positions.csv for a world; `agent_of` names the agent behind each address."""

    assets: list[str]
    agent_of: Mapping[bytes, str]

    @classmethod
    def for_world(cls, world: World, agent_of: Mapping[bytes, str]) -> Positions:
        assets: set[str] = set()
        for view in world.lending.values():
            assets.update(view.assets)
        for venue in world.venues.values():
            assets.update(venue.ratios)
            assets.update(venue.market_margins)
        return cls(sorted(assets), agent_of)

    @property
    def columns(self) -> list[str]:
        per_asset = [
            f"{kind}:{a}"
            for a in self.assets
            for kind in ("collateral", "collateral_usd", "debt", "debt_usd")
        ]
        return [*BASE_COLUMNS, *per_asset, *(f"perp:{a}" for a in self.assets)]

    def every(self, when: str, block: int, world: World) -> list[dict[str, Any]]:
        """Every open position (`when`: start or end)."""
        rows = []
        for view in world.lending.values():
            rows += self._lending_rows(when, block, view, sorted(view.users))
        for venue in world.venues.values():
            rows += self._venue_rows(when, block, venue, sorted(venue.accounts))
        return [r for r in rows if r is not None]

    def changed(self, block: int, world: World) -> list[dict[str, Any]]:
        """The positions the block's transactions changed (the accounts the views re-read)."""
        rows = []
        for view in world.lending.values():
            rows += self._lending_rows("change", block, view, sorted(view.refreshed), keep_empty=True)
        for venue in world.venues.values():
            rows += self._venue_rows("change", block, venue, sorted(venue.refreshed))
        return rows

    # -- lending accounts
    def _lending_rows(
        self, when: str, block: int, view: LendingView, accounts: Iterable[bytes], keep_empty: bool = False
    ) -> list[dict[str, Any]]:
        rows = []
        prices = view.prices()
        for account in accounts:
            positions = view.positions(account)
            if not any(p.supplied or p.debt for p in positions.values()) and not keep_empty:
                continue
            row = self._row(when, block, view.label, account, "")
            for asset, position in positions.items():
                unit = 10 ** view.params[asset].decimals
                if position.supplied:
                    row[f"collateral:{asset}"] = _fmt(position.supplied / unit)
                    row[f"collateral_usd:{asset}"] = _fmt(view.usd(asset, position.supplied))
                if position.debt:
                    row[f"debt:{asset}"] = _fmt(position.debt / unit)
                    row[f"debt_usd:{asset}"] = _fmt(view.usd(asset, position.debt))
            health = view.account(account).health_factor
            row["health_factor"] = "" if health >= HF_NONE else _fmt(health / WAD)
            critical = view.critical_of.get(account)
            if critical is not None and math.isfinite(critical[1]) and prices.get(critical[0]):
                row["liquidation_asset"], row["liquidation_price"] = critical[0], _fmt(critical[1] / USD8)
            rows.append(row)
        return rows

    # -- venue margin groups
    def _venue_rows(
        self, when: str, block: int, view: VenueView, accounts: Iterable[bytes]
    ) -> list[dict[str, Any]]:
        rows = []
        prices = view.prices()
        for account in accounts:
            groups = [g for g in view.groups(account) if g.collaterals or g.debts or g.positions]
            if not groups and when == "change":  # closed out: one row of nothing, so the change shows
                rows.append(self._row(when, block, view.label, account, 0))
            for group in groups:
                rows.append(self._group_row(when, block, view, account, group, prices))
        return rows

    def _group_row(
        self, when: str, block: int, view: VenueView, account: bytes, group: Group, prices: dict[str, int]
    ) -> dict[str, Any]:
        row = self._row(when, block, view.label, account, group.group)
        for asset, amount in group.collaterals:
            units = amount / 10 ** view.decimals[asset]
            row[f"collateral:{asset}"] = _fmt(units)
            row[f"collateral_usd:{asset}"] = _fmt(units * prices.get(asset, 0) / USD8)
        for asset, amount in group.debts:
            units = amount / 10 ** view.decimals[asset]
            row[f"debt:{asset}"] = _fmt(units)
            row[f"debt_usd:{asset}"] = _fmt(units * prices.get(asset, 0) / USD8)
        for asset, size, _ in group.positions:
            row[f"perp:{asset}"] = _fmt(size / WAD)
        health = view.group_health(group, prices)
        row["equity_usd"] = _fmt(health.equity / USD8)
        row["maintenance_usd"] = _fmt(health.maintenance / USD8)
        row["margin_ratio"] = _fmt(health.maintenance / health.equity) if health.equity > 0 else ""
        decider = _deciding_asset(group, view.quote)
        if decider is not None and prices.get(decider):
            price = _liquidation_price(view, group, prices, decider, health)
            if price is not None:
                row["liquidation_asset"], row["liquidation_price"] = decider, _fmt(price / USD8)
        return row

    def _row(self, when: str, block: int, market: str, account: bytes, group: int | str) -> dict[str, Any]:
        return {
            "when": when,
            "block": block,
            "market": market,
            "account": "0x" + account.hex(),
            "group": group,
            "agent": self.agent_of.get(account, ""),
        }


def _deciding_asset(group: Group, quote: str) -> str | None:
    """The one asset besides the quote whose price moves the group's equity, if there is exactly one."""
    assets = (
        {a for a, _ in group.collaterals} | {a for a, _ in group.debts} | {a for a, _, _ in group.positions}
    )
    assets.discard(quote)
    return assets.pop() if len(assets) == 1 else None


def _liquidation_price(
    view: VenueView, group: Group, prices: dict[str, int], asset: str, now: Health
) -> float | None:
    """The mark of `asset` at which the group's equity meets its maintenance, the other marks held: equity and
    maintenance are linear in one mark (collateral value, perp PnL and notional), so two points solve it."""
    p0 = prices[asset]
    p1 = p0 // 2
    other = view.group_health(group, {**prices, asset: p1})
    slope = (now.equity - now.maintenance - (other.equity - other.maintenance)) / (p0 - p1)
    if slope == 0:
        return None
    price = p0 - (now.equity - now.maintenance) / slope
    return price if price > 0 else None


def _fmt(value: float) -> float:
    return float(f"{value:.10g}")
