"""FlashLiquidator: a capital-free liquidation in one transaction (flash loan -> liquidationCall -> sale into a
constant-product pair -> repayment), checked to the wei against the lending and AMM mirrors."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.cpmm import get_amount_out
from sim.mirrors.fixed_point import percent_mul_ceil
from sim.mirrors.lending import liquidation_amounts

USD = 10**8
MAX = 2**256 - 1


@pytest.fixture
def m(market: Any) -> Any:
    market.zero_rates("USDC", "WETH", "WBTC")
    return market


def seeded_pair(project: Any, m: Any, deployer: Any, deposits: dict[str, int]) -> Any:
    """A new constant-product pair of the two assets in `deposits`, seeded with those amounts."""
    factory = project.ConstantProductFactory.deploy(deployer, sender=deployer)
    a, b = (m.tokens[symbol] for symbol in deposits)
    factory.createPair(a, b, sender=deployer)
    pair = project.ConstantProductPool.at(factory.getPair(a, b))
    for symbol, amount in deposits.items():
        m.mint(pair, symbol, amount)
    pair.mint(deployer, sender=deployer)
    return pair


@pytest.fixture
def weth_usdc(project: Any, m: Any, deployer: Any) -> Any:
    """A WETH/USDC pair at 3,500 USDC per WETH, 1,000 WETH deep."""
    return seeded_pair(project, m, deployer, {"WETH": 1_000 * 10**18, "USDC": 3_500_000 * 10**6})


@pytest.fixture
def bot(project: Any, m: Any, liquidator: Any) -> Any:
    return project.FlashLiquidator.deploy(m.pool, sender=liquidator)


def underwater(m: Any, user: Any) -> None:
    m.supply(user, "WETH", 10 * 10**18)
    m.borrow(user, "USDC", 30_000 * 10**6)
    m.set_price("WETH", 3_500 * USD)  # HF = 35,000 x 82.5% / 30,000 = 0.9625


def test_flash_liquidation_repays_the_loan_and_pays_the_owner(
    m: Any, weth_usdc: Any, bot: Any, alice: Any, liquidator: Any
) -> None:
    underwater(m, alice)
    weth, usdc = m.tokens["WETH"], m.tokens["USDC"]
    to_cover = 15_000 * 10**6  # the close factor allows half the debt
    expected = liquidation_amounts(
        m.positions(alice), m.prices(), m.params(), m.emode(alice), "WETH", "USDC", to_cover
    )
    r0, r1, _ = weth_usdc.getReserves()
    weth_is_0 = weth_usdc.token0() == weth.address
    reserve_in, reserve_out = (r0, r1) if weth_is_0 else (r1, r0)
    proceeds = get_amount_out(expected.collateral_to_liquidator, reserve_in, reserve_out)
    premium = percent_mul_ceil(to_cover, 5)
    before = usdc.balanceOf(liquidator)
    receipt = bot.liquidate(weth, usdc, alice, MAX, to_cover, weth_usdc, 0, sender=liquidator)
    [event] = receipt.decode_logs(bot.FlashLiquidation)
    assert (event.debtCovered, event.collateralSold, event.proceeds, event.premium) == (
        expected.debt_repaid,
        expected.collateral_to_liquidator,
        proceeds,
        premium,
    )
    assert event.profit == proceeds - expected.debt_repaid - premium > 0
    assert usdc.balanceOf(liquidator) - before == event.profit
    assert usdc.balanceOf(bot) == 0 and weth.balanceOf(bot) == 0
    assert int(m.pool.getUserReserve(alice, usdc).debt) == 30_000 * 10**6 - expected.debt_repaid
    [call] = receipt.decode_logs(m.pool.LiquidationCall)
    assert call.liquidator == bot.address  # the contract is the liquidator; the pool saw a normal liquidation


def test_capped_seizure_takes_all_collateral_and_returns_the_unused_loan(
    m: Any, weth_usdc: Any, bot: Any, alice: Any, liquidator: Any
) -> None:
    """Collateral worth less than the debt plus bonus: the pool seizes all of it, repays what that covers and
    writes the rest off. The bot borrowed a little more than the mirror's figure (asked for the maximum): the
    unused part goes back with the loan, and its premium is the only cost of the margin."""
    m.supply(alice, "WETH", 10 * 10**18)
    m.borrow(alice, "USDC", 27_000 * 10**6)
    m.set_price("WETH", 2_600 * USD)  # 26,000 of collateral against 27,000 of debt: HF 0.79
    weth, usdc = m.tokens["WETH"], m.tokens["USDC"]
    expected = liquidation_amounts(m.positions(alice), m.prices(), m.params(), None, "WETH", "USDC", MAX)
    assert expected.has_no_collateral_left
    flash = expected.debt_repaid + expected.debt_repaid // 1000 + 1
    r0, r1, _ = weth_usdc.getReserves()
    weth_is_0 = weth_usdc.token0() == weth.address
    reserve_in, reserve_out = (r0, r1) if weth_is_0 else (r1, r0)
    proceeds = get_amount_out(expected.collateral_to_liquidator, reserve_in, reserve_out)
    receipt = bot.liquidate(weth, usdc, alice, MAX, flash, weth_usdc, 0, sender=liquidator)
    [event] = receipt.decode_logs(bot.FlashLiquidation)
    assert (event.debtCovered, event.collateralSold) == (
        expected.debt_repaid,
        expected.collateral_to_liquidator,
    )
    assert event.profit == proceeds - expected.debt_repaid - percent_mul_ceil(flash, 5)
    assert int(m.pool.getUserReserve(alice, weth).supplied) == 0
    assert int(m.pool.getUserReserve(alice, usdc).debt) == 0  # the remainder went to the reserve's deficit


def test_unprofitable_liquidation_reverts_whole(
    m: Any, weth_usdc: Any, bot: Any, alice: Any, liquidator: Any
) -> None:
    underwater(m, alice)
    weth, usdc = m.tokens["WETH"], m.tokens["USDC"]
    with ape.reverts(bot.Unprofitable):
        bot.liquidate(weth, usdc, alice, MAX, 15_000 * 10**6, weth_usdc, 10**12, sender=liquidator)
    assert int(m.pool.getUserReserve(alice, usdc).debt) == 30_000 * 10**6  # nothing happened


def test_only_the_owner_and_the_pool_can_drive_it(
    m: Any, weth_usdc: Any, bot: Any, alice: Any, bob: Any
) -> None:
    weth, usdc = m.tokens["WETH"], m.tokens["USDC"]
    with ape.reverts(bot.NotOwner):
        bot.liquidate(weth, usdc, alice, MAX, 1, weth_usdc, 0, sender=bob)
    with ape.reverts(bot.NotPool):
        bot.executeOperation(usdc, 1, 0, bot, b"", sender=bob)
    with ape.reverts(bot.NotOwner):
        bot.sweep(usdc, sender=bob)


def test_a_flash_loan_started_by_someone_else_is_refused(m: Any, bot: Any, bob: Any) -> None:
    usdc = m.tokens["USDC"]
    with ape.reverts(bot.NotInitiator):
        m.pool.flashLoanSimple(bot, usdc, 10**6, b"", 0, sender=bob)


def test_a_pair_without_the_debt_asset_is_refused(
    project: Any, m: Any, bot: Any, alice: Any, liquidator: Any, deployer: Any
) -> None:
    underwater(m, alice)
    pair = seeded_pair(project, m, deployer, {"WETH": 100 * 10**18, "WBTC": 4 * 10**8})
    with ape.reverts(bot.WrongPair):
        bot.liquidate(
            m.tokens["WETH"], m.tokens["USDC"], alice, MAX, 15_000 * 10**6, pair, 0, sender=liquidator
        )


def test_a_sweep_the_token_refuses_reverts_instead_of_passing_for_paid(
    project: Any, bot: Any, deployer: Any, liquidator: Any
) -> None:
    token = project.TestOddToken.deploy(sender=deployer)
    token.mint(bot, 1_000, sender=deployer)
    token.setMode(2, sender=deployer)  # transfer returns false
    with ape.reverts(bot.TransferFailed, token=token.address):
        bot.sweep(token, sender=liquidator)
    token.setMode(1, sender=deployer)  # returns nothing, as USDT does: accepted
    bot.sweep(token, sender=liquidator)
    assert (token.balanceOf(bot), token.balanceOf(liquidator)) == (0, 1_000)
