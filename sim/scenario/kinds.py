"""Agent kinds as a scenario sees them. Each kind's parameter model is written once, beside its agent class
(`sim/agents/<kind>.py`); from it this module derives the scenario form (where a `Drawn` number may be a
distribution and a `Picked` name a list to choose from), checks every name a parameter refers to, and draws
one agent's parameters. Kinds register themselves here when `sim.agents` is imported (plugin discovery: the
scenario layer knows agents only through this registry)."""

from __future__ import annotations

import importlib
import math
import typing
from collections.abc import Iterator
from enum import Enum
from typing import Annotated, Any, ClassVar, Self

import annotated_types
import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    create_model,
    field_validator,
    model_validator,
)
from pydantic.fields import FieldInfo

from sim.scenario.draws import Draw, bounds, draw


class _Marker(Enum):
    DRAWN = "drawn"
    PICKED = "picked"


class Ref(Enum):
    """What a string parameter names, so that a scenario naming something that does not exist is refused."""

    POOL = "pool"
    ASSET = "asset"
    MARKET = "lending market"
    VENUE = "venue"


Drawn = Annotated[float, _Marker.DRAWN]
"""A number in the drawn parameters; in the scenario, a number or a distribution drawn per agent."""
Picked = Annotated[str, Ref.ASSET, _Marker.PICKED]
"""An asset name in the drawn parameters; in the scenario, a name or a list of names, one picked per agent."""
PoolName = Annotated[str, Ref.POOL]
AssetName = Annotated[str, Ref.ASSET]
MarketName = Annotated[str, Ref.MARKET]
VenueName = Annotated[str, Ref.VENUE]  # "" means the scenario's first venue where a kind allows it

_BOUNDS = (annotated_types.Gt, annotated_types.Ge, annotated_types.Lt, annotated_types.Le)
# The most USD any amount may stand for: beyond it token units overflow the contracts' integer types (a
# Uniswap v2 reserve is a uint112) long before anything else would stop them.
MAX_USD = 1e15


class AgentParams(BaseModel):
    """An agent kind's parameters, after drawing (what the agent receives). Subclasses are the only definition
    of a kind's parameters: names, types, defaults, bounds and descriptions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # Scenario sections a population of this kind needs (e.g. "venue", "synthetic").
    requires: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def check_scenario(cls, spec: BaseModel) -> None:
        """Rules across fields, checked on the scenario form (raise ValueError naming the fields). Fields the
        scenario set are `spec.model_fields_set`. None by default."""
        return None

    @classmethod
    def scenario_model(cls) -> type[BaseModel]:
        """The model a scenario's `params:` is validated against: Drawn fields accept distributions (whose
        range must respect the field's bounds), Picked fields accept a list of names."""
        cached = _SCENARIO_MODELS.get(cls)
        if cached is None:
            cached = _SCENARIO_MODELS[cls] = _derive_scenario_model(cls)
        return cached

    @classmethod
    def draw(cls, spec: BaseModel, rng: np.random.Generator) -> Self:
        """One agent's parameters from the validated scenario form: each distribution drawn and each list
        picked from, in field order (so the stream a population draws from is consumed the same way)."""
        values: dict[str, Any] = {}
        for name, info in cls.model_fields.items():
            value = getattr(spec, name)
            if _Marker.DRAWN in info.metadata:
                value = draw(value, rng)
            elif _Marker.PICKED in info.metadata and isinstance(value, list | tuple):
                value = value[int(rng.integers(len(value)))]
            values[name] = value
        return cls.model_validate(values)


_SCENARIO_MODELS: dict[type[AgentParams], type[BaseModel]] = {}


