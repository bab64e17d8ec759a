"""MockERC20: decimals, role-gated minting, ERC-20 transfer and allowance rules."""

from __future__ import annotations

from typing import Any

import ape
import pytest


@pytest.fixture(scope="module")
def usdc(create_token: Any) -> Any:
    return create_token("USDC", 6, name="USD Coin")


def test_metadata_keeps_any_decimals(create_token: Any) -> None:
    for decimals in (6, 8, 18):
        token = create_token(f"T{decimals}", decimals)
        assert token.decimals() == decimals
        assert token.symbol() == f"T{decimals}"


def test_owner_mints_and_total_supply_tracks_balances(usdc: Any, deployer: Any, alice: Any, bob: Any) -> None:
    usdc.mint(alice, 1_000_000_000, sender=deployer)
    usdc.mint(bob, 5, sender=deployer)
    assert usdc.balanceOf(alice) == 1_000_000_000
    assert usdc.totalSupply() == 1_000_000_005


def test_stranger_cannot_mint(usdc: Any, alice: Any) -> None:
    with ape.reverts(usdc.NotMinter, caller=alice.address):
        usdc.mint(alice, 1, sender=alice)


def test_appointed_minter_can_mint_and_burn_until_revoked(
    usdc: Any, deployer: Any, alice: Any, bob: Any
) -> None:
    usdc.setMinter(alice, True, sender=deployer)
    usdc.mint(bob, 100, sender=alice)
    usdc.burn(bob, 40, sender=alice)
    assert usdc.balanceOf(bob) == 60
    usdc.setMinter(alice, False, sender=deployer)
    with ape.reverts(usdc.NotMinter):
        usdc.mint(bob, 1, sender=alice)


def test_only_owner_appoints_minters(usdc: Any, alice: Any, bob: Any) -> None:
    with ape.reverts(usdc.NotOwner, caller=alice.address):
        usdc.setMinter(bob, True, sender=alice)


def test_transfer_more_than_balance_reverts_with_amounts(
    usdc: Any, deployer: Any, alice: Any, bob: Any
) -> None:
    usdc.mint(alice, 10, sender=deployer)
    with ape.reverts(usdc.InsufficientBalance, account=alice.address, balance=10, needed=11):
        usdc.transfer(bob, 11, sender=alice)


def test_transfer_from_spends_allowance_except_infinite(
    usdc: Any, deployer: Any, alice: Any, bob: Any
) -> None:
    usdc.mint(alice, 1_000, sender=deployer)
    usdc.approve(bob, 300, sender=alice)
    usdc.transferFrom(alice, bob, 200, sender=bob)
    assert usdc.allowance(alice, bob) == 100
    with ape.reverts(usdc.InsufficientAllowance):
        usdc.transferFrom(alice, bob, 101, sender=bob)
    usdc.approve(bob, 2**256 - 1, sender=alice)
    usdc.transferFrom(alice, bob, 800, sender=bob)
    assert usdc.allowance(alice, bob) == 2**256 - 1
    assert usdc.balanceOf(bob) == 1_000


def test_transfer_emits_event(usdc: Any, deployer: Any, alice: Any, bob: Any) -> None:
    usdc.mint(alice, 7, sender=deployer)
    receipt = usdc.transfer(bob, 7, sender=alice)
    logs = list(receipt.decode_logs(usdc.Transfer))
    assert len(logs) == 1
    assert logs[0]["from"] == alice.address
    assert logs[0].value == 7
