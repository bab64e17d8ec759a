"""liquidationCall: seizure, capping at the balance, receiveAToken, the v3.3 close factor and dust rule, bad-debt
write-off into the deficit, the protocol fee, and the refusals. Rates are flat at 0% so amounts are exact."""

from __future__ import annotations

from typing import Any

import ape
import pytest

MAX = 2**256 - 1
USD = 10**8


@pytest.fixture
def m(market: Any) -> Any:
    market.zero_rates("USDC", "WETH", "WBTC")
    return market


def open_position(m: Any, user: Any, weth: int, usdc_debt: int) -> None:
    m.supply(user, "WETH", weth)
    m.borrow(user, "USDC", usdc_debt)


def liquidate(m: Any, liquidator: Any, user: Any, debt_to_cover: int, receive_a_token: bool = False) -> Any:
    m.fund(liquidator, "USDC", 100_000 * 10**6)
    return m.pool.liquidationCall(
        m.tokens["WETH"], m.tokens["USDC"], user, debt_to_cover, receive_a_token, sender=liquidator
    )


def weth_supply(m: Any, user: Any) -> int:
    return int(m.pool.getUserReserve(user, m.tokens["WETH"]).supplied)


def usdc_debt(m: Any, user: Any) -> int:
    return int(m.pool.getUserReserve(user, m.tokens["USDC"]).debt)


def test_partial_liquidation_seizes_debt_value_plus_bonus_minus_fee(
    m: Any, alice: Any, liquidator: Any, treasury: Any
) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.set_price("WETH", 3_500 * USD)  # HF = 35,000 x 82.5% / 30,000 = 0.9625
    weth = m.tokens["WETH"]
    receipt = liquidate(m, liquidator, alice, 10_000 * 10**6)
    # base = 10,000 / 3,500 WETH = 2.857142857142857142; x 105% = 2.999999999999999999
    # fee = 10% of the 5% bonus part = 0.014285714285714286; the liquidator gets the rest
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount, log.liquidator, log.receiveAToken) == (
        10_000 * 10**6,
        2_985714285714285713,
        liquidator.address,
        False,
    )
    assert weth.balanceOf(liquidator) == 2_985714285714285713
    assert weth_supply(m, treasury) == 14285714285714286
    assert weth_supply(m, alice) == 10 * 10**18 - 2_999999999999999999
    assert usdc_debt(m, alice) == 20_000 * 10**6
    assert m.tokens["USDC"].balanceOf(liquidator) == 90_000 * 10**6


def test_close_factor_is_half_the_debt_above_hf_095_for_large_positions(
    m: Any, alice: Any, liquidator: Any
) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.set_price("WETH", 3_500 * USD)
    receipt = liquidate(m, liquidator, alice, MAX)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (15_000 * 10**6, 4_478571428571428571)
    assert usdc_debt(m, alice) == 15_000 * 10**6


def test_close_factor_boundary_hf_exactly_095_allows_full_liquidation(
    m: Any, alice: Any, liquidator: Any
) -> None:
    open_position(m, alice, 10 * 10**18, 31_350 * 10**6)
    m.set_price("WETH", 3_610 * USD)  # HF = 36,100 x 82.5% / 31,350 = 0.95 exactly
    assert m.account_data(alice)[5] == 950000000000000000
    receipt = liquidate(m, liquidator, alice, MAX)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (31_350 * 10**6, 9_075000000000000000)
    assert usdc_debt(m, alice) == 0


def test_close_factor_boundary_hf_just_above_095_allows_half(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10 * 10**18, 31_350 * 10**6)
    m.set_price("WETH", 3_611 * USD)  # HF = 0.950263...
    receipt = liquidate(m, liquidator, alice, MAX)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (15_675 * 10**6, 4_536243422874549985)


