"""`ape run deploy` on a fresh ape-managed anvil: the whole default market, recorded by name."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.market.deployments import deployment_file
from sim.node.paths import REPO_ROOT

EXPECTED = {
    "token:USDC", "token:USDe", "token:sUSDe", "pool:curve_usde_usdc", "pool:bn_usde_usdt", "oracle:aave",
    "oracle:binance", "oracle:okx", "lending:aave", "synthetic", "staking", "venue:binance", "venue:okx",
    "breaker:binance", "breaker:okx", "pool:okx_alt_usdt", "factory", "router",
}  # fmt: skip


@pytest.mark.slow
def test_ape_run_deploy_deploys_the_default_market() -> None:
    ape = Path(sys.executable).parent / "ape"
    env = {**os.environ, "SOLCX_BINARY_PATH": str(REPO_ROOT / ".solcx")}
    out = subprocess.run(
        [str(ape), "run", "deploy"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stdout + out.stderr
    recorded = json.loads(deployment_file("local").read_text())
    assert recorded["network"] == "local"
    assert set(recorded["contracts"]) >= EXPECTED
    assert all(address.startswith("0x") and len(address) == 42 for address in recorded["contracts"].values())
    assert f"{len(recorded['contracts'])} contracts; wrote" in out.stdout
