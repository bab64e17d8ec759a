"""Venue fixtures: a USDT-quoted unified-margin venue with USDe, wBETH, BNSOL and USDC collateral, each with a
thin pool against USDT, an ETH perpetual, a funded USDT book and insurance fund, all at fixed oracle prices."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from sim.mirrors.venue import get_amount_out

USD = 10**8  # oracle unit: one dollar
E18 = 10**18
E9 = 10**9
E6 = 10**6
ZERO = "0x0000000000000000000000000000000000000000"

BOOK_USDT = 1_000_000 * E6
BOOK_USDC = 200_000 * E6
INSURANCE = 5_000 * E6
FEE_BPS, REWARD_BPS = 100, 50

# (reserve of the asset, reserve of USDT): thin books, as Binance's USDe/USDT after depth fell.
POOL_RESERVES = {
    "USDe": (50_000 * E18, 50_000 * E6),
    "wBETH": (20 * E18, 88_000 * E6),
    "BNSOL": (500 * E9, 100_000 * E6),
    "USDC": (100_000 * E6, 100_000 * E6),
}
PRICES = {
    "USDT": USD,
    "USDe": USD,
    "wBETH": 4_400 * USD,
    "BNSOL": 200 * USD,
    "USDC": USD,
    "WETH": 4_400 * USD,
}


@pytest.fixture(scope="module", autouse=True)
def _shared_setup_first(
    deployer: Any, alice: Any, bob: Any, liquidator: Any, keeper: Any, chain: Any, venue: Any
) -> None:
    """Deploy everything before the module's snapshot, so ape never has to rebase the module."""


@pytest.fixture(scope="module")
def carol(accounts: Any) -> Any:
    return accounts[5]


@pytest.fixture(scope="module")
def tokens(create_token: Any) -> dict[str, Any]:
    return {
        "USDT": create_token("USDT", 6),
        "USDe": create_token("USDe", 18),
        "wBETH": create_token("wBETH", 18),
        "BNSOL": create_token("BNSOL", 9),
        "USDC": create_token("USDC", 6),
        "WETH": create_token("WETH", 18),
    }


@pytest.fixture(scope="module")
def usdt(tokens: dict[str, Any]) -> Any:
    return tokens["USDT"]


@pytest.fixture(scope="module")
def usde(tokens: dict[str, Any]) -> Any:
    return tokens["USDe"]


@pytest.fixture(scope="module")
def wbeth(tokens: dict[str, Any]) -> Any:
    return tokens["wBETH"]


@pytest.fixture(scope="module")
def bnsol(tokens: dict[str, Any]) -> Any:
    return tokens["BNSOL"]


@pytest.fixture(scope="module")
def usdc(tokens: dict[str, Any]) -> Any:
    return tokens["USDC"]


@pytest.fixture(scope="module")
def weth(tokens: dict[str, Any]) -> Any:
    """The ETH perpetual's mark asset (not collateral)."""
    return tokens["WETH"]


