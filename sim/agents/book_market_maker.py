"""BookMarketMaker: a market maker that is itself margined. Its altcoin holdings sit as collateral in a venue
margin account, against which it borrows the quote it bids with; it quotes a ladder around its fair value on
each of its books, skewed by inventory, re-quoting every few blocks; it widens and cuts sizes when volatility
trips, pulls its bids (and repays its loan with what they free) when drawdown or its own margin ratio trip, and
stops quoting for good once its account is liquidated: the liquidity vacuum comes from the mechanism."""

from __future__ import annotations

import math
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import approvals, usd_units
from sim.mirrors.orderbook import OrderBookMirror
from sim.mirrors.orderbook.units import MAX_TICK
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, PoolName, VenueName
from sim.world.venue import VenueView
from sim.world.world import PoolView, World

SECONDS_PER_YEAR = 365 * 24 * 3600
WAD = 10**18
CANCEL_BATCH = 200  # cancelAllOrders bound: more than any ladder this agent rests on one book
REQUOTE_GAS = 6_000_000
CALM, WIDE, PULLED, DEAD = "calm", "wide", "pulled", "liquidated"


class BookMarketMakerParams(AgentParams):
    """A margined market maker quoting ladders on order books of one venue."""

    requires = ("venue",)

    venue: VenueName = Field(
        default="", description="the venue of its margin account and books (default: first)"
    )
    books: list[PoolName]
    collateral_usd: Drawn = Field(default=10_000_000.0, ge=0, le=MAX_USD)
    collateral: dict[AssetName, float] = Field(
        default_factory=dict, description="weights of collateral_usd deposited in its margin account"
    )
    loan_fraction: Drawn = Field(
        default=0.5,
        ge=0,
        le=0.9,
        description="quote borrowed against the collateral, as a share of its margin value",
    )
    quote_usd: Drawn = Field(default=2_000_000.0, ge=0, le=MAX_USD, description="own quote per book (bids)")
    inventory_usd: Drawn = Field(default=2_000_000.0, ge=0, le=MAX_USD, description="base inventory per book")
    levels: int = Field(default=10, ge=1, le=50)
    spread_bps: Drawn = Field(default=10.0, gt=0, le=5_000, description="quoted spread at the touch")
    spacing_bps: Drawn = Field(default=10.0, gt=0, le=2_000)
    profile: Literal["flat", "linear"] = "linear"
    skew_bps: float = Field(default=20.0, ge=0, description="quote shift at a fully one-sided inventory")
    anchor: float = Field(
        default=0.7, ge=0, le=1, description="weight of the reference price in its fair value"
    )
    requote_blocks: int = Field(default=3, ge=1, le=1000)
    watch: Literal["fair", "book"] = Field(
        default="fair",
        description="the price its volatility and drawdown limits watch: its fair value, or its books' own price "
        "(a stablecoin maker pulls when its book dislocates from the peg, whatever the outside price)",
    )
    vol_window: int = Field(default=10, ge=2, le=63)
    vol_limit: Drawn = Field(default=3.0, ge=0, description="annualized volatility that widens its quotes")
    drawdown_limit: Drawn = Field(
        default=0.15, ge=0, le=1, description="fall from the peak that pulls its bids"
    )
    margin_limit: Drawn = Field(
        default=1.5, ge=1, description="equity / maintenance below which it pulls bids and repays its loan"
    )
    widen: float = Field(default=4.0, ge=1, description="spread and spacing multiple when volatility trips")
    pulled_asks: Literal["requote", "hold"] = Field(
        default="requote",
        description="while its bids are pulled: keep re-quoting wide asks around its fair value, or hold the asks "
        "it had (a maker that stops trading the book altogether)",
    )
    deleverage: bool = Field(
        default=True, description="repay its loan with the quote its pulled bids free (False: keep the cash)"
    )
    calm_blocks: Drawn = Field(default=60, ge=0, description="quiet blocks before it quotes again")


