"""Attribution's view of a run: one probe per liquidation market (accounts under water, their exposures) and
the map of which pool drives which oracle answer, built from the scenario and the world."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sim.agents.base import AnyAgent
from sim.analysis.attribution import AnswerBook, Attribution, MarketProbe, PoolBook, PositionKey, Source
from sim.analysis.book_moves import BookDriver, BookMoves
from sim.mirrors.lending import effective_terms
from sim.scenario.schema import OracleSource, Scenario
from sim.world.lending import LendingView
from sim.world.venue import VenueView
from sim.world.world import World

USD8 = 1e8


@dataclass
class LendingProbe:
    view: LendingView

    @property
    def label(self) -> str:
        return self.view.label

    @property
    def oracle(self) -> str:
        return self.view.oracle

    def under_water(self) -> list[PositionKey]:
        return [user for user, _ in self.view.liquidatable()]

    def exposure(self, key: PositionKey) -> dict[str, float]:
        assert isinstance(key, bytes)
        account = key
        view = self.view
        emode = view.emode_of(account)
        out: dict[str, float] = {}
        for asset, position in view.positions(account).items():
            _, threshold = effective_terms(view.params[asset], asset, emode)
            weight = (
                view.usd(asset, position.supplied) * threshold / 10_000
                if position.collateral_enabled
                else 0.0
            )
            out[asset] = weight - view.usd(asset, position.debt)
        return out


@dataclass
class VenueProbe:
    view: VenueView

    @property
    def label(self) -> str:
        return self.view.label

    @property
    def oracle(self) -> str:
        return self.view.oracle

    def under_water(self) -> list[PositionKey]:
        """Each margin group under maintenance (cross margin: the account's one group)."""
        return list(self.view.under_groups())

    def exposure(self, key: PositionKey) -> dict[str, float]:
        """The group's own collateral (at its ratio), debts and perps: an isolated group answers for itself."""
        assert isinstance(key, tuple)
        account, number = key
        view = self.view
        decimals = view.decimals
        prices = view.prices()
        out: dict[str, float] = {}
        for group in view.groups(account):
            if group.group != number:
                continue
            for asset, amount in group.collaterals:
                usd = amount / 10 ** decimals[asset] * prices.get(asset, 0) / USD8
                out[asset] = out.get(asset, 0.0) + usd * view.ratios.get(asset, 0) / 10_000
            for asset, amount in group.debts:
                out[asset] = (
                    out.get(asset, 0.0) - amount / 10 ** decimals[asset] * prices.get(asset, 0) / USD8
                )
            for asset, size, _ in group.positions:
                out[asset] = out.get(asset, 0.0) + size / 1e18 * prices.get(asset, 0) / USD8
        return out


def _source(scenario: Scenario, world: World, oracle: str, asset: str, spec: OracleSource) -> Source:
    if spec.kind not in ("spot", "twap", "index") or spec.pool is None:
        return Source()
    view = world.pools[spec.pool]
    if view.cpmm is None:
        return Source()
    asset_is_token0 = (view.info.tokens[0] == asset) == view.token0_first
    if spec.kind != "index":
        return Source(spec.pool, asset_is_token0, twap=spec.kind == "twap")
    underlying = scenario.assets[asset].underlying
    return Source(
        spec.pool,
        asset_is_token0,
        spec.spot_weight,
        (oracle, underlying) if underlying is not None else None,
    )


def sources(scenario: Scenario, world: World) -> dict[tuple[str, str], Source]:
    """Every oracle answer the world reads, with the pool that drives it (none for fixed/pegged/pushed)."""
    return {key: _source(scenario, world, key[0], key[1], spec) for key, spec in _specs(scenario)}


def _specs(scenario: Scenario) -> list[tuple[tuple[str, str], OracleSource]]:
    """((oracle label, asset), source) of every oracle answer: the lending markets', then the venues'."""
    out = [((m.name, a), spec) for m in scenario.lending for a, spec in m.oracle.items()]
    out += [((v.name, a), c.oracle) for v in scenario.venues for a, c in v.collateral.items()]
    return out


def book_drivers(
    scenario: Scenario, world: World
) -> tuple[BookMoves | None, list[tuple[str, tuple[str, str], float]]]:
    """The books that drive oracle answers (`mid`, `last`, a `median`'s book constituents) as BookMoves, and a
    median's constant-product `spot` constituents as (pool, key, signed weight)."""
    drivers: dict[str, list[BookDriver]] = {}
    spot: list[tuple[str, tuple[str, str], float]] = []
    medians: set[tuple[str, str]] = set()
    parts: list[tuple[str, str, float]]
    for key, spec in _specs(scenario):
        if spec.kind in ("mid", "last") and spec.pool is not None:
            parts = [(spec.pool, spec.kind, 1.0)]
        elif spec.kind == "median":
            medians.add(key)
            total = sum(p.weight for p in spec.sources)
            parts = [(p.pool, p.price, p.weight / total) for p in spec.sources]
        else:
            continue
        for pool, price, weight in parts:
            view = world.pools[pool]
            sign = 1.0 if view.info.tokens[0] == key[1] else -1.0
            if view.book is not None:
                drivers.setdefault(pool, []).append(BookDriver(key, price, sign * weight))
            elif view.cpmm is not None and price == "spot":
                sign = 1.0 if (view.info.tokens[0] == key[1]) == view.token0_first else -1.0
                spot.append((pool, key, sign * weight))
    if not drivers and not medians:
        return None, spot
    books = {name: view.book for name, view in world.pools.items() if view.book is not None}
    venues = frozenset(v.name for v in scenario.venues)
    return BookMoves.copying(books, drivers, scenario.pool_venues(), venues, medians), spot


def build_attribution(scenario: Scenario, world: World, agents: Sequence[AnyAgent]) -> Attribution:
    """Attribution for a run whose world has been loaded and set up (pool states as the loop starts)."""
    drivers = sources(scenario, world)
    books, spot = book_drivers(scenario, world)
    pool_names = sorted({s.pool for s in drivers.values() if s.pool is not None} | {p for p, _, _ in spot})
    pools = {}
    pool_tokens = {}
    for name in pool_names:
        view = world.pools[name]
        assert view.cpmm is not None
        pools[name] = PoolBook((view.cpmm.reserve0, view.cpmm.reserve1), view.cpmm.total_supply)
        first, second = view.info.tokens[0], view.info.tokens[1]
        pool_tokens[name] = (first, second) if view.token0_first else (second, first)
    for name in books.books if books is not None else ():
        pool_tokens[name] = (world.pools[name].info.tokens[0], world.pools[name].info.tokens[1])
    probes: list[MarketProbe] = [LendingProbe(v) for _, v in sorted(world.lending.items())]
    probes += [VenueProbe(view) for view in world.venues.values()]
    attribution = Attribution(
        sources=drivers,
        probes=probes,
        cause_of={a.name: a.cause.value for a in agents},
        pools=pools,
        pool_labels={f"pool:{name}": name for name in pool_names},
        pool_tokens=pool_tokens,
        token_names=dict(world.token_by_address),
        prices=dict(world.oracle_prices),
        books=books,
        pool_venue=scenario.pool_venues(),
        venues=frozenset(v.name for v in scenario.venues),
    )
    for pool, key, weight in spot:  # a median's pool constituents, beside the sources' own pools
        attribution.pool_keys.setdefault(pool, []).append((key, weight))
        attribution.keys.setdefault(key, AnswerBook(False))
    return attribution
