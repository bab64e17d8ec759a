"""A whole scenario as pydantic data: loading from YAML, validation with errors that name the field, and draws."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from sim.scenario.draws import Draw, bounds
from sim.scenario.kinds import MAX_USD, Ref, known_kinds, params_of, references
from sim.scenario.pricepaths import PricePath

# Scenario start times a chain can hold and a person means: Unix seconds from 2010 to 2100 (a value in
# milliseconds is a thousand times larger and is refused).
EARLIEST_START = 1_262_304_000
LATEST_START = 4_102_444_800


class ScenarioError(ValueError):
    """A scenario file is unreadable or invalid; the message names the file, the field, the value and the fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Fraction = Annotated[float, Field(ge=0, le=1)]


class AssetSpec(_Strict):
    decimals: int = Field(ge=0, le=36)
    price: float = Field(gt=0, description="initial USD price")
    kind: Literal["stable", "volatile", "lst", "synthetic"] = "volatile"
    underlying: str | None = Field(default=None, description="lst: the asset one token converts into")
    rate: float | None = Field(default=None, gt=0, description="lst: units of underlying per token")


class OracleSource(_Strict):
    """How one oracle prices one asset."""

    kind: Literal["fixed", "pushed", "peg", "spot", "twap", "index"]
    peg: str | None = None
    pool: str | None = None
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
        if self.kind in ("spot", "twap", "index") and not self.pool:
            raise ValueError(f"a {self.kind} source needs `pool: <pool name>`")
        return self


class PoolSpec(_Strict):
    """An AMM pool seeded at the assets' initial prices with `depth_usd` of total liquidity."""

    name: str
    kind: Literal["constant_product", "stableswap"]
    tokens: tuple[str, ...] = Field(min_length=2, max_length=4)
    depth_usd: Draw = Field(description="total USD value deposited at start")
    amplification: int = Field(default=200, ge=1, le=1_000_000)
    fee_bps: float = Field(default=4, ge=0, le=100)
    offpeg_fee_multiplier: float = Field(default=2.0, ge=1)
    implementation: Literal["ours", "uniswap_v2"] = Field(
        default="ours",
        description="constant_product only: `uniswap_v2` deploys the real Uniswap v2 factory and pair bytecode "
        "(npm @uniswap/v2-core) instead of ours; agents trade it through the same interface",
    )

    @model_validator(mode="after")
    def _shape(self) -> PoolSpec:
        if self.kind == "constant_product" and len(self.tokens) != 2:
            raise ValueError(f"a constant_product pool has exactly 2 tokens, got {list(self.tokens)}")
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


class VenueSpec(_Strict):
    """The unified-margin venue: its own thin pools, collateral marks, perp markets and insurance fund."""

    name: str = "venue"
    quote: str
    pools: tuple[PoolSpec, ...] = ()
    collateral: dict[str, VenueCollateral]
    markets: dict[str, VenueMarket] = {}
    insurance_fund_usd: Draw = 0.0
    lending_liquidity_usd: Draw = 0.0
    liquidation_fee: Fraction = 0.01


class CircuitBreakerSpec(_Strict):
    enabled: bool = False
    drop: Fraction = 0.30
    window_s: int = Field(default=900, gt=0)
    pause_s: int = Field(default=300, gt=0)


class GradualLiquidationSpec(_Strict):
    enabled: bool = False
    max_fraction: Fraction = 0.25
    price_step: Fraction = 0.05


class MitigationsSpec(_Strict):
    circuit_breaker: CircuitBreakerSpec = CircuitBreakerSpec()
    gradual_liquidation: GradualLiquidationSpec = GradualLiquidationSpec()