@pytest.fixture(scope="module")
def oracle(project: Any, deployer: Any, keeper: Any, tokens: dict[str, Any]) -> Any:
    contract = project.PriceOracle.deploy(deployer, sender=deployer)
    contract.setKeeper(keeper, True, sender=deployer)
    for symbol, price in PRICES.items():
        contract.setFixedPrice(tokens[symbol], price, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def factory(project: Any, deployer: Any) -> Any:
    return project.ConstantProductFactory.deploy(deployer, sender=deployer)


@pytest.fixture(scope="module")
def pools(project: Any, deployer: Any, factory: Any, tokens: dict[str, Any]) -> dict[str, Any]:
    """One asset/USDT pool per collateral, seeded with POOL_RESERVES."""
    usdt = tokens["USDT"]
    created = {}
    for symbol, (reserve_asset, reserve_quote) in POOL_RESERVES.items():
        asset = tokens[symbol]
        factory.createPair(asset, usdt, sender=deployer)
        pool = project.ConstantProductPool.at(factory.getPair(asset, usdt))
        asset.mint(pool, reserve_asset, sender=deployer)
        usdt.mint(pool, reserve_quote, sender=deployer)
        pool.mint(deployer, sender=deployer)
        created[symbol] = pool
    return created


@pytest.fixture(scope="module")
def venue(project: Any, deployer: Any, oracle: Any, tokens: dict[str, Any], pools: dict[str, Any]) -> Any:
    usdt = tokens["USDT"]
    contract = project.UnifiedMarginVenue.deploy(deployer, usdt, oracle, sender=deployer)
    # Ratios after Binance's tiers: stables ~100%, USDe 95%, LST 90%, alt 50%; loans at 10x (IMR 10%, MMR 5%).
    contract.setAssetConfig(usdt, 10_000, ZERO, True, 1_000, 500, sender=deployer)
    contract.setAssetConfig(tokens["USDe"], 9_500, pools["USDe"], False, 0, 0, sender=deployer)
    contract.setAssetConfig(tokens["wBETH"], 9_000, pools["wBETH"], False, 0, 0, sender=deployer)
    contract.setAssetConfig(tokens["BNSOL"], 5_000, pools["BNSOL"], False, 0, 0, sender=deployer)
    contract.setAssetConfig(tokens["USDC"], 10_000, pools["USDC"], True, 1_000, 500, sender=deployer)
    contract.setMarketConfig(tokens["WETH"], 1_000, 500, True, sender=deployer)
    for symbol, amount in (("USDT", BOOK_USDT + INSURANCE), ("USDC", BOOK_USDC)):
        tokens[symbol].mint(deployer, amount, sender=deployer)
        tokens[symbol].approve(contract, 2**256 - 1, sender=deployer)
    contract.supplyLiquidity(usdt, BOOK_USDT, sender=deployer)
    contract.supplyLiquidity(tokens["USDC"], BOOK_USDC, sender=deployer)
    contract.fundInsurance(INSURANCE, sender=deployer)
    return contract


@pytest.fixture(scope="module")
def breaker(project: Any, deployer: Any, oracle: Any) -> Any:
    """A circuit breaker at the defaults (30% / 15 min / 5 min), not yet plugged into the venue."""
    return project.CircuitBreaker.deploy(deployer, oracle, sender=deployer)


@pytest.fixture(scope="module")
def fund(deployer: Any, venue: Any) -> Callable[..., None]:
    """fund(account, token, amount): mint to the account and approve the venue."""

    def _fund(account: Any, token: Any, amount: int) -> None:
        token.mint(account, amount, sender=deployer)
        token.approve(venue, 2**256 - 1, sender=account)

    return _fund


@pytest.fixture(scope="module")
def deposit(fund: Any, venue: Any) -> Callable[..., Any]:
    """deposit(account, token, amount): fund and deposit into the account's group 0."""

    def _deposit(account: Any, token: Any, amount: int) -> Any:
        fund(account, token, amount)
        return venue.deposit(token, amount, sender=account)

    return _deposit


@pytest.fixture(scope="module")
def set_price(oracle: Any, deployer: Any) -> Callable[[Any, int], Any]:
    def _set(token: Any, price: int) -> Any:
        return oracle.setFixedPrice(token, price, sender=deployer)

    return _set


@pytest.fixture(scope="module")
def dump(deployer: Any) -> Callable[[Any, Any, int], int]:
    """dump(pool, token, amount): a whale sells `amount` of `token` into `pool`; returns the amount out."""

    def _dump(pool: Any, token: Any, amount: int) -> int:
        reserve0, reserve1, _ = pool.getReserves()
        is0 = pool.token0() == token.address
        out = (
            get_amount_out(amount, reserve0, reserve1) if is0 else get_amount_out(amount, reserve1, reserve0)
        )
        token.mint(pool, amount, sender=deployer)
        pool.swap(0 if is0 else out, out if is0 else 0, deployer, b"", sender=deployer)
        return out

    return _dump


def reserves_of(pool: Any, token: Any) -> tuple[int, int]:
    """(reserve of `token`, reserve of the other token) of a pool."""
    reserve0, reserve1, _ = pool.getReserves()
    return (reserve0, reserve1) if pool.token0() == token.address else (reserve1, reserve0)
