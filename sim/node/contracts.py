"""Deployed-contract handles and a batched deployer over the fast path (addresses precomputed from nonces)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import rlp
from eth_hash.auto import keccak

from sim.node.abi import ContractAbi, describe_revert
from sim.node.artifacts import Artifact, artifact_names, load_artifact
from sim.node.backend import Backend
from sim.node.chain import ChainError, TxRequest, Wallet, checksum
from sim.node.rpc import RpcError

DEPLOY_GAS = 16_000_000
CALL_GAS = 3_000_000


def create_address(sender: bytes, nonce: int) -> bytes:
    """The address CREATE gives the contract deployed by `sender` at `nonce`."""
    return keccak(rlp.encode([sender, nonce]))[-20:]


@cache
def abi_of(name: str) -> ContractAbi:
    return ContractAbi.from_abi(load_artifact(name).abi)


@cache
def every_error() -> ContractAbi:
    """The custom errors of every compiled contract: a revert bubbling up from a contract called inside
    another (an oracle inside a lending pool, a pool inside the venue) is named whoever answered."""
    merged = ContractAbi()
    for name in artifact_names():
        merged.errors.update(abi_of(name).errors)
    return merged


def revert_reason(data: bytes | str | None) -> str:
    """Revert data as a readable name: a custom error with its arguments, Error(string) or Panic(code)."""
    if isinstance(data, str):
        data = bytes.fromhex(data.removeprefix("0x")) if data.startswith("0x") else data.encode()
    return describe_revert(data or b"", [every_error()])


@dataclass(frozen=True)
class Handle:
    """A deployed contract: its name (artifact), address and ABI; encodes calls for TxRequests."""

    name: str
    address: bytes

    @property
    def abi(self) -> ContractAbi:
        return abi_of(self.name)

    @property
    def hex(self) -> str:
        return checksum(self.address)

    def data(self, fn: str, *args: Any) -> bytes:
        return self.abi.fn(fn).encode(*args)

    def tx(self, sender: Wallet, fn: str, *args: Any, tag: str = "", gas: int = CALL_GAS) -> TxRequest:
        return TxRequest(sender, self.address, self.data(fn, *args), gas=gas, tag=tag)

    def read(self, chain: Backend, fn: str, *args: Any) -> Any:
        """One eth_call decoded; a single return value comes back bare."""
        out = self.abi.fn(fn).decode(chain.call(self.address, self.data(fn, *args)))
        return out[0] if len(out) == 1 else out


@dataclass
class Deployer:
    """Queues deployments and calls from one wallet and sends them in as few blocks as dependencies allow."""

    chain: Backend
    wallet: Wallet
    pending: list[TxRequest] = field(default_factory=list)
    deployed: dict[str, Handle] = field(default_factory=dict)
    gas_used: int = 0
    deploy_gas: dict[str, int] = field(default_factory=dict)

    def _next_nonce(self) -> int:
        return self.wallet.nonce + sum(1 for tx in self.pending if tx.sender is self.wallet)

    def deploy(self, label: str, contract: str, *args: Any) -> Handle:
        artifact: Artifact = load_artifact(contract)
        return self.deploy_code(
            label, contract, artifact.bytecode + abi_of(contract).encode_constructor(*args)
        )

    def deploy_code(self, label: str, interface: str, creation_code: bytes) -> Handle:
        """Deploys creation code built elsewhere (constructor arguments included), e.g. a real protocol's bytecode
        from npm; the handle speaks `interface`, one of our artifacts with the same selectors."""
        address = create_address(self.wallet.address, self._next_nonce())
        self.pending.append(
            TxRequest(self.wallet, None, creation_code, gas=DEPLOY_GAS, tag=f"deploy:{label}")
        )
        handle = Handle(interface, address)
        self.deployed[label] = handle
        return handle

    def call(
        self, handle: Handle, fn: str, *args: Any, sender: Wallet | None = None, gas: int = CALL_GAS
    ) -> None:
        self.pending.append(
            handle.tx(sender or self.wallet, fn, *args, tag=f"setup:{handle.name}.{fn}", gas=gas)
        )

    def flush(self, timestamp: int | None = None) -> None:
        """Mine everything queued in one block; a failure names the call and its decoded revert reason."""
        if not self.pending:
            return
        txs, self.pending = self.pending, []
        block = self.chain.send_block(txs, timestamp=timestamp)
        for result in block.txs:
            self.gas_used += result.gas_used
            if result.request.to is None:
                self.deploy_gas[result.request.tag.removeprefix("deploy:")] = result.gas_used
            if not result.success:
                raise ChainError(
                    f"set-up transaction {result.request.tag} reverted: {self._reason(result.request)}"
                )

    def _reason(self, request: TxRequest) -> str:
        if request.to is None:
            return "deployment failed (constructor reverted or code too large)"
        try:
            self.chain.call(request.to, request.data, sender=request.sender.address)
        except RpcError as exc:
            data = bytes.fromhex(str(exc.data or "0x").removeprefix("0x"))
            return revert_reason(data)
        return "reverted in the block (state differed from now)"