def test_small_positions_are_fully_liquidatable_above_hf_095(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 6 * 10**17, 1_500 * 10**6)
    m.set_price("WETH", 3_000 * USD)  # collateral $1,800 < $2,000; HF = 0.99
    receipt = liquidate(m, liquidator, alice, MAX)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (1_500 * 10**6, 522500000000000000)
    assert usdc_debt(m, alice) == 0
    assert weth_supply(m, alice) == 6 * 10**17 - 525000000000000000


def test_dust_rule_allows_leaving_exactly_1000_dollars(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10**18, 2_500 * 10**6)
    m.set_price("WETH", 2_800 * USD)  # HF = 0.924: 100% close factor
    receipt = liquidate(m, liquidator, alice, 1_500 * 10**6)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (1_500 * 10**6, 559821428571428571)
    assert usdc_debt(m, alice) == 1_000 * 10**6


def test_dust_rule_refuses_leaving_less_than_1000_dollars_of_debt(
    m: Any, alice: Any, liquidator: Any
) -> None:
    open_position(m, alice, 10**18, 2_500 * 10**6)
    m.set_price("WETH", 2_800 * USD)
    with ape.reverts(m.pool.MustNotLeaveDust):
        liquidate(m, liquidator, alice, 1_500 * 10**6 + 1)


def test_dust_rule_refuses_leaving_less_than_1000_dollars_of_collateral(
    m: Any, alice: Any, liquidator: Any
) -> None:
    m.supply(alice, "WETH", 5 * 10**17)  # $2,000
    m.supply(alice, "WBTC", 10**7)  # $10,000
    m.borrow(alice, "USDC", 8_800 * 10**6)
    m.set_price("WBTC", 80_000 * USD)  # HF = (2,000 x 82.5% + 8,000 x 78%) / 8,800 = 0.8966
    # 1,000 USDC seizes 0.2625 WETH (fee included): $950 of WETH would be left
    with ape.reverts(m.pool.MustNotLeaveDust):
        liquidate(m, liquidator, alice, 1_000 * 10**6)
    # 900 USDC seizes 0.23625 WETH: $1,055 is left
    liquidate(m, liquidator, alice, 900 * 10**6)
    assert weth_supply(m, alice) == 5 * 10**17 - 236250000000000000


def test_dust_rule_allows_clearing_a_small_debt_leg_entirely(m: Any, alice: Any, liquidator: Any) -> None:
    # Debt is spread over USDC and WBTC, so the USDC leg is below $2,000 and fully liquidatable.
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_500 * 10**6)
    m.borrow(alice, "WBTC", 15 * 10**5)  # $1,500
    m.set_price("WETH", 3_500 * USD)  # HF = 3,500 x 82.5% / 3,000 = 0.9625
    # 1,400 USDC would leave $100 of USDC debt: dust
    with ape.reverts(m.pool.MustNotLeaveDust):
        liquidate(m, liquidator, alice, 1_400 * 10**6)
    liquidate(m, liquidator, alice, 1_500 * 10**6)
    assert usdc_debt(m, alice) == 0


def test_seizure_capped_at_balance_writes_remaining_debt_off_as_deficit(
    m: Any, alice: Any, liquidator: Any, treasury: Any
) -> None:
    open_position(m, alice, 10**18, 3_000 * 10**6)
    m.set_price("WETH", 2_900 * USD)  # collateral $2,900 < debt $3,000
    usdc = m.tokens["USDC"]
    receipt = liquidate(m, liquidator, alice, MAX)
    # All 1 WETH is seized; it repays 2,900 / 1.05 = 2,761.904762 USDC (rounded up), the rest is bad debt.
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (2_761_904762, 995238095238095238)
    [deficit] = receipt.decode_logs(m.pool.DeficitCreated)
    assert (deficit.user, deficit.debtAsset, deficit.amountCreated) == (
        alice.address,
        usdc.address,
        238_095238,
    )
    assert m.pool.getReserveState(usdc).deficit == 238_095238
    assert weth_supply(m, alice) == 0
    assert weth_supply(m, treasury) == 4761904761904762
    assert usdc_debt(m, alice) == 0
    assert m.pool.getUserConfiguration(alice) == 0
    assert m.account_data(alice) == (0, 0, 0, 0, 0, MAX)


