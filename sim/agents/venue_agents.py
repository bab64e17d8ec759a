"""Venue agents: leveraged cross-margin whales, market makers that pull liquidity, venue liquidators, and the
redeemer that buys discounted USDe on the venue and redeems it within the per-block cap."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from sim.agents.arbitrageur import stableswap_input_to_price
from sim.agents.base import Agent, SetupContext
from sim.agents.trading import MAX_UINT, approvals, swap_tx
from sim.mirrors.cpmm import get_amount_in
from sim.node.chain import TxRequest
from sim.world.venue import VenueView
from sim.world.world import PoolView, World

WAD = 10**18
MARKET_GROUP_BASE = 1
BORROW_GROUP_BASE = 65


def _units(world: World, asset: str, usd: float) -> int:
    return world.market.units(asset, usd / world.reference[asset])


@dataclass
class Whale(Agent):
    """A unified-margin account: several collateral assets, a stable loan spent on more USDe (the loop),
    and a leveraged long perp. `isolated` margins each position and loan with its own collateral only."""

    kind = "whale"
    passive = True

    view: VenueView | None = None
    capital_usd: float = 1_000_000.0
    collateral: dict[str, float] = field(default_factory=dict)
    loop_usd: float = 0.0
    loop_asset: str = "USDe"  # what the loan buys: the scenario's synthetic dollar
    perp: str = ""
    perp_leverage: float = 0.0
    isolated: bool = False
    market_ids: dict[str, int] = field(default_factory=dict)
    asset_ids: dict[str, int] = field(default_factory=dict)

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        assert self.view is not None
        world, venue, tag = ctx.world, self.view.handle, self.name
        tokens = world.market.tokens
        quote = self.view.quote
        amounts = {a: _units(world, a, self.capital_usd * w) for a, w in self.collateral.items()}
        loop_asset = self.loop_asset if self.loop_asset in amounts else next(iter(amounts))
        if self.loop_usd > 0:
            amounts[loop_asset] = amounts.get(loop_asset, 0) + _units(world, loop_asset, self.loop_usd)
        txs = [ctx.fund(a, self.wallet.address, x) for a, x in amounts.items()]
        txs += approvals(self.wallet, world.market, [venue.address], [*amounts, quote], tag)
        if self.isolated:
            txs.append(venue.tx(self.wallet, "setIsolatedMode", True, tag=tag))
        txs += [venue.tx(self.wallet, "deposit", tokens[a].address, x, tag=tag) for a, x in amounts.items()]
        borrow = _units(world, quote, self.loop_usd)
        size = (
            int(self.capital_usd * self.perp_leverage / world.reference[self.perp] * WAD) if self.perp else 0
        )
        if self.isolated:
            perp_group = MARKET_GROUP_BASE + self.market_ids.get(self.perp, 0)
            loan_group = BORROW_GROUP_BASE + self.asset_ids[quote]
            for asset, amount in amounts.items():
                group = perp_group if (asset == self.perp and size) or not borrow else loan_group
                txs.append(
                    venue.tx(self.wallet, "allocateMargin", group, tokens[asset].address, amount, tag=tag)
                )
        if borrow > 0:
            txs += [
                venue.tx(self.wallet, "borrow", tokens[quote].address, borrow, tag=tag),
                venue.tx(self.wallet, "withdraw", tokens[quote].address, borrow, tag=tag)
                if not self.isolated
                else venue.tx(
                    self.wallet,
                    "releaseMargin",
                    BORROW_GROUP_BASE + self.asset_ids[quote],
                    tokens[quote].address,
                    borrow,
                    tag=tag,
                ),
            ]
            if self.isolated:
                txs.append(venue.tx(self.wallet, "withdraw", tokens[quote].address, borrow, tag=tag))
            # The loan bought the extra USDe: pay the funder who sold it.
            txs.append(tokens[quote].tx(self.wallet, "transfer", ctx.funder.address, borrow, tag=tag))
        if size:
            txs.append(venue.tx(self.wallet, "openPosition", tokens[self.perp].address, size, tag=tag))
        return txs

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        return []


@dataclass
class MarketMaker(Agent):
    """Provides liquidity to the venue's pools; pulls it (keeping `residual`) when realized volatility or
    drawdown of the reference crosses its limits, and comes back after `calm_blocks` quiet blocks."""

    kind = "market_maker"

    pools: list[str] = field(default_factory=list)
    depth_usd: float = 10_000_000.0
    watch: str = "WETH"
    vol_window: int = 10
    vol_limit: float = 1.5
    drawdown_limit: float = 0.05
    residual: float = 0.05
    calm_blocks: int = 50
    history: deque[float] = field(default_factory=lambda: deque(maxlen=64))
    peak: float = 0.0
    pulled: bool = False
    calm: int = 0

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        txs: list[TxRequest] = []
        for name in self.pools:
            pool = world.pools[name].info
            for token in pool.tokens:
                amount = _units(world, token, self.depth_usd / 2)
                txs.append(ctx.fund(token, pool.handle.address, amount))
            txs.append(pool.handle.tx(self.wallet, "mint", self.wallet.address, tag=self.name))
        return txs

    def _annualized_vol(self, seconds_per_block: float) -> float:
        if len(self.history) < 3:
            return 0.0
        values = list(self.history)[-self.vol_window - 1 :]
        returns = np.diff(np.log(values))
        return float(np.std(returns) * math.sqrt(365 * 24 * 3600 / seconds_per_block))

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        price = world.reference.get(self.watch, 0.0)
        if price <= 0:
            return []
        self.history.append(price)
        self.peak = max(self.peak, price)
        vol = self._annualized_vol(world.seconds_per_block)
        drawdown = 1 - price / self.peak
        stressed = vol > self.vol_limit or drawdown > self.drawdown_limit
        if stressed and not self.pulled:
            self.pulled = True
            self.calm = 0
            self.count("pulls")
            return self._remove(world, 1 - self.residual)
        if self.pulled:
            self.calm = self.calm + 1 if vol < self.vol_limit / 2 else 0
            if self.calm >= self.calm_blocks:
                self.pulled = False
                self.peak = price  # drawdown is measured from where the maker came back
                self.count("returns")
                return self._readd(world)
        return []

    def _remove(self, world: World, fraction: float) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for name in self.pools:
            pool = world.pools[name]
            lp = world.balance(self.wallet.address, f"lp:{name}")
            amount = int(lp * fraction)
            if amount <= 0:
                continue
            txs.append(
                pool.info.handle.tx(self.wallet, "transfer", pool.info.handle.address, amount, tag=self.name)
            )
            txs.append(pool.info.handle.tx(self.wallet, "burn", self.wallet.address, tag=self.name))
        return txs

    def _readd(self, world: World) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for name in self.pools:
            pool = world.pools[name]
            reserves = pool.reserves()
            balances = [world.balance(self.wallet.address, t) for t in pool.info.tokens]
            # Add at the pool's current ratio, as much as the inventory allows.
            share = min(b / r for b, r in zip(balances, reserves, strict=True) if r > 0)
            if share <= 0:
                continue
            share *= 0.999  # stay clear of rounding at the balance
            for token, reserve in zip(pool.info.tokens, reserves, strict=True):
                txs.append(
                    world.market.tokens[token].tx(
                        self.wallet, "transfer", pool.info.handle.address, int(reserve * share), tag=self.name
                    )
                )
            txs.append(pool.info.handle.tx(self.wallet, "mint", self.wallet.address, tag=self.name))
        return txs


@dataclass
class VenueLiquidator(Agent):
    """Calls the venue's liquidate on every account the mirror finds under maintenance (the reward pays gas)."""

    kind = "venue_liquidator"

    view: VenueView | None = None
    max_per_block: int = 20

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        assert self.view is not None
        targets = self.view.liquidatable()[: self.max_per_block]
        self.count("attempts", len(targets))
        return [
            self.view.handle.tx(self.wallet, "liquidate", account, tag=self.name, gas=12_000_000)
            for account in targets
        ]


