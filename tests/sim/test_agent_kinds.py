"""Agent kinds are defined once (a parameter model beside the agent class): the scenario form, the bounds a
distribution must respect, the names parameters refer to, and the per-agent draw all come from that model."""

from __future__ import annotations

import ast
import copy
import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sim.agents.base import AGENT_KINDS
from sim.agents.borrower import BorrowerParams
from sim.agents.looper import LooperParams
from sim.agents.whale import WhaleParams
from sim.scenario.draws import Uniform
from sim.scenario.kinds import Ref, known_kinds, params_of, references
from sim.scenario.loading import parse_scenario
from sim.scenario.schema import ScenarioError

AGENTS_DIR = Path(__file__).resolve().parents[2] / "sim" / "agents"
SHARED_MODULES = {"__init__", "base", "population", "trading", "wallets"}

BASE: dict[str, Any] = {
    "name": "mini",
    "blocks": 10,
    "assets": {
        "USDC": {"decimals": 6, "price": 1.0, "kind": "stable"},
        "USDe": {"decimals": 18, "price": 1.0, "kind": "stable"},
        "WETH": {"decimals": 18, "price": 4400},
        "WBTC": {"decimals": 8, "price": 116_500},
    },
    "pools": [
        {"name": "weth_usdc", "kind": "constant_product", "tokens": ["WETH", "USDC"], "depth_usd": 1e6}
    ],
    "lending": [
        {
            "name": "aave",
            "oracle": {a: {"kind": "fixed"} for a in ("USDC", "USDe", "WETH", "WBTC")},
            "reserves": [
                {"asset": "USDC", "ltv": 0.75, "liquidation_threshold": 0.78, "liquidation_bonus": 1.045},
                {"asset": "WETH", "ltv": 0.8, "liquidation_threshold": 0.83, "liquidation_bonus": 1.05},
            ],
        }
    ],
}


def scenario_with(population: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["agents"] = [population]
    return data


def test_every_module_in_agents_defines_one_kind_and_every_kind_is_registered() -> None:
    modules = sorted(p.stem for p in AGENTS_DIR.glob("*.py") if p.stem not in SHARED_MODULES)
    kinds_by_module: dict[str, list[str]] = {}
    for cls in AGENT_KINDS.values():
        kinds_by_module.setdefault(cls.__module__.rsplit(".", 1)[1], []).append(cls.kind)
    assert sorted(kinds_by_module) == modules
    assert all(len(kinds) == 1 for kinds in kinds_by_module.values())
    assert known_kinds() == sorted(AGENT_KINDS)
    for kind, cls in AGENT_KINDS.items():
        assert params_of(kind) is cls.Params
        assert cls.Params.__doc__, f"{kind}: its parameter model says what the kind does"


def test_no_agent_module_declares_parameter_defaults_twice() -> None:
    """An agent class's dataclass fields hold runtime state only: no field repeats a parameter's name."""
    for cls in AGENT_KINDS.values():
        state = {f.name for f in dataclasses.fields(cls)} - {"name", "wallet", "params", "priority", "stats"}
        assert not state & set(cls.Params.model_fields), cls.kind


def test_a_drawn_field_takes_a_number_or_a_distribution_within_its_bounds() -> None:
    spec = LooperParams.scenario_model().model_validate({"market": "aave", "leverage": {"uniform": [2, 9]}})
    assert isinstance(spec.leverage, Uniform)  # type: ignore[attr-defined]
    drawn = LooperParams.draw(spec, np.random.default_rng(1))
    assert 2 <= drawn.leverage <= 9 and isinstance(drawn.leverage, float)
    error = _error(
        scenario_with(
            {"kind": "looper", "count": 1, "params": {"market": "aave", "leverage": {"uniform": [0.5, 3]}}}
        )
    )
    assert "agents[0].params" in error and "leverage" in error and ">= 1" in error


def test_a_picked_field_takes_a_name_or_a_list_and_draws_one_per_agent() -> None:
    spec = BorrowerParams.scenario_model().model_validate({"market": "aave", "collateral": ["WETH", "WBTC"]})
    rng = np.random.default_rng(3)
    picked = {BorrowerParams.draw(spec, rng).collateral for _ in range(40)}
    assert picked == {"WETH", "WBTC"}
    single = BorrowerParams.scenario_model().model_validate({"market": "aave", "collateral": "WETH"})
    assert BorrowerParams.draw(single, rng).collateral == "WETH"


def test_draws_consume_the_stream_in_field_order() -> None:
    """A population's agents draw their fields in the model's order: the same stream gives the same agents."""
    spec = WhaleParams.scenario_model().model_validate(
        {
            "capital_usd": {"uniform": [1, 2]},
            "collateral": {"WETH": 1.0},
            "perp_leverage": {"uniform": [0, 1]},
        }
    )
    rng = np.random.default_rng(7)
    drawn = WhaleParams.draw(spec, rng)
    expected = np.random.default_rng(7)
    assert (drawn.capital_usd, drawn.perp_leverage) == (expected.uniform(1, 2), expected.uniform(0, 1))


def test_references_name_pools_assets_and_markets() -> None:
    spec = LooperParams.scenario_model().model_validate(
        {"market": "aave", "sell_pools": ["weth_usdc"], "risk_asset": "WBTC"}
    )
    found = {(field, ref, value) for field, ref, value in references(LooperParams, spec)}
    assert ("market", Ref.MARKET, "aave") in found
    assert ("sell_pools", Ref.POOL, "weth_usdc") in found
    assert ("risk_asset", Ref.ASSET, "WBTC") in found


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"market": "compound", "collateral": "WETH"}, "agents[0] (borrower).params.market names 'compound'"),
        (
            {"market": "aave", "collateral": ["WETH", "DOGE"]},
            "agents[0] (borrower).params.collateral names asset 'DOGE'",
        ),
        ({"market": "aave", "collateral": []}, "collateral"),
        ({"market": "aave", "collateral": "WETH", "colour": "red"}, "colour"),
    ],
)
def test_a_population_naming_what_does_not_exist_is_refused(params: dict[str, Any], fragment: str) -> None:
    assert fragment in _error(scenario_with({"kind": "borrower", "count": 2, "params": params}))


