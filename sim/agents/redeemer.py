"""Redeemer: buys the synthetic dollar below a threshold on a pool or order book and redeems it for collateral
within the per-block cap, the rate-limited force that restores the peg. With `recycle`, the collateral is sold
on chain and the quote comes back to the venue wallet only after the transfer latency, so the capital it can
bring to the venue is limited by how fast it moves."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field

from sim.agents.base import Agent, BuildContext, Cause, SetupContext
from sim.agents.trading import (
    MAX_UINT,
    approvals,
    spenders_for,
    stableswap_input_to_price,
    swap_tx,
    units_usd,
    usd_units,
)
from sim.agents.wallets import Transit, sub_wallet
from sim.mirrors.cpmm import get_amount_in
from sim.node.chain import TxRequest, Wallet
from sim.scenario.kinds import MAX_USD, AgentParams, AssetName, Drawn, PoolName
from sim.world.world import BOOK_MAX_LEVELS, PoolView, World

MINTER_ROLE = 1  # SyntheticDollar's role for whitelisted minters and redeemers


class RedeemerParams(AgentParams):
    """Buys USDe under `threshold` on `pool` and redeems it for `redeem_asset` within the cap."""

    requires = ("synthetic",)

    pool: PoolName
    quote: AssetName = "USDT"
    redeem_asset: AssetName = "WETH"
    threshold: float = Field(default=0.995, gt=0)
    capital_usd: Drawn = Field(default=10_000_000.0, ge=0, le=MAX_USD)
    max_per_block_usd: Drawn = Field(default=2_000_000.0, ge=0, le=MAX_USD)
    recycle: bool = Field(
        default=False,
        description="sell the redeemed collateral on `sell_pool` and bring the quote back to the venue wallet",
    )
    sell_pool: PoolName | None = Field(
        default=None, description="recycle: the on-chain pool of redeem_asset/quote"
    )
    transfer_latency_blocks: int = Field(
        default=0, ge=0, le=100_000, description="recycle: blocks the quote takes to reach the venue wallet"
    )

    @classmethod
    def check_scenario(cls, spec: BaseModel) -> None:
        recycle = getattr(spec, "recycle", False)
        if recycle and getattr(spec, "sell_pool", None) is None:
            raise ValueError(
                "recycle: true needs `sell_pool`, the on-chain pool of redeem_asset/quote to sell into"
            )
        if not recycle and getattr(spec, "transfer_latency_blocks", None):
            raise ValueError("transfer_latency_blocks delays the recycled quote; it needs recycle: true")


@dataclass
class Redeemer(Agent[RedeemerParams]):
    """Buys the synthetic dollar below `threshold` on a venue pool and redeems it for collateral within the
    per-block redemption cap: the rate-limited force that restores the peg."""

    kind = "redeemer"
    Params = RedeemerParams
    cause = Cause.REDEMPTION

    symbol: str = "USDe"
    chain_wallet: Wallet | None = None  # recycle: where the redeemed collateral lands and is sold
    transit: Transit | None = None

    def bind(self, ctx: BuildContext, rng: np.random.Generator) -> None:
        assert ctx.scenario.synthetic is not None
        p = self.params
        self.symbol = ctx.scenario.synthetic.symbol
        view = ctx.world.pools[p.pool]
        if view.book is not None and view.info.tokens != (self.symbol, p.quote):
            raise ValueError(
                f"{self.name}: the order book {p.pool} trades {list(view.info.tokens)}; a redeemer buys "
                f"{self.symbol} with {p.quote} on a [{self.symbol}, {p.quote}] book"
            )
        if p.recycle:
            assert p.sell_pool is not None
            tokens = ctx.world.pools[p.sell_pool].info.tokens
            if p.redeem_asset not in tokens or p.quote not in tokens:
                raise ValueError(
                    f"{self.name}: sell_pool {p.sell_pool} trades {list(tokens)}; recycling sells "
                    f"{p.redeem_asset} for {p.quote}, so name a pool of both"
                )
            self.chain_wallet = sub_wallet(self.wallet, "chain")
            self.transit = Transit(sub_wallet(self.wallet, "transit"), p.transfer_latency_blocks)

    def wallets(self) -> list[Wallet]:
        if self.chain_wallet is None or self.transit is None:
            return [self.wallet]
        return [self.wallet, self.chain_wallet, self.transit.wallet]

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        p, world = self.params, ctx.world
        synthetic = world.market.contracts["synthetic"]
        pool = world.pools[p.pool].info
        return [
            ctx.fund(p.quote, self.wallet.address, usd_units(world, p.quote, p.capital_usd)),
            synthetic.tx(ctx.funder, "setRole", MINTER_ROLE, self.wallet.address, True, tag="setup"),
            *approvals(
                self.wallet,
                world.market,
                [world.market.contracts[pool.router].address],
                [p.quote, self.symbol],
                self.name,
            ),
            world.market.tokens[self.symbol].tx(
                self.wallet, "approve", synthetic.address, MAX_UINT, tag=self.name
            ),
            *(
                []
                if pool.kind == "constant_product"
                else approvals(self.wallet, world.market, [pool.handle.address], [p.quote], self.name)
            ),
            *self._recycle_setup(ctx),
        ]

    def _recycle_setup(self, ctx: SetupContext) -> list[TxRequest]:
        if self.chain_wallet is None or self.params.sell_pool is None:
            return []
        market = ctx.world.market
        spenders = spenders_for(market, [ctx.world.pools[self.params.sell_pool].info])
        return approvals(self.chain_wallet, market, spenders, [self.params.redeem_asset], self.name)

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        recycled = self._recycle(world)
        return recycled + self._redeem(world)

    def _redeem(self, world: World) -> list[TxRequest]:
        p = self.params
        view = world.pools[p.pool]
        if world.synthetic is None or view.price(self.symbol, p.quote, world.timestamp) >= p.threshold:
            return []
        cap = min(world.synthetic.max_redeem_per_block, int(p.max_per_block_usd * 10**18))
        spend, wanted = self._purchase(world, view, cap)
        if spend <= 0 or wanted <= 0 or spend > world.balance(self.wallet.address, p.quote):
            return []
        synthetic = world.market.contracts["synthetic"]
        self.count("attempted_purchase_usd", spend / 10 ** world.market.decimals[p.quote])
        limit = self._limit_tick(view) if view.book is not None else None
        recipient = self.chain_wallet.address if self.chain_wallet is not None else self.wallet.address
        return [
            swap_tx(
                self.wallet, world.market, view.info, p.quote, self.symbol, spend, wanted, self.name, limit
            ),
            synthetic.tx(
                self.wallet,
                "redeem",
                world.market.tokens[p.redeem_asset].address,
                wanted,
                0,
                recipient,
                tag=self.name,
            ),
        ]

    def _recycle(self, world: World) -> list[TxRequest]:
        """Recycling: quote that has arrived through transit lands in the venue wallet; the chain wallet sells
        the collateral it holds and starts moving the quote it holds to the venue wallet."""
        chain, transit, p = self.chain_wallet, self.transit, self.params
        if chain is None or transit is None or p.sell_pool is None:
            return []
        txs = transit.arrivals(world, self.name)
        collateral = world.balance(chain.address, p.redeem_asset)
        if collateral > 0:
            pool = world.pools[p.sell_pool]
            out = pool.amount_out(p.redeem_asset, p.quote, collateral, world.timestamp)
            if out > 0:
                txs.append(
                    swap_tx(
                        chain,
                        world.market,
                        pool.info,
                        p.redeem_asset,
                        p.quote,
                        collateral,
                        out * 995 // 1000,
                        self.name,
                    )
                )
        proceeds = world.balance(chain.address, p.quote)
        if proceeds > 0:
            txs += transit.send(world, chain, p.quote, self.wallet.address, proceeds, self.name)
            self.count("recycled_usd", units_usd(world, p.quote, proceeds))
        return txs

    def _limit_tick(self, view: PoolView) -> int:
        """The highest ask tick a purchase may take on a book: priced at or under the threshold."""
        assert view.book is not None
        return view.book.price_to_tick_down(int(self.params.threshold * 10**18))

    def _purchase(self, world: World, view: PoolView, cap: int) -> tuple[int, int]:
        """(quote to spend, USDe it buys): up to the USDe that lifts the pool to the threshold, at most `cap`."""
        p = self.params
        i, j = view.info.tokens.index(p.quote), view.info.tokens.index(self.symbol)
        unit_q, unit_s = 10 ** view.decimals[i], 10 ** view.decimals[j]
        if view.book is not None:
            # A book: the asks at or under the threshold, up to the cap (gross of the taker's fee), within
            # the quote held.
            tick = self._limit_tick(view)
            need = view.book.preview(True, False, cap, tick, BOOK_MAX_LEVELS).quote
            spend = min(need, world.balance(self.wallet.address, p.quote))
            if spend <= 0:
                return 0, 0
            bought = view.book.preview(True, True, spend, tick, BOOK_MAX_LEVELS).amounts[0]
            return spend, bought * 999 // 1000
        if view.cpmm is not None:
            reserves = view.reserves()
            target_reserve = math.sqrt(reserves[i] * reserves[j] / (p.threshold * unit_q / unit_s))
            wanted = min(int(reserves[j] - target_reserve), cap)
            return (get_amount_in(wanted, reserves[i], reserves[j]), wanted) if wanted > 0 else (0, 0)
        # StableSwap: the largest spend whose last slice still buys USDe at or under the threshold.
        budget = min(world.balance(self.wallet.address, p.quote), cap * unit_q // unit_s)
        spend = stableswap_input_to_price(
            view, i, j, unit_s / (p.threshold * unit_q), budget, world.timestamp
        )
        return spend, view.amount_out(p.quote, self.symbol, spend, world.timestamp) * 999 // 1000
