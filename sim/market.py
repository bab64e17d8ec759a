"""Scenario -> deployed market: tokens, AMM pools seeded at the start prices, oracles, lending, the synthetic
dollar and the venue, built over the fast path in a handful of blocks (one per dependency stage)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.chain import Chain, Wallet
from sim.contracts import Deployer, Handle
from sim.draws import draw
from sim.scenario import OracleSource, PoolSpec, Scenario

FEE_DENOMINATOR = 10**10  # Curve fees: 1e10 = 100%
PRICE_UNIT = 10**8  # oracle prices: USD with 8 decimals


@dataclass(frozen=True)
class PoolInfo:
    name: str
    kind: str
    handle: Handle
    tokens: tuple[str, ...]


@dataclass
class Market:
    """Every deployed contract by role; the simulator's address book."""

    tokens: dict[str, Handle] = field(default_factory=dict)
    decimals: dict[str, int] = field(default_factory=dict)
    pools: dict[str, PoolInfo] = field(default_factory=dict)
    oracles: dict[str, Handle] = field(default_factory=dict)
    contracts: dict[str, Handle] = field(default_factory=dict)

    def units(self, asset: str, amount: float) -> int:
        """Whole-token amount -> integer base units."""
        return int(round(amount * 10 ** self.decimals[asset]))

    def labelled(self) -> dict[str, Handle]:
        out = {f"token:{k}": v for k, v in self.tokens.items()}
        out |= {f"pool:{k}": v.handle for k, v in self.pools.items()}
        out |= {f"oracle:{k}": v for k, v in self.oracles.items()}
        out |= self.contracts
        return out

    def addresses(self) -> dict[str, str]:
        return {label: handle.hex for label, handle in sorted(self.labelled().items())}


def price8(usd: float) -> int:
    return int(round(usd * PRICE_UNIT))


