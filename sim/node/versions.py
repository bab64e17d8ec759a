"""Versions of the package and its toolchain, for `cascade --version` and run manifests."""

from __future__ import annotations

import json
import subprocess
from importlib import metadata

from sim import __version__
from sim.node.paths import REPO_ROOT, ToolchainMissing, anvil_binary


def solc_version() -> str:
    """The solc-js version installed from npm (the bridge compiles with it)."""
    package = REPO_ROOT / "node_modules" / "solc" / "package.json"
    if not package.is_file():
        return "not installed (run `make setup`)"
    return str(json.loads(package.read_text())["version"])


def anvil_version() -> str:
    """The first line anvil prints for --version, minus its program name."""
    try:
        binary = anvil_binary()
    except ToolchainMissing:
        return "not installed (run `make setup`)"
    out = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False)
    first = out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"
    return first.removeprefix("anvil Version:").removeprefix("anvil").strip()


def package_versions(
    names: tuple[str, ...] = ("eth-ape", "ape-solidity", "ape-foundry", "web3", "pyrevm"),
) -> dict[str, str]:
    """Installed versions of the Python packages a run depends on."""
    versions: dict[str, str] = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def version_banner() -> str:
    """What `cascade --version` prints."""
    pyrevm = package_versions(("pyrevm",))["pyrevm"]
    return f"cascade-sim {__version__}\nsolc {solc_version()}\nanvil {anvil_version()}\npyrevm {pyrevm} (in-process EVM)"
