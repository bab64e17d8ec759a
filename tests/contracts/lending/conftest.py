"""Lending fixtures: a LendingPool over a PriceOracle with USDC (6), WETH (18), WBTC (8) and USDe (18) reserves
on Aave-like parameters, a stablecoin e-mode at 90/92/103%, a liquidity whale, and a Market helper that
reads positions, prices and parameters off the chain in the mirror's types."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from sim.mirrors.fixed_point import unit
from sim.mirrors.lending import EModeCategory, Position, RateModel, ReserveParams, ReserveState
from tests.raw_calls import Read, read_many

MAX_UINT = 2**256 - 1
VARIABLE = 2
STABLE_EMODE = 1


@dataclass(frozen=True)
class Listing:
    decimals: int
    price: int
    ltv: int
    liquidation_threshold: int
    liquidation_bonus: int
    protocol_fee: int
    reserve_factor: int
    rates: RateModel
    supply_cap: int = 0
    borrow_cap: int = 0


LISTINGS: dict[str, Listing] = {
    "USDC": Listing(6, 10**8, 7500, 7800, 10450, 1000, 1000, RateModel(9000, 0, 400, 6000)),
    "WETH": Listing(18, 4_000 * 10**8, 8000, 8250, 10500, 1000, 1500, RateModel(8000, 0, 270, 8000)),
    "WBTC": Listing(8, 100_000 * 10**8, 7300, 7800, 10500, 1000, 2000, RateModel(4500, 0, 400, 30000)),
    "USDE": Listing(18, 10**8, 7200, 7500, 10850, 1000, 1000, RateModel(9000, 0, 500, 5000)),
}
STABLE_CATEGORY = EModeCategory(9000, 9200, 10300, frozenset({"USDC", "USDE"}), frozenset({"USDC", "USDE"}))


class Market:
    """The deployed market plus helpers that act as a role and read state in the mirror's types."""

    def __init__(self, pool: Any, oracle: Any, tokens: dict[str, Any], owner: Any) -> None:
        self.pool = pool
        self.oracle = oracle
        self.tokens = tokens
        self.owner = owner
        self.symbol_of = {token.address: symbol for symbol, token in tokens.items()}
        self._ids: dict[int, str] = {}

    def mint(self, account: Any, symbol: str, amount: int) -> None:
        self.tokens[symbol].mint(account, amount, sender=self.owner)

    def fund(self, account: Any, symbol: str, amount: int) -> None:
        """Mints `amount` to an externally owned `account` and lets the pool pull it."""
        token = self.tokens[symbol]
        token.mint(account, amount, sender=self.owner)
        if token.allowance(account, self.pool) < amount:
            token.approve(self.pool, MAX_UINT, sender=account)

    def supply(self, account: Any, symbol: str, amount: int) -> Any:
        self.fund(account, symbol, amount)
        return self.pool.supply(self.tokens[symbol], amount, account, 0, sender=account)

    def borrow(self, account: Any, symbol: str, amount: int) -> Any:
        return self.pool.borrow(self.tokens[symbol], amount, VARIABLE, 0, account, sender=account)

    def zero_rates(self, *symbols: str) -> None:
        """Sets a flat 0% rate model on `symbols`, so indexes stay at 1 and amounts stay exact."""
        for symbol in symbols:
            self.pool.setReserveInterestRateData(self.tokens[symbol], 9000, 0, 0, 0, sender=self.owner)

    def set_price(self, symbol: str, price: int) -> None:
        self.oracle.setFixedPrice(self.tokens[symbol], price, sender=self.owner)

    def prices(self) -> dict[str, int]:
        return {s: int(self.oracle.getAssetPrice(t)) for s, t in self.tokens.items()}

    def params(self) -> dict[str, ReserveParams]:
        out = {}
        for symbol, token in self.tokens.items():
            d = self.pool.getReserveState(token)
            out[symbol] = ReserveParams(
                d.decimals, d.ltv, d.liquidationThreshold, d.liquidationBonus, d.liquidationProtocolFee
            )
        return out

    def positions(self, account: Any) -> dict[str, Position]:
        reads = [Read(self.pool, "getUserReserve", (account, token)) for token in self.tokens.values()]
        out = {}
        for symbol, r in zip(self.tokens, read_many(reads), strict=True):
            if r.scaledSupply or r.scaledDebt or r.usingAsCollateral:
                out[symbol] = Position(r.supplied, r.debt, r.usingAsCollateral)
        return out

    def emode(self, account: Any) -> EModeCategory | None:
        category = int(self.pool.getUserEMode(account))
        if category == 0:
            return None
        e = self.pool.getEModeCategory(category)
        if not self._ids:  # reserve ids never change once listed
            self._ids = {int(self.pool.getReserveState(t).id): s for s, t in self.tokens.items()}
        ids = self._ids
        return EModeCategory(
            e.ltv,
            e.liquidationThreshold,
            e.liquidationBonus,
            frozenset(s for i, s in ids.items() if (e.collateralBitmap >> i) & 1),
            frozenset(s for i, s in ids.items() if (e.borrowableBitmap >> i) & 1),
        )

    def reserve_state(self, symbol: str) -> ReserveState:
        d = self.pool.getReserveState(self.tokens[symbol])
        return ReserveState(
            liquidity_index=d.liquidityIndex,
            variable_borrow_index=d.variableBorrowIndex,
            liquidity_rate=d.currentLiquidityRate,
            borrow_rate=d.currentVariableBorrowRate,
            last_update=d.lastUpdateTimestamp,
            scaled_total_supply=d.scaledTotalSupply,
            scaled_total_debt=d.scaledTotalDebt,
            accrued_to_treasury=d.accruedToTreasury,
            virtual_balance=d.virtualUnderlyingBalance,
            deficit=d.deficit,
            reserve_factor=d.reserveFactor,
        )

    def rate_model(self, symbol: str) -> RateModel:
        d = self.pool.getReserveState(self.tokens[symbol])
        return RateModel(
            d.optimalUsageRatio, d.baseVariableBorrowRate, d.variableRateSlope1, d.variableRateSlope2
        )

    def account_data(self, account: Any) -> tuple[int, ...]:
        return tuple(int(x) for x in self.pool.getUserAccountData(account))


