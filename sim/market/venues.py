"""The venues' side of the market: order books (one contract per market, seeded with a passive ladder) and each
unified-margin venue with its oracle marks, insurance fund, loan book and mitigations."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Protocol

from sim.market.market import Market, PoolInfo
from sim.mirrors.orderbook.units import MAX_TICK, price_divisor, quote_up
from sim.node.chain import Wallet
from sim.node.contracts import Deployer, Handle
from sim.scenario.draws import draw
from sim.scenario.schema import MedianPart, PoolSpec, Scenario, VenueSpec
from sim.scenario.streams import Streams


class MarketBuilder(Protocol):
    """What these steps use of sim.market.builder.MarketBuilder (which calls them)."""

    scenario: Scenario
    market: Market
    deployer: Deployer
    streams: Streams
    funder: Wallet
    start_prices: dict[str, float]

    def fund(self, asset: str, to: bytes, amount: int) -> None: ...

    def bps(self, fraction: float) -> int: ...


WAD = 10**18
PIPS_PER_BPS = 100
DEFAULT_MAX_LEVELS = 64
PLACE_GAS_PER_ORDER = 150_000  # a resting order's storage, its level and the owner's list: room to spare
# The venue's margin on stable loans (initial, maintenance), like Binance's loan IMR/MMR.
QUOTE_LOAN_MARGIN_BPS = (1_000, 500)


def book_price(builder: MarketBuilder, spec: PoolSpec) -> float:
    """The start price of a book's base in its quote (whole tokens)."""
    base, quote = spec.tokens
    return builder.start_prices[base] / builder.start_prices[quote]


def tick_size_wad(builder: MarketBuilder, spec: PoolSpec) -> int:
    """The book's price step as a WAD: the scenario's, or a power of ten near a ten-thousandth of the price."""
    if spec.tick_size is not None:
        return max(1, round(spec.tick_size * WAD))
    exponent = math.floor(math.log10(book_price(builder, spec) / 10_000)) + 18
    return int(10 ** max(0, exponent))


def min_base_amount(decimals: int) -> int:
    """A millionth of a token (one unit for tokens with six decimals or fewer)."""
    return int(10 ** max(0, decimals - 6))


def seed_ladder(
    price: float,
    tick: int,
    base_decimals: int,
    depth_usd: float,
    base_usd: float,
    levels: int,
    spacing_bps: float,
) -> list[tuple[bool, int, int]]:
    """(isBid, tick, base amount) of a symmetric ladder: `levels` bids and asks of equal USD value around `price`,
    the i-th at (1 -/+ spacing x (i + 1/2)), so the start spread is one spacing."""
    if depth_usd <= 0:
        return []
    per_level_usd = depth_usd / 2 / levels
    orders: list[tuple[bool, int, int]] = []
    for i in range(levels):
        offset = spacing_bps / 10_000 * (i + 0.5)
        for is_bid, level_price in ((True, price * (1 - offset)), (False, price * (1 + offset))):
            if level_price <= 0:
                continue
            raw = level_price * WAD / tick
            t = math.floor(raw) if is_bid else math.ceil(raw)
            t = min(max(t, 1), MAX_TICK)
            amount = round(per_level_usd / (base_usd * level_price / price) * 10**base_decimals)
            if amount > 0:
                orders.append((is_bid, t, amount))
    return orders


def deploy_books(builder: MarketBuilder) -> None:
    """Every order_book pool: one OrderBook contract (owner: the funder), labelled `pool:<name>`."""
    market = builder.market
    for spec in (p for p in builder.scenario.all_pools() if p.kind == "order_book"):
        base, quote = spec.tokens
        handle = builder.deployer.deploy(
            f"pool:{spec.name}",
            "OrderBook",
            market.tokens[base].address,
            market.tokens[quote].address,
            tick_size_wad(builder, spec),
            min_base_amount(market.decimals[base]),
            round(spec.maker_fee_bps * PIPS_PER_BPS),
            round(spec.fee_bps * PIPS_PER_BPS),
        )
        market.pools[spec.name] = PoolInfo(spec.name, spec.kind, handle, spec.tokens)
    builder.deployer.flush()


def seed_books(builder: MarketBuilder) -> None:
    """The funder rests each book's seed ladder (`depth_usd`, half bids, half asks): passive liquidity that
    never re-quotes, as a CEX's long tail of resting orders."""
    market = builder.market
    for spec in (p for p in builder.scenario.all_pools() if p.kind == "order_book"):
        base, quote = spec.tokens
        depth = draw(spec.depth_usd, builder.streams.market(f"pool:{spec.name}"))
        tick = tick_size_wad(builder, spec)
        orders = seed_ladder(
            book_price(builder, spec),
            tick,
            market.decimals[base],
            depth,
            builder.start_prices[base],
            spec.levels,
            spec.spacing_bps,
        )
        if not orders:
            continue
        book = market.pools[spec.name].handle
        divisor = price_divisor(market.decimals[base], market.decimals[quote])
        need_base = sum(a for bid, _, a in orders if not bid)
        need_quote = sum(quote_up(a, t * tick, divisor) for bid, t, a in orders if bid)  # the bids' escrow
        for token, amount in ((base, need_base), (quote, need_quote)):
            builder.fund(token, builder.funder.address, amount)
            builder.deployer.call(market.tokens[token], "approve", book.address, 2**256 - 1)
        builder.deployer.call(
            book,
            "placeOrders",
            [(bid, t, a) for bid, t, a in orders],
            gas=PLACE_GAS_PER_ORDER * len(orders) + 100_000,
        )
    builder.deployer.flush()


