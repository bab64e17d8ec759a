"""Compiled contract artifacts (ABI and bytecode) read from ape's `.build/__local__.json`, without ape."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.node.paths import REPO_ROOT

BUILD_MANIFEST = REPO_ROOT / ".build" / "__local__.json"


class ArtifactsMissing(RuntimeError):
    """The contracts were not compiled (or a named contract does not exist)."""


@dataclass(frozen=True)
class Artifact:
    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    runtime_bytecode: bytes

    @property
    def runtime_sha256(self) -> str:
        return hashlib.sha256(self.runtime_bytecode).hexdigest()


def _hex(value: dict[str, Any] | None) -> bytes:
    text = (value or {}).get("bytecode") or "0x"
    return bytes.fromhex(text.removeprefix("0x"))


@cache
def _manifest(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ArtifactsMissing(
            f"no compiled contracts at {path}: run `ape compile` (or `make setup compile`) first."
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def load_artifact(name: str, manifest: Path = BUILD_MANIFEST) -> Artifact:
    """The artifact of contract `name` as compiled by `ape compile`."""
    types = _manifest(manifest)["contractTypes"]
    if name not in types:
        raise ArtifactsMissing(
            f"contract {name!r} is not among the compiled contracts ({', '.join(sorted(types))})."
        )
    ct = types[name]
    return Artifact(
        name=name,
        abi=tuple(ct["abi"]),
        bytecode=_hex(ct.get("deploymentBytecode")),
        runtime_bytecode=_hex(ct.get("runtimeBytecode")),
    )


def artifact_names(manifest: Path = BUILD_MANIFEST) -> list[str]:
    """Every compiled contract's name."""
    return sorted(_manifest(manifest)["contractTypes"])
