"""UnifiedMarginVenue on order books: a collateral asset listed with an OrderBook is liquidated by ONE market
order at any price, capped in levels; only the base that filled leaves the group (OrderBookMirror predicts every
amount to the wei), the unsold rest waits for the next call; book listing is validated; liquidatedVolume adds
proceeds and closed notional; repayDeficit gives written-off bad debt back to the lenders exactly."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.orderbook import OrderBookMirror
from sim.mirrors.venue import BookSale, liquidate_cross

from .conftest import BOOK_USDT, E6, E18, FEE_BPS, INSURANCE, REWARD_BPS, USD

TICK = 10**14  # 0.0001 USDT per ALT
MIN_BASE = 10**12
MAKER_PIPS, TAKER_PIPS = 1_000, 2_000
MAX_UINT = 2**256 - 1
ALT_PRICE = 2 * USD


@pytest.fixture(scope="module", autouse=True)
def _book_setup_first(alt_book: Any, maker: Any, venue: Any) -> None:
    """Deploy the ALT book and list it before the module's snapshot (ape never rebases the module)."""


@pytest.fixture(scope="module")
def alt(create_token: Any, oracle: Any, deployer: Any) -> Any:
    token = create_token("ALT", 18)
    oracle.setFixedPrice(token, ALT_PRICE, sender=deployer)
    return token


@pytest.fixture(scope="module")
def new_book(project: Any, deployer: Any) -> Any:
    def _new(base: Any, quote: Any) -> Any:
        return project.OrderBook.deploy(base, quote, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS, sender=deployer)

    return _new


@pytest.fixture(scope="module")
def alt_book(new_book: Any, alt: Any, usdt: Any, venue: Any, deployer: Any) -> Any:
    book = new_book(alt, usdt)
    # A v2 pair is no longer needed: setAssetConfig detects the book and sets onBook.
    venue.setAssetConfig(alt, 5_000, book, False, 0, 0, sender=deployer)
    return book


@pytest.fixture(scope="module")
def maker(accounts: Any, deployer: Any, usdt: Any, alt_book: Any) -> Any:
    account = accounts[6]
    usdt.mint(account, 10**9 * E6, sender=deployer)
    usdt.approve(alt_book, MAX_UINT, sender=account)
    return account


def mirror() -> OrderBookMirror:
    return OrderBookMirror(18, 6, TICK, MIN_BASE, MAKER_PIPS, TAKER_PIPS)


def bid(book: Any, model: OrderBookMirror, maker: Any, tick: int, amount: int) -> None:
    """The same bid on the book and on its mirror."""
    book.placeOrder(True, tick, amount, sender=maker)
    model.place_order(maker.address, True, tick, amount)


def levels_of(book: Any) -> list[tuple[int, int, int]]:
    return [(lv.tick, lv.baseVolume, lv.orderCount) for lv in book.levels(True, 100)]


def mirror_levels(model: OrderBookMirror) -> list[tuple[int, int, int]]:
    return [(lv.tick, lv.base_volume, lv.order_count) for lv in model.levels(True)]


def levered(venue: Any, usdt: Any, alt: Any, account: Any, deposit: Any, amount: int, loan: int) -> None:
    """`account` deposits `amount` ALT, borrows `loan` USDT and takes it out."""
    deposit(account, alt, amount)
    venue.borrow(usdt, loan, sender=account)
    venue.withdraw(usdt, loan, sender=account)


def expected_liquidation(
    model: OrderBookMirror, amount: int, debt: int, levels: int = 64, fund: int = INSURANCE
) -> Any:
    return liquidate_cross(
        quote_balance=0,
        quote_debt=debt,
        sales=[BookSale(amount, model, levels)],
        perps=[],
        fee_bps=FEE_BPS,
        reward_bps=REWARD_BPS,
        insurance_fund=fund,
    )


def test_setting_a_book_lists_the_asset_on_it(venue: Any, alt: Any, alt_book: Any) -> None:
    config = venue.getAssetConfig(alt)
    assert (config.pool, config.onBook, config.borrowable, config.collateralRatioBps) == (
        alt_book.address,
        True,
        False,
        5_000,
    )
    assert alt.allowance(venue, alt_book) == MAX_UINT
    assert venue.liquidationMaxLevels() == 64


