"""Stateful test: several accounts supply, withdraw, borrow, repay, switch e-mode and liquidate while prices move
and time passes. After every step each reserve's suppliers' claims stay backed by cash + debt + deficit; the acting account's health equals the mirror; healthy accounts cannot be
liquidated, a liquidation never seizes more than the balance and matches the mirror, a collateral-less borrower
keeps no debt, and only the owner configures. At the end of each run the users' scaled balances sum to the
reserves' totals and each reserve's books match the tokens the pool holds."""

from __future__ import annotations

from typing import Any

import ape
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sim.mirrors.lending import (
    MAX_UINT256,
    LiquidationError,
    ReserveState,
    account_data,
    liquidation_amounts,
    normalized_debt,
    normalized_income,
    ray_mul_ceil,
    ray_mul_floor,
    unit,
)

SYMBOLS = ("USDC", "WETH", "WBTC", "USDE")
DAY = 24 * 3600

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
    """The index part of getReserveData, for the mirror's normalized income and debt."""
    return ReserveState(
        liquidity_index=d.liquidityIndex,
        variable_borrow_index=d.variableBorrowIndex,
        liquidity_rate=d.currentLiquidityRate,
        borrow_rate=d.currentVariableBorrowRate,
        last_update=d.lastUpdateTimestamp,
    )


def attempt(action: Any, allowed: set[str]) -> bool:
    """Runs `action`; a revert must be one of the named custom errors (never a panic or a bare revert)."""
    try:
        action()
    except ape.exceptions.ContractLogicError as error:
        assert type(error).__name__ in allowed, f"unexpected revert {type(error).__name__}: {error}"
        return False
    return True


