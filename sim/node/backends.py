"""Open a backend by name (`anvil` or `revm`), with the funder funded as on an anvil devnet; reject an unknown
name, or --rpc with the in-process EVM, before anything starts."""

from __future__ import annotations

from dataclasses import dataclass

from sim.node.anvil import AnvilBackend
from sim.node.backend import BACKENDS, CHAIN_ID, FUNDER_ADDRESS, Backend, BackendError
from sim.node.inprocess import InProcessBackend


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
        return InProcessBackend.create(
            genesis_timestamp=options.genesis_timestamp or 0,
            prefunded=[FUNDER_ADDRESS],
            chain_id=CHAIN_ID,
        )
    if options.rpc_url is not None:
        return AnvilBackend.attach(options.rpc_url)
    return AnvilBackend.launch(genesis_timestamp=options.genesis_timestamp, extra_args=options.anvil_args)
