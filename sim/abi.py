"""ABI encoding of calls and decoding of results and logs, with selectors and topics computed once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode, encode
from eth_hash.auto import keccak


def _type_string(param: dict[str, Any]) -> str:
    kind: str = param["type"]
    if kind.startswith("tuple"):
        inner = ",".join(_type_string(c) for c in param["components"])
        return f"({inner}){kind[5:]}"
    return kind


@dataclass(frozen=True)
class Function:
    name: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    selector: bytes

    def encode(self, *args: Any) -> bytes:
        return self.selector + encode(list(self.inputs), list(args))

    def decode(self, data: bytes) -> tuple[Any, ...]:
        return tuple(decode(list(self.outputs), data))


@dataclass(frozen=True)
class Event:
    name: str
    topic: bytes
    names: tuple[str, ...]
    indexed: tuple[bool, ...]
    types: tuple[str, ...]

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        plain = decode([t for t, i in zip(self.types, self.indexed, strict=True) if not i], data)
        out: dict[str, Any] = {}
        topic_iter = iter(topics[1:])
        data_iter = iter(plain)
        for name, is_indexed, kind in zip(self.names, self.indexed, self.types, strict=True):
            if is_indexed:
                raw = next(topic_iter)
                out[name] = decode([kind], raw)[0] if _is_static(kind) else "0x" + raw.hex()
            else:
                out[name] = next(data_iter)
        return out


@dataclass(frozen=True)
class CustomError:
    name: str
    selector: bytes
    names: tuple[str, ...]
    types: tuple[str, ...]

    def decode(self, data: bytes) -> dict[str, Any]:
        return dict(zip(self.names, decode(list(self.types), data[4:]), strict=True))


def _is_static(kind: str) -> bool:
    return not (kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("))


@dataclass
class ContractAbi:
    """One contract's functions (by name), events (by topic) and errors (by selector)."""

    functions: dict[str, Function] = field(default_factory=dict)
    events: dict[bytes, Event] = field(default_factory=dict)
    errors: dict[bytes, CustomError] = field(default_factory=dict)
    constructor_inputs: tuple[str, ...] = ()

    @classmethod
    def from_abi(cls, abi: tuple[dict[str, Any], ...] | list[dict[str, Any]]) -> ContractAbi:
        out = cls()
        for item in abi:
            kind = item.get("type")
            if kind == "function":
                inputs = tuple(_type_string(p) for p in item["inputs"])
                outputs = tuple(_type_string(p) for p in item.get("outputs", []))
                selector = keccak(f"{item['name']}({','.join(inputs)})".encode())[:4]
                # Overloads keep the first under the plain name and every one under its signature.
                out.functions.setdefault(item["name"], Function(item["name"], inputs, outputs, selector))
                out.functions[f"{item['name']}({','.join(inputs)})"] = Function(
                    item["name"], inputs, outputs, selector
                )
            elif kind == "event":
                types = tuple(_type_string(p) for p in item["inputs"])
                topic = keccak(f"{item['name']}({','.join(types)})".encode())
                out.events[topic] = Event(
                    item["name"],
                    topic,
                    tuple(p["name"] for p in item["inputs"]),
                    tuple(bool(p.get("indexed")) for p in item["inputs"]),
                    types,
                )
            elif kind == "error":
                types = tuple(_type_string(p) for p in item["inputs"])
                selector = keccak(f"{item['name']}({','.join(types)})".encode())[:4]
                out.errors[selector] = CustomError(
                    item["name"], selector, tuple(p["name"] for p in item["inputs"]), types
                )
            elif kind == "constructor":
                out.constructor_inputs = tuple(_type_string(p) for p in item["inputs"])
        return out

    def fn(self, name: str) -> Function:
        try:
            return self.functions[name]
        except KeyError:
            raise KeyError(f"no function {name!r} in this ABI") from None

    def encode_constructor(self, *args: Any) -> bytes:
        return encode(list(self.constructor_inputs), list(args)) if self.constructor_inputs else b""


PANIC_SELECTOR = keccak(b"Panic(uint256)")[:4]
ERROR_SELECTOR = keccak(b"Error(string)")[:4]


def describe_revert(data: bytes, abis: list[ContractAbi]) -> str:
    """A readable name for revert data: a custom error with its arguments, Error(string) or Panic(code)."""
    if len(data) < 4:
        return "reverted without data"
    selector = data[:4]
    if selector == ERROR_SELECTOR:
        return f"Error({decode(['string'], data[4:])[0]!r})"
    if selector == PANIC_SELECTOR:
        return f"Panic(0x{decode(['uint256'], data[4:])[0]:02x})"
    for contract in abis:
        if selector in contract.errors:
            err = contract.errors[selector]
            args = ", ".join(f"{k}={v}" for k, v in err.decode(data).items())
            return f"{err.name}({args})"
    return f"unknown error 0x{selector.hex()}"
