"""Stateful test: several accounts supply, withdraw, borrow, repay, switch e-mode and liquidate while prices move
and time passes. After every step, for every reserve: the suppliers' claims are backed by cash + debt + deficit,
the users' scaled balances sum to the reserve's totals, and the pool's cash book equals the tokens it holds. In
the steps: the acting account's health equals the mirror; healthy accounts cannot be liquidated, a liquidation
never seizes more than the balance and matches the mirror, a collateral-less borrower keeps no debt, and only the
owner configures."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, rule

from sim.mirrors.fixed_point import ray_mul_ceil, ray_mul_floor, unit
from sim.mirrors.lending import (
    MAX_UINT256,
    LiquidationError,
    ReserveState,
    account_data,
    liquidation_amounts,
    normalized_debt,
    normalized_income,
)
from tests.fuzz_profiles import TalliedMachine, run_machine
from tests.raw_calls import Read, expect_refusal, read_many, refusal

from .conftest import VARIABLE, Market

SYMBOLS = ("USDC", "WETH", "WBTC", "USDE")
DAY = 24 * 3600
ACTORS = st.integers(0, 2)

BORROW_REFUSALS = {
    "CollateralCannotCoverNewBorrow",
    "CollateralBalanceIsZero",
    "HealthFactorLowerThanLiquidationThreshold",
    "NotBorrowableInEMode",
    "LtvValidationFailed",
    "NotEnoughLiquidity",
    "InvalidAmount",
}
WITHDRAW_REFUSALS = {
    "HealthFactorLowerThanLiquidationThreshold",
    "LtvValidationFailed",
    "NotEnoughLiquidity",
    "NotEnoughAvailableUserBalance",
    "InvalidAmount",
}
EMODE_REFUSALS = {"NotBorrowableInEMode", "HealthFactorLowerThanLiquidationThreshold"}


def market_state(d: Any) -> ReserveState:
    """The index part of getReserveState, for the mirror's normalized income and debt."""
    return ReserveState(
        liquidity_index=d.liquidityIndex,
        variable_borrow_index=d.variableBorrowIndex,
        liquidity_rate=d.currentLiquidityRate,
        borrow_rate=d.currentVariableBorrowRate,
        last_update=d.lastUpdateTimestamp,
    )


def attempt(contract: Any, method: str, *args: Any, sender: Any, allowed: set[str]) -> bool:
    """Sends `contract.method(*args)` unless it would revert, which must be with one of the `allowed` custom
    errors (never a panic or a bare revert); says whether it was sent."""
    refused = refusal(contract, method, *args, sender=sender)
    if refused is not None:
        assert refused[0] in allowed, f"unexpected revert {refused}"
        return False
    getattr(contract, method)(*args, sender=sender)
    return True


