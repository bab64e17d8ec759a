"""The toolchain the rest stands on: the solc bridge, the devnet launcher and `cascade --version`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.node import rpc
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.paths import REPO_ROOT, SOLC_BRIDGE, SOLC_VERSION

FIRST_ANVIL_ACCOUNT = "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"


def run_bridge(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SOLC_BRIDGE), *args], input=stdin, capture_output=True, text=True, timeout=120)


def test_bridge_prints_native_version_line() -> None:
    out = run_bridge("--version")
    assert out.returncode == 0
    assert f"Version: {SOLC_VERSION}+commit." in out.stdout


def test_bridge_reports_syntax_error_with_file_and_line() -> None:
    source = (
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract Broken {\n    uint x = ;\n}\n"
    )
    request = {
        "language": "Solidity",
        "sources": {"src/Broken.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    out = run_bridge("--standard-json", stdin=json.dumps(request))
    errors = json.loads(out.stdout)["errors"]
    assert errors[0]["type"] == "ParserError"
    assert "src/Broken.sol:4:14" in errors[0]["formattedMessage"]


def test_bridge_resolves_imports_from_disk(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "Dep.sol").write_text(
        "pragma solidity ^0.8.0; library Dep { function one() internal pure returns (uint) { return 1; } }"
    )
    request = {
        "language": "Solidity",
        "sources": {
            "Main.sol": {
                "content": 'pragma solidity ^0.8.0; import "lib/Dep.sol"; contract Main { function f() external pure returns (uint) { return Dep.one(); } }'
            }
        },
        "settings": {"outputSelection": {"*": {"*": ["evm.bytecode.object"]}}},
    }
    out = run_bridge("--standard-json", "--base-path", str(tmp_path), stdin=json.dumps(request))
    result = json.loads(out.stdout)
    assert not [e for e in result.get("errors", []) if e["severity"] == "error"]
    assert result["contracts"]["Main.sol"]["Main"]["evm"]["bytecode"]["object"]


def test_bridge_writes_large_output_completely() -> None:
    # Many contracts make a multi-megabyte JSON: an early exit would truncate it and break json.loads.
    body = "".join(
        f"contract C{i} {{ function f{i}(uint a) external pure returns (uint) {{ return a * {i}; }} }}\n"
        for i in range(150)
    )
    request = {
        "language": "Solidity",
        "sources": {"Many.sol": {"content": "pragma solidity ^0.8.0;\n" + body}},
        "settings": {
            "outputSelection": {
                "*": {"*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers"]}
            }
        },
    }
    out = run_bridge("--standard-json", stdin=json.dumps(request))
    assert len(out.stdout) > 1_000_000
    assert len(json.loads(out.stdout)["contracts"]["Many.sol"]) == 150


@pytest.mark.slow
def test_ape_compile_surfaces_solc_error_with_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "contracts").mkdir()
    (tmp_path / "ape-config.yaml").write_text(
        textwrap.dedent(f"""
        name: broken
        plugins: [{{name: solidity}}]
        solidity: {{version: {SOLC_VERSION}, evm_version: cancun}}
        """)
    )
    (tmp_path / "contracts" / "Bad.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n\ncontract Bad { uint y = ; }\n"
    )
    env = {
        **os.environ,
        "SOLCX_BINARY_PATH": str(REPO_ROOT / ".solcx"),
        "APE_DATA_FOLDER": str(tmp_path / ".ape"),
    }
    ape = Path(sys.executable).parent / "ape"
    out = subprocess.run(
        [str(ape), "compile"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode != 0
    assert "ParserError" in out.stdout + out.stderr
    assert "Bad.sol:4:25" in out.stdout + out.stderr


def test_devnet_starts_with_deterministic_accounts_and_stops() -> None:
    with Devnet(DevnetConfig(accounts=3)) as node:
        assert node.accounts[0].address == FIRST_ANVIL_ACCOUNT
        assert len(node.accounts) == 3
        assert int(rpc.call(node.url, "eth_chainId"), 16) == 31337
        balance = int(rpc.call(node.url, "eth_getBalance", [FIRST_ANVIL_ACCOUNT, "latest"]), 16)
        assert balance == 1_000_000 * 10**18
        url = node.url
    with pytest.raises(rpc.DevnetUnreachable, match="did not answer"):
        rpc.call(url, "eth_chainId", timeout=1.0)


def test_devnet_moves_to_another_port_when_taken() -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        taken = squatter.getsockname()[1]
        with Devnet(DevnetConfig(port=taken, accounts=1)) as node:
            assert node.requested_port_taken
            assert node.port != taken
            assert rpc.call(node.url, "eth_blockNumber") == "0x0"


def test_rpc_batch_returns_replies_in_request_order() -> None:
    with Devnet(DevnetConfig(accounts=1)) as node:
        replies = rpc.batch(node.url, [("eth_chainId", []), ("eth_blockNumber", []), ("no_such_method", [])])
        assert replies[0] == "0x7a69"
        assert replies[1] == "0x0"
        assert isinstance(replies[2], rpc.RpcError)


def test_cli_version_names_package_solc_and_anvil() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("cascade-sim ")
    assert lines[1] == f"solc {SOLC_VERSION}"
    assert lines[2] == "anvil 1.7.1"
