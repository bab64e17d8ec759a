"""UnifiedMarginVenue liquidations: a cross account sells every collateral into its pool at the v2 price, the
insurance fund covers a shortfall to the wei, bad debt beyond it is written off, isolated mode sells only the
failing group, non-quote debt is bought back, and a pool-spot oracle makes liquidations feed on themselves."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.venue import ClosedPerp, LiquidationOutcome, Sale, buy, get_amount_out, liquidate_cross

from .conftest import BOOK_USDC, BOOK_USDT, E6, E9, E18, FEE_BPS, INSURANCE, REWARD_BPS, USD, reserves_of


@pytest.fixture
def levered_bob(venue: Any, usdt: Any, usde: Any, wbeth: Any, bnsol: Any, bob: Any, deposit: Any) -> Any:
    """Bob's cross account: 10,000 USDe, 2 wBETH and 30 BNSOL against 18,000 USDT borrowed and withdrawn.
    Equity 9,500 + 7,920 + 3,000 - 18,000 = 2,420; maintenance 900 (5% of the loan)."""
    deposit(bob, usde, 10_000 * E18)
    deposit(bob, wbeth, 2 * E18)
    deposit(bob, bnsol, 30 * E9)
    venue.borrow(usdt, 18_000 * E6, sender=bob)
    venue.withdraw(usdt, 18_000 * E6, sender=bob)
    return bob


def test_a_healthy_account_cannot_be_liquidated(venue: Any, levered_bob: Any, liquidator: Any) -> None:
    with ape.reverts(
        venue.NotLiquidatable, account=levered_bob.address, equity=2_420 * USD, maintenance=900 * USD
    ):
        venue.liquidate(levered_bob, sender=liquidator)


def test_the_module_refuses_direct_calls(project: Any, venue: Any, levered_bob: Any, liquidator: Any) -> None:
    module = project.VenueLiquidationModule.at(venue.liquidationModule())
    with ape.reverts(module.DirectCall):
        module.liquidate(levered_bob, sender=liquidator)


def test_cross_liquidation_sells_every_collateral_at_the_v2_price(
    venue: Any,
    usdt: Any,
    usde: Any,
    wbeth: Any,
    bnsol: Any,
    pools: dict[str, Any],
    levered_bob: Any,
    liquidator: Any,
    set_price: Any,
) -> None:
    bob = levered_bob
    set_price(usde, 80_000_000)  # only USDe falls: 7,600 + 7,920 + 3,000 - 18,000 = 520 < 900
    assert venue.accountEquity(bob) == 520 * USD
    assert venue.isLiquidatable(bob)
    held = [
        (usde, 10_000 * E18, pools["USDe"]),
        (wbeth, 2 * E18, pools["wBETH"]),
        (bnsol, 30 * E9, pools["BNSOL"]),
    ]
    before = {token.address: reserves_of(pool, token) for token, _, pool in held}
    expected = liquidate_cross(
        quote_balance=0,
        quote_debt=18_000 * E6,
        sales=[Sale(amount, *before[token.address]) for token, amount, _ in held],
        perps=[],
        fee_bps=FEE_BPS,
        reward_bps=REWARD_BPS,
        insurance_fund=INSURANCE,
    )

    receipt = venue.liquidate(bob, sender=liquidator)

    [started] = list(receipt.decode_logs(venue.LiquidationStarted))
    assert (started.account, started.equity, started.maintenance, started.fractionBps) == (
        bob.address,
        520 * USD,
        900 * USD,
        10_000,
    )
    sold = [(e.asset, e.amountIn, e.amountOut, e.pool) for e in receipt.decode_logs(venue.CollateralSold)]
    assert sold == [
        (token.address, amount, out, pool.address)
        for (token, amount, pool), out in zip(held, expected.sales, strict=True)
    ]
    for (token, amount, pool), out in zip(held, expected.sales, strict=True):
        reserve_asset, reserve_quote = before[token.address]
        assert reserves_of(pool, token) == (reserve_asset + amount, reserve_quote - out)
        assert token.balanceOf(venue) == 0
    [repaid] = list(receipt.decode_logs(venue.DebtRepaidByLiquidation))
    assert (repaid.asset, repaid.amount, repaid.quoteSpent) == (usdt.address, 18_000 * E6, 18_000 * E6)
    [done] = list(receipt.decode_logs(venue.LiquidationCompleted))
    assert (done.liquidator, done.proceeds, done.fee, done.reward) == (
        liquidator.address,
        expected.proceeds,
        expected.fee,
        expected.reward,
    )
    assert expected.fee == expected.proceeds * FEE_BPS // 10_000
    assert usdt.balanceOf(liquidator) == expected.reward
    assert venue.insuranceFund() == INSURANCE + expected.fee
    assert venue.balanceOf(bob, 0, usdt) == expected.quote_left > 0
    assert venue.debtOf(bob, 0, usdt) == 0
    assert venue.getBook(usdt).available == BOOK_USDT
    assert not venue.isLiquidatable(bob)


def test_perp_liquidation_closes_at_mark_and_charges_on_notional(
    venue: Any, usdt: Any, weth: Any, alice: Any, liquidator: Any, deposit: Any, set_price: Any
) -> None:
    deposit(alice, usdt, 10_000 * E6)
    venue.openPosition(weth, 20 * E18, sender=alice)
    set_price(weth, 4_050 * USD)  # equity 10,000 - 7,000 = 3,000 < maintenance 4,050
    expected = liquidate_cross(
        quote_balance=10_000 * E6,
        quote_debt=0,
        sales=[],
        perps=[ClosedPerp(20 * E18, 4_400 * USD, 4_050 * USD)],
        fee_bps=FEE_BPS,
        reward_bps=REWARD_BPS,
        insurance_fund=INSURANCE,
    )
    receipt = venue.liquidate(alice, sender=liquidator)
    [closed] = list(receipt.decode_logs(venue.PositionLiquidated))
    assert (closed.market, closed.sizeClosed, closed.price, closed.realizedPnl) == (
        weth.address,
        20 * E18,
        4_050 * USD,
        -7_000 * USD,
    )
    # Fee base: 81,000 of notional; reward 0.5% = 405, fee 1% = 810.
    assert (expected.reward, expected.fee) == (405 * E6, 810 * E6)
    assert venue.balanceOf(alice, 0, usdt) == expected.quote_left == 1_785 * E6
    assert venue.getPosition(alice, weth).size == 0
    assert venue.getBook(usdt).available == BOOK_USDT + 7_000 * E6
    # The venue's liquidated volume (the rescue fund's trigger) grows by the closed notional.
    assert venue.liquidatedVolume() == expected.liquidated_usd == 81_000 * USD


def _crashed_usde_account(
    venue: Any,
    usdt: Any,
    usde: Any,
    pools: dict[str, Any],
    bob: Any,
    deposit: Any,
    dump: Any,
    set_price: Any,
    loan: int,
) -> LiquidationOutcome:
    """Bob holds only 10,000 USDe against `loan` USDT; then a whale dumps 150,000 USDe into the thin pool.
    Returns the mirror's liquidation of Bob at the pool's reserves after the dump."""
    deposit(bob, usde, 10_000 * E18)
    venue.borrow(usdt, loan, sender=bob)
    venue.withdraw(usdt, loan, sender=bob)
    dump(pools["USDe"], usde, 150_000 * E18)
    set_price(usde, 6_000_000)
    return liquidate_cross(
        quote_balance=0,
        quote_debt=loan,
        sales=[Sale(10_000 * E18, *reserves_of(pools["USDe"], usde))],
        perps=[],
        fee_bps=FEE_BPS,
        reward_bps=REWARD_BPS,
        insurance_fund=INSURANCE,
    )


def test_insurance_fund_covers_a_shortfall_to_the_wei(
    venue: Any,
    usdt: Any,
    usde: Any,
    pools: dict[str, Any],
    bob: Any,
    liquidator: Any,
    deposit: Any,
    dump: Any,
    set_price: Any,
) -> None:
    expected = _crashed_usde_account(venue, usdt, usde, pools, bob, deposit, dump, set_price, 4_000 * E6)
    assert 0 < expected.insurance_used < INSURANCE and expected.bad_debt == 0 and expected.fee == 0

    receipt = venue.liquidate(bob, sender=liquidator)

    [used] = list(receipt.decode_logs(venue.InsuranceFundUsed))
    assert (used.account, used.asset, used.quoteSpent, used.debtCovered) == (
        bob.address,
        usdt.address,
        expected.insurance_used,
        expected.insurance_used,
    )
    assert expected.reward + expected.debt_repaid + 0 == expected.proceeds
    assert venue.insuranceFund() == INSURANCE - expected.insurance_used
    assert list(receipt.decode_logs(venue.BadDebt)) == []
    book = venue.getBook(usdt)
    assert (book.available, book.borrowed, book.deficit) == (BOOK_USDT, 0, 0)
    assert venue.debtOf(bob, 0, usdt) == 0
    assert usdt.balanceOf(venue) == BOOK_USDT + venue.insuranceFund()


def test_bad_debt_beyond_the_fund_is_written_off_the_book(
    venue: Any,
    usdt: Any,
    usde: Any,
    pools: dict[str, Any],
    bob: Any,
    deployer: Any,
    liquidator: Any,
    deposit: Any,
    dump: Any,
    set_price: Any,
) -> None:
    expected = _crashed_usde_account(venue, usdt, usde, pools, bob, deposit, dump, set_price, 8_000 * E6)
    assert expected.insurance_used == INSURANCE and expected.bad_debt > 0

    receipt = venue.liquidate(bob, sender=liquidator)

    [bad] = list(receipt.decode_logs(venue.BadDebt))
    assert (bad.account, bad.asset, bad.amount) == (bob.address, usdt.address, expected.bad_debt)
    assert venue.insuranceFund() == 0
    book = venue.getBook(usdt)
    assert (book.borrowed, book.deficit) == (0, expected.bad_debt)
    assert book.available == BOOK_USDT - expected.bad_debt
    # The loss is socialized: the lender's shares now redeem for the book's assets, less the bad debt.
    before = usdt.balanceOf(deployer)
    venue.withdrawLiquidity(usdt, BOOK_USDT, sender=deployer)
    assert usdt.balanceOf(deployer) - before == BOOK_USDT - expected.bad_debt


def test_isolated_mode_sells_only_the_failing_groups_collateral(
    venue: Any,
    usdt: Any,
    usde: Any,
    wbeth: Any,
    weth: Any,
    alice: Any,
    liquidator: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    venue.setIsolatedMode(True, sender=alice)
    deposit(alice, usde, 10_000 * E18)
    deposit(alice, wbeth, 2 * E18)
    deposit(alice, usdt, 1_000 * E6)
    loan_group = venue.borrowGroup(alice, usdt)
    eth_group = venue.marketGroup(alice, weth)
    assert (loan_group, eth_group) == (65, 1)
    venue.allocateMargin(loan_group, usde, 10_000 * E18, sender=alice)
    venue.borrow(usdt, 8_000 * E6, sender=alice)
    venue.releaseMargin(loan_group, usdt, 8_000 * E6, sender=alice)  # group equity 1,500 >= IM 800
    venue.allocateMargin(eth_group, wbeth, 2 * E18, sender=alice)
    venue.allocateMargin(eth_group, usdt, 1_000 * E6, sender=alice)
    venue.openPosition(weth, E18, sender=alice)
    set_price(usde, 80_000_000)  # the loan group: 7,600 - 8,000 < 400; the ETH group is untouched
    assert venue.groupHealth(alice, loan_group)[0] == -400 * USD
    assert venue.groupHealth(alice, eth_group) == (8_920 * USD, 220 * USD, 440 * USD)

    receipt = venue.liquidate(alice, sender=liquidator)

    sold = [(e.asset, e.amountIn) for e in receipt.decode_logs(venue.CollateralSold)]
    assert sold == [(usde.address, 10_000 * E18)]
    [started] = list(receipt.decode_logs(venue.LiquidationStarted))
    assert started.group == loan_group
    assert venue.balanceOf(alice, eth_group, wbeth) == 2 * E18
    assert venue.balanceOf(alice, eth_group, usdt) == 1_000 * E6
    assert venue.getPosition(alice, weth).size == E18
    assert venue.balanceOf(alice, 0, usdt) == 8_000 * E6  # the free wallet is never touched
    assert venue.debtOf(alice, loan_group, usdt) == 0
    assert wbeth.balanceOf(venue) == 2 * E18


def test_cross_mode_would_have_sold_the_healthy_collateral_too(
    venue: Any,
    usdt: Any,
    usde: Any,
    wbeth: Any,
    weth: Any,
    alice: Any,
    liquidator: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    deposit(alice, usde, 10_000 * E18)
    deposit(alice, wbeth, 2 * E18)
    deposit(alice, usdt, 1_000 * E6)
    venue.borrow(usdt, 8_000 * E6, sender=alice)
    venue.withdraw(usdt, 8_000 * E6, sender=alice)
    venue.openPosition(weth, 12 * E18, sender=alice)
    set_price(usde, 80_000_000)
    set_price(weth, 3_900 * USD)  # 7,600 + 7,920 + 1,000 - 8,000 - 6,000 = 2,520 < 400 + 2,340
    assert venue.isLiquidatable(alice)
    receipt = venue.liquidate(alice, sender=liquidator)
    assert [e.asset for e in receipt.decode_logs(venue.CollateralSold)] == [usde.address, wbeth.address]
    assert usde.balanceOf(venue) == wbeth.balanceOf(venue) == 0


def test_an_emptied_isolated_account_can_return_to_cross(
    venue: Any, usdt: Any, usde: Any, alice: Any, deposit: Any
) -> None:
    venue.setIsolatedMode(True, sender=alice)
    deposit(alice, usde, 1_000 * E18)
    venue.allocateMargin(65, usde, 1_000 * E18, sender=alice)
    venue.borrow(usdt, 500 * E6, sender=alice)
    with ape.reverts(venue.AccountNotFlat, account=alice.address):
        venue.setIsolatedMode(False, sender=alice)
    venue.repay(usdt, 500 * E6, sender=alice)
    venue.releaseMargin(65, usde, 1_000 * E18, sender=alice)
    venue.setIsolatedMode(False, sender=alice)
    assert not venue.isIsolated(alice)
    assert [g.group for g in venue.getAccount(alice).groups] == [0]
    assert venue.balanceOf(alice, 0, usde) == 1_000 * E18


def test_isolated_mode_needs_a_flat_account(
    venue: Any, usdt: Any, weth: Any, alice: Any, deposit: Any
) -> None:
    deposit(alice, usdt, 1_000 * E6)
    venue.openPosition(weth, E18 // 10, sender=alice)
    with ape.reverts(venue.AccountNotFlat, account=alice.address):
        venue.setIsolatedMode(True, sender=alice)
    with ape.reverts(venue.WrongMarginMode, account=alice.address, isolated=False):
        venue.allocateMargin(1, usdt, E6, sender=alice)


def test_a_non_quote_debt_is_bought_back_from_its_pool(
    venue: Any,
    usdt: Any,
    usde: Any,
    usdc: Any,
    pools: dict[str, Any],
    alice: Any,
    liquidator: Any,
    deposit: Any,
    set_price: Any,
) -> None:
    deposit(alice, usde, 15_000 * E18)
    venue.borrow(usdc, 10_000 * E6, sender=alice)
    venue.withdraw(usdc, 10_000 * E6, sender=alice)
    set_price(usde, 70_000_000)  # 9,975 - 10,000 < 500
    proceeds = get_amount_out(15_000 * E18, *reserves_of(pools["USDe"], usde))
    reward = proceeds * REWARD_BPS // 10_000
    reserve_usdc, reserve_usdt = reserves_of(pools["USDC"], usdc)
    bought, spent = buy(10_000 * E6, proceeds - reward, reserve_usdc, reserve_usdt)
    assert bought == 10_000 * E6

    receipt = venue.liquidate(alice, sender=liquidator)

    repaid = [(e.asset, e.amount, e.quoteSpent) for e in receipt.decode_logs(venue.DebtRepaidByLiquidation)]
    assert repaid == [(usdc.address, 10_000 * E6, spent)]
    assert reserves_of(pools["USDC"], usdc) == (reserve_usdc - bought, reserve_usdt + spent)
    assert venue.debtOf(alice, 0, usdc) == 0
    assert venue.getBook(usdc).available == BOOK_USDC
    left = proceeds - reward - spent
    assert venue.balanceOf(alice, 0, usdt) == left - min(proceeds * FEE_BPS // 10_000, left)


def test_a_pool_spot_oracle_lets_one_liquidation_push_the_next_account_under(
    venue: Any,
    oracle: Any,
    usdt: Any,
    usde: Any,
    pools: dict[str, Any],
    alice: Any,
    bob: Any,
    deployer: Any,
    liquidator: Any,
    deposit: Any,
    dump: Any,
) -> None:
    oracle.setPoolSpotSource(usde, pools["USDe"], usdt, sender=deployer)  # the venue marks at its own book
    for account, amount, loan in ((alice, 20_000, 16_000), (bob, 10_000, 5_000)):
        deposit(account, usde, amount * E18)
        venue.borrow(usdt, loan * E6, sender=account)
        venue.withdraw(usdt, loan * E6, sender=account)
    dump(pools["USDe"], usde, 8_000 * E18)
    assert venue.isLiquidatable(alice)
    assert not venue.isLiquidatable(bob)

    venue.liquidate(alice, sender=liquidator)  # sells 20,000 USDe into the same thin book

    assert venue.isLiquidatable(bob)
    # Marked at a conversion rate (here: pegged to USDT) instead of the venue's spot, bob is fine.
    oracle.setPegSource(usde, usdt, sender=deployer)
    assert not venue.isLiquidatable(bob)
    assert venue.accountEquity(bob) == (9_500 - 5_000) * USD