def test_bad_debt_is_written_off_in_every_debt_reserve(m: Any, alice: Any, liquidator: Any) -> None:
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 1_500 * 10**6)
    m.borrow(alice, "WBTC", 10**6)  # 0.01 WBTC = $1,000
    m.set_price("WETH", 2_000 * USD)  # collateral $2,000 < debt $2,500
    receipt = liquidate(m, liquidator, alice, MAX)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    # 2,000 / 1.05 = 1,904.76 > 1,500: the whole USDC debt is repaid for 1,575 worth of WETH ...
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (1_500 * 10**6, 783750000000000000)
    # ... 0.2125 WETH ($425) is left, so nothing is written off yet.
    assert not list(receipt.decode_logs(m.pool.DeficitCreated))
    m.fund(liquidator, "WBTC", 10**6)
    receipt = m.pool.liquidationCall(m.tokens["WETH"], m.tokens["WBTC"], alice, MAX, False, sender=liquidator)
    # 0.2125 WETH pays 425 / 1.05 = $404.7619 of WBTC (rounded up), the rest of the WBTC debt is deficit.
    [deficit] = receipt.decode_logs(m.pool.DeficitCreated)
    assert (deficit.debtAsset, deficit.amountCreated) == (m.tokens["WBTC"].address, 10**6 - 404762)
    assert m.pool.getReserveState(m.tokens["WBTC"]).deficit == 10**6 - 404762
    assert m.pool.getUserConfiguration(alice) == 0


def test_bad_debt_in_other_reserves_is_written_off_with_the_last_collateral(
    m: Any, alice: Any, liquidator: Any
) -> None:
    m.supply(alice, "WETH", 10**18)
    m.borrow(alice, "USDC", 2_000 * 10**6)
    m.borrow(alice, "WBTC", 10**6)  # $1,000
    m.set_price("WETH", 1_500 * USD)  # collateral $1,500 < debt $3,000
    receipt = liquidate(m, liquidator, alice, MAX)
    # All WETH goes for 1,500 / 1.05 = 1,428.571429 USDC; the rest of USDC and all WBTC become deficit.
    created = {(log.debtAsset, log.amountCreated) for log in receipt.decode_logs(m.pool.DeficitCreated)}
    assert created == {
        (m.tokens["USDC"].address, 2_000 * 10**6 - 1_428_571429),
        (m.tokens["WBTC"].address, 10**6),
    }
    assert m.pool.getReserveState(m.tokens["WBTC"]).scaledTotalDebt == 0
    assert m.pool.getUserConfiguration(alice) == 0


def test_receive_atoken_credits_supply_position_instead_of_tokens(
    m: Any, alice: Any, liquidator: Any
) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.set_price("WETH", 3_500 * USD)
    weth = m.tokens["WETH"]
    receipt = liquidate(m, liquidator, alice, 10_000 * 10**6, receive_a_token=True)
    assert weth.balanceOf(liquidator) == 0
    position = m.pool.getUserReserve(liquidator, weth)
    assert (position.supplied, position.usingAsCollateral) == (2_985714285714285713, True)
    [enabled] = receipt.decode_logs(m.pool.ReserveUsedAsCollateralEnabled)
    assert (enabled.reserve, enabled.user) == (weth.address, liquidator.address)
    assert m.pool.getReserveState(weth).virtualUnderlyingBalance == weth.balanceOf(m.pool)


def test_full_seizure_disables_collateral_flag(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10**18, 3_000 * 10**6)
    m.set_price("WETH", 2_900 * USD)
    receipt = liquidate(m, liquidator, alice, MAX)
    [disabled] = receipt.decode_logs(m.pool.ReserveUsedAsCollateralDisabled)
    assert (disabled.reserve, disabled.user) == (m.tokens["WETH"].address, alice.address)


