"""Cascade attribution on constructed cascades with known answers (no devnet: events made by hand)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pytest

from sim.agents.arbitrageur import Arbitrageur
from sim.agents.liquidation_bot import LiquidationBot
from sim.agents.market_maker import MarketMaker
from sim.agents.seller import Seller
from sim.agents.venue_liquidator import VenueLiquidator
from sim.analysis.attribution import (
    EXOGENOUS,
    LIQUIDATION_SALE,
    MM_WITHDRAWAL,
    UNATTRIBUTED,
    Attribution,
    PoolBook,
    PositionKey,
    Source,
    cascade_summary,
)
from sim.node.events import Event
from sim.world.liquidations import BlockLiquidations, Liquidation

X, Q = b"\x01" * 20, b"\x02" * 20
ALICE, BOB, CAROL = b"\xaa" * 20, b"\xbb" * 20, b"\xcc" * 20
ZERO = b"\x00" * 20
KEY = ("venue", "X")
PRICE = 10**8


@dataclass
class Probe:
    """A venue whose accounts go under when X's oracle price falls below their liquidation price."""

    prices: dict[tuple[str, str], int]
    liquidation_price: dict[bytes, float]
    liquidated: set[bytes] = field(default_factory=set)

    @property
    def label(self) -> str:
        return "venue"

    @property
    def oracle(self) -> str:
        return "venue"

    def under_water(self) -> list[PositionKey]:
        price = self.prices[KEY] / PRICE
        return [(a, 0) for a, p in self.liquidation_price.items() if price < p and a not in self.liquidated]

    def exposure(self, key: PositionKey) -> dict[str, float]:
        return {"X": 1_000.0, "Q": -800.0}


def sync(block: int, tx: int, agent: str, x: int, q: int, pool: str = "pool:px") -> Event:
    return Event(block, tx, 0, agent, pool, "Sync", {"reserve0": x, "reserve1": q})


def venue(block: int, tx: int, name: str, account: bytes, proceeds: int = 0) -> Event:
    args: dict[str, Any] = {"account": account, "group": 0}
    if name == "LiquidationCompleted":
        args["proceeds"] = proceeds
    return Event(block, tx, 1, "venue-liquidator-0", "venue", name, args)


def price_of(x: int, q: int) -> int:
    return q * PRICE // x


class Harness:
    def __init__(
        self,
        liquidation_price: dict[bytes, float],
        reserves: tuple[int, int] = (1_000, 100_000),
        twap: bool = False,
    ):
        self.prices = {KEY: price_of(*reserves)}
        self.probe = Probe(self.prices, liquidation_price)
        self.reserves = reserves
        self.attribution = Attribution(
            sources={KEY: Source("px", True, twap=twap)},
            probes=[self.probe],
            cause_of={
                "arb-0": Arbitrageur.cause,
                "seller-0": Seller.cause,
                "venue-liquidator-0": VenueLiquidator.cause,
                "bot-0": LiquidationBot.cause,
                "mm-0": MarketMaker.cause,
            },
            pools={"px": PoolBook(reserves, 10_000)},
            pool_labels={"pool:px": "px"},
            pool_tokens={"px": ("X", "Q")},
            token_names={X: "X", Q: "Q"},
            prices=dict(self.prices),
        )

    def block(self, number: int, events: list[Event], liquidated: tuple[bytes, ...] = ()) -> list[Any]:
        for event in events:
            if event.name == "Sync":
                self.reserves = (event.args["reserve0"], event.args["reserve1"])
        self.prices[KEY] = price_of(*self.reserves)
        self.probe.liquidated.update(liquidated)
        return self.observe(number, events)

    def observe(self, number: int, events: list[Event]) -> list[Any]:
        return self.attribution.observe(number, events, liquidations=typed(events), prices=dict(self.prices))


def typed(events: list[Event]) -> BlockLiquidations:
    """The liquidations of these events as the world types them: a lending call valued at its `proceeds`
    argument, a venue liquidation at its completion's proceeds."""
    out = BlockLiquidations()
    for event in events:
        if event.name == "LiquidationCall":
            account, group, collateral = (
                event.args["user"],
                None,
                {X: "X", Q: "Q"}[event.args["collateralAsset"]],
            )
            usd = event.args["proceeds"]
        elif event.name == "LiquidationStarted":
            account, group, collateral = event.args["account"], int(event.args["group"]), ""
            usd = sum(
                e.args["proceeds"]
                for e in events
                if e.name == "LiquidationCompleted" and e.tx_index == event.tx_index
            )
        else:
            continue
        out.liquidations.append(
            Liquidation(
                market=event.contract,
                block=event.block,
                tx_index=event.tx_index,
                log_index=event.log_index,
                agent=event.agent,
                account=account,
                group=group,
                collateral=collateral,
                usd=float(usd),
                mode="",
            )
        )
    return out


