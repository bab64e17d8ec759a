"""The package's layers (README "How it works"): each room imports only the rooms below it, no module imports
itself back through a cycle, and no module grows past a size a reader can hold."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"

# Lowest first. A room may import its own modules and any room of a lower rank.
RANKS = {
    "sim": 0,  # the package root: its version only
    "sim.mirrors": 0,
    "sim.node": 1,
    "sim.scenario": 2,
    "sim.market": 3,
    "sim.world": 4,
    "sim.agents": 5,
    "sim.outputs": 6,
    "sim.report": 7,
    "sim.analysis": 8,
    "sim.engine": 9,
    "sim.run": 10,
    "sim.cli": 11,
}
# The one import by name: the scenario layer finds agent kinds (registered as `sim.agents` is imported), as a
# plugin registry would, without depending on them.
PLUGIN_LOOKUPS = {("sim.scenario.kinds", "sim.agents")}


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else "sim"


def imports(path: Path) -> set[str]:
    """Every sim module this file imports, at module level or inside functions, and by name via importlib."""
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "sim":
            found.add(node.module)
            found.update(
                f"{node.module}.{a.name}"
                for a in node.names
                if (SIM.parent / node.module.replace(".", "/") / f"{a.name}.py").exists()
            )
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "sim")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and str(node.args[0].value).startswith("sim")
        ):
            found.add(str(node.args[0].value))
    return found


MODULES = {module_name(p): p for p in sorted(SIM.rglob("*.py"))}


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_room_imports_only_rooms_below_it(module: str) -> None:
    own = room(module)
    assert own in RANKS, f"{module}: its room {own} has no rank; add it to RANKS and the README's layer list"
    for target in imports(MODULES[module]):
        other = room(target)
        if other == own or (module, target) in PLUGIN_LOOKUPS:
            continue
        assert RANKS[other] < RANKS[own] or other == "sim", (
            f"{module} (rank {RANKS[own]}) imports {target} (rank {RANKS[other]})"
        )


def test_mirrors_and_node_import_nothing_above_them() -> None:
    for module, path in MODULES.items():
        if room(module) in ("sim.mirrors", "sim.node"):
            above = {t for t in imports(path) if RANKS[room(t)] > RANKS[room(module)]}
            assert not above, f"{module} imports {above}"


def test_no_import_cycle_between_modules() -> None:
    graph = {m: {t for t in imports(p) if t in MODULES and t != m} for m, p in MODULES.items()}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*trail[trail.index(nxt) :], nxt] if nxt in trail else [node, nxt]
                raise AssertionError(f"import cycle: {' -> '.join(cycle)}")
            if nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_modules_stay_small_and_the_top_level_stays_thin() -> None:
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text().splitlines())) > 500}
    assert not long, f"modules over 500 lines: {long}"
    top = sorted(p.name for p in SIM.glob("*.py") if p.name != "__init__.py")
    assert len(top) <= 6, f"sim/ holds {top}: move modules into the package of their layer"