def test_emode_liquidation_uses_category_bonus(m: Any, alice: Any, liquidator: Any) -> None:
    m.zero_rates("USDE")
    m.supply(alice, "USDE", 10_000 * 10**18)
    m.pool.setUserEMode(1, sender=alice)
    m.borrow(alice, "USDC", 8_900 * 10**6)
    m.set_price("USDE", 96_600000)  # USDe at $0.966: HF = 9,660 x 92% / 8,900 = 0.99856
    assert m.account_data(alice)[5] == 998561797752808989
    m.fund(liquidator, "USDC", 10_000 * 10**6)
    receipt = m.pool.liquidationCall(m.tokens["USDE"], m.tokens["USDC"], alice, MAX, False, sender=liquidator)
    [log] = receipt.decode_logs(m.pool.LiquidationCall)
    # Half of the 8,900 debt at a 3% bonus (not USDe's own 8.5%)
    assert (log.debtToCover, log.liquidatedCollateralAmount) == (4_450 * 10**6, 4731_004140786749482402)


def test_healthy_position_cannot_be_liquidated(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)  # HF 1.1
    with ape.reverts(m.pool.HealthFactorNotBelowThreshold, healthFactor=1_100000000000000000):
        liquidate(m, liquidator, alice, MAX)


def test_self_liquidation_is_refused(m: Any, alice: Any) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.set_price("WETH", 3_000 * USD)
    with ape.reverts(m.pool.SelfLiquidation):
        liquidate(m, alice, alice, MAX)


def test_collateral_not_enabled_cannot_be_seized(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.supply(alice, "WBTC", 10**6)
    m.pool.setUserUseReserveAsCollateral(m.tokens["WBTC"], False, sender=alice)
    m.set_price("WETH", 3_000 * USD)
    with ape.reverts(m.pool.CollateralCannotBeLiquidated, asset=m.tokens["WBTC"].address):
        m.pool.liquidationCall(m.tokens["WBTC"], m.tokens["USDC"], alice, MAX, False, sender=liquidator)


def test_debt_asset_not_borrowed_is_refused(m: Any, alice: Any, liquidator: Any) -> None:
    open_position(m, alice, 10 * 10**18, 30_000 * 10**6)
    m.set_price("WETH", 3_000 * USD)
    with ape.reverts(m.pool.SpecifiedCurrencyNotBorrowedByUser, asset=m.tokens["WBTC"].address):
        m.pool.liquidationCall(m.tokens["WETH"], m.tokens["WBTC"], alice, MAX, False, sender=liquidator)


def test_owner_covers_deficit_by_burning_its_supply(
    m: Any, alice: Any, liquidator: Any, deployer: Any
) -> None:
    open_position(m, alice, 10**18, 3_000 * 10**6)
    m.set_price("WETH", 2_900 * USD)
    liquidate(m, liquidator, alice, MAX)  # leaves a 238.095238 USDC deficit
    usdc = m.tokens["USDC"]
    m.supply(deployer, "USDC", 1_000 * 10**6)
    cash = m.pool.getReserveState(usdc).virtualUnderlyingBalance
    receipt = m.pool.eliminateReserveDeficit(usdc, MAX, sender=deployer)
    [log] = receipt.decode_logs(m.pool.DeficitCovered)
    assert (log.reserve, log.caller, log.amountCovered) == (usdc.address, deployer.address, 238_095238)
    data = m.pool.getReserveState(usdc)
    assert (data.deficit, data.virtualUnderlyingBalance) == (0, cash)
    assert m.pool.getUserReserve(deployer, usdc).supplied == 1_000 * 10**6 - 238_095238
    with ape.reverts(m.pool.ReserveNotInDeficit, asset=usdc.address):
        m.pool.eliminateReserveDeficit(usdc, 1, sender=deployer)
