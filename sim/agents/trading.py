"""Building blocks agents share: amounts at reference prices, approvals, swaps on either AMM kind, finding the
pool for a trade, the StableSwap input that moves a pool to a price, and a lending supply-and-borrow."""

from __future__ import annotations

from dataclasses import dataclass

from sim.market.market import Market, PoolInfo
from sim.mirrors.orderbook.units import MAX_TICK
from sim.node.chain import TxRequest, Wallet
from sim.node.contracts import Handle
from sim.world.world import BOOK_MAX_LEVELS as BOOK_LEVELS
from sim.world.world import PoolView, World

MAX_UINT = 2**256 - 1
NO_DEADLINE = 2**64
VARIABLE_RATE = 2  # Aave's interestRateMode for variable-rate debt


@dataclass(frozen=True)
class Quote:
    pool: PoolView
    amount_in: int
    amount_out: int


def usd_units(world: World, asset: str, usd: float) -> int:
    """`usd` worth of `asset` at this block's reference price, in base units."""
    return world.market.units(asset, usd / world.reference[asset])


def units_usd(world: World, asset: str, amount: int) -> float:
    """What `amount` base units of `asset` are worth in USD at this block's reference price (usd_units'
    inverse)."""
    return amount / int(10 ** world.market.decimals[asset]) * world.usd(asset)


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
    limit_tick: int | None = None,
) -> TxRequest:
    """One swap transaction: through the router for a constant-product pair, `exchange` on a StableSwap pool, a
    market order on an order book (selling base into the bids, or spending quote on the asks; without a
    `limit_tick`, `min_out` is the only limit, so the order walks as far as it must)."""
    if pool.kind == "order_book":
        book = pool.handle
        if token_in == pool.tokens[0]:
            tick = 1 if limit_tick is None else limit_tick
            return book.tx(wallet, "sellBase", amount_in, tick, min_out, BOOK_LEVELS, wallet.address, tag=tag)
        tick = MAX_TICK if limit_tick is None else limit_tick
        return book.tx(wallet, "spendQuote", amount_in, tick, min_out, BOOK_LEVELS, wallet.address, tag=tag)
    if pool.kind == "constant_product":
        path = [market.tokens[token_in].address, market.tokens[token_out].address]
        return market.contracts[pool.router].tx(
            wallet, "swapExactTokensForTokens", amount_in, min_out, path, wallet.address, NO_DEADLINE, tag=tag
        )
    i, j = pool.tokens.index(token_in), pool.tokens.index(token_out)
    return pool.handle.tx(wallet, "exchange", i, j, amount_in, min_out, tag=tag)


def spenders_for(market: Market, pools: list[PoolInfo]) -> list[bytes]:
    """Who must be approved to trade on these pools: the router for pairs, the pool itself for StableSwap and
    order books."""
    out: list[bytes] = []
    for pool in pools:
        spender = (
            market.contracts[pool.router].address if pool.kind == "constant_product" else pool.handle.address
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


def stableswap_input_to_price(
    view: PoolView, i: int, j: int, target_out_per_in: float, cap: int, timestamp: int
) -> int:
    """Largest input whose last slice still pays at least `target_out_per_in` (binary search on the mirror)."""
    token_in, token_out = view.info.tokens[i], view.info.tokens[j]
    low, high = 0, cap
    for _ in range(40):
        if high - low <= max(1, cap // 10_000):
            break
        mid = (low + high) // 2
        slice_ = max(1, mid // 1000)
        marginal = view.amount_out(token_in, token_out, mid + slice_, timestamp) - view.amount_out(
            token_in, token_out, mid, timestamp
        )
        if marginal >= target_out_per_in * slice_:
            low = mid
        else:
            high = mid
    return low


def supply_and_borrow(
    wallet: Wallet, world: World, pool: Handle, collateral: str, amount: int, debt: str, borrow: int, tag: str
) -> list[TxRequest]:
    """Supply `amount` of collateral for oneself, then borrow `borrow` of `debt` at the variable rate."""
    tokens = world.market.tokens
    return [
        pool.tx(wallet, "supply", tokens[collateral].address, amount, wallet.address, 0, tag=tag),
        pool.tx(wallet, "borrow", tokens[debt].address, borrow, VARIABLE_RATE, 0, wallet.address, tag=tag),
    ]