@dataclass
class Redeemer(Agent):
    """Buys the synthetic dollar below `threshold` on a venue pool and redeems it for collateral within the
    per-block redemption cap: the rate-limited force that restores the peg."""

    kind = "redeemer"

    pool: str = ""
    symbol: str = "USDe"
    quote: str = "USDT"
    redeem_asset: str = "WETH"
    threshold: float = 0.995
    capital_usd: float = 10_000_000.0
    max_per_block_usd: float = 2_000_000.0

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        synthetic = world.market.contracts["synthetic"]
        pool = world.pools[self.pool].info
        return [
            ctx.fund(self.quote, self.wallet.address, _units(world, self.quote, self.capital_usd)),
            synthetic.tx(ctx.funder, "setRole", 1, self.wallet.address, True, tag="setup"),
            *approvals(
                self.wallet,
                world.market,
                [world.market.contracts["router"].address],
                [self.quote, self.symbol],
                self.name,
            ),
            world.market.tokens[self.symbol].tx(
                self.wallet, "approve", synthetic.address, MAX_UINT, tag=self.name
            ),
            *(
                []
                if pool.kind == "constant_product"
                else approvals(self.wallet, world.market, [pool.handle.address], [self.quote], self.name)
            ),
        ]

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        view = world.pools[self.pool]
        if world.synthetic is None or view.price(self.symbol, self.quote, world.timestamp) >= self.threshold:
            return []
        cap = min(world.synthetic.max_redeem_per_block, int(self.max_per_block_usd * 10**18))
        spend, wanted = self._purchase(world, view, cap)
        if spend <= 0 or wanted <= 0 or spend > world.balance(self.wallet.address, self.quote):
            return []
        synthetic = world.market.contracts["synthetic"]
        self.count("bought_usd", spend / 10 ** world.market.decimals[self.quote])
        return [
            swap_tx(self.wallet, world.market, view.info, self.quote, self.symbol, spend, wanted, self.name),
            synthetic.tx(
                self.wallet,
                "redeem",
                world.market.tokens[self.redeem_asset].address,
                wanted,
                0,
                self.wallet.address,
                tag=self.name,
            ),
        ]

    def _purchase(self, world: World, view: PoolView, cap: int) -> tuple[int, int]:
        """(quote to spend, USDe it buys): up to the USDe that lifts the pool to the threshold, at most `cap`."""
        i, j = view.info.tokens.index(self.quote), view.info.tokens.index(self.symbol)
        unit_q, unit_s = 10 ** view.decimals[i], 10 ** view.decimals[j]
        if view.cpmm is not None:
            reserves = view.reserves()
            target_reserve = math.sqrt(reserves[i] * reserves[j] / (self.threshold * unit_q / unit_s))
            wanted = min(int(reserves[j] - target_reserve), cap)
            return (get_amount_in(wanted, reserves[i], reserves[j]), wanted) if wanted > 0 else (0, 0)
        # StableSwap: the largest spend whose last slice still buys USDe at or under the threshold.
        budget = min(world.balance(self.wallet.address, self.quote), cap * unit_q // unit_s)
        spend = stableswap_input_to_price(
            view, i, j, unit_s / (self.threshold * unit_q), budget, world.timestamp
        )
        return spend, view.amount_out(self.quote, self.symbol, spend, world.timestamp) * 999 // 1000
