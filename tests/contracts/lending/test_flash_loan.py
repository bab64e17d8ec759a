"""flashLoanSimple: the receiver holds the funds during the callback, repays amount + premium (5 bps, rounded up,
to the treasury), and anything short of that reverts."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.fixed_point import percent_mul_ceil
from sim.mirrors.lending import supply_mint_scaled


@pytest.fixture
def receiver(project: Any, market: Any, deployer: Any) -> Any:
    return project.TestFlashReceiver.deploy(market.pool, sender=deployer)


def test_flash_loan_repaid_with_premium_goes_to_treasury(market: Any, receiver: Any, alice: Any) -> None:
    usdc = market.tokens["USDC"]
    amount = 1_000_000 * 10**6
    premium = 500 * 10**6  # 5 bps
    market.mint(receiver, "USDC", premium)
    before = market.reserve_state("USDC")
    receipt = market.pool.flashLoanSimple(receiver, usdc, amount, b"\x01\x02", 3, sender=alice)
    [log] = receipt.decode_logs(market.pool.FlashLoan)
    assert (
        log.target,
        log.initiator,
        log.asset,
        log.amount,
        log.interestRateMode,
        log.premium,
        log.referralCode,
    ) == (
        receiver.address,
        alice.address,
        usdc.address,
        amount,
        0,
        premium,
        3,
    )
    assert (receiver.lastAmount(), receiver.lastPremium(), receiver.lastInitiator()) == (
        amount,
        premium,
        alice.address,
    )
    assert receiver.lastParams() == b"\x01\x02"
    assert receiver.balanceDuringCallback() == amount + premium
    assert usdc.balanceOf(receiver) == 0
    after = market.reserve_state("USDC")
    assert after.virtual_balance == before.virtual_balance + premium == usdc.balanceOf(market.pool)
    assert after.accrued_to_treasury == before.accrued_to_treasury + supply_mint_scaled(
        premium, after.liquidity_index
    )


def test_premium_rounds_up_and_is_configurable(market: Any, receiver: Any, alice: Any, deployer: Any) -> None:
    usdc = market.tokens["USDC"]
    market.mint(receiver, "USDC", 10**6)
    receipt = market.pool.flashLoanSimple(receiver, usdc, 1_000_001, b"", 0, sender=alice)
    # 1,000,001 x 5 / 10,000 = 500.0005 -> 501
    assert receipt.decode_logs(market.pool.FlashLoan)[0].premium == 501 == percent_mul_ceil(1_000_001, 5)
    market.pool.setFlashLoanPremium(9, sender=deployer)
    assert market.pool.FLASHLOAN_PREMIUM_TOTAL() == 9
    receipt = market.pool.flashLoanSimple(receiver, usdc, 10**6, b"", 0, sender=alice)
    assert receipt.decode_logs(market.pool.FlashLoan)[0].premium == 900


def test_under_repaid_flash_loan_reverts(market: Any, receiver: Any, alice: Any) -> None:
    usdc = market.tokens["USDC"]
    market.mint(receiver, "USDC", 500 * 10**6)
    receiver.configure(1, True, sender=alice)  # approves one unit short
    owed = 1_000_500 * 10**6
    with ape.reverts(usdc.InsufficientAllowance, allowance=owed - 1, needed=owed):
        market.pool.flashLoanSimple(receiver, usdc, 1_000_000 * 10**6, b"", 0, sender=alice)


def test_receiver_without_the_premium_cannot_repay(market: Any, receiver: Any, alice: Any) -> None:
    with ape.reverts(market.tokens["USDC"].InsufficientBalance, balance=10**6, needed=10**6 + 500):
        market.pool.flashLoanSimple(receiver, market.tokens["USDC"], 10**6, b"", 0, sender=alice)


def test_receiver_returning_false_reverts(market: Any, receiver: Any, alice: Any) -> None:
    market.mint(receiver, "USDC", 10**6)
    receiver.configure(0, False, sender=alice)
    with ape.reverts(market.pool.InvalidFlashloanExecutorReturn):
        market.pool.flashLoanSimple(receiver, market.tokens["USDC"], 10**6, b"", 0, sender=alice)


def test_flash_loan_beyond_cash_reverts(market: Any, receiver: Any, alice: Any) -> None:
    usdc = market.tokens["USDC"]
    cash = market.pool.getReserveState(usdc).virtualUnderlyingBalance
    with ape.reverts(market.pool.InvalidAmount):
        market.pool.flashLoanSimple(receiver, usdc, cash + 1, b"", 0, sender=alice)


def test_disabled_flash_loans_revert(market: Any, receiver: Any, alice: Any, deployer: Any) -> None:
    usdc = market.tokens["USDC"]
    market.pool.configureReserve(usdc, 7500, 7800, 10450, 1000, 1000, 0, 0, True, False, sender=deployer)
    with ape.reverts(market.pool.FlashloanDisabled, asset=usdc.address):
        market.pool.flashLoanSimple(receiver, usdc, 10**6, b"", 0, sender=alice)
