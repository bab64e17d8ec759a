"""Where the toolchain lives: the repository root, the npm-installed anvil and the solc bridge."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLC_VERSION = "0.8.37"
ANVIL_NPM_BINARY = REPO_ROOT / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
SOLC_BRIDGE = REPO_ROOT / "tools" / "solc-bridge.js"
SOLCX_DIR = REPO_ROOT / ".solcx"


class ToolchainMissing(RuntimeError):
    """A binary the simulator needs is not installed; the message says how to install it."""


def anvil_binary() -> Path:
    """The anvil executable: $CASCADE_ANVIL, the repo's npm copy, then PATH."""
    override = os.environ.get("CASCADE_ANVIL")
    if override:
        path = Path(override)
        if not path.is_file():
            raise ToolchainMissing(
                f"CASCADE_ANVIL points to {path}, which does not exist: unset it or fix the path."
            )
        return path
    if ANVIL_NPM_BINARY.is_file():
        return ANVIL_NPM_BINARY
    found = shutil.which("anvil")
    if found:
        return Path(found)
    raise ToolchainMissing(
        "anvil was not found (looked in $CASCADE_ANVIL, node_modules/@foundry-rs and PATH): "
        "run `make setup` in the repository, which installs @foundry-rs/anvil 1.7.1 from npm."
    )


def use_repo_solc() -> None:
    """Point py-solc-x at the repo's solc bridge unless the user chose another compiler folder."""
    if (SOLCX_DIR / f"solc-v{SOLC_VERSION}").exists():
        os.environ.setdefault("SOLCX_BINARY_PATH", str(SOLCX_DIR))
