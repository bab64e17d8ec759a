"""Per-block metrics (one CSV row per block) and the run summary: liquidations per market and venue, bad
debt, the lowest price of each asset on each pool and in each oracle, backing ratio, throughput."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sim.node.chain import to_address
from sim.node.events import Event
from sim.world.world import PoolView, World

USD8 = 1e8
# Health-factor bands counted per block for each lending market: borrowers below each threshold.
HF_THRESHOLDS = (1.0, 1.05, 1.1, 1.25, 1.5, 2.0)


@dataclass
class LiquidationTally:
    count: int = 0
    usd: float = 0.0
    bad_debt_usd: float = 0.0

    def as_dict(self) -> dict[str, float]:
        return {"count": self.count, "usd": round(self.usd, 2), "bad_debt_usd": round(self.bad_debt_usd, 2)}


@dataclass
class Metrics:
    """Collects what each block did; `row` is the CSV line, `summary` the final figures."""

    world: World
    columns: list[str] = field(default_factory=list)
    tallies: dict[str, LiquidationTally] = field(default_factory=lambda: defaultdict(LiquidationTally))
    block_tallies: dict[str, LiquidationTally] = field(default_factory=lambda: defaultdict(LiquidationTally))
    minimum: dict[str, float] = field(default_factory=dict)
    by_collateral: dict[str, dict[str, float]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(float))
    )
    venue_by_mode: dict[str, LiquidationTally] = field(default_factory=lambda: defaultdict(LiquidationTally))
    backing_peak: float = 0.0
    backing_final: float = math.nan
    backing_min: float = math.inf
    reserve_min: float = math.inf
    reserve_final: float = math.nan
    txs: int = 0
    failed: int = 0
    events: int = 0
    _last: dict[str, Any] = field(default_factory=dict)
    _prices: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = ["block", "timestamp", "txs", "failed_txs", "events", *self._price_keys()]
        for label in self.markets():
            self.columns += [f"liq_count:{label}", f"liq_usd:{label}", f"bad_debt_usd:{label}"]
        for name in sorted(self.world.lending):
            self.columns += [f"hf_below:{t:g}:lending:{name}" for t in HF_THRESHOLDS]
        self.columns += [f"depth_usd:{name}" for name in sorted(self.world.pools)]
        self.columns += ["backing_ratio", "reserve_fund_usd", "funding_apy", "insurance_fund_usd"]

    def markets(self) -> list[str]:
        labels = [f"lending:{v.name}" for v in self.world.lending.values()]
        if self.world.venue is not None:
            labels.append("venue")
        return labels

    def _price_keys(self) -> list[str]:
        keys = [f"ref:{a}" for a in sorted(self.world.market.decimals)]
        for name, view in sorted(self.world.pools.items()):
            keys += (
                [f"pool:{name}:{t}" for t in view.info.tokens[:-1]]
                if view.cpmm is not None
                else [f"pool:{name}:{view.info.tokens[0]}"]
            )
        keys += [
            f"oracle:{label}:{asset}"
            for label, assets in sorted(self.world.oracle_assets.items())
            for asset in assets
        ]
        return keys

    def prices(self) -> dict[str, float]:
        """USD prices this block: reference, each pool's marginal price (quoted in its last token at that token's
        reference price), each oracle's answer."""
        world = self.world
        out = {f"ref:{a}": world.reference.get(a, math.nan) for a in world.market.decimals}
        for name, view in world.pools.items():
            quote = view.info.tokens[-1]
            assets = view.info.tokens[:-1] if view.cpmm is not None else view.info.tokens[:1]
            for asset in assets:
                out[f"pool:{name}:{asset}"] = view.price(asset, quote, world.timestamp) * world.reference.get(
                    quote, 1.0
                )
        for (label, asset), price in world.oracle_prices.items():
            out[f"oracle:{label}:{asset}"] = price / USD8
        return out

    def observe(self, block: int, world: World, events: list[Event], txs: int) -> None:
        self.block_tallies = defaultdict(LiquidationTally)
        for lending in world.lending.values():
            self._lending(lending.name, lending.drain_liquidations(), lending.drain_deficits(), world)
        if world.venue is not None:
            self._venue(world.venue.drain_events(), world)
        self._prices = self.prices()
        for key, value in self._prices.items():
            if not math.isnan(value):
                self.minimum[key] = min(self.minimum.get(key, math.inf), value)
        if world.synthetic is not None:
            ratio = world.synthetic.backing_ratio
            self.backing_peak = max(self.backing_peak, ratio)
            self.backing_min = min(self.backing_min, ratio)
            self.backing_final = ratio
        self.txs += txs
        failed = sum(1 for e in events if e.name == "TxFailed")
        self.failed += failed
        self.events += len(events)
        self._last = {
            "block": block,
            "timestamp": world.timestamp,
            "txs": txs,
            "failed_txs": failed,
            "events": len(events),
        }

    def _lending(self, name: str, liquidations: list[Event], deficits: list[Event], world: World) -> None:
        label = f"lending:{name}"
        view = world.lending[name]
        by_token = view.by_token
        for event in liquidations:
            usd = liquidation_usd(event, world)
            for tally in (self.tallies[label], self.block_tallies[label]):
                tally.count += 1
                tally.usd += usd
            self.by_collateral[label][by_token[to_address(event.args["collateralAsset"])]] += usd
        for event in deficits:
            usd = view.usd(by_token[to_address(event.args["debtAsset"])], int(event.args["amountCreated"]))
            self.tallies[label].bad_debt_usd += usd
            self.block_tallies[label].bad_debt_usd += usd

    def _venue(self, events: list[Event], world: World) -> None:
        assert world.venue is not None
        for event in events:
            if event.name == "LiquidationStarted":
                account = to_address(event.args["account"])
                mode = world.venue.mode_of(account)
                for tally in (self.tallies["venue"], self.block_tallies["venue"], self.venue_by_mode[mode]):
                    tally.count += 1
            elif event.name == "LiquidationCompleted":
                usd = liquidation_usd(event, world)
                account = to_address(event.args["account"])
                mode = world.venue.mode_of(account)
                self.tallies["venue"].usd += usd
                self.block_tallies["venue"].usd += usd
                self.venue_by_mode[mode].usd += usd
            elif event.name == "BadDebt":
                asset = world.venue.asset_of(to_address(event.args["asset"]))
                usd = (
                    int(event.args["amount"])
                    / 10 ** world.market.decimals[asset]
                    * world.reference.get(asset, 1.0)
                )
                self.tallies["venue"].bad_debt_usd += usd
                self.block_tallies["venue"].bad_debt_usd += usd
                account = to_address(event.args["account"])
                self.venue_by_mode[world.venue.mode_of(account)].bad_debt_usd += usd

    def row(self, block: int, world: World) -> dict[str, Any]:
        row: dict[str, Any] = dict(self._last)
        for key, value in self._prices.items():
            if key in self.columns:
                row[key] = _fmt(value)
        for label in self.markets():
            tally = self.block_tallies.get(label, LiquidationTally())
            row[f"liq_count:{label}"] = tally.count
            row[f"liq_usd:{label}"] = _fmt(tally.usd)
            row[f"bad_debt_usd:{label}"] = _fmt(tally.bad_debt_usd)
        for name, view in world.lending.items():
            for threshold, count in zip(HF_THRESHOLDS, view.health_bands(HF_THRESHOLDS), strict=True):
                row[f"hf_below:{threshold:g}:lending:{name}"] = count
        for name, pool in world.pools.items():
            row[f"depth_usd:{name}"] = _fmt(pool_depth_usd(pool, world))
        row["backing_ratio"] = _fmt(world.synthetic.backing_ratio) if world.synthetic is not None else ""
        row["insurance_fund_usd"] = _fmt(world.venue.insurance_fund_usd) if world.venue is not None else ""
        if world.synthetic is not None:
            row["reserve_fund_usd"] = _fmt(world.synthetic.reserve_fund_usd)
            row["funding_apy"] = _fmt(world.synthetic.funding_apy)
            self.reserve_min = min(self.reserve_min, world.synthetic.reserve_fund_usd)
            self.reserve_final = world.synthetic.reserve_fund_usd
        return {c: row.get(c, "") for c in self.columns}

    def summary(self) -> dict[str, Any]:
        return {
            "liquidations": {label: self.tallies[label].as_dict() for label in self.markets()},
            "bad_debt_usd": round(sum(t.bad_debt_usd for t in self.tallies.values()), 2),
            "lending_liquidations_by_collateral_usd": {
                label: {asset: round(usd, 2) for asset, usd in sorted(assets.items())}
                for label, assets in sorted(self.by_collateral.items())
            },
            "venue_liquidations_by_margin_mode": {
                mode: t.as_dict() for mode, t in sorted(self.venue_by_mode.items())
            },
            "min_price": {k: _fmt(v) for k, v in sorted(self.minimum.items())},
            "backing_ratio": {
                "peak": _fmt(self.backing_peak) if self.world.synthetic is not None else None,
                "min": _fmt(self.backing_min) if self.world.synthetic is not None else None,
                "final": _fmt(self.backing_final) if self.world.synthetic is not None else None,
            },
            "reserve_fund_usd": {
                "min": _fmt(self.reserve_min) if self.world.synthetic is not None else None,
                "final": _fmt(self.reserve_final) if self.world.synthetic is not None else None,
            },
            "transactions": self.txs,
            "failed_transactions": self.failed,
            "events": self.events,
        }


def pool_depth_usd(pool: PoolView, world: World) -> float:
    """A pool's reserves at the reference prices."""
    return float(
        sum(
            float(reserve) / 10**decimals * world.reference.get(token, 0.0)
            for token, reserve, decimals in zip(pool.info.tokens, pool.reserves(), pool.decimals, strict=True)
        )
    )


def liquidation_usd(event: Event, world: World) -> float:
    """USD value of a liquidation event: a lending LiquidationCall's debt covered at the market's oracle, a venue
    LiquidationCompleted's sale proceeds at the quote's reference price; 0 for any other event."""
    if event.name == "LiquidationCall" and event.contract.startswith("lending:"):
        view = world.lending[event.contract.removeprefix("lending:")]
        return view.usd(view.by_token[to_address(event.args["debtAsset"])], int(event.args["debtToCover"]))
    if event.name == "LiquidationCompleted" and event.contract == "venue" and world.venue is not None:
        unit = 10 ** world.market.decimals[world.venue.quote]
        return float(int(event.args["proceeds"]) / unit * world.reference.get(world.venue.quote, 1.0))
    return 0.0


def _fmt(value: float) -> float:
    return float(f"{value:.10g}")
