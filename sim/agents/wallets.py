"""Agents with more than one wallet: keys derived from the agent's own (one per venue it holds inventory on, one
for funds in transit), and moves of tokens between them that take a number of blocks, as a withdrawal from one
venue and a deposit into another do. A move is two real transfers: source -> transit now, transit -> destination
once the latency has elapsed, so the capital is unavailable meanwhile."""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_hash.auto import keccak

from sim.node.chain import TxRequest, Wallet
from sim.scenario.schema import Scenario
from sim.world.world import World

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
ON_CHAIN = "chain"  # where a pool that belongs to no venue trades


def sub_wallet(wallet: Wallet, label: str) -> Wallet:
    """A deterministic key derived from an agent's key and a label: the same agent always gets the same
    wallets, and no two labels (or agents) share one."""
    digest = keccak(b"cascade-sim/sub-wallet" + wallet.key.secret + label.encode())
    return Wallet.from_hex(f"{int.from_bytes(digest, 'big') % (SECP256K1_N - 1) + 1:064x}")


def venue_of(scenario: Scenario, pool: str) -> str:
    """The name of the venue a pool or book belongs to, or `chain` for an on-chain pool."""
    return next((v.name for v in scenario.venues if any(p.name == pool for p in v.pools)), ON_CHAIN)


@dataclass(frozen=True)
class Move:
    asset: str
    to: bytes
    amount: int
    due: int  # the block whose transactions deliver it


@dataclass
class Transit:
    """Latency-delayed moves through one transit wallet. With latency 0 a move is one direct transfer."""

    wallet: Wallet
    latency: int
    pending: list[Move] = field(default_factory=list)
    landing: list[Move] = field(default_factory=list)  # delivered by this block's transactions

    def send(
        self, world: World, source: Wallet, asset: str, to: bytes, amount: int, tag: str
    ) -> list[TxRequest]:
        """Start a move of `amount` of `asset` from `source` to `to`: the transaction sent this block."""
        token = world.market.tokens[asset]
        if self.latency == 0:
            return [token.tx(source, "transfer", to, amount, tag=tag)]
        self.pending.append(Move(asset, to, amount, world.block + self.latency))
        return [token.tx(source, "transfer", self.wallet.address, amount, tag=tag)]

    def arrivals(self, world: World, tag: str) -> list[TxRequest]:
        """The transfers out of transit whose latency has elapsed (sent this block, in the order started)."""
        due = self.landing = [m for m in self.pending if m.due <= world.block]
        if not due:
            return []
        self.pending = [m for m in self.pending if m.due > world.block]
        return [
            world.market.tokens[m.asset].tx(self.wallet, "transfer", m.to, m.amount, tag=tag) for m in due
        ]

    def in_flight(self, asset: str, to: bytes | None = None) -> int:
        """What is on its way (to `to`, or anywhere) of `asset`, counting what lands in this block (balances
        show it from the next)."""
        moves = self.pending + self.landing
        return sum(m.amount for m in moves if m.asset == asset and (to is None or m.to == to))
