"""Building the world once, right after deployment: one view per protocol, each registered once, with the
parameters its mirror uses read from the deployed contracts (so a mirror can never disagree with its
contract), then the pools' states and the pre-existing balances read in one batch."""

from __future__ import annotations

from functools import partial
from typing import Any

from sim.market.market import Market
from sim.mirrors.lending import EModeCategory, ReserveParams
from sim.mirrors.stableswap import StableSwapState
from sim.mirrors.stableswap_math import rate_multiplier
from sim.node.backend import Backend
from sim.node.contracts import Handle
from sim.node.reads import Reads
from sim.scenario.schema import LendingSpec, Scenario, VenueSpec
from sim.world.books import book_mirror, queue_book_parameters
from sim.world.lending import LendingView
from sim.world.rescue import RescueFundView
from sim.world.synthetic import SyntheticView
from sim.world.venue import VenueView
from sim.world.world import World

# The pool's own view of a reserve (decimals, id, LTV, threshold, bonus, protocol fee...): getReserveState, in
# IPoolLens and served through the pool's fallback (getReserveData returns Aave's ReserveDataLegacy instead).
RESERVE_PARAMETERS = "getReserveState"
RESERVE_LENS = "IPoolLens"


def build_world(*, scenario: Scenario, market: Market, chain: Backend, funder: bytes) -> World:
    """The world of a freshly deployed market: pools, protocol views, tracked pre-existing balances (the
    funder's, each lending pool's cash), at the scenario's start prices and the chain's current time."""
    world = World.create(market)
    world.seconds_per_block = scenario.seconds_per_block
    world.reference = {a: s.price for a, s in scenario.assets.items()}
    world.timestamp = chain.timestamp
    reads = Reads()
    deployed: dict[Any, Any] = {}
    for spec in scenario.lending:
        _queue_lending(reads, market, spec, deployed)
    for venue in scenario.venues:
        _queue_venue(reads, market, scenario, venue, deployed)
    if scenario.synthetic is not None:
        reads.add(
            market.contracts["synthetic"], "maxRedeemPerBlock", (), partial(deployed.__setitem__, "cap")
        )
    for name, view in world.pools.items():
        if view.info.kind == "stableswap":
            for fn in STABLESWAP_PARAMETERS:
                reads.add(view.info.handle, fn, (), partial(deployed.__setitem__, (name, fn)))
        elif view.info.kind == "order_book":
            queue_book_parameters(reads, name, view.info.handle, deployed)
    reads.flush(chain)
    for name, view in world.pools.items():
        if view.info.kind == "order_book":
            view.book = book_mirror(name, view.decimals, deployed)
    for spec in scenario.lending:
        world.add_lending(_lending_view(world, spec, deployed), spec.oracle)
    for venue in scenario.venues:
        world.add_venue(_venue_view(world, scenario, venue, deployed), _venue_assets(venue))
    if scenario.synthetic is not None:
        s = scenario.synthetic
        synthetic = SyntheticView(
            handle=market.contracts["synthetic"], symbol=s.symbol, max_redeem_per_block=deployed["cap"]
        )
        world.add_synthetic(synthetic, s.collateral)
    for name, view in world.pools.items():
        if view.info.kind == "stableswap":
            p = {fn: int(deployed[(name, fn)]) for fn in STABLESWAP_PARAMETERS}
            view.stableswap = StableSwapState(
                rates=[rate_multiplier(d) for d in view.decimals],
                fee=p["fee"],
                offpeg_fee_multiplier=p["offpeg_fee_multiplier"],
                initial_A=p["initial_A"],
                future_A=p["future_A"],
                initial_A_time=p["initial_A_time"],
                future_A_time=p["future_A_time"],
            )
    if "rescue_fund" in market.contracts:
        world.rescue_fund = _rescue_fund_view(market, scenario)
        world.protocols.append(world.rescue_fund)
    world.track(funder, preexisting=True)
    for lending in world.lending.values():  # each reserve's cash: what a flash loan can borrow
        world.track(lending.pool.address, preexisting=True)
    world.load(chain)
    return world


def _rescue_fund_view(market: Market, scenario: Scenario) -> RescueFundView:
    """The fund holds and bids the first venue's quote; every venue's bad debt in it is read."""
    quote = scenario.venues[0].quote
    venues = {v.name: market.contracts[scenario.venue_label(v)] for v in scenario.venues if v.quote == quote}
    return RescueFundView(market.contracts["rescue_fund"], quote, market.tokens[quote], venues)


def _named(deployed: dict[Any, Any], key: Any, fields: tuple[str, ...], value: Any) -> None:
    """Store a struct read as a mapping of its fields' names."""
    deployed[key] = dict(zip(fields, value, strict=True))


