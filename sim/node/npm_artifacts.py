"""The real protocols' compiled contracts, as their npm packages ship them (ABI, creation code, library links).

`@uniswap/v2-core` ships the factory and pair compiled by solc 0.5.16 (the bytecode deployed on mainnet), and
`@uniswap/v2-periphery` the routers and their interfaces (`IUniswapV2Router02`) in the same format;
`@aave/core-v3` ships hardhat artifacts of Aave v3.0.2 whose creation code has placeholders for the logic
libraries it calls (`link` fills them in), and `@openzeppelin/contracts` hardhat artifacts of its contracts and
interfaces (`IERC4626`). All are pinned devDependencies in package.json, so `make setup` installs them on a
fresh clone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sim.node.paths import REPO_ROOT

NODE_MODULES = REPO_ROOT / "node_modules"
UNISWAP_V2_BUILD = NODE_MODULES / "@uniswap" / "v2-core" / "build"
UNISWAP_V2_PERIPHERY_BUILD = NODE_MODULES / "@uniswap" / "v2-periphery" / "build"
AAVE_V3_ARTIFACTS = NODE_MODULES / "@aave" / "core-v3" / "artifacts" / "contracts"
OPENZEPPELIN_BUILD = NODE_MODULES / "@openzeppelin" / "contracts" / "build" / "contracts"


class NpmArtifactMissing(RuntimeError):
    """An npm package (or a contract in it) is not installed; the message names the fix."""


@dataclass(frozen=True)
class NpmArtifact:
    """A contract from an npm package: its ABI, creation code and the library placeholders in that code.

    `links` maps a library's name to the byte offsets of the 20-byte placeholders to fill with its address.
    """

    name: str
    abi: tuple[dict[str, Any], ...]
    bytecode: bytes
    links: dict[str, tuple[int, ...]]

    def link(self, libraries: dict[str, bytes]) -> bytes:
        """The creation code with every library placeholder replaced by that library's address."""
        missing = sorted(set(self.links) - set(libraries))
        if missing:
            raise NpmArtifactMissing(f"{self.name} needs the address of {', '.join(missing)} to be deployed")
        code = bytearray(self.bytecode)
        for library, offsets in self.links.items():
            for offset in offsets:
                code[offset : offset + 20] = libraries[library]
        return bytes(code)


def _read(path: Path, package: str) -> dict[str, Any]:
    if not path.is_file():
        raise NpmArtifactMissing(
            f"{path} is missing: the npm package {package} (a pinned devDependency in package.json) is not "
            "installed. Run `make setup` (or `npm install --no-save`) in the repository."
        )
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def package_version(package: str) -> str:
    """The installed version of an npm package (e.g. `@uniswap/v2-core`), for run manifests."""
    version: str = _read(NODE_MODULES / package / "package.json", package)["version"]
    return version


def _waffle(path: Path, package: str, name: str) -> NpmArtifact:
    """A waffle build artifact (Uniswap's packages): ABI and creation code under evm.bytecode.object."""
    data = _read(path, package)
    code = data["evm"]["bytecode"]["object"]
    return NpmArtifact(name, tuple(data["abi"]), bytes.fromhex(code.removeprefix("0x")), {})


@cache
def uniswap_v2(name: str) -> NpmArtifact:
    """`UniswapV2Factory`, `UniswapV2Pair`, `IUniswapV2Pair`...: the artifacts of `@uniswap/v2-core`."""
    return _waffle(UNISWAP_V2_BUILD / f"{name}.json", "@uniswap/v2-core", name)


@cache
def uniswap_v2_periphery(name: str) -> NpmArtifact:
    """`UniswapV2Router02`, `IUniswapV2Router02`...: the artifacts of `@uniswap/v2-periphery`."""
    return _waffle(UNISWAP_V2_PERIPHERY_BUILD / f"{name}.json", "@uniswap/v2-periphery", name)


@cache
def aave_v3(source: str) -> NpmArtifact:
    """An `@aave/core-v3` artifact by its source path under contracts/, e.g. `protocol/pool/Pool.sol/Pool`."""
    return _hardhat(AAVE_V3_ARTIFACTS / f"{source}.json", "@aave/core-v3")


@cache
def openzeppelin(name: str) -> NpmArtifact:
    """`IERC4626`, `ERC4626`...: the artifacts of `@openzeppelin/contracts` (its build/contracts/)."""
    return _hardhat(OPENZEPPELIN_BUILD / f"{name}.json", "@openzeppelin/contracts")


def _hardhat(path: Path, package: str) -> NpmArtifact:
    """A hardhat artifact: ABI, creation code with library placeholders, and where those placeholders are."""
    data = _read(path, package)
    links: dict[str, tuple[int, ...]] = {}
    for libraries in data.get("linkReferences", {}).values():
        for library, places in libraries.items():
            links[library] = tuple(place["start"] for place in places)
    code = data["bytecode"].removeprefix("0x")
    # Unlinked placeholders are not hex; zero them so the rest parses (link() overwrites them).
    for offsets in links.values():
        for offset in offsets:
            code = code[: 2 * offset] + "00" * 20 + code[2 * offset + 40 :]
    return NpmArtifact(data["contractName"], tuple(data["abi"]), bytes.fromhex(code), links)
