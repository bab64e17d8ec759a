"""Order book unit tests with exact expected values, worked out by hand in the comments.

The fixture book: USDe (18 decimals) / USDT (6), ticks of 0.0001 USDT (tick 10_000 = price 1.0), maker fee
0.1%, taker fee 0.2%. quote units = base units * price / 10**30 = base * tick / 10**16.
"""

from __future__ import annotations

from typing import Any

from sim.mirrors.orderbook import MAX_TICK, OrderBookMirror

from .conftest import E6, E18, MAX_UINT, MIN_BASE, TICK

NO_LIMIT = 10**9


def events(receipt: Any, name: str) -> list[dict[str, Any]]:
    return [dict(log.event_arguments) for log in receipt.events if log.event_name == name]


def transfers(receipt: Any) -> list[tuple[str, str, str, int]]:
    return [
        (
            log.contract_address,
            log.event_arguments["from"],
            log.event_arguments["to"],
            log.event_arguments["value"],
        )
        for log in receipt.events
        if log.event_name == "Transfer"
    ]


def fill_of(args: dict[str, Any]) -> tuple[int, int, int, int, int, int]:
    return (
        args["orderId"],
        args["tick"],
        args["baseAmount"],
        args["quoteAmount"],
        args["makerFee"],
        args["remaining"],
    )


# ---------------------------------------------------------------------------------------------- placing


