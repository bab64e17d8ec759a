"""The margined book market maker in memory: its ladder, re-quotes, pulls on risk limits, and silence once
liquidated (no chain: a world with an order-book mirror and a venue view)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.agents.book_market_maker import BookMarketMaker, BookMarketMakerParams, ladder
from sim.market.market import Market, PoolInfo
from sim.mirrors.orderbook import OrderBookMirror
from sim.node.chain import Wallet
from sim.node.contracts import Handle, abi_of
from sim.world.venue import Group, VenueView
from sim.world.world import World

RNG = np.random.default_rng(0)
WAD = 10**18


def addr(n: int) -> bytes:
    return n.to_bytes(20, "big")


def test_ladder_levels_and_sizes_are_exact() -> None:
    rungs = ladder(100.0, 3, 20.0, 10.0, "linear", 600.0, 300.0)
    bids = [(round(p, 6), round(u, 6)) for b, p, u in rungs if b]
    asks = [(round(p, 6), round(u, 6)) for b, p, u in rungs if not b]
    assert bids == [(99.9, 100.0), (99.8, 200.0), (99.7, 300.0)]
    assert asks == [(100.1, 50.0), (100.2, 100.0), (100.3, 150.0)]
    flat = ladder(1.0, 2, 10.0, 10.0, "flat", 100.0, 0.0)
    assert [round(u, 6) for _, _, u in flat] == [50.0, 50.0]
    assert all(b for b, _, _ in flat)


@pytest.fixture
def world() -> World:
    m = Market()
    for i, (symbol, decimals) in enumerate([("USDT", 6), ("ALT", 18)], start=1):
        m.tokens[symbol] = Handle("MockERC20", addr(i))
        m.decimals[symbol] = decimals
    m.pools["alt_book"] = PoolInfo("alt_book", "order_book", Handle("OrderBook", addr(20)), ("ALT", "USDT"))
    w = World.create(m)
    w.pools["alt_book"].book = OrderBookMirror(18, 6, 10**16, 10**12)
    w.reference = {"USDT": 1.0, "ALT": 200.0}
    w.block, w.timestamp = 10, 1_000_000
    venue = VenueView(
        name="bn",
        label="venue",
        handle=Handle("UnifiedMarginVenue", addr(30)),
        quote="USDT",
        oracle="bn",
        ratios={"USDT": 10_000, "ALT": 7_000},
        market_margins={},
        debt_margins={"USDT": (1_000, 500)},
        decimals=dict(m.decimals),
        by_token={h.address: s for s, h in m.tokens.items()},
        snapshot=w.snapshot,
    )
    w.venues["bn"] = venue
    return w


def maker(world: World, **overrides: object) -> BookMarketMaker:
    params = BookMarketMakerParams(
        books=["alt_book"],
        collateral={"ALT": 1.0},
        collateral_usd=1_000_000.0,
        quote_usd=100_000.0,
        inventory_usd=100_000.0,
        levels=2,
        spread_bps=20.0,
        spacing_bps=10.0,
        profile="flat",
        skew_bps=0.0,
        anchor=1.0,
        requote_blocks=1,
        **overrides,  # type: ignore[arg-type]
    )
    agent = BookMarketMaker("mm-0", Wallet.from_hex(f"{7:064x}"), params)
    agent.view = world.venues["bn"]
    agent.quote = "USDT"
    agent.owner = "0x" + agent.wallet.address.hex()
    return agent


def give_account(world: World, agent: BookMarketMaker, alt: int, debt: int) -> None:
    view = world.venues["bn"]
    view.accounts[agent.wallet.address] = (False, (Group(0, (("ALT", alt),), (("USDT", debt),), ()),))
    world.snapshot.oracle_prices[("bn", "ALT")] = 200 * 10**8
    world.snapshot.oracle_prices[("bn", "USDT")] = 10**8


def names(txs: list[object], contract: str) -> list[str]:
    abi = abi_of(contract)
    out = []
    for tx in txs:
        data = tx.data  # type: ignore[attr-defined]
        out.append(next(f.name for f in abi.functions.values() if f.selector == data[:4]))
    return out


def test_requotes_a_ladder_around_the_reference_within_its_budget(world: World) -> None:
    agent = maker(world)
    give_account(world, agent, 5_000 * WAD, 100_000 * 10**6)
    world.balances[(agent.wallet.address, "USDT")] = 100_000 * 10**6
    world.balances[(agent.wallet.address, "ALT")] = 500 * WAD
    txs = agent.act(world, RNG)
    assert names(txs, "OrderBook") == ["replaceOrders"]
    book = world.pools["alt_book"].book
    assert book is not None
    orders = agent._orders(world, book, "ALT", 200.0, 100_000 * 10**6, 500 * WAD, "calm")
    ticks = sorted((b, t) for b, t, _ in orders)
    # 200 x (1 -/+ 0.001) and (1 -/+ 0.002) on a 0.01 grid: bids round down, asks up.
    assert ticks == [(False, 20020), (False, 20040), (True, 19960), (True, 19980)]
    bid_usd = sum(a / WAD * t / 100 for b, t, a in orders if b)
    assert bid_usd == pytest.approx(95_000, rel=1e-6)  # 95% of the quote budget
    ask_base = sum(a for b, _, a in orders if not b) / WAD
    assert ask_base * 200 == pytest.approx(0.95 * 500 * 200, rel=2e-3)


def test_pulls_bids_and_repays_when_its_margin_ratio_trips(world: World) -> None:
    agent = maker(world, margin_limit=1.5)
    # Equity = 5,000 ALT x 200 x 0.7 - 600,000 = 100,000; maintenance = 5% of the loan = 30,000: ratio 3.3.
    give_account(world, agent, 5_000 * WAD, 600_000 * 10**6)
    world.balances[(agent.wallet.address, "USDT")] = 10_000 * 10**6
    book = world.pools["alt_book"].book
    assert book is not None
    book.place_order(agent.owner, True, 19_900, 100 * WAD)
    assert names(agent.act(world, RNG), "OrderBook") == ["replaceOrders"]
    # ALT marks at 180: equity = 630,000 - 600,000 = 30,000 < 1.5 x 30,000.
    world.snapshot.oracle_prices[("bn", "ALT")] = 180 * 10**8
    txs = agent.act(world, RNG)
    called = [
        names([t], "OrderBook")[0] if t.to == addr(20) else names([t], "UnifiedMarginVenue")[0] for t in txs
    ]
    assert called == ["cancelOrders", "deposit", "repay"]
    assert agent.state == "pulled" and agent.stats["pulls"] == 1
    escrow = book.get_order(1).escrow
    assert agent.stats["repaid_usd"] == pytest.approx((10_000 * 10**6 + escrow) / 10**6)


def test_stops_quoting_once_liquidated_and_comes_back_after_calm(world: World) -> None:
    agent = maker(world)
    give_account(world, agent, 5_000 * WAD, 100_000 * 10**6)
    book = world.pools["alt_book"].book
    assert book is not None
    book.place_order(agent.owner, False, 20_100, 10 * WAD)
    world.venues["bn"].liquidated[agent.wallet.address] = 1
    assert names(agent.act(world, RNG), "OrderBook") == ["cancelAllOrders"]
    assert agent.state == "liquidated"
    assert agent.act(world, RNG) == []
    for _ in range(agent.params.calm_blocks - 2):
        assert agent.act(world, RNG) == []
    # calm_blocks later it quotes again from its wallet (its margin account is gone).
    world.balances[(agent.wallet.address, "USDT")] = 50_000 * 10**6
    assert names(agent.act(world, RNG), "OrderBook") == ["replaceOrders"]
    assert agent.state == "calm" and agent.stats["returns"] == 1


def test_widens_on_volatility_and_comes_back_after_calm(world: World) -> None:
    agent = maker(world, vol_limit=1.0, calm_blocks=2, drawdown_limit=0.9)
    give_account(world, agent, 5_000 * WAD, 0)
    world.balances[(agent.wallet.address, "USDT")] = 100_000 * 10**6
    for price in (200.0, 210.0, 190.0, 215.0):
        world.reference["ALT"] = price
        agent.act(world, RNG)
    assert agent.state == "wide"
    book = world.pools["alt_book"].book
    assert book is not None
    wide = agent._orders(world, book, "ALT", 200.0, 100_000 * 10**6, 0, "wide")
    calm = agent._orders(world, book, "ALT", 200.0, 100_000 * 10**6, 0, "calm")
    assert max(t for _, t, _ in wide) < max(t for _, t, _ in calm)  # wider: the best bid is lower
    assert sum(a for _, _, a in wide) < sum(a for _, _, a in calm)  # and smaller
    for _ in range(40):
        agent.act(world, RNG)  # flat prices: volatility decays out of the window
    assert agent.state == "calm"