@pytest.fixture(scope="module", autouse=True)
def frozen_time(chain: Any) -> Iterator[None]:
    """Blocks share one timestamp until a test moves it (chain.mine(timestamp=...) or pending_timestamp), so
    interest accrues exactly where a test says and not with the wall clock."""
    chain.provider.make_request("anvil_setBlockTimestampInterval", [0])
    yield
    chain.provider.make_request("anvil_removeBlockTimestampInterval", [])


@pytest.fixture(scope="session")
def whale(accounts: Any) -> Any:
    """Supplies the liquidity everyone else borrows."""
    return accounts[8]


@pytest.fixture(scope="session")
def treasury(accounts: Any) -> Any:
    return accounts[9]


@pytest.fixture(scope="module")
def oracle(project: Any, deployer: Any) -> Any:
    return project.PriceOracle.deploy(deployer, sender=deployer)


@pytest.fixture(scope="module")
def tokens(create_token: Any) -> dict[str, Any]:
    return {symbol: create_token(symbol, listing.decimals) for symbol, listing in LISTINGS.items()}


@pytest.fixture(scope="module")
def pool(project: Any, deployer: Any, oracle: Any, treasury: Any) -> Any:
    """The pool, with the IPoolLens views (served through its fallback) in its ABI."""
    deployed = project.LendingPool.deploy(oracle, treasury, sender=deployer)
    return with_lens(project, deployed)


def with_lens(project: Any, pool: Any) -> Any:
    """`pool` as a contract whose ABI also has PoolViewModule's views (getReserveState, getConfiguration,
    ADDRESSES_PROVIDER), which the pool answers through its fallback."""
    own = [item.model_dump(mode="json", by_alias=True) for item in project.LendingPool.contract_type.abi]
    names = {item.get("name") for item in own}
    lens = [
        item.model_dump(mode="json", by_alias=True)
        for item in project.PoolViewModule.contract_type.abi
        if item.type == "function" and item.name not in names
    ]
    return ape.Contract(pool.address, abi=own + lens)


@pytest.fixture(scope="module")
def market(
    pool: Any,
    oracle: Any,
    tokens: dict[str, Any],
    deployer: Any,
    whale: Any,
    alice: Any,
    bob: Any,
    liquidator: Any,
    treasury: Any,
) -> Market:
    """The pool with every listing initialised and configured, the stable e-mode, and 10M USD of each asset
    supplied by the whale. (It asks for every role so they exist before ape's module snapshot.)"""
    m = Market(pool, oracle, tokens, deployer)
    for symbol, listing in LISTINGS.items():
        token = tokens[symbol]
        m.set_price(symbol, listing.price)
        rates = listing.rates
        pool.initReserve(
            token,
            rates.optimal_usage_ratio,
            rates.base_variable_borrow_rate,
            rates.variable_rate_slope1,
            rates.variable_rate_slope2,
            sender=deployer,
        )
        pool.configureReserve(
            token,
            listing.ltv,
            listing.liquidation_threshold,
            listing.liquidation_bonus,
            listing.protocol_fee,
            listing.reserve_factor,
            listing.supply_cap,
            listing.borrow_cap,
            True,
            True,
            sender=deployer,
        )
    category = STABLE_CATEGORY
    pool.setEModeCategory(
        STABLE_EMODE,
        category.ltv,
        category.liquidation_threshold,
        category.liquidation_bonus,
        "Stablecoins",
        sender=deployer,
    )
    for symbol in ("USDC", "USDE"):
        pool.setAssetEModeCategory(tokens[symbol], STABLE_EMODE, sender=deployer)
    for symbol, listing in LISTINGS.items():
        m.supply(whale, symbol, 10_000_000 * 10**8 * unit(listing.decimals) // listing.price)
        for role in (alice, bob, liquidator):
            tokens[symbol].approve(pool, MAX_UINT, sender=role)
    return m
