"""The mitigations a scenario can switch on: circuit breaker, gradual liquidation, rescue fund."""

from __future__ import annotations

from pydantic import Field

from sim.scenario.draws import Draw
from sim.scenario.model import Fraction, Strict


class CircuitBreakerSpec(Strict):
    enabled: bool = False
    drop: Fraction = 0.30
    window_s: int = Field(default=900, gt=0)
    pause_s: int = Field(default=300, gt=0)


class GradualLiquidationSpec(Strict):
    enabled: bool = False
    max_fraction: Fraction = 0.25
    price_step: Fraction = 0.05


class RescueFundSpec(Strict):
    """The proposed rescue fund: capital that activates when total liquidated USD across venues passes
    `threshold_usd`, then bids below the market on the hardest-hit books and/or covers venues' bad debt."""

    enabled: bool = False
    threshold_usd: Draw = 10_000_000.0
    capital_usd: Draw = 20_000_000.0
    bid_share: Fraction = Field(
        default=0.5, description="share of the capital posted as bids (the rest covers bad debt)"
    )
    books: int = Field(default=3, ge=1, le=32, description="how many of the hardest-hit books get bids")
    levels: int = Field(default=10, ge=1, le=100)
    from_drop: Fraction = Field(
        default=0.02, description="first bid this far below the book's reference price"
    )
    to_drop: Fraction = Field(default=0.30, description="last bid this far below it")
    cover_bad_debt: bool = True


class MitigationsSpec(Strict):
    circuit_breaker: CircuitBreakerSpec = CircuitBreakerSpec()
    gradual_liquidation: GradualLiquidationSpec = GradualLiquidationSpec()
    rescue_fund: RescueFundSpec = RescueFundSpec()
