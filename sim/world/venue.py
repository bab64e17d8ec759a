"""The unified-margin venue as the simulator sees it: the accounts a block touched re-read in one batch,
health from the venue mirror at this block's oracle marks, and the liquidation events for the metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sim.mirrors.venue import Collateral, Debt, Health, Perp, group_health
from sim.node.chain import to_address
from sim.node.contracts import Handle
from sim.node.events import Event
from sim.node.reads import Reads
from sim.world.snapshot import Snapshot

ACCOUNT_EVENTS = {
    "Deposit", "Withdraw", "Borrow", "Repay", "PositionChanged", "IsolatedModeSet", "MarginTransferred",
    "LossBorrowed", "LiquidationCompleted", "PositionLiquidated", "CollateralSold",
}  # fmt: skip


@dataclass(frozen=True)
class Group:
    group: int
    collaterals: tuple[tuple[str, int], ...]
    debts: tuple[tuple[str, int], ...]
    positions: tuple[tuple[str, int, int], ...]  # (market asset, size WAD, entry price 8 dec)


@dataclass(kw_only=True)
class VenueView:
    """The venue: its deployed collateral ratios and margin rates (read once), the accounts a block touched
    (re-read in one batch), their margin groups' health at the venue's oracle marks, and the insurance fund."""

    name: str  # the scenario's venue name (also its oracle's label)
    label: str  # its contract and market label: "venue" in a one-venue scenario, "venue:<name>" otherwise
    handle: Handle
    quote: str
    oracle: str
    ratios: dict[str, int]  # asset -> collateral ratio bps
    market_margins: dict[str, tuple[int, int]]  # asset -> (imr bps, mmr bps)
    debt_margins: dict[str, tuple[int, int]]  # borrowable asset -> (imr bps, mmr bps)
    decimals: dict[str, int]
    by_token: dict[bytes, str]  # token address -> asset
    # asset -> the pool or book liquidations sell it into
    sells_into: dict[str, str] = field(default_factory=dict)
    snapshot: Snapshot
    accounts: dict[bytes, tuple[bool, tuple[Group, ...]]] = field(default_factory=dict)
    touched: set[bytes] = field(default_factory=set)
    insurance_fund: int = 0
    refreshed: frozenset[bytes] = frozenset()  # the accounts re-read by the latest refresh
    liquidated: dict[bytes, int] = field(default_factory=dict)  # account -> liquidations started on it so far
    _seen: dict[str, int] = field(default_factory=dict)
    _dirty: set[bytes] = field(default_factory=set)
    _holders: dict[str, set[bytes]] = field(default_factory=dict)  # asset -> accounts exposed to its mark
    # accounts under maintenance at the last check, with the margin groups that are
    _under: dict[bytes, tuple[int, ...]] = field(default_factory=dict)

    def asset_of(self, address: bytes) -> str:
        return self.by_token[address]

    def apply(self, event: Event) -> None:
        if event.contract != self.label:
            return
        if event.name in ACCOUNT_EVENTS and "account" in event.args:
            self.touched.add(to_address(event.args["account"]))
        if event.name == "LiquidationStarted":
            account = to_address(event.args["account"])
            self.liquidated[account] = self.liquidated.get(account, 0) + 1

    def queue_reads(self, reads: Reads) -> None:
        reads.add(self.handle, "insuranceFund", (), self._set_insurance)
        for account in sorted(self.touched):
            reads.add(self.handle, "getAccount", (account,), partial(self._set_account, account))
        self.refreshed = frozenset(self.touched)
        self.touched.clear()

    def after_refresh(self) -> None:
        return None

    def _set_insurance(self, value: int) -> None:
        self.insurance_fund = int(value)

    def _set_account(self, account: bytes, view: Any) -> None:
        isolated, _, _, _, groups = view
        parsed = []
        for group in groups:
            number, _, _, _, collaterals, debts, positions = group
            parsed.append(
                Group(
                    int(number),
                    tuple((self.asset_of(to_address(a)), int(x)) for a, x in collaterals if int(x) > 0),
                    tuple((self.asset_of(to_address(a)), int(x)) for a, x in debts if int(x) > 0),
                    tuple(
                        (self.asset_of(to_address(m)), int(size), int(entry))
                        for m, size, entry, _, _ in positions
                        if int(size) != 0
                    ),
                )
            )
        for held in self._assets_of(self.groups(account)):
            self._holders[held].discard(account)
        self.accounts[account] = (bool(isolated), tuple(parsed))
        for held in self._assets_of(tuple(parsed)):
            self._holders.setdefault(held, set()).add(account)
        self._dirty.add(account)

    def prices(self) -> dict[str, int]:
        """This block's marks: the venue oracle's answers (USD, 8 decimals)."""
        return {a: p for (label, a), p in self.snapshot.oracle_prices.items() if label == self.oracle}

    def groups(self, account: bytes) -> tuple[Group, ...]:
        """The account's margin groups as last read (none for an unknown account)."""
        return self.accounts.get(account, (False, ()))[1]

    def mode_of(self, account: bytes) -> str:
        """The account's margin mode: "isolated" or "cross"."""
        return "isolated" if self.accounts.get(account, (False, ()))[0] else "cross"

    def health(self, account: bytes) -> list[tuple[int, Health]]:
        """Each margin group's health at this block's oracle marks (cross margin: one group)."""
        return [
            (group.group, self.group_health(group, self.prices()))
            for group in self.groups(account)
            if group.collaterals or group.debts or group.positions
        ]

    def group_health(self, group: Group, prices: dict[str, int]) -> Health:
        """One margin group's equity and requirements at `prices` (USD, 8 decimals), as the venue computes."""
        decimals = self.decimals
        collaterals = [
            Collateral(x, prices[a], decimals[a], self.ratios.get(a, 0)) for a, x in group.collaterals
        ]
        debts = [Debt(x, prices[a], decimals[a], *self.debt_margins.get(a, (0, 0))) for a, x in group.debts]
        perps = [Perp(size, entry, prices[m], *self.market_margins[m]) for m, size, entry in group.positions]
        return group_health(collaterals, debts, perps)

    def liquidatable(self) -> list[bytes]:
        """Accounts with a group under maintenance. Health is recomputed only for accounts re-read this block
        and for the holders of an asset whose mark moved since the last check (an index by asset), so a quiet
        block costs nothing per account."""
        prices = self.prices()
        stale = set(self._dirty)
        for asset, price in prices.items():
            if self._seen.get(asset) != price:
                stale |= self._holders.get(asset, set())
        for account in stale:
            under = tuple(g for g, h in self.health(account) if h.liquidatable)
            if under:
                self._under[account] = under
            else:
                self._under.pop(account, None)
        self._seen = prices
        self._dirty.clear()
        return sorted(self._under)

    def under_groups(self) -> list[tuple[bytes, int]]:
        """(account, margin group) of every group under maintenance now (`liquidatable`, group by group)."""
        return [(account, group) for account in self.liquidatable() for group in self._under[account]]

    @staticmethod
    def _assets_of(groups: tuple[Group, ...]) -> set[str]:
        assets: set[str] = set()
        for g in groups:
            assets.update(a for a, _ in g.collaterals)
            assets.update(a for a, _ in g.debts)
            assets.update(m for m, _, _ in g.positions)
        return assets