def test_whale_defined_without_its_venue_is_refused_by_its_own_requirement() -> None:
    error = _error(scenario_with({"kind": "whale", "count": 1, "params": {"collateral": {"WETH": 1.0}}}))
    assert "needs a `venue` section" in error


def test_agents_package_imports_nothing_it_does_not_list() -> None:
    """Each kind's module imports the shared helpers, never another kind's module (one file per kind)."""
    kind_modules = {p.stem for p in AGENTS_DIR.glob("*.py")} - SHARED_MODULES
    for path in AGENTS_DIR.glob("*.py"):
        if path.stem not in kind_modules:
            continue
        tree = ast.parse(path.read_text())
        imported = {
            node.module.rsplit(".", 1)[1]
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("sim.agents.")
        }
        assert not imported & kind_modules, f"{path.name} imports another kind: {imported & kind_modules}"


def _error(data: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as failure:
        parse_scenario(data, "scenarios/mine.yaml")
    return str(failure.value)


def test_a_loop_is_a_target_leverage_or_rounds_at_an_ltv() -> None:
    """The seeds' example: $100k at 80% LTV for five rounds is about $369k of exposure (1 - 0.8^6) / 0.2."""
    by_rounds = LooperParams(market="aave", ltv=0.8, rounds=5)
    assert by_rounds.exposure_multiple == pytest.approx((1 - 0.8**6) / 0.2) == pytest.approx(3.68928)
    assert LooperParams(market="aave", leverage=7.5).exposure_multiple == 7.5
    model = LooperParams.scenario_model()
    assert model.model_validate({"market": "aave", "ltv": {"uniform": [0.7, 0.85]}, "rounds": 4})
    for bad in ({"market": "aave", "rounds": 3}, {"market": "aave", "ltv": 0.8, "rounds": 3, "leverage": 5}):
        with pytest.raises(ValueError, match=r"leverage|ltv"):
            model.model_validate(bad)
