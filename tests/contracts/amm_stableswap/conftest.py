"""StableSwap fixtures: stablecoins of mixed decimals, a pool factory, funded roles and a chain-to-mirror reader."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

from sim.mirrors.stableswap import StableSwapState

FEE = 4_000_000  # 0.04%, Curve's usual stable-pool fee
OFFPEG = 20_000_000_000  # 2x: the fee doubles far off peg
A = 200
MAX_UINT = 2**256 - 1
WHOLE_SUPPLY = 10**15  # whole coins minted to each funded account: far more than any test moves


@pytest.fixture(scope="module", autouse=True)
def _roles_first(deployer: Any, alice: Any, bob: Any, liquidator: Any, keeper: Any) -> None:
    """Instantiate the session roles before any test, so ape's isolation never has to rebase fixtures."""


@pytest.fixture(scope="module")
def usdc(create_token: Any) -> Any:
    return create_token("USDC", 6, name="USD Coin")


@pytest.fixture(scope="module")
def usdt(create_token: Any) -> Any:
    return create_token("USDT", 6, name="Tether USD")


@pytest.fixture(scope="module")
def usde(create_token: Any) -> Any:
    return create_token("USDe", 18, name="Ethena USDe")


@pytest.fixture(scope="module")
def dai(create_token: Any) -> Any:
    return create_token("DAI", 18, name="Dai Stablecoin")


@pytest.fixture(scope="module")
def wbtc(create_token: Any) -> Any:
    """An 8-decimal coin, to cover rates other than 1e30 and 1e18."""
    return create_token("USD8", 8, name="Eight-decimal dollar")


@pytest.fixture(scope="module")
def deploy_pool(project: Any, deployer: Any) -> Callable[..., Any]:
    """Factory: deploy_pool([usdc, usdt], A=200, fee=4e6, offpeg=2e10) deploys a StableSwapPool owned by deployer."""

    def _deploy(coins: Sequence[Any], a: int = A, fee: int = FEE, offpeg: int = OFFPEG) -> Any:
        symbol = "".join(coin.symbol() for coin in coins)
        return project.StableSwapPool.deploy(
            f"Curve {symbol}",
            f"{symbol}-f",
            [c.address for c in coins],
            a,
            fee,
            offpeg,
            deployer,
            sender=deployer,
        )

    return _deploy


@pytest.fixture(scope="module")
def coin_of(project: Any) -> Callable[[Any, int], Any]:
    """coin_of(pool, k): coin k of the pool as an ape contract."""

    def _coin(pool: Any, k: int) -> Any:
        return project.MockERC20.at(pool.coins(k))

    return _coin


@pytest.fixture(scope="module")
def fund(deployer: Any, coin_of: Callable[[Any, int], Any]) -> Callable[[Any, Sequence[Any]], None]:
    """fund(pool, [alice, bob]) mints WHOLE_SUPPLY of every pool coin to each account and approves the pool."""

    def _fund(pool: Any, users: Sequence[Any]) -> None:
        for k in range(pool.N_COINS()):
            coin = coin_of(pool, k)
            for user in users:
                coin.mint(user, WHOLE_SUPPLY * 10 ** coin.decimals(), sender=deployer)
                coin.approve(pool, MAX_UINT, sender=user)

    return _fund


@pytest.fixture(scope="module")
def mirror_of() -> Callable[[Any], StableSwapState]:
    """mirror_of(pool): the pool's stored state as a StableSwapState, read from the chain."""

    def _read(pool: Any) -> StableSwapState:
        n = pool.N_COINS()
        return StableSwapState(
            rates=list(pool.stored_rates()),
            fee=pool.fee(),
            offpeg_fee_multiplier=pool.offpeg_fee_multiplier(),
            initial_A=pool.initial_A(),
            future_A=pool.future_A(),
            initial_A_time=pool.initial_A_time(),
            future_A_time=pool.future_A_time(),
            balances=list(pool.get_balances()),
            admin_balances=[pool.admin_balances(k) for k in range(n)],
            total_supply=pool.totalSupply(),
            last_prices=[pool.last_price(k) for k in range(n - 1)],
            ema_prices=[pool.ema_price(k) for k in range(n - 1)],
            ma_last_time=pool.ma_last_time(),
        )

    return _read
