"""Cross-venue arbitrageur: holds inventory on every venue it trades (one wallet per venue), buys where a book's
asks are cheap and sells where another venue's bids are rich, at once from both inventories, and moves inventory
back between venues with a transfer latency: a crash on one venue reaches the others through it, at the speed its
capital allows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
from pydantic import BaseModel, Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import approvals, units_usd, usd_units
from sim.agents.wallets import Transit, sub_wallet, venue_of
from sim.mirrors.orderbook import FEE_DENOMINATOR, LevelView, OrderBookMirror, base_down, quote_up
from sim.node.chain import TxRequest, Wallet
from sim.scenario.kinds import MAX_USD, AgentParams, Drawn, PoolName
from sim.world.world import BOOK_MAX_LEVELS, PoolView, World


class CrossVenueArbitrageurParams(AgentParams):
    """Trades groups of books of one base/quote pair on different venues against each other (`books`: a list of
    groups, e.g. [[bn_alt_usdt, okx_alt_usdt]]), holding `capital_usd` on each venue, half in the quote and half
    in the groups' base assets; moves inventory between venues in `transfer_latency_blocks`."""

    books: list[list[PoolName]] = Field(min_length=1)
    min_edge_bps: float = Field(default=10.0, ge=0, description="edge required beyond both taker fees")
    max_trade_usd: Drawn = Field(default=1_000_000.0, gt=0, le=MAX_USD)
    capital_usd: Drawn = Field(default=5_000_000.0, ge=0, le=MAX_USD, description="inventory per venue")
    transfer_latency_blocks: int = Field(default=5, ge=0, le=100_000)
    rebalance_threshold: float = Field(
        default=0.25,
        ge=0,
        lt=1,
        description="move inventory when a venue's share of an asset falls below this",
    )

    @classmethod
    def check_scenario(cls, spec: BaseModel) -> None:
        for i, group in enumerate(getattr(spec, "books", [])):
            if len(group) < 2 or len(set(group)) != len(group):
                raise ValueError(f"books[{i}]: a group names at least two different books, got {group}")


class Plan(NamedTuple):
    """One arbitrage: sell `base` on the rich book down to `sell_tick`, spend `quote` on the cheap book's asks up
    to `buy_tick`; `edge_usd` is what the mirrors say it earns after fees."""

    sell: PoolView
    buy: PoolView
    base: int
    sell_tick: int
    quote: int
    buy_tick: int
    edge_usd: float


def crossing(
    bids: list[LevelView],
    asks: list[LevelView],
    sell_fee: float,
    buy_fee: float,
    edge: float,
    divisor: int,
    max_base: int,
    max_quote: int,
) -> tuple[int, int, int, int]:
    """(base, lowest bid tick, quote, highest ask tick) of the matched levels where a bid, after the selling
    fee, still pays more than an ask costs after the buying fee plus `edge`; within `max_base` sold and
    `max_quote` spent. Both sides best first."""
    base = quote = bid_tick = ask_tick = 0
    i = j = 0
    bid_left = bids[0].base_volume if bids else 0
    ask_left = asks[0].base_volume if asks else 0
    while i < len(bids) and j < len(asks) and base < max_base:
        bid, ask = bids[i], asks[j]
        if not pays(bid.price, ask.price, sell_fee, buy_fee, edge):
            break
        take = min(bid_left, ask_left, max_base - base)
        cost = quote_up(take, ask.price, divisor)
        if quote + cost > max_quote:
            take = base_down(max_quote - quote, ask.price, divisor)
            cost = quote_up(take, ask.price, divisor)
            if take <= 0:
                break
        base, quote = base + take, quote + cost
        bid_tick, ask_tick = bid.tick, ask.tick
        bid_left, ask_left = bid_left - take, ask_left - take
        if bid_left == 0:
            i += 1
            bid_left = bids[i].base_volume if i < len(bids) else 0
        if ask_left == 0:
            j += 1
            ask_left = asks[j].base_volume if j < len(asks) else 0
        if quote >= max_quote:
            break
    return base, bid_tick, quote, ask_tick


