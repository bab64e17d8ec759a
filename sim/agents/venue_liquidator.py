"""VenueLiquidator: calls the venue's liquidate on every account under maintenance."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, BuildContext, Cause
from sim.node.chain import TxRequest
from sim.scenario.kinds import AgentParams, Drawn, VenueName
from sim.world.venue import VenueView
from sim.world.world import World

# A venue liquidation sells every collateral of the account and closes its perps: room for the largest.
LIQUIDATE_GAS = 12_000_000


class VenueLiquidatorParams(AgentParams):
    """Calls the venue's liquidate on up to `max_per_block` accounts per block; `priority` bids gas."""

    requires = ("venue",)

    venues: list[VenueName] = Field(default_factory=list, description="the venues it watches (default: all)")
    max_per_block: int = Field(default=20, ge=0)
    priority: Drawn = Field(default=50.0, ge=0)


@dataclass
class VenueLiquidator(Agent[VenueLiquidatorParams]):
    """Calls the venue's liquidate on every account the mirror finds under maintenance (the reward pays gas)."""

    kind = "venue_liquidator"
    Params = VenueLiquidatorParams
    cause = Cause.LIQUIDATION_SALE

    views: list[VenueView] = field(default_factory=list)
    # account -> the best bids of the books it sells into when this agent last called it (book-only accounts)
    tried: dict[bytes, tuple[tuple[int, int, int], ...]] = field(default_factory=dict)

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        wanted = self.params.venues or list(ctx.world.venues)
        self.views = [ctx.world.venues[name] for name in wanted]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for view in self.views:
            targets = self._targets(world, view)
            self.count("attempts", len(targets))
            txs += [
                view.handle.tx(self.wallet, "liquidate", account, tag=self.name, gas=LIQUIDATE_GAS)
                for account in targets
            ]
        return txs

    def _targets(self, world: World, view: VenueView) -> list[bytes]:
        """Up to max_per_block accounts under maintenance worth a call: something to do, and, for an account that
        only sells into books and was called before, something changed since: its state was re-read (the call
        did something, or it traded) or a book's best bid moved (the last call may have found the bids already
        taken by others in its block). Remembers the bids each book-only target is called at."""
        targets: list[bytes] = []
        for account in view.liquidatable():
            if len(targets) >= self.params.max_per_block:
                break
            if not _anything_to_do(world, view, account):
                continue
            bids = _book_bids(world, view, account)
            if bids is not None:
                if account not in view.refreshed and self.tried.get(account) == bids:
                    continue
                self.tried[account] = bids
            targets.append(account)
        return targets


def _book_bids(world: World, view: VenueView, account: bytes) -> tuple[tuple[int, int, int], ...] | None:
    """The best bid of every book the account's holdings sell into; None when any sells into a pool or the
    account has a position to close (then every block's call can do something)."""
    out = []
    for group in view.groups(account):
        if group.positions:
            return None
        for asset, _ in group.collaterals:
            if asset == view.quote:
                continue
            book = world.pools[view.sells_into[asset]].book
            if book is None:
                return None
            out.append(book.best_bid())
    return tuple(out)


def _anything_to_do(world: World, view: VenueView, account: bytes) -> bool:
    """False when a call could only repeat the last one: no perp to close, no debt left alone, and every asset the
    account holds sells into an order book without a bid (what a book cannot take stays in the account, so the
    engine waits for bids instead of calling every block). Always true on constant-product pools."""
    for group in view.groups(account):
        if group.positions:
            return True
        held = [a for a, _ in group.collaterals if a != view.quote]
        if not held and group.debts:
            return True  # only debt left: the call covers it (insurance, then bad debt)
        for asset in held:
            book = world.pools[view.sells_into[asset]].book
            if book is None or book.best_bid()[0] != 0:
                return True
    return False
