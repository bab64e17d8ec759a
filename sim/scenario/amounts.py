"""USD amounts in a scenario that the contracts can hold once in token units."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from sim.scenario.draws import bounds
from sim.scenario.kinds import MAX_USD


def check_amounts(scenario: Any) -> None:
    """(`scenario`: a sim.scenario.schema.Scenario, which imports this module.) Every USD amount must fit the contracts once in token units: at most MAX_USD, a distribution with
    an upper bound, and a constant-product pool's reserves within a uint112."""
    for where, value in _usd_amounts(scenario, ""):
        low, high = bounds(value)
        if high > MAX_USD:
            what = "can reach" if isinstance(value, BaseModel) else "is"
            raise ValueError(
                f"{where} {what} {high:g} USD, more than the contracts can hold in token units; keep it at "
                f"most {MAX_USD:g} (a distribution needs a `max`)"
            )
        if low < 0:
            raise ValueError(f"{where} must not be negative (got {low:g})")
    for pool in scenario.all_pools():
        if pool.kind != "constant_product":
            continue
        _, high = bounds(pool.depth_usd)
        for token in pool.tokens:
            asset = scenario.assets[token]
            units = high / 2 / asset.price * 10**asset.decimals
            if units >= 2**112:
                raise ValueError(
                    f"pool {pool.name}: depth_usd {high:g} puts {units:.3g} base units of {token} in the pair, "
                    "beyond a Uniswap v2 reserve (uint112, 5.2e33); lower depth_usd or the asset's decimals"
                )


def _usd_amounts(model: BaseModel, path: str) -> Iterator[tuple[str, Any]]:
    """(field path, value) of every scenario-level field named `*_usd` (agents' own are checked by kind)."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        at = f"{path}.{name}" if path else name
        if name.endswith("_usd") and not isinstance(value, dict | list | tuple):
            yield at, value
        elif isinstance(value, BaseModel) and name != "price_paths":
            yield from _usd_amounts(value, at)
        elif isinstance(value, tuple) and name != "agents":
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    label = getattr(item, "name", None) or getattr(item, "asset", None) or i
                    yield from _usd_amounts(item, f"{at}[{label}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, BaseModel):
                    yield from _usd_amounts(item, f"{at}.{key}")
