"""Seeded random draws: stress values given as ranges, and per-agent parameter distributions."""

from __future__ import annotations

import math
from typing import Annotated, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Uniform(_Strict):
    """`{uniform: [low, high]}`: every value in the range equally likely."""

    uniform: tuple[float, float]

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        low, high = self.uniform
        if not low <= high:
            raise ValueError(f"uniform range must be [low, high] with low <= high, got [{low}, {high}]")
        return self

    def draw(self, rng: np.random.Generator) -> float:
        return float(rng.uniform(*self.uniform))


class LogNormal(_Strict):
    """`{lognormal: {median: m, sigma: s}}`: capital-like values, median m, log-space spread s."""

    class Params(_Strict):
        median: float = Field(gt=0)
        sigma: float = Field(ge=0)
        max: float | None = Field(default=None, gt=0)

    lognormal: Params

    def draw(self, rng: np.random.Generator) -> float:
        value = float(rng.lognormal(math.log(self.lognormal.median), self.lognormal.sigma))
        return min(value, self.lognormal.max) if self.lognormal.max is not None else value


class Normal(_Strict):
    """`{normal: {mean: m, std: s}}`, optionally clipped to [min, max]."""

    class Params(_Strict):
        mean: float
        std: float = Field(ge=0)
        min: float | None = None
        max: float | None = None

    normal: Params

    def draw(self, rng: np.random.Generator) -> float:
        p = self.normal
        value = float(rng.normal(p.mean, p.std))
        if p.min is not None:
            value = max(value, p.min)
        if p.max is not None:
            value = min(value, p.max)
        return value


class Choice(_Strict):
    """`{choice: [a, b, c]}`: one of the listed values, equally likely."""

    choice: tuple[float, ...] = Field(min_length=1)

    def draw(self, rng: np.random.Generator) -> float:
        return float(self.choice[int(rng.integers(len(self.choice)))])


Distribution = Uniform | LogNormal | Normal | Choice
Draw = Annotated[float | Distribution, Field(union_mode="left_to_right")]
"""A number, or a distribution the scenario's seed draws it from."""


def draw(value: float | Distribution, rng: np.random.Generator) -> float:
    """The value itself, or one draw from its distribution (consumes rng only for distributions)."""
    if isinstance(value, int | float):
        return float(value)
    return value.draw(rng)


def bounds(value: float | Distribution) -> tuple[float, float]:
    """The smallest and largest value a draw can take (for validation against allowed ranges)."""
    if isinstance(value, int | float):
        return float(value), float(value)
    if isinstance(value, Uniform):
        return value.uniform
    if isinstance(value, Choice):
        return min(value.choice), max(value.choice)
    if isinstance(value, LogNormal):
        # Always positive, never exactly zero.
        return math.ulp(0.0), value.lognormal.max if value.lognormal.max is not None else math.inf
    low = value.normal.min if value.normal.min is not None else -math.inf
    high = value.normal.max if value.normal.max is not None else math.inf
    return low, high


Kind = Literal["uniform", "lognormal", "normal", "choice"]
