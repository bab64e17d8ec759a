"""Per-block metrics (one CSV row per block) and the run summary: liquidations per market and venue, bad
debt, the lowest price of each asset on each pool and in each oracle, backing ratio, throughput."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sim.agents.base import AnyAgent
from sim.node.events import Event
from sim.outputs.books import SEED, BookMetrics
from sim.outputs.by_kind import LiquidationsByKind
from sim.outputs.depeg import DepegClock
from sim.scenario.schema import Scenario
from sim.world.liquidations import BlockLiquidations
from sim.world.world import PoolView, World

USD8 = 1e8
# Health-factor bands counted per block for each lending market: borrowers below each threshold.
HF_THRESHOLDS = (1.0, 1.05, 1.1, 1.25, 1.5, 2.0)


@dataclass
class LiquidationTally:
    count: int = 0
    usd: float = 0.0
    bad_debt_usd: float = 0.0
    covered_usd: float = 0.0  # bad debt paid back to the lenders afterwards (a rescue fund's repayDeficit)

    def as_dict(self) -> dict[str, float]:
        return {
            "count": self.count,
            "usd": round(self.usd, 2),
            "bad_debt_usd": round(self.bad_debt_usd, 2),
            "bad_debt_covered_usd": round(self.covered_usd, 2),
        }


@dataclass
class Metrics:
    """Collects what each block did: `observe` folds a block in and computes its CSV row (`row` returns it,
    with no side effect); `summary` gives the final figures. Holds no world: it is handed one per block."""

    columns: list[str]
    markets: list[str]  # "lending:<name>", then "venue" if the world has one
    has_synthetic: bool
    tallies: dict[str, LiquidationTally] = field(default_factory=lambda: defaultdict(LiquidationTally))
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
    books: BookMetrics | None = None  # None: the world has no order book (no books.csv)
    by_kind: LiquidationsByKind = field(default_factory=lambda: LiquidationsByKind({}))
    depeg: DepegClock | None = None
    _row: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_world(
        cls,
        world: World,
        *,
        kind_of: Mapping[bytes, str] | None = None,
        funder: bytes | None = None,
        venue_of: Mapping[str, str] | None = None,
        pegged: Iterable[str] = (),
    ) -> Metrics:
        """The columns this world's markets, pools and oracles give. `kind_of` maps every agent address to the
        agent's kind (liquidations and resting orders by kind; the `funder`'s orders are the seed ladders),
        `venue_of` each venue pool to its venue's name, `pegged` the dollar-pegged assets whose time below
        thresholds is counted."""
        markets = [f"lending:{v.name}" for v in world.lending.values()]
        markets += [venue.label for venue in world.venues.values()]
        columns = ["block", "timestamp", "txs", "failed_txs", "events", *_price_keys(world)]
        for label in markets:
            columns += [f"liq_count:{label}", f"liq_usd:{label}", f"bad_debt_usd:{label}"]
        for name in sorted(world.lending):
            columns += [f"hf_below:{t:g}:lending:{name}" for t in HF_THRESHOLDS]
        columns += [f"depth_usd:{name}" for name in sorted(world.pools)]
        columns += ["backing_ratio", "reserve_fund_usd", "funding_apy", "insurance_fund_usd"]
        kinds = dict(kind_of or {})
        owners = {"0x" + address.hex(): kind for address, kind in kinds.items()}
        if funder is not None:
            owners["0x" + funder.hex()] = SEED
        books = BookMetrics.for_world(world, venue_of or {}, owners)
        depeg = DepegClock.for_prices(
            _price_keys(world),
            {venue.oracle: venue.name for venue in world.venues.values()},
            pegged,
            world.seconds_per_block,
        )
        return cls(
            columns=columns,
            markets=markets,
            has_synthetic=world.synthetic is not None,
            books=books if books.books else None,
            by_kind=LiquidationsByKind(kinds),
            depeg=depeg,
        )

    def observe(
        self, block: int, world: World, events: list[Event], liquidations: BlockLiquidations, txs: int
    ) -> None:
        """Fold one block in (after the world's refresh) and compute its row."""
        block_tallies: dict[str, LiquidationTally] = defaultdict(LiquidationTally)
        for liquidation in liquidations.liquidations:
            touched = [self.tallies[liquidation.market], block_tallies[liquidation.market]]
            if liquidation.market.startswith("venue"):
                touched.append(self.venue_by_mode[liquidation.mode])
            else:
                self.by_collateral[liquidation.market][liquidation.collateral] += liquidation.usd
            for tally in touched:
                tally.count += 1
                tally.usd += liquidation.usd
        for paid in liquidations.covered:
            self.tallies[paid.market].covered_usd += paid.usd
        for bad in liquidations.bad_debts:
            touched = [self.tallies[bad.market], block_tallies[bad.market]]
            if bad.market.startswith("venue"):
                touched.append(self.venue_by_mode[bad.mode])
            for tally in touched:
                tally.bad_debt_usd += bad.usd
        self.by_kind.observe(liquidations.liquidations)
        prices = prices_of(world)
        for key, value in prices.items():
            if not math.isnan(value):
                self.minimum[key] = min(self.minimum.get(key, math.inf), value)
        if self.depeg is not None:
            self.depeg.observe(prices)
        if self.books is not None:
            self.books.observe(block, world, events)
        synthetic = world.synthetic
        if synthetic is not None:
            self.backing_peak = max(self.backing_peak, synthetic.backing_ratio)
            self.backing_min = min(self.backing_min, synthetic.backing_ratio)
            self.backing_final = synthetic.backing_ratio
            self.reserve_min = min(self.reserve_min, synthetic.reserve_fund_usd)
            self.reserve_final = synthetic.reserve_fund_usd
        failed = sum(1 for e in events if e.name == "TxFailed")
        self.txs += txs
        self.failed += failed
        self.events += len(events)
        row: dict[str, Any] = {
            "block": block,
            "timestamp": world.timestamp,
            "txs": txs,
            "failed_txs": failed,
            "events": len(events),
        }
        row |= {key: _fmt(value) for key, value in prices.items() if key in self.columns}
        for label in self.markets:
            tally = block_tallies.get(label, LiquidationTally())
            row[f"liq_count:{label}"] = tally.count
            row[f"liq_usd:{label}"] = _fmt(tally.usd)
            row[f"bad_debt_usd:{label}"] = _fmt(tally.bad_debt_usd)
        for name, view in world.lending.items():
            for threshold, count in zip(HF_THRESHOLDS, view.health_bands(HF_THRESHOLDS), strict=True):
                row[f"hf_below:{threshold:g}:lending:{name}"] = count
        for name, pool in world.pools.items():
            reserves = self.books.reserves(name) if self.books is not None else None
            row[f"depth_usd:{name}"] = _fmt(pool_depth_usd(pool, world, reserves))
        if synthetic is not None:
            row["backing_ratio"] = _fmt(synthetic.backing_ratio)
            row["reserve_fund_usd"] = _fmt(synthetic.reserve_fund_usd)
            row["funding_apy"] = _fmt(synthetic.funding_apy)
        if world.venues:
            row["insurance_fund_usd"] = _fmt(insurance_fund_usd(world))
        self._row = {c: row.get(c, "") for c in self.columns}

    def row(self) -> dict[str, Any]:
        """The last observed block's CSV row."""
        return dict(self._row)

    @property
    def book_columns(self) -> list[str]:
        """books.csv's columns (none without order books: no books.csv)."""
        return self.books.columns if self.books is not None else []

    def book_rows(self) -> list[dict[str, Any]]:
        """The last observed block's books.csv rows (none without order books)."""
        return self.books.rows() if self.books is not None else []

    def summary(self) -> dict[str, Any]:
        synthetic = self.has_synthetic
        return {
            "liquidations": {label: self.tallies[label].as_dict() for label in self.markets},
            "bad_debt_usd": round(sum(t.bad_debt_usd for t in self.tallies.values()), 2),
            "bad_debt_net_usd": round(sum(t.bad_debt_usd - t.covered_usd for t in self.tallies.values()), 2),
            "lending_liquidations_by_collateral_usd": {
                label: {asset: round(usd, 2) for asset, usd in sorted(assets.items())}
                for label, assets in sorted(self.by_collateral.items())
            },
            "venue_liquidations_by_margin_mode": {
                mode: t.as_dict() for mode, t in sorted(self.venue_by_mode.items())
            },
            "min_price": {k: _fmt(v) for k, v in sorted(self.minimum.items())},
            "backing_ratio": {
                "peak": _fmt(self.backing_peak) if synthetic else None,
                "min": _fmt(self.backing_min) if synthetic else None,
                "final": _fmt(self.backing_final) if synthetic else None,
            },
            "reserve_fund_usd": {
                "min": _fmt(self.reserve_min) if synthetic else None,
                "final": _fmt(self.reserve_final) if synthetic else None,
            },
            "transactions": self.txs,
            "failed_transactions": self.failed,
            "events": self.events,
            "liquidations_by_agent_kind": self.by_kind.summary(),
            "depeg_seconds": self.depeg.summary() if self.depeg is not None else {},
            **({"books": self.books.summary()} if self.books is not None else {}),
        }


def labels_of(scenario: Scenario, agents: Iterable[AnyAgent], funder: bytes) -> dict[str, Any]:
    """`Metrics.for_world`'s labels for a run: every address an agent holds (its wallet, its contracts) with the
    agent's kind, the funder, each venue pool's venue, and the dollar-pegged assets (kind stable or synthetic,
    starting within 5% of $1)."""
    return {
        "kind_of": {
            address: agent.kind
            for agent in agents
            for address in (
                *(w.address for w in agent.wallets()),
                *(h.address for h in agent.contracts().values()),
            )
        },
        "funder": funder,
        "venue_of": scenario.pool_venues(),
        "pegged": sorted(
            a
            for a, spec in scenario.assets.items()
            if spec.kind in ("stable", "synthetic") and abs(spec.price - 1) <= 0.05
        ),
    }


def _price_keys(world: World) -> list[str]:
    keys = [f"ref:{a}" for a in sorted(world.market.decimals)]
    for name, view in sorted(world.pools.items()):
        keys += (
            [f"pool:{name}:{t}" for t in view.info.tokens[:-1]]
            if view.cpmm is not None
            else [f"pool:{name}:{view.info.tokens[0]}"]
        )
    keys += [
        f"oracle:{label}:{asset}" for label, assets in sorted(world.oracle_assets.items()) for asset in assets
    ]
    return keys


def prices_of(world: World) -> dict[str, float]:
    """USD prices this block: reference, each pool's marginal price (quoted in its last token at that token's
    reference price), each oracle's answer."""
    out = {f"ref:{a}": world.reference.get(a, math.nan) for a in world.market.decimals}
    for name, view in world.pools.items():
        quote = view.info.tokens[-1]
        assets = view.info.tokens[:-1] if view.cpmm is not None else view.info.tokens[:1]
        for asset in assets:
            price = view.price(asset, quote, world.timestamp)
            if view.book is not None and price <= 0:
                price = math.nan  # an empty book has no price
            out[f"pool:{name}:{asset}"] = price * world.reference.get(quote, 1.0)
    for (label, asset), price in world.oracle_prices.items():
        out[f"oracle:{label}:{asset}"] = price / USD8
    return out


def insurance_fund_usd(world: World) -> float:
    """The venues' insurance funds at their quotes' reference prices."""
    return sum(
        venue.insurance_fund
        / int(10 ** world.market.decimals[venue.quote])
        * world.reference.get(venue.quote, 1.0)
        for venue in world.venues.values()
    )


def pool_depth_usd(pool: PoolView, world: World, reserves: tuple[int, ...] | None = None) -> float:
    """A pool's reserves (`pool.reserves()` unless given: an order book's, kept by BookMetrics from the block
    that last touched it) at the reference prices."""
    held = pool.reserves() if reserves is None else reserves
    return float(
        sum(
            float(reserve) / 10**decimals * world.reference.get(token, 0.0)
            for token, reserve, decimals in zip(pool.info.tokens, held, pool.decimals, strict=True)
        )
    )


def _fmt(value: float) -> float:
    return float(f"{value:.10g}")
