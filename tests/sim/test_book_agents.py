"""Agents on order books, in memory (mirrors for books, no chain): stub bids, the cross-venue arbitrageur and its
latency-delayed transfers, the arbitrageur and the redeemer on books, and the rescue fund's operator."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from eth_abi import decode

from sim.agents.arbitrageur import Arbitrageur, ArbitrageurParams
from sim.agents.base import BuildContext, SetupContext
from sim.agents.cross_venue_arbitrageur import (
    CrossVenueArbitrageur,
    CrossVenueArbitrageurParams,
    crossing,
)
from sim.agents.redeemer import Redeemer, RedeemerParams
from sim.agents.rescue_fund import RescueFundOperator, RescueFundParams, bid_ladder
from sim.agents.stub_bids import StubBids, StubBidsParams
from sim.agents.wallets import Transit, sub_wallet
from sim.market.builder import Market, PoolInfo
from sim.mirrors.cpmm import CpmmState
from sim.mirrors.orderbook import LevelView, NewOrder, OrderBookMirror, price_divisor, quote_up
from sim.node.chain import TxRequest, Wallet
from sim.node.contracts import Handle, abi_of
from sim.scenario.loading import load_scenario
from sim.scenario.mitigations import RescueFundSpec
from sim.scenario.schema import Scenario
from sim.world.rescue import RescueFundView
from sim.world.synthetic import SyntheticView
from sim.world.world import World

RNG = np.random.default_rng(0)
DATA = Path(__file__).parent / "data"
WAD = 10**18
ALT, USDT = 10**18, 10**6
SEED = "0x" + "ee" * 20


def addr(n: int) -> bytes:
    return n.to_bytes(20, "big")


def wallet(n: int) -> Wallet:
    return Wallet.from_hex(f"{n:064x}")


def call(tx: TxRequest, contract: str) -> tuple[str, tuple[Any, ...]]:
    """The function a transaction calls on `contract` and its decoded arguments."""
    fn = next(f for f in abi_of(contract).functions.values() if f.selector == tx.data[:4])
    return fn.name, tuple(decode(list(fn.inputs), tx.data[4:]))


def alt_book(bids: list[tuple[float, float]], asks: list[tuple[float, float]]) -> OrderBookMirror:
    """An ALT/USDT book (tick 0.01 USDT, taker 4 bps, maker 2 bps) with (price, ALT) levels resting."""
    book = OrderBookMirror(18, 6, 10**16, 10**12, 200, 400)
    orders = [NewOrder(True, round(p * 100), int(a * ALT)) for p, a in bids]
    orders += [NewOrder(False, round(p * 100), int(a * ALT)) for p, a in asks]
    book.place_orders(SEED, orders)
    return book


@pytest.fixture
def scenario() -> Scenario:
    return load_scenario(DATA / "two_venues.yaml")


@pytest.fixture
def world() -> World:
    m = Market()
    for i, (symbol, decimals) in enumerate([("USDT", 6), ("ALT", 18), ("USDe", 18), ("WETH", 18)], start=1):
        m.tokens[symbol] = Handle("MockERC20", addr(i))
        m.decimals[symbol] = decimals
    for j, name in enumerate(["bn_alt_usdt", "okx_alt_usdt"]):
        m.pools[name] = PoolInfo(name, "order_book", Handle("OrderBook", addr(20 + j)), ("ALT", "USDT"))
    m.pools["bn_usde_usdt"] = PoolInfo(
        "bn_usde_usdt", "order_book", Handle("OrderBook", addr(22)), ("USDe", "USDT")
    )
    m.pools["uni_weth_usdt"] = PoolInfo(
        "uni_weth_usdt", "constant_product", Handle("ConstantProductPool", addr(23)), ("WETH", "USDT")
    )
    m.contracts["router"] = Handle("ConstantProductRouter", addr(40))
    m.contracts["synthetic"] = Handle("SyntheticDollar", addr(3))
    w = World.create(m)
    ladder = [(200 - 0.1 * (i + 1), 250.0) for i in range(20)]
    w.pools["bn_alt_usdt"].book = alt_book(ladder, [(200 + 0.1 * (i + 1), 250.0) for i in range(20)])
    w.pools["okx_alt_usdt"].book = alt_book(ladder, [(200 + 0.1 * (i + 1), 250.0) for i in range(20)])
    w.reference = {"USDT": 1.0, "ALT": 200.0, "USDe": 1.0, "WETH": 4_000.0}
    w.block, w.timestamp = 10, 1_000_000
    return w


# ---------------------------------------------------------------------------------------------- stub bids


def test_stub_bids_draw_log_uniform_prices_and_rest_once(world: World, scenario: Scenario) -> None:
    params = StubBidsParams(books=["bn_alt_usdt", "okx_alt_usdt"], orders=4, size_usd=2_000, size_sigma=0.5)
    stub = StubBids("stub", wallet(1), params)
    stub.bind(BuildContext(scenario, world.market, world), np.random.default_rng(5))
    expected = np.random.default_rng(5)
    for name in params.books:
        book = world.pools[name].book
        assert book is not None and len(stub.ladders[name]) == 4
        for is_bid, tick, amount in stub.ladders[name]:
            level = 200 * math.exp(expected.uniform(math.log(1 - 0.95), math.log(1 - 0.20)))
            usd = min(2_000 * math.exp(expected.normal(0.0, 0.5)), 20_000)
            assert is_bid and tick == book.price_to_tick_down(int(level * WAD))
            assert amount == int(usd / (200 * level / 200) * ALT)  # USD over the bid price
            assert 10.0 <= tick / 100 <= 160.0  # 5% to 80% of the start price
    [fund, approve, fund2, _approve2] = stub.setup(SetupContext(world.market, world, wallet(99)))
    assert call(fund, "MockERC20") == ("mint", (stub.wallet.hex.lower(), stub.escrow["bn_alt_usdt"]))
    assert stub.escrow["bn_alt_usdt"] == sum(
        quote_up(a, t * 10**16, price_divisor(18, 6)) for _, t, a in stub.ladders["bn_alt_usdt"]
    )
    assert call(approve, "MockERC20")[0] == "approve" and call(fund2, "MockERC20")[0] == "mint"
    placed = stub.act(world, RNG)
    assert [call(tx, "OrderBook")[0] for tx in placed] == ["placeOrders", "placeOrders"]
    [orders] = call(placed[0], "OrderBook")[1]
    book = world.pools["bn_alt_usdt"].book
    assert book is not None
    ids = book.place_orders("0x" + stub.wallet.address.hex(), [NewOrder(*o) for o in orders])
    assert all(ids) and book.best_bid()[0] == 19_990  # they rest far below, the best bid is unchanged
    assert stub.act(world, RNG) == [] and stub.act(world, RNG) == []  # passive after placing


# ------------------------------------------------------------------------------------ cross-venue arbitrage


def levels(pairs: list[tuple[float, float]]) -> list[LevelView]:
    return [LevelView(round(p * 100), round(p * 100) * 10**16, int(a * ALT), 1) for p, a in pairs]


def test_crossing_takes_only_the_levels_that_pay_both_fees_and_the_edge() -> None:
    bids = levels([(200, 5), (150, 5), (100, 5)])
    asks = levels([(100.5, 3), (120, 4), (160, 10)])
    divisor = price_divisor(18, 6)
    base, bid_tick, quote, ask_tick = crossing(bids, asks, 0.001, 0.001, 0.001, divisor, 10**30, 10**30)
    # 3 at 100.5 and 2 at 120 against the 200 bid, 2 more at 120 against the 150 bid; 150 vs 160 does not pay.
    assert (base, bid_tick, ask_tick) == (7 * ALT, 15_000, 12_000)
    assert quote == 3 * 100_500_000 + 4 * 120 * USDT
    # The quote held on the buying venue caps it: 301.5 at 100.5, then what 198.5 buys at 120.
    base, _, quote, ask_tick = crossing(bids, asks, 0.001, 0.001, 0.001, divisor, 10**30, 500 * USDT)
    assert base == 3 * ALT + 198_500_000 * divisor // (120 * WAD) and quote <= 500 * USDT
    assert ask_tick == 12_000
    # ... and so do the base held on the selling venue and the edge.
    assert crossing(bids, asks, 0.001, 0.001, 0.001, divisor, 2 * ALT, 10**30)[0] == 2 * ALT
    assert crossing(bids, asks, 0.001, 0.001, 1.0, divisor, 10**30, 10**30)[0] == 0


def cross_arb(world: World, scenario: Scenario, latency: int = 5) -> CrossVenueArbitrageur:
    params = CrossVenueArbitrageurParams(
        books=[["bn_alt_usdt", "okx_alt_usdt"]],
        capital_usd=400_000,
        max_trade_usd=100_000,
        min_edge_bps=10,
        transfer_latency_blocks=latency,
        rebalance_threshold=0.3,
    )
    arb = CrossVenueArbitrageur("xarb", wallet(7), params)
    arb.bind(BuildContext(scenario, world.market, world), RNG)
    return arb


def test_cross_venue_arbitrageur_has_a_wallet_per_venue_and_funds_each(
    world: World, scenario: Scenario
) -> None:
    arb = cross_arb(world, scenario)
    bn, okx = arb.venue_wallets["bn"], arb.venue_wallets["okx"]
    assert bn is arb.wallet and okx.address == sub_wallet(arb.wallet, "venue:okx").address
    assert arb.transit is not None and [w.address for w in arb.wallets()] == [
        bn.address,
        okx.address,
        arb.transit.wallet.address,
    ]
    txs = arb.setup(SetupContext(world.market, world, wallet(99)))
    mints = [call(t, "MockERC20")[1] for t in txs if call(t, "MockERC20")[0] == "mint"]
    assert mints == [
        (bn.hex.lower(), 1_000 * ALT),  # half of 400k in ALT at 200
        (bn.hex.lower(), 200_000 * USDT),
        (okx.hex.lower(), 1_000 * ALT),
        (okx.hex.lower(), 200_000 * USDT),
    ]


def test_cross_venue_arbitrageur_buys_the_cheap_venue_and_sells_the_rich_one(
    world: World, scenario: Scenario
) -> None:
    arb = cross_arb(world, scenario)
    bn, okx = arb.venue_wallets["bn"], arb.venue_wallets["okx"]
    for w in (bn, okx):
        world.balances[(w.address, "ALT")] = 1_000 * ALT
        world.balances[(w.address, "USDT")] = 200_000 * USDT
    assert arb.act(world, RNG) == []  # the books agree: nothing to do, and the inventory is balanced
    # A seller rests 1,000 ALT at 100 on bn (its bids taken): bn's asks are now far under okx's bids.
    bn_book = alt_book([(99.0, 10)], [(100.0, 1_000)])
    world.pools["bn_alt_usdt"].book = bn_book
    buy, sell = arb.act(world, RNG)
    assert buy.sender is bn and sell.sender is okx
    name, (quote, max_tick, _, _, recipient) = call(buy, "OrderBook")
    assert (name, max_tick, recipient) == ("spendQuote", 10_000, bn.hex.lower())
    name, (base, min_tick, _, _, recipient) = call(sell, "OrderBook")
    # max_trade_usd (100k at the reference 200) caps it: 500 ALT into okx's bids, 2 levels of 250.
    assert (name, base, min_tick, recipient) == ("sellBase", 500 * ALT, 19_980, okx.hex.lower())
    assert quote == 500 * 100 * USDT
    assert arb.stats["trades"] == 1 and arb.stats["edge_usd"] > 0


def test_cross_venue_transfers_arrive_after_the_latency_and_one_at_a_time(
    world: World, scenario: Scenario
) -> None:
    arb = cross_arb(world, scenario, latency=5)
    assert arb.transit is not None
    bn, okx, transit = arb.venue_wallets["bn"], arb.venue_wallets["okx"], arb.transit.wallet
    world.balances[(bn.address, "ALT")] = 1_900 * ALT  # okx sold its ALT: 5% of it left there
    world.balances[(okx.address, "ALT")] = 100 * ALT
    for w in (bn, okx):
        world.balances[(w.address, "USDT")] = 200_000 * USDT
    [move] = arb.act(world, RNG)
    assert move.sender is bn and call(move, "MockERC20") == ("transfer", (transit.hex.lower(), 900 * ALT))
    assert arb.stats["transfers"] == 1
    world.balances[(bn.address, "ALT")] = 1_000 * ALT  # mined: it sits in transit
    world.balances[(transit.address, "ALT")] = 900 * ALT
    for block in range(11, 15):
        world.block = block
        assert arb.act(world, RNG) == []  # on its way: neither delivered nor moved again
    world.block = 15
    [arrival] = arb.act(world, RNG)
    assert arrival.sender is transit
    assert call(arrival, "MockERC20") == ("transfer", (okx.hex.lower(), 900 * ALT))


def test_a_transit_without_latency_moves_directly(world: World) -> None:
    transit = Transit(wallet(50), 0)
    [tx] = transit.send(world, wallet(51), "ALT", addr(52), 5, "t")
    assert tx.sender.address == wallet(51).address and call(tx, "MockERC20")[1] == ("0x" + addr(52).hex(), 5)
    assert transit.pending == [] and transit.arrivals(world, "t") == []


# --------------------------------------------------------------------------------- arbitrageur on a book


def test_arbitrageur_sells_the_bids_above_the_reference_band_only(world: World) -> None:
    arb = Arbitrageur("arb", wallet(2), ArbitrageurParams(pools=["bn_alt_usdt"], min_edge_bps=10))
    world.balances[(arb.wallet.address, "ALT")] = 10_000 * ALT
    world.balances[(arb.wallet.address, "USDT")] = 10**12
    assert arb.act(world, RNG) == []  # within fee + edge of the reference
    # Bids above 200 x (1 + 4 bps + 10 bps) = 200.28 pay; the one at 200.20 does not.
    world.pools["bn_alt_usdt"].book = alt_book([(201.0, 2), (200.5, 3), (200.2, 5)], [(202.0, 10)])
    [tx] = arb.act(world, RNG)
    assert call(tx, "OrderBook")[0] == "sellBase"
    base, min_tick = call(tx, "OrderBook")[1][:2]
    assert (base, min_tick) == (5 * ALT, 20_029)
    # Asks below 200 x (1 - 14 bps) = 199.72 are bought, up to that limit.
    book = alt_book([(198.0, 10)], [(199.5, 2), (199.8, 3), (200.5, 5)])
    world.pools["bn_alt_usdt"].book = book
    [tx] = arb.act(world, RNG)
    name, (quote, max_tick, *_) = call(tx, "OrderBook")
    assert (name, max_tick) == ("spendQuote", 19_971)
    assert quote == 2 * 1995 * USDT // 10
    world.balances[(arb.wallet.address, "USDT")] = 0
    assert arb.act(world, RNG) == []  # nothing to buy with


# --------------------------------------------------------------------------------------- redeemer on a book


def usde_book(asks: list[tuple[float, float]]) -> OrderBookMirror:
    book = OrderBookMirror(18, 6, 10**14, 10**12, 200, 400)  # tick 0.0001 USDT
    orders = [NewOrder(True, 9_400, 1_000 * ALT)]
    orders += [NewOrder(False, round(p * 10_000), int(a * ALT)) for p, a in asks]
    book.place_orders(SEED, orders)
    return book


def test_redeemer_buys_the_asks_under_the_threshold_on_a_book(world: World) -> None:
    world.synthetic = SyntheticView(
        handle=world.market.contracts["synthetic"], symbol="USDe", max_redeem_per_block=2_000_000 * ALT
    )
    world.pools["bn_usde_usdt"].book = usde_book([(0.95, 100_000), (0.98, 200_000), (0.995, 1_000_000)])
    redeemer = Redeemer("r", wallet(4), RedeemerParams(pool="bn_usde_usdt", quote="USDT", threshold=0.99))
    world.balances[(redeemer.wallet.address, "USDT")] = 10**14
    swap, redeem = redeemer.act(world, RNG)
    name, (spend, max_tick, min_out, *_) = call(swap, "OrderBook")
    assert (name, max_tick) == ("spendQuote", 9_900)
    assert spend == (95_000 + 196_000) * USDT  # the 300k USDe under 0.99, nothing of the ask at 0.995
    bought = 300_000 * ALT - 300_000 * ALT * 400 // 10**6  # after the 4 bps taker fee
    assert min_out == bought * 999 // 1000
    name, (_, amount, _, recipient) = call(redeem, "SyntheticDollar")
    assert (name, amount, recipient) == ("redeem", min_out, redeemer.wallet.hex.lower())
    world.balances[(redeemer.wallet.address, "USDT")] = 100_000 * USDT  # capital binds: 100k of quote
    swap, _ = redeemer.act(world, RNG)
    assert call(swap, "OrderBook")[1][0] == 100_000 * USDT
    world.pools["bn_usde_usdt"].book = usde_book([(0.995, 1_000_000)])
    assert redeemer.act(world, RNG) == []  # the mid is above the threshold


def test_a_recycling_redeemer_sells_on_chain_and_gets_the_quote_back_after_the_latency(world: World) -> None:
    world.synthetic = SyntheticView(
        handle=world.market.contracts["synthetic"], symbol="USDe", max_redeem_per_block=2_000_000 * ALT
    )
    world.pools["bn_usde_usdt"].book = usde_book([(0.95, 100_000)])
    world.pools["uni_weth_usdt"].cpmm = CpmmState(10**18 * 1_000, 4_000_000 * USDT, 10**18)
    params = RedeemerParams(
        pool="bn_usde_usdt",
        threshold=0.99,
        recycle=True,
        sell_pool="uni_weth_usdt",
        transfer_latency_blocks=3,
    )
    redeemer = Redeemer("r", wallet(4), params)
    redeemer.chain_wallet = sub_wallet(redeemer.wallet, "chain")
    redeemer.transit = Transit(sub_wallet(redeemer.wallet, "transit"), 3)
    chain, transit = redeemer.chain_wallet, redeemer.transit.wallet
    world.balances[(redeemer.wallet.address, "USDT")] = 10**12
    _swap, redeem = redeemer.act(world, RNG)
    assert call(redeem, "SyntheticDollar")[1][3] == chain.hex.lower()  # collateral lands on chain
    world.balances[(chain.address, "WETH")] = 10 * ALT
    world.balances[(chain.address, "USDT")] = 39_000 * USDT  # an earlier sale's proceeds
    world.pools["bn_usde_usdt"].book = usde_book([(0.995, 100_000)])  # the peg is back: only recycling
    sell, send = redeemer.act(world, RNG)
    assert sell.sender is chain and call(sell, "ConstantProductRouter")[0] == "swapExactTokensForTokens"
    assert send.sender is chain and call(send, "MockERC20") == (
        "transfer",
        (transit.hex.lower(), 39_000 * USDT),
    )
    world.balances[(chain.address, "WETH")] = world.balances[(chain.address, "USDT")] = 0
    for block in (11, 12):
        world.block = block
        assert redeemer.act(world, RNG) == []
    world.block = 13
    [arrival] = redeemer.act(world, RNG)
    assert arrival.sender is transit
    assert call(arrival, "MockERC20") == ("transfer", (redeemer.wallet.hex.lower(), 39_000 * USDT))
    assert [w.address for w in redeemer.wallets()] == [
        redeemer.wallet.address,
        chain.address,
        transit.address,
    ]


def test_recycling_needs_a_sell_pool_and_latency_needs_recycling(scenario: Scenario) -> None:
    model = RedeemerParams.scenario_model()
    with pytest.raises(ValueError, match="sell_pool"):
        model.model_validate({"pool": "bn_alt_usdt", "recycle": True})
    with pytest.raises(ValueError, match="recycle: true"):
        model.model_validate({"pool": "bn_alt_usdt", "transfer_latency_blocks": 5})


# ---------------------------------------------------------------------------------------------- rescue fund


def rescue(world: World, spec: RescueFundSpec) -> RescueFundOperator:
    world.rescue_fund = RescueFundView(
        Handle("RescueFund", addr(60)),
        "USDT",
        world.market.tokens["USDT"],
        {"bn": Handle("UnifiedMarginVenue", addr(61)), "okx": Handle("UnifiedMarginVenue", addr(62))},
        threshold=100_000 * 10**8,
        balance=2_000_000 * USDT,
        deficits={"bn": 0, "okx": 0},
    )
    operator = RescueFundOperator("rescue_fund-0", wallet(9), RescueFundParams())
    operator.spec = spec
    operator.books = ["bn_alt_usdt", "okx_alt_usdt"]
    operator.start = {"bn_alt_usdt": 200.0, "okx_alt_usdt": 200.0}
    return operator


def test_bid_ladder_spreads_the_budget_evenly_between_the_drops() -> None:
    ladder = bid_ladder(100.0, 5, 0.02, 0.30, 1_000.0)
    assert [round(p, 6) for p, _ in ladder] == [98.0, 91.0, 84.0, 77.0, 70.0]
    assert all(q == 200.0 for _, q in ladder)


def test_rescue_fund_activates_past_the_threshold_bids_on_the_hardest_hit_book_and_covers_bad_debt(
    world: World,
) -> None:
    spec = RescueFundSpec(enabled=True, bid_share=0.5, books=1, levels=5, from_drop=0.02, to_drop=0.30)
    operator = rescue(world, spec)
    fund = world.rescue_fund
    assert fund is not None
    fund.total_liquidated = 99_999 * 10**8
    assert operator.act(world, RNG) == []
    world.pools["bn_alt_usdt"].book = alt_book([(95.0, 10)], [(100.0, 1_000)])  # bn fell 50%, okx did not
    assert operator.hardest_hit(world) == ["bn_alt_usdt"]
    fund.total_liquidated = 100_000 * 10**8
    fund.deficits["bn"] = 300_000 * USDT
    activate, post, cover = operator.act(world, RNG)
    assert call(activate, "RescueFund") == ("activate", ())
    name, (book, orders) = call(post, "RescueFund")
    assert (name, book) == ("postBids", "0x" + addr(20).hex())
    # From 2% to 30% under the best ask (the book is far under the reference), none crossing it.
    assert [tick for _, tick, _ in orders] == [9_799, 9_099, 8_399, 7_699, 6_999]
    assert all(is_bid for is_bid, _, _ in orders)
    escrow = sum(quote_up(a, t * 10**16, price_divisor(18, 6)) for _, t, a in orders)
    assert 999_990 * USDT < escrow <= 1_000_000 * USDT
    assert call(cover, "RescueFund") == (
        "coverBadDebt",
        ("0x" + addr(61).hex(), "0x" + addr(1).hex(), 300_000 * USDT),
    )
    # Next block: more bad debt than what is left of the half set aside for it; bids are not posted again.
    fund.active, fund.deficits["bn"], fund.deficits["okx"] = True, 900_000 * USDT, 5 * USDT
    [cover] = operator.act(world, RNG)
    assert call(cover, "RescueFund")[1][2] == 700_000 * USDT
    assert operator.act(world, RNG) == []
