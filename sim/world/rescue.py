"""The rescue fund as the world sees it: the venues' total liquidated USD it activates on, whether it is active,
the quote it holds, and each watched venue's bad debt in that quote (re-read every block while it exists; the
threshold is read once, activation is folded from the fund's Activated event)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sim.node.contracts import Handle
from sim.node.events import Event
from sim.node.reads import Reads


@dataclass
class RescueFundView:
    handle: Handle
    quote: str
    quote_token: Handle
    venues: dict[str, Handle]  # venue name -> its contract, in scenario order
    threshold: int = 0  # USD, 8 decimals
    total_liquidated: int = 0  # USD, 8 decimals: the venues' liquidatedVolume() summed
    active: bool = False
    balance: int = 0  # quote held by the fund
    deficits: dict[str, int] = field(default_factory=dict)  # venue name -> bad debt of its quote book

    def apply(self, event: Event) -> None:
        if event.contract == "rescue_fund" and event.name == "Activated":  # it activates once, and for good
            self.active = True

    def queue_reads(self, reads: Reads) -> None:
        if not self.threshold:  # immutable: read with the first refresh only
            reads.add(self.handle, "thresholdUsd", (), partial(setattr, self, "threshold"))
        reads.add(self.handle, "totalLiquidated", (), partial(setattr, self, "total_liquidated"))
        reads.add(self.quote_token, "balanceOf", (self.handle.address,), partial(setattr, self, "balance"))
        for name, venue in self.venues.items():
            reads.add(venue, "getBook", (self.quote_token.address,), partial(self._set_deficit, name))

    def after_refresh(self) -> None:
        return None

    def _set_deficit(self, venue: str, book: Any) -> None:
        self.deficits[venue] = int(book[3])  # Book(available, borrowed, totalShares, deficit)
