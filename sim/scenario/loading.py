"""Reading a scenario: the file as UTF-8 text, `extends` chains, `--set` overrides, and validation errors that
name the field and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.schema import Scenario, ScenarioError


def _location(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_references(), Scenario]",) or part.startswith(
            ("function-", "tagged-union")
        ):
            continue
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def format_validation_error(source: str, error: ValidationError) -> str:
    lines = [
        f"{source}: invalid scenario ({error.error_count()} problem{'s' if error.error_count() > 1 else ''}):"
    ]
    for item in error.errors(include_url=False):
        value = item.get("input")
        shown = repr(value) if not isinstance(value, dict | list) else type(value).__name__
        message = item["msg"].removeprefix("Value error, ")
        location = _location(item["loc"])
        if location == "(top level)":
            lines.append(f"  - {message}")
        else:
            lines.append(f"  - field `{location}`: {message} (got {shown})")
    lines.append("Fix the field(s) above; see docs/scenarios.md for every field and its allowed values.")
    return "\n".join(lines)


def parse_scenario(data: Any, source: str = "<scenario>") -> Scenario:
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a scenario is a YAML mapping of fields, got {type(data).__name__}.")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(source, exc)) from None


def read_text(file: Path, what: str) -> str:
    """A text file as UTF-8 (a byte-order mark is accepted); anything else is refused by name, not decoded."""
    raw = file.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError(
            f"{file}: this {what} is UTF-16 text; save it as UTF-8 (in most editors: Save with encoding UTF-8) "
            "and run again."
        )
    if b"\x00" in raw:
        raise ScenarioError(
            f"{file}: this {what} is a binary file, not YAML text; pass the .yaml file itself."
        )
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{file}: this {what} is not UTF-8 text (byte {exc.start} is 0x{raw[exc.start]:02x}); save it as "
            "UTF-8 and run again."
        ) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, apply `key.path=value` overrides, and validate a scenario file."""
    file = Path(path)
    if not file.is_file():
        raise ScenarioError(
            f"{file}: no such scenario file; pass a path to a YAML file such as scenarios/calm.yaml."
        )
    try:
        data = yaml.safe_load(read_text(file, "scenario file"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ScenarioError(f"{file}: not valid YAML{where}: {problem}. Fix the syntax there.") from None
    if isinstance(data, dict) and "extends" in data:
        data = _extend(file, data, (file.resolve(),))
    for key, value in (overrides or {}).items():
        if isinstance(data, dict) and key.startswith("venue.") and "venue" not in data and "venues" in data:
            key = "venues[0]." + key.removeprefix("venue.")  # `venue.` is the first venue of a list too
        try:
            set_path(data, key, value)
        except (IndexError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScenarioError(
                f"{file}: cannot set `{key}` ({type(exc).__name__}: {exc}): the path must follow the scenario's "
                "fields, with [i] or [name] for an existing list item (e.g. agents[0].count=10 or "
                "agents[cross-whale].count=10)."
            ) from None
    return parse_scenario(data, str(file))


def _extend(file: Path, data: dict[str, Any], chain: tuple[Path, ...]) -> dict[str, Any]:
    """`extends: other.yaml` (relative to this file): start from that scenario, then merge this one over it
    (mappings merge key by key unless their `kind` changes; lists and values replace)."""
    base_file = (file.parent / str(data.pop("extends"))).resolve()
    if base_file in chain:
        names = " -> ".join(p.name for p in (*chain, base_file))
        raise ScenarioError(
            f"{file}: `extends` goes round in a circle ({names}); one of these files must not extend."
        )
    if not base_file.is_file():
        raise ScenarioError(f"{file}: field `extends` names {base_file}, which does not exist; fix the path.")
    try:
        base = yaml.safe_load(read_text(base_file, "scenario file"))
    except yaml.YAMLError as exc:
        raise ScenarioError(
            f"{base_file} (extended by {file}): not valid YAML ({str(exc).splitlines()[0]})."
        ) from None
    if not isinstance(base, dict):
        raise ScenarioError(f"{base_file} (extended by {file}): a scenario is a YAML mapping of fields.")
    if "extends" in base:
        base = _extend(base_file, base, (*chain, base_file))
    merged: dict[str, Any] = _merge(base, data)
    return merged


def _merge(base: Any, over: Any) -> Any:
    # A mapping that changes its `kind` (a price path, an oracle source) is a new thing: replace it whole.
    if (
        isinstance(base, dict)
        and isinstance(over, dict)
        and over.get("kind", base.get("kind")) == base.get("kind")
    ):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return over


def set_path(data: Any, dotted: str, value: Any) -> None:
    """Set `a.b[2].c`-style paths in nested dicts and lists (for --set and variants). A list item can also be
    named: `agents[cross-whale]` is the item whose `name` (else `kind`) is cross-whale."""
    parts = dotted.replace("]", "").replace("[", ".").split(".")
    target = data
    for i, part in enumerate(parts[:-1]):
        nxt = parts[i + 1]
        if isinstance(target, list):
            target = target[_list_index(target, part)]
        else:
            target = target.setdefault(part, [] if nxt.isdigit() else {})
    last = parts[-1]
    if isinstance(target, list):
        target[_list_index(target, last)] = value
    else:
        target[last] = value


def _list_index(items: list[Any], part: str) -> int:
    if part.lstrip("-").isdigit():
        return int(part)
    named = [
        i
        for i, item in enumerate(items)
        if isinstance(item, dict) and (item.get("name") or item.get("kind")) == part
    ]
    if len(named) != 1:
        found = "no item" if not named else f"{len(named)} items"
        raise KeyError(f"{found} named {part!r} in the list")
    return named[0]
