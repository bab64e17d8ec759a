"""Building blocks agents share: approvals, swaps on either AMM kind, and finding the pool for a trade."""

from __future__ import annotations

from dataclasses import dataclass

from sim.market.builder import Market, PoolInfo
from sim.node.chain import TxRequest, Wallet
from sim.world.world import PoolView, World

MAX_UINT = 2**256 - 1
NO_DEADLINE = 2**64


@dataclass(frozen=True)
class Quote:
    pool: PoolView
    amount_in: int
    amount_out: int


def approvals(
    wallet: Wallet, market: Market, spenders: list[bytes], assets: list[str], tag: str
) -> list[TxRequest]:
    """Max approvals of `assets` to every spender (set once at set-up)."""
    return [market.tokens[a].tx(wallet, "approve", s, MAX_UINT, tag=tag) for a in assets for s in spenders]


def swap_tx(
    wallet: Wallet,
    market: Market,
    pool: PoolInfo,
    token_in: str,
    token_out: str,
    amount_in: int,
    min_out: int,
    tag: str,
) -> TxRequest:
    """One swap transaction: through the router for a constant-product pair, `exchange` on a StableSwap pool."""
    if pool.kind == "constant_product":
        path = [market.tokens[token_in].address, market.tokens[token_out].address]
        return market.contracts["router"].tx(
            wallet, "swapExactTokensForTokens", amount_in, min_out, path, wallet.address, NO_DEADLINE, tag=tag
        )
    i, j = pool.tokens.index(token_in), pool.tokens.index(token_out)
    return pool.handle.tx(wallet, "exchange", i, j, amount_in, min_out, tag=tag)


def spenders_for(market: Market, pools: list[PoolInfo]) -> list[bytes]:
    """Who must be approved to trade on these pools: the router for pairs, the pool itself for StableSwap."""
    out: list[bytes] = []
    for pool in pools:
        spender = (
            market.contracts["router"].address if pool.kind == "constant_product" else pool.handle.address
        )
        if spender not in out:
            out.append(spender)
    return out


def best_quote(world: World, pools: list[str], token_in: str, token_out: str, amount_in: int) -> Quote | None:
    """The pool among `pools` (names) that pays the most for amount_in, or None if none trades the pair."""
    best: Quote | None = None
    for name in pools:
        view = world.pools[name]
        if token_in not in view.info.tokens or token_out not in view.info.tokens:
            continue
        out = view.amount_out(token_in, token_out, amount_in, world.timestamp)
        if best is None or out > best.amount_out:
            best = Quote(view, amount_in, out)
    return best
