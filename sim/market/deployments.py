"""Read and write `deployments/<network>.json`: contract addresses by name."""

from __future__ import annotations

import json
from pathlib import Path

from sim.node.paths import REPO_ROOT

DEPLOYMENTS_DIR = REPO_ROOT / "deployments"


def deployment_file(network: str, folder: Path = DEPLOYMENTS_DIR) -> Path:
    safe = network.replace(":", "-").replace("/", "-")
    return folder / f"{safe}.json"


def write_deployment(network: str, addresses: dict[str, str], folder: Path = DEPLOYMENTS_DIR) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = deployment_file(network, folder)
    path.write_text(json.dumps({"network": network, "contracts": addresses}, indent=2, sort_keys=True) + "\n")
    return path
