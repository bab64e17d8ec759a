"""Constant-product AMM fixtures: factory, router, sorted tokens and helpers to create, fund and trade pairs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

E18 = 10**18
DEAD = "0x000000000000000000000000000000000000dEaD"
MAX_DEADLINE = 2**256 - 1


@pytest.fixture(scope="module", autouse=True)
def _shared_setup_first(
    deployer: Any, alice: Any, bob: Any, keeper: Any, liquidator: Any, chain: Any, router: Any, tokens: Any
) -> None:
    """Set up the roles and the shared deployments before any test of the module runs: a wider-scoped fixture
    first requested after ape took the module's snapshot makes ape rebase (redeploy) the module."""


@pytest.fixture(scope="module")
def fee_setter(keeper: Any) -> Any:
    """The factory's feeToSetter: turns the protocol fee on and off."""
    return keeper


@pytest.fixture(scope="module")
def factory(project: Any, deployer: Any, fee_setter: Any) -> Any:
    return project.ConstantProductFactory.deploy(fee_setter, sender=deployer)


@pytest.fixture(scope="module")
def router(project: Any, deployer: Any, factory: Any) -> Any:
    return project.ConstantProductRouter.deploy(factory, sender=deployer)


@pytest.fixture(scope="module")
def tokens(create_token: Any) -> list[Any]:
    """Three 18-decimal tokens sorted by address, so tokens[0] is token0 of any pair it is in."""
    created = [create_token(symbol) for symbol in ("TKA", "TKB", "TKC")]
    return sorted(created, key=lambda token: int(token.address, 16))


@pytest.fixture(scope="module")
def token0(tokens: list[Any]) -> Any:
    return tokens[0]


@pytest.fixture(scope="module")
def token1(tokens: list[Any]) -> Any:
    return tokens[1]


@pytest.fixture(scope="module")
def create_pair(project: Any, factory: Any, deployer: Any) -> Callable[[Any, Any], Any]:
    """Factory: create_pair(tokenA, tokenB) deploys the pair through the factory and returns it."""

    def _create(token_a: Any, token_b: Any) -> Any:
        factory.createPair(token_a, token_b, sender=deployer)
        return project.ConstantProductPool.at(factory.getPair(token_a, token_b))

    return _create


@pytest.fixture(scope="module")
def pair(create_pair: Any, token0: Any, token1: Any) -> Any:
    """The empty token0/token1 pair."""
    return create_pair(token0, token1)


@pytest.fixture(scope="module")
def add_liquidity(project: Any, deployer: Any) -> Callable[..., Any]:
    """add_liquidity(pair, amount0, amount1, provider): fund the provider, who sends both tokens to the pair
    and mints its shares; returns the mint receipt."""

    def _add(pair: Any, amount0: int, amount1: int, provider: Any) -> Any:
        for token, amount in ((pair.token0(), amount0), (pair.token1(), amount1)):
            asset = project.MockERC20.at(token)
            asset.mint(provider, amount, sender=deployer)
            asset.transfer(pair, amount, sender=provider)
        return pair.mint(provider, sender=provider)

    return _add