def configure_book_source(builder: MarketBuilder, oracle: Handle, asset: str, kind: str, pool: str) -> None:
    """A book's mid or last trade as `asset`'s price."""
    book = builder.market.pools[pool].handle
    builder.deployer.call(
        oracle, "setBookSource", builder.market.tokens[asset].address, book.address, kind == "last"
    )


def median_constituents(builder: MarketBuilder, parts: Sequence[MedianPart]) -> list[tuple[bytes, int, int]]:
    """(ref, kind, weight) for setMedianSource: kind 0 a pair's spot, 1 a book's mid, 2 its last trade."""
    kinds = {"spot": 0, "mid": 1, "last": 2}
    return [
        (builder.market.pools[p.pool].handle.address, kinds[p.price], round(p.weight * 10_000)) for p in parts
    ]


def deploy_venue(builder: MarketBuilder, spec: VenueSpec) -> None:
    """One venue: the contract and its breaker (labels from `Scenario.venue_label`), assets sold into their
    books or pools, perp markets, fees, insurance fund, loan book and this venue's mitigations."""
    scenario, market, deployer = builder.scenario, builder.market, builder.deployer
    label, breaker_label = scenario.venue_label(spec), scenario.breaker_label(spec)
    oracle = market.oracles[spec.name]
    venue = deployer.deploy(
        label, "UnifiedMarginVenue", builder.funder.address, market.tokens[spec.quote].address, oracle.address
    )
    market.contracts[label] = venue
    mitigations = scenario.venue_mitigations(spec)
    # Always deployed and configured, so the market is complete; the venue uses it only when enabled.
    breaker = deployer.deploy(breaker_label, "CircuitBreaker", builder.funder.address, oracle.address)
    market.contracts[breaker_label] = breaker
    deployer.flush()
    for asset, collateral in spec.collateral.items():
        if asset == spec.quote:
            continue
        sells_into = spec.market_of(asset)
        assert sells_into is not None  # validation requires a market for every collateral asset
        deployer.call(
            venue, "setAssetConfig", market.tokens[asset].address, builder.bps(collateral.ratio),
            market.pools[sells_into.name].handle.address, False, 0, 0,
        )  # fmt: skip
    deployer.call(
        venue,
        "setAssetConfig",
        market.tokens[spec.quote].address,
        10_000,
        bytes(20),
        True,
        *QUOTE_LOAN_MARGIN_BPS,
    )
    for perp in spec.markets.values():
        deployer.call(
            venue, "setMarketConfig", market.tokens[perp.asset].address,
            builder.bps(perp.initial_margin), builder.bps(perp.maintenance_margin), True,
        )  # fmt: skip
    deployer.call(
        venue, "setLiquidationFees", builder.bps(spec.liquidation_fee), builder.bps(spec.liquidation_fee) // 2
    )
    if spec.liquidation_max_levels != DEFAULT_MAX_LEVELS:
        deployer.call(venue, "setLiquidationMaxLevels", spec.liquidation_max_levels)
    # One-venue scenarios keep the stream names they always had, so their draws do not move.
    prefix = "venue" if len(scenario.venues) == 1 else f"venue:{spec.name}"
    insurance = market.units(
        spec.quote, draw(spec.insurance_fund_usd, builder.streams.market(f"{prefix}:insurance_fund_usd"))
    )
    book = market.units(
        spec.quote,
        draw(spec.lending_liquidity_usd, builder.streams.market(f"{prefix}:lending_liquidity_usd")),
    )
    quote = market.tokens[spec.quote]
    builder.fund(spec.quote, builder.funder.address, insurance + book)
    deployer.call(quote, "approve", venue.address, 2**256 - 1)
    if insurance > 0:
        deployer.call(venue, "fundInsurance", insurance)
    if book > 0:
        deployer.call(venue, "supplyLiquidity", quote.address, book)
    breaker_spec = mitigations.circuit_breaker
    deployer.call(
        breaker, "setParameters", builder.bps(breaker_spec.drop), breaker_spec.window_s, breaker_spec.pause_s
    )
    if breaker_spec.enabled:
        deployer.call(venue, "setCircuitBreaker", breaker.address)
    gradual = mitigations.gradual_liquidation
    if gradual.enabled:
        deployer.call(
            venue,
            "setGradualLiquidation",
            builder.bps(gradual.max_fraction),
            builder.bps(gradual.price_step),
            0,
        )
    deployer.flush()


def deploy_rescue_fund(builder: MarketBuilder) -> None:
    """The rescue fund (`mitigations.rescue_fund`, when enabled and there are venues): owned by the funder,
    holding `capital_usd` of the first venue's quote, watching every venue's liquidations, activating at
    `threshold_usd` of them (labelled `rescue_fund`; its operator, the `rescue_fund` agent, is set at set-up)."""
    scenario, market, deployer = builder.scenario, builder.market, builder.deployer
    spec = scenario.mitigations.rescue_fund
    if not spec.enabled or not scenario.venues:
        return
    quote = scenario.venues[0].quote
    threshold = draw(spec.threshold_usd, builder.streams.market("rescue_fund:threshold_usd"))
    capital = draw(spec.capital_usd, builder.streams.market("rescue_fund:capital_usd"))
    fund = deployer.deploy(
        "rescue_fund",
        "RescueFund",
        builder.funder.address,
        market.tokens[quote].address,
        max(1, round(threshold * 10**8)),
    )
    market.contracts["rescue_fund"] = fund
    deployer.flush()
    for venue in scenario.venues:
        deployer.call(fund, "addVenue", market.contracts[scenario.venue_label(venue)].address)
    amount = market.units(quote, capital)
    if amount > 0:
        builder.fund(quote, builder.funder.address, amount)
        deployer.call(market.tokens[quote], "approve", fund.address, amount)
        deployer.call(fund, "deposit", amount)
    deployer.flush()
