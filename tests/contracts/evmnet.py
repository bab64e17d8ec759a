"""A devnet for differential tests against real protocol bytecode: deploy raw creation code, send each block's
transactions together at a chosen timestamp, read many views in one batch, snapshot and revert between
Hypothesis sequences, and count the sequences and steps each suite ran.

Both implementations under test get their transactions in the same block, so they see the same timestamp
(TWAP accumulators, interest) and never each other's state.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

from sim.node import rpc
from sim.node.abi import ERROR_SELECTOR, ContractAbi
from sim.node.artifacts import load_artifact
from sim.node.chain import Chain, TxRequest, TxResult, Wallet
from sim.node.devnet import Devnet
from tests.fuzz_profiles import EXAMPLES_VARIABLE, profile_name
from tests.fuzz_profiles import deep_examples as fuzz_deep_examples

ZERO = b"\x00" * 20
GAS = 8_000_000
DEPLOY_GAS = 30_000_000

# CASCADE_FUZZ=deep (what `make fuzz` sets) runs the long campaign; the default is the CI budget
# (tests/fuzz_profiles.py reads and checks the variable for every suite).
DEEP = profile_name() == "deep"
COUNTS_FILE = Path(os.environ.get("CASCADE_DIFF_COUNTS", ".build/differential_counts.json"))


def campaign(ci_examples: int, ci_steps: int, deep_examples: int, deep_steps: int) -> settings:
    """Hypothesis settings for a differential state machine: the CI budget, or the deep one under
    CASCADE_FUZZ=deep (CASCADE_FUZZ_EXAMPLES, when set, caps its examples for a time-boxed campaign).
    Deterministic in CI (derandomized), random in the deep campaign."""
    if DEEP and os.environ.get(EXAMPLES_VARIABLE, "").strip():
        deep_examples = min(deep_examples, fuzz_deep_examples())
    return settings(
        max_examples=deep_examples if DEEP else ci_examples,
        stateful_step_count=deep_steps if DEEP else ci_steps,
        deadline=None,
        derandomize=not DEEP,
        suppress_health_check=list(HealthCheck),
    )


@dataclass
class Tally:
    """How many Hypothesis sequences and steps a differential suite ran (printed in the test summary and
    written to COUNTS_FILE, so the figures can be quoted)."""

    name: str
    sequences: int = 0
    steps: int = 0
    liquidations: int = 0  # successful liquidationCalls (both markets), where the suite has them
    seen: dict[str, int] = field(default_factory=dict)  # how often each branch the suite asserts on ran

    def save(self) -> None:
        counts: dict[str, Any] = {}
        if COUNTS_FILE.is_file():
            counts = json.loads(COUNTS_FILE.read_text())
        counts[self.name] = {
            "sequences": self.sequences,
            "steps": self.steps,
            "liquidations": self.liquidations,
            "seen": self.seen,
            "deep": DEEP,
        }
        COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
        COUNTS_FILE.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n")


TALLIES: dict[str, Tally] = {}


def tally(name: str) -> Tally:
    return TALLIES.setdefault(name, Tally(name))


@dataclass
class Net:
    """One anvil with automine off, its funded wallets and helpers to deploy, send and read."""

    devnet: Devnet
    chain: Chain = field(init=False)
    wallets: list[Wallet] = field(init=False)

    def __post_init__(self) -> None:
        self.chain = Chain(self.devnet.url).connect()
        self.wallets = [Wallet.from_hex(a.private_key) for a in self.devnet.accounts]

    @property
    def deployer(self) -> Wallet:
        return self.wallets[0]

    def deploy(
        self, code: bytes, abi: ContractAbi | None = None, *args: Any, sender: Wallet | None = None
    ) -> bytes:
        """Deploys creation code (plus encoded constructor arguments) in its own block; returns the address."""
        data = code + (abi.encode_constructor(*args) if abi is not None else b"")
        result = self.block([TxRequest(sender or self.deployer, None, data, gas=DEPLOY_GAS)])[0]
        if not result.success or result.contract_address is None:
            raise AssertionError("deployment reverted (constructor failed or code over EIP-170)")
        return result.contract_address

    def deploy_ours(self, name: str, *args: Any) -> bytes:
        """Deploys one of our compiled contracts (from ape's build manifest)."""
        artifact = load_artifact(name)
        return self.deploy(artifact.bytecode, ContractAbi.from_abi(artifact.abi), *args)

    def block(self, txs: Sequence[TxRequest], timestamp: int | None = None) -> tuple[TxResult, ...]:
        return self.chain.send_block(txs, timestamp=timestamp).txs

    def setup(self, txs: Sequence[TxRequest]) -> None:
        """A block of set-up transactions that must all succeed."""
        for i, result in enumerate(self.block(txs)):
            if not result.success:
                reason = self.revert_reason(txs[i])
                raise AssertionError(f"set-up transaction {i} reverted: {reason!r}")

    def call(self, to: bytes, data: bytes, sender: bytes | None = None) -> bytes:
        return self.chain.call(to, data, sender=sender)

    def try_call(self, to: bytes, data: bytes, sender: bytes | None = None) -> tuple[bool, bytes]:
        """(success, return or revert data) of an eth_call on the latest block."""
        try:
            return True, self.chain.call(to, data, sender=sender)
        except rpc.RpcError as exc:
            raw = exc.data if isinstance(exc.data, str) else "0x"
            return False, bytes.fromhex((raw or "0x").removeprefix("0x"))

    def revert_reason(self, tx: TxRequest) -> bytes:
        ok, data = self.try_call(tx.to or ZERO, tx.data, tx.sender.address)
        return b"" if ok else data

    def reads(self, requests: Sequence[tuple[bytes, bytes]]) -> list[bytes]:
        """Many eth_calls in one batch; any revert fails the test."""
        out = self.chain.calls(requests)
        for reply in out:
            if isinstance(reply, rpc.RpcError):
                raise AssertionError(f"a view reverted: {reply}")
        return [r for r in out if isinstance(r, bytes)]

    def snapshot(self) -> str:
        snap: str = rpc.call(self.chain.url, "evm_snapshot")
        return snap

    def revert(self, snap: str) -> None:
        rpc.call(self.chain.url, "evm_revert", [snap])
        self.chain.connect()
        for wallet in self.wallets:
            self.chain.sync_nonce(wallet)


def error_string(data: bytes) -> str | None:
    """The message of an Error(string) revert, or None."""
    from eth_abi.abi import decode

    if data[:4] != ERROR_SELECTOR:
        return None
    message: str = decode(["string"], data[4:])[0]
    return message


def custom_error(data: bytes, abi: ContractAbi) -> str | None:
    """The name of a custom error of `abi`, or None."""
    err = abi.errors.get(data[:4])
    return err.name if err is not None else None