class PoolMachine(TalliedMachine):
    def __init__(self, world: LendingWorld) -> None:
        super().__init__()
        self.market, self.pool, self.chain = world.market, world.market.pool, world.chain
        self.actors, self.liquidator, self.holders = world.actors, world.liquidator, world.holders
        self.params = world.params
        self.snapshot = self.chain.snapshot()
        self.prices = self.market.prices()

    def teardown(self) -> None:
        self.chain.restore(self.snapshot)

    def check_account(self, user: Any) -> Any:
        expected = account_data(
            self.market.positions(user), self.prices, self.params, self.market.emode(user)
        )
        assert self.market.account_data(user) == (
            expected.total_collateral_base,
            expected.total_debt_base,
            expected.available_borrows_base,
            expected.current_liquidation_threshold,
            expected.ltv,
            expected.health_factor,
        )
        return expected

    def units_for_usd(self, symbol: str, usd_base: int) -> int:
        return usd_base * unit(self.params[symbol].decimals) // self.prices[symbol]

    @initialize(
        collateral=st.lists(st.sampled_from(SYMBOLS), min_size=3, max_size=3),
        debt=st.lists(st.sampled_from(SYMBOLS), min_size=3, max_size=3),
        usd=st.lists(st.integers(1_000, 400_000), min_size=3, max_size=3),
        bps=st.lists(st.sampled_from([8_000, 9_500, 9_900]), min_size=3, max_size=3),
    )
    def open_positions(self, collateral: list[str], debt: list[str], usd: list[int], bps: list[int]) -> None:
        """Every actor starts leveraged, so price moves soon make someone liquidatable."""
        for i, actor in enumerate(self.actors):
            # Borrowing the collateral asset itself would make the position immune to its price.
            borrowed = debt[i] if debt[i] != collateral[i] else SYMBOLS[(SYMBOLS.index(debt[i]) + 1) % 4]
            self.market.supply(actor, collateral[i], self.units_for_usd(collateral[i], usd[i] * 10**8))
            available = self.market.account_data(actor)[2]
            self.market.borrow(actor, borrowed, self.units_for_usd(borrowed, available * bps[i] // 10_000))

    @rule(who=ACTORS, symbol=st.sampled_from(SYMBOLS), usd=st.integers(50, 400_000))
    def supply(self, who: int, symbol: str, usd: int) -> None:
        amount = self.units_for_usd(symbol, usd * 10**8)
        if amount:
            self.market.supply(self.actors[who], symbol, amount)
        self.check_account(self.actors[who])

    @rule(who=ACTORS, symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([2_500, 10_000, None]))
    def withdraw(self, who: int, symbol: str, bps: int | None) -> None:
        supplied = self.pool.getUserReserve(self.actors[who], self.market.tokens[symbol]).supplied
        amount = MAX_UINT256 if bps is None else supplied * bps // 10_000
        user, token = self.actors[who], self.market.tokens[symbol]
        attempt(self.pool, "withdraw", token, amount, user, sender=user, allowed=WITHDRAW_REFUSALS)
        self.check_account(self.actors[who])

    @rule(
        who=ACTORS,
        symbol=st.sampled_from(SYMBOLS),
        bps=st.sampled_from([2_000, 9_000, 9_900, 10_000, 10_500]),
    )
    def borrow(self, who: int, symbol: str, bps: int) -> None:
        available = self.market.account_data(self.actors[who])[2]
        amount = self.units_for_usd(symbol, available * bps // 10_000)
        if amount:
            user, token = self.actors[who], self.market.tokens[symbol]
            attempt(
                self.pool, "borrow", token, amount, VARIABLE, 0, user, sender=user, allowed=BORROW_REFUSALS
            )
        self.check_account(self.actors[who])

    @rule(who=ACTORS, symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([3_000, None]))
    def repay(self, who: int, symbol: str, bps: int | None) -> None:
        user = self.actors[who]
        debt = self.pool.getUserReserve(user, self.market.tokens[symbol]).debt
        if debt == 0:
            return
        amount = MAX_UINT256 if bps is None else max(1, debt * bps // 10_000)
        self.market.fund(user, symbol, debt)
        self.pool.repay(self.market.tokens[symbol], amount, 2, user, sender=user)
        self.check_account(user)

    @rule(who=ACTORS, category=st.sampled_from([0, 1]))
    def set_emode(self, who: int, category: int) -> None:
        attempt(self.pool, "setUserEMode", category, sender=self.actors[who], allowed=EMODE_REFUSALS)
        self.check_account(self.actors[who])

    @rule(symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([5_000, 7_000, 8_500, 9_500, 10_500, 12_000]))
    def move_price(self, symbol: str, bps: int) -> None:
        price = max(1, self.prices[symbol] * bps // 10_000)
        self.market.set_price(symbol, price)
        self.prices[symbol] = price

    @rule(who=ACTORS, bps=st.sampled_from([5_000, 7_000, 8_500]), receive_a_token=st.booleans())
    def shock_and_liquidate(self, who: int, bps: int, receive_a_token: bool) -> None:
        """One account's collateral prices fall together and a bot liquidates whoever is now the weakest."""
        for symbol, position in self.market.positions(self.actors[who]).items():
            if position.collateral_enabled and position.supplied:
                self.move_price(symbol, bps)
        self.liquidate(SYMBOLS[0], SYMBOLS[0], None, receive_a_token)

    @rule(seconds=st.integers(1, 200 * DAY))
    def warp(self, seconds: int) -> None:
        self.chain.mine(1, timestamp=int(self.chain.blocks.head.timestamp) + seconds)

    @rule(
        collateral=st.sampled_from(SYMBOLS),
        debt=st.sampled_from(SYMBOLS),
        bps=st.sampled_from([2_000, 5_000, None]),
        receive_a_token=st.booleans(),
    )
    def liquidate(self, collateral: str, debt: str, bps: int | None, receive_a_token: bool) -> None:
        # A bot goes for the unhealthiest account; while all are healthy this checks they cannot be liquidated.
        user = min(self.actors, key=lambda a: self.market.account_data(a)[5])
        positions = self.market.positions(user)
        held = [s for s, p in positions.items() if p.collateral_enabled and p.supplied]
        owed = [s for s, p in positions.items() if p.debt]
        # Mostly aim at what the account holds, so liquidations happen; the rest probes the refusals.
        collateral = collateral if collateral in held or not held else held[0]
        debt = debt if debt in owed or not owed else owed[0]
        debt_balance = positions[debt].debt if debt in positions else 0
        cover = MAX_UINT256 if bps is None else max(1, debt_balance * bps // 10_000)
        emode = self.market.emode(user)
        coll_token, debt_token = self.market.tokens[collateral], self.market.tokens[debt]
        try:
            plan = liquidation_amounts(positions, self.prices, self.params, emode, collateral, debt, cover)
        except LiquidationError as refused:
            expect_refusal(
                self.pool,
                "liquidationCall",
                *(coll_token, debt_token, user, cover, receive_a_token),
                sender=self.liquidator,
                error=refused.reason,
            )
            if refused.reason == "HealthFactorNotBelowThreshold":
                assert self.market.account_data(user)[5] >= 10**18
            return
        before = positions[collateral].supplied
        self.market.fund(self.liquidator, debt, plan.debt_repaid)
        receipt = self.pool.liquidationCall(
            coll_token, debt_token, user, cover, receive_a_token, sender=self.liquidator
        )
        [log] = receipt.decode_logs(self.pool.LiquidationCall)
        assert (log.debtToCover, log.liquidatedCollateralAmount) == (
            plan.debt_repaid,
            plan.collateral_to_liquidator,
        )
        assert plan.collateral_to_liquidator + plan.protocol_fee <= before
        after = self.market.positions(user)
        assert (
            after.get(collateral) is None
            or after[collateral].supplied <= before - plan.collateral_to_liquidator
        )
        if plan.has_no_collateral_left:
            assert all(p.debt == 0 for p in after.values())
        self.check_account(user)

    @rule(which=st.integers(0, 4), who=ACTORS)
    def stranger_configures(self, which: int, who: int) -> None:
        usdc, stranger = self.market.tokens["USDC"], self.actors[who]
        method, *args = [
            ("configureReserve", usdc, 9000, 9500, 10100, 0, 0, 0, 0, True, True),
            ("setReserveInterestRateData", usdc, 9000, 0, 0, 0),
            ("setOracle", stranger),
            ("setEModeCategory", 1, 9900, 9950, 10010, "x"),
            ("eliminateReserveDeficit", usdc, 1),
        ][which]
        expect_refusal(self.pool, method, *args, sender=stranger, error="NotOwner")

    def _reserves(self) -> dict[str, Any]:
        tokens = self.market.tokens
        data = read_many([Read(self.pool, "getReserveState", (t,)) for t in tokens.values()])
        return dict(zip(tokens, data, strict=True))

    @invariant()
    def reserves_are_backed(self) -> None:
        """Suppliers' claims (and the treasury's) never exceed cash + debt + booked deficit."""
        now = int(self.chain.blocks.head.timestamp)
        for symbol, d in self._reserves().items():
            state = market_state(d)
            claims = ray_mul_floor(d.scaledTotalSupply + d.accruedToTreasury, normalized_income(state, now))
            debt = ray_mul_ceil(d.scaledTotalDebt, normalized_debt(state, now))
            assert claims <= d.virtualUnderlyingBalance + debt + d.deficit, symbol

    @invariant()
    def user_shares_sum_to_the_totals(self) -> None:
        """Morpho's share-sum invariant: every holder's scaled supply and debt add up to the reserve's."""
        tokens = self.market.tokens
        reads = [Read(self.pool, "getUserReserve", (h, t)) for t in tokens.values() for h in self.holders]
        positions = iter(read_many(reads))
        for symbol, d in self._reserves().items():
            held = [next(positions) for _ in self.holders]
            assert sum(p.scaledSupply for p in held) == d.scaledTotalSupply, symbol
            assert sum(p.scaledDebt for p in held) == d.scaledTotalDebt, symbol

    @invariant()
    def cash_book_equals_tokens_held(self) -> None:
        tokens = self.market.tokens
        held = read_many([Read(t, "balanceOf", (self.pool,)) for t in tokens.values()])
        for (symbol, d), balance in zip(self._reserves().items(), held, strict=True):
            assert d.virtualUnderlyingBalance == balance, symbol


@dataclass(frozen=True)
class LendingWorld:
    """The market, three leveraged actors, the liquidation bot and every address that can hold a position."""

    chain: Any
    market: Market
    params: dict[str, Any]
    actors: tuple[Any, ...]
    liquidator: Any
    holders: tuple[Any, ...]


@pytest.fixture(scope="module")
def world(
    market: Market, chain: Any, accounts: Any, liquidator: Any, treasury: Any, whale: Any
) -> LendingWorld:
    actors = tuple(accounts[i] for i in (1, 2, 5))  # alice, bob and a third borrower
    for token in market.tokens.values():
        token.approve(market.pool, MAX_UINT256, sender=actors[2])
    return LendingWorld(
        chain=chain,
        market=market,
        params=market.params(),
        actors=actors,
        liquidator=liquidator,
        holders=(*actors, liquidator, treasury, whale),
    )


@pytest.mark.fuzz
def test_pool_invariants_hold_under_random_use(world: LendingWorld) -> None:
    run_machine("lending PoolMachine", lambda: PoolMachine(world), ci_examples=20, ci_steps=12)
