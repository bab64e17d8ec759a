"""Agent PnL: each agent's holdings, marked at the reference prices, when the loop starts and when it ends:
wallet tokens, constant-product LP shares (its share of the reserves), lending positions (supplied minus
owed) and venue accounts (collateral minus debt plus perps' unrealized PnL). Read from the world's view, so
it costs one pass over the agents twice per run, none per block. StableSwap LP shares are not valued (no agent
kind holds them; the pools' own liquidity belongs to the scenario funder)."""

from __future__ import annotations

import csv
import json
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.agents.base import AnyAgent
from sim.world.world import World

PRICE8 = 1e8
SIZE_UNIT = 1e18


COLUMNS = ("agent", "kind", "start_usd", "end_usd", "pnl_usd", "vs_hold_usd")
CASH = "$"  # holdings in dollars (a perp's entry notional)


def holdings(world: World, address: bytes) -> dict[str, float]:
    """What `address` holds, as whole tokens per asset (negative where it owes), plus dollars under CASH."""
    out: dict[str, float] = defaultdict(float)
    units = {a: float(10**d) for a, d in world.market.decimals.items()}
    for asset in world.market.decimals:
        out[asset] += world.balance(address, asset) / units[asset]
    for name, pool in world.pools.items():
        lp = world.balance(address, f"lp:{name}")
        if lp and pool.cpmm is not None and pool.cpmm.total_supply > 0:
            share = lp / pool.cpmm.total_supply
            for token, reserve in zip(pool.info.tokens, pool.reserves(), strict=True):
                out[token] += share * reserve / units[token]
    for view in world.lending.values():
        for asset, position in view.positions(address).items():
            out[asset] += (position.supplied - position.debt) / units[asset]
    owner = "0x" + address.hex()
    for pool in world.pools.values():
        if pool.book is None:
            continue
        base, quote = pool.info.tokens
        for order_id in pool.book.orders_of(owner):  # escrow and unclaimed proceeds of resting orders
            order = pool.book.get_order(order_id)
            if order.is_bid:
                out[quote] += order.escrow / units[quote]
                out[base] += order.claimable / units[base]
            else:
                out[base] += order.escrow / units[base]
                out[quote] += order.claimable / units[quote]
    for venue in world.venues.values():
        for group in venue.groups(address):
            for asset, amount in group.collaterals:
                out[asset] += amount / units[asset]
            for asset, amount in group.debts:
                out[asset] -= amount / units[asset]
            for asset, size, entry in group.positions:
                out[asset] += size / SIZE_UNIT
                out[CASH] -= size / SIZE_UNIT * entry / PRICE8
    return {k: v for k, v in out.items() if v != 0.0}


def agent_holdings(world: World, agent: AnyAgent) -> dict[str, float]:
    """What an agent holds over every wallet it acts from (a cross-venue arbitrageur's venue and transit wallets,
    a recycling redeemer's on-chain wallet)."""
    out: dict[str, float] = defaultdict(float)
    for wallet in agent.wallets():
        for asset, amount in holdings(world, wallet.address).items():
            out[asset] += amount
    return {k: v for k, v in out.items() if v != 0.0}


def value_usd(held: dict[str, float], prices: dict[str, float]) -> float:
    return float(
        sum(amount * (1.0 if asset == CASH else prices.get(asset, 0.0)) for asset, amount in held.items())
    )


@dataclass
class PnlBook:
    """Holdings when the loop starts and when it ends. `pnl` is the change of value at the reference prices
    (market moves included); `vs_hold` is the end value minus what the starting holdings would be worth at
    the end prices (what trading, liquidations and fees did, the market's move taken out)."""

    agents: Sequence[AnyAgent]
    start: dict[str, dict[str, float]] = field(default_factory=dict)
    end: dict[str, dict[str, float]] = field(default_factory=dict)
    start_prices: dict[str, float] = field(default_factory=dict)
    end_prices: dict[str, float] = field(default_factory=dict)
    table: list[dict[str, Any]] = field(default_factory=list)  # agents.csv's rows, set by close()

    def open(self, world: World) -> None:
        self.start = {a.name: agent_holdings(world, a) for a in self.agents}
        self.start_prices = dict(world.reference)

    def close(self, world: World) -> None:
        """Mark the end and price every agent's row once (agents.csv and the per-kind figures share them)."""
        self.end = {a.name: agent_holdings(world, a) for a in self.agents}
        self.end_prices = dict(world.reference)
        self.table = self._rows()

    def _rows(self) -> list[dict[str, Any]]:
        out = []
        for agent in self.agents:
            start, end = self.start.get(agent.name, {}), self.end.get(agent.name, {})
            start_usd = value_usd(start, self.start_prices)
            end_usd = value_usd(end, self.end_prices)
            out.append(
                {
                    "agent": agent.name,
                    "kind": agent.kind,
                    "start_usd": round(start_usd, 2),
                    "end_usd": round(end_usd, 2),
                    "pnl_usd": round(end_usd - start_usd, 2),
                    "vs_hold_usd": round(end_usd - value_usd(start, self.end_prices), 2),
                }
                | {name: _cell(value) for name, value in agent.drawn().items()}
            )
        return out

    def write(self, path: Path) -> None:
        """agents.csv: the PnL columns, then every drawn parameter of any kind (empty where a kind has none)."""
        parameters = sorted({key for row in self.table for key in row} - set(COLUMNS))
        with path.open("w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=[*COLUMNS, *parameters], restval="")
            writer.writeheader()
            writer.writerows(self.table)

    def by_kind(self) -> dict[str, dict[str, float]]:
        """PnL per agent kind: count, total and median PnL, worst and best agent, total versus holding."""
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.table:
            groups[row["kind"]].append(row)
        out: dict[str, dict[str, float]] = {}
        for kind, rows in sorted(groups.items()):
            pnl = [r["pnl_usd"] for r in rows]
            out[kind] = {
                "count": len(rows),
                "total_usd": round(sum(pnl), 2),
                "median_usd": round(statistics.median(pnl), 2),
                "min_usd": round(min(pnl), 2),
                "max_usd": round(max(pnl), 2),
                "vs_hold_total_usd": round(sum(r["vs_hold_usd"] for r in rows), 2),
            }
        return out


def _cell(value: Any) -> Any:
    """A parameter as one CSV cell: numbers, names and flags as they are, lists and mappings as JSON."""
    if isinstance(value, list | dict):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return value
