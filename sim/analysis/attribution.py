"""Cascade attribution: for every liquidation, the oracle price move that pushed its account under water and
what moved that price (the exogenous path, or a trade by which agent); from the links between a liquidation's
forced sales and the next accounts to go under, the cascade's waves and its amplification factor.

How a move is explained. Fixed, pegged and keeper-pushed sources follow the scenario's reference path, so their
moves are exogenous. A pool-priced source (spot, TWAP, the spot leg of an index) moves with its constant-product
pool: every Sync in the pool since the source last changed is a trade with a log-price change, owned by the
transaction's agent (a TWAP takes each trade in over two updates, in proportion to the time it was in force in
each window); the change the trades do not explain (an index's rate leg following a keeper push, rounding) is
exogenous. A swap into a pool that market makers have left thinner
has two causes, the trade and the withdrawal: with c the change the same input would have made at the depth
the makers withdrew from (their LP share put back, fee ignored) and a the actual change, the split is the
two factors' Shapley values: (a + c) / 2 to the trader, (a - c) / 2 to the withdrawal (without the trade
nothing moves, so the trade always keeps at least half). The move's cause is the cause whose trades moved it
furthest in its direction. Book-priced sources (mid, last, median) and the `cross_venue` rule (a move made on one
venue's book or pool that moves another venue's oracle): sim/analysis/book_moves.py.

Which move pushed an account under. After each block, each market's liquidatable set is taken from the views
(exact mirror checks over an index, so this costs what the bots' own search costs); a position that enters it
(a lending account, a venue margin group) is charged to the adverse move of that block with the largest effect
on its margin (exposure times relative move). Its liquidations, until it leaves the set, carry that trigger. Wave 1 is a liquidation whose trigger
was not a liquidation's sale; wave n+1 is one triggered by a sale of a wave-n liquidation. The amplification
factor is everything liquidated over what the exogenous moves alone liquidated (wave 1, exogenous cause)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from sim.agents.base import Cause
from sim.analysis.book_moves import CROSS_VENUE, BookMoves, charge, rescaled
from sim.analysis.cascade_summary import cascade_summary

__all__ = ["CROSS_VENUE", "cascade_summary"]
from sim.node.chain import to_address
from sim.node.events import Event
from sim.world.liquidations import BlockLiquidations, Liquidation

EXOGENOUS = Cause.EXOGENOUS.value
LIQUIDATION_SALE = Cause.LIQUIDATION_SALE.value
MM_WITHDRAWAL = Cause.MM_WITHDRAWAL.value
UNATTRIBUTED = "unattributed"
REFERENCE_AGENT = "reference-path"
ZERO = b"\x00" * 20


@dataclass(frozen=True)
class Source:
    """What drives one oracle key (oracle label, asset): a constant-product pool (`pool`, the asset's side)
    with weight `weight`, and for an index the underlying's key for the rest."""

    pool: str | None = None
    asset_is_token0: bool = True
    weight: float = 1.0
    underlying: tuple[str, str] | None = None
    twap: bool = False  # the answer is a time-weighted average, refreshed by a keeper


@dataclass(frozen=True)
class PriceMove:
    id: int
    block: int
    oracle: str
    asset: str
    old: int
    new: int
    cause: str
    agent: str
    parent: int | None  # the liquidation whose sale moved it most (cause liquidation_sale)
    wave: int  # the parent's wave; 0 when no liquidation is behind it
    parts: tuple[tuple[str, str, int | None, float], ...] = ()  # (cause, agent, liquidation, log change)
    venue: str = ""  # cross_venue: the venue whose book or pool made the move

    def explain(self) -> dict[tuple[str, str, int | None], float]:
        """The move's log change split by (cause, agent, liquidation); the parts sum to the whole."""
        return {(c, a, p): v for c, a, p, v in self.parts}


@dataclass
class LiquidationRecord:
    id: int
    block: int
    tx_index: int
    market: str
    account: str
    group: int | None  # the venue margin group (cross margin: 0); None for lending
    collateral: str
    usd: float
    mode: str
    trigger_block: int | None
    trigger_oracle: str
    trigger_asset: str
    trigger_old: int | None
    trigger_new: int | None
    cause: str
    cause_agent: str
    parent: int | None
    wave: int
    trigger_venue: str = ""  # cross_venue: the venue whose price made the trigger move

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        out["usd"] = float(f"{self.usd:.10g}")
        return {k: ("" if v is None else v) for k, v in out.items()}


class MarketProbe(Protocol):
    """One liquidation market (a lending pool or the venue) as attribution needs it."""

    @property
    def label(self) -> str:
        """The market's label in events and summaries ("lending:<name>" or "venue")."""
        ...

    @property
    def oracle(self) -> str:
        """The label of the oracle that marks its accounts."""
        ...

    def under_water(self) -> list[PositionKey]:
        """Positions liquidatable now (after this block's refresh): lending accounts, venue margin groups."""
        ...

    def exposure(self, key: PositionKey) -> dict[str, float]:
        """USD weight of each asset's price in the position's margin: positive where a fall hurts (collateral,
        longs), negative where a rise hurts (debts, shorts)."""
        ...


Part = tuple[str, str, int | None]  # (cause, agent, liquidation id)
PositionKey = bytes | tuple[bytes, int]  # a lending account, or a venue (account, margin group)


@dataclass
class PoolBook:
    """A source pool as its Syncs and LP mints and burns leave it, event by event within a block."""

    reserves: tuple[int, int]
    supply: int
    withdrawn: int = 0  # LP burned by market makers since the run began, net of what they re-added


@dataclass
class AnswerBook:
    """The trades one oracle answer has not yet taken in: their log-price changes summed per part since the
    answer last moved (for a TWAP also weighted by block, and what it carries into its next update)."""

    twap: bool
    start: int = 0
    sums: dict[Part, float] = field(default_factory=lambda: defaultdict(float))
    timed: dict[Part, float] = field(default_factory=lambda: defaultdict(float))
    carry: dict[Part, float] = field(default_factory=dict)

    def add(self, part: Part, change: float, block: int) -> None:
        self.sums[part] += change
        if self.twap:
            self.timed[part] += change * block

    def take(self, block: int) -> dict[Part, float]:
        """What the answer's move at `block` took in. A spot answer takes every trade since its last move. A
        TWAP updated at `block` averages the spot since its last update at `start`: a trade at block t moved
        it for (block - t) of that window, so that share counts now and the rest at the next update."""
        if not self.twap:
            out = dict(self.sums)
        else:
            span = max(1, block - self.start)
            share = {p: (block * v - self.timed[p]) / span for p, v in self.sums.items()}
            out = dict(self.carry)
            for part, value in share.items():
                out[part] = out.get(part, 0.0) + value
            self.carry = {p: v - share[p] for p, v in self.sums.items() if v != share[p]}
        self.sums = defaultdict(float)
        self.timed = defaultdict(float)
        self.start = block
        return out


@dataclass
class _Sales:
    """One block's liquidations so far, to tell a liquidation's sales: venue liquidations by transaction (their
    sales are in the same transaction) and each lending bot's last liquidation by the collateral it seized."""

    venue: dict[int, LiquidationRecord] = field(default_factory=dict)
    bot_last: dict[tuple[str, str], int] = field(default_factory=dict)

    def cause(self, event: Event, agent_cause: str, sold: str | None) -> tuple[str, int | None]:
        """(cause, liquidation) of a trade selling `sold` (None: the event sells nothing): inside a venue
        liquidation's transaction, that liquidation's sale; a liquidation bot's sale of collateral it seized,
        that liquidation's; a bot's trade that sells none is an ordinary trade; else the agent's cause."""
        liquidation = self.venue.get(event.tx_index)
        if liquidation is not None:
            return LIQUIDATION_SALE, liquidation.id
        if agent_cause == LIQUIDATION_SALE and sold is not None:
            parent = self.bot_last.get((event.agent, sold))
            return (LIQUIDATION_SALE, parent) if parent is not None else (Cause.TRADE.value, None)
        return agent_cause, None


def _ln(a: float, b: float) -> float:
    return math.log(a / b) if a > 0 and b > 0 else 0.0


@dataclass
class Attribution:
    """Fed once per block after the world's refresh; keeps the moves, the accounts under water with their
    triggers, and the liquidation records (streamed to liquidations.csv by the caller)."""

    sources: dict[tuple[str, str], Source]
    probes: list[MarketProbe]
    cause_of: Mapping[str, str]  # agent name -> what its trades are as a cause (`Agent.cause`)
    pools: dict[str, PoolBook]
    pool_labels: dict[str, str]  # "pool:<name>" -> name, for source pools only
    pool_tokens: dict[str, tuple[str, str]]  # name -> (token0, token1)
    token_names: dict[bytes, str]  # token address -> asset
    prices: dict[tuple[str, str], int]  # the oracle answers last seen
    records: list[LiquidationRecord] = field(default_factory=list)
    under: dict[str, dict[PositionKey, PriceMove | None]] = field(default_factory=dict)
    moves_now: list[PriceMove] = field(default_factory=list)
    keys: dict[tuple[str, str], AnswerBook] = field(default_factory=dict)
    refreshed: set[tuple[str, str]] = field(default_factory=set)  # TWAP answers a keeper refreshed this block
    pool_keys: dict[str, list[tuple[tuple[str, str], float]]] = field(default_factory=dict)
    books: BookMoves | None = None  # the order books oracles read (sim.analysis.book_moves)
    pool_venue: dict[str, str] = field(default_factory=dict)  # a venue's pool -> the venue's name
    venues: frozenset[str] = frozenset()  # venue names (their oracles' labels)
    part_venue: dict[Part, str] = field(default_factory=dict)  # a cross_venue part's source venue
    _next_move: int = 0

    def __post_init__(self) -> None:
        """Which oracle answers each pool drives, with what signed weight (an index: its spot weight on its own
        pool, the rest on its underlying's)."""
        for key, source in sorted(self.sources.items()):
            if source.pool is None:
                continue
            self.keys[key] = AnswerBook(source.twap)
            drivers = [(source.pool, source.weight * (1.0 if source.asset_is_token0 else -1.0))]
            under = self.sources.get(source.underlying) if source.underlying is not None else None
            if under is not None and under.pool is not None:
                drivers.append((under.pool, (1.0 - source.weight) * (1.0 if under.asset_is_token0 else -1.0)))
            for pool, weight in drivers:
                self.pool_keys.setdefault(pool, []).append((key, weight))
        for book in self.books.drivers.values() if self.books is not None else ():
            for driver in book:
                self.keys.setdefault(driver.key, AnswerBook(False))

    # -- per block
    def observe(
        self,
        block: int,
        events: list[Event],
        *,
        liquidations: BlockLiquidations,
        prices: Mapping[tuple[str, str], int],
    ) -> list[LiquidationRecord]:
        """Fold one block in: liquidations (charged to their accounts' triggers), trades in source pools,
        the oracle moves they explain (`prices`: this block's oracle answers), and the accounts newly under
        water. Returns this block's records."""
        first = len(self.records)
        self._events(block, events, liquidations.at())
        self._moves(block, prices)
        self._entrants(block)
        return self.records[first:]

    def _events(
        self, block: int, events: list[Event], liquidations: dict[tuple[int, int], Liquidation]
    ) -> None:
        sales = _Sales()
        for event in events:
            liquidation = (
                liquidations.get((event.tx_index, event.log_index))
                if event.name in ("LiquidationCall", "LiquidationStarted")
                else None
            )
            if liquidation is not None:
                record = self._record(liquidation)
                if liquidation.group is None:
                    sales.bot_last[(event.agent, record.collateral)] = record.id
                else:
                    sales.venue[event.tx_index] = record
            elif event.contract in self.pool_labels:
                self._pool_event(self.pool_labels[event.contract], event, sales)
            elif self.books is not None and (book := self.books.book_of(event.contract)) is not None:
                self._book_event(book, event, sales)
            elif event.name == "TwapUpdated" and event.contract.startswith("oracle:"):
                self.refreshed.add(
                    (event.contract.removeprefix("oracle:"), self.asset_name(event.args["asset"]))
                )

    def _book_event(self, name: str, event: Event, sales: _Sales) -> None:
        """An order book's event: its price change goes to the answers the book drives (book_moves). Only a
        market order sells a token (a bot's cancel or placement keeps its agent's cause)."""
        assert self.books is not None
        sold = (
            self.pool_tokens.get(name, ("", ""))[1 if event.args["isBuy"] else 0]
            if event.name == "MarketOrder"
            else None
        )
        cause, parent = sales.cause(event, self.cause_of.get(event.agent, Cause.TRADE.value), sold)
        self.books.observe(name, event, cause, parent, self.keys)

    def asset_name(self, address: Any) -> str:
        return self.token_names.get(to_address(address), "")

    def _record(self, liquidation: Liquidation) -> LiquidationRecord:
        key: PositionKey = (
            liquidation.account if liquidation.group is None else (liquidation.account, liquidation.group)
        )
        trigger = self.under.get(liquidation.market, {}).get(key)
        wave = 1 if trigger is None else trigger.wave + 1
        record = LiquidationRecord(
            id=len(self.records),
            block=liquidation.block,
            tx_index=liquidation.tx_index,
            market=liquidation.market,
            account="0x" + liquidation.account.hex(),
            group=liquidation.group,
            collateral=liquidation.collateral,
            usd=liquidation.usd,
            mode=liquidation.mode,
            trigger_block=None if trigger is None else trigger.block,
            trigger_oracle="" if trigger is None else trigger.oracle,
            trigger_asset="" if trigger is None else trigger.asset,
            trigger_old=None if trigger is None else trigger.old,
            trigger_new=None if trigger is None else trigger.new,
            cause=UNATTRIBUTED if trigger is None else trigger.cause,
            cause_agent="" if trigger is None else trigger.agent,
            parent=None if trigger is None else trigger.parent,
            wave=wave,
            trigger_venue="" if trigger is None else trigger.venue,
        )
        self.records.append(record)
        return record

    def _pool_event(self, name: str, event: Event, sales: _Sales) -> None:
        book = self.pools[name]
        agent_cause = self.cause_of.get(event.agent, Cause.TRADE.value)
        if event.name == "Transfer":  # LP minted (from zero) or burned (to zero); makers' net burn kept
            value = int(event.args["value"])
            if to_address(event.args["from"]) == ZERO:  # a mint, even to zero (the locked minimum liquidity)
                minted = value
            else:
                minted = -value if to_address(event.args["to"]) == ZERO else 0
            book.supply += minted
            if agent_cause == MM_WITHDRAWAL:
                book.withdrawn = max(0, book.withdrawn - minted)
            return
        if event.name != "Sync":
            return
        new = (int(event.args["reserve0"]), int(event.args["reserve1"]))
        old = book.reserves
        book.reserves = new
        dlog0 = _ln(new[1], new[0]) - _ln(old[1], old[0]) if min(old) > 0 else 0.0
        if dlog0 == 0.0:
            return
        cause, parent = sales.cause(event, agent_cause, self.sold_token(name, old, new))
        thin = self._thin_share(book, old, new, dlog0)
        for key, weight in self.pool_keys.get(name, []):
            charge(
                self.keys[key], self.part_venue, self.venues, key[0], self.pool_venue.get(name, ""),
                (cause, event.agent, parent), weight, dlog0, thin, event.block,
            )  # fmt: skip

    def sold_token(self, name: str, old: tuple[int, int], new: tuple[int, int]) -> str:
        tokens = self.pool_tokens.get(name, ("", ""))
        return tokens[0] if new[0] > old[0] else tokens[1]

    @staticmethod
    def _thin_share(book: PoolBook, old: tuple[int, int], new: tuple[int, int], dlog0: float) -> float:
        """The withdrawal's Shapley share of a swap's log-price change: half of the actual change minus what the
        same input would have done with the withdrawn share of the reserves put back."""
        if book.withdrawn <= 0 or book.supply <= 0:
            return 0.0
        scale = (book.supply + book.withdrawn) / book.supply
        if new[0] > old[0] and new[1] < old[1]:  # token0 sold in: its price falls
            counterfactual = -2 * math.log((scale * old[0] + (new[0] - old[0])) / (scale * old[0]))
        elif new[1] > old[1] and new[0] < old[0]:  # token1 sold in: token0's price rises
            counterfactual = 2 * math.log((scale * old[1] + (new[1] - old[1])) / (scale * old[1]))
        else:  # liquidity added or removed: no swap to split
            return 0.0
        thin = (dlog0 - counterfactual) / 2
        return thin if thin * dlog0 > 0 else 0.0

    def _moves(self, block: int, prices: Mapping[tuple[str, str], int]) -> None:
        self.moves_now = []
        for key, price in sorted(prices.items()):
            old = self.prices.get(key)
            self.prices[key] = price
            moved = old is not None and old != price and old > 0 and price > 0
            book = self.keys.get(key)
            # A spot answer takes its trades when it moves; a TWAP at every refresh, moved or not.
            taken = (
                book.take(block)
                if book is not None and (key in self.refreshed if book.twap else moved)
                else {}
            )
            if not moved:
                continue
            assert old is not None
            if self.books is not None and key in self.books.medians:
                taken = rescaled(taken, _ln(price, old))
            parts: dict[Part, float] = defaultdict(float, taken)
            # What the trades do not explain (a keeper push on an index's rate leg, rounding) is exogenous.
            parts[(EXOGENOUS, REFERENCE_AGENT, None)] += _ln(price, old) - sum(parts.values())
            cause, agent, parent = _dominant(parts, _ln(price, old))
            wave = 0 if parent is None else self.records[parent].wave
            books = self.books.part_venue if self.books is not None else {}
            venue = self.part_venue.get((cause, agent, parent), books.get((cause, agent, parent), ""))
            move = PriceMove(
                self._next_move, block, key[0], key[1], old, price, cause, agent, parent, wave,
                tuple((c, a, p, v) for (c, a, p), v in sorted(parts.items(), key=_part_order)),
                venue if cause == CROSS_VENUE else "",
            )  # fmt: skip
            self._next_move += 1
            self.moves_now.append(move)
        self.refreshed.clear()

    def _entrants(self, block: int) -> None:
        for probe in self.probes:
            now = set(probe.under_water())
            under = self.under.setdefault(probe.label, {})
            for key in [k for k in under if k not in now]:
                del under[key]
            for key in sorted(now - under.keys(), key=_key_order):
                under[key] = self._trigger(probe, key)

    def _trigger(self, probe: MarketProbe, key: PositionKey) -> PriceMove | None:
        exposure = probe.exposure(key)
        best: tuple[float, int] | None = None
        chosen: PriceMove | None = None
        for move in self.moves_now:
            if move.oracle != probe.oracle or move.asset not in exposure:
                continue
            effect = exposure[move.asset] * (move.new - move.old) / move.old
            if effect >= 0:
                continue
            score = (-effect, -move.id)
            if best is None or score > best:
                best, chosen = score, move
        return chosen

    # -- results
    def summary(self) -> dict[str, Any]:
        """Waves, causes and the amplification factor (summary.json's `cascade`)."""
        return cascade_summary(self.records)


def _key_order(key: PositionKey) -> tuple[bytes, int]:
    return (key, -1) if isinstance(key, bytes) else key


def _part_order(item: tuple[tuple[str, str, int | None], float]) -> tuple[str, str, int]:
    (cause, agent, parent), _ = item
    return cause, agent, -1 if parent is None else parent


def _dominant(parts: dict[tuple[str, str, int | None], float], total: float) -> tuple[str, str, int | None]:
    """The cause whose parts moved the price furthest in the move's direction; within it, the agent that
    pushed hardest; for liquidation sales, the liquidation whose sales (all its trades) pushed hardest."""
    direction = 1.0 if total > 0 else -1.0
    by_cause: dict[str, float] = defaultdict(float)
    for (cause, _, _), value in parts.items():
        by_cause[cause] += value * direction
    cause = max(sorted(by_cause), key=lambda c: by_cause[c])
    within = sorted((item for item in parts.items() if item[0][0] == cause), key=_part_order)
    (_, agent, parent), _ = max(within, key=lambda item: item[1] * direction)
    if cause == LIQUIDATION_SALE:
        per_parent: dict[int, float] = defaultdict(float)
        for (c, _, p), value in parts.items():
            if c == cause and p is not None:
                per_parent[p] += value * direction
        if per_parent:
            parent = max(sorted(per_parent), key=lambda p: per_parent[p])
    return cause, agent, parent