def pays(bid_price: int, ask_price: int, sell_fee: float, buy_fee: float, edge: float) -> bool:
    """Whether a bid, after the selling fee, pays more than an ask costs after the buying fee plus `edge` (an
    empty side, price 0, never pays)."""
    return (
        bid_price > 0
        and ask_price > 0
        and bid_price * (1 - sell_fee) > ask_price * (1 + buy_fee) * (1 + edge)
    )


def taker_fee(book: OrderBookMirror) -> float:
    return book.state.taker_fee_pips / FEE_DENOMINATOR


@dataclass
class CrossVenueArbitrageur(Agent[CrossVenueArbitrageurParams]):
    kind = "cross_venue_arbitrageur"
    Params = CrossVenueArbitrageurParams
    cause = Cause.CROSS_VENUE

    venue_wallets: dict[str, Wallet] = field(default_factory=dict)  # venue name -> its wallet
    book_venue: dict[str, str] = field(default_factory=dict)  # book name -> venue name
    holders: dict[str, list[str]] = field(default_factory=dict)  # asset -> venues holding it
    transit: Transit | None = None

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        for group in self.params.books:
            views = [ctx.world.pools[name] for name in group]
            tokens = {v.info.tokens for v in views}
            for view in views:
                if view.book is None:
                    raise ValueError(
                        f"{self.name}: {view.name!r} is a {view.info.kind} pool, not an order book"
                    )
            if len(tokens) != 1:
                raise ValueError(
                    f"{self.name}: the books of group {group} trade different pairs {sorted(tokens)}"
                )
            for view in views:
                venue = venue_of(ctx.scenario, view.name)
                self.book_venue[view.name] = venue
                if venue not in self.venue_wallets:
                    first = not self.venue_wallets
                    self.venue_wallets[venue] = (
                        self.wallet if first else sub_wallet(self.wallet, f"venue:{venue}")
                    )
                for asset in view.info.tokens:
                    if venue not in self.holders.setdefault(asset, []):
                        self.holders[asset].append(venue)
        self.transit = Transit(sub_wallet(self.wallet, "transit"), self.params.transfer_latency_blocks)

    def wallets(self) -> list[Wallet]:
        extra = [self.transit.wallet] if self.transit is not None else []
        return [self.wallet, *(w for w in self.venue_wallets.values() if w is not self.wallet), *extra]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        """Each venue wallet: half its capital in the quote(s), half across the base assets it trades there."""
        world = ctx.world
        txs: list[TxRequest] = []
        for venue, wallet in self.venue_wallets.items():
            books = [world.pools[b] for b, v in self.book_venue.items() if v == venue]
            bases = sorted({b.info.tokens[0] for b in books})
            quotes = sorted({b.info.tokens[1] for b in books})
            for assets in (bases, quotes):
                for asset in assets:
                    usd = self.params.capital_usd / 2 / len(assets)
                    txs.append(ctx.fund(asset, wallet.address, usd_units(world, asset, usd)))
            spenders = [b.info.handle.address for b in books]
            txs += approvals(wallet, world.market, spenders, bases + quotes, self.name)
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.transit is not None
        txs = self.transit.arrivals(world, self.name)
        traded: set[str] = set()
        for group in self.params.books:
            plan = self._best_plan(world, [world.pools[name] for name in group])
            if plan is None:
                continue
            txs += self._trade(plan)
            traded.update(plan.sell.info.tokens)
        txs += self._rebalance(world, traded)
        return txs

    def _best_plan(self, world: World, views: list[PoolView]) -> Plan | None:
        best: Plan | None = None
        for sell in views:
            for buy in views:
                if sell is not buy:
                    plan = self._plan(world, sell, buy)
                    if plan is not None and (best is None or plan.edge_usd > best.edge_usd):
                        best = plan
        return best

    def _plan(self, world: World, sell: PoolView, buy: PoolView) -> Plan | None:
        """Selling on `sell`'s bids what `buy`'s asks supply cheaper, sized by the levels that stay profitable,
        the base held on the selling venue, the quote held on the buying venue and max_trade_usd."""
        assert sell.book is not None and buy.book is not None
        base, quote = sell.info.tokens
        if world.usd(base) <= 0 or world.usd(quote) <= 0:
            return None
        sell_fee, buy_fee, edge = taker_fee(sell.book), taker_fee(buy.book), self.params.min_edge_bps / 10_000
        if not pays(sell.book.best_bid()[1], buy.book.best_ask()[1], sell_fee, buy_fee, edge):
            return None  # the touch does not cross: no level can (most blocks; no level list built)
        seller, buyer = self._wallet_of(sell), self._wallet_of(buy)
        cap = usd_units(world, base, self.params.max_trade_usd)
        amount, sell_tick, spend, buy_tick = crossing(
            sell.book.levels(True, BOOK_MAX_LEVELS),
            buy.book.levels(False, BOOK_MAX_LEVELS),
            sell_fee,
            buy_fee,
            edge,
            sell.book.divisor,
            min(cap, world.balance(seller.address, base)),
            world.balance(buyer.address, quote),
        )
        if amount <= 0 or spend <= 0:
            return None
        sold = sell.book.preview(False, False, amount, sell_tick, BOOK_MAX_LEVELS).amounts
        bought = buy.book.preview(True, True, spend, buy_tick, BOOK_MAX_LEVELS).amounts
        edge = units_usd(world, quote, sold[1] - bought[1]) - units_usd(world, base, sold[0] - bought[0])
        if edge <= 0:
            return None
        return Plan(sell, buy, amount, sell_tick, spend, buy_tick, edge)

    def _trade(self, plan: Plan) -> list[TxRequest]:
        seller, buyer = self._wallet_of(plan.sell), self._wallet_of(plan.buy)
        self.count("trades")
        self.count("edge_usd", plan.edge_usd)
        return [
            plan.buy.info.handle.tx(
                buyer,
                "spendQuote",
                plan.quote,
                plan.buy_tick,
                0,
                BOOK_MAX_LEVELS,
                buyer.address,
                tag=self.name,
            ),
            plan.sell.info.handle.tx(
                seller,
                "sellBase",
                plan.base,
                plan.sell_tick,
                0,
                BOOK_MAX_LEVELS,
                seller.address,
                tag=self.name,
            ),
        ]

    def _wallet_of(self, view: PoolView) -> Wallet:
        return self.venue_wallets[self.book_venue[view.name]]

    def _rebalance(self, world: World, traded: set[str]) -> list[TxRequest]:
        """For each asset not traded this block: when a venue's share (counting what is on its way there) falls
        below the threshold, move the richest venue's surplus over the equal share to it, one move at a time."""
        assert self.transit is not None
        transit = self.transit
        txs: list[TxRequest] = []
        for asset, venues in self.holders.items():
            if asset in traded or len(venues) < 2:
                continue
            wallets = [self.venue_wallets[v] for v in venues]
            held = [world.balance(w.address, asset) + transit.in_flight(asset, w.address) for w in wallets]
            total = sum(held)
            if total <= 0:
                continue
            low = min(range(len(held)), key=held.__getitem__)
            high = max(range(len(held)), key=held.__getitem__)
            target = wallets[low].address
            if held[low] >= self.params.rebalance_threshold * total or transit.in_flight(asset, target):
                continue
            share = total // len(held)
            amount = min(held[high] - share, share - held[low], world.balance(wallets[high].address, asset))
            if amount <= 0:
                continue
            txs += transit.send(world, wallets[high], asset, target, amount, self.name)
            self.count("transfers")
            self.count("transfer_usd", units_usd(world, asset, amount))
        return txs