def test_two_wave_cascade_known_answer() -> None:
    # Alice goes under below 95, Bob below 90. The arbitrageur (the exogenous path) takes X to ~94;
    # Alice's liquidation sells X down to ~88 (a small panic sale in the same block pushes less), which
    # puts Bob under: Bob is wave 2, his trigger Alice's sale, and the amplification (100 + 60) / 100.
    h = Harness({ALICE: 95.0, BOB: 90.0})
    assert h.block(1, [sync(1, 0, "arb-0", 1_031, 97_000)]) == []
    assert set(h.attribution.under["venue"]) == {(ALICE, 0)}
    trigger = h.attribution.under["venue"][(ALICE, 0)]
    assert trigger is not None and trigger.cause == EXOGENOUS and trigger.agent == "arb-0"
    assert (trigger.old, trigger.new) == (100 * PRICE, price_of(1_031, 97_000))

    block2 = [
        sync(2, 0, "seller-0", 1_032, 96_906),
        venue(2, 1, "LiquidationStarted", ALICE),
        sync(2, 1, "venue-liquidator-0", 1_062, 94_000),
        venue(2, 1, "LiquidationCompleted", ALICE, proceeds=100),
    ]
    records = h.block(2, block2, liquidated=(ALICE,))
    assert [(r.account, r.wave, r.cause, r.parent, r.usd) for r in records] == [
        ("0x" + ALICE.hex(), 1, EXOGENOUS, None, 100.0)
    ]
    bob = h.attribution.under["venue"][(BOB, 0)]
    assert bob is not None and (bob.cause, bob.parent, bob.wave, bob.block) == (LIQUIDATION_SALE, 0, 1, 2)

    block3 = [
        venue(3, 0, "LiquidationStarted", BOB),
        sync(3, 0, "venue-liquidator-0", 1_080, 92_500),
        venue(3, 0, "LiquidationCompleted", BOB, proceeds=60),
    ]
    records = h.block(3, block3, liquidated=(BOB,))
    assert [(r.wave, r.cause, r.parent, r.trigger_block, r.cause_agent) for r in records] == [
        (2, LIQUIDATION_SALE, 0, 2, "venue-liquidator-0")
    ]
    summary = h.attribution.summary()
    assert summary["waves"] == [
        {"wave": 1, "count": 1, "usd": 100.0, "amplification_through": 1.0},
        {"wave": 2, "count": 1, "usd": 60.0, "amplification_through": 1.6},
    ]
    assert summary["amplification"] == 1.6
    assert summary["max_wave"] == 2
    # The CSV rows give the same summary as the records.
    assert cascade_summary([r.row() for r in h.attribution.records]) == summary


def test_account_that_recovers_gets_a_new_trigger() -> None:
    h = Harness({ALICE: 95.0})
    h.block(1, [sync(1, 0, "arb-0", 1_031, 97_000)])
    h.block(2, [sync(2, 0, "arb-0", 1_000, 100_000)])  # back above 95: no longer under
    assert (ALICE, 0) not in h.attribution.under["venue"]
    h.block(3, [sync(3, 0, "seller-0", 1_040, 96_200)])
    trigger = h.attribution.under["venue"][(ALICE, 0)]
    assert trigger is not None and (trigger.block, trigger.cause, trigger.agent) == (
        3,
        "panic_sale",
        "seller-0",
    )


def test_liquidation_without_a_recorded_trigger_is_unattributed() -> None:
    h = Harness({})
    records = h.block(
        1, [venue(1, 0, "LiquidationStarted", CAROL), venue(1, 0, "LiquidationCompleted", CAROL, 5)]
    )
    assert [(r.cause, r.wave, r.trigger_block) for r in records] == [(UNATTRIBUTED, 1, None)]
    assert h.attribution.summary()["amplification"] is None  # nothing exogenous to divide by


