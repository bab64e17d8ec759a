"""A state machine of swaps, deposits, withdrawals, admin-fee claims, ramps and time by several accounts.

After every step the pool's books equal the mirror's, LP shares sum to the supply, and the coins held equal the
LPs' balances plus the admin's. No swap, deposit or withdrawal lowers the virtual price (compared at the A of its
block: a ramp alone moves it), and swaps never lower D. Operations the mirror says would revert are skipped (the
differential tests check that they do revert).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from sim.mirrors import stableswap as mirror
from sim.mirrors.stableswap import StableSwapError, StableSwapState
from tests.fuzz_profiles import TalliedMachine, run_machine
from tests.raw_calls import Read, read_many

DAY = 86_400
USERS = st.integers(0, 3)
PPM = st.integers(1, 1_000_000)


@dataclass(frozen=True)
class StableSwapWorld:
    """A seeded pool, its coins, four funded users (users[0] seeded it), the owner, who takes admin fees, and the
    pool as the mirror and the users' shares read once after seeding (every example starts from there)."""

    chain: Any
    pool: Any
    coins: list[Any]
    users: tuple[Any, ...]
    owner: Any
    seeded: StableSwapState
    seeded_shares: tuple[int, ...]


class StableSwapMachine(TalliedMachine):
    def __init__(self, world: StableSwapWorld) -> None:
        super().__init__()
        self.pool, self.coins, self.users, self.owner = world.pool, world.coins, world.users, world.owner
        self.chain = world.chain
        self.snapshot = self.chain.snapshot()
        self.state = copy.deepcopy(world.seeded)
        self.shares = list(world.seeded_shares)
        self.now = max(self.chain.pending_timestamp, self.chain.blocks.head.timestamp + 1)

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    def next_block_time(self) -> int:
        """The time of the block the next transaction lands in (so the mirror uses the same A)."""
        self.now += 1
        self.chain.pending_timestamp = self.now
        return self.now

    def attempt(self, name: str, operation: Any) -> Any:
        """Runs `operation` on the mirror; on a predicted revert leaves the mirror as it was and returns None."""
        self.before = copy.deepcopy(self.state)
        try:
            return operation()
        except StableSwapError as error:
            event(f"skipped {name}: {error.name}")
            self.state = self.before
            return None

    def virtual_price_did_not_fall(self, t: int) -> None:
        """The pool's virtual price after the step (block t) equals the mirror's, and is not below the one before."""
        if self.state.total_supply == 0:
            return
        after = mirror.virtual_price(self.state, t)
        assert self.pool.get_virtual_price() == after >= mirror.virtual_price(self.before, t)

    # ------------------------------------------------------------------ rules

    @rule(user=USERS, ppm=PPM, data=st.data())
    def exchange(self, user: int, ppm: int, data: st.DataObject) -> None:
        i, j = data.draw(st.permutations(range(self.state.n)), label="i, j")[:2]
        dx = max(1, self.state.balances[i] * ppm // 2_000_000)
        t = self.next_block_time()
        dy = self.attempt("exchange", lambda: mirror.exchange(self.state, i, j, dx, t))
        if dy is None:
            return
        receipt = self.pool.exchange(i, j, dx, dy, sender=self.users[user])
        [log] = list(receipt.decode_logs(self.pool.TokenExchange))
        assert log.tokens_bought == dy
        # The LPs' half of the fee stays in the pool: D never falls on a swap (A is that of block t for both).
        assert self.state.D(t) >= self.before.D(t)
        self.virtual_price_did_not_fall(t)

    @rule(user=USERS, ppms=st.lists(st.integers(0, 300_000), min_size=4, max_size=4))
    def add_liquidity(self, user: int, ppms: list[int]) -> None:
        amounts = [b * ppm // 1_000_000 for b, ppm in zip(self.state.balances, ppms, strict=False)]
        t = self.next_block_time()
        minted = self.attempt("add_liquidity", lambda: mirror.add_liquidity(self.state, amounts, t))
        if minted is None:
            return
        self.pool.add_liquidity(amounts, minted, sender=self.users[user])
        self.shares[user] += minted
        self.virtual_price_did_not_fall(t)

    @rule(user=USERS, ppm=PPM)
    def remove_liquidity(self, user: int, ppm: int) -> None:
        burn = self.shares[user] * ppm // 1_000_000
        if burn == 0:
            return
        t = self.next_block_time()
        amounts = self.attempt("remove_liquidity", lambda: mirror.remove_liquidity(self.state, burn))
        if amounts is None:
            return
        self.pool.remove_liquidity(burn, amounts, sender=self.users[user])
        self.shares[user] -= burn
        self.virtual_price_did_not_fall(t)

    @rule(user=USERS, ppm=PPM, data=st.data())
    def remove_liquidity_one_coin(self, user: int, ppm: int, data: st.DataObject) -> None:
        burn = self.shares[user] * ppm // 1_000_000
        i = data.draw(st.integers(0, self.state.n - 1), label="coin")
        if burn == 0:
            return
        t = self.next_block_time()
        dy = self.attempt(
            "remove_liquidity_one_coin", lambda: mirror.remove_liquidity_one_coin(self.state, burn, i, t)
        )
        if dy is None:
            return
        self.pool.remove_liquidity_one_coin(burn, i, dy, sender=self.users[user])
        self.shares[user] -= burn
        self.virtual_price_did_not_fall(t)

    @rule(user=USERS, ppms=st.lists(st.integers(0, 50_000), min_size=4, max_size=4))
    def remove_liquidity_imbalance(self, user: int, ppms: list[int]) -> None:
        amounts = [b * ppm // 1_000_000 for b, ppm in zip(self.state.balances, ppms, strict=False)]
        t = self.next_block_time()
        shares = self.shares[user]
        burned = self.attempt(
            "remove_liquidity_imbalance",
            lambda: mirror.remove_liquidity_imbalance(self.state, amounts, t, shares),
        )
        if burned is None:
            return
        self.pool.remove_liquidity_imbalance(amounts, burned, sender=self.users[user])
        self.shares[user] -= burned
        self.virtual_price_did_not_fall(t)

    @rule()
    def withdraw_admin_fees(self) -> None:
        self.next_block_time()
        owed = mirror.withdraw_admin_fees(self.state)
        held = [coin.balanceOf(self.owner) for coin in self.coins]
        self.pool.withdraw_admin_fees(sender=self.users[3])
        assert [coin.balanceOf(self.owner) - h for coin, h in zip(self.coins, held, strict=True)] == owed

    @precondition(lambda self: self.now + 1 >= self.state.initial_A_time + DAY)
    @rule(data=st.data(), duration=st.integers(DAY, 7 * DAY))
    def ramp_A(self, data: st.DataObject, duration: int) -> None:
        t = self.next_block_time()
        current = self.state.amp(t)
        # Curve's bounds: at most tenfold either way, 0 < A < 1e6.
        target = data.draw(st.integers(max(1, -(-current // 1_000)), min(current // 10, 999_999)), label="A")
        mirror.ramp_A(self.state, target, t + duration, t)
        self.pool.ramp_A(target, t + duration, sender=self.owner)

    @rule(seconds=st.integers(1, 3 * DAY))
    def warp(self, seconds: int) -> None:
        self.now += seconds

    # ------------------------------------------------------------------ invariants

    @invariant()
    def books_equal_the_mirror(self) -> None:
        pool, n = self.pool, self.state.n
        reads = [Read(pool, "get_balances"), Read(pool, "totalSupply"), Read(pool, "future_A")]
        reads += [Read(pool, "future_A_time"), *(Read(pool, "admin_balances", (k,)) for k in range(n))]
        balances, supply, future_a, future_a_time, *admin = read_many(reads)
        assert list(balances) == self.state.balances
        assert admin == self.state.admin_balances
        assert supply == self.state.total_supply
        assert (future_a, future_a_time) == (self.state.future_A, self.state.future_A_time)

    @invariant()
    def lp_shares_sum_to_the_supply(self) -> None:
        assert read_many([Read(self.pool, "balanceOf", (user,)) for user in self.users]) == self.shares
        assert sum(self.shares) == self.state.total_supply

    @invariant()
    def coins_held_are_the_lp_and_admin_balances(self) -> None:
        held = read_many([Read(coin, "balanceOf", (self.pool,)) for coin in self.coins])
        assert held == [b + a for b, a in zip(self.state.balances, self.state.admin_balances, strict=True)]


@pytest.fixture(scope="module", autouse=True)
def _tokens_first(usdc: Any, usdt: Any, usde: Any, dai: Any) -> None:
    """Deploy the coins before any test, so ape's isolation keeps them for every parametrized case."""


# name: (coins, A, fee, off-peg multiplier, CI examples); the 3-coin pool is the one the simulator runs.
POOLS = {
    "usdc_usdt": (("usdc", "usdt"), 200, 4_000_000, 20_000_000_000, 6),
    "usde_usdc_usdt": (("usde", "usdc", "usdt"), 200, 1_000_000, 50_000_000_000, 15),
    "usde_usdc_usdt_dai": (("usde", "usdc", "usdt", "dai"), 1_000, 4_000_000, 20_000_000_000, 6),
}


@pytest.fixture(params=list(POOLS))
def world(
    request: Any,
    deploy_pool: Any,
    fund: Any,
    mirror_of: Any,
    alice: Any,
    bob: Any,
    liquidator: Any,
    keeper: Any,
    deployer: Any,
    chain: Any,
) -> StableSwapWorld:
    symbols, a, fee, offpeg, _ = POOLS[request.param]
    coins = [request.getfixturevalue(symbol) for symbol in symbols]
    pool = deploy_pool(coins, a=a, fee=fee, offpeg=offpeg)
    users = (alice, bob, liquidator, keeper)
    fund(pool, users)
    pool.add_liquidity([10**6 * 10 ** coin.decimals() for coin in coins], 0, sender=alice)
    return StableSwapWorld(
        chain=chain,
        pool=pool,
        coins=coins,
        users=users,
        owner=deployer,
        seeded=mirror_of(pool),
        seeded_shares=tuple(pool.balanceOf(user) for user in users),
    )


@pytest.mark.fuzz
def test_pool_books_hold_under_random_use(world: StableSwapWorld, request: Any) -> None:
    name = request.node.callspec.params["world"]
    run_machine(
        f"stableswap StableSwapMachine[{name}]",
        lambda: StableSwapMachine(world),
        ci_examples=POOLS[name][4],
        ci_steps=15,
    )
