"""PriceOracle: fixed, pushed (heartbeat + deviation lag), peg sources and the keeper/owner roles."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.oracle import push_due

FIXED, PUSHED, PEG = 1, 2, 3


def test_base_currency_unit_is_usd_with_8_decimals(oracle: Any) -> None:
    assert oracle.BASE_CURRENCY_UNIT() == 10**8


def test_asset_without_source_reverts(oracle: Any, weth: Any) -> None:
    with ape.reverts(oracle.NoSource, asset=weth.address):
        oracle.getAssetPrice(weth)


def test_fixed_price_is_returned_and_logged(oracle: Any, usdt: Any, deployer: Any) -> None:
    receipt = oracle.setFixedPrice(usdt, 100_020_000, sender=deployer)
    assert oracle.getAssetPrice(usdt) == 100_020_000
    assert oracle.sourceKind(usdt) == FIXED
    assert oracle.lastUpdate(usdt) == receipt.timestamp
    [event] = list(receipt.decode_logs(oracle.PriceUpdated))
    assert (event.asset, event.price, event.previousPrice) == (usdt.address, 100_020_000, 0)


def test_peg_source_follows_the_pegged_asset(oracle: Any, usdt: Any, usde: Any, deployer: Any) -> None:
    # Aave priced USDe at USDT/USD: a USDe depeg on any venue never reaches the lending pool's oracle.
    oracle.setFixedPrice(usdt, 99_980_000, sender=deployer)
    oracle.setPegSource(usde, usdt, sender=deployer)
    assert oracle.getAssetPrice(usde) == 99_980_000
    oracle.setFixedPrice(usdt, 100_000_000, sender=deployer)
    assert oracle.getAssetPrice(usde) == 100_000_000
    assert oracle.sourceKind(usde) == PEG


def test_peg_cycle_reverts_instead_of_looping(oracle: Any, usdt: Any, usde: Any, deployer: Any) -> None:
    oracle.setPegSource(usde, usdt, sender=deployer)
    oracle.setPegSource(usdt, usde, sender=deployer)
    with ape.reverts(oracle.SourceChainTooDeep):
        oracle.getAssetPrice(usde)


def test_only_owner_configures(oracle: Any, weth: Any, alice: Any) -> None:
    with ape.reverts(oracle.NotOwner, caller=alice.address):
        oracle.setFixedPrice(weth, 1, sender=alice)
    with ape.reverts(oracle.NotOwner):
        oracle.setPushedSource(weth, 1, 3600, 50, sender=alice)
    with ape.reverts(oracle.NotOwner):
        oracle.setKeeper(alice, True, sender=alice)


def test_only_keepers_push(oracle: Any, weth: Any, deployer: Any, alice: Any) -> None:
    oracle.setPushedSource(weth, 4_400 * 10**8, 3600, 50, sender=deployer)
    with ape.reverts(oracle.NotKeeper, caller=alice.address):
        oracle.pushPrice(weth, 3_500 * 10**8, sender=alice)
    with ape.reverts(oracle.NotKeeper, caller=deployer.address):
        oracle.pushPrice(weth, 3_500 * 10**8, sender=deployer)


def test_push_inside_deviation_and_heartbeat_is_refused(
    oracle: Any, weth: Any, deployer: Any, keeper: Any
) -> None:
    oracle.setPushedSource(weth, 4_400 * 10**8, 3600, 50, sender=deployer)  # 0.5% / 1 h, ETH/USD-like
    small_move = 4_420 * 10**8  # 0.45%: deviation 45 bps
    assert not oracle.shouldUpdate(weth, small_move)
    with ape.reverts(oracle.UpdateNotDue, asset=weth.address, deviationBps=45):
        oracle.pushPrice(weth, small_move, sender=keeper)
    assert oracle.getAssetPrice(weth) == 4_400 * 10**8


def test_push_beyond_deviation_is_accepted(oracle: Any, weth: Any, deployer: Any, keeper: Any) -> None:
    oracle.setPushedSource(weth, 4_400 * 10**8, 3600, 50, sender=deployer)
    assert oracle.shouldUpdate(weth, 4_378 * 10**8)  # exactly 50 bps down
    receipt = oracle.pushPrice(weth, 4_378 * 10**8, sender=keeper)
    assert oracle.getAssetPrice(weth) == 4_378 * 10**8
    assert oracle.lastUpdate(weth) == receipt.timestamp
    [event] = list(receipt.decode_logs(oracle.PriceUpdated))
    assert (event.price, event.previousPrice) == (4_378 * 10**8, 4_400 * 10**8)


def test_heartbeat_makes_any_push_due(oracle: Any, weth: Any, deployer: Any, keeper: Any, chain: Any) -> None:
    receipt = oracle.setPushedSource(weth, 4_400 * 10**8, 3600, 50, sender=deployer)
    chain.mine(timestamp=receipt.timestamp + 3599)
    assert not oracle.shouldUpdate(weth, 4_400 * 10**8)
    chain.mine(timestamp=receipt.timestamp + 3600)
    assert oracle.shouldUpdate(weth, 4_400 * 10**8)
    oracle.pushPrice(weth, 4_400 * 10**8, sender=keeper)


def test_push_to_a_fixed_source_is_refused(oracle: Any, usdt: Any, deployer: Any, keeper: Any) -> None:
    oracle.setFixedPrice(usdt, 10**8, sender=deployer)
    with ape.reverts(oracle.WrongSourceKind, asset=usdt.address, actual=FIXED):
        oracle.pushPrice(usdt, 10**8, sender=keeper)


@pytest.mark.parametrize(
    ("previous", "price", "age", "expected"),
    [
        (4_400 * 10**8, 4_378 * 10**8, 10, True),
        (4_400 * 10**8, 4_379 * 10**8, 10, False),
        (4_400 * 10**8, 4_400 * 10**8, 3600, True),
        (10**8, 2 * 10**8, 0, True),
    ],
)
def test_push_rule_mirror_matches_contract(
    oracle: Any, weth: Any, deployer: Any, chain: Any, previous: int, price: int, age: int, expected: bool
) -> None:
    receipt = oracle.setPushedSource(weth, previous, 3600, 50, sender=deployer)
    chain.mine(timestamp=receipt.timestamp + age)
    check = push_due(previous, price, receipt.timestamp, receipt.timestamp + age, 3600, 50)
    assert check.due is expected
    assert oracle.shouldUpdate(weth, price) is expected


def test_invalid_parameters_are_refused(oracle: Any, weth: Any, usdt: Any, deployer: Any) -> None:
    with ape.reverts(oracle.InvalidParameter):
        oracle.setFixedPrice(weth, 0, sender=deployer)
    with ape.reverts(oracle.InvalidParameter):
        oracle.setPushedSource(weth, 10**8, 0, 50, sender=deployer)
    with ape.reverts(oracle.InvalidParameter):
        oracle.setPegSource(weth, weth, sender=deployer)
