"""The simulator's view of on-chain state, kept current from each block's events plus batched re-reads of
what those events touched, so that agents observe without per-account calls."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

from sim.market.market import Market, PoolInfo
from sim.mirrors.cpmm import CpmmState, get_amount_out
from sim.mirrors.orderbook import OrderBookMirror
from sim.mirrors.orderbook.units import MAX_TICK
from sim.mirrors.stableswap import StableSwapState
from sim.mirrors.stableswap import get_dy as stableswap_get_dy
from sim.node.backend import Backend
from sim.node.chain import to_address
from sim.node.events import Event
from sim.node.reads import Reads
from sim.world.books import queue_book_state
from sim.world.snapshot import Snapshot

if TYPE_CHECKING:
    from sim.world.lending import LendingView
    from sim.world.rescue import RescueFundView
    from sim.world.synthetic import SyntheticView
    from sim.world.venue import VenueView


class ProtocolView(Protocol):
    """A protocol's part of the world (lending market, synthetic dollar, venue): it folds its events in, queues
    the re-reads a block needs, and re-indexes after they land."""

    def apply(self, event: Event) -> None: ...

    def queue_reads(self, reads: Reads) -> None: ...

    def after_refresh(self) -> None: ...


# Levels a simulated market order may take: enough for any agent's trade, bounded like the contract's loop.
BOOK_MAX_LEVELS = 256


def _unit(decimals: int) -> int:
    return int(10**decimals)


@dataclass
class PoolView:
    """One AMM pool as the mirrors see it."""

    info: PoolInfo
    decimals: tuple[int, ...]
    cpmm: CpmmState | None = None
    stableswap: StableSwapState | None = None
    book: OrderBookMirror | None = None  # order_book: tokens are (base, quote)
    token0_first: bool = True  # constant product: whether tokens[0] is the pair's token0

    @property
    def name(self) -> str:
        return self.info.name

    def book_price(self) -> int:
        """An order book's price as a WAD of quote per base: the mid, else the last trade, else 0."""
        assert self.book is not None
        mid = self.book.mid_price()
        return mid if mid > 0 else self.book.last_trade()[1]

    def reserves(self) -> tuple[int, ...]:
        """Reserves in the order of info.tokens, in base units (an order book: the base resting on its asks and
        the quote behind its bids)."""
        if self.book is not None:
            book = self.book
            asks = sum(level.base_volume for level in book.levels(False))
            bids = sum(level.base_volume * level.price // book.divisor for level in book.levels(True))
            return (asks, bids)
        if self.cpmm is not None:
            r0, r1 = self.cpmm.reserve0, self.cpmm.reserve1
            return (r0, r1) if self.token0_first else (r1, r0)
        assert self.stableswap is not None
        return tuple(self.stableswap.balances)

    def amount_out(self, token_in: str, token_out: str, amount_in: int, timestamp: int) -> int:
        """What a swap of amount_in would pay now (0 if the pool cannot)."""
        i, j = self.info.tokens.index(token_in), self.info.tokens.index(token_out)
        if amount_in <= 0:
            return 0
        if self.book is not None:
            fill = self.book.preview(i == 1, i == 1, amount_in, MAX_TICK if i == 1 else 1, BOOK_MAX_LEVELS)
            return fill.amounts[1] if i == 0 else fill.amounts[0]
        if self.cpmm is not None:
            reserves = self.reserves()
            return get_amount_out(amount_in, reserves[i], reserves[j])
        assert self.stableswap is not None
        try:
            return stableswap_get_dy(self.stableswap, i, j, amount_in, timestamp)
        except ValueError:
            return 0

    def price(self, asset: str, quote: str, timestamp: int = 0) -> float:
        """Marginal price of one whole `asset` in whole `quote`, before fees: the reserve ratio for a constant-
        product pair; for StableSwap, the rate of a trade of a thousandth of a token with the fee added back."""
        i, j = self.info.tokens.index(asset), self.info.tokens.index(quote)
        if self.book is not None:
            price = self.book_price() / 10**18
            return price if i == 0 else (1 / price if price > 0 else 0.0)
        reserves = self.reserves()
        if self.cpmm is not None:
            return (reserves[j] / _unit(self.decimals[j])) / (reserves[i] / _unit(self.decimals[i]))
        assert self.stableswap is not None
        probe = max(1, _unit(self.decimals[i]) // 1000)
        out = self.amount_out(asset, quote, probe, timestamp)
        fee = self.stableswap.fee / 10**10
        return (out / _unit(self.decimals[j])) / (probe / _unit(self.decimals[i])) / (1 - fee)


@dataclass
class World:
    """Everything agents read: reference prices, pools, balances of the tracked wallets, and protocol views.
    Built once by `sim.world.build.build_world`; kept current by `apply` and `refresh` every block."""

    market: Market
    snapshot: Snapshot = field(default_factory=Snapshot)
    seconds_per_block: float = 12.0
    reference: dict[str, float] = field(default_factory=dict)
    pools: dict[str, PoolView] = field(default_factory=dict)
    balances: dict[tuple[bytes, str], int] = field(default_factory=lambda: defaultdict(int))
    tracked: set[bytes] = field(default_factory=set)
    preexisting: set[bytes] = field(default_factory=set)
    token_by_address: dict[bytes, str] = field(default_factory=dict)
    pool_by_label: dict[str, PoolView] = field(default_factory=dict)
    touched_stableswaps: set[str] = field(default_factory=set)
    oracle_assets: dict[str, list[str]] = field(default_factory=dict)
    protocols: list[ProtocolView] = field(default_factory=list)
    lending: dict[str, LendingView] = field(default_factory=dict)
    venues: dict[str, VenueView] = field(default_factory=dict)  # by venue name, in scenario order
    venue_by_label: dict[str, VenueView] = field(default_factory=dict)  # the same views by contract label
    synthetic: SyntheticView | None = None
    rescue_fund: RescueFundView | None = None

    @property
    def block(self) -> int:
        return self.snapshot.block

    @block.setter
    def block(self, value: int) -> None:
        self.snapshot.block = value

    @property
    def timestamp(self) -> int:
        return self.snapshot.timestamp

    @timestamp.setter
    def timestamp(self, value: int) -> None:
        self.snapshot.timestamp = value

    @property
    def oracle_prices(self) -> dict[tuple[str, str], int]:
        return self.snapshot.oracle_prices

    @classmethod
    def create(cls, market: Market) -> World:
        world = cls(market=market)
        world.token_by_address = {h.address: s for s, h in market.tokens.items()}
        for name, info in market.pools.items():
            decimals = tuple(market.decimals[t] for t in info.tokens)
            view = PoolView(info, decimals)
            if info.kind == "constant_product":
                a, b = (market.tokens[t].address for t in info.tokens)
                view.token0_first = a < b
            world.pools[name] = view
            world.pool_by_label[f"pool:{name}"] = view
        return world

    def add_lending(self, view: LendingView, assets: Iterable[str]) -> None:
        """Register a lending market's view, and the assets its oracle answers for."""
        self.lending[view.name] = view
        self._add(view, view.oracle, assets)

    def add_venue(self, view: VenueView, assets: Iterable[str]) -> None:
        self.venues[view.name] = view
        self.venue_by_label[view.label] = view
        self._add(view, view.oracle, assets)

    def add_synthetic(self, view: SyntheticView, assets: Iterable[str]) -> None:
        self.synthetic = view
        self._add(view, "synthetic", assets)

    def _add(self, view: ProtocolView, oracle: str, assets: Iterable[str]) -> None:
        self.protocols.append(view)
        self.oracle_assets[oracle] = sorted(assets)

    def begin(self, block: int, timestamp: int, reference: dict[str, float]) -> None:
        """Move to the next block: its number, its timestamp and this block's reference prices."""
        self.snapshot.block = block
        self.snapshot.timestamp = timestamp
        self.reference = reference

    def track(self, address: bytes, preexisting: bool = False) -> None:
        """Follow an address's token balances; `preexisting` ones are read once, fresh ones start at zero."""
        self.tracked.add(address)
        if preexisting:
            self.preexisting.add(address)

    def balance(self, address: bytes, asset: str) -> int:
        return self.balances.get((address, asset), 0)

    # -- initial state, read once
    def load(self, chain: Backend) -> None:
        """Read pool states and tracked balances once, before the first block."""
        reads = Reads()
        for view in self.pools.values():
            handle = view.info.handle
            if view.info.kind == "constant_product":
                reads.add(handle, "getReserves", (), partial(self._set_reserves, view))
                reads.add(handle, "totalSupply", (), partial(self._set_supply, view))
            elif view.book is not None:
                queue_book_state(reads, view.info.handle, view.book)
            else:
                self.touched_stableswaps.add(view.name)
        # Agent wallets are fresh keys derived from the seed: they start empty, and every later change
        # arrives as a Transfer event. Only addresses that existed before (the funder) are read.
        for address in sorted(self.preexisting):
            for symbol, token in self.market.tokens.items():
                reads.add(token, "balanceOf", (address,), partial(self._set_balance, (address, symbol)))
        self.queue_refresh(reads)
        reads.flush(chain)
        for protocol in self.protocols:
            protocol.after_refresh()

    def _set_balance(self, key: tuple[bytes, str], value: int) -> None:
        self.balances[key] = value

    @staticmethod
    def _set_reserves(view: PoolView, out: tuple[int, int, int]) -> None:
        reserve0, reserve1 = out[0], out[1]
        supply = view.cpmm.total_supply if view.cpmm is not None else 0
        view.cpmm = CpmmState(reserve0, reserve1, supply)

    @staticmethod
    def _set_supply(view: PoolView, supply: int) -> None:
        assert view.cpmm is not None
        view.cpmm = CpmmState(view.cpmm.reserve0, view.cpmm.reserve1, supply)

    # -- per block
    def apply(self, events: list[Event]) -> None:
        """Fold one block's decoded events into the view (exact for pools and tracked balances)."""
        for event in events:
            contract = event.contract
            if contract.startswith("token:") and event.name == "Transfer":
                self._transfer(contract[6:], event.args)
            elif contract.startswith("pool:"):
                view = self.pool_by_label[contract]
                if event.name == "Transfer":
                    self._transfer(f"lp:{view.name}", event.args)
                if view.book is not None:
                    view.book.apply_event(
                        event.name, event.args, timestamp=self.timestamp, block=event.chain_block
                    )
                elif view.cpmm is not None:
                    self._cpmm_event(view, event)
                else:
                    self.touched_stableswaps.add(view.name)
            for protocol in self.protocols:
                protocol.apply(event)

    def _transfer(self, symbol: str, args: dict[str, Any]) -> None:
        sender, to, value = to_address(args["from"]), to_address(args["to"]), int(args["value"])
        if sender in self.tracked:
            self.balances[(sender, symbol)] -= value
        if to in self.tracked:
            self.balances[(to, symbol)] += value

    @staticmethod
    def _cpmm_event(view: PoolView, event: Event) -> None:
        assert view.cpmm is not None
        state = view.cpmm
        if event.name == "Sync":
            view.cpmm = CpmmState(
                int(event.args["reserve0"]), int(event.args["reserve1"]), state.total_supply, state.k_last
            )
        elif event.name == "Transfer":
            zero = b"\x00" * 20
            value = int(event.args["value"])
            if to_address(event.args["from"]) == zero:
                view.cpmm = CpmmState(
                    state.reserve0, state.reserve1, state.total_supply + value, state.k_last
                )
            elif to_address(event.args["to"]) == zero:
                view.cpmm = CpmmState(
                    state.reserve0, state.reserve1, state.total_supply - value, state.k_last
                )

    def queue_refresh(self, reads: Reads) -> None:
        """Queue the re-reads this block needs: touched StableSwap balances, every oracle price, and what
        each protocol view asks for (touched accounts only). The count grows with activity, not positions."""
        for name in sorted(self.touched_stableswaps):
            view = self.pools[name]
            reads.add(view.info.handle, "get_balances", (), partial(self._set_stableswap, view))
        self.touched_stableswaps.clear()
        for label, assets in self.oracle_assets.items():
            addresses = [self.market.tokens[a].address for a in assets]
            reads.add(
                self.market.oracles[label],
                "getAssetsPrices",
                (addresses,),
                partial(self._set_prices, label, assets),
            )
        for protocol in self.protocols:
            protocol.queue_reads(reads)

    @staticmethod
    def _set_stableswap(view: PoolView, balances: list[int]) -> None:
        assert view.stableswap is not None
        view.stableswap.balances = list(balances)

    def _set_prices(self, label: str, assets: list[str], prices: list[int]) -> None:
        for asset, price in zip(assets, prices, strict=True):
            self.oracle_prices[(label, asset)] = int(price)

    def refresh(self, chain: Backend) -> None:
        reads = Reads()
        self.queue_refresh(reads)
        reads.flush(chain)
        for protocol in self.protocols:
            protocol.after_refresh()

    def usd(self, asset: str) -> float:
        """The reference USD price of an asset this block."""
        return self.reference.get(asset, 0.0)
