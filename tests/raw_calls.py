"""Chain calls for the state machines, without ape's per-call overhead: many view calls in one JSON-RPC batch
(the invariants read dozens of values after every step; one batched round trip costs about two ape calls), and
expected refusals checked by eth_call (ape traces, enriches and prints every revert it sees, ~0.7 s each)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode as abi_decode
from eth_utils import keccak, to_checksum_address


@dataclass(frozen=True)
class Read:
    """One view call: `contract.method(*args)`."""

    contract: Any
    method: str
    args: tuple[Any, ...] = ()


def read_many(reads: Sequence[Read]) -> list[Any]:
    """The results of `reads`, in order, from one batch of eth_calls at the latest block."""
    if not reads:
        return []
    provider = reads[0].contract.provider  # every ape contract instance knows the connected provider
    web3 = provider.web3
    ecosystem = provider.network.ecosystem
    handlers = [getattr(read.contract, read.method) for read in reads]
    with web3.batch_requests() as batch:
        for read, handler in zip(reads, handlers, strict=True):
            batch.add(web3.eth.call({"to": read.contract.address, "data": handler.encode_input(*read.args)}))
        raw = batch.execute()
    return [
        _unwrap(ecosystem.decode_returndata(_abi(handler, len(read.args)), bytes(data)))
        for read, handler, data in zip(reads, handlers, raw, strict=True)
    ]


def _abi(handler: Any, arity: int) -> Any:
    [abi] = [abi for abi in handler.abis if len(abi.inputs) == arity]
    return abi


def _unwrap(decoded: Any) -> Any:
    """A single return value by itself, as ape returns it."""
    if isinstance(decoded, (list, tuple)) and len(decoded) == 1:
        return decoded[0]
    return decoded


def refusal(contract: Any, method: str, *args: Any, sender: Any) -> tuple[str, dict[str, Any]] | None:
    """The custom error `contract.method(*args)` sent by `sender` would revert with in the next block (name and
    inputs, decoded from the contract's ABI), or None when it would succeed."""
    # Imported here: importing web3 from a conftest, before ape, warns about its websockets module.
    from web3.exceptions import ContractCustomError, ContractLogicError

    data = getattr(contract, method).encode_input(*args)
    call = {"to": contract.address, "from": sender.address, "data": data}
    try:
        contract.provider.web3.eth.call(call, block_identifier="pending")
    except ContractCustomError as error:
        return _decode_error(contract, bytes.fromhex(str(error.data)[2:]))
    except ContractLogicError as error:  # a revert without a custom error: a require, a panic, empty data
        raise AssertionError(f"{method} reverted without a custom error: {error}") from error
    return None


def expect_refusal(contract: Any, method: str, *args: Any, sender: Any, error: str, **inputs: Any) -> None:
    """Asserts that `contract.method(*args)` would revert with the custom error `error` (and, for each input
    given, that value), as `ape.reverts(contract.<error>, **inputs)` would, without sending it."""
    refused = refusal(contract, method, *args, sender=sender)
    assert refused is not None, f"{method} did not revert (expected {error})"
    name, decoded = refused
    assert name == error, f"{method} reverted with {name}{decoded}, expected {error}"
    for key, value in inputs.items():
        assert decoded[key] == value, f"{error}.{key} = {decoded[key]}, expected {value}"


def _decode_error(contract: Any, data: bytes) -> tuple[str, dict[str, Any]]:
    for abi in contract.contract_type.errors:
        types = [i.canonical_type for i in abi.inputs]
        if keccak(text=f"{abi.name}({','.join(types)})")[:4] == data[:4]:
            values = abi_decode(types, data[4:])
            return abi.name, {
                i.name: to_checksum_address(v) if t == "address" else v
                for i, v, t in zip(abi.inputs, values, types, strict=True)
            }
    raise AssertionError(f"revert data 0x{data.hex()} matches no error of {contract.contract_type.name}")
