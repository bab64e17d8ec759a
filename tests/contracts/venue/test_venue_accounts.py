"""UnifiedMarginVenue accounts: configuration, deposits and withdrawals, the stable book, perpetual positions and
the exact equity / maintenance of a multi-asset account against the mirror."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.venue import Collateral, Debt, Perp, group_health, trade

from .conftest import BOOK_USDT, E6, E9, E18, INSURANCE, USD, ZERO


def test_quote_is_asset_zero_with_a_full_ratio_and_a_book(venue: Any, usdt: Any, deployer: Any) -> None:
    config = venue.getAssetConfig(usdt)
    assert (config.listed, config.id, config.decimals, config.collateralRatioBps) == (True, 0, 6, 10_000)
    assert venue.quote() == usdt.address
    assert venue.listedAssets()[0] == usdt.address
    assert venue.getBook(usdt).available == BOOK_USDT
    assert venue.bookShares(usdt, deployer) == BOOK_USDT
    assert venue.insuranceFund() == INSURANCE == usdt.balanceOf(venue) - BOOK_USDT


def test_only_the_owner_configures(venue: Any, usde: Any, pools: Any, weth: Any, alice: Any) -> None:
    with ape.reverts(venue.NotOwner, caller=alice.address):
        venue.setAssetConfig(usde, 10_000, pools["USDe"], False, 0, 0, sender=alice)
    with ape.reverts(venue.NotOwner):
        venue.setMarketConfig(weth, 1_000, 500, True, sender=alice)
    with ape.reverts(venue.NotOwner):
        venue.setGradualLiquidation(2_500, 500, 0, sender=alice)
    with ape.reverts(venue.NotOwner):
        venue.setCircuitBreaker(ZERO, sender=alice)


def test_an_asset_needs_its_own_quote_pool(venue: Any, usde: Any, pools: Any, deployer: Any) -> None:
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetConfig(usde, 9_500, pools["wBETH"], False, 0, 0, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetConfig(usde, 9_500, ZERO, False, 0, 0, sender=deployer)
    with ape.reverts(venue.InvalidParameter):
        venue.setAssetConfig(usde, 10_001, pools["USDe"], False, 0, 0, sender=deployer)


def test_deposit_and_withdraw_move_tokens_and_emit(venue: Any, usde: Any, alice: Any, deposit: Any) -> None:
    receipt = deposit(alice, usde, 1_000 * E18)
    [event] = list(receipt.decode_logs(venue.Deposit))
    assert (event.account, event.asset, event.amount) == (alice.address, usde.address, 1_000 * E18)
    assert venue.balanceOf(alice, 0, usde) == 1_000 * E18
    receipt = venue.withdraw(usde, 400 * E18, sender=alice)
    [event] = list(receipt.decode_logs(venue.Withdraw))
    assert event.amount == 400 * E18
    assert venue.balanceOf(alice, 0, usde) == 600 * E18
    assert usde.balanceOf(alice) == 400 * E18
    with ape.reverts(
        venue.InsufficientAccountBalance, asset=usde.address, balance=600 * E18, needed=601 * E18
    ):
        venue.withdraw(usde, 601 * E18, sender=alice)


def test_unlisted_and_zero_ratio_assets_are_refused(
    venue: Any, weth: Any, usde: Any, pools: Any, alice: Any, fund: Any, deployer: Any
) -> None:
    fund(alice, weth, E18)
    with ape.reverts(venue.AssetNotListed, asset=weth.address):
        venue.deposit(weth, E18, sender=alice)
    venue.setAssetConfig(usde, 0, pools["USDe"], False, 0, 0, sender=deployer)
    fund(alice, usde, E18)
    with ape.reverts(venue.NotCollateral, asset=usde.address):
        venue.deposit(usde, E18, sender=alice)


def test_borrow_and_repay_move_the_book(venue: Any, usdt: Any, usde: Any, alice: Any, deposit: Any) -> None:
    deposit(alice, usde, 10_000 * E18)
    receipt = venue.borrow(usdt, 8_000 * E6, sender=alice)
    [event] = list(receipt.decode_logs(venue.Borrow))
    assert (event.asset, event.amount, event.group) == (usdt.address, 8_000 * E6, 0)
    book = venue.getBook(usdt)
    assert (book.available, book.borrowed) == (BOOK_USDT - 8_000 * E6, 8_000 * E6)
    assert venue.debtOf(alice, 0, usdt) == 8_000 * E6
    assert venue.balanceOf(alice, 0, usdt) == 8_000 * E6
    venue.repay(usdt, 3_000 * E6, sender=alice)
    assert venue.debtOf(alice, 0, usdt) == 5_000 * E6
    assert venue.getBook(usdt).available == BOOK_USDT - 5_000 * E6
    venue.repay(usdt, 2**256 - 1, sender=alice)  # repays all it can: the whole debt
    assert venue.debtOf(alice, 0, usdt) == 0
    assert venue.balanceOf(alice, 0, usdt) == 0
    assert venue.getBook(usdt).borrowed == 0


def test_borrow_and_withdraw_stop_at_initial_margin(
    venue: Any, usdt: Any, usde: Any, alice: Any, deposit: Any
) -> None:
    deposit(alice, usde, 10_000 * E18)  # worth 9,500 at a 95% ratio
    venue.borrow(usdt, 8_000 * E6, sender=alice)
    # Equity stays 9,500 while the borrowed USDT sits in the account; IM is 10% of the 8,000 debt.
    venue.withdraw(usdt, 8_000 * E6, sender=alice)
    assert venue.accountEquity(alice) == 1_500 * USD
    assert venue.initialRequirement(alice) == 800 * USD
    venue.borrow(usdt, 700 * E6, sender=alice)  # equity still 1,500 against IM 870
    with ape.reverts(venue.BelowInitialMargin, account=alice.address, group=0, equity=800 * USD):
        venue.withdraw(usdt, 700 * E6, sender=alice)
    with ape.reverts(venue.BelowInitialMargin, initialRequirement=870 * USD):
        venue.withdraw(usde, 800 * E18, sender=alice)  # 760 less equity: 740 < 870


def test_borrowing_needs_a_borrowable_asset_and_liquidity(
    venue: Any, usdt: Any, usde: Any, alice: Any, deposit: Any
) -> None:
    deposit(alice, usde, 10_000 * E18)
    with ape.reverts(venue.NotBorrowable, asset=usde.address):
        venue.borrow(usde, E18, sender=alice)
    with ape.reverts(venue.InsufficientLiquidity, asset=usdt.address, available=BOOK_USDT):
        venue.borrow(usdt, BOOK_USDT + 1, sender=alice)


def test_equity_and_maintenance_of_a_multi_asset_account(
    venue: Any,
    usdt: Any,
    usde: Any,
    wbeth: Any,
    bnsol: Any,
    weth: Any,
    alice: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    deposit(alice, usdt, 1_000 * E6)
    deposit(alice, usde, 2_000 * E18)
    deposit(alice, wbeth, 3 * E18 // 2)
    deposit(alice, bnsol, 20 * E9)
    venue.borrow(usdt, 500 * E6, sender=alice)
    venue.openPosition(weth, 2 * E18, sender=alice)
    set_price(weth, 4_300 * USD)
    # USDT 1,500 + USDe 2,000 x 95% + wBETH 1.5 x 4,400 x 90% + BNSOL 20 x 200 x 50% - debt 500 + PnL -200
    assert venue.accountEquity(alice) == (1_500 + 1_900 + 5_940 + 2_000 - 500 - 200) * USD
    # debt 500 x 5% + notional 8,600 x 5%; initial at 10%
    assert venue.maintenanceRequirement(alice) == (25 + 430) * USD
    assert venue.initialRequirement(alice) == (50 + 860) * USD
    assert not venue.isLiquidatable(alice)
    account = venue.getAccount(alice)
    assert not account.isolated
    [group] = account.groups
    assert {tuple(c) for c in group.collaterals} == {
        (usdt.address, 1_500 * E6),
        (usde.address, 2_000 * E18),
        (wbeth.address, 3 * E18 // 2),
        (bnsol.address, 20 * E9),
    }
    assert [tuple(d) for d in group.debts] == [(usdt.address, 500 * E6)]
    # Structs nested in arrays decode as tuples: (market, size, entryPrice, markPrice, unrealizedPnl)
    assert [tuple(p) for p in group.positions] == [
        (weth.address, 2 * E18, 4_400 * USD, 4_300 * USD, -200 * USD)
    ]
    assert (group.equity, group.maintenance, group.initial) == (10_640 * USD, 455 * USD, 910 * USD)


def test_odd_prices_round_as_the_mirror(
    venue: Any,
    usdt: Any,
    usde: Any,
    bnsol: Any,
    weth: Any,
    alice: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    prices = {"usde": 99_870_001, "bnsol": 201_23_456_789, "eth": 4_321_12_345_678}
    set_price(usde, prices["usde"])
    set_price(bnsol, prices["bnsol"])
    set_price(weth, prices["eth"])
    deposit(alice, usdt, 1_234_567_891)
    deposit(alice, usde, 2_345 * E18 + 123_456_789)
    deposit(alice, bnsol, 17 * E9 + 333)
    venue.borrow(usdt, 777_777_777, sender=alice)
    venue.openPosition(weth, -(E18 + 987_654_321), sender=alice)
    set_price(weth, 4_400_99_999_999)
    expected = group_health(
        [
            Collateral(1_234_567_891 + 777_777_777, USD, 6, 10_000),
            Collateral(2_345 * E18 + 123_456_789, prices["usde"], 18, 9_500),
            Collateral(17 * E9 + 333, prices["bnsol"], 9, 5_000),
        ],
        [Debt(777_777_777, USD, 6, 1_000, 500)],
        [Perp(-(E18 + 987_654_321), prices["eth"], 4_400_99_999_999, 1_000, 500)],
    )
    assert venue.groupHealth(alice, 0) == (expected.equity, expected.maintenance, expected.initial)


def test_position_increase_averages_the_entry(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 10_000 * E6)
    venue.openPosition(weth, E18, sender=alice)
    set_price(weth, 4_401 * USD)
    receipt = venue.openPosition(weth, 2 * E18, sender=alice)
    # (1 x 4,400 + 2 x 4,401) / 3 = 4,400.666... rounded up against the long
    expected = trade(E18, 4_400 * USD, 2 * E18, 4_401 * USD)
    assert expected.entry_price == 4_400_66_666_667
    position = venue.getPosition(alice, weth)
    assert (position.size, position.entryPrice) == (3 * E18, expected.entry_price)
    [event] = list(receipt.decode_logs(venue.PositionChanged))
    assert (event.sizeDelta, event.newSize, event.price, event.realizedPnl) == (
        2 * E18,
        3 * E18,
        4_401 * USD,
        0,
    )


def test_reduce_realizes_profit_from_the_quote_book(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 1_000 * E6)
    venue.openPosition(weth, -2 * E18, sender=alice)
    set_price(weth, 4_000 * USD)
    receipt = venue.openPosition(weth, E18 // 2, sender=alice)
    [event] = list(receipt.decode_logs(venue.PositionChanged))
    assert (event.newSize, event.realizedPnl) == (-3 * E18 // 2, 200 * USD)  # 0.5 x (4,400 - 4,000)
    assert venue.balanceOf(alice, 0, usdt) == 1_200 * E6
    assert venue.getBook(usdt).available == BOOK_USDT - 200 * E6
    assert venue.getPosition(alice, weth).entryPrice == 4_400 * USD


def test_a_flip_closes_then_opens_the_rest_at_the_price(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 2_000 * E6)
    venue.openPosition(weth, E18, sender=alice)
    set_price(weth, 4_500 * USD)
    receipt = venue.openPosition(weth, -3 * E18, sender=alice)
    [event] = list(receipt.decode_logs(venue.PositionChanged))
    assert (event.newSize, event.realizedPnl) == (-2 * E18, 100 * USD)
    position = venue.getPosition(alice, weth)
    assert (position.size, position.entryPrice) == (-2 * E18, 4_500 * USD)
    assert venue.balanceOf(alice, 0, usdt) == 2_100 * E6


def test_a_loss_beyond_the_quote_balance_becomes_quote_debt(
    venue: Any, usdt: Any, usde: Any, weth: Any, alice: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 100 * E6)
    deposit(alice, usde, 10_000 * E18)
    venue.openPosition(weth, 10 * E18, sender=alice)
    set_price(weth, 4_350 * USD)
    receipt = venue.openPosition(weth, -10 * E18, sender=alice)  # realizes -500: 100 paid, 400 owed
    [event] = list(receipt.decode_logs(venue.LossBorrowed))
    assert (event.account, event.group, event.amount) == (alice.address, 0, 400 * E6)
    assert venue.balanceOf(alice, 0, usdt) == 0
    assert venue.debtOf(alice, 0, usdt) == 400 * E6
    book = venue.getBook(usdt)
    assert (book.available, book.borrowed) == (BOOK_USDT + 100 * E6, 400 * E6)


def test_increases_need_initial_margin_but_reductions_never_do(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 1_000 * E6)
    venue.openPosition(weth, 2 * E18, sender=alice)  # notional 8,800: IM 880 <= 1,000
    with ape.reverts(
        venue.BelowInitialMargin, account=alice.address, group=0, initialRequirement=1_012 * USD
    ):
        venue.openPosition(weth, 3 * E18 // 10, sender=alice)  # notional 10,120: IM 1,012 > 1,000
    set_price(weth, 4_000 * USD)
    assert venue.isLiquidatable(alice)  # equity 200 < maintenance 400
    venue.openPosition(weth, -E18, sender=alice)  # reduce-only is always allowed


def test_a_disabled_market_only_reduces(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any, deployer: Any
) -> None:
    deposit(alice, usdt, 10_000 * E6)
    venue.openPosition(weth, E18, sender=alice)
    venue.setMarketConfig(weth, 1_000, 500, False, sender=deployer)
    with ape.reverts(venue.MarketNotActive, market=weth.address):
        venue.openPosition(weth, E18, sender=alice)
    venue.openPosition(weth, -E18, sender=alice)
    assert venue.getPosition(alice, weth).size == 0


def test_lenders_share_the_book_pro_rata(venue: Any, usdt: Any, bob: Any, fund: Any) -> None:
    fund(bob, usdt, 10_000 * E6)
    venue.supplyLiquidity(usdt, 10_000 * E6, sender=bob)
    assert venue.bookShares(usdt, bob) == 10_000 * E6
    venue.withdrawLiquidity(usdt, 4_000 * E6, sender=bob)
    assert usdt.balanceOf(bob) == 4_000 * E6


@pytest.mark.parametrize(
    ("size", "entry", "delta", "price"),
    [
        (3 * E18, 4_000 * USD, -E18, 3_333 * USD),
        (-E18, 4_000 * USD, 3, 4_001 * USD),
        (7, 10**8, -9, 10**8 + 3),
    ],
)
def test_trade_mirror_matches_the_contract(
    venue: Any,
    usdt: Any,
    weth: Any,
    alice: Any,
    deposit: Any,
    set_price: Any,
    size: int,
    entry: int,
    delta: int,
    price: int,
) -> None:
    deposit(alice, usdt, 100_000 * E6)
    set_price(weth, entry)
    venue.openPosition(weth, size, sender=alice)
    set_price(weth, price)
    receipt = venue.openPosition(weth, delta, sender=alice)
    expected = trade(size, entry, delta, price)
    [event] = list(receipt.decode_logs(venue.PositionChanged))
    position = venue.getPosition(alice, weth)
    assert (position.size, position.entryPrice, event.realizedPnl) == (
        expected.new_size,
        expected.entry_price,
        expected.realized_pnl,
    )
