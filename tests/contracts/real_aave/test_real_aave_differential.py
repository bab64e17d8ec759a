"""Our LendingPool against a real Aave v3.0.2 market (npm `@aave/core-v3`), driven by the same Hypothesis
sequences through Aave's own IPool ABI: supply, borrow, repay, withdraw, e-mode, price moves, time passing,
liquidationCall with both receive options, flashLoanSimple. Each action goes to both markets in one block.

Every step, for each market: the model (model.py) predicts the block from the market's state as read before it,
under that market's Rules; the test requires the market's success or revert, its whole new state (indexes, rates,
scaled totals, cash, treasury accrual, deficit; every user's scaled balances, collateral and borrowing flags,
e-mode), every getUserAccountData, both normalized indexes and the LiquidationCall amounts to equal the
prediction to the wei. Both predictions run one code path with the switches of model.py's table, so where the
markets part, they part by exactly those switches; the test also counts where they did (see `Tally`).

A sequence whose interesting branches never ran tests nothing: the campaign asserts at the end that both markets
liquidated with and without aTokens, in e-mode, across the close-factor line and into bad debt, after interest had
accrued, and that flash loans and price moves ran.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, fields, replace
from typing import Any

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from sim.mirrors.fixed_point import RAY
from sim.mirrors.lending import EModeCategory, RateModel, ReserveParams
from sim.node.chain import TxRequest

from ..evmnet import GAS, campaign, tally
from .conftest import (
    AAVE_POOL,
    FLASH_PREMIUM_BPS,
    LISTINGS,
    OURS,
    STABLE_EMODE,
    STABLE_EMODE_ASSETS,
    STABLE_EMODE_TERMS,
    Markets,
)
from .model import (
    AAVE_V3_0_2,
    Config,
    LiquidationResult,
    Listing,
    Market,
    MarketState,
    Revert,
    Rules,
    User,
    Version,
)
from .model import OURS as OUR_RULES
from .state import Reading, normalized, read

MAX = 2**256 - 1
SYMBOLS = tuple(LISTINGS)
CONFIG = Config(
    listings={
        s: Listing(
            ReserveParams(x.decimals, x.ltv, x.liquidation_threshold, x.liquidation_bonus, x.protocol_fee),
            x.reserve_factor,
            RateModel(*x.rates),
        )
        for s, x in LISTINGS.items()
    },
    emode_id=STABLE_EMODE,
    emode=EModeCategory(*STABLE_EMODE_TERMS, frozenset(STABLE_EMODE_ASSETS), frozenset(STABLE_EMODE_ASSETS)),
    flash_premium_bps=FLASH_PREMIUM_BPS,
)
ORACLE = OURS["PriceOracle"]
LIQUIDATION_CALL = next(e for e in AAVE_POOL.events.values() if e.name == "LiquidationCall")
SIDES: tuple[tuple[str, Rules], ...] = (("real", AAVE_V3_0_2), ("ours", OUR_RULES))
LIQUIDATOR = "2"

users = st.sampled_from(("0", "1"))
anyone = st.sampled_from(("0", "1", "2"))
assets = st.sampled_from(SYMBOLS)
fractions = st.integers(1, 10_000)

# A borrower one price move from liquidation (see leveraged_position_liquidated).
LEVERAGED = {
    "who": users,
    "emode": st.booleans(),
    "pair": st.integers(0, 11),
    "usd": st.one_of(st.integers(500, 4_000), st.integers(4_000, 400_000)),
    "share": st.integers(9_000, 10_000),
    "health_bps": st.sampled_from((9_900, 9_700, 9_000, 8_000, 5_000)),
    "cover": st.one_of(st.just(MAX), st.integers(500, 10_000)),
    "receive_a_token": st.booleans(),
    "nudge": st.sampled_from(("none", "none", "set e-mode again", "enter e-mode")),
    "wait": st.sampled_from((0, 0, 86_400, 30 * 86_400)),
}

# What the campaign saw, over all sequences (asserted at the end of the test).
SEEN: Counter[str] = Counter()

Predict = Callable[[Market], Any]


@dataclass(frozen=True)
class Record:
    """One market's side of one step: the state before, the action (as its prediction) and what was read after."""

    side: str
    before: MarketState
    prices: dict[str, int]
    now: int
    predict: Predict
    reading: Reading
    success: bool
    liquidation: (
        tuple[int, int] | None
    )  # the LiquidationCall event's (debtToCover, liquidatedCollateralAmount)


