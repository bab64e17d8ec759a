"""Supply, withdraw, borrow and repay: balances, events, caps, the LTV and health checks, credit delegation,
pause/freeze, owner-only configuration."""

from __future__ import annotations

from typing import Any

import ape
import pytest

MAX = 2**256 - 1
USD = 10**8
VARIABLE = 2


@pytest.fixture
def m(market: Any) -> Any:
    market.zero_rates("USDC", "WETH", "WBTC", "USDE")
    return market


def test_supply_credits_position_enables_collateral_and_emits(m: Any, alice: Any, bob: Any) -> None:
    weth = m.tokens["WETH"]
    m.fund(alice, "WETH", 2 * 10**18)
    receipt = m.pool.supply(weth, 2 * 10**18, bob, 7, sender=alice)
    [log] = receipt.decode_logs(m.pool.Supply)
    assert (log.reserve, log.user, log.onBehalfOf, log.amount, log.referralCode) == (
        weth.address,
        alice.address,
        bob.address,
        2 * 10**18,
        7,
    )
    [enabled] = receipt.decode_logs(m.pool.ReserveUsedAsCollateralEnabled)
    assert (enabled.reserve, enabled.user) == (weth.address, bob.address)
    position = m.pool.getUserReserve(bob, weth)
    assert (position.supplied, position.scaledSupply, position.usingAsCollateral) == (
        2 * 10**18,
        2 * 10**18,
        True,
    )
    assert weth.balanceOf(alice) == 0
    assert m.pool.getReserveState(weth).virtualUnderlyingBalance == weth.balanceOf(m.pool)


def test_second_supply_does_not_reemit_collateral_enabled(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10**18)
    receipt = m.supply(alice, "WETH", 10**18)
    assert not list(receipt.decode_logs(m.pool.ReserveUsedAsCollateralEnabled))


def test_supply_of_zero_ltv_asset_is_not_collateral(m: Any, alice: Any, deployer: Any) -> None:
    m.pool.configureReserve(m.tokens["WBTC"], 0, 7800, 10500, 1000, 2000, 0, 0, True, True, sender=deployer)
    m.supply(alice, "WBTC", 10**8)
    assert not m.pool.getUserReserve(alice, m.tokens["WBTC"]).usingAsCollateral
    with ape.reverts(m.pool.LtvZeroCollateral, asset=m.tokens["WBTC"].address):
        m.pool.setUserUseReserveAsCollateral(m.tokens["WBTC"], True, sender=alice)


def test_zero_supply_reverts(m: Any, alice: Any) -> None:
    with ape.reverts(m.pool.InvalidAmount):
        m.supply(alice, "USDC", 0)


def test_unlisted_asset_reverts(m: Any, alice: Any, create_token: Any) -> None:
    other = create_token("OTHER", 18)
    with ape.reverts(m.pool.ReserveNotListed, asset=other.address):
        m.pool.supply(other, 1, alice, 0, sender=alice)


def test_withdraw_max_returns_everything_and_disables_collateral(m: Any, alice: Any) -> None:
    weth = m.tokens["WETH"]
    m.supply(alice, "WETH", 3 * 10**18)
    receipt = m.pool.withdraw(weth, MAX, alice, sender=alice)
    [log] = receipt.decode_logs(m.pool.Withdraw)
    assert (log.user, log.to, log.amount) == (alice.address, alice.address, 3 * 10**18)
    [disabled] = receipt.decode_logs(m.pool.ReserveUsedAsCollateralDisabled)
    assert disabled.user == alice.address
    assert weth.balanceOf(alice) == 3 * 10**18
    assert m.pool.getUserConfiguration(alice) == 0


def test_withdraw_more_than_supplied_reverts(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10**18)
    with ape.reverts(m.pool.NotEnoughAvailableUserBalance):
        m.pool.withdraw(m.tokens["WETH"], 10**18 + 1, alice, sender=alice)


def test_withdraw_that_would_make_hf_below_one_reverts(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10 * 10**18)
    m.borrow(alice, "USDC", 30_000 * 10**6)
    # Leaving 9 WETH: HF = 36,000 x 82.5% / 30,000 = 0.99
    with ape.reverts(m.pool.HealthFactorLowerThanLiquidationThreshold, healthFactor=990000000000000000):
        m.pool.withdraw(m.tokens["WETH"], 10**18, alice, sender=alice)
    # 0.9 WETH leaves HF = 36,400 x 82.5% / 30,000 = 1.001
    m.pool.withdraw(m.tokens["WETH"], 9 * 10**17, alice, sender=alice)
    assert m.account_data(alice)[5] == 1_001000000000000000