@dataclass
class MarketBuilder:
    scenario: Scenario
    chain: Chain
    funder: Wallet
    rng: np.random.Generator
    market: Market = field(default_factory=Market)

    def __post_init__(self) -> None:
        self.deployer = Deployer(self.chain, self.funder)
        self.start_prices = {name: spec.price for name, spec in self.scenario.assets.items()}

    def build(self) -> Market:
        self._tokens_and_factories()
        self._constant_product_pools()
        self._stableswap_pools()
        self._seed_pools()
        self._oracles()
        return self.market

    # -- stage 1: tokens, AMM factory and router
    def _tokens_and_factories(self) -> None:
        for symbol, spec in self.scenario.assets.items():
            self.market.tokens[symbol] = self.deployer.deploy(
                f"token:{symbol}", "MockERC20", symbol, symbol, spec.decimals
            )
            self.market.decimals[symbol] = spec.decimals
        factory = self.deployer.deploy("factory", "ConstantProductFactory", self.funder.address)
        self.market.contracts["factory"] = factory
        self.market.contracts["router"] = self.deployer.deploy(
            "router", "ConstantProductRouter", factory.address
        )
        self.deployer.flush()

    # -- stage 2: pools
    def _constant_product_pools(self) -> None:
        factory = self.market.contracts["factory"]
        specs = [p for p in self.scenario.all_pools() if p.kind == "constant_product"]
        for spec in specs:
            a, b = (self.market.tokens[t].address for t in spec.tokens)
            self.deployer.call(factory, "createPair", a, b)
        self.deployer.flush()
        for spec in specs:
            a, b = (self.market.tokens[t].address for t in spec.tokens)
            address = factory.read(self.chain, "getPair", a, b)
            handle = Handle("ConstantProductPool", bytes.fromhex(address.removeprefix("0x")))
            self.market.pools[spec.name] = PoolInfo(spec.name, spec.kind, handle, spec.tokens)

    def _stableswap_pools(self) -> None:
        for spec in (p for p in self.scenario.all_pools() if p.kind == "stableswap"):
            coins = [self.market.tokens[t].address for t in spec.tokens]
            fee = int(round(spec.fee_bps * FEE_DENOMINATOR / 10_000))
            multiplier = int(round(spec.offpeg_fee_multiplier * FEE_DENOMINATOR))
            handle = self.deployer.deploy(
                f"pool:{spec.name}",
                "StableSwapPool",
                f"Curve {spec.name}",
                spec.name,
                coins,
                spec.amplification,
                fee,
                multiplier,
                self.funder.address,
            )
            self.market.pools[spec.name] = PoolInfo(spec.name, spec.kind, handle, spec.tokens)
        self.deployer.flush()

    # -- stage 3: seed every pool at the start prices (the funder holds the LP shares)
    def _seed_amounts(self, spec: PoolSpec) -> list[int]:
        depth = draw(spec.depth_usd, self.rng)
        share = depth / len(spec.tokens)
        return [self.market.units(t, share / self.start_prices[t]) for t in spec.tokens]

    def _seed_pools(self) -> None:
        for spec in self.scenario.all_pools():
            pool = self.market.pools[spec.name]
            amounts = self._seed_amounts(spec)
            for token, amount in zip(spec.tokens, amounts, strict=True):
                handle = self.market.tokens[token]
                if spec.kind == "constant_product":
                    self.deployer.call(handle, "mint", pool.handle.address, amount)
                else:
                    self.deployer.call(handle, "mint", self.funder.address, amount)
                    self.deployer.call(handle, "approve", pool.handle.address, 2**256 - 1)
            if spec.kind == "constant_product":
                self.deployer.call(pool.handle, "mint", self.funder.address)
            else:
                self.deployer.call(pool.handle, "add_liquidity", amounts, 0)
        self.deployer.flush()

    # -- stage 4: oracles (one per lending market, one for the venue)
    def _configure_source(self, oracle: Handle, asset: str, source: OracleSource) -> None:
        token = self.market.tokens[asset].address
        price = price8(self.start_prices[asset])
        if source.kind == "fixed":
            self.deployer.call(oracle, "setFixedPrice", token, price)
        elif source.kind == "pushed":
            self.deployer.call(
                oracle, "setPushedSource", token, price, source.heartbeat_s, source.deviation_bps
            )
        elif source.kind == "peg":
            assert source.peg is not None
            self.deployer.call(oracle, "setPegSource", token, self.market.tokens[source.peg].address)
        else:
            assert source.pool is not None
            pool = self.market.pools[source.pool]
            quote = next(t for t in pool.tokens if t != asset)
            quote_address = self.market.tokens[quote].address
            if source.kind == "spot":
                self.deployer.call(oracle, "setPoolSpotSource", token, pool.handle.address, quote_address)
            elif source.kind == "twap":
                self.deployer.call(
                    oracle, "setPoolTwapSource", token, pool.handle.address, quote_address, source.window_s
                )
            else:
                spec = self.scenario.assets[asset]
                assert spec.underlying is not None and spec.rate is not None
                self.deployer.call(
                    oracle,
                    "setIndexSource",
                    token,
                    pool.handle.address,
                    quote_address,
                    int(round(source.spot_weight * 10_000)),
                    self.market.tokens[spec.underlying].address,
                    int(round(spec.rate * 10**18)),
                )

    def _oracles(self) -> None:
        for market in self.scenario.lending:
            self.market.oracles[market.name] = self.deployer.deploy(
                f"oracle:{market.name}", "PriceOracle", self.funder.address
            )
        if self.scenario.venue is not None:
            self.market.oracles[self.scenario.venue.name] = self.deployer.deploy(
                f"oracle:{self.scenario.venue.name}", "PriceOracle", self.funder.address
            )
        self.deployer.flush()
        for market in self.scenario.lending:
            for asset, source in market.oracle.items():
                self._configure_source(self.market.oracles[market.name], asset, source)
        if self.scenario.venue is not None:
            venue_oracle = self.market.oracles[self.scenario.venue.name]
            self.deployer.call(
                venue_oracle,
                "setFixedPrice",
                self.market.tokens[self.scenario.venue.quote].address,
                PRICE_UNIT,
            )
            for asset, collateral in self.scenario.venue.collateral.items():
                if asset != self.scenario.venue.quote:
                    self._configure_source(venue_oracle, asset, collateral.oracle)
        self.deployer.flush()
