"""The synthetic dollar as the simulator sees it: backing ratio, funding rate and reserve fund, read once per
block (a constant cost)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.node.contracts import Handle
from sim.node.events import Event
from sim.node.reads import Reads

WAD = 10**18


@dataclass(kw_only=True)
class SyntheticView:
    """The synthetic dollar: its per-block redemption cap (read once), backing ratio, funding and reserve fund."""

    handle: Handle
    symbol: str
    max_redeem_per_block: int
    backing_ratio: float = 1.0
    funding_apy: float = 0.0
    reserve_fund_usd: float = 0.0

    def apply(self, event: Event) -> None:
        return None

    def queue_reads(self, reads: Reads) -> None:
        reads.add(self.handle, "backingRatio", (), self._set_ratio)
        reads.add(self.handle, "fundingRate", (), self._set_funding)
        reads.add(self.handle, "reserveFund", (), self._set_reserve)

    def _set_funding(self, value: int) -> None:
        self.funding_apy = int(value) / WAD

    def _set_reserve(self, value: int) -> None:
        self.reserve_fund_usd = int(value) / WAD

    def after_refresh(self) -> None:
        return None

    def _set_ratio(self, value: int) -> None:
        self.backing_ratio = int(value) / WAD
