"""Oracle fixtures: an oracle owned by the deployer with one keeper, and a few assets of mixed decimals."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def oracle(project: Any, deployer: Any, keeper: Any) -> Any:
    contract = project.PriceOracle.deploy(deployer, sender=deployer)
    contract.setKeeper(keeper, True, sender=deployer)
    return contract


@pytest.fixture(scope="module", autouse=True)
def _roles_first(deployer: Any, alice: Any, bob: Any, keeper: Any, chain: Any) -> None:
    """Request the session roles before ape snapshots the module (avoids costly fixture rebasing)."""