STABLESWAP_PARAMETERS = (
    "fee",
    "offpeg_fee_multiplier",
    "initial_A",
    "future_A",
    "initial_A_time",
    "future_A_time",
)


def _queue_lending(reads: Reads, market: Market, spec: LendingSpec, deployed: dict[Any, Any]) -> None:
    pool = market.contracts[f"lending:{spec.name}"]
    lens = Handle(RESERVE_LENS, pool.address)
    for reserve in spec.reserves:
        token = market.tokens[reserve.asset].address
        reads.add(
            lens,
            RESERVE_PARAMETERS,
            (token,),
            partial(_named, deployed, (spec.name, reserve.asset), lens.abi.fn(RESERVE_PARAMETERS).fields),
        )
    for emode in spec.emodes:
        key = (spec.name, "emode", emode.id)
        reads.add(
            pool,
            "getEModeCategory",
            (emode.id,),
            partial(_named, deployed, key, pool.abi.fn("getEModeCategory").fields),
        )


def _lending_view(world: World, spec: LendingSpec, deployed: dict[Any, Any]) -> LendingView:
    assets = [r.asset for r in spec.reserves]
    params: dict[str, ReserveParams] = {}
    by_id: dict[int, str] = {}
    for asset in assets:
        data = deployed[(spec.name, asset)]
        params[asset] = ReserveParams(
            decimals=int(data["decimals"]),
            ltv=int(data["ltv"]),
            liquidation_threshold=int(data["liquidationThreshold"]),
            liquidation_bonus=int(data["liquidationBonus"]),
            liquidation_protocol_fee=int(data["liquidationProtocolFee"]),
        )
        by_id[int(data["id"])] = asset
    emodes = {}
    for emode in spec.emodes:
        data = deployed[(spec.name, "emode", emode.id)]
        emodes[emode.id] = EModeCategory(
            int(data["ltv"]),
            int(data["liquidationThreshold"]),
            int(data["liquidationBonus"]),
            _assets_in(int(data["collateralBitmap"]), by_id),
            _assets_in(int(data["borrowableBitmap"]), by_id),
        )
    market = world.market
    return LendingView(
        name=spec.name,
        pool=market.contracts[f"lending:{spec.name}"],
        oracle=spec.name,
        assets=assets,
        tokens={a: market.tokens[a].address for a in assets},
        params=params,
        emodes=emodes,
        snapshot=world.snapshot,
    )


def _assets_in(bitmap: int, by_id: dict[int, str]) -> frozenset[str]:
    return frozenset(asset for reserve_id, asset in by_id.items() if bitmap >> reserve_id & 1)


def _venue_assets(spec: VenueSpec) -> set[str]:
    return {spec.quote, *spec.collateral, *(m.asset for m in spec.markets.values())}


def _queue_venue(
    reads: Reads, market: Market, scenario: Scenario, spec: VenueSpec, deployed: dict[Any, Any]
) -> None:
    venue = market.contracts[scenario.venue_label(spec)]
    for asset in sorted({spec.quote, *spec.collateral}):
        fields = venue.abi.fn("getAssetConfig").fields
        reads.add(
            venue,
            "getAssetConfig",
            (market.tokens[asset].address,),
            partial(_named, deployed, (spec.name, "asset", asset), fields),
        )
    for perp in spec.markets.values():
        fields = venue.abi.fn("getMarketConfig").fields
        key = (spec.name, "market", perp.asset)
        reads.add(
            venue,
            "getMarketConfig",
            (market.tokens[perp.asset].address,),
            partial(_named, deployed, key, fields),
        )


def _venue_view(world: World, scenario: Scenario, spec: VenueSpec, deployed: dict[Any, Any]) -> VenueView:
    market = world.market
    assets = sorted({spec.quote, *spec.collateral})
    configs = {a: deployed[(spec.name, "asset", a)] for a in assets}
    label = scenario.venue_label(spec)
    return VenueView(
        name=spec.name,
        label=label,
        handle=market.contracts[label],
        quote=spec.quote,
        oracle=spec.name,
        ratios={a: int(c["collateralRatioBps"]) for a, c in configs.items()},
        market_margins={
            m.asset: (
                int(deployed[(spec.name, "market", m.asset)]["imrBps"]),
                int(deployed[(spec.name, "market", m.asset)]["mmrBps"]),
            )
            for m in spec.markets.values()
        },
        debt_margins={
            a: (int(c["borrowImrBps"]), int(c["borrowMmrBps"])) for a, c in configs.items() if c["borrowable"]
        },
        decimals=dict(market.decimals),
        by_token={h.address: s for s, h in market.tokens.items()},
        sells_into={
            a: m.name for a in spec.collateral if a != spec.quote and (m := spec.market_of(a)) is not None
        },
        snapshot=world.snapshot,
    )