def test_disabling_collateral_that_backs_debt_reverts(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_000 * 10**6)
    with ape.reverts(m.pool.HealthFactorLowerThanLiquidationThreshold, healthFactor=0):
        m.pool.setUserUseReserveAsCollateral(m.tokens["WETH"], False, sender=alice)


def test_borrow_sends_tokens_books_debt_and_emits(m: Any, alice: Any) -> None:
    usdc = m.tokens["USDC"]
    m.supply(alice, "WETH", 10**18)
    receipt = m.borrow(alice, "USDC", 1_234_567890)
    [log] = receipt.decode_logs(m.pool.Borrow)
    assert (log.reserve, log.user, log.onBehalfOf, log.amount, log.interestRateMode, log.borrowRate) == (
        usdc.address,
        alice.address,
        alice.address,
        1_234_567890,
        VARIABLE,
        0,
    )
    assert usdc.balanceOf(alice) == 1_234_567890
    position = m.pool.getUserReserve(alice, usdc)
    assert (position.debt, position.scaledDebt, position.borrowing) == (1_234_567890, 1_234_567890, True)


def test_borrow_up_to_ltv_passes_and_one_unit_more_reverts(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10**18)  # LTV 80%: $3,200
    with ape.reverts(
        m.pool.CollateralCannotCoverNewBorrow,
        collateralNeededBase=4_000_00000125,
        collateralBase=4_000 * USD,
    ):
        m.borrow(alice, "USDC", 3_200_000001)
    m.borrow(alice, "USDC", 3_200 * 10**6)
    assert m.account_data(alice)[2] == 0


def test_borrow_without_collateral_reverts(m: Any, alice: Any) -> None:
    with ape.reverts(m.pool.CollateralBalanceIsZero):
        m.borrow(alice, "USDC", 1)


def test_stable_rate_borrow_reverts(m: Any, alice: Any) -> None:
    m.supply(alice, "WETH", 10**18)
    with ape.reverts(m.pool.InvalidInterestRateModeSelected, mode=1):
        m.pool.borrow(m.tokens["USDC"], 10**6, 1, 0, alice, sender=alice)


def test_borrow_when_borrowing_disabled_reverts(m: Any, alice: Any, deployer: Any) -> None:
    m.pool.configureReserve(
        m.tokens["USDC"], 7500, 7800, 10450, 1000, 1000, 0, 0, False, True, sender=deployer
    )
    m.supply(alice, "WETH", 10**18)
    with ape.reverts(m.pool.BorrowingNotEnabled, asset=m.tokens["USDC"].address):
        m.borrow(alice, "USDC", 10**6)


def test_supply_cap_in_whole_tokens(m: Any, alice: Any, deployer: Any) -> None:
    usdc = m.tokens["USDC"]
    supplied = m.pool.getReserveState(usdc).totalSupplied  # the whale's 10M
    cap = supplied // 10**6 + 1_000
    m.pool.configureReserve(usdc, 7500, 7800, 10450, 1000, 1000, cap, 0, True, True, sender=deployer)
    m.supply(alice, "USDC", 1_000 * 10**6)
    with ape.reverts(m.pool.SupplyCapExceeded, asset=usdc.address, cap=cap):
        m.supply(alice, "USDC", 1)


def test_borrow_cap_in_whole_tokens(m: Any, alice: Any, deployer: Any) -> None:
    usdc = m.tokens["USDC"]
    m.pool.configureReserve(usdc, 7500, 7800, 10450, 1000, 1000, 0, 1_000, True, True, sender=deployer)
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_000 * 10**6)
    with ape.reverts(m.pool.BorrowCapExceeded, asset=usdc.address, cap=1_000):
        m.borrow(alice, "USDC", 1)


