"""Batched reads: queue eth_calls with a callback for each decoded result, then send them as one request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sim.node.chain import Chain
from sim.node.contracts import Handle, revert_reason
from sim.node.rpc import RpcError


class ReadFailed(RuntimeError):
    """A batched read reverted; names the contract, the function and the reason."""


@dataclass
class Reads:
    """Collects (handle, function, args, callback); `flush` sends all of them in one JSON-RPC batch."""

    queued: list[tuple[Handle, str, tuple[Any, ...], Callable[[Any], None]]] = field(default_factory=list)

    def add(self, handle: Handle, fn: str, args: tuple[Any, ...], callback: Callable[[Any], None]) -> None:
        self.queued.append((handle, fn, args, callback))

    def flush(self, chain: Chain) -> None:
        if not self.queued:
            return
        queued, self.queued = self.queued, []
        results = chain.calls([(h.address, h.data(fn, *args)) for h, fn, args, _ in queued])
        for (handle, fn, _, callback), raw in zip(queued, results, strict=True):
            if isinstance(raw, RpcError):
                why = f"reverted with {revert_reason(raw.data)}" if raw.data else f"failed: {raw}"
                raise ReadFailed(f"reading {handle.name}.{fn} at {handle.hex} {why}")
            out = handle.abi.fn(fn).decode(raw)
            callback(out[0] if len(out) == 1 else out)