# Every step of the campaign's passing sequences, for replaying the model with a switch flipped.
TRANSCRIPT: list[Record] = []


def replay(rules: Rules, record: Record) -> tuple[Any, list[str]]:
    """The model's prediction of `record` under `rules`, and every way the market's reading differs from it."""
    model = Market(rules, CONFIG, record.before, record.prices, record.now)
    try:
        predicted = record.predict(model)
    except Revert as err:
        predicted = err
        model = Market(rules, CONFIG, record.before, record.prices, record.now)
    out = []
    if record.success == isinstance(predicted, Revert):
        out.append(f"predicted {predicted!r}, the market {'succeeded' if record.success else 'reverted'}")
    expected, got = normalized(model.state), normalized(record.reading.state)
    out += [f"reserve {a}" for a in SYMBOLS if got.reserves[a] != expected.reserves[a]]
    out += [f"user {u}" for u in got.users if got.users[u] != expected.users.get(u, User())]
    for name, account in record.reading.accounts.items():
        a = model.account(name)
        view = (a.total_collateral_base, a.total_debt_base, a.available_borrows_base)
        if account != (*view, a.current_liquidation_threshold, a.ltv, a.health_factor):
            out.append(f"getUserAccountData({name})")
    for asset, indexes in record.reading.indexes.items():
        if indexes != (model.normalized_income(asset), model.normalized_debt(asset)):
            out.append(f"normalized indexes {asset}")
    amounts = (
        (predicted.debt_repaid, predicted.collateral_to_liquidator)
        if isinstance(predicted, LiquidationResult)
        else None
    )
    if amounts is not None and record.liquidation not in (None, amounts):
        out.append(f"LiquidationCall {record.liquidation} vs {predicted}")
    return predicted, out