def test_not_enough_liquidity_reverts(m: Any, alice: Any, bob: Any) -> None:
    wbtc = m.tokens["WBTC"]
    m.supply(bob, "USDC", 1_000_000 * 10**6)
    m.borrow(bob, "WBTC", 10**8)  # supplied stays 100 WBTC, cash drops to 99
    cash = m.pool.getReserveState(wbtc).virtualUnderlyingBalance
    assert cash == 99 * 10**8
    m.supply(alice, "USDC", 20_000_000 * 10**6)
    with ape.reverts(m.pool.NotEnoughLiquidity, asset=wbtc.address, available=cash, requested=cash + 1):
        m.borrow(alice, "WBTC", cash + 1)


def test_repay_max_clears_debt_and_borrowing_flag(m: Any, alice: Any, bob: Any) -> None:
    usdc = m.tokens["USDC"]
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_000 * 10**6)
    usdc.approve(m.pool, MAX, sender=alice)
    receipt = m.pool.repay(usdc, MAX, VARIABLE, alice, sender=alice)
    [log] = receipt.decode_logs(m.pool.Repay)
    assert (log.reserve, log.user, log.repayer, log.amount, log.useATokens) == (
        usdc.address,
        alice.address,
        alice.address,
        1_000 * 10**6,
        False,
    )
    position = m.pool.getUserReserve(alice, usdc)
    assert (position.debt, position.borrowing) == (0, False)
    assert usdc.balanceOf(alice) == 0


def test_repay_on_behalf_needs_explicit_amount(m: Any, alice: Any, bob: Any) -> None:
    usdc = m.tokens["USDC"]
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_000 * 10**6)
    m.fund(bob, "USDC", 2_000 * 10**6)
    with ape.reverts(m.pool.NoExplicitAmountToRepayOnBehalf):
        m.pool.repay(usdc, MAX, VARIABLE, alice, sender=bob)
    receipt = m.pool.repay(usdc, 5_000 * 10**6, VARIABLE, alice, sender=bob)
    assert receipt.return_value == 1_000 * 10**6
    assert usdc.balanceOf(bob) == 1_000 * 10**6
    assert m.pool.getUserReserve(alice, usdc).debt == 0


def test_repay_without_debt_reverts(m: Any, alice: Any) -> None:
    m.fund(alice, "USDC", 10**6)
    with ape.reverts(m.pool.NoDebtOfSelectedType):
        m.pool.repay(m.tokens["USDC"], 10**6, VARIABLE, alice, sender=alice)


def test_borrow_on_behalf_spends_delegated_allowance(m: Any, alice: Any, bob: Any) -> None:
    usdc = m.tokens["USDC"]
    m.supply(alice, "WETH", 10**18)
    with ape.reverts(
        m.pool.InsufficientBorrowAllowance,
        delegator=alice.address,
        delegatee=bob.address,
        allowance=0,
        amount=10**6,
    ):
        m.pool.borrow(usdc, 10**6, VARIABLE, 0, alice, sender=bob)
    m.pool.approveDelegation(usdc, bob, 500 * 10**6, sender=alice)
    m.pool.borrow(usdc, 200 * 10**6, VARIABLE, 0, alice, sender=bob)
    assert usdc.balanceOf(bob) == 200 * 10**6
    assert m.pool.getUserReserve(alice, usdc).debt == 200 * 10**6
    assert m.pool.borrowAllowance(alice, bob, usdc) == 300 * 10**6


def test_frozen_reserve_blocks_supply_and_borrow_but_not_repay_or_withdraw(
    m: Any, alice: Any, deployer: Any
) -> None:
    usdc = m.tokens["USDC"]
    m.supply(alice, "WETH", 10**18)
    m.supply(alice, "USDC", 100 * 10**6)
    m.borrow(alice, "USDC", 50 * 10**6)
    m.pool.setReserveFreeze(usdc, True, sender=deployer)
    with ape.reverts(m.pool.ReserveIsFrozen, asset=usdc.address):
        m.supply(alice, "USDC", 10**6)
    with ape.reverts(m.pool.ReserveIsFrozen, asset=usdc.address):
        m.borrow(alice, "USDC", 10**6)
    m.pool.repay(usdc, MAX, VARIABLE, alice, sender=alice)
    m.pool.withdraw(usdc, MAX, alice, sender=alice)


