"""StakedSyntheticDollar: ERC-4626 rounding, 8-hour reward vesting, cooldown and silo, the MIN_SHARES guard."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from sim.mirrors.synthetic import unvested_amount
from tests.contracts.stable.conftest import COOLDOWN, WAD

HOUR = 3600


@pytest.fixture(scope="module")
def asset(create_token: Any, deployer: Any, alice: Any, bob: Any, liquidator: Any) -> Any:
    """A plain USDe stand-in: the vault is generic over its asset, and a mock is freely mintable."""
    token = create_token("USDe", 18)
    for account in (deployer, alice, bob, liquidator):
        token.mint(account, 1_000_000 * WAD, sender=deployer)
    return token


@pytest.fixture(scope="module")
def vault(project: Any, asset: Any, deployer: Any, alice: Any, bob: Any, liquidator: Any) -> Any:
    contract = project.StakedSyntheticDollar.deploy(
        asset, "Staked USDe", "sUSDe", deployer, 0, sender=deployer
    )
    contract.setRewarder(deployer, True, sender=deployer)
    for account in (deployer, alice, bob, liquidator):
        asset.approve(contract, 2**256 - 1, sender=account)
    return contract


@pytest.fixture
def cooling(vault: Any, deployer: Any) -> Any:
    """The vault with the 7-day cooldown of 2025."""
    vault.setCooldownDuration(COOLDOWN, sender=deployer)
    return vault


# ------------------------------------------------------------ ERC-4626


def test_metadata_and_constants(vault: Any, asset: Any) -> None:
    assert (vault.name(), vault.symbol(), vault.decimals()) == ("Staked USDe", "sUSDe", 18)
    assert vault.asset() == asset.address
    assert (vault.VESTING_PERIOD(), vault.MIN_SHARES(), vault.MAX_COOLDOWN_DURATION()) == (
        8 * HOUR,
        WAD,
        90 * 24 * HOUR,
    )


def test_first_deposit_is_one_to_one_and_logged(vault: Any, asset: Any, alice: Any, bob: Any) -> None:
    receipt = vault.deposit(1_000 * WAD, bob, sender=alice)
    assert vault.balanceOf(bob) == 1_000 * WAD
    assert vault.totalAssets() == 1_000 * WAD
    assert asset.balanceOf(vault) == 1_000 * WAD
    [event] = list(receipt.decode_logs(vault.Deposit))
    assert (event.sender, event.owner, event.assets, event.shares) == (
        alice.address,
        bob.address,
        1_000 * WAD,
        1_000 * WAD,
    )


def test_deposit_rounds_shares_down_and_withdraw_rounds_them_up(
    vault: Any, alice: Any, bob: Any, deployer: Any, chain: Any
) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    start = vault.transferInRewards(80 * WAD, sender=deployer).timestamp
    chain.mine(timestamp=start + 8 * HOUR)
    # 1,080 assets for 1,000 shares.
    assert vault.previewDeposit(100 * WAD) == 92_592_592_592_592_592_592
    assert vault.previewWithdraw(100 * WAD) == 92_592_592_592_592_592_593
    assert vault.previewMint(WAD + 1) == 1_080_000_000_000_000_002
    assert vault.convertToAssets(WAD) == 108 * 10**16
    vault.deposit(100 * WAD, bob, sender=bob)
    assert vault.balanceOf(bob) == 92_592_592_592_592_592_592
    # Redeeming straight back loses the rounding, one wei, to the vault.
    vault.redeem(92_592_592_592_592_592_592, bob, bob, sender=bob)
    assert vault.balanceOf(bob) == 0
    assert vault.totalAssets() == 1_080 * WAD + 1


def test_mint_takes_the_rounded_up_assets(
    vault: Any, asset: Any, alice: Any, bob: Any, deployer: Any, chain: Any
) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    start = vault.transferInRewards(80 * WAD, sender=deployer).timestamp
    chain.pending_timestamp = start + 8 * HOUR
    before = asset.balanceOf(bob)
    vault.mint(WAD + 1, bob, sender=bob)
    assert before - asset.balanceOf(bob) == 1_080_000_000_000_000_002
    assert vault.balanceOf(bob) == WAD + 1


def test_withdraw_for_another_owner_spends_allowance(vault: Any, asset: Any, alice: Any, bob: Any) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    with ape.reverts(vault.InsufficientAllowance, owner=alice.address, spender=bob.address, allowance=0):
        vault.withdraw(10 * WAD, bob, alice, sender=bob)
    vault.approve(bob, 15 * WAD, sender=alice)
    receipt = vault.withdraw(10 * WAD, bob, alice, sender=bob)
    assert vault.allowance(alice, bob) == 5 * WAD
    assert vault.balanceOf(alice) == 990 * WAD
    [event] = list(receipt.decode_logs(vault.Withdraw))
    assert (event.sender, event.receiver, event.owner, event.assets, event.shares) == (
        bob.address,
        bob.address,
        alice.address,
        10 * WAD,
        10 * WAD,
    )


def test_zero_deposits_and_zero_share_redemptions_revert(vault: Any, alice: Any) -> None:
    with ape.reverts(vault.ZeroAssets):
        vault.deposit(0, alice, sender=alice)
    vault.deposit(1_000 * WAD, alice, sender=alice)
    with ape.reverts(vault.ZeroShares):
        vault.redeem(0, alice, alice, sender=alice)


# ------------------------------------------------------------ vesting


def test_rewards_vest_linearly_over_eight_hours(vault: Any, alice: Any, deployer: Any, chain: Any) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    receipt = vault.transferInRewards(80 * WAD, sender=deployer)
    start = receipt.timestamp
    [event] = list(receipt.decode_logs(vault.RewardsReceived))
    assert (event.rewarder, event.amount) == (deployer.address, 80 * WAD)
    assert (vault.vestingAmount(), vault.lastDistributionTimestamp()) == (80 * WAD, start)
    assert vault.getUnvestedAmount() == 80 * WAD
    assert vault.totalAssets() == 1_000 * WAD
    chain.mine(timestamp=start + 4_980)  # 1 h 23 min
    assert (
        vault.getUnvestedAmount()
        == unvested_amount(80 * WAD, start, start + 4_980)
        == 66_166_666_666_666_666_666
    )
    assert vault.totalAssets() == 1_013_833_333_333_333_333_334
    chain.mine(timestamp=start + 4 * HOUR)
    assert vault.totalAssets() == 1_040 * WAD
    chain.mine(timestamp=start + 8 * HOUR - 1)
    assert vault.getUnvestedAmount() == 2_777_777_777_777_777
    chain.mine(timestamp=start + 8 * HOUR)
    assert vault.getUnvestedAmount() == 0
    assert vault.totalAssets() == 1_080 * WAD


def test_new_rewards_are_refused_while_vesting(vault: Any, alice: Any, deployer: Any, chain: Any) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    start = vault.transferInRewards(80 * WAD, sender=deployer).timestamp
    chain.pending_timestamp = start + 2 * HOUR
    with ape.reverts(vault.StillVesting, unvested=60 * WAD):
        vault.transferInRewards(1, sender=deployer)
    chain.pending_timestamp = start + 8 * HOUR
    vault.transferInRewards(8 * WAD, sender=deployer)
    assert vault.totalAssets() == 1_080 * WAD


def test_only_rewarders_transfer_in_rewards(vault: Any, alice: Any, deployer: Any) -> None:
    with ape.reverts(vault.NotRewarder, caller=alice.address):
        vault.transferInRewards(WAD, sender=alice)
    with ape.reverts(vault.ZeroAssets):
        vault.transferInRewards(0, sender=deployer)
    with ape.reverts(vault.NotOwner, caller=alice.address):
        vault.setRewarder(alice, True, sender=alice)


def test_late_depositor_does_not_share_unvested_rewards(
    vault: Any, alice: Any, bob: Any, deployer: Any, chain: Any
) -> None:
    vault.deposit(1_000 * WAD, alice, sender=alice)
    start = vault.transferInRewards(80 * WAD, sender=deployer).timestamp
    chain.pending_timestamp = start + 4 * HOUR
    vault.deposit(1_040 * WAD, bob, sender=bob)
    assert vault.balanceOf(bob) == 1_000 * WAD
    chain.mine(timestamp=start + 8 * HOUR)
    # Bob earns only the second half of the vesting: 40 * 1000 / 2000.
    assert vault.convertToAssets(vault.balanceOf(bob)) == 1_060 * WAD
    assert vault.convertToAssets(vault.balanceOf(alice)) == 1_060 * WAD


# ------------------------------------------------------------ cooldown


def test_cooldown_blocks_direct_exits(cooling: Any, alice: Any) -> None:
    cooling.deposit(1_000 * WAD, alice, sender=alice)
    assert cooling.maxWithdraw(alice) == 0
    assert cooling.maxRedeem(alice) == 0
    with ape.reverts(cooling.CooldownOn, cooldownDuration=COOLDOWN):
        cooling.redeem(WAD, alice, alice, sender=alice)
    with ape.reverts(cooling.CooldownOn, cooldownDuration=COOLDOWN):
        cooling.withdraw(WAD, alice, alice, sender=alice)


def test_cooldown_parks_assets_in_the_silo_until_the_end(
    cooling: Any, asset: Any, alice: Any, bob: Any, chain: Any
) -> None:
    cooling.deposit(1_000 * WAD, alice, sender=alice)
    receipt = cooling.cooldownShares(400 * WAD, sender=alice)
    end = receipt.timestamp + COOLDOWN
    silo = cooling.silo()
    assert asset.balanceOf(silo) == 400 * WAD
    assert cooling.totalAssets() == 600 * WAD
    assert cooling.balanceOf(alice) == 600 * WAD
    assert cooling.cooldowns(alice) == (end, 400 * WAD)
    [started] = list(receipt.decode_logs(cooling.CooldownStarted))
    assert (started.owner, started.assets, started.shares, started.cooldownEnd) == (
        alice.address,
        400 * WAD,
        400 * WAD,
        end,
    )
    [withdraw] = list(receipt.decode_logs(cooling.Withdraw))
    assert (withdraw.receiver, withdraw.owner, withdraw.assets) == (silo, alice.address, 400 * WAD)

    chain.pending_timestamp = end - 1
    with ape.reverts(cooling.CooldownNotOver, cooldownEnd=end):
        cooling.unstake(bob, sender=alice)
    chain.pending_timestamp = end
    before = asset.balanceOf(bob)
    receipt = cooling.unstake(bob, sender=alice)
    assert asset.balanceOf(bob) - before == 400 * WAD
    assert cooling.cooldowns(alice) == (0, 0)
    [event] = list(receipt.decode_logs(cooling.Unstaked))
    assert (event.owner, event.receiver, event.assets) == (alice.address, bob.address, 400 * WAD)
    with ape.reverts(cooling.NothingToUnstake):
        cooling.unstake(bob, sender=alice)


def test_a_second_cooldown_adds_up_and_restarts_the_clock(
    cooling: Any, alice: Any, deployer: Any, chain: Any
) -> None:
    cooling.deposit(1_000 * WAD, alice, sender=alice)
    start = cooling.transferInRewards(80 * WAD, sender=deployer).timestamp
    chain.pending_timestamp = start + 8 * HOUR
    shares = cooling.cooldownAssets(108 * WAD, sender=alice).return_value
    assert shares == 100 * WAD
    chain.pending_timestamp = start + 9 * HOUR
    cooling.cooldownAssets(54 * WAD, sender=alice)
    assert cooling.cooldowns(alice) == (start + 9 * HOUR + COOLDOWN, 162 * WAD)
    assert cooling.balanceOf(alice) == 850 * WAD


def test_cooldown_of_more_than_owned_reverts(cooling: Any, alice: Any) -> None:
    cooling.deposit(1_000 * WAD, alice, sender=alice)
    with ape.reverts(cooling.ExcessiveWithdrawAmount, assets=1_000 * WAD + 1, maxAssets=1_000 * WAD):
        cooling.cooldownAssets(1_000 * WAD + 1, sender=alice)
    with ape.reverts(cooling.ExcessiveRedeemAmount, shares=1_000 * WAD + 1, maxShares=1_000 * WAD):
        cooling.cooldownShares(1_000 * WAD + 1, sender=alice)


def test_with_cooldown_zero_the_vault_is_plain_erc4626(
    cooling: Any, asset: Any, alice: Any, deployer: Any
) -> None:
    cooling.deposit(1_000 * WAD, alice, sender=alice)
    cooling.cooldownShares(100 * WAD, sender=alice)
    receipt = cooling.setCooldownDuration(0, sender=deployer)
    [event] = list(receipt.decode_logs(cooling.CooldownDurationUpdated))
    assert (event.previousDuration, event.newDuration) == (COOLDOWN, 0)
    # Assets already cooling are released at once.
    before = asset.balanceOf(alice)
    cooling.unstake(alice, sender=alice)
    assert asset.balanceOf(alice) - before == 100 * WAD
    with ape.reverts(cooling.CooldownOff):
        cooling.cooldownShares(WAD, sender=alice)
    with ape.reverts(cooling.CooldownOff):
        cooling.cooldownAssets(WAD, sender=alice)
    assert cooling.maxRedeem(alice) == 900 * WAD
    cooling.redeem(900 * WAD, alice, alice, sender=alice)
    assert cooling.totalSupply() == 0


def test_cooldown_duration_is_owner_set_up_to_ninety_days(vault: Any, alice: Any, deployer: Any) -> None:
    with ape.reverts(vault.InvalidCooldown, duration=90 * 24 * HOUR + 1):
        vault.setCooldownDuration(90 * 24 * HOUR + 1, sender=deployer)
    with ape.reverts(vault.NotOwner, caller=alice.address):
        vault.setCooldownDuration(HOUR, sender=alice)
    vault.setCooldownDuration(90 * 24 * HOUR, sender=deployer)
    assert vault.cooldownDuration() == 90 * 24 * HOUR


def test_only_the_vault_releases_the_silo(cooling: Any, project: Any, alice: Any) -> None:
    silo = project.SyntheticDollarSilo.at(cooling.silo())
    assert silo.stakingVault() == cooling.address
    with ape.reverts(silo.NotStakingVault, caller=alice.address):
        silo.withdraw(alice, 1, sender=alice)


# ------------------------------------------------------------ inflation guard


def test_dust_first_deposit_is_refused(vault: Any, liquidator: Any) -> None:
    with ape.reverts(vault.MinSharesViolation, totalSupply=1):
        vault.deposit(1, liquidator, sender=liquidator)


def test_exit_leaving_dust_shares_is_refused(vault: Any, liquidator: Any) -> None:
    vault.deposit(WAD, liquidator, sender=liquidator)
    with ape.reverts(vault.MinSharesViolation, totalSupply=1):
        vault.redeem(WAD - 1, liquidator, liquidator, sender=liquidator)
    vault.redeem(WAD, liquidator, liquidator, sender=liquidator)
    assert vault.totalSupply() == 0


def test_donation_after_minimum_deposit_barely_dents_a_victim(
    vault: Any, asset: Any, liquidator: Any, bob: Any
) -> None:
    # The attacker holds the minimum 1e18 shares and donates 1,000 USDe; the victim's 100 USDe still mint
    # 0.0999 shares, worth 100 USDe less 91 wei.
    vault.deposit(WAD, liquidator, sender=liquidator)
    asset.transfer(vault, 1_000 * WAD, sender=liquidator)
    vault.deposit(100 * WAD, bob, sender=bob)
    assert vault.balanceOf(bob) == 99_900_099_900_099_900
    assert vault.convertToAssets(vault.balanceOf(bob)) == 99_999_999_999_999_999_909