def test_a_bid_escrows_its_quote_rounded_up(book: Any, quote: Any, alice: Any) -> None:
    before = quote.balanceOf(alice)
    receipt = book.placeOrder(True, 10_000, 3 * MIN_BASE // 2, sender=alice)
    # 1.5e12 USDe at 1.0 is 1.5 USDT units: the book takes 2.
    assert events(receipt, "OrderPlaced") == [
        {
            "orderId": 1,
            "owner": alice.address,
            "tick": 10_000,
            "isBid": True,
            "baseAmount": 1_500_000_000_000,
            "escrow": 2,
        }
    ]
    assert before - quote.balanceOf(alice) == 2
    assert tuple(book.getOrder(1)) == (1, alice.address, True, 10_000, E18, 1_500_000_000_000, 0, 2)
    assert tuple(book.bestBid()) == (10_000, E18, 1_500_000_000_000)
    assert tuple(book.bestAsk()) == (0, 0, 0)
    assert list(book.ordersOf(alice)) == [1]
    assert book.nextOrderId() == 2


def test_an_ask_escrows_its_base(book: Any, base: Any, bob: Any) -> None:
    receipt = book.placeOrder(False, 10_001, 2 * E18, sender=bob)
    assert transfers(receipt) == [(base.address, bob.address, book.address, 2 * E18)]
    assert tuple(book.bestAsk()) == (10_001, 10_001 * TICK, 2 * E18)
    assert book.getOrder(1).escrow == 2 * E18


def test_place_orders_skips_only_the_orders_that_would_cross(book: Any, alice: Any, bob: Any) -> None:
    book.placeOrder(False, 10_001, E18, sender=bob)  # id 1
    ladder = [(True, 10_001, E18), (True, 10_000, E18), (False, 10_000, E18), (False, 10_002, E18)]
    ids = book.placeOrders.call(ladder, sender=alice)
    receipt = book.placeOrders(ladder, sender=alice)
    # The bid at the ask crosses; the ask at the bid just placed crosses too.
    assert list(ids) == [0, 2, 0, 3]
    assert [e["orderId"] for e in events(receipt, "OrderPlaced")] == [2, 3]
    assert (book.bestBid().tick, book.bestAsk().tick) == (10_000, 10_001)


def test_a_ladder_settles_with_one_transfer_per_token(book: Any, base: Any, quote: Any, alice: Any) -> None:
    ladder = [(True, 9_999 - i, E18) for i in range(5)] + [(False, 10_001 + i, E18) for i in range(5)]
    receipt = book.placeOrders(ladder, sender=alice)
    # Bids at 0.9999 .. 0.9995 escrow 999_900 + 999_800 + 999_700 + 999_600 + 999_500 USDT units.
    assert transfers(receipt) == [
        (base.address, alice.address, book.address, 5 * E18),
        (quote.address, alice.address, book.address, 4_998_500),
    ]


# ---------------------------------------------------------------------------------------------- matching


def test_a_buy_walks_asks_best_first_and_oldest_first_within_a_level(
    book: Any, base: Any, quote: Any, alice: Any, bob: Any, carol: Any, taker: Any, chain: Any
) -> None:
    book.placeOrder(False, 10_001, E18, sender=alice)  # id 1
    book.placeOrder(False, 10_001, 2 * E18, sender=bob)  # id 2, behind alice at the same price
    book.placeOrder(False, 10_002, E18, sender=carol)  # id 3
    book.placeOrder(False, 10_003, E18, sender=alice)  # id 4
    args = (7 * E18 // 2, MAX_TICK, MAX_UINT, 10, taker)
    assert tuple(book.buyBase.call(*args, sender=taker)) == (3_493 * E18 // 1_000, 3_500_400)
    receipt = book.buyBase(*args, sender=taker)
    # Values: 1.0001 * 1 = 1_000_100; * 2 = 2_000_200; 1.0002 * 0.5 = 500_100 (exact, so paid = value).
    # Maker fees 0.1% rounded up: 1_001, 2_001, 501.
    assert [fill_of(e) for e in events(receipt, "OrderFilled")] == [
        (1, 10_001, E18, 1_000_100, 1_001, 0),
        (2, 10_001, 2 * E18, 2_000_200, 2_001, 0),
        (3, 10_002, E18 // 2, 500_100, 501, E18 // 2),
    ]
    # The taker pays 3_500_400 and receives 3.5 USDe less 0.2% (7e15); no maker receives anything yet.
    assert transfers(receipt) == [
        (quote.address, taker.address, book.address, 3_500_400),
        (base.address, book.address, taker.address, 3_493 * E18 // 1_000),
    ]
    (summary,) = events(receipt, "MarketOrder")
    assert summary == {
        "taker": taker.address,
        "recipient": taker.address,
        "isBuy": True,
        "baseAmount": 7 * E18 // 2,
        "quoteAmount": 3_500_400,
        "takerFee": 7 * E18 // 1_000,
        "levels": 2,
        "lastTick": 10_002,
    }
    assert tuple(book.accruedFees()) == (7 * E18 // 1_000, 1_001 + 2_001 + 501)
    assert tuple(book.bestAsk()) == (10_002, 10_002 * TICK, E18 // 2)
    assert list(book.levelOrders(False, 10_002)) == [3]
    assert [o.claimable for o in book.getOrders([1, 2, 3])] == [999_099, 1_998_199, 499_599]
    block = chain.blocks[receipt.block_number]
    assert tuple(book.lastTrade()) == (10_002, 10_002 * TICK, block.timestamp, receipt.block_number)


def test_a_sale_into_bids_charges_each_side_in_what_it_receives(
    book: Any, base: Any, quote: Any, alice: Any, bob: Any, taker: Any
) -> None:
    book.placeOrder(True, 9_999, 2 * E18, sender=alice)  # escrow 1_999_800
    book.placeOrder(True, 9_998, E18, sender=bob)  # escrow 999_800
    receipt = book.sellBase(5 * E18 // 2, 0, 0, 10, taker, sender=taker)
    # Values 1_999_800 and 499_900; maker fees 0.1% of the base received: 2e15 and 5e14.
    assert [fill_of(e) for e in events(receipt, "OrderFilled")] == [
        (1, 9_999, 2 * E18, 1_999_800, 2 * E18 // 1_000, 0),
        (2, 9_998, E18 // 2, 499_900, E18 // 2_000, E18 // 2),
    ]
    # Gross 2_499_700; taker fee ceil(4_999.4) = 5_000.
    assert transfers(receipt) == [
        (base.address, taker.address, book.address, 5 * E18 // 2),
        (quote.address, book.address, taker.address, 2_494_700),
    ]
    assert tuple(book.accruedFees()) == (5 * E18 // 2_000, 5_000)
    assert [o.claimable for o in book.getOrders([1, 2])] == [1_998 * E18 // 1_000, 4_995 * E18 // 10_000]
    # What the book holds is exactly the bob's remaining escrow, the makers' base and the fees.
    assert quote.balanceOf(book) == 499_900 + 5_000
    assert base.balanceOf(book) == 5 * E18 // 2


def test_a_partly_filled_order_keeps_its_place_ahead_of_later_ones(
    book: Any, alice: Any, bob: Any, taker: Any
) -> None:
    book.placeOrder(False, 10_001, 2 * E18, sender=alice)  # id 1
    book.buyBase(E18, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    book.placeOrder(False, 10_001, E18, sender=bob)  # id 2
    assert list(book.levelOrders(False, 10_001)) == [1, 2]
    receipt = book.buyBase(3 * E18 // 2, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    assert [(e["orderId"], e["baseAmount"]) for e in events(receipt, "OrderFilled")] == [
        (1, E18),
        (2, E18 // 2),
    ]


def test_a_market_order_stops_at_its_limit_price(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(False, 10_001, E18), (False, 10_002, E18), (False, 10_005, E18)], sender=alice)
    book.placeOrders([(True, 9_999, E18), (True, 9_990, E18)], sender=alice)
    bought = book.buyBase(10 * E18, 10_002, MAX_UINT, 10, taker, sender=taker)
    assert [e["tick"] for e in events(bought, "OrderFilled")] == [10_001, 10_002]
    sold = book.sellBase(10 * E18, 9_995, 0, 10, taker, sender=taker)
    assert [e["tick"] for e in events(sold, "OrderFilled")] == [9_999]
    assert (book.bestBid().tick, book.bestAsk().tick) == (9_990, 10_005)
    # Nothing within the limit: no fill, no transfer, no event.
    nothing = book.sellBase(E18, 9_995, 0, 10, taker, sender=taker)
    assert len(nothing.events) == 0


def test_a_market_order_takes_at_most_max_levels(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(False, 10_001 + i, E18) for i in range(5)], sender=alice)
    receipt = book.buyBase(10 * E18, MAX_TICK, MAX_UINT, 2, taker, sender=taker)
    (summary,) = events(receipt, "MarketOrder")
    assert (summary["baseAmount"], summary["levels"], summary["lastTick"]) == (2 * E18, 2, 10_002)
    assert book.bestAsk().tick == 10_003


def test_spend_quote_buys_what_its_budget_affords_at_each_order(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(False, 10_000, E18), (False, 20_000, E18)], sender=alice)
    # 1 USDT buys the first USDe; the other 0.5 USDT buys 0.25 USDe at 2.0.
    receipt = book.spendQuote(3 * E6 // 2, MAX_TICK, 0, 10, taker, sender=taker)
    assert [(e["orderId"], e["baseAmount"], e["quoteAmount"]) for e in events(receipt, "OrderFilled")] == [
        (1, E18, E6),
        (2, E18 // 4, E6 // 2),
    ]
    (summary,) = events(receipt, "MarketOrder")
    assert (summary["quoteAmount"], summary["takerFee"]) == (3 * E6 // 2, 2_500_000_000_000_000)


# ---------------------------------------------------------------------------------------------- rounding


def test_dust_fills_round_in_the_books_favour(
    book: Any, deployer: Any, quote: Any, alice: Any, taker: Any
) -> None:
    book.setFees(0, 0, sender=deployer)
    # 3e12 USDe at 0.5 is 1.5 USDT units: escrow 2.
    book.placeOrder(True, 5_000, 3 * MIN_BASE, sender=alice)
    # Selling 1e12 earns floor(0.5) = 0; the bid releases ceil(1.5) - ceil(1.0) = 1, kept as a fee.
    first = book.sellBase(MIN_BASE, 0, 0, 1, taker, sender=taker)
    assert fill_of(events(first, "OrderFilled")[0]) == (1, 5_000, MIN_BASE, 0, 0, 2 * MIN_BASE)
    assert [t[3] for t in transfers(first)] == [MIN_BASE]  # base in, nothing out
    assert tuple(book.accruedFees()) == (0, 1)
    # ceil(1.0) - ceil(0.5) = 0 released; then ceil(0.5) - 0 = 1: the escrow ends in the fees, never short.
    book.sellBase(MIN_BASE, 0, 0, 1, taker, sender=taker)
    assert tuple(book.accruedFees()) == (0, 1)
    book.sellBase(MIN_BASE, 0, 0, 1, taker, sender=taker)
    assert tuple(book.accruedFees()) == (0, 2)
    assert quote.balanceOf(book) == 2
    assert book.getOrder(1).claimable == 3 * MIN_BASE


def test_an_ask_fill_charges_the_taker_up_and_pays_the_maker_down(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrder(False, 10_000, 3 * MIN_BASE // 2, sender=alice)
    receipt = book.buyBase(3 * MIN_BASE // 2, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    # Value 1.5 units: the taker pays 2, the maker earns 1 less a fee of ceil(0.001) = 1, i.e. nothing.
    assert fill_of(events(receipt, "OrderFilled")[0]) == (1, 10_000, 1_500_000_000_000, 1, 1, 0)
    (summary,) = events(receipt, "MarketOrder")
    assert (summary["quoteAmount"], summary["takerFee"]) == (2, 3_000_000_000)  # 0.2% of 1.5e12
    assert tuple(book.accruedFees()) == (3_000_000_000, 2)
    assert book.getOrder(1).claimable == 0


# ---------------------------------------------------------------------------------------------- closing


def test_cancel_refunds_the_rest_of_the_escrow_and_pays_the_proceeds(
    book: Any, base: Any, quote: Any, alice: Any, taker: Any
) -> None:
    book.placeOrder(True, 9_999, 2 * E18, sender=alice)  # escrow 1_999_800
    book.sellBase(E18 // 2, 0, 0, 1, taker, sender=taker)
    assert tuple(book.cancelOrder.call(1, sender=alice)) == (4_995 * E18 // 10_000, 1_499_850)
    receipt = book.cancelOrder(1, sender=alice)
    # 1.5 USDe left at 0.9999: 1_499_850 back; 0.5 USDe bought less 0.1%.
    assert events(receipt, "OrderCancelled") == [
        {"orderId": 1, "owner": alice.address, "baseRemaining": 3 * E18 // 2, "refund": 1_499_850}
    ]
    assert events(receipt, "ProceedsClaimed") == [
        {"orderId": 1, "owner": alice.address, "amount": 4_995 * E18 // 10_000}
    ]
    assert transfers(receipt) == [
        (base.address, book.address, alice.address, 4_995 * E18 // 10_000),
        (quote.address, book.address, alice.address, 1_499_850),
    ]
    assert tuple(book.bestBid()) == (0, 0, 0)
    assert list(book.ordersOf(alice)) == []


def test_cancels_anywhere_in_a_queue_keep_time_priority(book: Any, alice: Any, bob: Any, taker: Any) -> None:
    for owner in (alice, bob, alice, bob):  # ids 1..4 at one price
        book.placeOrder(False, 10_001, E18, sender=owner)
    book.buyBase(E18, MAX_TICK, MAX_UINT, 1, taker, sender=taker)  # 1 filled: 2 is the head now
    book.cancelOrder(3, sender=alice)  # from the middle
    assert list(book.levelOrders(False, 10_001)) == [2, 4]
    book.cancelOrder(2, sender=bob)  # the head
    assert list(book.levelOrders(False, 10_001)) == [4]
    book.placeOrder(False, 10_001, E18, sender=alice)  # 5, behind 4
    receipt = book.buyBase(3 * E18 // 2, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    assert [(e["orderId"], e["remaining"]) for e in events(receipt, "OrderFilled")] == [(4, 0), (5, E18 // 2)]
    assert tuple(book.levels(False, 5)[0]) == (10_001, 10_001 * TICK, E18 // 2, 1)


def test_cancel_all_closes_the_newest_orders_first(book: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(True, 9_000 + i, E18) for i in range(4)], sender=alice)  # ids 1..4
    book.placeOrder(False, 10_000, E18, sender=alice)  # 5
    book.buyBase(E18, MAX_TICK, MAX_UINT, 1, taker, sender=taker)  # 5 filled, awaiting its claim
    # 5 pays 1_000_000 - 1_000 of proceeds; 4 refunds 0.9003 USDT.
    assert tuple(book.cancelAllOrders.call(2, sender=alice)) == (2, 0, 999_000 + 900_300)
    book.cancelAllOrders(2, sender=alice)
    assert list(book.ordersOf(alice)) == [3, 2, 1]
    book.cancelAllOrders(100, sender=alice)
    assert list(book.ordersOf(alice)) == []
    assert tuple(book.bestBid()) == (0, 0, 0)


def test_a_requote_nets_refunds_against_new_escrow(book: Any, base: Any, quote: Any, alice: Any) -> None:
    book.placeOrders([(True, 9_999, E18), (False, 10_001, E18)], sender=alice)  # ids 1, 2
    receipt = book.replaceOrders([1, 2], [(True, 9_998, E18), (False, 10_002, 2 * E18)], sender=alice)
    assert [e["orderId"] for e in events(receipt, "OrderPlaced")] == [3, 4]
    # Base: 1 back, 2 in -> 1 in. Quote: 999_900 back, 999_800 in -> 100 out.
    assert transfers(receipt) == [
        (base.address, alice.address, book.address, E18),
        (quote.address, book.address, alice.address, 100),
    ]


def test_claim_pays_proceeds_and_closes_filled_orders(book: Any, quote: Any, alice: Any, taker: Any) -> None:
    book.placeOrders([(False, 10_000, E18), (False, 10_001, E18)], sender=alice)
    book.buyBase(3 * E18 // 2, MAX_TICK, MAX_UINT, 2, taker, sender=taker)
    receipt = book.claim([1, 2], sender=alice)
    # 1 filled: 1_000_000 less 1_000. 2 half filled: 500_050 less 501, and stays open.
    assert events(receipt, "ProceedsClaimed") == [
        {"orderId": 1, "owner": alice.address, "amount": 999_000},
        {"orderId": 2, "owner": alice.address, "amount": 499_549},
    ]
    assert transfers(receipt) == [(quote.address, book.address, alice.address, 999_000 + 499_549)]
    assert list(book.ordersOf(alice)) == [2]
    assert book.getOrder(2).claimable == 0


def test_claiming_a_filled_order_with_nothing_to_pay_still_closes_it(
    book: Any, deployer: Any, alice: Any, taker: Any
) -> None:
    book.placeOrder(False, 10_000, MIN_BASE, sender=alice)
    book.setFees(100_000, 0, sender=deployer)
    book.buyBase(MIN_BASE, MAX_TICK, MAX_UINT, 1, taker, sender=taker)  # value 1, fee ceil(0.1) = 1
    assert book.getOrder(1).claimable == 0
    receipt = book.claim([1], sender=alice)
    assert events(receipt, "ProceedsClaimed") == [{"orderId": 1, "owner": alice.address, "amount": 0}]
    assert list(book.ordersOf(alice)) == []


# ---------------------------------------------------------------------------------------------- views


def test_mid_depth_and_levels(book: Any, alice: Any) -> None:
    book.placeOrders(
        [
            (True, 9_900, E18),
            (True, 9_800, 2 * E18),
            (True, 9_700, 5 * E18),
            (False, 10_100, E18),
            (False, 10_300, 3 * E18),
        ],
        sender=alice,
    )
    assert book.midPrice() == E18  # (0.99 + 1.01) / 2
    # Within 2%: bids at 0.99 and 0.98 (0.97 is out), asks at 1.01 (1.03 is out).
    assert tuple(book.depthWithin(200)) == (3 * E18, 990_000 + 1_960_000, E18, 1_010_000)
    assert tuple(book.depthWithin(0)) == (0, 0, 0, 0)
    assert [tuple(lv) for lv in book.levels(True, 2)] == [
        (9_900, 99 * E18 // 100, E18, 1),
        (9_800, 98 * E18 // 100, 2 * E18, 1),
    ]
    assert [lv.tick for lv in book.levels(False, 10)] == [10_100, 10_300]
    assert book.levels(True, 0) == []


def test_the_book_has_no_mid_or_depth_with_one_side_empty(book: Any, alice: Any) -> None:
    book.placeOrder(True, 9_900, E18, sender=alice)
    assert book.midPrice() == 0
    assert tuple(book.depthWithin(10_000)) == (0, 0, 0, 0)
    assert tuple(book.lastTrade()) == (0, 0, 0, 0)


def test_levels_far_apart_are_found_across_bitmap_words(book: Any, alice: Any, taker: Any) -> None:
    bids = [1, 255, 256, 65_535, 65_536, 70_000, 1_000_000]
    book.placeOrders([(True, t, E18) for t in bids], sender=alice)
    assert [lv.tick for lv in book.levels(True, 10)] == sorted(bids, reverse=True)
    receipt = book.sellBase(10 * E18, 0, 0, 100, taker, sender=taker)
    assert [e["tick"] for e in events(receipt, "OrderFilled")] == sorted(bids, reverse=True)
    asks = [2, 256, 65_536, MAX_TICK]
    book.placeOrders([(False, t, E18) for t in asks], sender=alice)
    receipt = book.buyBase(10 * E18, MAX_TICK, MAX_UINT, 100, taker, sender=taker)
    assert [e["tick"] for e in events(receipt, "OrderFilled")] == asks
    assert (book.bestBid().tick, book.bestAsk().tick) == (0, 0)


def test_price_helpers_round_in_their_named_direction(book: Any, mirror: OrderBookMirror) -> None:
    assert book.tickToPrice(12_345) == mirror.price(12_345) == 12_345 * TICK
    for price, down, up in ((TICK * 3 + 1, 3, 4), (TICK * 3, 3, 3), (TICK - 1, 0, 1), (0, 0, 0)):
        assert (book.priceToTickDown(price), book.priceToTickUp(price)) == (down, up)
        assert (mirror.price_to_tick_down(price), mirror.price_to_tick_up(price)) == (down, up)
    assert (
        book.quoteForBaseDown(3 * MIN_BASE // 2, 10_000),
        book.quoteForBaseUp(3 * MIN_BASE // 2, 10_000),
    ) == (1, 2)
    assert book.baseForQuoteDown(3, 20_000) == 3 * MIN_BASE // 2
    assert book.priceDivisor() == 10**30


# ---------------------------------------------------------------------------------------------- decimals


def test_an_8_decimal_base_against_a_6_decimal_quote(
    project: Any, deployer: Any, create_token: Any, alice: Any, taker: Any
) -> None:
    wbtc, usdt = create_token("WBTC", 8), create_token("USDT", 6)
    btc = project.OrderBook.deploy(wbtc, usdt, E18, 10**4, 1_000, 2_000, sender=deployer)  # $1 ticks
    for account, token, amount in ((alice, wbtc, 10**8), (taker, usdt, 100_000 * E6)):
        token.mint(account, amount, sender=deployer)
        token.approve(btc, MAX_UINT, sender=account)
    assert btc.priceDivisor() == 10**20
    btc.placeOrder(False, 100_000, 5 * 10**7, sender=alice)  # 0.5 BTC at $100,000
    receipt = btc.buyBase(5 * 10**7, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    # 0.5 BTC for exactly 50,000 USDT; taker fee 0.2% of 5e7 sats = 100_000 sats.
    assert transfers(receipt) == [
        (usdt.address, taker.address, btc.address, 50_000 * E6),
        (wbtc.address, btc.address, taker.address, 5 * 10**7 - 100_000),
    ]
    assert btc.getOrder(1).claimable == 50_000 * E6 - 50 * E6


def test_a_6_decimal_base_against_an_18_decimal_quote(
    project: Any, deployer: Any, create_token: Any, alice: Any, taker: Any
) -> None:
    usdc, dai = create_token("USDC", 6), create_token("DAI", 18)
    book6 = project.OrderBook.deploy(usdc, dai, TICK, 1, 0, 0, sender=deployer)
    for account in (alice, taker):
        usdc.mint(account, 10**6 * E6, sender=deployer)
        dai.mint(account, 10**6 * E18, sender=deployer)
        usdc.approve(book6, MAX_UINT, sender=account)
        dai.approve(book6, MAX_UINT, sender=account)
    assert book6.priceDivisor() == 10**6
    receipt = book6.placeOrder(True, 10_000, E6, sender=alice)  # 1 USDC at 1.0 escrows 1 DAI
    assert events(receipt, "OrderPlaced")[0]["escrow"] == E18
    book6.placeOrder(False, 10_001, 10, sender=alice)  # 10 units at 1.0001: 1.0001e12 DAI wei each
    # 2.5e12 DAI wei buys 2 units (2.0002e12); the remaining 0.4998e12 cannot buy one more.
    receipt = book6.spendQuote(25 * 10**11, MAX_TICK, 0, 10, taker, sender=taker)
    (summary,) = events(receipt, "MarketOrder")
    assert (summary["baseAmount"], summary["quoteAmount"]) == (2, 20_002 * 10**8)
    assert book6.getOrder(2).remaining == 8


# ---------------------------------------------------------------------------------------------- admin


def test_fees_are_set_and_collected_by_the_owner(
    book: Any, deployer: Any, keeper: Any, base: Any, quote: Any, alice: Any, taker: Any
) -> None:
    receipt = book.setFees(500, 700, sender=deployer)
    assert events(receipt, "FeesSet") == [{"makerFeePips": 500, "takerFeePips": 700}]
    assert tuple(book.fees()) == (500, 700)
    book.placeOrder(False, 10_000, E18, sender=alice)
    book.buyBase(E18, MAX_TICK, MAX_UINT, 1, taker, sender=taker)
    # Taker 0.07% of 1 USDe; maker 0.05% of 1 USDT.
    assert tuple(book.accruedFees()) == (7 * 10**14, 500)
    receipt = book.collectFees(keeper, sender=deployer)
    assert transfers(receipt) == [
        (base.address, book.address, keeper.address, 7 * 10**14),
        (quote.address, book.address, keeper.address, 500),
    ]
    assert tuple(book.accruedFees()) == (0, 0)
