"""Decode a block's receipts into protocol events: contract label, event name, arguments and acting agent."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.node.chain import BlockResult
from sim.node.contracts import Handle, abi_of, revert_reason


@dataclass(frozen=True)
class Event:
    block: int
    tx_index: int
    log_index: int
    agent: str
    contract: str
    name: str
    args: dict[str, Any]
    chain_block: int = 0

    def record(self) -> dict[str, Any]:
        return {
            "block": self.block,
            "chain_block": self.chain_block,
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
    # address -> (label, that contract's events by topic): one lookup per log
    _events_of: dict[bytes, tuple[str, dict[bytes, Any]]] = field(default_factory=dict)
    # (address, selector) -> `Contract.function`: every transaction of a run is named for gas, once per pair
    _call_names: dict[tuple[bytes, bytes], str] = field(default_factory=dict)

    def register(self, label: str, handle: Handle) -> None:
        self.by_address[handle.address] = (label, handle)
        self._events_of[handle.address] = (label, abi_of(handle.name).events)
        self._call_names.clear()  # an address named "?" before it was registered has a name now

    def call_name(self, to: bytes | None, data: bytes) -> str:
        """`Contract.function` of a call, for gas accounting ("deploy" for creations, "?" if unknown)."""
        if to is None:
            return "deploy"
        key = (to, data[:4])
        named = self._call_names.get(key)
        if named is None:
            named = self._call_names[key] = self._name_call(to, data[:4])
        return named

    def _name_call(self, to: bytes, selector: bytes) -> str:
        known = self.by_address.get(to)
        if known is None:
            return "?"
        name = known[1].name
        for function in abi_of(name).functions.values():
            if function.selector == selector:
                return f"{name}.{function.name}"
        return f"{name}.?"

    def decode(
        self, block: BlockResult, revert_data: dict[bytes, bytes] | None = None, step: int | None = None
    ) -> list[Event]:
        """Events of every successful transaction, and a TxFailed record (with its decoded reason when
        `revert_data` has it) for every reverted one, in block order. `step` is the scenario's block index
        (the timeseries row); the chain's own block number is kept as `chain_block`."""
        index = block.number if step is None else step
        events: list[Event] = []
        events_of = self._events_of
        for tx in block.txs:
            if not tx.success:
                # No gas here: it measures the contracts' implementation and the EVM, not what happened
                # (summary.json's gas_by_call has it), so a refactor or another backend keeps the log.
                args: dict[str, Any] = {}
                if revert_data is not None and tx.tx_hash in revert_data:
                    args["reason"] = revert_reason(revert_data[tx.tx_hash])
                events.append(
                    Event(index, tx.tx_index, -1, tx.request.tag, "", "TxFailed", args, block.number)
                )
                continue
            for log in tx.logs:
                known = events_of.get(log.address)
                if known is None or not log.topics:
                    continue
                label, specs = known
                spec = specs.get(log.topics[0])
                if spec is None:
                    continue
                events.append(
                    Event(
                        index,
                        tx.tx_index,
                        log.log_index,
                        tx.request.tag,
                        label,
                        spec.name,
                        spec.decode(list(log.topics), log.data),
                        block.number,
                    )
                )
        return events