def _derive_scenario_model(cls: type[AgentParams]) -> type[BaseModel]:
    fields: dict[str, Any] = {}
    drawn_bounds: dict[str, list[Any]] = {}
    for name, info in cls.model_fields.items():
        if _Marker.DRAWN in info.metadata:
            drawn_bounds[name] = [m for m in info.metadata if isinstance(m, _BOUNDS)]
            fields[name] = (Draw, _plain_field(info))
        elif _Marker.PICKED in info.metadata:
            fields[name] = (str | Annotated[list[str], Field(min_length=1)], _plain_field(info))
        else:
            fields[name] = (info.rebuild_annotation(), info)

    def check_bounds(value: Any, info: ValidationInfo) -> Any:
        low, high = bounds(value)
        for c in drawn_bounds[info.field_name or ""]:
            if not _within(c, low, high):
                raise ValueError(
                    f"values drawn from {_show(value)} reach [{low:g}, {high:g}], outside what the parameter "
                    f"allows ({_constraint_text(c)})"
                )
        return value

    def check_across(model: BaseModel) -> BaseModel:
        cls.check_scenario(model)
        return model

    validators: dict[str, Any] = {"_across": model_validator(mode="after")(check_across)}
    if any(drawn_bounds.values()):
        checked = [name for name, constraints in drawn_bounds.items() if constraints]
        validators["_bounds"] = field_validator(*checked, mode="after")(check_bounds)
    model: type[BaseModel] = create_model(
        cls.__name__,
        __config__=ConfigDict(extra="forbid", frozen=True),
        __doc__=cls.__doc__,
        __validators__=validators,
        **fields,
    )
    return model


def _plain_field(info: FieldInfo) -> FieldInfo:
    """The field without its number bounds (a distribution is checked against them by range instead)."""
    return FieldInfo(default=info.default, description=info.description)


def _within(constraint: Any, low: float, high: float) -> bool:
    """Whether every value a draw can take meets the bound. An unbounded distribution (a lognormal without a
    `max`) is checked against an upper bound when each agent draws, before anything is deployed."""
    if math.isinf(high) and isinstance(constraint, annotated_types.Lt | annotated_types.Le):
        return True
    if isinstance(constraint, annotated_types.Gt):
        return low > float(constraint.gt)  # type: ignore[arg-type]
    if isinstance(constraint, annotated_types.Ge):
        return low >= float(constraint.ge)  # type: ignore[arg-type]
    if isinstance(constraint, annotated_types.Lt):
        return high < float(constraint.lt)  # type: ignore[arg-type]
    return bool(high <= constraint.le)


def _constraint_text(constraint: Any) -> str:
    for attr, symbol in (("gt", ">"), ("ge", ">="), ("lt", "<"), ("le", "<=")):
        if hasattr(constraint, attr):
            return f"{symbol} {getattr(constraint, attr)}"
    return str(constraint)


def _show(value: Any) -> str:
    return str(value.model_dump()) if isinstance(value, BaseModel) else repr(value)


def references(cls: type[AgentParams], spec: BaseModel) -> Iterator[tuple[str, Ref, str]]:
    """(field, what it names, the name) for every name in a population's parameters."""
    for name, info in cls.model_fields.items():
        for ref, value in _refs(info.rebuild_annotation(), getattr(spec, name)):
            yield name, ref, value


def _refs(annotation: Any, value: Any) -> Iterator[tuple[Ref, str]]:
    if value is None:
        return
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is Annotated:
        ref = next((m for m in args[1:] if isinstance(m, Ref)), None)
        if ref is not None:
            # A Picked field's scenario form may be a list of names.
            for item in value if isinstance(value, list | tuple) else [value]:
                if isinstance(item, str) and item:
                    yield ref, item
            return
        yield from _refs(args[0], value)
    elif origin in (list, tuple) and args and isinstance(value, list | tuple):
        for item in value:
            yield from _refs(args[0], item)
    elif origin is dict and args and isinstance(value, dict):
        for key in value:
            yield from _refs(args[0], key)


_KINDS: dict[str, type[AgentParams]] = {}


def register_kind(kind: str, params: type[AgentParams]) -> None:
    """Called by each agent class as it is defined."""
    _KINDS[kind] = params


def _discover() -> None:
    if not _KINDS:
        importlib.import_module("sim.agents")


def params_of(kind: str) -> type[AgentParams] | None:
    """The parameter model of an agent kind, or None if no such kind exists."""
    _discover()
    return _KINDS.get(kind)


def known_kinds() -> list[str]:
    _discover()
    return sorted(_KINDS)
