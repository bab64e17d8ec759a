"""ABI encoding of calls and decoding of results and logs, with selectors and topics computed once."""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from eth_abi.abi import decode, encode
from eth_hash.auto import keccak

_UINT = tuple(f"uint{8 * i}" for i in range(1, 33))
_INT = tuple(f"int{8 * i}" for i in range(1, 33))


def _word_decoder(kind: str) -> Any:
    """A direct decoder of one 32-byte word for a static elementary type, or None (use eth_abi)."""
    if kind in _UINT:
        return lambda w: int.from_bytes(w, "big")
    if kind in _INT:
        return lambda w: int.from_bytes(w, "big", signed=True)
    if kind == "address":
        return lambda w: "0x" + w[12:].hex()
    if kind == "bool":
        return lambda w: w[31] == 1
    if kind == "bytes32":
        return lambda w: bytes(w)
    return None


def _fast_decoder(types: tuple[str, ...]) -> Any:
    """Decode a tuple of static elementary types word by word (several times faster than eth_abi)."""
    decoders = [_word_decoder(t) for t in types]
    if any(d is None for d in decoders):
        return None

    def run(data: bytes) -> tuple[Any, ...]:
        if len(data) < 32 * len(decoders):
            return tuple(decode(list(types), data))
        return tuple(d(data[32 * i : 32 * i + 32]) for i, d in enumerate(decoders))

    return run


def _word_encoder(kind: str) -> Any:
    """A direct encoder of one value of a static elementary type into its 32-byte word, or None (eth_abi)."""
    if kind in _UINT:
        bits = 8 * (_UINT.index(kind) + 1)

        def uint(v: int) -> bytes:
            n = operator.index(v)  # ints (numpy's too); a float is refused as eth_abi refuses it
            if n < 0 or n >> bits:
                raise ValueError(f"{v} does not fit {kind}")
            return n.to_bytes(32, "big")

        return uint
    if kind in _INT:
        bits = 8 * (_INT.index(kind) + 1)

        def sint(v: int) -> bytes:
            n = operator.index(v)
            if not -(1 << (bits - 1)) <= n < 1 << (bits - 1):
                raise ValueError(f"{v} does not fit {kind}")
            return n.to_bytes(32, "big", signed=True)

        return sint
    if kind == "address":

        def address(v: bytes | str) -> bytes:
            raw = v if isinstance(v, bytes) else bytes.fromhex(v.removeprefix("0x"))
            if len(raw) != 20:
                raise ValueError(f"{v!r} is not a 20-byte address")
            return b"\x00" * 12 + raw

        return address
    if kind == "bool":
        return lambda v: (b"\x00" * 31 + b"\x01") if v else b"\x00" * 32
    return None


def _static_tuple_encoder(kind: str) -> Any:
    """An encoder of one static struct of elementary members (an order book's `(bool,uint24,uint96)`), laid out
    in place as its words one after the other; None for any other type."""
    if not (kind.startswith("(") and kind.endswith(")")) or "(" in kind[1:]:
        return None
    words = [_word_encoder(member) for member in kind[1:-1].split(",")]
    if any(w is None for w in words):
        return None

    def struct(value: Any) -> bytes:
        if len(value) != len(words):
            raise ValueError(f"{value!r} does not have the {len(words)} members of {kind}")
        return b"".join(word(member) for word, member in zip(words, value, strict=True))

    return struct


def _fast_encoder(types: tuple[str, ...]) -> Any:
    """Encode arguments of static elementary types and dynamic arrays of them or of static structs of them
    (`address[]`, `uint256[]`, `(bool,uint24,uint96)[]`) directly, head then tail, as the ABI lays them out;
    None when a type needs eth_abi."""
    parts: list[tuple[bool, Any]] = []
    for kind in types:
        if kind.endswith("[]"):
            element = _word_encoder(kind[:-2]) or _static_tuple_encoder(kind[:-2])
            if element is None:
                return None
            parts.append((True, element))
        else:
            word = _word_encoder(kind)
            if word is None:
                return None
            parts.append((False, word))
    head_size = 32 * len(parts)

    def run(args: tuple[Any, ...]) -> bytes:
        if len(args) != len(parts):
            raise TypeError(f"expected {len(parts)} arguments, got {len(args)}")
        head: list[bytes] = []
        tail: list[bytes] = []
        offset = head_size
        for (dynamic, encoder), value in zip(parts, args, strict=True):
            if dynamic:
                head.append(offset.to_bytes(32, "big"))
                chunk = len(value).to_bytes(32, "big") + b"".join(encoder(v) for v in value)
                tail.append(chunk)
                offset += len(chunk)
            else:
                head.append(encoder(value))
        return b"".join(head) + b"".join(tail)

    return run


