"""Stateful: deposits, mints, withdrawals, redemptions, cooldowns, rewards and time warps by several accounts keep
the vault's books whole: shares sum to the supply, the supply's worth never exceeds totalAssets, totalAssets never
exceeds the USDe held, and nobody gets out more than they put in plus vested rewards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from sim.mirrors.synthetic import (
    MIN_SHARES,
    convert_to_assets,
    convert_to_shares,
    preview_mint,
    preview_withdraw,
    unvested_amount,
)
from tests.contracts.stable.conftest import WAD
from tests.fuzz_profiles import TalliedMachine, run_machine
from tests.raw_calls import Read, expect_refusal, read_many

COOLDOWN = 3_600


class VaultMachine(TalliedMachine):
    def __init__(self, world: VaultWorld) -> None:
        super().__init__()
        self.chain, self.vault, self.asset, self.silo = world.chain, world.vault, world.asset, world.silo
        self.actors, self.owner = world.actors, world.owner
        self.snapshot = self.chain.snapshot()

    @initialize(
        seeds=st.lists(st.integers(MIN_SHARES, 10**24), min_size=3, max_size=3), cooldown=st.booleans()
    )
    def start(self, seeds: list[int], cooldown: bool) -> None:
        self.deposited = dict.fromkeys(range(len(self.actors)), 0)
        self.withdrawn = dict.fromkeys(range(len(self.actors)), 0)
        self.rewards = 0
        self.cooldown = 0
        for who, assets in enumerate(seeds):
            self.deposit(who, assets)
        self.set_cooldown(cooldown)

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    def _at_next_block(self) -> tuple[int, int, int]:
        """Pins the next block's timestamp; returns it with the supply and totalAssets the tx will see."""
        at = self.chain.blocks.head.timestamp + 1
        self.chain.pending_timestamp = at
        unvested = unvested_amount(self.vault.vestingAmount(), self.vault.lastDistributionTimestamp(), at)
        return at, self.vault.totalSupply(), self.asset.balanceOf(self.vault) - unvested

    def _expect_min_shares(self, supply_after: int) -> bool:
        return 0 < supply_after < MIN_SHARES

    @rule(who=st.integers(0, 2), assets=st.integers(1, 10**24))
    def deposit(self, who: int, assets: int) -> None:
        _, supply, total = self._at_next_block()
        shares = convert_to_shares(assets, supply, total)
        account = self.actors[who]
        if shares == 0:
            expect_refusal(self.vault, "deposit", assets, account, sender=account, error="ZeroShares")
        elif self._expect_min_shares(supply + shares):
            expect_refusal(
                *(self.vault, "deposit", assets, account),
                sender=account,
                error="MinSharesViolation",
                totalSupply=supply + shares,
            )
        else:
            assert self.vault.deposit(assets, account, sender=account).return_value == shares
            self.deposited[who] += assets

    @rule(who=st.integers(0, 2), shares=st.integers(MIN_SHARES, 10**22))
    def mint(self, who: int, shares: int) -> None:
        _, supply, total = self._at_next_block()
        assets = preview_mint(shares, supply, total)
        account = self.actors[who]
        assert self.vault.mint(shares, account, sender=account).return_value == assets
        self.deposited[who] += assets

    @rule(who=st.integers(0, 2), share=st.integers(1, 1_000), by_assets=st.booleans())
    def exit(self, who: int, share: int, by_assets: bool) -> None:
        balance = self.vault.balanceOf(self.actors[who])
        if balance == 0:
            # Exit with whoever holds the most, so exits are not mostly no-ops.
            who = max(range(len(self.actors)), key=lambda i: self.vault.balanceOf(self.actors[i]))
            balance = self.vault.balanceOf(self.actors[who])
        account = self.actors[who]
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
            method = "cooldownAssets" if by_assets else "cooldownShares"
            args: tuple[Any, ...] = (assets if by_assets else shares,)
        else:
            method = "withdraw" if by_assets else "redeem"
            args = (assets if by_assets else shares, account, account)
        if self._expect_min_shares(supply - shares):
            expect_refusal(
                self.vault,
                method,
                *args,
                sender=account,
                error="MinSharesViolation",
                totalSupply=supply - shares,
            )
            return
        before = self.asset.balanceOf(account)
        receipt = getattr(self.vault, method)(*args, sender=account)
        assert receipt.return_value == (shares if by_assets else assets)
        assert self.vault.balanceOf(account) == balance - shares
        if not self.cooldown:
            assert self.asset.balanceOf(account) - before == assets
            self.withdrawn[who] += assets

    @rule(who=st.integers(0, 2))
    def unstake(self, who: int) -> None:
        pending = [self.vault.cooldowns(a) for a in self.actors]
        if pending[who][1] == 0:
            who = max(range(len(self.actors)), key=lambda i: pending[i][1])
        account = self.actors[who]
        end, amount = pending[who]
        at, _, _ = self._at_next_block()
        if amount == 0:
            return
        if self.cooldown and at < end:
            expect_refusal(
                self.vault, "unstake", account, sender=account, error="CooldownNotOver", cooldownEnd=end
            )
            return
        self.vault.unstake(account, sender=account)
        self.withdrawn[who] += amount

    @rule(amount=st.integers(1, 10**23))
    def reward(self, amount: int) -> None:
        at, _, _ = self._at_next_block()
        unvested = unvested_amount(self.vault.vestingAmount(), self.vault.lastDistributionTimestamp(), at)
        if unvested:
            expect_refusal(
                self.vault,
                "transferInRewards",
                amount,
                sender=self.owner,
                error="StillVesting",
                unvested=unvested,
            )
            return
        self.vault.transferInRewards(amount, sender=self.owner)
        self.rewards += amount

    @rule(on=st.booleans())
    def set_cooldown(self, on: bool) -> None:
        self.cooldown = COOLDOWN if on else 0
        self.vault.setCooldownDuration(self.cooldown, sender=self.owner)

    @rule(seconds=st.integers(1, 12 * 3_600))
    def warp(self, seconds: int) -> None:
        self.chain.mine(timestamp=self.chain.blocks.head.timestamp + seconds)

    @invariant()
    def books_stay_whole(self) -> None:
        now = self.chain.blocks.head.timestamp
        vault, n = self.vault, len(self.actors)
        reads = [
            Read(vault, "totalSupply"),
            Read(vault, "totalAssets"),
            Read(self.asset, "balanceOf", (vault,)),
        ]
        reads += [Read(vault, "vestingAmount"), Read(vault, "lastDistributionTimestamp")]
        reads += [Read(self.asset, "balanceOf", (self.silo,))]
        reads += [Read(vault, "balanceOf", (a,)) for a in self.actors]
        reads += [Read(vault, "cooldowns", (a,)) for a in self.actors]
        supply, total, held, vesting, last_distribution, in_silo, *rest = read_many(reads)
        balances, cooling = rest[:n], [c[1] for c in rest[n:]]
        unvested = unvested_amount(vesting, last_distribution, now)

        # Shares: the balances sum to the supply, which is 0 or at least MIN_SHARES.
        assert sum(balances) == supply
        assert supply == 0 or supply >= MIN_SHARES
        # Assets: totalAssets is what is held less what still vests; the supply is worth no more.
        assert total == held - unvested <= held
        assert convert_to_assets(supply, supply, total) <= total
        assert self.vault.convertToAssets(supply) == convert_to_assets(supply, supply, total)
        assert in_silo == sum(cooling)
        # Nobody gets out more than they put in plus the rewards vested so far.
        vested = self.rewards - unvested
        for i in range(len(self.actors)):
            assert self.withdrawn[i] <= self.deposited[i] + vested
        claims = sum(convert_to_assets(b, supply, total) for b in balances) + sum(cooling)
        assert sum(self.withdrawn.values()) + claims <= sum(self.deposited.values()) + vested


