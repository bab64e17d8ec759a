"""Arbitrageur: trades on-chain pools back toward the reference price, within its inventory."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from pydantic import Field

from sim.agents.base import Agent, Cause, SetupContext
from sim.agents.trading import (
    approvals,
    spenders_for,
    stableswap_input_to_price,
    swap_tx,
    units_usd,
    usd_units,
)
from sim.mirrors.orderbook import FEE_DENOMINATOR
from sim.node.chain import TxRequest
from sim.scenario.kinds import MAX_USD, AgentParams, Drawn, PoolName
from sim.world.world import BOOK_MAX_LEVELS, PoolView, World

WAD = 10**18


class ArbitrageurParams(AgentParams):
    """Trades the named on-chain pools back to the reference prices; holds `capital_usd` of each pool token."""

    pools: list[PoolName]
    capital_usd: Drawn = Field(default=10_000_000.0, ge=0, le=MAX_USD)
    min_edge_bps: float = Field(default=10.0, ge=0)
    max_trade_usd: Drawn = Field(default=5_000_000.0, ge=0, le=MAX_USD)


def cpmm_optimal_input(reserve_in: int, reserve_out: int, target_out_per_in: float) -> int:
    """The input that maximises `out - target * in` on a v2 pair (0.3% fee on the input): the trade stops where
    the next unit pays exactly `target` after the fee, d(out)/d(in) = 997*1000*R_in*R_out / (1000*R_in +
    997*in)^2 = target (raw units). 0 when even the first unit pays less."""
    root = math.sqrt(997 * 1000 * reserve_in * reserve_out / target_out_per_in)
    return max(0, int((root - 1000 * reserve_in) / 997))


@dataclass
class Arbitrageur(Agent[ArbitrageurParams]):
    kind = "arbitrageur"
    Params = ArbitrageurParams
    cause = Cause.EXOGENOUS

    def setup(self, ctx: SetupContext) -> list[TxRequest]:
        world = ctx.world
        infos = [world.pools[p].info for p in self.params.pools]
        tokens = sorted({t for info in infos for t in info.tokens})
        txs = [ctx.fund(t, self.wallet.address, usd_units(world, t, self.params.capital_usd)) for t in tokens]
        return txs + approvals(
            self.wallet, world.market, spenders_for(world.market, infos), tokens, self.name
        )

    def act(self, world: World, rng: np.random.Generator) -> list[TxRequest]:
        txs: list[TxRequest] = []
        for name in self.params.pools:
            view = world.pools[name]
            trade = self._trade(world, view)
            if trade is not None:
                txs.append(trade)
        return txs

    def _trade(self, world: World, view: PoolView) -> TxRequest | None:
        if view.book is not None:
            return self._book_trade(world, view)
        tokens = view.info.tokens
        min_edge = self.params.min_edge_bps / 10_000
        best: tuple[float, int, int, int] | None = None
        for i, a in enumerate(tokens):
            for j, b in enumerate(tokens):
                if i == j or a not in world.reference or b not in world.reference:
                    continue
                fair = (
                    world.reference[a] / world.reference[b] * 10 ** view.decimals[j] / 10 ** view.decimals[i]
                )
                balance = world.balance(self.wallet.address, a)
                cap = min(
                    balance, int(self.params.max_trade_usd / world.reference[a] * 10 ** view.decimals[i])
                )
                if cap <= 0:
                    continue
                # Trade while the next unit still pays the reference plus the edge, after the pool's fee:
                # the profit-maximising size, which leaves the pool within fee + edge of the reference.
                target = fair * (1 + min_edge)
                if view.cpmm is not None:
                    reserves = view.reserves()
                    amount = min(cap, cpmm_optimal_input(reserves[i], reserves[j], target))
                else:
                    probe = max(1, cap // 10_000)
                    if view.amount_out(a, b, probe, world.timestamp) < target * probe:
                        continue  # even the first slice does not pay: skip the search
                    amount = stableswap_input_to_price(view, i, j, target, cap, world.timestamp)
                if amount <= 0:
                    continue
                out = view.amount_out(a, b, amount, world.timestamp)
                edge = (
                    out / 10 ** view.decimals[j] * world.reference[b]
                    - amount / 10 ** view.decimals[i] * world.reference[a]
                )
                if edge > 0 and (best is None or edge > best[0]):
                    best = (edge, i, j, amount)
        if best is None:
            return None
        edge, i, j, amount = best
        out = view.amount_out(tokens[i], tokens[j], amount, world.timestamp)
        self.count("attempts")
        self.count("expected_edge_usd", edge)
        return swap_tx(
            self.wallet, world.market, view.info, tokens[i], tokens[j], amount, out * 995 // 1000, self.name
        )

    def _book_trade(self, world: World, view: PoolView) -> TxRequest | None:
        """An order book: sell base into the bids priced above the reference by more than the taker fee and the
        edge, or buy the asks priced below it by as much; the limit tick keeps the market order from going
        beyond, and the size is what rests up to it, within the inventory and max_trade_usd."""
        book = view.book
        assert book is not None
        base, quote = view.info.tokens
        if world.usd(base) <= 0 or world.usd(quote) <= 0:
            return None
        fair = world.usd(base) / world.usd(quote)
        margin = book.state.taker_fee_pips / FEE_DENOMINATOR + self.params.min_edge_bps / 10_000
        cap = usd_units(world, base, self.params.max_trade_usd)
        wallet = self.wallet
        best_bid, best_ask = book.best_bid()[1], book.best_ask()[1]
        floor = int(fair * (1 + margin) * WAD)
        if best_bid > floor:
            tick = book.price_to_tick_up(floor + 1)
            resting = sum(lv.base_volume for lv in book.levels(True, BOOK_MAX_LEVELS) if lv.tick >= tick)
            amount = min(resting, cap, world.balance(wallet.address, base))
            if amount <= 0:
                return None
            fill = book.preview(False, False, amount, tick, BOOK_MAX_LEVELS)
            return self._book_order(world, view, "sellBase", tick, (amount, fill.amounts[1]))
        ceiling = int(fair * (1 - margin) * WAD)
        if best_ask == 0 or best_ask >= ceiling or ceiling <= 0:
            return None
        tick = book.price_to_tick_down(ceiling - 1)
        fill = book.preview(True, False, cap, tick, BOOK_MAX_LEVELS)
        spend = min(fill.quote, world.balance(wallet.address, quote))
        if spend <= 0:
            return None
        bought = book.preview(True, True, spend, tick, BOOK_MAX_LEVELS)
        return self._book_order(world, view, "spendQuote", tick, (bought.amounts[0], spend))

    def _book_order(
        self, world: World, view: PoolView, fn: str, tick: int, amounts: tuple[int, int]
    ) -> TxRequest:
        """A market order limited at `tick` (sellBase gives the base, spendQuote the quote: `amounts` are the
        base and quote it moves, as previewed), counted with its expected edge at the reference prices."""
        base, quote = view.info.tokens
        base_usd, quote_usd = units_usd(world, base, amounts[0]), units_usd(world, quote, amounts[1])
        self.count("attempts")
        self.count("expected_edge_usd", quote_usd - base_usd if fn == "sellBase" else base_usd - quote_usd)
        given = amounts[0] if fn == "sellBase" else amounts[1]
        wallet = self.wallet
        return view.info.handle.tx(wallet, fn, given, tick, 0, BOOK_MAX_LEVELS, wallet.address, tag=self.name)