class AgentPopulation(_Strict):
    kind: str
    count: int = Field(ge=0, le=100_000)
    name: str | None = None
    params: dict[str, Any] = {}

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
    price_paths: dict[str, PricePath] = {}
    pools: tuple[PoolSpec, ...] = ()
    lending: tuple[LendingSpec, ...] = ()
    synthetic: SyntheticSpec | None = None
    venue: VenueSpec | None = None
    mitigations: MitigationsSpec = MitigationsSpec()
    agents: tuple[AgentPopulation, ...] = ()

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
            if low <= 0:
                raise ValueError(f"pool {pool.name}: depth_usd must be > 0")
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
        if self.venue is not None:
            need(self.venue.quote, "venue.quote")
            for asset, collateral in self.venue.collateral.items():
                need(asset, "venue.collateral")
                self._check_source(
                    asset, collateral.oracle, f"venue.collateral.{asset}.oracle", pool_names, need
                )
            for market_name, perp in self.venue.markets.items():
                need(perp.asset, f"venue.markets.{market_name}")
                if perp.asset not in self.venue.collateral and perp.asset != self.venue.quote:
                    raise ValueError(
                        f"venue.markets.{market_name}: its asset {perp.asset} needs a mark price: list it under "
                        "venue.collateral (ratio 0 if it must not count as collateral) with an oracle source"
                    )
            venue_pools = [p.tokens for p in self.venue.pools]
            for asset in self.venue.collateral:
                if asset != self.venue.quote and not any(
                    {asset, self.venue.quote} <= set(t) for t in venue_pools
                ):
                    raise ValueError(
                        f"venue.collateral.{asset}: the venue sells collateral into its own pools; add a pool of "
                        f"{asset}/{self.venue.quote} under venue.pools"
                    )
        self._check_synthetic_decimals()
        self._check_amounts()
        self._check_agents(set(pool_names), need)
        return self

    def _check_amounts(self) -> None:
        """Every USD amount must fit the contracts once in token units: at most MAX_USD, a distribution with
        an upper bound, and a constant-product pool's reserves within a uint112."""
        for where, value in _usd_amounts(self, ""):
            low, high = bounds(value)
            if high > MAX_USD:
                what = "can reach" if isinstance(value, BaseModel) else "is"
                raise ValueError(
                    f"{where} {what} {high:g} USD, more than the contracts can hold in token units; keep it at "
                    f"most {MAX_USD:g} (a distribution needs a `max`)"
                )
            if low < 0:
                raise ValueError(f"{where} must not be negative (got {low:g})")
        for pool in self.all_pools():
            if pool.kind != "constant_product":
                continue
            _, high = bounds(pool.depth_usd)
            for token in pool.tokens:
                asset = self.assets[token]
                units = high / 2 / asset.price * 10**asset.decimals
                if units >= 2**112:
                    raise ValueError(
                        f"pool {pool.name}: depth_usd {high:g} puts {units:.3g} base units of {token} in the pair, "
                        "beyond a Uniswap v2 reserve (uint112, 5.2e33); lower depth_usd or the asset's decimals"
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

    def _check_source(
        self, asset: str, source: OracleSource, where: str, pools: list[str], need: Any
    ) -> None:
        need(source.peg, f"{where}.peg")
        if source.kind == "index" and self.assets[asset].kind != "lst":
            raise ValueError(
                f"{where}: an index source blends spot with a conversion rate, so {asset} must be an lst"
            )
        if source.pool is not None and source.pool not in pools:
            raise ValueError(
                f"{where}.pool names pool {source.pool!r}, which does not exist ({', '.join(pools)})"
            )
        kinds = {p.name: p.kind for p in self.all_pools()}
        if source.pool is not None and kinds.get(source.pool) != "constant_product":
            raise ValueError(
                f"{where}.pool: a {source.kind} source reads a constant-product pair's reserves (and its TWAP "
                f"accumulators), and {source.pool!r} is a {kinds.get(source.pool)} pool; point it at a "
                "constant_product pool of the asset, or price the asset with kind: pushed, peg or fixed"
            )

    def all_pools(self) -> tuple[PoolSpec, ...]:
        return self.pools + (self.venue.pools if self.venue else ())


def _usd_amounts(model: BaseModel, path: str) -> Iterator[tuple[str, Any]]:
    """(field path, value) of every scenario-level field named `*_usd` (agents' own are checked by kind)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        at = f"{path}.{name}" if path else name
        if name.endswith("_usd") and not isinstance(value, dict | list | tuple):
            yield at, value
        elif isinstance(value, BaseModel) and name != "price_paths":
            yield from _usd_amounts(value, at)
        elif isinstance(value, tuple) and name != "agents":
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    label = getattr(item, "name", None) or getattr(item, "asset", None) or i
                    yield from _usd_amounts(item, f"{at}[{label}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _usd_amounts(item, f"{at}.{key}")
