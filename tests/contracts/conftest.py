"""Plain mock tokens for the contract suites (module-scoped, from the session's `create_token`); a suite that
needs another token under one of these names (the synthetic dollar as `usde`, named Curve coins) defines its own,
which takes precedence."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="module")
def usdt(create_token: Any) -> Any:
    return create_token("USDT", 6)


@pytest.fixture(scope="module")
def usdc(create_token: Any) -> Any:
    return create_token("USDC", 6)


@pytest.fixture(scope="module")
def usde(create_token: Any) -> Any:
    return create_token("USDe", 18)


@pytest.fixture(scope="module")
def weth(create_token: Any) -> Any:
    return create_token("WETH", 18)