def test_liquidation_sells_by_one_market_order_and_keeps_the_unsold_rest(
    venue: Any,
    usdt: Any,
    alt: Any,
    alt_book: Any,
    maker: Any,
    bob: Any,
    liquidator: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    model = mirror()
    bid(alt_book, model, maker, 19_000, 600 * E18)  # 1.90
    bid(alt_book, model, maker, 2_000, 400 * E18)  # a stub bid at 0.20
    levered(venue, usdt, alt, bob, deposit, 5_000 * E18, 4_000 * E6)
    set_price(alt, 90_000_000)  # 5,000 x 0.9 x 50% = 2,250 < 4,000 owed
    first = expected_liquidation(model, 5_000 * E18, 4_000 * E6)
    assert first.base_sold == [1_000 * E18] and first.proceeds == 1_217_560_000  # 1,220 less the 0.2% fee
    assert first.bad_debt == 0 and first.insurance_used == 0 and first.debt_left > 0

    receipt = venue.liquidate(bob, sender=liquidator)

    [sold] = list(receipt.decode_logs(venue.CollateralSold))
    assert (sold.account, sold.asset, sold.amountIn, sold.amountOut, sold.pool) == (
        bob.address,
        alt.address,
        1_000 * E18,
        first.proceeds,
        alt_book.address,
    )
    [order] = list(receipt.decode_logs(alt_book.MarketOrder))
    assert (order.taker, order.recipient, order.baseAmount, order.levels) == (
        venue.address,
        venue.address,
        1_000 * E18,
        2,
    )
    [done] = list(receipt.decode_logs(venue.LiquidationCompleted))
    assert (done.proceeds, done.fee, done.reward) == (first.proceeds, first.fee, first.reward)
    model.sell_base(5_000 * E18, 1, 0, 64)
    assert levels_of(alt_book) == mirror_levels(model) == []
    # The unsold 4,000 ALT stay in Bob's group (and in the venue); the debt is what the sale could not repay.
    assert venue.balanceOf(bob, 0, alt) == 4_000 * E18 == alt.balanceOf(venue)
    assert venue.balanceOf(bob, 0, usdt) == first.quote_left == 0
    assert venue.debtOf(bob, 0, usdt) == first.debt_left
    assert list(receipt.decode_logs(venue.BadDebt)) == []
    assert venue.liquidatedVolume() == first.liquidated_usd == 1_217_56 * USD // 100
    assert venue.isLiquidatable(bob)

    # The book refills: the next call sells the rest.
    bid(alt_book, model, maker, 8_000, 5_000 * E18)  # 0.80
    second = expected_liquidation(model, 4_000 * E18, first.debt_left)
    receipt = venue.liquidate(bob, sender=liquidator)

    [sold] = list(receipt.decode_logs(venue.CollateralSold))
    assert (sold.amountIn, sold.amountOut) == (4_000 * E18, second.proceeds)
    model.sell_base(4_000 * E18, 1, 0, 64)
    assert levels_of(alt_book) == mirror_levels(model) == [(8_000, 1_000 * E18, 1)]
    assert venue.balanceOf(bob, 0, alt) == 0 == alt.balanceOf(venue)
    assert venue.balanceOf(bob, 0, usdt) == second.quote_left > 0
    assert venue.debtOf(bob, 0, usdt) == 0
    assert venue.insuranceFund() == INSURANCE + first.fee + second.fee
    assert venue.liquidatedVolume() == first.liquidated_usd + second.liquidated_usd
    assert usdt.balanceOf(liquidator) == first.reward + second.reward
    assert not venue.isLiquidatable(bob)


def test_the_level_cap_bounds_the_order_and_an_empty_book_sells_nothing(
    venue: Any,
    usdt: Any,
    alt: Any,
    alt_book: Any,
    maker: Any,
    deployer: Any,
    bob: Any,
    liquidator: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    receipt = venue.setLiquidationMaxLevels(2, sender=deployer)
    assert [e.levels for e in receipt.decode_logs(venue.LiquidationMaxLevelsSet)] == [2]
    assert venue.liquidationMaxLevels() == 2
    levered(venue, usdt, alt, bob, deposit, 5_000 * E18, 4_000 * E6)
    set_price(alt, 90_000_000)

    # No bid: the market order would fill nothing, and with no position to close and no quote to repay with,
    # the call changes nothing: it reverts NothingToLiquidate (the mirror says so too), the group keeps everything.
    assert not expected_liquidation(mirror(), 5_000 * E18, 4_000 * E6, levels=2).acted
    with ape.reverts(venue.NothingToLiquidate, account=bob.address):
        venue.liquidate(bob, sender=liquidator)
    assert venue.balanceOf(bob, 0, alt) == 5_000 * E18
    assert venue.debtOf(bob, 0, usdt) == 4_000 * E6
    assert venue.liquidatedVolume() == 0

    model = mirror()
    for tick in (19_000, 18_000, 17_000):
        bid(alt_book, model, maker, tick, 100 * E18)
    expected = expected_liquidation(model, 5_000 * E18, 4_000 * E6, levels=2)
    assert expected.base_sold == [200 * E18]
    receipt = venue.liquidate(bob, sender=liquidator)
    [sold] = list(receipt.decode_logs(venue.CollateralSold))
    assert (sold.amountIn, sold.amountOut) == (200 * E18, expected.proceeds)
    model.sell_base(5_000 * E18, 1, 0, 2)
    assert levels_of(alt_book) == mirror_levels(model) == [(17_000, 100 * E18, 1)]
    assert venue.balanceOf(bob, 0, alt) == 4_800 * E18

    with ape.reverts(venue.InvalidParameter):
        venue.setLiquidationMaxLevels(0, sender=deployer)
    with ape.reverts(venue.NotOwner, caller=bob.address):
        venue.setLiquidationMaxLevels(5, sender=bob)


def test_bad_debt_on_a_book_asset_and_repay_deficit_gives_the_lenders_their_value_back(
    venue: Any,
    usdt: Any,
    alt: Any,
    alt_book: Any,
    maker: Any,
    deployer: Any,
    bob: Any,
    carol: Any,
    liquidator: Any,
    deposit: Any,
    fund: Any,
    set_price: Any,
) -> None:
    model = mirror()
    bid(alt_book, model, maker, 1_000, 20_000 * E18)  # only stub bids at 0.10
    levered(venue, usdt, alt, bob, deposit, 20_000 * E18, 9_000 * E6)
    set_price(alt, 50_000_000)
    expected = expected_liquidation(model, 20_000 * E18, 9_000 * E6)
    assert expected.base_sold == [20_000 * E18] and expected.proceeds == 1_996 * E6
    assert expected.insurance_used == INSURANCE and expected.bad_debt > 0

    receipt = venue.liquidate(bob, sender=liquidator)

    [bad] = list(receipt.decode_logs(venue.BadDebt))
    assert (bad.account, bad.asset, bad.amount) == (bob.address, usdt.address, expected.bad_debt)
    book = venue.getBook(usdt)
    assert (book.available, book.borrowed, book.deficit) == (
        BOOK_USDT - expected.bad_debt,
        0,
        expected.bad_debt,
    )
    assert venue.debtOf(bob, 0, usdt) == 0 and venue.balanceOf(bob, 0, alt) == 0

    fund(carol, usdt, 10**6 * E6)
    with ape.reverts(venue.ZeroAmount):
        venue.repayDeficit(usdt, 0, sender=carol)
    part = 1_000 * E6
    receipt = venue.repayDeficit(usdt, part, sender=carol)
    [event] = list(receipt.decode_logs(venue.DeficitRepaid))
    assert (event.payer, event.asset, event.amount) == (carol.address, usdt.address, part)
    receipt = venue.repayDeficit(usdt, 10**6 * E6, sender=carol)  # more than is owed: only the rest is taken
    [event] = list(receipt.decode_logs(venue.DeficitRepaid))
    assert event.amount == expected.bad_debt - part
    assert usdt.balanceOf(carol) == 10**6 * E6 - expected.bad_debt
    book = venue.getBook(usdt)
    assert (book.available, book.borrowed, book.deficit) == (BOOK_USDT, 0, 0)
    with ape.reverts(venue.ZeroAmount):
        venue.repayDeficit(usdt, 1, sender=carol)
    # The only lender takes back every unit it supplied.
    shares = venue.bookShares(usdt, deployer)
    before = usdt.balanceOf(deployer)
    venue.withdrawLiquidity(usdt, shares, sender=deployer)
    assert usdt.balanceOf(deployer) - before == BOOK_USDT


def test_book_listing_is_validated(
    venue: Any,
    new_book: Any,
    usdt: Any,
    usde: Any,
    wbeth: Any,
    usdc: Any,
    weth: Any,
    alt: Any,
    alt_book: Any,
    pools: dict[str, Any],
    deployer: Any,
    bob: Any,
) -> None:
    wbeth_book = new_book(wbeth, usdt)
    with ape.reverts(venue.NotOwner, caller=bob.address):
        venue.setAssetBook(wbeth, wbeth_book, sender=bob)
    # A book asset cannot be borrowable, either way it is set.
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetConfig(alt, 5_000, alt_book, True, 1_000, 500, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(usdc, new_book(usdc, usdt), sender=deployer)
    # The quote, an unlisted asset, a book of another base or another quote, a pair: refused.
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(usdt, alt_book, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(weth, new_book(weth, usdt), sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(wbeth, alt_book, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(alt, new_book(alt, usdc), sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetConfig(wbeth, 9_000, alt_book, False, 0, 0, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetBook(wbeth, pools["wBETH"], sender=deployer)

    receipt = venue.setAssetBook(wbeth, wbeth_book, sender=deployer)
    assert [(e.asset, e.book) for e in receipt.decode_logs(venue.AssetBookSet)] == [
        (wbeth.address, wbeth_book.address)
    ]
    config = venue.getAssetConfig(wbeth)
    assert (config.pool, config.onBook, config.collateralRatioBps) == (wbeth_book.address, True, 9_000)
    assert wbeth.allowance(venue, wbeth_book) == MAX_UINT
    # Back to its pair: detected as a pair, the book's allowance revoked, no AssetBookSet.
    receipt = venue.setAssetConfig(wbeth, 9_000, pools["wBETH"], False, 0, 0, sender=deployer)
    assert list(receipt.decode_logs(venue.AssetBookSet)) == []
    config = venue.getAssetConfig(wbeth)
    assert (config.pool, config.onBook) == (pools["wBETH"].address, False)
    assert wbeth.allowance(venue, wbeth_book) == 0
    assert venue.getAssetConfig(usde).onBook is False
    assert venue.getAssetConfig(usdt).onBook is False
