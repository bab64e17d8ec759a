"""getUserAccountData in Aave's units, exactly, across 6/8/18-decimal assets and in the stablecoin e-mode."""

from __future__ import annotations

from typing import Any

import ape

from sim.mirrors.lending import MAX_UINT256, account_data

USD = 10**8  # one dollar in base currency


def test_account_with_no_position_reports_zeros_and_infinite_health(market: Any, alice: Any) -> None:
    assert market.account_data(alice) == (0, 0, 0, 0, 0, MAX_UINT256)


def test_supply_only_has_borrowing_power_and_infinite_health(market: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 10**18)
    assert market.account_data(alice) == (4_000 * USD, 0, 3_200 * USD, 8250, 8000, MAX_UINT256)


def test_weth_collateral_usdc_debt(market: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 10 * 10**18)
    market.borrow(alice, "USDC", 20_000 * 10**6)
    # HF = 40,000 x 82.5% / 20,000
    assert market.account_data(alice) == (
        40_000 * USD,
        20_000 * USD,
        12_000 * USD,
        8250,
        8000,
        1_650000000000000000,
    )


def test_usdc_collateral_wbtc_debt(market: Any, alice: Any) -> None:
    market.supply(alice, "USDC", 50_000 * 10**6)
    market.borrow(alice, "WBTC", 3 * 10**7)  # 0.3 WBTC = $30,000
    assert market.account_data(alice) == (
        50_000 * USD,
        30_000 * USD,
        7_500 * USD,
        7800,
        7500,
        1_300000000000000000,
    )


def test_mixed_decimals_weight_ltv_and_threshold_by_value(market: Any, alice: Any) -> None:
    market.supply(alice, "WBTC", 5 * 10**7)  # $50,000 at 73/78
    market.supply(alice, "USDC", 10_000 * 10**6)  # $10,000 at 75/78
    market.supply(alice, "WETH", 2 * 10**18)  # $8,000 at 80/82.5
    market.borrow(alice, "WETH", 35 * 10**17)  # $14,000
    # ltv = (50k x 7300 + 10k x 7500 + 8k x 8000) / 68k = 7411.76 -> 7411; LT -> 7852.94 -> 7852
    # HF = 68,000 x 78.52% / 14,000 = 3.81382857142857142857... rounded half up
    assert market.account_data(alice) == (
        68_000 * USD,
        14_000 * USD,
        36_394_80000000,
        7852,
        7411,
        3_813828571428571429,
    )


def test_account_data_matches_mirror_for_mixed_positions(market: Any, alice: Any) -> None:
    market.supply(alice, "WBTC", 123_456_789)
    market.supply(alice, "USDE", 7_777 * 10**18 + 3)
    market.borrow(alice, "USDC", 12_345_678_901)
    market.borrow(alice, "WETH", 1_234_567_890_123_456_789)
    market.set_price("WBTC", 61_234_56789012)
    market.set_price("WETH", 2_345_67890123)
    expected = account_data(market.positions(alice), market.prices(), market.params(), market.emode(alice))
    assert market.account_data(alice) == (
        expected.total_collateral_base,
        expected.total_debt_base,
        expected.available_borrows_base,
        expected.current_liquidation_threshold,
        expected.ltv,
        expected.health_factor,
    )


def test_disabled_collateral_does_not_count(market: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 10**18)
    market.supply(alice, "USDC", 1_000 * 10**6)
    receipt = market.pool.setUserUseReserveAsCollateral(market.tokens["USDC"], False, sender=alice)
    assert [log.reserve for log in receipt.decode_logs(market.pool.ReserveUsedAsCollateralDisabled)] == [
        market.tokens["USDC"].address
    ]
    assert market.account_data(alice)[0] == 4_000 * USD


def test_stablecoin_emode_raises_ltv_and_threshold_to_90_92(market: Any, alice: Any) -> None:
    market.supply(alice, "USDE", 10_000 * 10**18)
    receipt = market.pool.setUserEMode(1, sender=alice)
    assert [(log.user, log.categoryId) for log in receipt.decode_logs(market.pool.UserEModeSet)] == [
        (alice.address, 1)
    ]
    market.borrow(alice, "USDC", 8_900 * 10**6)
    # HF = 10,000 x 92% / 8,900
    assert market.account_data(alice) == (
        10_000 * USD,
        8_900 * USD,
        100 * USD,
        9200,
        9000,
        1_033707865168539326,
    )


def test_borrow_above_own_ltv_reverts_outside_emode(market: Any, alice: Any) -> None:
    market.supply(alice, "USDE", 10_000 * 10**18)
    # USDe's own LTV is 72%: 8,900 needs 8,900 / 0.72 = 12,361.11 of collateral.
    with ape.reverts(
        market.pool.CollateralCannotCoverNewBorrow,
        collateralNeededBase=12_361_11111111,
        collateralBase=10_000 * USD,
    ):
        market.borrow(alice, "USDC", 8_900 * 10**6)


def test_emode_parameters_apply_only_to_category_assets(market: Any, alice: Any) -> None:
    market.supply(alice, "USDE", 10_000 * 10**18)
    market.supply(alice, "WETH", 10**18)
    market.pool.setUserEMode(1, sender=alice)
    market.borrow(alice, "USDC", 1_000 * 10**6)
    # USDe at 90/92 (e-mode), WETH at its own 80/82.5
    collateral = 14_000 * USD
    ltv = (10_000 * 9000 + 4_000 * 8000) // 14_000
    lt = (10_000 * 9200 + 4_000 * 8250) // 14_000
    assert market.account_data(alice)[:5] == (
        collateral,
        1_000 * USD,
        (collateral * ltv + 5_000) // 10_000 - 1_000 * USD,
        lt,
        ltv,
    )


def test_entering_emode_with_debt_outside_category_reverts(market: Any, alice: Any) -> None:
    market.supply(alice, "USDE", 10_000 * 10**18)
    market.borrow(alice, "WETH", 10**17)
    with ape.reverts(market.pool.NotBorrowableInEMode, asset=market.tokens["WETH"].address, categoryId=1):
        market.pool.setUserEMode(1, sender=alice)


def test_leaving_emode_that_would_make_position_unhealthy_reverts(market: Any, alice: Any) -> None:
    market.supply(alice, "USDE", 10_000 * 10**18)
    market.pool.setUserEMode(1, sender=alice)
    market.borrow(alice, "USDC", 8_900 * 10**6)
    # Outside e-mode HF = 10,000 x 75% / 8,900 = 0.8426...
    with ape.reverts(market.pool.HealthFactorLowerThanLiquidationThreshold, healthFactor=842696629213483146):
        market.pool.setUserEMode(0, sender=alice)


def test_entering_unknown_emode_category_reverts(market: Any, alice: Any) -> None:
    with ape.reverts(market.pool.InconsistentEModeCategory, categoryId=7):
        market.pool.setUserEMode(7, sender=alice)
