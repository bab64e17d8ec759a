"""Lending agents: the USDe looper, the leveraged ETH/BTC borrower and the liquidation bot."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.agents.base import Agent, SetupContext
from sim.agents.trading import MAX_UINT, approvals, best_quote, spenders_for, swap_tx
from sim.mirrors.lending import (
    FLASHLOAN_PREMIUM_BPS,
    RAY,
    EModeCategory,
    LiquidationError,
    Position,
    liquidation_amounts,
    percent_mul_ceil,
)
from sim.node.artifacts import load_artifact
from sim.node.chain import TxRequest, Wallet
from sim.node.contracts import DEPLOY_GAS, Handle, abi_of, create_address
from sim.world.lending import LendingView
from sim.world.world import World

VARIABLE_RATE = 2


def supply_and_borrow(
    wallet: Wallet, world: World, pool: Handle, collateral: str, amount: int, debt: str, borrow: int, tag: str
) -> list[TxRequest]:
    """Supply `amount` of collateral for oneself, then borrow `borrow` of `debt` at the variable rate."""
    tokens = world.market.tokens
    return [
        pool.tx(wallet, "supply", tokens[collateral].address, amount, wallet.address, 0, tag=tag),
        pool.tx(wallet, "borrow", tokens[debt].address, borrow, VARIABLE_RATE, 0, wallet.address, tag=tag),
    ]


def _units(world: World, asset: str, usd: float) -> int:
    return world.market.units(asset, usd / world.reference[asset])


@dataclass
class Looper(Agent):
    """Supplies the synthetic dollar, borrows a stable against it in e-mode and holds the loop at
    `leverage`; unwinds a slice per block on a margin call, on negative carry or when risk-off hits."""

    kind = "looper"

    view: LendingView | None = None
    collateral: str = "USDe"
    debt: str = "USDC"
    capital_usd: float = 100_000.0
    leverage: float = 5.0
    emode: int = 1
    carry_apy: float = 0.10
    unwind_hf: float = 1.01
    unwind_fraction: float = 0.2
    risk_asset: str = "WETH"
    risk_off_drawdown: float = 1.0
    sell_pools: list[str] = field(default_factory=list)
    peak: float = 0.0
    unwinding: bool = False

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        world, pool = ctx.world, self.view.pool
        exposure = _units(world, self.collateral, self.capital_usd * self.leverage)
        borrow = _units(world, self.debt, self.capital_usd * (self.leverage - 1))
        tag = self.name
        return [
            ctx.fund(self.collateral, self.wallet.address, exposure),
            *approvals(self.wallet, world.market, [pool.address], [self.collateral, self.debt], tag),
            *approvals(
                self.wallet,
                world.market,
                spenders_for(world.market, [world.pools[p].info for p in self.sell_pools]),
                [self.collateral],
                tag,
            ),
            pool.tx(self.wallet, "setUserEMode", self.emode, tag=tag),
            *supply_and_borrow(self.wallet, world, pool, self.collateral, exposure, self.debt, borrow, tag),
            # The borrowed stable bought the extra collateral: hand it back to the funder who sold it.
            world.market.tokens[self.debt].tx(self.wallet, "transfer", ctx.funder.address, borrow, tag=tag),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        positions = self.view.positions(self.wallet.address)
        if self.debt not in positions or positions[self.debt].debt == 0:
            return []
        self.peak = max(self.peak, world.reference.get(self.risk_asset, 0.0))
        data = self.view.account(self.wallet.address, positions)
        hf = data.health_factor / 1e18
        borrow_apy = self.view.reserves[self.debt].borrow_rate / RAY
        carry = world.synthetic.funding_apy if world.synthetic is not None else self.carry_apy
        drawdown = 1 - world.reference.get(self.risk_asset, self.peak) / self.peak if self.peak else 0.0
        if drawdown >= self.risk_off_drawdown:
            self.unwinding = True
        reason = (
            "margin_call"
            if hf < self.unwind_hf
            else "negative_carry"
            if borrow_apy > carry
            else "risk_off"
            if self.unwinding
            else ""
        )
        if not reason:
            return []
        return self._unwind(world, positions[self.collateral].supplied, data.total_debt_base, reason)

    def _unwind(self, world: World, supplied: int, debt_base: int, reason: str) -> list[TxRequest]:
        assert self.view is not None
        prices = self.view.prices()
        emode = self.view.emode_of(self.wallet.address)
        lt = (
            emode.liquidation_threshold
            if emode is not None
            else self.view.params[self.collateral].liquidation_threshold
        )
        unit = 10 ** world.market.decimals[self.collateral]
        # Keep HF >= 1.005 after the withdrawal: collateral value x LT >= 1.005 x debt.
        keep = int(debt_base * 1.005 * 10_000 / lt * unit / prices[self.collateral]) + 1
        amount = min(int(supplied * self.unwind_fraction), supplied - keep)
        if amount <= 0:
            return []
        quote = best_quote(world, self.sell_pools, self.collateral, self.debt, amount)
        if quote is None or quote.amount_out == 0:
            return []
        repay = quote.amount_out * 999 // 1000
        pool, tokens = self.view.pool, world.market.tokens
        self.count(f"unwind_{reason}")
        self.count("unwound_usd", amount / unit * world.reference.get(self.collateral, 1.0))
        return [
            pool.tx(
                self.wallet,
                "withdraw",
                tokens[self.collateral].address,
                amount,
                self.wallet.address,
                tag=self.name,
            ),
            swap_tx(
                self.wallet,
                world.market,
                quote.pool.info,
                self.collateral,
                self.debt,
                amount,
                repay,
                self.name,
            ),
            pool.tx(
                self.wallet,
                "repay",
                tokens[self.debt].address,
                repay,
                VARIABLE_RATE,
                self.wallet.address,
                tag=self.name,
            ),
        ]


@dataclass
class Borrower(Agent):
    """A leveraged long: supplies ETH-like collateral, borrows a stable to a target health factor, holds."""

    kind = "borrower"
    passive = True

    view: LendingView | None = None
    collateral: str = "WETH"
    debt: str = "USDC"
    capital_usd: float = 100_000.0
    health_factor: float = 1.3

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        world, pool = ctx.world, self.view.pool
        amount = _units(world, self.collateral, self.capital_usd)
        lt = self.view.params[self.collateral].liquidation_threshold / 10_000
        ltv = self.view.params[self.collateral].ltv / 10_000
        borrow_usd = self.capital_usd * min(lt / self.health_factor, ltv * 0.999)
        borrow = _units(world, self.debt, borrow_usd)
        tag = self.name
        return [
            ctx.fund(self.collateral, self.wallet.address, amount),
            *approvals(self.wallet, world.market, [pool.address], [self.collateral], tag),
            *supply_and_borrow(self.wallet, world, pool, self.collateral, amount, self.debt, borrow, tag),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        return []


@dataclass
class LiquidationBot(Agent):
    """Liquidates accounts the view flags (exact mirror check), within its capital, and sells the seized
    collateral on the on-chain AMMs in the same block. Bots compete on priority (gas)."""

    kind = "liquidation_bot"

    view: LendingView | None = None
    capital_usd: float = 1_000_000.0
    max_per_block: int = 10
    sell_pools: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        world = ctx.world
        txs = [ctx.fund(s, self.wallet.address, _units(world, s, self.capital_usd)) for s in self.stables]
        txs += approvals(self.wallet, world.market, [self.view.pool.address], self.stables, self.name)
        pools = [world.pools[p].info for p in self.sell_pools]
        sellable = sorted({t for p in pools for t in p.tokens})
        txs += approvals(self.wallet, world.market, spenders_for(world.market, pools), sellable, self.name)
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        view = self.view
        txs: list[TxRequest] = []
        budget = {s: world.balance(self.wallet.address, s) for s in self.stables}
        prices = view.prices()
        for user, _ in view.liquidatable()[: self.max_per_block]:
            positions = view.positions(user)
            debts = [a for a, p in positions.items() if p.debt > 0 and a in budget]
            collaterals = [a for a, p in positions.items() if p.supplied > 0 and p.collateral_enabled]
            if not debts or not collaterals:
                continue
            debt = max(debts, key=lambda a: positions[a].debt * prices[a] / 10 ** view.params[a].decimals)
            collateral = max(
                collaterals, key=lambda a: positions[a].supplied * prices[a] / 10 ** view.params[a].decimals
            )
            try:
                amounts = liquidation_amounts(
                    positions, prices, view.params, view.emode_of(user), collateral, debt, MAX_UINT
                )
                to_cover = min(amounts.debt_repaid, budget[debt])
                if to_cover < amounts.debt_repaid:
                    amounts = liquidation_amounts(
                        positions, prices, view.params, view.emode_of(user), collateral, debt, to_cover
                    )
                else:
                    # Ask for the maximum: the pool applies its close factor and collateral cap itself, where
                    # the mirror's rounded-up figure sent back could leave dust the pool refuses.
                    to_cover = MAX_UINT
            except LiquidationError:
                continue
            if amounts.debt_repaid == 0 or amounts.debt_repaid > budget[debt]:
                continue
            budget[debt] -= amounts.debt_repaid
            tokens = world.market.tokens
            txs.append(
                view.pool.tx(
                    self.wallet,
                    "liquidationCall",
                    tokens[collateral].address,
                    tokens[debt].address,
                    user,
                    to_cover,
                    False,
                    tag=self.name,
                )
            )
            self.count("liquidations")
            self.count("repaid_usd", view.usd(debt, amounts.debt_repaid))
            if collateral != debt and amounts.collateral_to_liquidator > 0:
                quote = best_quote(world, self.sell_pools, collateral, debt, amounts.collateral_to_liquidator)
                if quote is not None and quote.amount_out > 0:
                    txs.append(
                        swap_tx(
                            self.wallet,
                            world.market,
                            quote.pool.info,
                            collateral,
                            debt,
                            quote.amount_in,
                            0,
                            self.name,
                        )
                    )
        return txs


@dataclass(frozen=True)
class FlashPlan:
    collateral: str
    debt: str
    debt_to_cover: int  # what the mirror says the pool will take (the transaction asks for the maximum)
    flash_amount: int  # borrowed: that plus a margin for interest accrued before the block executes
    pool: str
    profit: int  # in the debt asset's base units, after the flash-loan premium


def flash_margin(amount: int) -> int:
    """The loan for a liquidation the mirror prices at `amount`: 0.1% more (interest accrues between the view
    and the block), returned unused with the loan."""
    return amount + amount // 1000 + 1


@dataclass
class FlashLiquidationBot(Agent):
    """Liquidates with no capital: its own FlashLiquidator contract flash-borrows the debt asset from the pool,
    liquidates, sells the seizure into a constant-product pair and repays, in one transaction. It sends only
    liquidations the mirrors predict profitable after the premium (the contract reverts the rest whole)."""

    kind = "flash_liquidation_bot"

    view: LendingView | None = None
    max_per_block: int = 10
    sell_pools: list[str] = field(default_factory=list)
    min_profit_usd: float = 0.0
    contract: Handle | None = None

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        """Deploys the bot's FlashLiquidator (its first transaction, so its address is known now)."""
        assert self.view is not None
        data = load_artifact("FlashLiquidator").bytecode + abi_of("FlashLiquidator").encode_constructor(
            self.view.pool.address
        )
        self.contract = Handle("FlashLiquidator", create_address(self.wallet.address, self.wallet.nonce))
        return [TxRequest(self.wallet, None, data, gas=DEPLOY_GAS, tag=self.name)]

    def contracts(self) -> dict[str, Handle]:
        return {f"bot:{self.name}": self.contract} if self.contract is not None else {}

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None and self.contract is not None
        txs: list[TxRequest] = []
        tokens = world.market.tokens
        for user, _ in self.view.liquidatable()[: self.max_per_block]:
            plan = self.plan(world, self.view.positions(user), self.view.emode_of(user))
            if plan is None:
                continue
            txs.append(
                self.contract.tx(
                    self.wallet,
                    "liquidate",
                    tokens[plan.collateral].address,
                    tokens[plan.debt].address,
                    user,
                    MAX_UINT,  # the pool applies its close factor and collateral cap: no dust from rounding
                    plan.flash_amount,
                    world.pools[plan.pool].info.handle.address,
                    self.view.units(plan.debt, self.min_profit_usd),  # enforced on chain too
                    tag=self.name,
                )
            )
            self.count("attempts")
            self.count("expected_profit_usd", self.view.usd(plan.debt, plan.profit))
        return txs

    def plan(
        self, world: World, positions: dict[str, Position], emode: EModeCategory | None
    ) -> FlashPlan | None:
        """The most profitable (collateral, debt, pair) liquidation of these positions, if it clears
        `min_profit_usd` after the flash-loan premium, predicted with the lending and AMM mirrors."""
        assert self.view is not None
        view = self.view
        prices = view.prices()
        best: FlashPlan | None = None
        debts = sorted(a for a, p in positions.items() if p.debt > 0)
        collaterals = sorted(a for a, p in positions.items() if p.supplied > 0 and p.collateral_enabled)
        for debt in debts:
            for collateral in collaterals:
                pools = [
                    n
                    for n in self.sell_pools
                    if world.pools[n].cpmm is not None
                    and set(world.pools[n].info.tokens) == {collateral, debt}
                ]  # a pair of the two (none when they are the same asset)
                if not pools:
                    continue
                try:
                    amounts = liquidation_amounts(
                        positions, prices, view.params, emode, collateral, debt, MAX_UINT
                    )
                except LiquidationError:
                    continue
                flash = flash_margin(amounts.debt_repaid)
                cash = world.balance(view.pool.address, debt)  # the reserve's: what flashLoanSimple can lend
                if flash > cash:
                    continue
                premium = percent_mul_ceil(flash, FLASHLOAN_PREMIUM_BPS)
                for name in pools:
                    out = world.pools[name].amount_out(
                        collateral, debt, amounts.collateral_to_liquidator, world.timestamp
                    )
                    profit = out - amounts.debt_repaid - premium
                    if view.usd(debt, profit) <= self.min_profit_usd:
                        continue
                    if best is None or profit > best.profit:
                        best = FlashPlan(collateral, debt, amounts.debt_repaid, flash, name, profit)
        return best
