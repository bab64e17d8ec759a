"""A whole scenario as pydantic data: loading from YAML, validation with errors that name the field, and draws."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.amounts import check_amounts
from sim.scenario.draws import Draw, bounds
from sim.scenario.kinds import Ref, known_kinds, params_of, references
from sim.scenario.mitigations import MitigationsSpec
from sim.scenario.model import Fraction
from sim.scenario.model import Strict as _Strict
from sim.scenario.pricepaths import PricePath

# Scenario start times a chain can hold and a person means: Unix seconds from 2010 to 2100 (a value in
# milliseconds is a thousand times larger and is refused).
EARLIEST_START = 1_262_304_000
LATEST_START = 4_102_444_800


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message names the file, the field, the value and the fix."""


class AssetSpec(_Strict):
    decimals: int = Field(ge=0, le=36)
    price: float = Field(gt=0, description="initial USD price")
    kind: Literal["stable", "volatile", "lst", "synthetic"] = "volatile"
    underlying: str | None = Field(default=None, description="lst: the asset one token converts into")
    rate: float | None = Field(default=None, gt=0, description="lst: units of underlying per token")


class MedianPart(_Strict):
    """One constituent of a median (index) price: a constant-product pool's spot or a book's mid or last trade."""

    pool: str
    price: Literal["spot", "mid", "last"] = "mid"
    weight: float = Field(default=1.0, gt=0, le=6.5)


class OracleSource(_Strict):
    """How one oracle prices one asset."""

    kind: Literal["fixed", "pushed", "peg", "spot", "twap", "index", "mid", "last", "median"]
    peg: str | None = None
    pool: str | None = None
    sources: tuple[MedianPart, ...] = Field(
        default=(), description="median: the constituents (pools or books on any venue) and their weights"
    )
    heartbeat_s: int = Field(default=3600, gt=0)
    deviation_bps: int = Field(default=50, gt=0, le=10_000)
    window_s: int = Field(
        default=1800, gt=0, le=86_400, description="twap: the averaging window, at most a day"
    )
    spot_weight: Fraction = 0.2

    @model_validator(mode="after")
    def _needs(self) -> OracleSource:
        if self.kind == "peg" and not self.peg:
            raise ValueError("a peg source needs `peg: <asset>` (the asset whose price it copies)")
        if self.kind in ("spot", "twap", "index", "mid", "last") and not self.pool:
            raise ValueError(f"a {self.kind} source needs `pool: <pool name>`")
        if self.kind == "median" and not 1 <= len(self.sources) <= 8:
            raise ValueError(
                "a median source needs `sources:` with 1 to 8 entries like {pool: <name>, price: mid, weight: 1}"
            )
        return self

    def reads(self) -> list[tuple[str, str]]:
        """(price kind, pool name) of every pool or book this source reads: its `pool`, or a median's parts."""
        own: list[tuple[str, str]] = [(self.kind, self.pool)] if self.pool is not None else []
        return own + [(part.price, part.pool) for part in self.sources]


class PoolSpec(_Strict):
    """An AMM pool seeded at the assets' initial prices with `depth_usd` of total liquidity."""

    name: str
    kind: Literal["constant_product", "stableswap", "order_book"]
    tokens: tuple[str, ...] = Field(min_length=2, max_length=4)
    depth_usd: Draw = Field(
        description="total USD value deposited at start (order_book: the resting ladder of a passive seed "
        "owner, half bids, half asks; 0 leaves the book to the agents)"
    )
    amplification: int = Field(default=200, ge=1, le=1_000_000)
    fee_bps: float = Field(default=4, ge=0, le=100)
    offpeg_fee_multiplier: float = Field(default=2.0, ge=1)
    implementation: Literal["ours", "uniswap_v2"] = Field(
        default="ours",
        description="constant_product only: `uniswap_v2` deploys the real Uniswap v2 factory and pair bytecode "
        "(npm @uniswap/v2-core) instead of ours; agents trade it through the same interface",
    )

    tick_size: float | None = Field(
        default=None,
        gt=0,
        description="order_book: price step in quote per base (default: start price / 10,000)",
    )
    maker_fee_bps: float = Field(
        default=2, ge=0, le=1000, description="order_book: maker fee (taker: fee_bps)"
    )
    levels: int = Field(default=20, ge=1, le=200, description="order_book: seed ladder levels per side")
    spacing_bps: float = Field(default=10, gt=0, le=2000, description="order_book: seed ladder level spacing")

    @model_validator(mode="after")
    def _shape(self) -> PoolSpec:
        if self.kind in ("constant_product", "order_book") and len(self.tokens) != 2:
            raise ValueError(f"a {self.kind} pool has exactly 2 tokens, got {list(self.tokens)}")
        if self.implementation != "ours" and self.kind != "constant_product":
            raise ValueError(
                f"implementation {self.implementation!r} is for constant_product pools; a {self.kind} pool is ours"
            )
        if len(set(self.tokens)) != len(self.tokens):
            raise ValueError(f"pool tokens must differ, got {list(self.tokens)}")
        return self


