"""The backend seam: one protocol for "run a block of ordered transactions at a timestamp, answer reads, fund
accounts, describe yourself", with two implementations: anvil over JSON-RPC (`sim.node.anvil`) and an
in-process EVM (`sim.node.inprocess`, pyrevm). Everything above `sim/node/` talks to a `Backend` only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sim.node.chain import BlockResult, TxRequest, Wallet
from sim.node.rpc import RpcError

BACKENDS = ("anvil", "revm")
# anvil's first development account (standard test mnemonic): it deploys and owns every contract.
FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
FUNDER_ADDRESS = bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")
CHAIN_ID = 31337
DEV_BALANCE_WEI = 1_000_000 * 10**18  # what anvil gives each development account


class BackendError(ValueError):
    """A backend that cannot be used as asked (unknown name, --rpc with the in-process EVM, missing package)."""


class Backend(Protocol):
    """A chain the simulator drives: blocks are made only by `send_block`, with the caller's order and time."""

    chain_id: int
    timestamp: int  # of the latest block
    number: int  # of the latest block

    def send_block(self, txs: Sequence[TxRequest], timestamp: int | None = None) -> BlockResult:
        """Execute `txs` in this order as one block at `timestamp` (default: one second after the last);
        return their receipts (status, gas, logs) in order. Nonces of the senders advance."""
        ...

    def call(self, to: bytes, data: bytes, block: str = "latest", sender: bytes | None = None) -> bytes:
        """One read on the latest state; a revert raises rpc.RpcError carrying the revert data."""
        ...

    def calls(self, requests: Sequence[tuple[bytes, bytes]], block: str = "latest") -> list[bytes | RpcError]:
        """Many reads at once; a reverted one comes back as an RpcError in its place."""
        ...

    def revert_data_many(self, tx_hashes: Sequence[bytes]) -> list[bytes]:
        """Revert data of failed transactions of the latest block."""
        ...

    def revert_data(self, tx_hash: bytes) -> bytes: ...

    def sync_nonce(self, wallet: Wallet) -> None:
        """Set `wallet.nonce` to the chain's next nonce for its address."""
        ...

    def fund(self, addresses: Sequence[bytes], wei: int) -> None:
        """Set each address's ether balance (gas money), without a transaction."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest records: backend name, version, whether gas figures are exact."""
        ...

    def close(self) -> None:
        """Release what the backend holds (stop a devnet it started, hand a node back as it was)."""
        ...


@dataclass(frozen=True)
class BackendOptions:
    """How to open a backend for one run."""

    kind: str = "anvil"
    rpc_url: str | None = None  # anvil only: a node that is already running
    genesis_timestamp: int | None = None
    anvil_args: tuple[str, ...] = ()


def check_kind(kind: str, rpc_url: str | None = None) -> None:
    """Reject an unknown backend, or --rpc with the in-process EVM, in one paragraph."""
    if kind not in BACKENDS:
        raise BackendError(
            f"backend {kind!r} is unknown: use 'anvil' (a local anvil devnet over JSON-RPC) or 'revm' (the "
            "in-process EVM, faster, for sweeps and large scenarios)."
        )
    if kind == "revm" and rpc_url is not None:
        raise BackendError(
            f"--rpc {rpc_url} needs the anvil backend: the in-process EVM (--backend revm) has no endpoint to "
            "connect to. Drop --rpc, or use --backend anvil to run on that node."
        )


def open_backend(options: BackendOptions) -> Backend:
    """Start (or connect to) the backend `options.kind`, with the funder funded as on an anvil devnet."""
    check_kind(options.kind, options.rpc_url)
    if options.kind == "revm":
        from sim.node.inprocess import InProcessBackend

        return InProcessBackend.create(
            genesis_timestamp=options.genesis_timestamp or 0,
            prefunded=[FUNDER_ADDRESS],
            chain_id=CHAIN_ID,
        )
    from sim.node.anvil import AnvilBackend

    if options.rpc_url is not None:
        return AnvilBackend.attach(options.rpc_url)
    return AnvilBackend.launch(genesis_timestamp=options.genesis_timestamp, extra_args=options.anvil_args)
