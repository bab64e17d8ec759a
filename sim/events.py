"""Decode a block's receipts into protocol events: contract label, event name, arguments and acting agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.chain import BlockResult
from sim.contracts import Handle, abi_of


@dataclass(frozen=True)
class Event:
    block: int
    tx_index: int
    log_index: int
    agent: str
    contract: str
    name: str
    args: dict[str, Any]

    def record(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "tx_index": self.tx_index,
            "log_index": self.log_index,
            "agent": self.agent,
            "contract": self.contract,
            "event": self.name,
            "args": self.args,
        }


@dataclass
class Decoder:
    """Knows every deployed contract by address; decodes the logs of a mined block in one pass."""

    by_address: dict[bytes, tuple[str, Handle]] = field(default_factory=dict)
    failed_txs: int = 0

    def register(self, label: str, handle: Handle) -> None:
        self.by_address[handle.address] = (label, handle)

    def decode(self, block: BlockResult) -> list[Event]:
        events: list[Event] = []
        for tx in block.txs:
            if not tx.success:
                self.failed_txs += 1
                events.append(
                    Event(
                        block.number,
                        tx.tx_index,
                        -1,
                        tx.request.tag,
                        "",
                        "TxFailed",
                        {"gas_used": tx.gas_used},
                    )
                )
                continue
            for log in tx.logs:
                known = self.by_address.get(log.address)
                if known is None or not log.topics:
                    continue
                label, handle = known
                spec = abi_of(handle.name).events.get(log.topics[0])
                if spec is None:
                    continue
                events.append(
                    Event(
                        block.number,
                        tx.tx_index,
                        log.log_index,
                        tx.request.tag,
                        label,
                        spec.name,
                        spec.decode(list(log.topics), log.data),
                    )
                )
        return events