def ladder(
    fair: float,
    levels: int,
    spread_bps: float,
    spacing_bps: float,
    profile: str,
    bid_usd: float,
    ask_usd: float,
) -> list[tuple[bool, float, float]]:
    """(isBid, price, USD size) of a ladder around `fair`: level i at fair x (1 -/+ (spread/2 + i x spacing)),
    sizes flat or growing linearly with depth, summing to bid_usd and ask_usd."""
    weights = [1.0 if profile == "flat" else float(i + 1) for i in range(levels)]
    total = sum(weights)
    out: list[tuple[bool, float, float]] = []
    for i, w in enumerate(weights):
        offset = (spread_bps / 2 + i * spacing_bps) / 10_000
        if bid_usd > 0 and offset < 1:
            out.append((True, fair * (1 - offset), bid_usd * w / total))
        if ask_usd > 0:
            out.append((False, fair * (1 + offset), ask_usd * w / total))
    return out


@dataclass
class BookMarketMaker(Agent[BookMarketMakerParams]):
    kind = "book_market_maker"
    Params = BookMarketMakerParams
    cause = Cause.MM_WITHDRAWAL

    view: VenueView | None = None
    quote: str = "USDT"
    owner: str = ""
    state: str = CALM
    calm: int = 0
    history: dict[str, deque[float]] = field(default_factory=dict)
    peak: dict[str, float] = field(default_factory=dict)
    since_quote: int = 0
    seen_liquidations: int = 0
    account_lost: bool = False  # liquidated once: its margin account is the venue's problem now

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        name = ctx.scenario.venue_named(self.params.venue).name
        self.view = ctx.world.venues[name]
        self.quote = self.view.quote
        self.owner = "0x" + self.wallet.address.hex()
        for book in self.params.books:
            info = ctx.world.pools[book].info
            if info.kind != "order_book" or info.tokens[1] != self.quote:
                raise ValueError(
                    f"{self.name}: {book} is not an order book against {name}'s quote {self.quote}"
                )

    # -- set-up: collateral in, loan out, inventory in the wallet, first ladders on the books
    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        p, world, venue, tag = self.params, ctx.world, self.view.handle, self.name
        tokens = world.market.tokens
        deposits = {a: usd_units(world, a, p.collateral_usd * w) for a, w in p.collateral.items() if w > 0}
        bases = self._bases(world)
        wallet_funds = {a: usd_units(world, a, p.inventory_usd * n) for a, n in bases.items()}
        own_quote = usd_units(world, self.quote, p.quote_usd * len(p.books))
        margin_usd = sum(
            p.collateral_usd * w * self.view.ratios.get(a, 0) / 10_000 for a, w in p.collateral.items()
        )
        loan = usd_units(world, self.quote, margin_usd * p.loan_fraction)
        txs = [ctx.fund(a, self.wallet.address, x) for a, x in deposits.items()]
        txs += [ctx.fund(a, self.wallet.address, x) for a, x in wallet_funds.items()]
        txs.append(ctx.fund(self.quote, self.wallet.address, own_quote))
        books = [world.pools[b].info.handle.address for b in p.books]
        txs += approvals(
            self.wallet, world.market, [venue.address, *books], sorted({*deposits, *bases, self.quote}), tag
        )
        txs += [venue.tx(self.wallet, "deposit", tokens[a].address, x, tag=tag) for a, x in deposits.items()]
        if loan > 0:
            txs.append(venue.tx(self.wallet, "borrow", tokens[self.quote].address, loan, tag=tag))
            txs.append(venue.tx(self.wallet, "withdraw", tokens[self.quote].address, loan, tag=tag))
        quote_each = (own_quote + loan) // max(1, len(p.books))
        for name in p.books:
            pool = world.pools[name]
            base = pool.info.tokens[0]
            fair = world.reference[base] / world.reference[self.quote]
            share = wallet_funds[base] // bases[base]
            orders = self._orders(world, pool.book, base, fair, quote_each, share, CALM)
            txs.append(pool.info.handle.tx(self.wallet, "placeOrders", orders, tag=tag, gas=REQUOTE_GAS))
        return txs

    # -- every block
    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        liquidations = self.view.liquidated.get(self.wallet.address, 0)
        if liquidations > self.seen_liquidations:
            self.seen_liquidations = liquidations
            if self.state != DEAD:
                self.count("liquidated")
            self.state, self.calm = DEAD, 0
            return self._pull_all(world)
        if self.state == DEAD:
            # Its margin account is gone: it comes back, from what its wallet still holds, after calm_blocks.
            self.calm += 1
            if self.calm < self.params.calm_blocks:
                return []
            self.state, self.peak, self.history, self.account_lost = CALM, {}, {}, True
            self.count("returns")
        prices = {b: self._book_fair(world, b) for b in self.params.books}
        watched = (
            prices
            if self.params.watch == "fair"
            else {b: self._book_own(world, b) or prices[b] for b in prices}
        )
        stress = self._stress(world, watched)
        self.since_quote += 1
        if stress == PULLED and self.state != PULLED:
            self.count("pulls")
            self.state, self.since_quote = PULLED, 0
            return self._pull_bids(world)  # its asks stay; the next re-quotes are wide asks only
        if stress != PULLED and self.state == PULLED:
            self.count("returns")
        changed = stress != self.state
        self.state = stress
        if stress == PULLED and self.params.pulled_asks == "hold":
            return []
        if changed or self.since_quote >= self.params.requote_blocks:
            return self._requote(world, prices)
        return []

    def _book_own(self, world: World, book: str) -> float:
        """The book's own price (mid, else last trade) in its quote; 0 without one."""
        pool = world.pools[book]
        return pool.price(pool.info.tokens[0], self.quote)

    def _book_fair(self, world: World, book: str) -> float:
        pool = world.pools[book]
        base = pool.info.tokens[0]
        reference = world.reference.get(base, 0.0) / max(world.reference.get(self.quote, 1.0), 1e-12)
        own = self._book_own(world, book)
        if own <= 0:
            return reference
        a = self.params.anchor
        return a * reference + (1 - a) * own

    def _stress(self, world: World, prices: dict[str, float]) -> str:
        p = self.params
        assert self.view is not None
        vol_hit = draw_hit = False
        for book, price in prices.items():
            if price <= 0:
                continue
            history = self.history.setdefault(book, deque(maxlen=64))
            history.append(price)
            self.peak[book] = max(self.peak.get(book, price), price)
            vol_hit |= _annualized_vol(history, p.vol_window, world.seconds_per_block) > p.vol_limit
            draw_hit |= 1 - price / self.peak[book] > p.drawdown_limit
        margin_hit = any(
            h.maintenance > 0 and h.equity < p.margin_limit * h.maintenance
            for _, h in self.view.health(self.wallet.address)
        )
        if draw_hit or margin_hit:
            self.calm = 0
            return PULLED
        if vol_hit:
            self.calm = 0
            return WIDE
        if self.state in (PULLED, WIDE):
            self.calm += 1
            if self.calm < p.calm_blocks:
                return self.state
            self.peak = {b: prices[b] for b in prices if prices[b] > 0}  # drawdown counted from the return
        return CALM

    def _requote(self, world: World, prices: dict[str, float]) -> list[TxRequest]:
        """Replace every book's ladder; the budgets are everything it holds, in the wallet and resting on its
        books: the quote shared among all its books, each base among the books of that base."""
        self.since_quote = 0
        txs: list[TxRequest] = []
        bases = self._bases(world)
        locked = {b: self._locked(world.pools[b]) for b in self.params.books}
        quote_total = world.balance(self.wallet.address, self.quote) + sum(q for _, q in locked.values())
        base_totals = {
            base: world.balance(self.wallet.address, base)
            + sum(x for b, (x, _) in locked.items() if world.pools[b].info.tokens[0] == base)
            for base in bases
        }
        for book in self.params.books:
            pool = world.pools[book]
            assert pool.book is not None
            base = pool.info.tokens[0]
            fair = prices[book]
            if fair <= 0:
                continue
            orders = self._orders(
                world,
                pool.book,
                base,
                fair,
                quote_total // len(self.params.books),
                base_totals[base] // bases[base],
                self.state,
            )
            mine = pool.book.orders_of(self.owner)
            txs.append(
                pool.info.handle.tx(
                    self.wallet, "replaceOrders", mine, orders, tag=self.name, gas=REQUOTE_GAS
                )
            )
            self.count("requotes")
        return txs

    def _bases(self, world: World) -> Counter[str]:
        """Its books' base assets, each with the number of its books that trade it."""
        return Counter(world.pools[b].info.tokens[0] for b in self.params.books)

    def _locked(self, pool: PoolView) -> tuple[int, int]:
        """(base, quote) its resting orders on the book would give back if cancelled."""
        assert pool.book is not None
        base = quote = 0
        for order_id in pool.book.orders_of(self.owner):
            order = pool.book.get_order(order_id)
            if order.is_bid:
                base, quote = base + order.claimable, quote + order.escrow
            else:
                base, quote = base + order.escrow, quote + order.claimable
        return base, quote

    def _orders(
        self,
        world: World,
        book: OrderBookMirror | None,
        base: str,
        fair: float,
        quote_units: int,
        base_units: int,
        state: str,
    ) -> list[tuple[bool, int, int]]:
        """The ladder as (isBid, tick, base amount) within 95% of the budgets, skewed by inventory."""
        assert book is not None
        p = self.params
        base_unit, quote_unit = 10 ** world.market.decimals[base], 10 ** world.market.decimals[self.quote]
        quote_price = world.reference.get(self.quote, 1.0)
        quote_usd = quote_units / quote_unit * quote_price * 0.95
        base_usd = base_units / base_unit * world.reference.get(base, 0.0) * 0.95
        wide = state in (WIDE, PULLED)
        factor = p.widen if wide else 1.0
        scale = 0.5 if wide else 1.0
        inventory = base_usd / (base_usd + quote_usd) if base_usd + quote_usd > 0 else 0.5
        skewed = fair * (1 - p.skew_bps / 10_000 * (inventory - 0.5) * 2)
        bid_usd = 0.0 if state == PULLED else quote_usd * scale
        rungs = ladder(
            skewed,
            p.levels,
            p.spread_bps * factor,
            p.spacing_bps * factor,
            p.profile,
            bid_usd,
            base_usd * scale,
        )
        out: list[tuple[bool, int, int]] = []
        for is_bid, price, usd in rungs:
            raw = price * WAD
            tick = book.price_to_tick_down(int(raw)) if is_bid else book.price_to_tick_up(int(raw))
            tick = min(max(int(tick), 1), MAX_TICK)
            amount = int(usd / (price * quote_price) * base_unit)
            if amount >= book.min_base_amount and amount < 2**96:
                out.append((is_bid, tick, amount))
        return out

    def _pull_bids(self, world: World) -> list[TxRequest]:
        """Cancel every bid (asks stay), and repay the loan with the quote that frees up."""
        assert self.view is not None
        txs: list[TxRequest] = []
        freed = world.balance(self.wallet.address, self.quote)
        for book in self.params.books:
            pool = world.pools[book]
            assert pool.book is not None
            bids = [i for i in pool.book.orders_of(self.owner) if pool.book.get_order(i).is_bid]
            if bids:
                txs.append(
                    pool.info.handle.tx(self.wallet, "cancelOrders", bids, tag=self.name, gas=REQUOTE_GAS)
                )
                freed += sum(pool.book.get_order(i).escrow for i in bids)
        debt = sum(x for g in self.view.groups(self.wallet.address) for a, x in g.debts if a == self.quote)
        repay = min(freed, debt) if self.params.deleverage else 0
        if repay > 0:
            token = world.market.tokens[self.quote]
            txs.append(self.view.handle.tx(self.wallet, "deposit", token.address, repay, tag=self.name))
            txs.append(self.view.handle.tx(self.wallet, "repay", token.address, repay, tag=self.name))
            self.count("repaid_usd", repay / 10 ** world.market.decimals[self.quote])
        return txs

    def _pull_all(self, world: World) -> list[TxRequest]:
        """Liquidated: every order off every book; it quotes no more."""
        txs = []
        for book in self.params.books:
            pool = world.pools[book]
            if pool.book is not None and pool.book.orders_of(self.owner):
                txs.append(
                    pool.info.handle.tx(
                        self.wallet, "cancelAllOrders", CANCEL_BATCH, tag=self.name, gas=REQUOTE_GAS
                    )
                )
        return txs


def _annualized_vol(history: deque[float], window: int, seconds_per_block: float) -> float:
    if len(history) < 3:
        return 0.0
    values = list(history)[-window - 1 :]
    returns = np.diff(np.log(values))
    return float(np.std(returns) * math.sqrt(SECONDS_PER_YEAR / seconds_per_block))
