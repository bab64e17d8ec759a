"""SafeTransferLib: tokens that return true or nothing move; a false, a non-bool word, a bare revert or an address
without code revert with the library's error for the call; a token's own error reaches the caller by name."""

from __future__ import annotations

from typing import Any

import ape
import pytest

RETURNS_TRUE, RETURNS_NOTHING, RETURNS_FALSE, REVERTS_EMPTY, REVERTS_WITH_ERROR, RETURNS_TWO = range(6)


@pytest.fixture(scope="module", autouse=True)
def _deploy_first(harness: Any, odd: Any, usdt: Any) -> None:
    """Deploy before the module's snapshot, so ape's isolation never rebases the module."""


@pytest.fixture(scope="module")
def usdt(create_token: Any, deployer: Any, harness: Any) -> Any:
    """A standard ERC-20 (custom errors); the harness holds 10."""
    token = create_token("USDT", 6)
    token.mint(harness, 10, sender=deployer)
    return token


@pytest.fixture(scope="module")
def harness(project: Any, deployer: Any) -> Any:
    return project.TestSafeTransfer.deploy(sender=deployer)


@pytest.fixture(scope="module")
def odd(project: Any, deployer: Any, harness: Any, alice: Any) -> Any:
    """An odd token: the harness holds 1,000 and may move 500 of alice's 1,000."""
    token = project.TestOddToken.deploy(sender=deployer)
    token.mint(harness, 1_000, sender=deployer)
    token.mint(alice, 1_000, sender=deployer)
    token.approve(harness, 500, sender=alice)
    return token


@pytest.mark.parametrize("mode", [RETURNS_TRUE, RETURNS_NOTHING], ids=["returns-true", "returns-nothing"])
def test_tokens_returning_true_or_nothing_move(
    odd: Any, harness: Any, deployer: Any, alice: Any, bob: Any, mode: int
) -> None:
    odd.setMode(mode, sender=deployer)
    harness.transfer(odd, bob, 300, sender=deployer)
    harness.transferFrom(odd, alice, bob, 200, sender=deployer)
    harness.approve(odd, bob, 77, sender=deployer)
    assert [odd.balanceOf(a) for a in (harness, alice, bob)] == [700, 800, 500]
    assert (odd.allowance(alice, harness), odd.allowance(harness, bob)) == (300, 77)


@pytest.mark.parametrize(
    "mode", [RETURNS_FALSE, REVERTS_EMPTY, RETURNS_TWO], ids=["returns-false", "reverts-empty", "returns-two"]
)
def test_a_refusal_without_a_reason_reverts_with_the_library_error(
    odd: Any, harness: Any, deployer: Any, alice: Any, bob: Any, mode: int
) -> None:
    odd.setMode(mode, sender=deployer)
    with ape.reverts(harness.TransferFailed, token=odd.address):
        harness.transfer(odd, bob, 300, sender=deployer)
    with ape.reverts(harness.TransferFromFailed, token=odd.address):
        harness.transferFrom(odd, alice, bob, 200, sender=deployer)
    with ape.reverts(harness.ApproveFailed, token=odd.address):
        harness.approve(odd, bob, 77, sender=deployer)
    assert [odd.balanceOf(a) for a in (harness, alice, bob)] == [1_000, 1_000, 0]


def test_the_tokens_own_error_reaches_the_caller(
    odd: Any, harness: Any, deployer: Any, alice: Any, bob: Any
) -> None:
    odd.setMode(REVERTS_WITH_ERROR, sender=deployer)
    with ape.reverts(odd.Refused, **{"from": harness.address, "amount": 300}):
        harness.transfer(odd, bob, 300, sender=deployer)
    with ape.reverts(odd.Refused, **{"from": alice.address, "amount": 200}):
        harness.transferFrom(odd, alice, bob, 200, sender=deployer)


def test_an_erc20_error_keeps_its_name(usdt: Any, harness: Any, deployer: Any, alice: Any, bob: Any) -> None:
    token = usdt
    with ape.reverts(token.InsufficientBalance, account=harness.address, balance=10, needed=11):
        harness.transfer(token, bob, 11, sender=deployer)
    with ape.reverts(
        token.InsufficientAllowance, owner=alice.address, spender=harness.address, allowance=0, needed=1
    ):
        harness.transferFrom(token, alice, bob, 1, sender=deployer)


def test_an_address_without_code_is_not_a_token(harness: Any, deployer: Any, bob: Any) -> None:
    # A call to an account without code succeeds and returns nothing: it must not pass for a USDT-like token.
    with ape.reverts(harness.TransferFailed, token=bob.address):
        harness.transfer(bob, deployer, 1, sender=deployer)
    with ape.reverts(harness.TransferFromFailed, token=bob.address):
        harness.transferFrom(bob, deployer, bob, 1, sender=deployer)
