"""Shared fixtures: named roles and contract factories, deployed on the ape-managed anvil."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sim.node.paths import use_repo_solc
from tests import fuzz_profiles

use_repo_solc()


def pytest_configure(config: Any) -> None:
    """Loads the fuzz profile named by CASCADE_FUZZ (`ci` or `deep`) before any test is collected."""
    try:
        fuzz_profiles.register()
    except fuzz_profiles.FuzzProfileError as error:
        pytest.exit(str(error), returncode=4)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the run: what each state machine ran under the active fuzz profile (CASCADE_FUZZ), and the
    differential suites' sequences and steps (also saved to .build/differential_counts.json)."""
    for line in fuzz_profiles.summary_lines():
        terminalreporter.write_line(line)
    # The differential helper module is imported by the suites under a name pytest derives from its path.
    helpers = [m for name, m in sys.modules.items() if name.endswith("contracts.evmnet")]
    for tally in (t for m in helpers for t in m.TALLIES.values()):
        terminalreporter.write_line(
            f"differential {tally.name}: {tally.sequences} sequences, {tally.steps} steps"
        )
        tally.save()
    report = os.environ.get("CASCADE_FUZZ_REPORT", "").strip()
    if report and fuzz_profiles.TALLIES:
        rows = [{**vars(t), "steps": t.steps} for t in fuzz_profiles.TALLIES]
        Path(report).write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="session")
def deployer(accounts: Any) -> Any:
    """Owns every contract: the scenario funder."""
    return accounts[0]


@pytest.fixture(scope="session")
def alice(accounts: Any) -> Any:
    return accounts[1]


@pytest.fixture(scope="session")
def bob(accounts: Any) -> Any:
    return accounts[2]


@pytest.fixture(scope="session")
def liquidator(accounts: Any) -> Any:
    return accounts[3]


@pytest.fixture(scope="session")
def keeper(accounts: Any) -> Any:
    return accounts[4]


@pytest.fixture(scope="session")
def create_token(project: Any, deployer: Any) -> Callable[..., Any]:
    """Factory: create_token("USDC", 6) deploys a MockERC20 owned by the deployer."""

    def _create(symbol: str, decimals: int = 18, name: str | None = None) -> Any:
        return project.MockERC20.deploy(name or symbol, symbol, decimals, sender=deployer)

    return _create