class RateModel(_Strict):
    base: Fraction = 0.0
    slope1: float = Field(default=0.04, ge=0)
    slope2: float = Field(default=0.75, ge=0)
    optimal_usage: float = Field(default=0.8, gt=0, lt=1)


class ReserveSpec(_Strict):
    asset: str
    ltv: Fraction
    liquidation_threshold: Fraction
    liquidation_bonus: float = Field(ge=1, le=1.5, description="1.05 = +5%")
    protocol_fee: Fraction = 0.1
    reserve_factor: Fraction = 0.1
    supply_cap: int = Field(default=0, ge=0, description="whole tokens; 0 = none")
    borrow_cap: int = Field(default=0, ge=0)
    borrowable: bool = True
    collateral: bool = True
    liquidity_usd: Draw = Field(default=0.0, description="USD the market's lenders supply at start")
    rates: RateModel = RateModel()

    @model_validator(mode="after")
    def _lt_above_ltv(self) -> ReserveSpec:
        if self.collateral and self.liquidation_threshold < self.ltv:
            raise ValueError(
                f"liquidation_threshold ({self.liquidation_threshold}) must be >= ltv ({self.ltv})"
            )
        if self.collateral and self.liquidation_threshold * self.liquidation_bonus > 1:
            raise ValueError(
                "liquidation_threshold x liquidation_bonus must be <= 1, else liquidations cannot pay"
            )
        return self


class EModeSpec(_Strict):
    id: int = Field(ge=1, le=255)
    label: str
    ltv: Fraction
    liquidation_threshold: Fraction
    liquidation_bonus: float = Field(ge=1, le=1.5)
    assets: tuple[str, ...] = Field(min_length=1)


class LendingSpec(_Strict):
    name: str
    oracle: dict[str, OracleSource]
    reserves: tuple[ReserveSpec, ...] = Field(min_length=1)
    emodes: tuple[EModeSpec, ...] = ()


class SyntheticSpec(_Strict):
    """The USDe-like synthetic dollar: supply minted at start, funding, reserve fund and redemption caps."""

    symbol: str = "USDe"
    staked_symbol: str = "sUSDe"
    reserve_asset: str = Field(description="the stablecoin the reserve fund holds")
    collateral: tuple[str, ...] = Field(min_length=1)
    supply_usd: Draw
    staked_fraction: Fraction = 0.5
    funding_apy: Draw = 0.10
    reserve_fund_usd: Draw = 0.0
    max_mint_per_block_usd: float = Field(default=2_000_000, gt=0)
    max_redeem_per_block_usd: float = Field(default=2_000_000, gt=0)
    cooldown_days: float = Field(default=7, ge=0, le=90)


class VenueCollateral(_Strict):
    ratio: Fraction
    oracle: OracleSource


class VenueMarket(_Strict):
    asset: str
    initial_margin: Fraction = 0.1
    maintenance_margin: Fraction = 0.05


class VenuePoolSpec(PoolSpec):
    """A venue market: an order book unless `kind` says otherwise (tokens: [base, quote])."""

    kind: Literal["constant_product", "stableswap", "order_book"] = "order_book"


