"""A real Aave v3 market (npm `@aave/core-v3` 1.19.3: Aave v3.0.2) deployed from its artifacts beside our
LendingPool on one anvil, with the same reserves, parameters, e-mode and prices:

PoolAddressesProvider -> ACLManager -> the logic libraries linked into Pool (behind the provider's proxy) ->
PoolConfigurator (ConfiguratorLogic linked) -> AaveOracle over per-asset feeds that read our PriceOracle ->
AToken / StableDebtToken / VariableDebtToken implementations and one DefaultReserveInterestRateStrategy per
reserve -> initReserves and the configurator's setters. Our pool reads the same PriceOracle, so a price move is
one transaction seen by both markets.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact
from sim.node.chain import TxRequest, Wallet
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.npm_artifacts import NpmArtifact, aave_v3

from ..evmnet import DEPLOY_GAS, GAS, Net

BPS_TO_RAY = 10**23
RAY = 10**27


@dataclass(frozen=True)
class Listing:
    decimals: int
    price: int
    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int
    protocol_fee: int
    reserve_factor: int
    # optimal usage, base rate, slope1, slope2 (bps)
    rates: tuple[int, int, int, int]


LISTINGS: dict[str, Listing] = {
    "USDC": Listing(6, 10**8, 7500, 7800, 10450, 1000, 1000, (9000, 0, 400, 6000)),
    "WETH": Listing(18, 4_000 * 10**8, 8000, 8250, 10500, 1000, 1500, (8000, 0, 270, 8000)),
    "WBTC": Listing(8, 100_000 * 10**8, 7300, 7800, 10500, 1000, 2000, (4500, 0, 400, 30000)),
    "USDE": Listing(18, 10**8, 7200, 7500, 10850, 1000, 1000, (9000, 0, 500, 5000)),
}
STABLE_EMODE = 1
STABLE_EMODE_TERMS = (9000, 9200, 10300)
STABLE_EMODE_ASSETS = ("USDC", "USDE")
FLASH_PREMIUM_BPS = 5  # our pool's default; the real market is set to the same

OURS = {
    name: ContractAbi.from_abi(load_artifact(name).abi)
    for name in ("LendingPool", "PriceOracle", "MockERC20")
}


def aave_abi(source: str) -> ContractAbi:
    return ContractAbi.from_abi(aave_v3(source).abi)


AAVE_POOL = aave_abi("protocol/pool/Pool.sol/Pool")
AAVE_CONFIGURATOR = aave_abi("protocol/pool/PoolConfigurator.sol/PoolConfigurator")
AAVE_PROVIDER = aave_abi("protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider")
AAVE_ACL = aave_abi("protocol/configuration/ACLManager.sol/ACLManager")
AAVE_ATOKEN = aave_abi("protocol/tokenization/AToken.sol/AToken")
AAVE_DEBT = aave_abi("protocol/tokenization/VariableDebtToken.sol/VariableDebtToken")
AAVE_ORACLE = aave_abi("misc/AaveOracle.sol/AaveOracle")


@dataclass(frozen=True)
class Markets:
    """Both markets: addresses, the shared tokens and oracle, the tokens' Aave aToken and debt token."""

    net: Net
    tokens: dict[str, bytes]
    oracle: bytes
    ours: bytes
    real: bytes
    real_oracle: bytes
    a_tokens: dict[str, bytes]
    debt_tokens: dict[str, bytes]
    treasury: Wallet
    real_users: tuple[Wallet, ...]
    our_users: tuple[Wallet, ...]
    flash_receivers: tuple[bytes, bytes]  # (real, ours)


def _tx(sender: Wallet, to: bytes, abi: ContractAbi, fn: str, *args: Any) -> TxRequest:
    return TxRequest(sender, to, abi.fn(fn).encode(*args), gas=GAS)


def _read(net: Net, to: bytes, abi: ContractAbi, fn: str, *args: Any) -> Any:
    out = abi.fn(fn).decode(net.call(to, abi.fn(fn).encode(*args)))
    return out[0] if len(out) == 1 else out


def _address(value: str) -> bytes:
    return bytes.fromhex(value.removeprefix("0x"))


def _deploy_aave(
    net: Net, artifact: NpmArtifact, *args: Any, libraries: dict[str, bytes] | None = None
) -> bytes:
    return net.deploy(artifact.link(libraries or {}), ContractAbi.from_abi(artifact.abi), *args)


