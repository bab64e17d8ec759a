"""PriceOracle on order books: a book's mid or last trade (each falling back to the other, EmptyBook when the
book has neither) times the book quote's price, and the weighted median of pairs and books across venues."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.oracle import book_price, book_usd, spot_price, weighted_median

E18 = 10**18
E6 = 10**6
TICK = 10**14  # 0.0001 quote per base
USDT_PRICE = 99_900_000  # $0.999: the conversion by the quote's price is visible
USDC_PRICE = 100_000_000
BOOK_MID, BOOK_LAST, MEDIAN = 7, 8, 9
PAIR, MID, LAST = 0, 1, 2
ZERO = "0x0000000000000000000000000000000000000000"
MAX_UINT = 2**256 - 1


@pytest.fixture(scope="module", autouse=True)
def _setup_first(
    oracle: Any, books: dict[str, Any], pair: Any, empty_pair: Any, alice: Any, bob: Any
) -> None:
    """Deploy the shared contracts before ape snapshots the module."""


@pytest.fixture(scope="module")
def books(
    project: Any, deployer: Any, oracle: Any, usde: Any, usdt: Any, usdc: Any, alice: Any, bob: Any
) -> dict[str, Any]:
    """Books of USDe: a, b and empty against USDT, c against USDC; alice makes, bob takes."""
    oracle.setFixedPrice(usdt, USDT_PRICE, sender=deployer)
    oracle.setFixedPrice(usdc, USDC_PRICE, sender=deployer)
    quotes = {"a": usdt, "b": usdt, "c": usdc, "empty": usdt}
    created = {
        name: project.OrderBook.deploy(usde, quote, TICK, 10**12, 0, 0, sender=deployer)
        for name, quote in quotes.items()
    }
    for token in (usde, usdt, usdc):
        for account in (alice, bob):
            token.mint(account, 10**12 * 10 ** token.decimals(), sender=deployer)
            for book in created.values():
                token.approve(book, MAX_UINT, sender=account)
    return created


@pytest.fixture(scope="module")
def factory(project: Any, deployer: Any) -> Any:
    return project.ConstantProductFactory.deploy(deployer, sender=deployer)


@pytest.fixture(scope="module")
def pair(project: Any, factory: Any, deployer: Any, usde: Any, usdt: Any) -> Any:
    """USDe/USDT at 0.80: 1,000,000 USDe against 800,000 USDT."""
    factory.createPair(usde, usdt, sender=deployer)
    contract = project.ConstantProductPool.at(factory.getPair(usde, usdt))
    usde.mint(contract, 1_000_000 * E18, sender=deployer)
    usdt.mint(contract, 800_000 * E6, sender=deployer)
    contract.mint(deployer, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def empty_pair(project: Any, factory: Any, deployer: Any, usde: Any, weth: Any) -> Any:
    factory.createPair(usde, weth, sender=deployer)
    return project.ConstantProductPool.at(factory.getPair(usde, weth))


def quotes(book: Any, maker: Any, bid_tick: int, ask_tick: int) -> None:
    book.placeOrder(True, bid_tick, 1_000 * E18, sender=maker)
    book.placeOrder(False, ask_tick, 1_000 * E18, sender=maker)


def test_book_mid_and_last_trade_with_their_fallbacks(
    oracle: Any, books: dict[str, Any], usde: Any, usdt: Any, weth: Any, alice: Any, bob: Any, deployer: Any
) -> None:
    book = books["a"]
    with ape.reverts(oracle.PoolMismatch, pool=book.address, asset=weth.address, quote=usdt.address):
        oracle.setBookSource(weth, book, False, sender=deployer)
    with ape.reverts(oracle.NotOwner, caller=alice.address):
        oracle.setBookSource(usde, book, False, sender=alice)
    receipt = oracle.setBookSource(usde, book, False, sender=deployer)
    [event] = list(receipt.decode_logs(oracle.SourceSet))
    assert (event.asset, event.kind, event.ref, event.quote, event.param) == (
        usde.address,
        BOOK_MID,
        book.address,
        usdt.address,
        0,
    )
    assert oracle.sourceKind(usde) == BOOK_MID
    with ape.reverts(oracle.EmptyBook, book=book.address):
        oracle.getAssetPrice(usde)
    book.placeOrder(True, 9_000, 1_000 * E18, sender=alice)  # one side: no mid, no trade yet
    with ape.reverts(oracle.EmptyBook, book=book.address):
        oracle.getAssetPrice(usde)
    book.placeOrder(False, 9_100, 1_000 * E18, sender=alice)
    mid = book.midPrice()
    assert mid == 905 * E18 // 1_000
    assert oracle.getAssetPrice(usde) == book_usd(mid, USDT_PRICE) == 90_409_500
    assert oracle.getSpotPrice(usde) == 90_409_500
    assert oracle.lastUpdate(usde) == 0  # nothing traded

    oracle.setBookSource(usde, book, True, sender=deployer)
    assert oracle.sourceKind(usde) == BOOK_LAST
    assert oracle.getAssetPrice(usde) == 90_409_500  # no trade yet: the mid
    receipt = book.sellBase(10 * E18, 1, 0, 8, bob, sender=bob)  # trades at the bid, 0.90
    assert (
        oracle.getAssetPrice(usde) == book_usd(book_price(mid, 9 * E18 // 10, True), USDT_PRICE) == 89_910_000
    )
    assert oracle.lastUpdate(usde) == receipt.timestamp

    receipt = book.buyBase(1_000 * E18, 9_100, MAX_UINT, 8, bob, sender=bob)  # the ask side empties at 0.91
    oracle.setBookSource(usde, book, False, sender=deployer)
    assert book.midPrice() == 0
    assert (
        oracle.getAssetPrice(usde)
        == book_usd(book_price(0, 91 * E18 // 100, False), USDT_PRICE)
        == 90_909_000
    )
    assert oracle.lastUpdate(usde) == receipt.timestamp


def test_weighted_median_across_pairs_and_books(
    oracle: Any, books: dict[str, Any], pair: Any, usde: Any, alice: Any, deployer: Any
) -> None:
    quotes(books["a"], alice, 9_000, 9_100)  # 0.905 USDT
    quotes(books["b"], alice, 9_500, 9_700)  # 0.96 USDT
    quotes(books["c"], alice, 9_900, 10_100)  # 1.00 USDC
    prices = {
        "pair": spot_price(1_000_000 * E18, 800_000 * E6, 18, 6, USDT_PRICE),
        "a": book_usd(905 * E18 // 1_000, USDT_PRICE),
        "b": book_usd(96 * E18 // 100, USDT_PRICE),
        "c": book_usd(E18, USDC_PRICE),
        "empty": None,
    }
    assert [prices[k] for k in ("pair", "a", "b", "c")] == [79_920_000, 90_409_500, 95_904_000, 100_000_000]
    refs = {"pair": pair, **books}

    def median(*items: tuple[str, int, int]) -> int:
        constituents = [(refs[name].address, kind, weight) for name, kind, weight in items]
        receipt = oracle.setMedianSource(usde, constituents, sender=deployer)
        [event] = list(receipt.decode_logs(oracle.SourceSet))
        assert (event.kind, event.ref, event.quote, event.param) == (
            MEDIAN,
            constituents[0][0],
            ZERO,
            len(items),
        )
        stored = [(c.ref, c.kind, c.weight) for c in oracle.getMedianConstituents(usde)]
        assert stored == constituents
        expected = weighted_median([(prices[name], weight) for name, _, weight in items])
        assert expected is not None
        price = int(oracle.getAssetPrice(usde))
        assert price == expected == oracle.getSpotPrice(usde)
        return price

    # Odd count: the middle one; even count: the lower middle (cumulative * 2 reaches the total there).
    assert median(("b", MID, 1), ("pair", PAIR, 1), ("a", MID, 1)) == 90_409_500
    assert median(("c", MID, 1), ("b", MID, 1), ("pair", PAIR, 1), ("a", MID, 1)) == 90_409_500
    # Weights move it: a heavy constituent wins from either end.
    assert median(("pair", PAIR, 1), ("a", MID, 1), ("b", MID, 1), ("c", MID, 5)) == 100_000_000
    assert median(("c", MID, 1), ("b", MID, 1), ("pair", PAIR, 5)) == 79_920_000
    assert median(("a", MID, 3), ("b", MID, 3)) == 90_409_500  # exactly half: the lower one
    # Ties: the same book by mid and by last (no trade: its mid) count twice at one price.
    assert median(("b", MID, 1), ("a", LAST, 1), ("a", MID, 1)) == 90_409_500
    # An empty book is left out with its weight, however heavy.
    assert median(("empty", MID, 100), ("pair", PAIR, 1), ("b", MID, 1), ("c", MID, 1)) == 95_904_000
    assert oracle.lastUpdate(usde) == pair.getReserves()[2]  # no book traded: the pair's last update


def test_median_with_no_price_left_reverts_and_bad_constituents_are_refused(
    oracle: Any,
    books: dict[str, Any],
    pair: Any,
    empty_pair: Any,
    usde: Any,
    usdt: Any,
    weth: Any,
    deployer: Any,
) -> None:
    oracle.setMedianSource(
        usde, [(books["empty"].address, MID, 1), (empty_pair.address, PAIR, 2)], sender=deployer
    )
    with ape.reverts(oracle.NoConstituentPrice, asset=usde.address):
        oracle.getAssetPrice(usde)
    one = (pair.address, PAIR, 1)
    for bad in ([], [one] * 9, [(pair.address, 3, 1)], [(pair.address, PAIR, 0)], [(ZERO, MID, 1)]):
        with ape.reverts(oracle.InvalidParameter):
            oracle.setMedianSource(usde, bad, sender=deployer)
    with ape.reverts(oracle.PoolMismatch, pool=pair.address, asset=weth.address, quote=ZERO):
        oracle.setMedianSource(weth, [one], sender=deployer)
    with ape.reverts(oracle.PoolMismatch, pool=books["a"].address, asset=weth.address, quote=usdt.address):
        oracle.setMedianSource(weth, [(books["a"].address, LAST, 1)], sender=deployer)
    # Another kind leaves no constituents to read.
    oracle.setBookSource(usde, books["a"], False, sender=deployer)
    assert list(oracle.getMedianConstituents(usde)) == []


def test_index_with_its_spot_leg_on_a_book(
    oracle: Any, books: dict[str, Any], pair: Any, usde: Any, usdt: Any, usdc: Any, alice: Any, deployer: Any
) -> None:
    """A 20% spot / 80% conversion-rate index whose spot leg is a book's mid (Binance's wBETH index over its own
    book), exact; a book of another quote is refused, an empty one reverts EmptyBook, a pair is still a pair."""
    book, rate = books["a"], 98 * E18 // 100
    with ape.reverts(oracle.PoolMismatch, pool=books["c"].address, asset=usde.address, quote=usdt.address):
        oracle.setIndexSource(usde, books["c"], usdt, 2_000, usdc, rate, sender=deployer)
    oracle.setIndexSource(usde, books["empty"], usdt, 2_000, usdc, rate, sender=deployer)
    with ape.reverts(oracle.EmptyBook, book=books["empty"].address):
        oracle.getAssetPrice(usde)
    oracle.setIndexSource(usde, book, usdt, 2_000, usdc, rate, sender=deployer)
    quotes(book, alice, 9_000, 9_100)  # mid 0.905 USDT
    spot = book_usd(book.midPrice(), USDT_PRICE)
    converted = rate * USDC_PRICE // E18
    assert spot == 90_409_500 and converted == 98_000_000
    expected = (spot * 2_000 + converted * 8_000) // 10_000
    assert oracle.getAssetPrice(usde) == expected == 96_481_900
    assert oracle.getSpotPrice(usde) == spot
    oracle.setIndexSource(usde, pair, usdt, 2_000, usdc, rate, sender=deployer)  # a pair's spot, as before
    pair_spot = spot_price(1_000_000 * E18, 800_000 * E6, 18, 6, USDT_PRICE)
    assert oracle.getAssetPrice(usde) == (pair_spot * 2_000 + converted * 8_000) // 10_000
