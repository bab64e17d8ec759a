"""Gas of the order book's operations, measured from receipts on a fresh anvil: placing (a new level, joining a
level, a ladder), cancelling, re-quoting, claiming, and market orders that sweep 1, 5 and 20 levels.

The market is USDe (18 decimals) / USDT (6) with 0.0001 ticks and 0.1% / 0.2% fees; every maker and the taker
already hold both tokens and have approved the book, and each measured maker already has an order resting
(so owner-list and balance slots are warm, as for a market maker re-quoting), except where a row says "first".
Run: .venv/bin/python benchmarks/orderbook_gas.py (needs `ape compile`); benchmarks/gas_table.py puts the table
in docs/gas.md.
"""

from __future__ import annotations

from typing import Any

from sim.node.chain import Chain, Wallet
from sim.node.contracts import Deployer, Handle
from sim.node.devnet import Devnet, DevnetConfig

E18, E6 = 10**18, 10**6
MAX_UINT = 2**256 - 1
MAX_TICK = 2**24 - 1
MID = 10_000  # price 1.0


class Bench:
    """Sends one transaction per block and keeps its gas."""

    def __init__(self, chain: Chain, book: Handle) -> None:
        self.chain, self.book = chain, book
        self.rows: list[tuple[str, int]] = []

    def send(self, wallet: Wallet, fn: str, *args: Any, handle: Handle | None = None) -> int:
        target = handle or self.book
        block = self.chain.send_block([target.tx(wallet, fn, *args, gas=30_000_000)])
        (result,) = block.txs
        if not result.success:
            raise RuntimeError(f"{target.name}.{fn}{args} reverted")
        return result.gas_used

    def measure(self, label: str, wallet: Wallet, fn: str, *args: Any) -> int:
        gas = self.send(wallet, fn, *args)
        self.rows.append((label, gas))
        return gas

    def ids(self, owner: Wallet) -> list[int]:
        return list(self.book.read(self.chain, "ordersOf", owner.address))


def ladder(is_bid: bool, levels: int, per_level: int, start: int) -> list[tuple[bool, int, int]]:
    step = -1 if is_bid else 1
    return [(is_bid, start + step * i, E18) for i in range(levels) for _ in range(per_level)]


def measure() -> list[tuple[str, int]]:
    """(operation, gas used) rows, in a fixed order."""
    with Devnet(DevnetConfig(accounts=4, base_fee=0, gas_limit=1_000_000_000)) as devnet:
        chain = Chain(devnet.url).connect()
        owner, maker, other, taker = (Wallet.from_hex(a.private_key) for a in devnet.accounts[:4])
        for wallet in (owner, maker, other, taker):
            chain.sync_nonce(wallet)
        deployer = Deployer(chain, owner)
        base = deployer.deploy("USDe", "MockERC20", "USDe", "USDe", 18)
        quote = deployer.deploy("USDT", "MockERC20", "USDT", "USDT", 6)
        deployer.flush()
        book = deployer.deploy("book", "OrderBook", base.address, quote.address, 10**14, 10**12, 1_000, 2_000)
        deployer.flush()
        for wallet in (maker, other, taker):
            deployer.call(base, "mint", wallet.address, 10**9 * E18)
            deployer.call(quote, "mint", wallet.address, 10**9 * E6)
        deployer.flush()
        bench = Bench(chain, book)
        bench.rows.append(("deploy OrderBook", deployer.deploy_gas["book"]))
        for wallet in (maker, other, taker):
            for token in (base, quote):
                bench.send(wallet, "approve", book.address, MAX_UINT, handle=token)
        _makers(bench, maker, other)
        for kind in ("sellBase", "buyBase", "spendQuote"):
            for levels in (1, 5, 20):
                _sweep(bench, maker, taker, kind, levels, 1)
        _sweep(bench, maker, taker, "sellBase", 20, 3)
    return bench.rows


def _makers(bench: Bench, maker: Wallet, other: Wallet) -> None:
    bench.measure("placeOrder: first order of an owner, new level", maker, "placeOrder", True, MID - 50, E18)
    bench.measure("placeOrder: new level", maker, "placeOrder", True, MID - 51, E18)
    bench.measure("placeOrder: joins a level (behind 1 order)", maker, "placeOrder", True, MID - 51, E18)
    bench.send(other, "placeOrder", False, MID + 50, E18)
    bench.measure("placeOrder: ask, new level", other, "placeOrder", False, MID + 51, E18)
    ten = ladder(True, 5, 1, MID - 1) + ladder(False, 5, 1, MID + 1)
    bench.measure("placeOrders: ladder of 10 (5 bids, 5 asks)", maker, "placeOrders", ten)
    ids = bench.ids(maker)  # newest first: the ladder's asks, its bids, then the three bids above
    bench.measure("cancelOrder: the last of a level of 2", maker, "cancelOrder", ids[-3])
    bench.measure("cancelOrder: empties the best level", maker, "cancelOrder", ids[4])  # the ask at MID + 1
    ids = bench.ids(maker)
    ladder_ids = ids[:9]
    shifted = ladder(True, 5, 1, MID - 2) + ladder(False, 5, 1, MID + 2)
    bench.measure("replaceOrders: re-quote 9 -> 10 orders", maker, "replaceOrders", ladder_ids, shifted)
    bench.measure("cancelOrders: 10 orders", maker, "cancelOrders", bench.ids(maker)[:10])
    bench.send(maker, "placeOrders", ladder(True, 5, 2, MID - 1))
    bench.measure("cancelAllOrders: 12 orders", maker, "cancelAllOrders", 100)
    bench.send(maker, "placeOrder", False, MID + 1, E18)
    bench.send(other, "buyBase", E18, MAX_TICK, MAX_UINT, 1, other.address)
    bench.measure("claim: 1 filled order", maker, "claim", bench.ids(maker)[:1])
    bench.send(other, "cancelAllOrders", 100)


def _sweep(bench: Bench, maker: Wallet, taker: Wallet, kind: str, levels: int, per_level: int) -> None:
    is_bid = kind == "sellBase"  # a sale takes bids
    start = MID - 100 if is_bid else MID + 100
    bench.send(maker, "placeOrders", ladder(is_bid, levels, per_level, start))
    volume = levels * per_level * E18
    if kind == "sellBase":
        args: tuple[Any, ...] = (volume, 0, 0, 1_000, taker.address)
    elif kind == "buyBase":
        args = (volume, MAX_TICK, MAX_UINT, 1_000, taker.address)
    else:
        cost = sum(E18 * (start + i) // 10**16 + 1 for i in range(levels)) * per_level
        args = (cost, MAX_TICK, 0, 1_000, taker.address)
    fills = levels * per_level
    label = f"{kind}: {levels} level{'s' if levels > 1 else ''}, {fills} fill{'s' if fills > 1 else ''}"
    bench.measure(label, taker, kind, *args)
    bench.send(maker, "cancelAllOrders", 1_000)


def table(rows: list[tuple[str, int]]) -> list[str]:
    lines = ["| operation | gas |", "|---|---:|"]
    lines += [f"| {label} | {gas:,} |" for label, gas in rows]
    return lines


def main() -> None:
    print("\n".join(table(measure())))


if __name__ == "__main__":
    main()