def test_market_maker_withdrawal_takes_its_shapley_share() -> None:
    # Makers burn half the LP supply: the pool is half as deep. A seller's swap then moves the price by a;
    # at the old depth the same input would have moved it by c; the withdrawal's share is (a - c) / 2.
    h = Harness({ALICE: 95.0}, reserves=(1_000, 100_000))
    pair = b"\x20" * 20  # the pair burns the LP tokens the maker sent it
    burn = Event(1, 0, 0, "mm-0", "pool:px", "Transfer", {"from": pair, "to": ZERO, "value": 5_000})
    h.block(1, [burn, sync(1, 0, "mm-0", 500, 50_000)])  # proportional: the price does not move
    assert h.attribution.moves_now == []
    h.block(2, [sync(2, 0, "seller-0", 520, 48_100)])
    move = h.attribution.moves_now[0]
    a = math.log(48_100 / 520) - math.log(50_000 / 500)
    c = -2 * math.log((1_000 + 20) / 1_000)
    parts = move.explain()
    assert parts[(MM_WITHDRAWAL, "market-makers", None)] == pytest.approx((a - c) / 2, rel=1e-12)
    assert parts[("panic_sale", "seller-0", None)] == pytest.approx((a + c) / 2, rel=1e-12)
    assert move.cause == "panic_sale"  # the trade keeps at least half
    assert sum(parts.values()) == pytest.approx(math.log(move.new / move.old), rel=1e-12)


def test_lending_bot_sale_links_to_its_liquidation() -> None:
    # A bot liquidates (seizing X) then sells X into the source pool in a later transaction of the block:
    # that sale is the liquidation's, and the next account it pushes under is wave 2.
    h = Harness({ALICE: 95.0, BOB: 93.0})
    h.block(1, [sync(1, 0, "arb-0", 1_031, 97_000)])
    call = Event(
        2, 0, 0, "bot-0", "lending:aave", "LiquidationCall",
        {"user": ALICE, "collateralAsset": X, "debtAsset": Q, "debtToCover": 1, "proceeds": 70},
    )  # fmt: skip
    records = h.block(2, [call, sync(2, 1, "bot-0", 1_050, 95_300)], liquidated=(ALICE,))
    assert [(r.market, r.collateral) for r in records] == [("lending:aave", "X")]
    bob = h.attribution.under["venue"][(BOB, 0)]
    assert bob is not None and (bob.cause, bob.parent, bob.agent) == (LIQUIDATION_SALE, 0, "bot-0")


def test_bot_trade_without_seized_collateral_is_an_ordinary_trade() -> None:
    h = Harness({ALICE: 99.0})
    h.block(1, [sync(1, 0, "bot-0", 1_010, 99_000)])
    trigger = h.attribution.under["venue"][(ALICE, 0)]
    assert trigger is not None and trigger.cause == "trade"


def refresh(block: int) -> Event:
    """The keeper's updateTwap on the venue oracle's X source."""
    return Event(block, 0, 0, "oracle_keeper-0", "oracle:venue", "TwapUpdated", {"asset": X})


def test_twap_takes_each_trade_in_over_two_updates() -> None:
    # A TWAP refreshed at blocks 4 and 8. A panic sale at block 2 was in force for half of the first window
    # (blocks 2-4 of 0-4): half of its change belongs to the update at 4, the rest to the update at 8. A
    # liquidation's sale at block 6 counts half at 8: the next account it pushes under is wave 2, not exogenous.
    h = Harness({ALICE: 95.0, BOB: 93.0}, twap=True)
    twap = price_of(1_000, 100_000)
    sale = sync(2, 0, "seller-0", 1_020, 98_100)
    a = math.log(98_100 / 1_020) - math.log(100_000 / 1_000)
    h.prices[KEY] = twap
    for number, events in ((1, []), (2, [sale]), (3, [])):
        h.reserves = (1_020, 98_100) if number >= 2 else (1_000, 100_000)
        h.observe(number, events)
    h.prices[KEY] = 9_700_000_000  # the average over blocks 0-4
    h.observe(4, [refresh(4)])
    first = h.attribution.moves_now[0].explain()
    assert first[("panic_sale", "seller-0", None)] == pytest.approx(a * (4 - 2) / 4, rel=1e-12)
    assert sum(first.values()) == pytest.approx(math.log(97 / 100), rel=1e-12)
    assert set(h.attribution.under["venue"]) == set()  # 97 is above both liquidation prices

    h.observe(5, [venue(5, 0, "LiquidationStarted", CAROL), venue(5, 0, "LiquidationCompleted", CAROL, 9)])
    dump = sync(6, 0, "venue-liquidator-0", 1_070, 93_500)
    b = math.log(93_500 / 1_070) - math.log(98_100 / 1_020)
    h.observe(6, [venue(6, 0, "LiquidationStarted", CAROL), dump])
    h.observe(7, [])
    h.prices[KEY] = 9_250_000_000
    h.observe(8, [refresh(8)])
    second = h.attribution.moves_now[0].explain()
    assert second[("panic_sale", "seller-0", None)] == pytest.approx(a * 2 / 4, rel=1e-12)  # the carry
    assert second[(LIQUIDATION_SALE, "venue-liquidator-0", 1)] == pytest.approx(
        b * (8 - 6) / (8 - 4), rel=1e-12
    )
    bob = h.attribution.under["venue"][(BOB, 0)]
    assert bob is not None and bob.cause == LIQUIDATION_SALE and bob.parent == 1 and bob.wave == 1


