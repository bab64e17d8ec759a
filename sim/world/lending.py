"""A lending market as the simulator sees it: reserve indexes from ReserveDataUpdated events, positions of the
accounts a block touched (scaled, re-read in one batch), and an index of liquidation prices so that finding
liquidatable accounts costs O(log n + hits) per price change instead of a pass over every position."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

from sortedcontainers import SortedList

from sim.mirrors.lending import (
    AccountData,
    EModeCategory,
    Position,
    ReserveParams,
    ReserveState,
    account_data,
    borrow_headroom,
    debt_balance,
    is_liquidatable,
    normalized_debt,
    normalized_income,
    supply_balance,
)
from sim.node.chain import to_address
from sim.node.contracts import Handle
from sim.node.events import Event
from sim.node.reads import Reads
from sim.world.snapshot import Snapshot

MAX_KEY = b"\xff" * 21  # sorts after every address in (price, address) index entries
WAD = 10**18
USD8 = 1e8  # oracle prices: USD with 8 decimals
# Debts grow between re-reads; the index flags accounts this close to their liquidation price for an exact check.
INDEX_MARGIN = 0.002


@dataclass
class UserBook:
    scaled_supply: dict[str, int] = field(default_factory=dict)
    scaled_debt: dict[str, int] = field(default_factory=dict)
    enabled: dict[str, bool] = field(default_factory=dict)
    emode: int = 0


@dataclass(kw_only=True)
class LendingView:
    """One lending market: its deployed reserve parameters and e-mode categories (read from the pool once),
    reserve indexes and positions kept current from events and re-reads, and the liquidation-price index."""

    name: str
    pool: Handle
    oracle: str
    assets: list[str]
    tokens: dict[str, bytes]  # asset -> token address
    params: dict[str, ReserveParams]
    emodes: dict[int, EModeCategory]
    snapshot: Snapshot
    reserves: dict[str, ReserveState] = field(default_factory=dict)
    users: dict[bytes, UserBook] = field(default_factory=dict)
    touched: set[bytes] = field(default_factory=set)
    refreshed: frozenset[bytes] = frozenset()  # the accounts re-read by the latest refresh
    by_token: dict[bytes, str] = field(default_factory=dict)
    critical: dict[str, SortedList] = field(default_factory=dict)
    critical_of: dict[bytes, tuple[str, float]] = field(default_factory=dict)
    multi: set[bytes] = field(default_factory=set)
    debtors_of: dict[str, set[bytes]] = field(default_factory=dict)
    seen_prices: dict[str, int] = field(default_factory=dict)
    indexed_debt: dict[str, int] = field(default_factory=dict)
    # Positions change only when re-read: every per-block cache is keyed by this count, the time and prices.
    _positions_version: int = 0
    _liquidatable_at: tuple[Any, list[tuple[bytes, AccountData]]] | None = None
    # Account data at one (positions, time, prices): shared by the bots' search and the health bands.
    _accounts_at: tuple[Any, dict[bytes, AccountData]] | None = None

    def __post_init__(self) -> None:
        self.by_token = {self.tokens[a]: a for a in self.assets}
        self.critical = {a: SortedList() for a in self.assets}
        self.debtors_of = {a: set() for a in self.assets}
        self.reserves = {a: ReserveState() for a in self.assets}

    @property
    def label(self) -> str:
        return f"lending:{self.name}"

    # -- events
    def apply(self, event: Event) -> None:
        if event.contract != self.label:
            return
        args, name = event.args, event.name
        if name == "ReserveDataUpdated":
            asset = self.by_token[to_address(args["reserve"])]
            self.reserves[asset] = replace(
                self.reserves[asset],
                liquidity_index=int(args["liquidityIndex"]),
                variable_borrow_index=int(args["variableBorrowIndex"]),
                liquidity_rate=int(args["liquidityRate"]),
                borrow_rate=int(args["variableBorrowRate"]),
                last_update=self.snapshot.timestamp,
            )
        elif name in ("Supply", "Borrow"):
            self.touched.add(to_address(args["onBehalfOf"]))
        elif name in (
            "Withdraw",
            "Repay",
            "ReserveUsedAsCollateralEnabled",
            "ReserveUsedAsCollateralDisabled",
        ):
            self.touched.add(to_address(args["user"]))
        elif name == "UserEModeSet":
            user = to_address(args["user"])
            self.users.setdefault(user, UserBook()).emode = int(args["categoryId"])
            self.touched.add(user)
        elif name == "LiquidationCall":
            self.touched.add(to_address(args["user"]))
            if args["receiveAToken"]:
                self.touched.add(to_address(args["liquidator"]))

    # -- reads of touched accounts
    def queue_reads(self, reads: Reads) -> None:
        for user in sorted(self.touched):
            book = self.users.setdefault(user, UserBook())
            for asset in self.assets:
                token = self.tokens[asset]
                reads.add(
                    self.pool, "getUserReserve", (user, token), partial(self._set_reserve_of, book, asset)
                )

    @staticmethod
    def _set_reserve_of(book: UserBook, asset: str, view: Any) -> None:
        _, _, scaled_supply, scaled_debt, using_as_collateral, _ = view
        book.scaled_supply[asset] = int(scaled_supply)
        book.scaled_debt[asset] = int(scaled_debt)
        book.enabled[asset] = bool(using_as_collateral)

    def after_refresh(self) -> None:
        """Re-index the touched accounts, the debtors of any debt asset whose price moved, and the debtors of a
        reserve whose debt grew by half the index margin since they were indexed (interest alone can cross HF 1)."""
        prices = self.prices()
        moved_debt = [
            a for a in self.assets if a in self.seen_prices and prices.get(a) != self.seen_prices[a]
        ]
        stale = set(self.touched)
        for asset in moved_debt:
            stale |= self.debtors_of[asset]
        now = self.snapshot.timestamp
        for asset in self.assets:
            grown = normalized_debt(self.reserves[asset], now)
            if grown > self.indexed_debt.get(asset, grown) * (1 + INDEX_MARGIN / 2):
                stale |= self.debtors_of[asset]
                self.indexed_debt[asset] = grown
            self.indexed_debt.setdefault(asset, grown)
        for user in sorted(stale):
            self._index(user, prices)
        self.seen_prices = dict(prices)
        self.refreshed = frozenset(self.touched)
        self.touched.clear()
        self._positions_version += 1

    # -- positions and health
    def prices(self) -> dict[str, int]:
        """This market's oracle answers (USD, 8 decimals)."""
        return self.snapshot.prices_of(self.oracle, self.assets)

    def _state_key(self, prices: dict[str, int]) -> tuple[Any, ...]:
        """What an account's health depends on: its positions (as last re-read), the time and the prices."""
        return (self._positions_version, self.snapshot.timestamp, tuple(sorted(prices.items())))

    def positions(self, user: bytes, now: int | None = None) -> dict[str, Position]:
        book = self.users.get(user)
        if book is None:
            return {}
        t = self.snapshot.timestamp if now is None else now
        out: dict[str, Position] = {}
        for asset in self.assets:
            scaled_supply, scaled_debt = book.scaled_supply.get(asset, 0), book.scaled_debt.get(asset, 0)
            if scaled_supply == 0 and scaled_debt == 0:
                continue
            state = self.reserves[asset]
            out[asset] = Position(
                supplied=supply_balance(scaled_supply, normalized_income(state, t)),
                debt=debt_balance(scaled_debt, normalized_debt(state, t)),
                collateral_enabled=book.enabled.get(asset, False),
            )
        return out

    def usd(self, asset: str, amount: int) -> float:
        """`amount` base units of `asset` in USD at this market's oracle."""
        return float(amount * self.prices().get(asset, 0) / USD8 / 10 ** self.params[asset].decimals)

    def units(self, asset: str, usd: float) -> int:
        """`usd` in base units of `asset` at this market's oracle (0 when it has no price)."""
        price = self.prices().get(asset, 0)
        return int(usd * USD8 * 10 ** self.params[asset].decimals // price) if price > 0 and usd > 0 else 0

    def headroom(self, supplied: dict[str, int], asset: str, emode: EModeCategory | None) -> int:
        """What a fresh account supplying `supplied` (asset -> base units, as collateral) could borrow of
        `asset` at this market's oracle, to the unit (the pool's own borrow check, via the mirror)."""
        positions = {a: Position(supplied=x, debt=0, collateral_enabled=True) for a, x in supplied.items()}
        data = account_data(positions, self.prices(), self.params, emode)
        return borrow_headroom(data, self.prices()[asset], self.params[asset].decimals)

    def emode_of(self, user: bytes) -> EModeCategory | None:
        book = self.users.get(user)
        return self.emodes.get(book.emode) if book is not None and book.emode else None

    def account(self, user: bytes) -> AccountData:
        return account_data(self.positions(user), self.prices(), self.params, self.emode_of(user))

    def _accounts_now(self) -> dict[bytes, AccountData]:
        """The cache of `account(user)` for these positions, time and prices: fill it with `_account_in`."""
        key = self._state_key(self.prices())
        if self._accounts_at is None or self._accounts_at[0] != key:
            self._accounts_at = (key, {})
        return self._accounts_at[1]

    def _account_in(self, cache: dict[bytes, AccountData], user: bytes) -> AccountData:
        if user not in cache:
            cache[user] = self.account(user)
        return cache[user]

    def _index(self, user: bytes, prices: dict[str, int]) -> None:
        previous = self.critical_of.pop(user, None)
        if previous is not None:
            self.critical[previous[0]].discard((previous[1], user))
        self.multi.discard(user)
        for holders in self.debtors_of.values():
            holders.discard(user)
        positions = self.positions(user)
        debts = [a for a, p in positions.items() if p.debt > 0]
        if not debts:
            return
        for asset in debts:
            self.debtors_of[asset].add(user)
        emode = self.emode_of(user)
        collaterals = [
            a
            for a, p in positions.items()
            if p.supplied > 0 and p.collateral_enabled and self.params[a].liquidation_threshold > 0
        ]
        if len(collaterals) != 1:
            self.multi.add(user)
            return
        asset = collaterals[0]
        params = self.params[asset]
        threshold = (
            emode.liquidation_threshold
            if emode is not None and asset in emode.collateral_assets
            else params.liquidation_threshold
        )
        debt_usd = sum(positions[d].debt * prices[d] / 10 ** self.params[d].decimals for d in debts)
        amount = positions[asset].supplied / 10**params.decimals
        critical = debt_usd * 10_000 / (threshold * amount) if amount > 0 and threshold > 0 else float("inf")
        self.critical[asset].add((critical, user))
        self.critical_of[user] = (asset, critical)

    def liquidatable(self) -> list[tuple[bytes, AccountData]]:
        """Accounts with HF < 1 now, checked exactly with the mirror; candidates come from the price index.
        Computed once per state (positions, time, prices) and shared by every bot that asks."""
        key = self._state_key(self.prices())
        if self._liquidatable_at is not None and self._liquidatable_at[0] == key:
            return list(self._liquidatable_at[1])
        found = self._find_liquidatable()
        self._liquidatable_at = (key, found)
        return list(found)

    def _find_liquidatable(self) -> list[tuple[bytes, AccountData]]:
        prices = self.prices()
        candidates: set[bytes] = set(self.multi)
        for asset, entries in self.critical.items():
            price = prices.get(asset)
            if price is None or not entries:
                continue
            for _, user in entries.irange(minimum=(price * (1 - INDEX_MARGIN), b"")):
                candidates.add(user)
        out: list[tuple[bytes, AccountData]] = []
        cache = self._accounts_now()
        for user in sorted(candidates):
            data = self._account_in(cache, user)
            if is_liquidatable(data):
                out.append((user, data))
        return out

    def health_bands(self, thresholds: Sequence[float]) -> list[int]:
        """How many borrowers have a health factor below each threshold, without a pass over every position:
        a single-collateral account's HF is its collateral's price over its indexed liquidation price, so each
        count is a bisection of the index (exact to the index margin); multi-collateral accounts are computed
        with the mirror."""
        prices = self.prices()
        counts = [0] * len(thresholds)
        for asset, entries in self.critical.items():
            price = prices.get(asset)
            if price is None or not entries:
                continue
            for i, threshold in enumerate(thresholds):
                counts[i] += len(entries) - entries.bisect_right((price / threshold, MAX_KEY))
        cache = self._accounts_now()
        for user in sorted(self.multi):  # the bots' search checks these too: computed once per block
            health = self._account_in(cache, user).health_factor / WAD
            for i, threshold in enumerate(thresholds):
                counts[i] += health < threshold
        return counts
