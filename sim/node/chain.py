"""The fast path to the devnet: local signing, explicit nonces, ordered batched JSON-RPC, mining, receipts.

ape's per-call API manages ~40 tx/s here; a block of transactions signed locally and sent in one JSON-RPC batch
runs at thousands. Transactions in a block are ordered by the position the caller gives them: each gets a unique
priority fee, highest first, and anvil (started with `--order fees`) mines them in that order, so the same
inputs always give the same block.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import coincurve
import rlp
from eth_hash.auto import keccak

from sim.node import rpc

DEFAULT_GAS = 3_000_000
# Priority fees count down from here; one wei apart keeps the order and costs nothing that matters.
BASE_TIP = 1_000_000_000


class ChainError(RuntimeError):
    """The node refused or dropped a transaction of a block; the message names which and why."""


def to_address(value: str | bytes) -> bytes:
    if isinstance(value, bytes):
        return value
    return bytes.fromhex(value.removeprefix("0x"))


def checksum(address: bytes | str) -> str:
    raw = to_address(address).hex()
    digest = keccak(raw.encode()).hex()
    return "0x" + "".join(c.upper() if int(digest[i], 16) >= 8 else c for i, c in enumerate(raw))


@dataclass
class Wallet:
    """A locally held key with its next nonce; one per agent (or per bot)."""

    key: coincurve.PrivateKey
    address: bytes
    nonce: int = 0

    @classmethod
    def from_hex(cls, private_key: str, nonce: int = 0) -> Wallet:
        key = coincurve.PrivateKey(bytes.fromhex(private_key.removeprefix("0x")))
        public = key.public_key.format(compressed=False)[1:]
        return cls(key=key, address=keccak(public)[-20:], nonce=nonce)

    @property
    def hex(self) -> str:
        return checksum(self.address)


@dataclass(frozen=True)
class TxRequest:
    """One transaction to put in the next block; `tag` names the acting agent in the event log."""

    sender: Wallet
    to: bytes | None
    data: bytes = b""
    value: int = 0
    gas: int = DEFAULT_GAS
    tag: str = ""


@dataclass(frozen=True)
class Log:
    address: bytes
    topics: tuple[bytes, ...]
    data: bytes
    log_index: int
    tx_index: int


@dataclass(frozen=True)
class TxResult:
    request: TxRequest
    tx_hash: bytes
    tx_index: int
    success: bool
    gas_used: int
    logs: tuple[Log, ...]
    contract_address: bytes | None


@dataclass(frozen=True)
class BlockResult:
    number: int
    timestamp: int
    txs: tuple[TxResult, ...]
    hash: str = ""


def sign_dynamic_fee_tx(
    wallet: Wallet, chain_id: int, nonce: int, tip: int, max_fee: int, request: TxRequest
) -> tuple[bytes, bytes]:
    """EIP-1559 transaction bytes and hash, byte-for-byte what eth-account produces."""
    fields: list[Any] = [
        chain_id,
        nonce,
        tip,
        max_fee,
        request.gas,
        request.to or b"",
        request.value,
        request.data,
        [],
    ]
    digest = keccak(b"\x02" + rlp.encode(fields))
    signature = wallet.key.sign_recoverable(digest, hasher=None)
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:64], "big")
    raw = b"\x02" + rlp.encode([*fields, signature[64], r, s])
    return raw, keccak(raw)


def _int(value: str | None) -> int:
    return int(value, 16) if value else 0


def _call_object(to: bytes, data: bytes, sender: bytes | None) -> dict[str, str]:
    call = {"to": "0x" + to.hex(), "data": "0x" + data.hex()}
    if sender is not None:
        call["from"] = "0x" + sender.hex()
    return call


def _parse_log(entry: dict[str, Any]) -> Log:
    return Log(
        address=to_address(entry["address"]),
        topics=tuple(to_address(t) for t in entry["topics"]),
        data=to_address(entry["data"]),
        log_index=_int(entry["logIndex"]),
        tx_index=_int(entry["transactionIndex"]),
    )


@dataclass
class Chain:
    """A devnet reached over JSON-RPC with automine off: `send_block` is the only way blocks are made."""

    url: str
    chain_id: int = 0
    base_fee: int = 0
    timestamp: int = 0
    number: int = 0
    calls_made: int = field(default=0, init=False)

    def connect(self) -> Chain:
        self.chain_id = _int(rpc.call(self.url, "eth_chainId"))
        rpc.call(self.url, "evm_setAutomine", [False])
        latest = rpc.call(self.url, "eth_getBlockByNumber", ["latest", False])
        self.base_fee = _int(latest.get("baseFeePerGas"))
        self.timestamp = _int(latest["timestamp"])
        self.number = _int(latest["number"])
        return self

    def sync_nonce(self, wallet: Wallet) -> None:
        wallet.nonce = _int(
            rpc.call(self.url, "eth_getTransactionCount", ["0x" + wallet.address.hex(), "pending"])
        )

    def send_block(self, txs: Sequence[TxRequest], timestamp: int | None = None) -> BlockResult:
        """Sign, send in one batch, mine one block and return its receipts in order.

        The block's timestamp is `timestamp`, or one second after the previous block: never the wall clock, so
        that a run's blocks are the same every time.
        """
        if timestamp is None:
            timestamp = self.timestamp + 1
        n = len(txs)
        raws: list[tuple[str, list[Any]]] = []
        hashes: list[bytes] = []
        for i, request in enumerate(txs):
            # anvil ranks by the fee cap, so cap and tip both count down with the position.
            tip = BASE_TIP + n - i
            raw, tx_hash = sign_dynamic_fee_tx(
                request.sender, self.chain_id, request.sender.nonce, tip, 2 * self.base_fee + tip, request
            )
            request.sender.nonce += 1
            raws.append(("eth_sendRawTransaction", ["0x" + raw.hex()]))
            hashes.append(tx_hash)
        for i, reply in enumerate(rpc.batch(self.url, raws)):
            if isinstance(reply, rpc.RpcError):
                self._rewind(txs[i:])
                raise ChainError(
                    f"transaction {i} of the block (agent {txs[i].tag or '?'}) was refused: {reply}"
                )
        rpc.call(self.url, "evm_mine", [timestamp])
        self.number += 1
        # The block is mined: its header and receipts come back in one request.
        wanted = [("eth_getBlockByNumber", ["latest", False])]
        if n:
            wanted.append(("eth_getBlockReceipts", [hex(self.number)]))
        replies = rpc.batch(self.url, wanted)
        for reply in replies:
            if isinstance(reply, rpc.RpcError):
                raise ChainError(f"reading block {self.number} failed: {reply}")
        block = replies[0]
        if _int(block["number"]) != self.number:
            raise ChainError(
                f"the node at {self.url} mined block {_int(block['number'])} where {self.number} was expected: it "
                "mines on its own (interval mining, or another client). Run against a node that mines only on "
                "request: let cascade start one, or start anvil without --block-time."
            )
        receipts = replies[1] if n else []
        self.base_fee = _int(block.get("baseFeePerGas"))
        self.timestamp = _int(block["timestamp"])
        self.calls_made += 3 if n else 2
        return BlockResult(
            _int(block["number"]), _int(block["timestamp"]), self._match(txs, hashes, receipts), block["hash"]
        )

    @staticmethod
    def _rewind(txs: Sequence[TxRequest]) -> None:
        for request in txs:
            request.sender.nonce -= 1

    @staticmethod
    def _match(
        txs: Sequence[TxRequest], hashes: list[bytes], receipts: list[dict[str, Any]]
    ) -> tuple[TxResult, ...]:
        by_hash = {to_address(r["transactionHash"]): r for r in receipts}
        results: list[TxResult] = []
        for request, tx_hash in zip(txs, hashes, strict=True):
            receipt = by_hash.get(tx_hash)
            if receipt is None:
                raise ChainError(
                    f"transaction 0x{tx_hash.hex()} (agent {request.tag or '?'}) was not mined in the block: "
                    "the block gas limit may be too low for this many transactions."
                )
            created = receipt.get("contractAddress")
            results.append(
                TxResult(
                    request=request,
                    tx_hash=tx_hash,
                    tx_index=_int(receipt["transactionIndex"]),
                    success=_int(receipt["status"]) == 1,
                    gas_used=_int(receipt["gasUsed"]),
                    logs=tuple(_parse_log(e) for e in receipt["logs"]),
                    contract_address=to_address(created) if created else None,
                )
            )
        return tuple(results)

    def revert_data(self, tx_hash: bytes) -> bytes:
        """The revert data of a mined, failed transaction (replayed by the node's call tracer)."""
        return self.revert_data_many([tx_hash])[0]

    def revert_data_many(self, tx_hashes: Sequence[bytes]) -> list[bytes]:
        """Revert data of several failed transactions, traced in one batch."""
        if not tx_hashes:
            return []
        requests = [("debug_traceTransaction", ["0x" + h.hex(), {"tracer": "callTracer"}]) for h in tx_hashes]
        self.calls_made += 1
        out: list[bytes] = []
        for trace in rpc.batch(self.url, requests):
            out.append(b"" if isinstance(trace, rpc.RpcError) else to_address(trace.get("output") or "0x"))
        return out

    def call(self, to: bytes, data: bytes, block: str = "latest", sender: bytes | None = None) -> bytes:
        """One eth_call (as `sender` if given); a revert raises rpc.RpcError carrying the revert data."""
        self.calls_made += 1
        return to_address(rpc.call(self.url, "eth_call", [_call_object(to, data, sender), block]))

    def calls(
        self, requests: Sequence[tuple[bytes, bytes]], block: str = "latest"
    ) -> list[bytes | rpc.RpcError]:
        """Many eth_calls in one batch; a reverted call comes back as an RpcError in its place."""
        batch = [("eth_call", [_call_object(to, data, None), block]) for to, data in requests]
        self.calls_made += 1
        return [r if isinstance(r, rpc.RpcError) else to_address(r) for r in rpc.batch(self.url, batch)]
