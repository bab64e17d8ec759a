"""Our pool, provider and oracle read through Aave v3's own interface ABIs (from npm `@aave/core-v3`): every
function that shares Aave's selector returns Aave's layout, so an Aave client decodes real values."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.lending import normalized_debt, normalized_income
from sim.node.npm_artifacts import aave_v3

from .conftest import LISTINGS, Market

RAY = 10**27


def aave(interface: str, address: Any) -> Any:
    """A contract handle that knows only Aave's ABI for `interface` (e.g. IPool)."""
    return ape.Contract(address, abi=list(aave_v3(f"interfaces/{interface}.sol/{interface}").abi))


@pytest.fixture(scope="module")
def aave_pool(market: Market) -> Any:
    return aave("IPool", market.pool.address)


def decode_configuration(data: int) -> dict[str, int]:
    """Aave's ReserveConfiguration getters, bit for bit."""
    return {
        "ltv": data & 0xFFFF,
        "liquidationThreshold": (data >> 16) & 0xFFFF,
        "liquidationBonus": (data >> 32) & 0xFFFF,
        "decimals": (data >> 48) & 0xFF,
        "active": (data >> 56) & 1,
        "frozen": (data >> 57) & 1,
        "borrowingEnabled": (data >> 58) & 1,
        "stableBorrowingEnabled": (data >> 59) & 1,
        "paused": (data >> 60) & 1,
        "flashLoanEnabled": (data >> 63) & 1,
        "reserveFactor": (data >> 64) & 0xFFFF,
        "borrowCap": (data >> 80) & (2**36 - 1),
        "supplyCap": (data >> 116) & (2**36 - 1),
        "liquidationProtocolFee": (data >> 152) & 0xFFFF,
        "eModeCategory": (data >> 168) & 0xFF,
        "debtCeiling": (data >> 212) & (2**40 - 1),
        "virtualAccounting": (data >> 252) & 1,
    }


def test_get_reserve_data_decodes_as_aaves_reserve_data(market: Market, aave_pool: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 10 * 10**18)
    market.borrow(alice, "USDC", 5_000 * 10**6)
    for symbol, listing in LISTINGS.items():
        token = market.tokens[symbol]
        real = aave_pool.getReserveData(token)
        ours = market.pool.getReserveState(token)
        assert real.liquidityIndex == ours.liquidityIndex >= RAY
        assert real.variableBorrowIndex == ours.variableBorrowIndex >= RAY
        assert real.currentLiquidityRate == ours.currentLiquidityRate
        assert real.currentVariableBorrowRate == ours.currentVariableBorrowRate
        assert real.currentStableBorrowRate == 0
        assert real.lastUpdateTimestamp == ours.lastUpdateTimestamp
        assert real.id == ours.id
        assert real.accruedToTreasury == ours.accruedToTreasury
        assert real.unbacked == real.isolationModeTotalDebt == 0
        config = decode_configuration(real.configuration.data)
        assert config == {
            "ltv": listing.ltv,
            "liquidationThreshold": listing.liquidation_threshold,
            "liquidationBonus": listing.liquidation_bonus,
            "decimals": listing.decimals,
            "active": 1,
            "frozen": 0,
            "borrowingEnabled": 1,
            "stableBorrowingEnabled": 0,
            "paused": 0,
            "flashLoanEnabled": 1,
            "reserveFactor": listing.reserve_factor,
            "borrowCap": listing.borrow_cap,
            "supplyCap": listing.supply_cap,
            "liquidationProtocolFee": listing.protocol_fee,
            "eModeCategory": 0,
            "debtCeiling": 0,
            "virtualAccounting": 1,
        }
        assert aave_pool.getConfiguration(token).data == real.configuration.data
    usdc = market.tokens["USDC"]
    assert aave_pool.getReserveData(usdc).currentVariableBorrowRate > 0


