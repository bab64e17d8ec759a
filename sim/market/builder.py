"""Scenario -> deployed market: tokens, AMM pools seeded at the start prices, oracles, lending, the synthetic
dollar and the venue, built over the fast path in a handful of blocks (one per dependency stage)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.market.market import Market, PoolInfo
from sim.market.real_bytecode import CONSTANT_PRODUCT, deploy_uniswap_v2
from sim.market.venues import (
    configure_book_source,
    deploy_books,
    deploy_rescue_fund,
    deploy_venue,
    median_constituents,
    seed_books,
)
from sim.node.backend import Backend
from sim.node.chain import ChainError, Wallet
from sim.node.contracts import Deployer, Handle, revert_reason
from sim.scenario.draws import draw
from sim.scenario.schema import OracleSource, PoolSpec, Scenario, VenueSpec
from sim.scenario.streams import Streams

FEE_DENOMINATOR = 10**10  # Curve fees: 1e10 = 100%
PRICE_UNIT = 10**8  # oracle prices: USD with 8 decimals


def twap_sources(scenario: Scenario) -> list[tuple[str, str, int]]:
    """(oracle label, asset, window) of every pool-TWAP source the scenario configures."""
    out = [
        (m.name, asset, s.window_s)
        for m in scenario.lending
        for asset, s in m.oracle.items()
        if s.kind == "twap"
    ]
    out += [
        (venue.name, asset, c.oracle.window_s)
        for venue in scenario.venues
        for asset, c in venue.collateral.items()
        if c.oracle.kind == "twap"
    ]
    return out


def price8(usd: float) -> int:
    return round(usd * PRICE_UNIT)


@dataclass
class MarketBuilder:
    scenario: Scenario
    chain: Backend
    funder: Wallet
    streams: Streams
    market: Market = field(default_factory=Market)

    def __post_init__(self) -> None:
        self.deployer = Deployer(self.chain, self.funder)
        self.start_prices = {name: spec.price for name, spec in self.scenario.assets.items()}

    def build(self) -> Market:
        self._tokens_and_factories()
        self._synthetic_dollar()
        self._constant_product_pools()
        self._stableswap_pools()
        deploy_books(self)
        self._seed_pools()
        seed_books(self)
        self._oracles()
        self._lending()
        self._venues()
        deploy_rescue_fund(self)
        return self.market

    def prime_twaps(self, at: int | None = None) -> None:
        """Give every TWAP source its first average, as a pool that has traded for a while would have: one
        `updateTwap` each, at `at` (at least a full window after the sources were set at the seeded price), so
        that they answer from the first block. With `at` one window before the scenario's start, the windows
        then fall due at block 0, one window, two windows... as if the keeper had always been there."""
        sources = twap_sources(self.scenario)
        if not sources:
            return
        earliest = self.chain.timestamp + max(w for _, _, w in sources)
        txs = [
            self.market.oracles[label].tx(
                self.funder, "updateTwap", self.market.tokens[asset].address, tag="setup"
            )
            for label, asset, _ in sources
        ]
        block = self.chain.send_block(txs, timestamp=max(earliest, at or 0))
        for (label, asset, _), result in zip(sources, block.txs, strict=True):
            if not result.success:
                reason = revert_reason(self.chain.revert_data(result.tx_hash))
                raise ChainError(f"priming the TWAP of {asset} on oracle {label} reverted with {reason}")

    def bps(self, fraction: float) -> int:
        return round(fraction * 10_000)

    def fund(self, asset: str, to: bytes, amount: int) -> None:
        """Give `to` tokens: minted for mock assets, paid from the funder's minted supply for the synthetic."""
        token = self.market.tokens[asset]
        if token.name == "MockERC20":
            self.deployer.call(token, "mint", to, amount)
        elif to != self.funder.address:
            self.deployer.call(token, "transfer", to, amount)

    # -- stage 1: tokens, AMM factory and router
    def _tokens_and_factories(self) -> None:
        synthetic = self.scenario.synthetic
        special = {synthetic.symbol, synthetic.staked_symbol} if synthetic is not None else set()
        for symbol, spec in self.scenario.assets.items():
            self.market.decimals[symbol] = spec.decimals
            if symbol not in special:
                self.market.tokens[symbol] = self.deployer.deploy(
                    f"token:{symbol}", "MockERC20", symbol, symbol, spec.decimals
                )
        oracle_labels = [m.name for m in self.scenario.lending]
        oracle_labels += [venue.name for venue in self.scenario.venues]
        if synthetic is not None:
            oracle_labels.append("synthetic")
        for label in oracle_labels:
            self.market.oracles[label] = self.deployer.deploy(
                f"oracle:{label}", "PriceOracle", self.funder.address
            )
        factory = self.deployer.deploy("factory", "ConstantProductFactory", self.funder.address)
        self.market.contracts["factory"] = factory
        self.market.contracts["router"] = self.deployer.deploy(
            "router", "ConstantProductRouter", factory.address
        )
        if any(p.implementation == "uniswap_v2" for p in self.scenario.all_pools()):
            self.market.contracts.update(deploy_uniswap_v2(self.deployer, self.funder.address))
        self.deployer.flush()

    # -- stage 2: pools
    def _constant_product_pools(self) -> None:
        specs = [p for p in self.scenario.all_pools() if p.kind == "constant_product"]
        for spec in specs:
            a, b = (self.market.tokens[t].address for t in spec.tokens)
            self.deployer.call(
                self.market.contracts[CONSTANT_PRODUCT[spec.implementation][0]], "createPair", a, b
            )
        self.deployer.flush()
        for spec in specs:
            factory, router = CONSTANT_PRODUCT[spec.implementation]
            a, b = (self.market.tokens[t].address for t in spec.tokens)
            address = self.market.contracts[factory].read(self.chain, "getPair", a, b)
            handle = Handle("ConstantProductPool", bytes.fromhex(address.removeprefix("0x")))
            self.market.pools[spec.name] = PoolInfo(spec.name, spec.kind, handle, spec.tokens, router)

    def _stableswap_pools(self) -> None:
        for spec in (p for p in self.scenario.all_pools() if p.kind == "stableswap"):
            coins = [self.market.tokens[t].address for t in spec.tokens]
            fee = round(spec.fee_bps * FEE_DENOMINATOR / 10_000)
            multiplier = round(spec.offpeg_fee_multiplier * FEE_DENOMINATOR)
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
        depth = draw(spec.depth_usd, self.streams.market(f"pool:{spec.name}"))
        share = depth / len(spec.tokens)
        return [self.market.units(t, share / self.start_prices[t]) for t in spec.tokens]

    def _seed_pools(self) -> None:
        for spec in (p for p in self.scenario.all_pools() if p.kind != "order_book"):
            pool = self.market.pools[spec.name]
            amounts = self._seed_amounts(spec)
            for token, amount in zip(spec.tokens, amounts, strict=True):
                if spec.kind == "constant_product":
                    self.fund(token, pool.handle.address, amount)
                else:
                    self.fund(token, self.funder.address, amount)
                    self.deployer.call(self.market.tokens[token], "approve", pool.handle.address, 2**256 - 1)
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
        elif source.kind in ("mid", "last"):
            assert source.pool is not None
            configure_book_source(self, oracle, asset, source.kind, source.pool)
        elif source.kind == "median":
            self.deployer.call(oracle, "setMedianSource", token, median_constituents(self, source.sources))
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
                    round(source.spot_weight * 10_000),
                    self.market.tokens[spec.underlying].address,
                    round(spec.rate * 10**18),
                )

    def _oracles(self) -> None:
        """Configure the oracles deployed in stage 1: pool sources need the pools, so this comes after them."""
        for market in self.scenario.lending:
            for asset, source in market.oracle.items():
                self._configure_source(self.market.oracles[market.name], asset, source)
        for venue in self.scenario.venues:
            venue_oracle = self.market.oracles[venue.name]
            self.deployer.call(
                venue_oracle, "setFixedPrice", self.market.tokens[venue.quote].address, PRICE_UNIT
            )
            for asset, collateral in venue.collateral.items():
                if asset != venue.quote:
                    self._configure_source(venue_oracle, asset, collateral.oracle)
            for stable in self._foreign_quotes(venue):  # a constituent's quote the venue does not list
                self.deployer.call(
                    venue_oracle,
                    "setFixedPrice",
                    self.market.tokens[stable].address,
                    price8(self.start_prices[stable]),
                )
        self.deployer.flush()

    def _foreign_quotes(self, venue: VenueSpec) -> list[str]:
        """Quotes of a venue's price sources (a median's on-chain pair in USDC) that the venue does not list: its
        oracle prices them as fixed stables (validation refuses a non-stable one)."""
        listed = {venue.quote, *venue.collateral}
        return sorted(
            {
                token
                for collateral in venue.collateral.values()
                for _, name in collateral.oracle.reads()
                for token in self.market.pools[name].tokens
                if token not in listed
            }
        )

    # -- the synthetic dollar (USDe-like) and its staking vault, minted against hedged collateral at start
    def _synthetic_dollar(self) -> None:
        spec = self.scenario.synthetic
        if spec is None:
            return
        oracle = self.market.oracles["synthetic"]
        reserve = spec.reserve_asset
        usde = self.deployer.deploy(
            f"token:{spec.symbol}",
            "SyntheticDollar",
            spec.symbol,
            spec.symbol,
            oracle.address,
            self.market.tokens[reserve].address,
            self.funder.address,
            2**255,
            2**255,
        )
        self.market.tokens[spec.symbol] = usde
        cooldown = int(spec.cooldown_days * 86_400)
        vault = self.deployer.deploy(
            f"token:{spec.staked_symbol}", "StakedSyntheticDollar", usde.address, spec.staked_symbol, spec.staked_symbol,
            self.funder.address, cooldown,
        )  # fmt: skip
        self.market.tokens[spec.staked_symbol] = vault
        self.market.contracts["synthetic"] = usde
        self.market.contracts["staking"] = vault
        self.deployer.flush()
        # Keeper-pushed collateral prices (Ethena marks its hedge at the perp venues' prices).
        for asset in spec.collateral:
            self.deployer.call(
                oracle,
                "setPushedSource",
                self.market.tokens[asset].address,
                price8(self.start_prices[asset]),
                3600,
                10,
            )
        self.deployer.call(
            oracle, "setFixedPrice", self.market.tokens[reserve].address, price8(self.start_prices[reserve])
        )
        self.deployer.call(oracle, "setKeeper", self.funder.address, True)
        self.deployer.call(usde, "setRole", 0, self.funder.address, True)
        self.deployer.call(usde, "setRole", 1, self.funder.address, True)
        self.deployer.call(usde, "setRole", 2, self.funder.address, True)
        self.deployer.call(vault, "setRewarder", usde.address, True)
        self.deployer.call(usde, "setStakingVault", vault.address)
        for asset in spec.collateral:
            self.deployer.call(usde, "addCollateral", self.market.tokens[asset].address, True)
        supply_usd = draw(spec.supply_usd, self.streams.market("synthetic:supply_usd"))
        share = supply_usd / len(spec.collateral)
        for asset in spec.collateral:
            amount = self.market.units(asset, share / self.start_prices[asset])
            token = self.market.tokens[asset]
            self.deployer.call(token, "mint", self.funder.address, amount)
            self.deployer.call(token, "approve", usde.address, 2**256 - 1)
            self.deployer.call(usde, "mint", token.address, amount, 0, self.funder.address)
        reserve_fund = self.market.units(
            reserve, draw(spec.reserve_fund_usd, self.streams.market("synthetic:reserve_fund_usd"))
        )
        if reserve_fund > 0:
            self.deployer.call(self.market.tokens[reserve], "mint", self.funder.address, reserve_fund)
            self.deployer.call(self.market.tokens[reserve], "approve", usde.address, 2**256 - 1)
            self.deployer.call(usde, "fundReserve", reserve_fund)
        staked = int(supply_usd * spec.staked_fraction * 10**18)
        if staked > 0:
            self.deployer.call(usde, "approve", vault.address, 2**256 - 1)
            self.deployer.call(vault, "deposit", staked, self.funder.address)
        self.deployer.call(
            usde,
            "setFundingRate",
            int(draw(spec.funding_apy, self.streams.market("synthetic:funding_apy")) * 10**18),
        )
        self.deployer.call(usde, "setMaxMintPerBlock", int(spec.max_mint_per_block_usd * 10**18))
        self.deployer.call(usde, "setMaxRedeemPerBlock", int(spec.max_redeem_per_block_usd * 10**18))
        self.deployer.flush()

    # -- lending markets (Aave-style), with their lenders' initial liquidity
    def _lending(self) -> None:
        for market in self.scenario.lending:
            oracle = self.market.oracles[market.name]
            pool = self.deployer.deploy(
                f"lending:{market.name}", "LendingPool", oracle.address, self.funder.address
            )
            self.market.contracts[f"lending:{market.name}"] = pool
        self.deployer.flush()
        for market in self.scenario.lending:
            pool = self.market.contracts[f"lending:{market.name}"]
            for r in market.reserves:
                token = self.market.tokens[r.asset].address
                rates = r.rates
                self.deployer.call(
                    pool, "initReserve", token, self.bps(rates.optimal_usage), self.bps(rates.base),
                    self.bps(rates.slope1), self.bps(rates.slope2),
                )  # fmt: skip
                ltv, lt, bonus = (
                    self.bps(r.ltv),
                    self.bps(r.liquidation_threshold),
                    self.bps(r.liquidation_bonus),
                )
                if not r.collateral:
                    ltv = lt = 0
                    bonus = 0
                self.deployer.call(
                    pool, "configureReserve", token, ltv, lt, bonus, self.bps(r.protocol_fee), self.bps(r.reserve_factor),
                    r.supply_cap, r.borrow_cap, r.borrowable, True,
                )  # fmt: skip
            for emode in market.emodes:
                self.deployer.call(
                    pool, "setEModeCategory", emode.id, self.bps(emode.ltv), self.bps(emode.liquidation_threshold),
                    self.bps(emode.liquidation_bonus), emode.label,
                )  # fmt: skip
                for asset in emode.assets:
                    self.deployer.call(
                        pool, "setAssetEModeCategory", self.market.tokens[asset].address, emode.id
                    )
            for r in market.reserves:
                liquidity = draw(r.liquidity_usd, self.streams.market(f"lending:{market.name}:{r.asset}"))
                if liquidity <= 0:
                    continue
                amount = self.market.units(r.asset, liquidity / self.start_prices[r.asset])
                self.fund(r.asset, self.funder.address, amount)
                self.deployer.call(self.market.tokens[r.asset], "approve", pool.address, 2**256 - 1)
                self.deployer.call(
                    pool, "supply", self.market.tokens[r.asset].address, amount, self.funder.address, 0
                )
        self.deployer.flush()

    # -- the unified-margin venues, their insurance funds and mitigations
    def _venues(self) -> None:
        for spec in self.scenario.venues:
            deploy_venue(self, spec)
