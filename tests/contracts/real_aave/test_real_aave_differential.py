"""Our LendingPool against a real Aave v3.0.2 market (npm `@aave/core-v3`): the same Hypothesis sequences
(supply, borrow, repay, withdraw, e-mode, price moves, time passing, liquidationCall with both receive options,
flash loans) drive both, each action in one block for both, through Aave's own IPool ABI.

What is asserted (see versions.py for the table of deliberate differences):
- every action succeeds on one market iff it succeeds on the other, until a documented difference makes the
  markets' positions part (a liquidation under v3.3's close factor or dust rule); from then on each is checked
  against its own version's rules only;
- each market's getUserAccountData equals the mirror under its version's Rules, computed from that market's own
  balances, prices and parameters, to the wei; so does every LiquidationCall (debt repaid, collateral taken),
  and every revert the rules predict;
- each market's variable-debt index as of now equals its version's compounding of its stored index and rate
  (v3.0's binomial approximation against ours), to the wei;
- while in step and before any interest has accrued, both markets hold the same balances, debts, collateral
  flags and e-mode to the wei. Once interest accrues the two drift apart by the versions' rounding and
  compounding (measured: up to ~3e-7 of a debt after a year at high usage), so positions are then compared
  through each market's own rules only.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from sim.mirrors.lending import (
    EModeCategory,
    LiquidationError,
    Position,
    ReserveParams,
)
from sim.node.chain import TxRequest, Wallet

from ..evmnet import GAS, campaign, tally
from .conftest import (
    AAVE_ATOKEN,
    AAVE_DEBT,
    AAVE_POOL,
    LISTINGS,
    OURS,
    STABLE_EMODE,
    STABLE_EMODE_ASSETS,
    STABLE_EMODE_TERMS,
    Markets,
)
from .versions import AAVE_V3_0_2, Rules, account, liquidation, normalized_debt
from .versions import OURS as OUR_RULES

MAX = 2**256 - 1
SYMBOLS = tuple(LISTINGS)
PARAMS = {
    s: ReserveParams(x.decimals, x.ltv, x.liquidation_threshold, x.liquidation_bonus, x.protocol_fee)
    for s, x in LISTINGS.items()
}
EMODE = EModeCategory(*STABLE_EMODE_TERMS, frozenset(STABLE_EMODE_ASSETS), frozenset(STABLE_EMODE_ASSETS))
POOL = AAVE_POOL
TOKEN = OURS["MockERC20"]
ORACLE = OURS["PriceOracle"]
LIQUIDATION_CALL = next(e for e in AAVE_POOL.events.values() if e.name == "LiquidationCall")

users = st.integers(0, 2)
assets = st.sampled_from(SYMBOLS)
fractions = st.integers(1, 10_000)


class RealAaveDifferential(RuleBasedStateMachine):
    m: Markets
    counted = False
    last_account: tuple[int, ...] = ()

    def __init__(self) -> None:
        super().__init__()
        self.net = type(self).m.net
        self.snap = self.net.snapshot()
        self.clock = self.net.chain.timestamp
        self.in_step = True
        self.counter = tally("aave_v3_pool")
        if self.counted:
            self.counter.sequences += 1

    def teardown(self) -> None:
        self.net.revert(self.snap)

    # ------------------------------------------------------------------ plumbing

    @property
    def sides(self) -> tuple[tuple[str, bytes, tuple[Wallet, ...], Rules], ...]:
        m = type(self).m
        return (("real", m.real, m.real_users, AAVE_V3_0_2), ("ours", m.ours, m.our_users, OUR_RULES))

    def _block(self, txs: list[TxRequest], seconds: int = 1) -> list[bool]:
        self.clock += seconds
        return [r.success for r in self.net.block(txs, timestamp=self.clock)]

    def _fund(self, symbol: str, amount: int, *holders: bytes) -> None:
        m = type(self).m
        txs = [
            TxRequest(self.net.deployer, m.tokens[symbol], TOKEN.fn("mint").encode(h, amount))
            for h in holders
        ]
        assert all(self._block(txs))

    def _both(self, who: int, fn: str, *args: Any, seconds: int = 1) -> tuple[bool, bool]:
        """Sends the same IPool call from user `who` of each market (`@user` stands for that user's address)."""
        txs = []
        for _, pool, wallets, _ in self.sides:
            wallet = wallets[who]
            resolved = [wallet.address if a == "@user" else a for a in args]
            txs.append(TxRequest(wallet, pool, POOL.fn(fn).encode(*resolved), gas=GAS))
        real_ok, our_ok = self._block(txs, seconds)
        self.counter.steps += self.counted
        return real_ok, our_ok

    def _same_outcome(self, outcome: tuple[bool, bool]) -> None:
        if self.in_step:
            assert outcome[0] == outcome[1], f"real {outcome[0]} vs ours {outcome[1]}"

    def _prices(self) -> dict[str, int]:
        m = type(self).m
        replies = self.net.reads(
            [(m.oracle, ORACLE.fn("getAssetPrice").encode(m.tokens[s])) for s in SYMBOLS]
        )
        return {s: int.from_bytes(r[:32], "big") for s, r in zip(SYMBOLS, replies, strict=True)}

    def _positions(self, side: str, user: bytes) -> tuple[dict[str, Position], EModeCategory | None]:
        m = type(self).m
        pool = m.real if side == "real" else m.ours
        requests = [
            (pool, POOL.fn("getUserConfiguration").encode(user)),
            (pool, POOL.fn("getUserEMode").encode(user)),
            (pool, POOL.fn("getUserAccountData").encode(user)),
        ]
        for s in SYMBOLS:
            if side == "real":
                requests.append((m.a_tokens[s], AAVE_ATOKEN.fn("balanceOf").encode(user)))
                requests.append((m.debt_tokens[s], AAVE_DEBT.fn("balanceOf").encode(user)))
            else:
                requests.append((pool, OURS["LendingPool"].fn("getUserReserve").encode(user, m.tokens[s])))
        replies = self.net.reads(requests)
        self.last_account = tuple(POOL.fn("getUserAccountData").decode(replies.pop(2)))
        config = int.from_bytes(replies[0][:32], "big")
        emode = EMODE if int.from_bytes(replies[1][:32], "big") == STABLE_EMODE else None
        out = {}
        for i, s in enumerate(SYMBOLS):
            if side == "real":
                supplied = int.from_bytes(replies[2 + 2 * i][:32], "big")
                debt = int.from_bytes(replies[3 + 2 * i][:32], "big")
            else:
                word = replies[2 + i]
                supplied, debt = int.from_bytes(word[:32], "big"), int.from_bytes(word[32:64], "big")
            enabled = (config >> (2 * i + 1)) & 1 == 1
            if supplied or debt or enabled:
                out[s] = Position(supplied, debt, enabled)
        return out, emode

    def _account(self, pool: bytes, user: bytes) -> tuple[int, ...]:
        return tuple(
            POOL.fn("getUserAccountData").decode(
                self.net.call(pool, POOL.fn("getUserAccountData").encode(user))
            )
        )

    # ------------------------------------------------------------------ rules

    @initialize(amount=st.integers(10**6, 10**8))
    def whale_supplies(self, amount: int) -> None:
        """Liquidity for everyone: `amount` USD of each asset from user 2 of each market."""
        m = type(self).m
        for s, listing in LISTINGS.items():
            tokens = amount * 10**listing.decimals * 10**8 // listing.price
            self._fund(s, tokens, m.real_users[2].address, m.our_users[2].address)
            self._approve(s)
            self._same_outcome(self._both(2, "supply", m.tokens[s], tokens, "@user", 0))

    def _approve(self, symbol: str) -> None:
        m = type(self).m
        txs = [
            TxRequest(w, m.tokens[symbol], TOKEN.fn("approve").encode(pool, MAX))
            for _, pool, wallets, _ in self.sides
            for w in wallets
        ]
        assert all(self._block(txs))

    @rule(who=users, symbol=assets, usd=st.integers(10, 2_000_000))
    def supply(self, who: int, symbol: str, usd: int) -> None:
        m = type(self).m
        listing = LISTINGS[symbol]
        amount = usd * 10**listing.decimals * 10**8 // listing.price
        self._fund(symbol, amount, m.real_users[who].address, m.our_users[who].address)
        self._approve(symbol)
        self._same_outcome(self._both(who, "supply", m.tokens[symbol], amount, "@user", 0))

    @rule(who=users, symbol=assets, share=st.one_of(st.integers(1, 9_500), st.integers(9_000, 9_990)))
    def borrow(self, who: int, symbol: str, share: int) -> None:
        """Borrows `share` bps of what the real market says is still available (both get the same amount)."""
        m = type(self).m
        available = self._account(m.real, m.real_users[who].address)[2]
        amount = available * share // 10_000 * 10 ** LISTINGS[symbol].decimals // self._prices()[symbol]
        if amount == 0:
            return
        self._same_outcome(self._both(who, "borrow", m.tokens[symbol], amount, 2, 0, "@user"))

    @rule(who=users, symbol=assets, share=st.one_of(st.just(MAX), fractions))
    def repay(self, who: int, symbol: str, share: int) -> None:
        m = type(self).m
        positions, _ = self._positions("real", m.real_users[who].address)
        debt = positions.get(symbol, Position()).debt
        amount = MAX if share == MAX else max(1, debt * share // 10_000)
        self._fund(
            symbol,
            debt + 10 ** LISTINGS[symbol].decimals,
            m.real_users[who].address,
            m.our_users[who].address,
        )
        self._approve(symbol)
        self._same_outcome(self._both(who, "repay", m.tokens[symbol], amount, 2, "@user"))

    @rule(who=users, symbol=assets, share=st.one_of(st.just(MAX), st.integers(1, 5_000)))
    def withdraw(self, who: int, symbol: str, share: int) -> None:
        m = type(self).m
        positions, _ = self._positions("real", m.real_users[who].address)
        supplied = positions.get(symbol, Position()).supplied
        amount = MAX if share == MAX else supplied * share // 10_000
        if amount == 0:
            return
        self._same_outcome(self._both(who, "withdraw", m.tokens[symbol], amount, "@user"))

    @rule(
        who=st.integers(0, 1),
        collateral=assets,
        debt=assets,
        usd=st.integers(2_000, 500_000),
        share=st.integers(9_000, 9_990),
    )
    def open_leveraged_position(self, who: int, collateral: str, debt: str, usd: int, share: int) -> None:
        """Supplies `usd` of `collateral` and borrows `share` bps of what it allows in `debt`: one price move
        away from liquidation."""
        self.supply(who, collateral, usd)
        self.borrow(who, debt, share)

    @rule(who=users, category=st.sampled_from((0, STABLE_EMODE)))
    def set_emode(self, who: int, category: int) -> None:
        self._same_outcome(self._both(who, "setUserEMode", category))

    @rule(symbol=assets, move=st.one_of(st.integers(-4_000, 1_500), st.integers(-1_500, -300)))
    def move_price(self, symbol: str, move: int) -> None:
        """One oracle transaction moves the price both markets read by `move` bps."""
        m = type(self).m
        price = max(1, self._prices()[symbol] * (10_000 + move) // 10_000)
        assert all(
            self._block(
                [
                    TxRequest(
                        self.net.deployer,
                        m.oracle,
                        ORACLE.fn("setFixedPrice").encode(m.tokens[symbol], price),
                    )
                ]
            )
        )

    @rule(seconds=st.sampled_from((60, 3_600, 86_400, 30 * 86_400, 365 * 86_400)))
    def time_passes(self, seconds: int) -> None:
        self.clock += seconds

    @rule(
        who=st.integers(0, 1),
        pick=st.integers(0, 15),
        cover=st.one_of(st.just(MAX), fractions),
        receive_a_token=st.booleans(),
    )
    def liquidate(self, who: int, pick: int, cover: int, receive_a_token: bool) -> None:
        """User 2 liquidates user `who` on both markets (a collateral and a debt the user has, chosen by `pick`);
        each result must be its own version's."""
        m = type(self).m
        held, _ = self._positions("real", m.real_users[who].address)
        collaterals = [s for s, p in held.items() if p.collateral_enabled] or list(SYMBOLS)
        debts = [s for s, p in held.items() if p.debt] or list(SYMBOLS)
        collateral, debt = collaterals[pick % len(collaterals)], debts[pick // 4 % len(debts)]
        m = type(self).m
        prices = self._prices()
        plans: dict[str, tuple[int, int] | str] = {}
        before = {}
        for side, _, wallets, rules in self.sides:
            positions, emode = self._positions(side, wallets[who].address)
            before[side] = positions
            owed = positions.get(debt, Position()).debt
            amount = MAX if cover == MAX else max(1, owed * cover // 10_000)
            try:
                plans[side] = liquidation(rules, positions, prices, PARAMS, emode, collateral, debt, amount)
            except LiquidationError as err:
                plans[side] = err.reason
        owed = max(p.get(debt, Position()).debt for p in before.values())
        self._fund(debt, owed + 10, m.real_users[2].address, m.our_users[2].address)
        self._approve(debt)
        txs = []
        for side, pool, wallets, _ in self.sides:
            real_owed = before[side].get(debt, Position()).debt
            amount = MAX if cover == MAX else max(1, real_owed * cover // 10_000)
            data = POOL.fn("liquidationCall").encode(
                m.tokens[collateral], m.tokens[debt], wallets[who].address, amount, receive_a_token
            )
            txs.append(TxRequest(wallets[2], pool, data, gas=GAS))
        self.clock += 1
        results = self.net.block(txs, timestamp=self.clock)
        self.counter.steps += self.counted
        for (side, _, _, _), result in zip(self.sides, results, strict=True):
            plan = plans[side]
            if isinstance(plan, str):
                assert not result.success, f"{side}: the rules say {plan}, the market liquidated"
                continue
            assert result.success, f"{side}: the rules say {plan}, the market reverted"
            event = next(
                LIQUIDATION_CALL.decode(list(log.topics), log.data)
                for log in result.logs
                if log.topics[0] == LIQUIDATION_CALL.topic
            )
            assert (event["debtToCover"], event["liquidatedCollateralAmount"]) == plan, side
        import os

        if os.environ.get("DBG"):
            print("LIQ", plans, [r.success for r in results])
        if plans["real"] != plans["ours"]:
            # A documented difference (close factor, dust rule, rounding of the capped branch): the markets part.
            self.in_step = False
        else:
            self._same_outcome((results[0].success, results[1].success))

    @rule(symbol=assets, usd=st.integers(1, 1_000_000))
    def flash_loan(self, symbol: str, usd: int) -> None:
        m = type(self).m
        listing = LISTINGS[symbol]
        amount = usd * 10**listing.decimals * 10**8 // listing.price
        self._fund(symbol, amount // 100 + 1, *m.flash_receivers)
        txs = [
            TxRequest(
                wallets[0],
                pool,
                POOL.fn("flashLoanSimple").encode(receiver, m.tokens[symbol], amount, b"", 0),
                gas=GAS,
            )
            for (_, pool, wallets, _), receiver in zip(self.sides, m.flash_receivers, strict=True)
        ]
        self._same_outcome(tuple(self._block(txs)))  # type: ignore[arg-type]
        self.counter.steps += self.counted

    # ------------------------------------------------------------------ invariants

    @invariant()
    def each_market_follows_its_version(self) -> None:
        prices = self._prices()
        for side, pool, wallets, rules in self.sides:
            for wallet in wallets:
                positions, emode = self._positions(side, wallet.address)
                assert self._account(pool, wallet.address) == account(
                    rules, positions, prices, PARAMS, emode
                ), (side, rules.name)

    @invariant()
    def each_index_follows_its_version(self) -> None:
        """getReserveNormalizedVariableDebt from the stored index, rate and last update, to the wei."""
        m = type(self).m
        now = self.net.chain.timestamp
        for _, pool, _, rules in self.sides:
            for s in SYMBOLS:
                data = POOL.fn("getReserveData").decode(
                    self.net.call(pool, POOL.fn("getReserveData").encode(m.tokens[s]))
                )[0]
                index, rate, last = data[3], data[4], data[6]
                expected = normalized_debt(rules, index, rate, last, now)
                got = POOL.fn("getReserveNormalizedVariableDebt").decode(
                    self.net.call(pool, POOL.fn("getReserveNormalizedVariableDebt").encode(m.tokens[s]))
                )[0]
                assert got == expected, (rules.name, s)

    @invariant()
    def markets_in_step_agree_before_interest(self) -> None:
        """While no interest has accrued anywhere (every normalized index still exactly 1 RAY), rounding has nothing
        to act on: both markets hold the same balances, debts and collateral flags to the wei. (One second of
        interest is enough to part them by the rounding direction: ours rounds a debt up, v3.0 half up.)"""
        if not self.in_step:
            return
        m = type(self).m
        for pool in (m.real, m.ours):
            for s in SYMBOLS:
                data = POOL.fn("getReserveData").decode(
                    self.net.call(pool, POOL.fn("getReserveData").encode(m.tokens[s]))
                )[0]
                if data[1] != 10**27 or data[3] != 10**27:
                    return
        for who in range(3):
            real, real_emode = self._positions("real", m.real_users[who].address)
            ours, our_emode = self._positions("ours", m.our_users[who].address)
            assert real_emode == our_emode and set(real) == set(ours)
            for symbol, p in real.items():
                q = ours[symbol]
                assert q.collateral_enabled == p.collateral_enabled, symbol
                # Documented rounding difference: the same scaled supply, rounded down here and half up in v3.0.
                assert 0 <= p.supplied - q.supplied <= 1, symbol
                # Documented rounding difference: the same scaled debt, rounded up here and half up in v3.0.
                assert 0 <= q.debt - p.debt <= 1, symbol


def test_our_pool_follows_aave_v3_0_2_except_the_documented_differences(markets: Markets) -> None:
    RealAaveDifferential.m = markets
    RealAaveDifferential.counted = True
    from hypothesis.stateful import run_state_machine_as_test

    run_state_machine_as_test(
        RealAaveDifferential, settings=campaign(ci_examples=30, ci_steps=30, deep_examples=300, deep_steps=60)
    )
