"""Synthetic-dollar fixtures: USDe over WETH/stETH (hedged) and USDT (unhedged, also the reserve asset), sUSDe.

Roles: alice is the whitelisted minter and redeemer (the arbitrageur), bob a plain holder, keeper the funding
keeper; the deployer owns everything. Prices: WETH $4,000, stETH $3,998.76543210, USDT $1.
"""

from __future__ import annotations

from typing import Any

import pytest

WAD = 10**18
WETH_PRICE = 4_000 * 10**8
STETH_PRICE = 399_876_543_210
USDT_PRICE = 10**8
MAX_MINT_PER_BLOCK = 1_000_000 * WAD
MAX_REDEEM_PER_BLOCK = 500_000 * WAD
COOLDOWN = 7 * 24 * 3600
MINTER, REDEEMER, FUNDING_KEEPER = 0, 1, 2


@pytest.fixture(scope="module")
def oracle(project: Any, deployer: Any) -> Any:
    return project.PriceOracle.deploy(deployer, sender=deployer)


@pytest.fixture(scope="module")
def steth(create_token: Any) -> Any:
    return create_token("stETH", 18)


@pytest.fixture(scope="module")
def usde(
    project: Any,
    deployer: Any,
    alice: Any,
    keeper: Any,
    oracle: Any,
    weth: Any,
    steth: Any,
    usdt: Any,
) -> Any:
    oracle.setFixedPrice(weth, WETH_PRICE, sender=deployer)
    oracle.setFixedPrice(steth, STETH_PRICE, sender=deployer)
    oracle.setFixedPrice(usdt, USDT_PRICE, sender=deployer)
    token = project.SyntheticDollar.deploy(
        "USDe", "USDe", oracle, usdt, deployer, MAX_MINT_PER_BLOCK, MAX_REDEEM_PER_BLOCK, sender=deployer
    )
    token.addCollateral(weth, True, sender=deployer)
    token.addCollateral(steth, True, sender=deployer)
    token.addCollateral(usdt, False, sender=deployer)
    token.setRole(MINTER, alice, True, sender=deployer)
    token.setRole(REDEEMER, alice, True, sender=deployer)
    token.setRole(FUNDING_KEEPER, keeper, True, sender=deployer)
    for asset in (weth, steth, usdt):
        asset.mint(alice, 10**6 * 10 ** asset.decimals(), sender=deployer)
        asset.approve(token, 2**256 - 1, sender=alice)
    usdt.mint(deployer, 10**9 * 10**6, sender=deployer)
    usdt.approve(token, 2**256 - 1, sender=deployer)
    return token


@pytest.fixture(scope="module")
def susde(project: Any, deployer: Any, usde: Any) -> Any:
    vault = project.StakedSyntheticDollar.deploy(
        usde, "Staked USDe", "sUSDe", deployer, COOLDOWN, sender=deployer
    )
    vault.setRewarder(usde, True, sender=deployer)
    usde.setStakingVault(vault, sender=deployer)
    return vault