def test_paused_reserve_blocks_everything(m: Any, alice: Any, deployer: Any) -> None:
    weth = m.tokens["WETH"]
    m.supply(alice, "WETH", 10**18)
    receipt = m.pool.setReservePause(weth, True, sender=deployer)
    assert [(log.asset, log.paused) for log in receipt.decode_logs(m.pool.ReservePaused)] == [
        (weth.address, True)
    ]
    with ape.reverts(m.pool.ReserveIsPaused, asset=weth.address):
        m.pool.withdraw(weth, MAX, alice, sender=alice)
    with ape.reverts(m.pool.ReserveIsPaused, asset=weth.address):
        m.borrow(alice, "WETH", 1)


@pytest.mark.parametrize(
    "call",
    [
        lambda m, a: m.pool.initReserve(a, 9000, 0, 400, 6000, sender=a),
        lambda m, a: m.pool.setReserveInterestRateData(m.tokens["USDC"], 9000, 0, 400, 6000, sender=a),
        lambda m, a: m.pool.configureReserve(m.tokens["USDC"], 0, 0, 0, 0, 0, 0, 0, False, False, sender=a),
        lambda m, a: m.pool.setReservePause(m.tokens["USDC"], True, sender=a),
        lambda m, a: m.pool.setReserveFreeze(m.tokens["USDC"], True, sender=a),
        lambda m, a: m.pool.setEModeCategory(2, 9000, 9300, 10200, "x", sender=a),
        lambda m, a: m.pool.setAssetEModeCategory(m.tokens["WETH"], 1, sender=a),
        lambda m, a: m.pool.setAssetCollateralInEMode(m.tokens["WETH"], 1, True, sender=a),
        lambda m, a: m.pool.setAssetBorrowableInEMode(m.tokens["WETH"], 1, True, sender=a),
        lambda m, a: m.pool.setOracle(a, sender=a),
        lambda m, a: m.pool.setTreasury(a, sender=a),
        lambda m, a: m.pool.setFlashLoanPremium(0, sender=a),
        lambda m, a: m.pool.eliminateReserveDeficit(m.tokens["USDC"], 1, sender=a),
    ],
)
def test_only_owner_configures(m: Any, alice: Any, call: Any) -> None:
    with ape.reverts(m.pool.NotOwner, caller=alice.address):
        call(m, alice)


@pytest.mark.parametrize(
    ("ltv", "lt", "bonus", "fee", "rf"),
    [
        (8300, 8250, 10500, 1000, 1000),  # LTV above LT
        (8000, 8250, 10000, 1000, 1000),  # no bonus
        (8000, 9600, 10500, 1000, 1000),  # LT x bonus > 100%: a liquidation could not pay its bonus
        (0, 0, 10500, 1000, 1000),  # bonus without threshold
        (8000, 8250, 10500, 10001, 1000),
        (8000, 8250, 10500, 1000, 10001),
    ],
)
def test_invalid_risk_parameters_revert(
    m: Any, deployer: Any, ltv: int, lt: int, bonus: int, fee: int, rf: int
) -> None:
    with ape.reverts(m.pool.InvalidReserveParams):
        m.pool.configureReserve(m.tokens["WETH"], ltv, lt, bonus, fee, rf, 0, 0, True, True, sender=deployer)


def test_invalid_emode_category_reverts(m: Any, deployer: Any) -> None:
    with ape.reverts(m.pool.InvalidEModeCategory, categoryId=0):
        m.pool.setEModeCategory(0, 9000, 9200, 10300, "zero", sender=deployer)
    with ape.reverts(m.pool.InvalidEModeCategory, categoryId=2):
        m.pool.setEModeCategory(2, 9000, 9800, 10300, "lt x bonus > 100%", sender=deployer)


def test_reserves_list_and_configuration_bitmap(m: Any, alice: Any) -> None:
    assert m.pool.getReservesList() == [t.address for t in m.tokens.values()]
    m.supply(alice, "WETH", 10**18)  # id 1: collateral bit 3
    m.borrow(alice, "USDC", 10**6)  # id 0: borrowing bit 0
    assert m.pool.getUserConfiguration(alice) == 0b1001


def test_deployed_code_fits_eip170(m: Any, chain: Any) -> None:
    # anvil enforces the 24,576-byte limit; the pool keeps its liquidation logic in a delegatecalled module.
    assert len(chain.provider.get_code(m.pool.address)) <= 24_576
    assert 0 < len(chain.provider.get_code(m.pool.LIQUIDATION_MODULE())) <= 24_576
