"""The anvil backend: the fast JSON-RPC path (`Chain`) to an anvil this run starts (`Devnet`) or to a node
already running (`--rpc`). Every outside client (ape, cast, web3, a tracer) can reach it."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.node import rpc
from sim.node.chain import Chain
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.versions import anvil_version

GAS_LIMIT = 30_000_000_000  # per block: a set-up block holds over a thousand transactions


def run_config(
    genesis_timestamp: int | None, accounts: int = 1, extra_args: tuple[str, ...] = (), **more: Any
) -> DevnetConfig:
    """The devnet a run starts (fixed genesis time, zero base fee, blocks big enough for set-up): also what
    `cascade devnet --scenario` starts, so that a run sent there with --rpc replays block for block."""
    return DevnetConfig(
        accounts=accounts,
        genesis_timestamp=genesis_timestamp,
        base_fee=0,
        gas_limit=GAS_LIMIT,
        extra_args=extra_args,
        **more,
    )


@dataclass
class AnvilBackend(Chain):
    """`Chain` plus what a backend must also do: fund accounts, describe itself, stop or hand back the node."""

    devnet: Devnet | None = None
    anvil_args: tuple[str, ...] = ()

    @classmethod
    def launch(cls, genesis_timestamp: int | None, extra_args: tuple[str, ...] = ()) -> AnvilBackend:
        """Start an anvil (fixed genesis time, zero base fee, one funded account) and connect to it."""
        devnet = Devnet(run_config(genesis_timestamp, extra_args=extra_args))
        devnet.start()
        backend = cls(devnet.url, devnet=devnet, anvil_args=extra_args)
        try:
            backend.connect()
        except BaseException:
            devnet.stop()
            raise
        return backend

    @classmethod
    def attach(cls, url: str) -> AnvilBackend:
        """A node someone else started: automine goes off for the run and back on at `close`, and its block gas
        limit is raised to ours (set-up blocks carry many deployments: anvil's default 30M holds a few)."""
        backend = cls(url)
        backend.connect()
        with contextlib.suppress(rpc.RpcError):
            rpc.call(url, "evm_setBlockGasLimit", [hex(GAS_LIMIT)])
        return backend

    def fund(self, addresses: Sequence[bytes], wei: int) -> None:
        rpc.batch(self.url, [("anvil_setBalance", ["0x" + a.hex(), hex(wei)]) for a in addresses])

    def describe(self) -> dict[str, Any]:
        return {
            "name": "anvil",
            "version": anvil_version(),
            "args": list(self.anvil_args) if self.devnet is not None else None,
            "rpc_url": None if self.devnet is not None else self.url,
            "gas_exact": True,
        }

    def close(self) -> None:
        if self.devnet is not None:
            self.devnet.stop()
            return
        # A node we did not start goes back to mining on every transaction, as it was.
        with contextlib.suppress(rpc.DevnetUnreachable, rpc.RpcError):
            rpc.call(self.url, "evm_setAutomine", [True])
        rpc.close(self.url)
