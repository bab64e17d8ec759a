"""Scenario files: every kind of mistake gets an error naming the file, the field, the value and the fix."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from sim.scenario.draws import LogNormal, Uniform, bounds, draw
from sim.scenario.loading import load_scenario, parse_scenario, set_path
from sim.scenario.pricepaths import CsvPathError, GbmJumps, Piecewise, realize
from sim.scenario.schema import ScenarioError

MINIMAL: dict[str, Any] = {
    "name": "mini",
    "blocks": 10,
    "assets": {
        "USDC": {"decimals": 6, "price": 1.0, "kind": "stable"},
        "WETH": {"decimals": 18, "price": 4400},
    },
    "pools": [
        {"name": "weth_usdc", "kind": "constant_product", "tokens": ["WETH", "USDC"], "depth_usd": 1e6}
    ],
    "price_paths": {"WETH": {"kind": "piecewise", "knots": [[0, 1.0], [10, 0.8]]}},
}


def with_change(path: str, value: Any) -> dict[str, Any]:
    data = copy.deepcopy(MINIMAL)
    set_path(data, path, value)
    return data


def error_of(data: Any) -> str:
    with pytest.raises(ScenarioError) as failure:
        parse_scenario(data, "scenarios/mine.yaml")
    return str(failure.value)


def test_minimal_scenario_is_valid() -> None:
    scenario = parse_scenario(MINIMAL)
    assert scenario.blocks == 10
    assert scenario.assets["USDC"].decimals == 6


@pytest.mark.parametrize(
    ("path", "value", "field", "fragment"),
    [
        ("blocks", -5, "blocks", "greater than 0"),
        ("blocks", "many", "blocks", "valid integer"),
        ("assets.USDC.decimals", 40, "assets.USDC.decimals", "less than or equal to 36"),
        ("assets.USDC.colour", "blue", "assets.USDC.colour", "Extra inputs are not permitted"),
        ("pools[0].kind", "orderbook", "pools[0].kind", "'stableswap' or 'order_book'"),
        (
            "pools[0].tokens",
            ["WETH", "WBTC"],
            None,
            "pool weth_usdc names asset 'WBTC', which is not under `assets`",
        ),
        (
            "price_paths.WETH.knots",
            [[5, 1.0], [2, 0.9]],
            "price_paths.WETH.piecewise.knots",
            "strictly increase",
        ),
        ("agents", [{"kind": "wizard", "count": 1}], "agents[0]", "unknown agent kind 'wizard'"),
        (
            "agents",
            [{"kind": "seller", "count": 1, "params": {"pool": "weth_usdc"}}],
            "agents[0].params.asset",
            "Field required",
        ),
    ],
)
def test_bad_field_is_named_with_value_and_fix(
    path: str, value: Any, field: str | None, fragment: str
) -> None:
    message = error_of(with_change(path, value))
    assert message.startswith("scenarios/mine.yaml: invalid scenario")
    if field is not None:
        assert f"field `{field}`" in message
    assert fragment in message
    assert "Fix the field" in message


def test_top_level_must_be_a_mapping() -> None:
    assert "a scenario is a YAML mapping" in error_of(["not", "a", "mapping"])


def test_missing_file_and_bad_yaml_are_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="no such scenario file"):
        load_scenario(tmp_path / "absent.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: x\nblocks: [1, 2\n")
    with pytest.raises(ScenarioError, match=r"broken.yaml: not valid YAML at line 3, column 1: "):
        load_scenario(broken)


def test_overrides_apply_before_validation(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(MINIMAL))
    assert load_scenario(file, {"blocks": 42}).blocks == 42
    with pytest.raises(ScenarioError, match="field `blocks`"):
        load_scenario(file, {"blocks": 0})


def test_draws_are_seeded_and_bounded() -> None:
    spec = Uniform(uniform=(0.7, 0.9))
    a = [draw(spec, np.random.default_rng(7)) for _ in range(3)]
    b = [draw(spec, np.random.default_rng(7)) for _ in range(3)]
    assert a == b
    assert all(0.7 <= x <= 0.9 for x in a)
    low, high = bounds(LogNormal.model_validate({"lognormal": {"median": 1e5, "sigma": 1, "max": 1e7}}))
    assert 0.0 < low < 1e-300 and high == 1e7  # positive, so a lognormal pool depth is accepted
    assert draw(3.5, np.random.default_rng(0)) == 3.5


def test_piecewise_path_interpolates_relative_knots() -> None:
    path = Piecewise(kind="piecewise", knots=((0, 1.0), (10, 0.8), (20, 0.9)))
    values = realize(path, 4400.0, 20, 12.0, np.random.default_rng(0), Path("."))
    assert values[0] == 4400.0
    assert values[5] == pytest.approx(4400 * 0.9)
    assert values[10] == pytest.approx(3520.0)
    assert values[20] == pytest.approx(3960.0)


def test_gbm_path_is_reproducible_from_the_seed() -> None:
    path = GbmJumps(kind="gbm", volatility=0.8, jump_rate_per_block=0.05, jump_mean=-0.05, jump_std=0.02)
    one = realize(path, 100.0, 50, 12.0, np.random.default_rng(11), Path("."))
    two = realize(path, 100.0, 50, 12.0, np.random.default_rng(11), Path("."))
    assert np.array_equal(one, two)
    assert one[0] == 100.0
    assert (one > 0).all()


def test_csv_path_holds_ticks_and_names_bad_rows(tmp_path: Path) -> None:
    from sim.scenario.pricepaths import CsvTicks

    (tmp_path / "ticks.csv").write_text("block,price\n0,100\n3,90\n")
    values = realize(CsvTicks(kind="csv", file="ticks.csv"), 1.0, 5, 12.0, np.random.default_rng(0), tmp_path)
    assert values.tolist() == [100, 100, 100, 90, 90, 90]
    (tmp_path / "bad.csv").write_text("block,price\n0,abc\n")
    with pytest.raises(CsvPathError, match="line 2"):
        realize(CsvTicks(kind="csv", file="bad.csv"), 1.0, 5, 12.0, np.random.default_rng(0), tmp_path)
    with pytest.raises(CsvPathError, match="does not exist"):
        realize(CsvTicks(kind="csv", file="nope.csv"), 1.0, 5, 12.0, np.random.default_rng(0), tmp_path)


OCT10 = Path(__file__).parents[2] / "scenarios" / "oct10_2025_pools.yaml"


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        (
            {"agents[3].params.market": "compound"},
            "params.market names 'compound'; lending markets: ['aave']",
        ),
        ({"agents[1].params.pools": ["nowhere"]}, "names pool 'nowhere', which does not exist"),
        (
            {
                "venue.pools": [
                    {
                        "name": "bn_weth_usdt",
                        "kind": "constant_product",
                        "tokens": ["WETH", "USDT"],
                        "depth_usd": 1e6,
                    }
                ],
                "venue.collateral": {
                    "WETH": {"ratio": 0.9, "oracle": {"kind": "spot", "pool": "bn_weth_usdt"}},
                    "USDe": {"ratio": 0.9, "oracle": {"kind": "peg", "peg": "USDT"}},
                },
                "venue.markets": {},
            },
            "add a pool of USDe/USDT under venue.pools",
        ),
        ({"assets.USDe.decimals": 6}, "assets.USDe.decimals must be 18"),
        ({"lending[0].oracle.WETH": {"kind": "index", "pool": "uni_weth_usdc"}}, "so WETH must be an lst"),
        ({"agents[4].name": "looper"}, "two populations are both named 'looper'"),
    ],
)
def test_cross_references_are_checked_before_anything_runs(overrides: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ScenarioError) as failure:
        load_scenario(OCT10, overrides)
    assert fragment in str(failure.value)


def test_a_bad_set_path_is_a_scenario_error() -> None:
    with pytest.raises(ScenarioError, match=r"cannot set `agents\[99\].count`"):
        load_scenario(OCT10, {"agents[99].count": 5})


def test_extends_merges_and_refuses_cycles(tmp_path: Path) -> None:
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(MINIMAL))
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nname: child\nblocks: 7\n")
    child = load_scenario(tmp_path / "child.yaml")
    assert (child.name, child.blocks, child.assets["USDC"].decimals) == ("child", 7, 6)
    (tmp_path / "a.yaml").write_text("extends: b.yaml\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    with pytest.raises(ScenarioError, match="goes round in a circle"):
        load_scenario(tmp_path / "a.yaml")


def test_a_population_needs_its_protocol() -> None:
    data = with_change("agents", [{"kind": "venue_liquidator", "count": 1}])
    assert "this kind needs a `venue` section, and the scenario has none" in error_of(data)


def test_only_a_constant_product_pool_can_run_the_real_uniswap_v2_bytecode() -> None:
    scenario = load_scenario(OCT10, {"pools[uni_weth_usdc].implementation": "uniswap_v2"})
    assert next(p for p in scenario.pools if p.name == "uni_weth_usdc").implementation == "uniswap_v2"
    with pytest.raises(ScenarioError, match="implementation 'uniswap_v2' is for constant_product pools"):
        load_scenario(OCT10, {"pools[curve_usde_usdc].implementation": "uniswap_v2"})
    with pytest.raises(ScenarioError, match="implementation"):
        load_scenario(OCT10, {"pools[uni_weth_usdc].implementation": "uniswap_v3"})
