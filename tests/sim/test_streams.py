"""Independent random streams: each price path, each population and each agent draws from a stream of its
own spawned from the run's seed by a stable name, so inserting a population changes nothing else."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from sim.agents.population import draw_agents
from sim.run import reference_paths
from sim.scenario.loading import load_scenario, parse_scenario
from sim.scenario.schema import Scenario
from sim.scenario.streams import Streams

OCT10 = Path(__file__).resolve().parents[2] / "scenarios" / "oct10_2025_pools.yaml"


def oct10_data() -> dict[str, Any]:
    """oct10 as plain data, its `extends:` already resolved by the loader."""
    return load_scenario(OCT10).model_dump(mode="json", exclude_defaults=False)


def with_population_inserted(data: dict[str, Any], at: int) -> Scenario:
    changed = copy.deepcopy(data)
    extra = {
        "kind": "borrower",
        "name": "newcomers",
        "count": 25,
        "params": {"market": "aave", "collateral": ["WETH", "WBTC"], "capital_usd": {"uniform": [1e4, 1e6]}},
    }
    changed["agents"].insert(at, extra)
    return parse_scenario(changed)


def test_a_stream_depends_only_on_the_seed_and_its_name() -> None:
    a, b = Streams(7), Streams(7)
    assert a.get("population:x").random() == b.get("population:x").random()
    assert a.get("population:x").random() != a.get("population:y").random()
    assert Streams(8).get("population:x").random() != a.get("population:x").random()


def test_inserting_a_population_leaves_every_other_agent_and_path_bit_identical() -> None:
    data = oct10_data()
    base = parse_scenario(data)
    middle = len(base.agents) // 2
    changed = with_population_inserted(data, middle)
    streams = Streams(base.seed)
    before = {a.name: a for a in draw_agents(base, streams)}
    after = {a.name: a for a in draw_agents(changed, streams)}
    assert len(after) == len(before) + 25
    assert sum(1 for name in after if name.startswith("newcomers-")) == 25
    for name, agent in before.items():
        assert after[name].params == agent.params, name
        assert after[name].wallet.address == agent.wallet.address, name
    # The drawn populations really are random (a distribution draws different values per agent).
    loopers = [a.params.leverage for a in before.values() if a.kind == "looper"]  # type: ignore[attr-defined]
    assert len(set(loopers)) == len(loopers) > 10
    paths = reference_paths(base, 50, streams, OCT10.parent)
    paths_after = reference_paths(changed, 50, streams, OCT10.parent)
    assert paths.keys() == paths_after.keys()
    for asset in paths:
        assert np.array_equal(paths[asset], paths_after[asset]), asset


def test_adding_a_price_path_leaves_the_others_bit_identical() -> None:
    data = oct10_data()
    base = parse_scenario(data)
    changed = copy.deepcopy(data)
    changed["price_paths"]["USDT"] = {"kind": "gbm", "volatility": 0.05}
    streams = Streams(base.seed)
    paths = reference_paths(base, 40, streams, OCT10.parent)
    paths_after = reference_paths(parse_scenario(changed), 40, streams, OCT10.parent)
    for asset in base.price_paths:
        assert np.array_equal(paths[asset], paths_after[asset]), asset
    assert not np.array_equal(paths_after["USDT"], np.full(41, 1.0))


def test_the_scenario_file_round_trips_through_yaml() -> None:
    """The data the tests above edit is the scenario itself (nothing lost in the dump)."""
    data = oct10_data()
    assert parse_scenario(yaml.safe_load(yaml.safe_dump(data))) == parse_scenario(data)
