"""Parsing what-if specifications: `NAME:key=value,...` variants, `key=v1,v2,...` sweep axes, and variants
files. Values are YAML (`true`, `0.5`, `{kind: fixed}`); commas inside brackets or quotes do not split."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\[\]-]*$")


class SpecError(ValueError):
    """A variant, grid axis or variants file is malformed; the message names it and shows the expected form."""


def split_top(text: str, sep: str = ",") -> list[str]:
    """Split on `sep` outside brackets and quotes."""
    parts: list[str] = []
    depth, quote = 0, ""
    current: list[str] = []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char in "{[(":
            depth += 1
        elif char in "}])":
            depth -= 1
        elif char == sep and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p.strip() for p in parts]


def _value(raw: str, where: str) -> Any:
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: value {raw!r} is not valid YAML ({str(exc).splitlines()[0]}).") from None


def _key(key: str, where: str) -> str:
    if not KEY.match(key):
        raise SpecError(
            f"{where}: {key!r} is not a scenario field path (e.g. mitigations.circuit_breaker.enabled or "
            "agents[cross-whale].params.isolated_share)."
        )
    return key


def parse_assignments(text: str, where: str) -> dict[str, Any]:
    """`a.b=1,c=[1, 2]` -> {"a.b": 1, "c": [1, 2]}."""
    out: dict[str, Any] = {}
    for item in split_top(text):
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(
                f"{where}: {item!r} is not KEY=VALUE (e.g. mitigations.circuit_breaker.enabled=true)."
            )
        out[_key(key.strip(), where)] = _value(raw, where)
    return out


def parse_variant(text: str) -> tuple[str, dict[str, Any]]:
    """`NAME:key=value,...`; a bare `NAME:` (no changes) is the scenario as it is."""
    name, sep, rest = text.partition(":")
    where = f"--variant {text!r}"
    if not sep or not NAME.match(name):
        raise SpecError(
            f"{where}: expected NAME:key=value,... with a NAME of letters, digits, '_', '-' or '.' "
            "(e.g. --variant breaker:mitigations.circuit_breaker.enabled=true)."
        )
    return name, parse_assignments(rest, where) if rest.strip() else {}


def parse_axis(text: str) -> tuple[str, list[Any]]:
    """`key=v1,v2,...` -> (key, [v1, v2, ...]) with at least one value."""
    where = f"--grid {text!r}"
    key, sep, raw = text.partition("=")
    if not sep or not raw.strip():
        raise SpecError(
            f"{where}: expected key=v1,v2,... (e.g. --grid mitigations.circuit_breaker.drop=0.1,0.3)."
        )
    values = [_value(v, where) for v in split_top(raw)]
    if any(a == b for i, a in enumerate(values) for b in values[i + 1 :]):
        raise SpecError(f"{where}: a value is repeated (1 and 1.0 are the same value); give each value once.")
    return _key(key.strip(), where), values


def load_variants_file(path: Path) -> tuple[dict[str, Any], list[tuple[str, dict[str, Any]]]]:
    """A YAML file `{description?, seed?, blocks?, variants: {NAME: {key: value, ...}}}`; returns the settings
    and the variants in file order."""
    try:
        data = yaml.safe_load(path.read_text())
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the variants file ({exc.strerror}).") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path}: not valid YAML ({str(exc).splitlines()[0]}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("variants"), dict) or not data["variants"]:
        raise SpecError(
            f"{path}: expected a mapping with `variants: {{NAME: {{key: value}}}}` (at least one)."
        )
    unknown = set(data) - {"seed", "blocks", "description", "variants"}
    if unknown:
        raise SpecError(
            f"{path}: unknown field(s) {', '.join(sorted(unknown))}; allowed: seed, blocks, description, variants "
            "(the scenario is the command's argument)."
        )
    for name, least in (("seed", 0), ("blocks", 1)):
        value = data.get(name)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
            raise SpecError(f"{path}: field `{name}` must be a whole number >= {least} (got {value!r}).")
    variants: list[tuple[str, dict[str, Any]]] = []
    for name, changes in data["variants"].items():
        where = f"{path}: variants.{name}"
        if not NAME.match(str(name)):
            raise SpecError(f"{where}: a variant name is letters, digits, '_', '-' or '.'.")
        if changes is None:
            changes = {}
        if not isinstance(changes, dict):
            raise SpecError(f"{where}: expected a mapping of scenario field paths to values.")
        variants.append((str(name), {_key(str(k), where): v for k, v in changes.items()}))
    settings = {k: data[k] for k in ("seed", "blocks", "description") if k in data}
    return settings, variants