def deploy_real_market(
    net: Net, tokens: dict[str, bytes], oracle: bytes, treasury: Wallet
) -> tuple[bytes, bytes]:
    """Deploys Aave v3.0.2 from its artifacts and lists LISTINGS; returns (pool proxy, AaveOracle)."""
    admin = net.deployer
    provider = _deploy_aave(
        net,
        aave_v3("protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider"),
        "cascade-real",
        admin.address,
    )
    net.setup([_tx(admin, provider, AAVE_PROVIDER, "setACLAdmin", admin.address)])
    acl = _deploy_aave(net, aave_v3("protocol/configuration/ACLManager.sol/ACLManager"), provider)
    net.setup(
        [
            _tx(admin, provider, AAVE_PROVIDER, "setACLManager", acl),
            _tx(admin, acl, AAVE_ACL, "addPoolAdmin", admin.address),
        ]
    )
    logic = "protocol/libraries/logic"
    libraries: dict[str, bytes] = {}
    for name in ("SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic"):
        libraries[name] = _deploy_aave(net, aave_v3(f"{logic}/{name}.sol/{name}"))
    libraries["FlashLoanLogic"] = _deploy_aave(
        net, aave_v3(f"{logic}/FlashLoanLogic.sol/FlashLoanLogic"), libraries=libraries
    )
    pool_impl = _deploy_aave(net, aave_v3("protocol/pool/Pool.sol/Pool"), provider, libraries=libraries)
    configurator_logic = _deploy_aave(net, aave_v3(f"{logic}/ConfiguratorLogic.sol/ConfiguratorLogic"))
    configurator_impl = _deploy_aave(
        net,
        aave_v3("protocol/pool/PoolConfigurator.sol/PoolConfigurator"),
        libraries={"ConfiguratorLogic": configurator_logic},
    )
    net.setup(
        [
            _tx(admin, provider, AAVE_PROVIDER, "setPoolImpl", pool_impl),
            _tx(admin, provider, AAVE_PROVIDER, "setPoolConfiguratorImpl", configurator_impl),
        ]
    )
    pool = _address(_read(net, provider, AAVE_PROVIDER, "getPool"))
    configurator = _address(_read(net, provider, AAVE_PROVIDER, "getPoolConfigurator"))

    symbols = list(LISTINGS)
    feeds = [net.deploy_ours("TestPriceFeed", oracle, tokens[s]) for s in symbols]
    aave_oracle = _deploy_aave(
        net,
        aave_v3("misc/AaveOracle.sol/AaveOracle"),
        provider,
        [tokens[s] for s in symbols],
        feeds,
        b"\x00" * 20,
        b"\x00" * 20,
        10**8,
    )
    net.setup([_tx(admin, provider, AAVE_PROVIDER, "setPriceOracle", aave_oracle)])

    a_token = _deploy_aave(net, aave_v3("protocol/tokenization/AToken.sol/AToken"), pool)
    stable_debt = _deploy_aave(
        net, aave_v3("protocol/tokenization/StableDebtToken.sol/StableDebtToken"), pool
    )
    variable_debt = _deploy_aave(
        net, aave_v3("protocol/tokenization/VariableDebtToken.sol/VariableDebtToken"), pool
    )
    inputs = []
    for symbol in symbols:
        listing = LISTINGS[symbol]
        optimal, base, slope1, slope2 = (bps * BPS_TO_RAY for bps in listing.rates)
        strategy = _deploy_aave(
            net,
            aave_v3(
                "protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy"
            ),
            provider,
            optimal,
            base,
            slope1,
            slope2,
            0,
            0,
            0,
            0,
            0,
        )
        inputs.append(
            (
                a_token,
                stable_debt,
                variable_debt,
                listing.decimals,
                strategy,
                tokens[symbol],
                treasury.address,
                b"\x00" * 20,
                f"Aave {symbol}",
                f"a{symbol}",
                f"Aave variable debt {symbol}",
                f"variableDebt{symbol}",
                f"Aave stable debt {symbol}",
                f"stableDebt{symbol}",
                b"",
            )
        )
    c = AAVE_CONFIGURATOR
    # initReserves deploys three token proxies per reserve.
    net.setup([TxRequest(admin, configurator, c.fn("initReserves").encode(inputs), gas=DEPLOY_GAS)])
    setters = []
    for symbol in symbols:
        listing, token = LISTINGS[symbol], tokens[symbol]
        setters += [
            _tx(
                admin,
                configurator,
                c,
                "configureReserveAsCollateral",
                token,
                listing.ltv,
                listing.liquidation_threshold,
                listing.liquidation_bonus,
            ),
            _tx(admin, configurator, c, "setReserveBorrowing", token, True),
            _tx(admin, configurator, c, "setReserveFlashLoaning", token, True),
            _tx(admin, configurator, c, "setReserveFactor", token, listing.reserve_factor),
            _tx(admin, configurator, c, "setLiquidationProtocolFee", token, listing.protocol_fee),
        ]
    ltv, lt, bonus = STABLE_EMODE_TERMS
    setters += [
        _tx(
            admin, configurator, c, "setEModeCategory", STABLE_EMODE, ltv, lt, bonus, b"\x00" * 20, "stables"
        ),
        _tx(admin, configurator, c, "updateFlashloanPremiumTotal", FLASH_PREMIUM_BPS),
        # Our pool books the whole premium for the treasury; Aave splits it with suppliers unless told so.
        _tx(admin, configurator, c, "updateFlashloanPremiumToProtocol", 10_000),
    ]
    setters += [
        _tx(admin, configurator, c, "setAssetEModeCategory", tokens[s], STABLE_EMODE)
        for s in STABLE_EMODE_ASSETS
    ]
    net.setup(setters)
    return pool, aave_oracle


