"""PriceOracle's pool-based sources against a real ConstantProductPool: spot, TWAP and the spot/rate index."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.oracle import cumulative_increment, index_price, spot_price, twap_average, twap_price

USDT_RESERVE = 2_000_000 * 10**6  # a thin venue book: $2M of USDT
USDE_RESERVE = 2_500_000 * 10**18  # against 2.5M USDe: spot 0.80
WETH_PRICE = 3_500 * 10**8


@pytest.fixture(scope="module", autouse=True)
def _setup_first(
    oracle: Any,
    usdt: Any,
    usde: Any,
    weth: Any,
    pool: Any,
    wbeth_pool: Any,
    alice: Any,
    keeper: Any,
    chain: Any,
) -> None:
    """Deploy the shared contracts before ape snapshots the module."""


@pytest.fixture(scope="module")
def factory(project: Any, deployer: Any) -> Any:
    return project.ConstantProductFactory.deploy(deployer, sender=deployer)


def _pair(project: Any, factory: Any, deployer: Any, a: Any, b: Any, amount_a: int, amount_b: int) -> Any:
    factory.createPair(a, b, sender=deployer)
    pair = project.ConstantProductPool.at(factory.getPair(a, b))
    a.mint(pair, amount_a, sender=deployer)
    b.mint(pair, amount_b, sender=deployer)
    pair.mint(deployer, sender=deployer)
    return pair


@pytest.fixture(scope="module")
def pool(project: Any, factory: Any, deployer: Any, usde: Any, usdt: Any) -> Any:
    return _pair(project, factory, deployer, usde, usdt, USDE_RESERVE, USDT_RESERVE)


@pytest.fixture(scope="module")
def wbeth(create_token: Any) -> Any:
    return create_token("wBETH", 18)


@pytest.fixture(scope="module")
def wbeth_pool(project: Any, factory: Any, deployer: Any, wbeth: Any, usdt: Any) -> Any:
    # wBETH printed ~$430 on the venue while ETH was above $3,800: 1,000 wBETH against $430k.
    return _pair(project, factory, deployer, wbeth, usdt, 1_000 * 10**18, 430_000 * 10**6)


def test_spot_source_reads_reserves_across_decimals(
    oracle: Any, pool: Any, usde: Any, usdt: Any, deployer: Any
) -> None:
    oracle.setFixedPrice(usdt, 100_000_000, sender=deployer)
    oracle.setPoolSpotSource(usde, pool, usdt, sender=deployer)
    expected = spot_price(USDE_RESERVE, USDT_RESERVE, 18, 6, 100_000_000)
    assert expected == 80_000_000
    assert oracle.getAssetPrice(usde) == expected
    assert oracle.getSpotPrice(usde) == expected


def test_spot_source_multiplies_by_the_quote_price(
    oracle: Any, pool: Any, usde: Any, usdt: Any, deployer: Any
) -> None:
    oracle.setFixedPrice(usdt, 99_900_000, sender=deployer)
    oracle.setPoolSpotSource(usde, pool, usdt, sender=deployer)
    assert (
        oracle.getAssetPrice(usde) == spot_price(USDE_RESERVE, USDT_RESERVE, 18, 6, 99_900_000) == 79_920_000
    )


def test_spot_source_moves_with_a_swap(
    oracle: Any, pool: Any, usde: Any, usdt: Any, deployer: Any, alice: Any
) -> None:
    oracle.setFixedPrice(usdt, 100_000_000, sender=deployer)
    oracle.setPoolSpotSource(usde, pool, usdt, sender=deployer)
    # A forced seller dumps 500k USDe into the thin book.
    sold = 500_000 * 10**18
    usde.mint(pool, sold, sender=deployer)
    token0_is_usde = pool.token0() == usde.address
    out = (sold * 997 * USDT_RESERVE) // (USDE_RESERVE * 1000 + sold * 997)
    pool.swap(0 if token0_is_usde else out, out if token0_is_usde else 0, alice, b"", sender=alice)
    expected = spot_price(USDE_RESERVE + sold, USDT_RESERVE - out, 18, 6, 100_000_000)
    assert oracle.getAssetPrice(usde) == expected
    assert expected < 56_000_000  # 0.80 -> below 0.56


def test_pool_source_must_hold_both_tokens(
    oracle: Any, pool: Any, weth: Any, usdt: Any, deployer: Any
) -> None:
    with ape.reverts(oracle.PoolMismatch):
        oracle.setPoolSpotSource(weth, pool, usdt, sender=deployer)


def test_index_blends_spot_and_conversion_rate(
    oracle: Any, wbeth_pool: Any, wbeth: Any, weth: Any, usdt: Any, deployer: Any, keeper: Any
) -> None:
    oracle.setFixedPrice(usdt, 100_000_000, sender=deployer)
    oracle.setFixedPrice(weth, 3_800 * 10**8, sender=deployer)
    rate = 1_065_000_000_000_000_000  # 1.065 ETH per wBETH
    oracle.setIndexSource(wbeth, wbeth_pool, usdt, 2_000, weth, rate, sender=deployer)
    spot = spot_price(1_000 * 10**18, 430_000 * 10**6, 18, 6, 100_000_000)
    assert spot == 430 * 10**8
    expected = index_price(spot, rate, 3_800 * 10**8, 2_000)
    assert oracle.getAssetPrice(wbeth) == expected == (430 * 10**8 * 2_000 + 4_047 * 10**8 * 8_000) // 10_000
    # From Oct 14 the venue switched to 100% conversion rate: the spot print no longer matters.
    oracle.setIndexSource(wbeth, wbeth_pool, usdt, 0, weth, rate, sender=deployer)
    assert oracle.getAssetPrice(wbeth) == 4_047 * 10**8
    oracle.setConversionRate(wbeth, 1_066_000_000_000_000_000, sender=keeper)
    assert oracle.getAssetPrice(wbeth) == 405_080_000_000


def test_twap_needs_a_full_window_then_averages(
    oracle: Any, pool: Any, usde: Any, usdt: Any, deployer: Any, alice: Any, chain: Any
) -> None:
    oracle.setFixedPrice(usdt, 100_000_000, sender=deployer)
    set_receipt = oracle.setPoolTwapSource(usde, pool, usdt, 600, sender=deployer)
    with ape.reverts(oracle.TwapNotReady):
        oracle.getAssetPrice(usde)
    token0_is_usde = pool.token0() == usde.address
    cumulative_then = pool.price0CumulativeLast() if token0_is_usde else pool.price1CumulativeLast()
    _, _, last = pool.getReserves()
    # What the oracle stored as its first observation: the pair's cumulative carried to the set-up time.
    observed = cumulative_then + cumulative_increment(
        USDE_RESERVE, USDT_RESERVE, set_receipt.timestamp - last
    )
    chain.mine(timestamp=set_receipt.timestamp + 299)
    assert not oracle.updateTwap.call(usde)
    chain.pending_timestamp = set_receipt.timestamp + 600
    receipt = oracle.updateTwap(usde, sender=alice)
    elapsed = receipt.timestamp - set_receipt.timestamp
    now_cumulative = observed + cumulative_increment(USDE_RESERVE, USDT_RESERVE, elapsed)
    average = twap_average(now_cumulative, observed, elapsed)
    assert oracle.getAssetPrice(usde) == twap_price(average, 18, 6, 100_000_000)
    assert oracle.lastUpdate(usde) == receipt.timestamp
    [event] = list(receipt.decode_logs(oracle.TwapUpdated))
    assert event.window == elapsed