@dataclass(frozen=True)
class VaultWorld:
    """The vault over a plain USDe token, its silo, three stakers funded and approved, the owner (also the
    rewarder, who can pay rewards in)."""

    chain: Any
    vault: Any
    asset: Any
    silo: Any
    actors: tuple[Any, ...]
    owner: Any


@pytest.fixture(scope="module")
def world(
    project: Any, create_token: Any, deployer: Any, alice: Any, bob: Any, liquidator: Any, chain: Any
) -> VaultWorld:
    asset = create_token("USDe", 18)
    vault = project.StakedSyntheticDollar.deploy(asset, "Staked USDe", "sUSDe", deployer, 0, sender=deployer)
    vault.setRewarder(deployer, True, sender=deployer)
    actors = (alice, bob, liquidator)
    for account in (deployer, *actors):
        asset.mint(account, 10**12 * WAD, sender=deployer)
        asset.approve(vault, 2**256 - 1, sender=account)
    return VaultWorld(chain=chain, vault=vault, asset=asset, silo=vault.silo(), actors=actors, owner=deployer)


@pytest.mark.fuzz
def test_vault_books_stay_whole(world: VaultWorld) -> None:
    run_machine("staked StakedVaultMachine", lambda: VaultMachine(world), ci_examples=15, ci_steps=15)
