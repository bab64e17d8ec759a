"""The backend seam: one protocol for "run a block of ordered transactions at a timestamp, answer reads, fund
accounts, describe yourself", with two implementations: anvil over JSON-RPC (`sim.node.anvil`) and an
in-process EVM (`sim.node.inprocess`, pyrevm); `sim.node.backends` opens one by name. Everything above
`sim/node/` talks to a `Backend` only."""

from __future__ import annotations

from collections.abc import Sequence
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