def test_configuration_bits_follow_freeze_pause_and_caps(
    market: Market, aave_pool: Any, deployer: Any
) -> None:
    weth = market.tokens["WETH"]
    market.pool.setReserveFreeze(weth, True, sender=deployer)
    market.pool.setReservePause(weth, True, sender=deployer)
    market.pool.configureReserve(weth, 7000, 7500, 10600, 500, 1200, 123, 45, False, False, sender=deployer)
    config = decode_configuration(aave_pool.getConfiguration(weth).data)
    assert (config["frozen"], config["paused"], config["borrowingEnabled"], config["flashLoanEnabled"]) == (
        1,
        1,
        0,
        0,
    )
    assert (config["ltv"], config["liquidationThreshold"], config["liquidationBonus"]) == (7000, 7500, 10600)
    assert (config["liquidationProtocolFee"], config["reserveFactor"]) == (500, 1200)
    assert (config["supplyCap"], config["borrowCap"]) == (123, 45)
    assert aave_pool.getConfiguration(deployer).data == 0  # not a reserve


def test_normalized_income_and_debt_through_aaves_abi(
    market: Market, aave_pool: Any, alice: Any, chain: Any
) -> None:
    market.supply(alice, "WETH", 10 * 10**18)
    market.borrow(alice, "USDC", 5_000 * 10**6)
    usdc = market.tokens["USDC"]
    chain.mine(timestamp=chain.pending_timestamp + 30 * 86_400)
    state = market.reserve_state("USDC")
    now = chain.blocks.head.timestamp
    assert aave_pool.getReserveNormalizedIncome(usdc) == normalized_income(state, now) > RAY
    assert aave_pool.getReserveNormalizedVariableDebt(usdc) == normalized_debt(state, now) > RAY


def test_addresses_provider_leads_to_the_pool_oracle_and_roles(
    market: Market, aave_pool: Any, deployer: Any, alice: Any
) -> None:
    provider = aave("IPoolAddressesProvider", aave_pool.ADDRESSES_PROVIDER())
    assert provider.getPool() == market.pool.address
    assert provider.getPriceOracle() == market.oracle.address
    assert provider.getPoolConfigurator() == market.pool.address
    assert provider.getMarketId() == "cascade-sim"
    assert provider.getAddress(b"POOL".ljust(32, b"\0")) == market.pool.address
    assert provider.getAddress(b"PRICE_ORACLE".ljust(32, b"\0")) == market.oracle.address
    assert provider.getPriceOracleSentinel() == provider.getPoolDataProvider() == ape.utils.ZERO_ADDRESS
    acl = aave("IACLManager", provider.getACLManager())
    assert acl.isPoolAdmin(deployer) and acl.isRiskAdmin(deployer) and acl.isEmergencyAdmin(deployer)
    assert not acl.isPoolAdmin(alice) and not acl.isFlashBorrower(alice) and not acl.isBridge(alice)
    assert provider.getACLAdmin() == deployer.address
    # The provider follows the pool: a new oracle is found through it at once.
    market.pool.setOracle(alice, sender=deployer)
    assert provider.getPriceOracle() == alice.address


def test_oracle_base_currency_through_aaves_abi(market: Market) -> None:
    oracle = aave("IPriceOracleGetter", market.oracle.address)
    assert oracle.BASE_CURRENCY() == ape.utils.ZERO_ADDRESS  # USD
    assert oracle.BASE_CURRENCY_UNIT() == 10**8
    weth = market.tokens["WETH"]
    assert oracle.getAssetPrice(weth) == LISTINGS["WETH"].price


def test_user_account_data_through_aaves_abi(market: Market, aave_pool: Any, alice: Any) -> None:
    market.supply(alice, "WETH", 10 * 10**18)
    market.borrow(alice, "USDC", 5_000 * 10**6)
    assert tuple(aave_pool.getUserAccountData(alice)) == market.account_data(alice)
    assert aave_pool.getUserConfiguration(alice).data == market.pool.getUserConfiguration(alice)
    assert aave_pool.getUserEMode(alice) == 0
    assert aave_pool.FLASHLOAN_PREMIUM_TOTAL() == 5
