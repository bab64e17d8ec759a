"""Exogenous reference prices per block: piecewise-linear knots, GBM with jumps, or a CSV of ticks."""

from __future__ import annotations

import csv
import itertools
import math
from pathlib import Path
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, field_validator

from sim.scenario.draws import Draw, bounds, draw

SECONDS_PER_YEAR = 365 * 24 * 3600


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Piecewise(_Strict):
    """Linear between knots `[block, value]`; `relative: true` makes values multiples of the start price."""

    kind: Literal["piecewise"]
    knots: tuple[tuple[int, Draw], ...] = Field(min_length=1)
    relative: bool = True

    @field_validator("knots")
    @classmethod
    def _increasing_blocks(cls, knots: tuple[tuple[int, Draw], ...]) -> tuple[tuple[int, Draw], ...]:
        blocks = [b for b, _ in knots]
        if blocks[0] < 0 or any(b2 <= b1 for b1, b2 in itertools.pairwise(blocks)):
            raise ValueError(f"knot blocks must start at >= 0 and strictly increase, got {blocks}")
        for block, value in knots:
            low, _ = bounds(value)
            if low <= 0:
                raise ValueError(
                    f"the knot at block {block} can be {low:g}: prices (and multiples) must be > 0"
                )
        return knots


class GbmJumps(_Strict):
    """Geometric Brownian motion (annualised drift and volatility) with Poisson jumps of lognormal size."""

    kind: Literal["gbm"]
    drift: Draw = 0.0
    volatility: Draw = Field(default=0.6)
    jump_rate_per_block: Draw = 0.0
    jump_mean: Draw = 0.0
    jump_std: Draw = 0.0


class CsvTicks(_Strict):
    """A CSV with columns `block,price` (absolute USD, or multiples with `relative: true`), held between ticks."""

    kind: Literal["csv"]
    file: str
    relative: bool = False


PricePath = Annotated[Piecewise | GbmJumps | CsvTicks, Field(discriminator="kind")]


class CsvPathError(ValueError):
    """A price CSV is missing or malformed; the message names the file, the row and the fix."""


def _read_csv(path: Path) -> list[tuple[int, float]]:
    if not path.is_file():
        raise CsvPathError(f"price CSV {path} does not exist: fix `file` (relative to the scenario file).")
    try:
        text = path.read_bytes().decode("utf-8-sig")  # a byte-order mark (Excel's "CSV UTF-8") is fine
    except UnicodeDecodeError:
        raise CsvPathError(
            f"price CSV {path} is not UTF-8 text; save it as CSV (UTF-8) and run again."
        ) from None
    rows: list[tuple[int, float]] = []
    reader = csv.DictReader(text.splitlines())
    if reader.fieldnames is None or not {"block", "price"} <= {f.strip() for f in reader.fieldnames}:
        raise CsvPathError(
            f"price CSV {path} needs a header with columns block,price (got {reader.fieldnames})."
        )
    for line, row in enumerate(reader, start=2):
        fields = {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
        block, price = fields.get("block", ""), fields.get("price", "")
        if not block or not price:
            raise CsvPathError(
                f"price CSV {path} line {line}: {'price' if block else 'block'} is empty; every row needs a "
                "block (integer) and a price (number)."
            )
        try:
            tick = (int(block), float(price))
        except ValueError:
            raise CsvPathError(
                f"price CSV {path} line {line}: block {block!r} / price {price!r}: block must be an integer, "
                "price a number."
            ) from None
        if tick[0] < 0 or not math.isfinite(tick[1]) or tick[1] <= 0:
            raise CsvPathError(
                f"price CSV {path} line {line}: block {tick[0]}, price {tick[1]}: blocks start at 0 and prices "
                "must be positive and finite."
            )
        rows.append(tick)
    if not rows:
        raise CsvPathError(f"price CSV {path} has no rows.")
    rows.sort()
    return rows


def realize(
    path: Piecewise | GbmJumps | CsvTicks,
    start_price: float,
    blocks: int,
    seconds_per_block: float,
    rng: np.random.Generator,
    base_dir: Path,
) -> npt.NDArray[np.float64]:
    """The path's USD price at blocks 0..blocks (inclusive), drawing any ranges from `rng`."""
    grid = np.arange(blocks + 1, dtype=np.float64)
    if isinstance(path, Piecewise):
        xs = np.array([b for b, _ in path.knots], dtype=np.float64)
        ys = np.array([draw(v, rng) for _, v in path.knots], dtype=np.float64)
        values = np.interp(grid, xs, ys)
        return values * start_price if path.relative else values
    if isinstance(path, CsvTicks):
        ticks = _read_csv(base_dir / path.file)
        xs = np.array([b for b, _ in ticks], dtype=np.float64)
        ys = np.array([p for _, p in ticks], dtype=np.float64)
        idx = np.clip(np.searchsorted(xs, grid, side="right") - 1, 0, len(xs) - 1)
        values = ys[idx]
        return values * start_price if path.relative else values
    dt = seconds_per_block / SECONDS_PER_YEAR
    mu, sigma = draw(path.drift, rng), draw(path.volatility, rng)
    rate, jump_mean, jump_std = (
        draw(path.jump_rate_per_block, rng),
        draw(path.jump_mean, rng),
        draw(path.jump_std, rng),
    )
    shocks = rng.normal(0.0, 1.0, blocks) * sigma * math.sqrt(dt) + (mu - 0.5 * sigma**2) * dt
    jumps = rng.poisson(rate, blocks) * 1.0
    # k jumps of normal log-size in one block add up to a normal of mean k x mean and std sqrt(k) x std.
    jump_sizes = np.where(
        jumps > 0, jumps * jump_mean + np.sqrt(jumps) * jump_std * rng.normal(0.0, 1.0, blocks), 0.0
    )
    log_path = np.concatenate([[0.0], np.cumsum(shocks + jump_sizes)])
    result: npt.NDArray[np.float64] = start_price * np.exp(log_path)
    return result
