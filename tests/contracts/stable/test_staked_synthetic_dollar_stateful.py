"""Stateful: deposits, mints, withdrawals, redemptions, cooldowns, rewards and time warps by several accounts keep
the vault's books whole: shares sum to the supply, the supply's worth never exceeds totalAssets, totalAssets never
exceeds the USDe held, and nobody gets out more than they put in plus vested rewards."""

from __future__ import annotations

from typing import Any

import ape
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sim.mirrors.synthetic import (
    MIN_SHARES,
    convert_to_assets,
    convert_to_shares,
    preview_mint,
    preview_withdraw,
    unvested_amount,
)
from tests.contracts.stable.conftest import WAD

COOLDOWN = 3_600


def test_vault_books_stay_whole(
    project: Any, create_token: Any, deployer: Any, alice: Any, bob: Any, liquidator: Any, chain: Any
) -> None:
    asset = create_token("USDe", 18)
    vault = project.StakedSyntheticDollar.deploy(asset, "Staked USDe", "sUSDe", deployer, 0, sender=deployer)
    vault.setRewarder(deployer, True, sender=deployer)
    actors = (alice, bob, liquidator)
    for account in (deployer, *actors):
        asset.mint(account, 10**12 * WAD, sender=deployer)
        asset.approve(vault, 2**256 - 1, sender=account)
    silo = vault.silo()

    class VaultMachine(RuleBasedStateMachine):
        @initialize(
            seeds=st.lists(st.integers(MIN_SHARES, 10**24), min_size=3, max_size=3), cooldown=st.booleans()
        )
        def start(self, seeds: list[int], cooldown: bool) -> None:
            self.snapshot = chain.snapshot()
            self.deposited = dict.fromkeys(range(len(actors)), 0)
            self.withdrawn = dict.fromkeys(range(len(actors)), 0)
            self.rewards = 0
            self.cooldown = 0
            for who, assets in enumerate(seeds):
                self.deposit(who, assets)
            self.set_cooldown(cooldown)

        def teardown(self) -> None:
            if hasattr(self, "snapshot"):
                chain.restore(self.snapshot)

        def _at_next_block(self) -> tuple[int, int, int]:
            """Pins the next block's timestamp; returns it with the supply and totalAssets the tx will see."""
            at = chain.blocks.head.timestamp + 1
            chain.pending_timestamp = at
            unvested = unvested_amount(vault.vestingAmount(), vault.lastDistributionTimestamp(), at)
            return at, vault.totalSupply(), asset.balanceOf(vault) - unvested

        def _expect_min_shares(self, supply_after: int) -> bool:
            return 0 < supply_after < MIN_SHARES

        @rule(who=st.integers(0, 2), assets=st.integers(1, 10**24))
        def deposit(self, who: int, assets: int) -> None:
            _, supply, total = self._at_next_block()
            shares = convert_to_shares(assets, supply, total)
            account = actors[who]
            if shares == 0:
                with ape.reverts(vault.ZeroShares):
                    vault.deposit(assets, account, sender=account)
            elif self._expect_min_shares(supply + shares):
                with ape.reverts(vault.MinSharesViolation, totalSupply=supply + shares):
                    vault.deposit(assets, account, sender=account)
            else:
                assert vault.deposit(assets, account, sender=account).return_value == shares
                self.deposited[who] += assets

        @rule(who=st.integers(0, 2), shares=st.integers(MIN_SHARES, 10**22))
        def mint(self, who: int, shares: int) -> None:
            _, supply, total = self._at_next_block()
            assets = preview_mint(shares, supply, total)
            account = actors[who]
            assert vault.mint(shares, account, sender=account).return_value == assets
            self.deposited[who] += assets

        @rule(who=st.integers(0, 2), share=st.integers(1, 1_000), by_assets=st.booleans())
        def exit(self, who: int, share: int, by_assets: bool) -> None:
            balance = vault.balanceOf(actors[who])
            if balance == 0:
                # Exit with whoever holds the most, so exits are not mostly no-ops.
                who = max(range(len(actors)), key=lambda i: vault.balanceOf(actors[i]))
                balance = vault.balanceOf(actors[who])
            account = actors[who]
            _, supply, total = self._at_next_block()
            if by_assets:
                assets = convert_to_assets(balance, supply, total) * share // 1_000
                shares = preview_withdraw(assets, supply, total)
            else:
                shares = balance * share // 1_000
                assets = convert_to_assets(shares, supply, total)
            if shares == 0 or assets == 0:
                return
            if self.cooldown:
                call = vault.cooldownAssets if by_assets else vault.cooldownShares
                args: tuple[Any, ...] = (assets if by_assets else shares,)
            else:
                call = vault.withdraw if by_assets else vault.redeem
                args = (assets if by_assets else shares, account, account)
            if self._expect_min_shares(supply - shares):
                with ape.reverts(vault.MinSharesViolation, totalSupply=supply - shares):
                    call(*args, sender=account)
                return
            before = asset.balanceOf(account)
            receipt = call(*args, sender=account)
            assert receipt.return_value == (shares if by_assets else assets)
            assert vault.balanceOf(account) == balance - shares
            if not self.cooldown:
                assert asset.balanceOf(account) - before == assets
                self.withdrawn[who] += assets

        @rule(who=st.integers(0, 2))
        def unstake(self, who: int) -> None:
            pending = [vault.cooldowns(a) for a in actors]
            if pending[who][1] == 0:
                who = max(range(len(actors)), key=lambda i: pending[i][1])
            account = actors[who]
            end, amount = pending[who]
            at, _, _ = self._at_next_block()
            if amount == 0:
                return
            if self.cooldown and at < end:
                with ape.reverts(vault.CooldownNotOver, cooldownEnd=end):
                    vault.unstake(account, sender=account)
                return
            vault.unstake(account, sender=account)
            self.withdrawn[who] += amount

        @rule(amount=st.integers(1, 10**23))
        def reward(self, amount: int) -> None:
            at, _, _ = self._at_next_block()
            unvested = unvested_amount(vault.vestingAmount(), vault.lastDistributionTimestamp(), at)
            if unvested:
                with ape.reverts(vault.StillVesting, unvested=unvested):
                    vault.transferInRewards(amount, sender=deployer)
                return
            vault.transferInRewards(amount, sender=deployer)
            self.rewards += amount

        @rule(on=st.booleans())
        def set_cooldown(self, on: bool) -> None:
            self.cooldown = COOLDOWN if on else 0
            vault.setCooldownDuration(self.cooldown, sender=deployer)

        @rule(seconds=st.integers(1, 12 * 3_600))
        def warp(self, seconds: int) -> None:
            chain.mine(timestamp=chain.blocks.head.timestamp + seconds)

        @invariant()
        def books_stay_whole(self) -> None:
            now = chain.blocks.head.timestamp
            supply = vault.totalSupply()
            balances = [vault.balanceOf(a) for a in actors]
            cooling = [vault.cooldowns(a)[1] for a in actors]
            held = asset.balanceOf(vault)
            total = vault.totalAssets()
            unvested = unvested_amount(vault.vestingAmount(), vault.lastDistributionTimestamp(), now)

            # Shares: the balances sum to the supply, which is 0 or at least MIN_SHARES.
            assert sum(balances) == supply
            assert supply == 0 or supply >= MIN_SHARES
            # Assets: totalAssets is what is held less what still vests; the supply is worth no more.
            assert total == held - unvested <= held
            assert convert_to_assets(supply, supply, total) <= total
            assert vault.convertToAssets(supply) == convert_to_assets(supply, supply, total)
            assert asset.balanceOf(silo) == sum(cooling)
            # Nobody gets out more than they put in plus the rewards vested so far.
            vested = self.rewards - unvested
            for i in range(len(actors)):
                assert self.withdrawn[i] <= self.deposited[i] + vested
            claims = sum(convert_to_assets(b, supply, total) for b in balances) + sum(cooling)
            assert sum(self.withdrawn.values()) + claims <= sum(self.deposited.values()) + vested

    run_state_machine_as_test(
        VaultMachine, settings=settings(max_examples=15, stateful_step_count=15, deadline=None)
    )