def test_pool_invariants_hold_under_random_use(
    market: Any, chain: Any, accounts: Any, liquidator: Any, treasury: Any, whale: Any, deployer: Any
) -> None:
    actors = [accounts[i] for i in (1, 2, 5)]
    for actor in actors[2:]:
        for token in market.tokens.values():
            token.approve(market.pool, MAX_UINT256, sender=actor)
    holders = [*actors, liquidator, treasury, whale]
    params = market.params()
    pool = market.pool

    class PoolMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.snapshot = chain.snapshot()
            self.prices = market.prices()

        def teardown(self) -> None:
            try:
                for symbol, token in market.tokens.items():
                    data = pool.getReserveState(token)
                    assert data.virtualUnderlyingBalance == token.balanceOf(pool), symbol
                    positions = [pool.getUserReserve(h, token) for h in holders]
                    assert sum(p.scaledSupply for p in positions) == data.scaledTotalSupply, symbol
                    assert sum(p.scaledDebt for p in positions) == data.scaledTotalDebt, symbol
            finally:
                chain.restore(self.snapshot)

        def check_account(self, user: Any) -> Any:
            expected = account_data(market.positions(user), self.prices, params, market.emode(user))
            assert market.account_data(user) == (
                expected.total_collateral_base,
                expected.total_debt_base,
                expected.available_borrows_base,
                expected.current_liquidation_threshold,
                expected.ltv,
                expected.health_factor,
            )
            return expected

        def units_for_usd(self, symbol: str, usd_base: int) -> int:
            return usd_base * unit(params[symbol].decimals) // self.prices[symbol]

        @initialize(
            collateral=st.lists(st.sampled_from(SYMBOLS), min_size=3, max_size=3),
            debt=st.lists(st.sampled_from(SYMBOLS), min_size=3, max_size=3),
            usd=st.lists(st.integers(1_000, 400_000), min_size=3, max_size=3),
            bps=st.lists(st.sampled_from([8_000, 9_500, 9_900]), min_size=3, max_size=3),
        )
        def open_positions(
            self, collateral: list[str], debt: list[str], usd: list[int], bps: list[int]
        ) -> None:
            """Every actor starts leveraged, so price moves soon make someone liquidatable."""
            for i, actor in enumerate(actors):
                # Borrowing the collateral asset itself would make the position immune to its price.
                borrowed = debt[i] if debt[i] != collateral[i] else SYMBOLS[(SYMBOLS.index(debt[i]) + 1) % 4]
                market.supply(actor, collateral[i], self.units_for_usd(collateral[i], usd[i] * 10**8))
                available = market.account_data(actor)[2]
                market.borrow(actor, borrowed, self.units_for_usd(borrowed, available * bps[i] // 10_000))

        @rule(who=st.integers(0, 2), symbol=st.sampled_from(SYMBOLS), usd=st.integers(50, 400_000))
        def supply(self, who: int, symbol: str, usd: int) -> None:
            amount = self.units_for_usd(symbol, usd * 10**8)
            if amount:
                market.supply(actors[who], symbol, amount)
            self.check_account(actors[who])

        @rule(
            who=st.integers(0, 2), symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([2_500, 10_000, None])
        )
        def withdraw(self, who: int, symbol: str, bps: int | None) -> None:
            supplied = pool.getUserReserve(actors[who], market.tokens[symbol]).supplied
            amount = MAX_UINT256 if bps is None else supplied * bps // 10_000
            attempt(
                lambda: pool.withdraw(market.tokens[symbol], amount, actors[who], sender=actors[who]),
                WITHDRAW_REFUSALS,
            )
            self.check_account(actors[who])

        @rule(
            who=st.integers(0, 2),
            symbol=st.sampled_from(SYMBOLS),
            bps=st.sampled_from([2_000, 9_000, 9_900, 10_000, 10_500]),
        )
        def borrow(self, who: int, symbol: str, bps: int) -> None:
            available = market.account_data(actors[who])[2]
            amount = self.units_for_usd(symbol, available * bps // 10_000)
            if amount:
                attempt(lambda: market.borrow(actors[who], symbol, amount), BORROW_REFUSALS)
            self.check_account(actors[who])

        @rule(who=st.integers(0, 2), symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([3_000, None]))
        def repay(self, who: int, symbol: str, bps: int | None) -> None:
            user = actors[who]
            debt = pool.getUserReserve(user, market.tokens[symbol]).debt
            if debt == 0:
                return
            amount = MAX_UINT256 if bps is None else max(1, debt * bps // 10_000)
            market.fund(user, symbol, debt)
            pool.repay(market.tokens[symbol], amount, 2, user, sender=user)
            self.check_account(user)

        @rule(who=st.integers(0, 2), category=st.sampled_from([0, 1]))
        def set_emode(self, who: int, category: int) -> None:
            attempt(lambda: pool.setUserEMode(category, sender=actors[who]), EMODE_REFUSALS)
            self.check_account(actors[who])

        @rule(
            symbol=st.sampled_from(SYMBOLS), bps=st.sampled_from([5_000, 7_000, 8_500, 9_500, 10_500, 12_000])
        )
        def move_price(self, symbol: str, bps: int) -> None:
            price = max(1, self.prices[symbol] * bps // 10_000)
            market.set_price(symbol, price)
            self.prices[symbol] = price

        @rule(
            who=st.integers(0, 2), bps=st.sampled_from([5_000, 7_000, 8_500]), receive_a_token=st.booleans()
        )
        def shock_and_liquidate(self, who: int, bps: int, receive_a_token: bool) -> None:
            """One account's collateral prices fall together and a bot liquidates whoever is now the weakest."""
            for symbol, position in market.positions(actors[who]).items():
                if position.collateral_enabled and position.supplied:
                    self.move_price(symbol, bps)
            self.liquidate(SYMBOLS[0], SYMBOLS[0], None, receive_a_token)

        @rule(seconds=st.integers(1, 200 * DAY))
        def warp(self, seconds: int) -> None:
            chain.mine(1, timestamp=int(chain.blocks.head.timestamp) + seconds)

        @rule(
            collateral=st.sampled_from(SYMBOLS),
            debt=st.sampled_from(SYMBOLS),
            bps=st.sampled_from([2_000, 5_000, None]),
            receive_a_token=st.booleans(),
        )
        def liquidate(self, collateral: str, debt: str, bps: int | None, receive_a_token: bool) -> None:
            # A bot goes for the unhealthiest account; while all are healthy this checks they cannot be liquidated.
            user = min(actors, key=lambda a: market.account_data(a)[5])
            positions = market.positions(user)
            held = [s for s, p in positions.items() if p.collateral_enabled and p.supplied]
            owed = [s for s, p in positions.items() if p.debt]
            # Mostly aim at what the account holds, so liquidations happen; the rest probes the refusals.
            collateral = collateral if collateral in held or not held else held[0]
            debt = debt if debt in owed or not owed else owed[0]
            debt_balance = positions[debt].debt if debt in positions else 0
            cover = MAX_UINT256 if bps is None else max(1, debt_balance * bps // 10_000)
            emode = market.emode(user)
            coll_token, debt_token = market.tokens[collateral], market.tokens[debt]
            try:
                plan = liquidation_amounts(positions, self.prices, params, emode, collateral, debt, cover)
            except LiquidationError as refusal:
                with ape.reverts(getattr(pool, refusal.reason)):
                    pool.liquidationCall(
                        coll_token, debt_token, user, cover, receive_a_token, sender=liquidator
                    )
                if refusal.reason == "HealthFactorNotBelowThreshold":
                    assert market.account_data(user)[5] >= 10**18
                return
            before = positions[collateral].supplied
            market.fund(liquidator, debt, plan.debt_repaid)
            receipt = pool.liquidationCall(
                coll_token, debt_token, user, cover, receive_a_token, sender=liquidator
            )
            [log] = receipt.decode_logs(pool.LiquidationCall)
            assert (log.debtToCover, log.liquidatedCollateralAmount) == (
                plan.debt_repaid,
                plan.collateral_to_liquidator,
            )
            assert plan.collateral_to_liquidator + plan.protocol_fee <= before
            after = market.positions(user)
            assert (
                after.get(collateral) is None
                or after[collateral].supplied <= before - plan.collateral_to_liquidator
            )
            if plan.has_no_collateral_left:
                assert all(p.debt == 0 for p in after.values())
            self.check_account(user)

        @rule(which=st.integers(0, 4), who=st.integers(0, 2))
        def stranger_configures(self, which: int, who: int) -> None:
            usdc = market.tokens["USDC"]
            calls = [
                lambda a: pool.configureReserve(usdc, 9000, 9500, 10100, 0, 0, 0, 0, True, True, sender=a),
                lambda a: pool.setReserveInterestRateData(usdc, 9000, 0, 0, 0, sender=a),
                lambda a: pool.setOracle(a, sender=a),
                lambda a: pool.setEModeCategory(1, 9900, 9950, 10010, "x", sender=a),
                lambda a: pool.eliminateReserveDeficit(usdc, 1, sender=a),
            ]
            with ape.reverts(pool.NotOwner):
                calls[which](actors[who])

        @invariant()
        def reserves_are_backed(self) -> None:
            now = int(chain.blocks.head.timestamp)
            for symbol, token in market.tokens.items():
                d = pool.getReserveState(token)
                state = market_state(d)
                claims = ray_mul_floor(
                    d.scaledTotalSupply + d.accruedToTreasury, normalized_income(state, now)
                )
                debt = ray_mul_ceil(d.scaledTotalDebt, normalized_debt(state, now))
                assert claims <= d.virtualUnderlyingBalance + debt + d.deficit, symbol

    run_state_machine_as_test(
        PoolMachine,
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