def deploy_our_market(net: Net, tokens: dict[str, bytes], oracle: bytes, treasury: Wallet) -> bytes:
    admin = net.deployer
    pool = net.deploy_ours("LendingPool", oracle, treasury.address)
    p = OURS["LendingPool"]
    txs = []
    for symbol, listing in LISTINGS.items():
        token = tokens[symbol]
        txs += [
            _tx(admin, pool, p, "initReserve", token, *listing.rates),
            _tx(
                admin,
                pool,
                p,
                "configureReserve",
                token,
                listing.ltv,
                listing.liquidation_threshold,
                listing.liquidation_bonus,
                listing.protocol_fee,
                listing.reserve_factor,
                0,
                0,
                True,
                True,
            ),
        ]
    ltv, lt, bonus = STABLE_EMODE_TERMS
    txs.append(_tx(admin, pool, p, "setEModeCategory", STABLE_EMODE, ltv, lt, bonus, "stables"))
    txs += [
        _tx(admin, pool, p, "setAssetEModeCategory", tokens[s], STABLE_EMODE) for s in STABLE_EMODE_ASSETS
    ]
    net.setup(txs)
    return pool


USER_FUNDS = 10**40  # token units minted to every user and flash receiver: no sequence runs out


def fund(net: Net, tokens: dict[str, bytes], holders: list[bytes], spenders: dict[bytes, bytes]) -> None:
    """Mints USER_FUNDS of every token to every holder; each wallet in `spenders` approves its market's pool."""
    admin = net.deployer
    net.setup(
        [
            _tx(admin, token, OURS["MockERC20"], "mint", holder, USER_FUNDS)
            for token in tokens.values()
            for holder in holders
        ]
    )
    wallets = {w.address: w for w in net.wallets}
    net.setup(
        [
            _tx(wallets[owner], token, OURS["MockERC20"], "approve", pool, 2**256 - 1)
            for token in tokens.values()
            for owner, pool in spenders.items()
        ]
    )


@pytest.fixture(scope="module")
def markets() -> Iterator[Markets]:
    with Devnet(DevnetConfig(accounts=16)) as devnet:
        net = Net(devnet)
        admin = net.deployer
        oracle = net.deploy_ours("PriceOracle", admin.address)
        tokens = {s: net.deploy_ours("MockERC20", s, s, listing.decimals) for s, listing in LISTINGS.items()}
        net.setup(
            [
                _tx(admin, oracle, OURS["PriceOracle"], "setFixedPrice", tokens[s], listing.price)
                for s, listing in LISTINGS.items()
            ]
        )
        treasury = net.wallets[1]
        real, real_oracle = deploy_real_market(net, tokens, oracle, treasury)
        ours = deploy_our_market(net, tokens, oracle, treasury)
        a_tokens, debt_tokens = {}, {}
        for symbol, token in tokens.items():
            data = _read(net, real, AAVE_POOL, "getReserveData", token)
            a_tokens[symbol] = _address(data[8])
            debt_tokens[symbol] = _address(data[10])
        receivers = (net.deploy_ours("TestFlashReceiver", real), net.deploy_ours("TestFlashReceiver", ours))
        real_users, our_users = tuple(net.wallets[2:5]), tuple(net.wallets[5:8])
        fund(
            net,
            tokens,
            [w.address for w in (*real_users, *our_users)] + list(receivers),
            {**{w.address: real for w in real_users}, **{w.address: ours for w in our_users}},
        )
        yield Markets(
            net,
            tokens,
            oracle,
            ours,
            real,
            real_oracle,
            a_tokens,
            debt_tokens,
            treasury,
            real_users,
            our_users,
            receivers,
        )