@dataclass
class GroupProbe:
    """A venue account with two margin groups: a big healthy WETH group and a small isolated ALT group."""

    under: list[tuple[bytes, int]]
    label: str = "venue"
    oracle: str = "venue"

    def under_water(self) -> list[PositionKey]:
        return list(self.under)

    def exposure(self, key: PositionKey) -> dict[str, float]:
        return {"WETH": 1_000_000.0} if key == (ALICE, 0) else {"X": 10_000.0, "Q": -9_000.0}


def test_an_isolated_group_is_charged_to_its_own_asset() -> None:
    # X falls 10% and WETH 2% in the same block; the ALT-like group 1 goes under. Summed over the account,
    # WETH's exposure times its move is larger, but group 1 holds no WETH: its trigger is X's move.
    weth = ("venue", "WETH")
    prices = {KEY: 100 * PRICE, weth: 4_000 * PRICE}
    probe = GroupProbe([])
    attribution = Attribution(
        sources={}, probes=[probe], cause_of={}, pools={}, pool_labels={}, pool_tokens={}, token_names={},
        prices=dict(prices),
    )  # fmt: skip
    prices[KEY], prices[weth] = 90 * PRICE, 3_920 * PRICE
    probe.under = [(ALICE, 1)]
    attribution.observe(1, [], liquidations=typed([]), prices=dict(prices))
    trigger = attribution.under["venue"][(ALICE, 1)]
    assert trigger is not None and trigger.asset == "X"
    # Later the WETH group fails on WETH's move: its own trigger, not the ALT group's.
    prices[weth] = 3_500 * PRICE
    probe.under = [(ALICE, 1), (ALICE, 0)]
    attribution.observe(2, [], liquidations=typed([]), prices=dict(prices))
    weth_trigger = attribution.under["venue"][(ALICE, 0)]
    assert weth_trigger is not None and (weth_trigger.asset, weth_trigger.block) == ("WETH", 2)
    started = [Event(3, 0, 0, "liq", "venue", "LiquidationStarted", {"account": ALICE, "group": 0})]
    records = attribution.observe(3, started, liquidations=typed(started), prices=dict(prices))
    assert [(r.trigger_asset, r.trigger_block) for r in records] == [("WETH", 2)]


def test_twap_window_restarts_at_refreshes_that_change_nothing() -> None:
    # Quiet refreshes at 10 and 20 leave the answer where it was; a sale at 25 and a refresh at 30: the sale
    # was in force for half of the window 20-30, not a sixth of 0-30.
    h = Harness({}, twap=True)
    start = h.prices[KEY]
    for number in range(1, 31):
        events = [refresh(number)] if number in (10, 20, 30) else []
        if number == 25:
            events.append(sync(25, 1, "seller-0", 1_020, 98_100))
            h.reserves = (1_020, 98_100)
        h.prices[KEY] = start if number < 30 else 9_900_000_000
        h.observe(number, events)
    move = h.attribution.moves_now[0]
    change = math.log(98_100 / 1_020) - math.log(100_000 / 1_000)
    assert move.block == 30 and move.explain()[("panic_sale", "seller-0", None)] == pytest.approx(change / 2)
