"""StakedSyntheticDollar driven by a client that knows only OpenZeppelin's IERC4626 ABI (npm
`@openzeppelin/contracts`): previews, deposits, mints, withdrawals and redemptions give the EIP's amounts with its
rounding (the mirror's), at a share price moved off 1:1 by vested rewards, and the events decode."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.synthetic import (
    convert_to_assets,
    convert_to_shares,
    preview_mint,
    preview_withdraw,
    unvested_amount,
)
from sim.node.npm_artifacts import openzeppelin
from tests.contracts.stable.conftest import COOLDOWN, WAD

HOUR = 3600
MAX_UINT = 2**256 - 1


@pytest.fixture(scope="module")
def asset(create_token: Any, deployer: Any, alice: Any, bob: Any) -> Any:
    token = create_token("USDe", 18)
    for account in (deployer, alice, bob):
        token.mint(account, 1_000_000 * WAD, sender=deployer)
    return token


@pytest.fixture(scope="module")
def vault(project: Any, asset: Any, deployer: Any, alice: Any, bob: Any) -> Any:
    """The vault with 1,000 staked by the deployer and a 77.7 reward, vested for 3 of its 8 hours."""
    contract = project.StakedSyntheticDollar.deploy(
        asset, "Staked USDe", "sUSDe", deployer, 0, sender=deployer
    )
    contract.setRewarder(deployer, True, sender=deployer)
    for account in (deployer, alice, bob):
        asset.approve(contract, MAX_UINT, sender=account)
    contract.deposit(1_000 * WAD, deployer, sender=deployer)
    contract.transferInRewards(777 * WAD // 10, sender=deployer)
    ape.chain.mine(timestamp=contract.lastDistributionTimestamp() + 3 * HOUR)
    return contract


@pytest.fixture(scope="module")
def erc4626(vault: Any) -> Any:
    """A handle on our vault that knows only OpenZeppelin's IERC4626 ABI."""
    return ape.Contract(vault.address, abi=list(openzeppelin("IERC4626").abi))


def books(vault: Any, asset: Any, at: int) -> tuple[int, int]:
    """(supply, totalAssets) as the mirror computes them at timestamp `at`."""
    unvested = unvested_amount(vault.vestingAmount(), vault.lastDistributionTimestamp(), at)
    return vault.totalSupply(), asset.balanceOf(vault) - unvested


def test_views_and_previews_follow_the_eip(
    erc4626: Any, vault: Any, asset: Any, alice: Any, chain: Any
) -> None:
    supply, total = books(vault, asset, chain.blocks.head.timestamp)
    assert supply == 1_000 * WAD and 1_000 * WAD < total < 1_077 * WAD  # the share price is off 1:1
    assert erc4626.asset() == asset.address
    assert erc4626.totalAssets() == total
    assert (erc4626.name(), erc4626.symbol(), erc4626.decimals()) == ("Staked USDe", "sUSDe", 18)
    amount = 123_456_789_123_456_789_123  # 123.45... with no exact quotient at this price
    assert (
        erc4626.convertToShares(amount)
        == erc4626.previewDeposit(amount)
        == convert_to_shares(amount, supply, total)
    )
    assert (
        erc4626.convertToAssets(amount)
        == erc4626.previewRedeem(amount)
        == convert_to_assets(amount, supply, total)
    )
    assert erc4626.previewMint(amount) == preview_mint(amount, supply, total)
    assert erc4626.previewWithdraw(amount) == preview_withdraw(amount, supply, total)
    # Rounding towards the vault: minting costs at least what depositing gives, withdrawing burns at least.
    assert erc4626.previewMint(amount) > erc4626.convertToAssets(amount)
    assert erc4626.previewWithdraw(amount) > erc4626.convertToShares(amount)
    assert erc4626.maxDeposit(alice) == erc4626.maxMint(alice) == MAX_UINT


def test_deposit_then_redeem_everything(
    erc4626: Any, vault: Any, asset: Any, alice: Any, bob: Any, chain: Any
) -> None:
    amount = 500 * WAD + 3
    chain.pending_timestamp = chain.blocks.head.timestamp + 60
    supply, total = books(vault, asset, chain.pending_timestamp)
    shares = convert_to_shares(amount, supply, total)
    receipt = erc4626.deposit(amount, bob, sender=alice)
    assert erc4626.balanceOf(bob) == shares
    assert asset.balanceOf(alice) == 1_000_000 * WAD - amount
    [event] = list(receipt.decode_logs(erc4626.Deposit))
    assert (event.sender, event.owner, event.assets, event.shares) == (
        alice.address,
        bob.address,
        amount,
        shares,
    )

    assert erc4626.maxRedeem(bob) == shares
    chain.pending_timestamp = chain.pending_timestamp + 2 * HOUR
    supply, total = books(vault, asset, chain.pending_timestamp)
    assets = convert_to_assets(shares, supply, total)
    assert assets > amount  # two more hours of the reward vested
    receipt = erc4626.redeem(shares, alice, bob, sender=bob)
    assert erc4626.balanceOf(bob) == 0
    assert asset.balanceOf(alice) == 1_000_000 * WAD - amount + assets
    [event] = list(receipt.decode_logs(erc4626.Withdraw))
    assert (event.sender, event.receiver, event.owner, event.assets, event.shares) == (
        bob.address,
        alice.address,
        bob.address,
        assets,
        shares,
    )


def test_mint_and_withdraw_round_towards_the_vault(
    erc4626: Any, vault: Any, asset: Any, alice: Any, chain: Any
) -> None:
    shares = 250 * WAD + 7
    chain.pending_timestamp = chain.blocks.head.timestamp + 60
    supply, total = books(vault, asset, chain.pending_timestamp)
    cost = preview_mint(shares, supply, total)
    erc4626.mint(shares, alice, sender=alice)
    assert erc4626.balanceOf(alice) == shares
    assert asset.balanceOf(alice) == 1_000_000 * WAD - cost

    assets = 100 * WAD + 1
    chain.pending_timestamp = chain.pending_timestamp + 60
    supply, total = books(vault, asset, chain.pending_timestamp)
    burned = preview_withdraw(assets, supply, total)
    erc4626.withdraw(assets, alice, alice, sender=alice)
    assert erc4626.balanceOf(alice) == shares - burned
    assert asset.balanceOf(alice) == 1_000_000 * WAD - cost + assets


def test_redeem_for_another_owner_spends_the_allowance(
    erc4626: Any, alice: Any, bob: Any, deployer: Any
) -> None:
    erc4626.deposit(10 * WAD, bob, sender=bob)
    shares = erc4626.balanceOf(bob)
    erc4626.approve(alice, shares, sender=bob)
    assert erc4626.allowance(bob, alice) == shares
    erc4626.redeem(shares // 2, alice, bob, sender=alice)
    assert erc4626.allowance(bob, alice) == shares - shares // 2
    with ape.reverts():
        erc4626.redeem(shares // 2, alice, bob, sender=deployer)


def test_under_a_cooldown_the_max_views_say_zero_and_redeem_reverts(
    erc4626: Any, vault: Any, deployer: Any, bob: Any
) -> None:
    """What an ERC-4626 client should check first: maxRedeem/maxWithdraw are 0 while sUSDe's cooldown is on."""
    erc4626.deposit(10 * WAD, bob, sender=bob)
    vault.setCooldownDuration(COOLDOWN, sender=deployer)
    assert erc4626.maxRedeem(bob) == erc4626.maxWithdraw(bob) == 0
    with ape.reverts():
        erc4626.redeem(WAD, bob, bob, sender=bob)