class VenueSpec(_Strict):
    """A unified-margin venue: its own books (or thin pools), collateral marks, perp markets, insurance fund and,
    optionally, its own mitigations (the scenario's `mitigations` otherwise)."""

    name: str = "venue"
    quote: str
    pools: tuple[VenuePoolSpec, ...] = ()
    collateral: dict[str, VenueCollateral]
    markets: dict[str, VenueMarket] = Field(default_factory=dict)
    insurance_fund_usd: Draw = 0.0
    lending_liquidity_usd: Draw = 0.0
    liquidation_fee: Fraction = 0.01
    liquidation_max_levels: int = Field(
        default=64,
        ge=1,
        le=65_535,
        description="price levels one liquidation market order may take per asset",
    )
    mitigations: MitigationsSpec | None = None

    def market_of(self, asset: str) -> VenuePoolSpec | None:
        """The venue's market of `asset` against its quote: where a liquidation sells it (None: none listed)."""
        return next((p for p in self.pools if asset in p.tokens and self.quote in p.tokens), None)


class AgentPopulation(_Strict):
    kind: str
    count: int = Field(ge=0, le=100_000)
    name: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("params")
    @classmethod
    def _params_fit_the_kind(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        model = params_of(info.data.get("kind", ""))
        if model is not None:
            model.scenario_model().model_validate(value)  # errors are located under params.<field>
        return value

    @model_validator(mode="after")
    def _known_kind(self) -> AgentPopulation:
        if params_of(self.kind) is None:
            raise ValueError(f"unknown agent kind {self.kind!r}; allowed: {', '.join(known_kinds())}")
        return self


class Scenario(_Strict):
    name: str
    description: str = ""
    seed: int = Field(default=0, ge=0)
    blocks: int = Field(gt=0, le=1_000_000)
    seconds_per_block: float = Field(default=12, gt=0)
    start_timestamp: int = Field(
        default=1_760_129_400,
        ge=EARLIEST_START,
        le=LATEST_START,
        description="2025-10-10 20:50 UTC; Unix seconds (not milliseconds), 2010 to 2100",
    )
    assets: dict[str, AssetSpec]
    price_paths: dict[str, PricePath] = Field(default_factory=dict)
    pools: tuple[PoolSpec, ...] = ()
    lending: tuple[LendingSpec, ...] = ()
    synthetic: SyntheticSpec | None = None
    venues: tuple[VenueSpec, ...] = Field(default=(), max_length=8)
    mitigations: MitigationsSpec = MitigationsSpec()
    agents: tuple[AgentPopulation, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _one_venue(cls, data: Any) -> Any:
        """`venue:` (one venue, as before) is accepted and read as a list of one."""
        if isinstance(data, dict) and "venue" in data:
            if "venues" in data:
                raise ValueError("give either `venue:` (one venue) or `venues:` (a list), not both")
            data = dict(data)
            one = data.pop("venue")
            data["venues"] = [] if one is None else [one]
        return data

    @property
    def venue(self) -> VenueSpec | None:
        """The first venue (the only one in a one-venue scenario), or None."""
        return self.venues[0] if self.venues else None

    def pool_venues(self) -> dict[str, str]:
        """Venue markets' names -> their venue's name (on-chain pools are in no venue)."""
        return {pool.name: venue.name for venue in self.venues for pool in venue.pools}

    def venue_named(self, name: str) -> VenueSpec:
        """The venue called `name`; "" (an agent that names none) means the first."""
        return next(v for v in self.venues if v.name == name) if name else self.venues[0]

    def venue_label(self, venue: VenueSpec) -> str:
        """The venue's contract and market label: `venue` in a one-venue scenario, `venue:<name>` otherwise."""
        return "venue" if len(self.venues) == 1 else f"venue:{venue.name}"

    def breaker_label(self, venue: VenueSpec) -> str:
        return "breaker" if len(self.venues) == 1 else f"breaker:{venue.name}"

    def venue_mitigations(self, venue: VenueSpec) -> MitigationsSpec:
        """A venue's own mitigations, or the scenario's."""
        return venue.mitigations if venue.mitigations is not None else self.mitigations

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        known = set(self.assets)

        def need(asset: str | None, where: str) -> None:
            if asset is not None and asset not in known:
                raise ValueError(
                    f"{where} names asset {asset!r}, which is not under `assets` ({', '.join(sorted(known))})"
                )

        for name, spec in self.assets.items():
            if spec.kind == "lst" and (spec.underlying is None or spec.rate is None):
                raise ValueError(f"assets.{name}: an lst needs `underlying` and `rate`")
            need(spec.underlying, f"assets.{name}.underlying")
        for asset in self.price_paths:
            need(asset, "price_paths")
        pool_names = [p.name for p in self.all_pools()]
        duplicates = sorted({n for n in pool_names if pool_names.count(n) > 1})
        if duplicates:
            raise ValueError(f"pool names must be unique; repeated: {duplicates}")
        for pool in self.all_pools():
            for token in pool.tokens:
                need(token, f"pool {pool.name}")
            low, _ = bounds(pool.depth_usd)
            if low < 0 or (low == 0 and pool.kind != "order_book"):
                raise ValueError(
                    f"pool {pool.name}: depth_usd must be > 0 (an order book may start empty: 0)"
                )
        for market in self.lending:
            for asset, source in market.oracle.items():
                need(asset, f"lending {market.name} oracle")
                self._check_source(asset, source, f"lending {market.name} oracle.{asset}", pool_names, need)
            for reserve in market.reserves:
                need(reserve.asset, f"lending {market.name} reserve")
                if reserve.asset not in market.oracle:
                    raise ValueError(f"lending {market.name}: reserve {reserve.asset} has no oracle source")
            for emode in market.emodes:
                for asset in emode.assets:
                    need(asset, f"lending {market.name} emode {emode.id}")
        if self.synthetic is not None:
            for asset in self.synthetic.collateral:
                need(asset, "synthetic.collateral")
            need(self.synthetic.symbol, "synthetic.symbol")
            need(self.synthetic.staked_symbol, "synthetic.staked_symbol")
            need(self.synthetic.reserve_asset, "synthetic.reserve_asset")
        names = [v.name for v in self.venues]
        if len(set(names)) != len(names):
            raise ValueError(f"venue names must be unique; got {names}")
        for venue in self.venues:
            self._check_venue(venue, pool_names, need)
        self._check_synthetic_decimals()
        check_amounts(self)
        self._check_agents(set(pool_names), need)
        return self

    def _check_venue(self, venue: VenueSpec, pool_names: list[str], need: Any) -> None:
        at = "venue" if len(self.venues) == 1 else f"venues[{venue.name}]"
        need(venue.quote, f"{at}.quote")
        for asset, collateral in venue.collateral.items():
            need(asset, f"{at}.collateral")
            self._check_source(
                asset, collateral.oracle, f"{at}.collateral.{asset}.oracle", pool_names, need, venue
            )
        for market_name, perp in venue.markets.items():
            need(perp.asset, f"{at}.markets.{market_name}")
            if perp.asset not in venue.collateral and perp.asset != venue.quote:
                raise ValueError(
                    f"{at}.markets.{market_name}: its asset {perp.asset} needs a mark price: list it under "
                    f"{at}.collateral (ratio 0 if it must not count as collateral) with an oracle source"
                )
        for pool in venue.pools:
            if pool.kind == "order_book" and pool.tokens[1] != venue.quote:
                raise ValueError(
                    f"{at}.pools.{pool.name}: a venue book trades an asset against the venue's quote "
                    f"{venue.quote}; write tokens: [{pool.tokens[0]}, {venue.quote}]"
                )
        for asset in venue.collateral:
            if asset != venue.quote and venue.market_of(asset) is None:
                raise ValueError(
                    f"{at}.collateral.{asset}: the venue sells collateral into its own markets; add a pool of "
                    f"{asset}/{venue.quote} under {at}.pools (an order book unless its kind says otherwise)"
                )

    def _check_synthetic_decimals(self) -> None:
        if self.synthetic is None:
            return
        for symbol in (self.synthetic.symbol, self.synthetic.staked_symbol):
            if symbol in self.assets and self.assets[symbol].decimals != 18:
                raise ValueError(
                    f"assets.{symbol}.decimals must be 18: the synthetic dollar and its vault are 18-decimal tokens"
                )

    def _check_agents(self, pools: set[str], need: Any) -> None:
        """Names that agent parameters refer to must exist, and each population needs its protocol."""
        markets = {m.name for m in self.lending}
        seen: set[str] = set()
        for i, pop in enumerate(self.agents):
            where = f"agents[{i}] ({pop.kind})"
            label = pop.name or pop.kind
            if label in seen:
                raise ValueError(
                    f"{where}: two populations are both named {label!r}; give one a distinct `name`"
                )
            seen.add(label)
            model = params_of(pop.kind)
            assert model is not None  # the population's own validator refused unknown kinds
            for needed in model.requires:
                if getattr(self, needed) is None:
                    raise ValueError(
                        f"{where}: this kind needs a `{needed}` section, and the scenario has none"
                    )
            spec = model.scenario_model().model_validate(pop.params)
            for field_name, ref, value in references(model, spec):
                at = f"{where}.params.{field_name}"
                if ref is Ref.ASSET:
                    need(value, at)
                elif ref is Ref.POOL and value not in pools:
                    raise ValueError(
                        f"{at} names pool {value!r}, which does not exist ({', '.join(sorted(pools))})"
                    )
                elif ref is Ref.MARKET and value not in markets:
                    raise ValueError(f"{at} names {value!r}; lending markets: {sorted(markets)}")
                elif ref is Ref.VENUE and value and value not in {v.name for v in self.venues}:
                    raise ValueError(f"{at} names venue {value!r}; venues: {[v.name for v in self.venues]}")

    def _check_source(
        self,
        asset: str,
        source: OracleSource,
        where: str,
        pools: list[str],
        need: Any,
        venue: VenueSpec | None = None,
    ) -> None:
        need(source.peg, f"{where}.peg")
        if source.kind == "index" and self.assets[asset].kind != "lst":
            raise ValueError(
                f"{where}: an index source blends spot with a conversion rate, so {asset} must be an lst"
            )
        kinds = {p.name: p.kind for p in self.all_pools()}
        wanted = {"spot": ("constant_product",), "twap": ("constant_product",),
                  "index": ("constant_product", "order_book"), "mid": ("order_book",),
                  "last": ("order_book",)}  # fmt: skip
        places = [f"{where}.pool"] if source.pool is not None else []
        places += [f"{where}.sources[{i}].pool" for i in range(len(source.sources))]
        for (kind, pool), at in zip(source.reads(), places, strict=True):
            if pool not in pools:
                raise ValueError(f"{at} names pool {pool!r}, which does not exist ({', '.join(pools)})")
            if kind in wanted and kinds.get(pool) not in wanted[kind]:
                allowed = " or ".join(wanted[kind])
                raise ValueError(
                    f"{at}: a {kind} price reads a {allowed} pool, and {pool!r} is a {kinds.get(pool)} pool; point "
                    f"it at a {allowed} pool of the asset, or price the asset with kind: pushed, peg or fixed"
                )
            tokens = next(p.tokens for p in self.all_pools() if p.name == pool)
            if asset not in tokens:
                raise ValueError(f"{at}: pool {pool!r} trades {list(tokens)}, not {asset}")
            if venue is not None:
                listed = {venue.quote, *venue.collateral}
                for other in (t for t in tokens if t not in listed and self.assets[t].kind != "stable"):
                    raise ValueError(
                        f"{at}: pool {pool!r} prices {asset} in {other}, which this venue's oracle does not price; "
                        f"list {other} under the venue's collateral or use a pool quoted in a stable"
                    )

    def all_pools(self) -> tuple[PoolSpec, ...]:
        return self.pools + tuple(p for v in self.venues for p in v.pools)