class RealAaveDifferential(RuleBasedStateMachine):
    m: Markets

    def __init__(self) -> None:
        super().__init__()
        m = type(self).m
        self.net = m.net
        self.snap = self.net.snapshot()
        self.clock = self.net.chain.timestamp
        self.counter = tally("aave_v3_pool")
        self.counter.sequences += 1
        self.prices = {s: LISTINGS[s].price for s in SYMBOLS}
        self.readings = {side: read(m, side, CONFIG) for side, _ in SIDES}
        self.interest_accrued = False  # a day or more passed with debt outstanding

    def teardown(self) -> None:
        self.net.revert(self.snap)

    # ------------------------------------------------------------------ one step on both markets

    def _step(self, tx: Callable[[str], TxRequest], predict: Predict, seconds: int = 1) -> dict[str, Any]:
        """Sends `tx(side)` to both markets in one block and checks each market against the model's prediction
        from the state read before; returns each side's predicted result (or the Revert)."""
        m = type(self).m
        now = self.clock + seconds
        self.clock = now
        results = self.net.block([tx(side) for side, _ in SIDES], timestamp=now)
        self.counter.steps += 1
        outcome: dict[str, Any] = {}
        for (side, rules), result in zip(SIDES, results, strict=True):
            liquidated = next(
                (
                    LIQUIDATION_CALL.decode(list(log.topics), log.data)
                    for log in result.logs
                    if log.topics[0] == LIQUIDATION_CALL.topic
                ),
                None,
            )
            record = Record(
                side,
                self.readings[side].state,
                dict(self.prices),
                now,
                predict,
                read(m, side, CONFIG),
                result.success,
                None
                if liquidated is None
                else (liquidated["debtToCover"], liquidated["liquidatedCollateralAmount"]),
            )
            predicted, mismatches = replay(rules, record)
            assert not mismatches, f"{rules.name} at {now}: {mismatches}"
            TRANSCRIPT.append(record)
            self.readings[side] = record.reading
            outcome[side] = predicted
        real, ours = (isinstance(outcome[side], Revert) for side, _ in SIDES)
        if real != ours:
            reasons = tuple(r.reason if isinstance(r, Revert) else "ok" for r in outcome.values())
            SEEN[f"outcomes differ: real {reasons[0]} / ours {reasons[1]}"] += 1
        return outcome

    def _pool_tx(self, who: str, fn: str, *args: Any) -> Callable[[str], TxRequest]:
        """The same IPool call from user `who` of each market (`"@user"` stands for that user's address)."""
        m = type(self).m

        def build(side: str) -> TxRequest:
            wallet = (m.real_users if side == "real" else m.our_users)[int(who)]
            resolved = [wallet.address if a == "@user" else a for a in args]
            pool = m.real if side == "real" else m.ours
            return TxRequest(wallet, pool, AAVE_POOL.fn(fn).encode(*resolved), gas=GAS)

        return build

    def _amount(self, symbol: str, usd: int) -> int:
        return usd * 10 ** LISTINGS[symbol].decimals * 10**8 // self.prices[symbol]

    def _real(self) -> MarketState:
        return self.readings["real"].state

    # ------------------------------------------------------------------ rules

    @initialize(usd=st.integers(10**6, 10**8), first=st.fixed_dictionaries(LEVERAGED))
    def whale_supplies_then_a_position_is_liquidated(self, usd: int, first: dict[str, Any]) -> None:
        """Liquidity for everyone (`usd` of each asset from user 2, the liquidator), then one leveraged position
        goes under water and is liquidated: every sequence starts with a liquidation, whichever rules follow."""
        for s in SYMBOLS:
            self.supply(LIQUIDATOR, s, usd)
        self.leveraged_position_liquidated(**first)

    @rule(who=anyone, symbol=assets, usd=st.integers(10, 2_000_000))
    def supply(self, who: str, symbol: str, usd: int) -> None:
        amount = self._amount(symbol, usd)
        token = type(self).m.tokens[symbol]
        self._step(
            self._pool_tx(who, "supply", token, amount, "@user", 0), lambda mk: mk.supply(who, symbol, amount)
        )

    @rule(who=anyone, symbol=assets, share=st.one_of(st.integers(1, 9_500), st.integers(9_000, 10_000)))
    def borrow(self, who: str, symbol: str, share: int) -> None:
        """Borrows `share` bps of what the real market says is available now (the same amount on both)."""
        available = self.readings["real"].accounts[who][2]
        amount = available * share // 10_000 * 10 ** LISTINGS[symbol].decimals // self.prices[symbol]
        if amount == 0:
            return
        token = type(self).m.tokens[symbol]
        self._step(
            self._pool_tx(who, "borrow", token, amount, 2, 0, "@user"),
            lambda mk: mk.borrow(who, symbol, amount),
        )

    @rule(who=users, symbol=assets, share=st.one_of(st.just(MAX), fractions))
    def repay(self, who: str, symbol: str, share: int) -> None:
        scaled = self._real().users[who].debt.get(symbol, 0)
        index = self.readings["real"].indexes[symbol][1]
        amount = MAX if share == MAX else max(1, scaled * index // RAY * share // 10_000)
        token = type(self).m.tokens[symbol]
        self._step(
            self._pool_tx(who, "repay", token, amount, 2, "@user"), lambda mk: mk.repay(who, symbol, amount)
        )

    @rule(who=anyone, symbol=assets, share=st.one_of(st.just(MAX), st.integers(1, 10_000)))
    def withdraw(self, who: str, symbol: str, share: int) -> None:
        scaled = self._real().users[who].supply.get(symbol, 0)
        index = self.readings["real"].indexes[symbol][0]
        amount = MAX if share == MAX else scaled * index // RAY * share // 10_000
        if amount == 0:
            return
        token = type(self).m.tokens[symbol]
        self._step(
            self._pool_tx(who, "withdraw", token, amount, "@user"),
            lambda mk: mk.withdraw(who, symbol, amount),
        )

    @rule(who=users, category=st.sampled_from((0, STABLE_EMODE)))
    def set_emode(self, who: str, category: int) -> None:
        self._step(self._pool_tx(who, "setUserEMode", category), lambda mk: mk.set_emode(who, category))

    @rule(symbol=assets, move=st.one_of(st.integers(-4_000, 1_500), st.integers(-800, -100)))
    def move_price(self, symbol: str, move: int) -> None:
        """One oracle transaction moves the price both markets read by `move` bps."""
        m = type(self).m
        price = max(1, self.prices[symbol] * (10_000 + move) // 10_000)
        self.prices[symbol] = price
        data = ORACLE.fn("setFixedPrice").encode(m.tokens[symbol], price)
        self._step(lambda side: TxRequest(self.net.deployer, m.oracle, data), lambda mk: None)
        SEEN["price move"] += 1

    @rule(seconds=st.sampled_from((60, 3_600, 86_400, 30 * 86_400, 365 * 86_400)))
    def time_passes(self, seconds: int) -> None:
        self.clock += seconds
        if seconds >= 86_400 and any(r.scaled_total_debt for r in self._real().reserves.values()):
            self.interest_accrued = True
            SEEN["a day or more of interest"] += 1

    @rule(
        who=users,
        pick=st.integers(0, 15),
        cover=st.one_of(st.just(MAX), fractions),
        receive_a_token=st.booleans(),
    )
    def liquidate(self, who: str, pick: int, cover: int, receive_a_token: bool) -> None:
        """User 2 liquidates user `who` on both markets: a collateral and a debt the user has on the real market,
        chosen by `pick`; `cover` is MAX or a share of the real market's debt."""
        held = self._real().users[who]
        collaterals = sorted(held.collateral) or list(SYMBOLS)
        debts = sorted(held.debt) or list(SYMBOLS)
        collateral, debt = collaterals[pick % len(collaterals)], debts[pick // 4 % len(debts)]
        owed = held.debt.get(debt, 0) * self.readings["real"].indexes[debt][1] // RAY
        amount = MAX if cover == MAX else max(1, owed * cover // 10_000)
        self._liquidate(who, collateral, debt, amount, receive_a_token)

    def _liquidate(self, who: str, collateral: str, debt: str, amount: int, receive_a_token: bool) -> None:
        emode = {side: self.readings[side].state.users[who].emode == STABLE_EMODE for side, _ in SIDES}
        deficit_before = sum(r.deficit for r in self.readings["ours"].state.reserves.values())
        outcome = self._step(
            self._liquidation_tx(who, collateral, debt, amount, receive_a_token),
            lambda mk: mk.liquidate(LIQUIDATOR, who, collateral, debt, amount, receive_a_token),
        )
        for side, result in outcome.items():
            if isinstance(result, LiquidationResult):
                SEEN[f"{side} liquidation"] += 1
                SEEN[f"{side} liquidation receiveAToken={receive_a_token}"] += 1
                if emode[side]:
                    SEEN[f"{side} liquidation in e-mode"] += 1
                if self.interest_accrued:
                    SEEN[f"{side} liquidation after a day or more of interest"] += 1
                if result.protocol_fee:
                    SEEN[f"{side} liquidation with protocol fee"] += 1
            else:
                SEEN[f"{side} liquidation reverted {result.reason}"] += 1
        real, ours = outcome["real"], outcome["ours"]
        if isinstance(real, LiquidationResult) and isinstance(ours, LiquidationResult):
            same = (real.debt_repaid, real.collateral_to_liquidator) == (
                ours.debt_repaid,
                ours.collateral_to_liquidator,
            )
            SEEN["both liquidated, same amounts" if same else "both liquidated, amounts differ"] += 1
        deficit = sum(r.deficit for r in self.readings["ours"].state.reserves.values())
        if deficit > deficit_before:
            SEEN["ours bad debt written off"] += 1

    def _liquidation_tx(
        self, who: str, collateral: str, debt: str, amount: int, receive_a_token: bool
    ) -> Callable[[str], TxRequest]:
        m = type(self).m

        def build(side: str) -> TxRequest:
            wallets = m.real_users if side == "real" else m.our_users
            pool = m.real if side == "real" else m.ours
            data = AAVE_POOL.fn("liquidationCall").encode(
                m.tokens[collateral], m.tokens[debt], wallets[int(who)].address, amount, receive_a_token
            )
            return TxRequest(wallets[int(LIQUIDATOR)], pool, data, gas=GAS)

        return build

    @rule(**LEVERAGED)
    def leveraged_position_liquidated(
        self,
        who: str,
        emode: bool,
        pair: int,
        usd: int,
        share: int,
        health_bps: int,
        cover: int,
        receive_a_token: bool,
        nudge: str,
        wait: int,
    ) -> None:
        """A borrower supplies `usd` of one asset, borrows `share` bps of what that allows in another, the
        collateral's price falls until the real market's health factor is `health_bps`, and user 2 liquidates
        (e-mode: USDC and USDe, the USDe side moving), after `wait` seconds of interest. Under water, the borrower may first set its e-mode category
        again, or enter e-mode (where the versions check health differently)."""
        if emode:
            collateral, debt = ("USDE", "USDC") if pair % 2 else ("USDC", "USDE")
        else:
            pairs = [(c, d) for c in SYMBOLS for d in SYMBOLS if c != d]
            collateral, debt = pairs[pair % len(pairs)]
        self.set_emode(who, STABLE_EMODE if emode else 0)
        self.supply(who, collateral, usd)
        self.borrow(who, debt, share)
        if wait:
            self.time_passes(wait)
            self.supply(
                LIQUIDATOR, debt, 1_000
            )  # a block after the wait: every view now includes the interest
        health = self.readings["real"].accounts[who][5]
        if health in (0, MAX):
            return
        # Health is linear in the collateral price when only that price moves (and the collateral is the user's
        # only one in this category): scale it to the target, a little under for the rounding.
        move = health_bps * 10**18 // health - 10_000
        self.move_price(collateral, max(-9_900, min(0, move)))
        if nudge != "none":
            self.set_emode(who, STABLE_EMODE if emode or nudge == "enter e-mode" else 0)
        owed = self._real().users[who].debt.get(debt, 0) * self.readings["real"].indexes[debt][1] // RAY
        amount = MAX if cover == MAX else max(1, owed * cover // 10_000)
        self._liquidate(who, collateral, debt, amount, receive_a_token)

    @rule(symbol=assets, usd=st.integers(1, 3_000_000))
    def flash_loan(self, symbol: str, usd: int) -> None:
        m = type(self).m
        amount = self._amount(symbol, usd)

        def build(side: str) -> TxRequest:
            receiver = m.flash_receivers[0 if side == "real" else 1]
            pool = m.real if side == "real" else m.ours
            wallet = (m.real_users if side == "real" else m.our_users)[0]
            data = AAVE_POOL.fn("flashLoanSimple").encode(receiver, m.tokens[symbol], amount, b"", 0)
            return TxRequest(wallet, pool, data, gas=GAS)

        outcome = self._step(build, lambda mk: mk.flash_loan(symbol, amount))
        for side, result in outcome.items():
            SEEN[f"{side} flash loan {'reverted' if isinstance(result, Revert) else 'repaid'}"] += 1

    @invariant()
    def indexes_never_fall(self) -> None:
        for reading in self.readings.values():
            for r in reading.state.reserves.values():
                assert r.liquidity_index >= RAY and r.variable_borrow_index >= RAY


REQUIRED = (
    "real liquidation receiveAToken=True",
    "real liquidation receiveAToken=False",
    "ours liquidation receiveAToken=True",
    "ours liquidation receiveAToken=False",
    "real liquidation in e-mode",
    "ours liquidation in e-mode",
    "real liquidation after a day or more of interest",
    "ours liquidation after a day or more of interest",
    "real liquidation with protocol fee",
    "both liquidated, same amounts",
    "both liquidated, amounts differ",
    "ours liquidation reverted MustNotLeaveDust",
    "ours bad debt written off",
    "real flash loan repaid",
    "ours flash loan repaid",
    "price move",
    "a day or more of interest",
)


@pytest.mark.fuzz
def test_our_pool_follows_aave_v3_0_2_except_the_documented_switches(markets: Markets) -> None:
    RealAaveDifferential.m = markets
    SEEN.clear()
    TRANSCRIPT.clear()
    run_state_machine_as_test(
        RealAaveDifferential, settings=campaign(ci_examples=30, ci_steps=20, deep_examples=300, deep_steps=60)
    )
    counter = tally("aave_v3_pool")
    counter.liquidations = SEEN["real liquidation"] + SEEN["ours liquidation"]
    missing = [branch for branch in REQUIRED if SEEN[branch] == 0]
    # Each switch is needed: flipped alone, on either side, the model must disagree with that side's bytecode.
    for side, rules in SIDES:
        records = [r for r in TRANSCRIPT if r.side == side]
        for switch in (f.name for f in fields(Rules) if f.name != "name"):
            other = Version.OURS if getattr(rules, switch) is Version.AAVE_V3_0_2 else Version.AAVE_V3_0_2
            flipped = replace(rules, **{switch: other})
            caught = sum(1 for r in records if replay(flipped, r)[1])
            SEEN[f"{side}: {switch} flipped, steps that disagree"] = caught
            if caught == 0:
                missing.append(f"{side}: a step where {switch} matters")
    counter.seen = dict(SEEN)
    assert not missing, f"branches the campaign never reached: {missing}; saw {dict(SEEN)}"