def _static_tuple(kind: str) -> tuple[str, ...] | None:
    """The components of a tuple type whose members are all static elementary types, else None."""
    if not (kind.startswith("(") and kind.endswith(")")) or "(" in kind[1:]:
        return None
    members = tuple(kind[1:-1].split(","))
    return members if all(_word_decoder(m) is not None for m in members) else None


def _output_decoder(types: tuple[str, ...]) -> Any:
    """Direct decoders for what reads return most: static elementary values, one static struct, one dynamic
    array of a static elementary type. None otherwise (eth_abi)."""
    plain = _fast_decoder(types)
    if plain is not None:
        return plain
    if len(types) != 1:
        return None
    members = _static_tuple(types[0])
    if members is not None:
        inner = _fast_decoder(members)
        size = 32 * len(members)

        def struct(data: bytes) -> tuple[Any, ...]:
            if len(data) < size:
                return tuple(decode(list(types), data))
            return (inner(data),)

        return struct
    if types[0].endswith("[]") and _word_decoder(types[0][:-2]) is not None:
        word = _word_decoder(types[0][:-2])

        def array(data: bytes) -> tuple[Any, ...]:
            start = int.from_bytes(data[:32], "big")
            count = int.from_bytes(data[start : start + 32], "big")
            first = start + 32
            if len(data) < first + 32 * count:
                return tuple(decode(list(types), data))
            return (tuple(word(data[first + 32 * i : first + 32 * i + 32]) for i in range(count)),)

        return array
    return None


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
    # Names of what a call returns: a single struct's components, else the outputs' names.
    fields: tuple[str, ...] = ()
    # The ABI's stateMutability: pure, view, nonpayable or payable ("" when an old ABI omits it).
    mutability: str = ""

    def encode(self, *args: Any) -> bytes:
        fast = self._fast_in
        if fast is not None:
            encoded: bytes = fast(args)
            return self.selector + encoded
        return self.selector + encode(list(self.inputs), list(args))

    @cached_property
    def _fast_in(self) -> Any:
        return _fast_encoder(self.inputs)

    @cached_property
    def _fast(self) -> Any:
        return _output_decoder(self.outputs)

    def decode(self, data: bytes) -> tuple[Any, ...]:
        fast = self._fast
        return fast(data) if fast is not None else tuple(decode(list(self.outputs), data))


@dataclass(frozen=True)
class Event:
    name: str
    topic: bytes
    names: tuple[str, ...]
    indexed: tuple[bool, ...]
    types: tuple[str, ...]

    @cached_property
    def _plain_types(self) -> tuple[str, ...]:
        return tuple(t for t, i in zip(self.types, self.indexed, strict=True) if not i)

    @cached_property
    def _fast_plain(self) -> Any:
        return _fast_decoder(self._plain_types)

    @cached_property
    def _topic_decoders(self) -> tuple[Any, ...]:
        return tuple(_word_decoder(t) for t, i in zip(self.types, self.indexed, strict=True) if i)

    def decode(self, topics: list[bytes], data: bytes) -> dict[str, Any]:
        fast = self._fast_plain
        plain = fast(data) if fast is not None else decode(list(self._plain_types), data)
        out: dict[str, Any] = {}
        topic_iter = iter(zip(topics[1:], self._topic_decoders, strict=False))
        data_iter = iter(plain)
        for name, is_indexed in zip(self.names, self.indexed, strict=True):
            if is_indexed:
                raw, decoder = next(topic_iter)
                out[name] = decoder(raw) if decoder is not None else "0x" + raw.hex()
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
                function = Function(
                    item["name"],
                    inputs,
                    outputs,
                    selector,
                    _output_fields(item),
                    item.get("stateMutability", ""),
                )
                # Overloads keep the first under the plain name and every one under its signature.
                out.functions.setdefault(item["name"], function)
                out.functions[f"{item['name']}({','.join(inputs)})"] = function
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


def _output_fields(item: dict[str, Any]) -> tuple[str, ...]:
    outputs = item.get("outputs", [])
    if len(outputs) == 1 and outputs[0]["type"] == "tuple":
        return tuple(c["name"] for c in outputs[0]["components"])
    return tuple(p.get("name", "") for p in outputs)


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
