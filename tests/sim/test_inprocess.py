"""The in-process backend against anvil: the same scenario gives the same outputs byte for byte (gas figures
in summary.json aside), and each pyrevm behaviour the backend works around is pinned on both backends."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim.analysis.batch import ATTEMPTS_FILE, LocalExecutor, RunTask
from sim.cli import cli
from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact
from sim.node.backend import FUNDER_KEY, Backend
from sim.node.backends import BackendOptions, open_backend
from sim.node.chain import ChainError, TxRequest, Wallet
from sim.node.contracts import create_address
from sim.node.inprocess import InProcessBackend
from sim.node.rpc import RpcError
from sim.node.rpc import call as rpc_call
from sim.run import RunOptions, run, run_task

DATA = Path(__file__).parent / "data"
SCENARIOS = Path(__file__).parents[2] / "scenarios"
# Byte for byte on both backends; summary.json (gas, timings, last_block_hash) and manifest.json (backend) differ.
COMPARED = ("events.jsonl", "timeseries.csv", "liquidations.csv", "agents.csv", "positions.csv")
GENESIS = 1_760_000_000


def assert_same_files(anvil: Path, revm: Path) -> None:
    """Every compared output is present in both runs and equal byte for byte."""
    for name in COMPARED:
        assert (anvil / name).exists() and (revm / name).exists(), name
        assert (anvil / name).read_bytes() == (revm / name).read_bytes(), name


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict[str, Any]]]:
    runs = {}
    for backend in ("anvil", "revm"):
        out = tmp_path_factory.mktemp(backend)
        options = RunOptions(scenario=DATA / "mini.yaml", out_dir=out, backend=backend, trace_reverts=True)
        runs[backend] = (out, run(options))
    return runs


def test_both_backends_write_the_same_outputs_byte_for_byte(
    both: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    (anvil, anvil_summary), (revm, revm_summary) = both["anvil"], both["revm"]
    assert anvil_summary["blocks"] == revm_summary["blocks"] == 40
    assert_same_files(anvil, revm)
    assert anvil_summary["events_sha256"] == revm_summary["events_sha256"]
    events = [json.loads(line) for line in (revm / "events.jsonl").open()]
    failed = [e for e in events if e["event"] == "TxFailed"]
    assert failed and all(not e["args"]["reason"].startswith("unknown") for e in failed)


def test_the_manifest_and_summary_name_the_backend_and_whether_gas_is_exact(
    both: dict[str, tuple[Path, dict[str, Any]]],
) -> None:
    for backend, exact in (("anvil", True), ("revm", False)):
        out, summary = both[backend]
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["backend"]["name"] == backend and manifest["backend"]["gas_exact"] is exact
        assert manifest["backend"]["version"]
        assert summary["backend"] == backend and summary["gas_exact"] is exact
    assert both["anvil"][1]["gas_by_call"].keys() == both["revm"][1]["gas_by_call"].keys()
    assert {k: v["count"] for k, v in both["anvil"][1]["gas_by_call"].items()} == {
        k: v["count"] for k, v in both["revm"][1]["gas_by_call"].items()
    }


def test_the_same_seed_gives_the_same_event_log_in_process(
    tmp_path: Path, both: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    again = run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path, backend="revm", trace_reverts=True))
    assert again["events_sha256"] == both["revm"][1]["events_sha256"]


@pytest.mark.slow
def test_october_2025_in_process_equals_anvil_and_shows_the_signature(tmp_path: Path) -> None:
    """The whole October 2025 scenario (360 blocks, every liquidation wave) gives the same files on both
    backends, and shows the event's signature (venue-only depeg, a venue cascade over several waves)."""
    summaries = {}
    for backend in ("revm", "anvil"):
        options = RunOptions(
            scenario=SCENARIOS / "oct10_2025_pools.yaml", out_dir=tmp_path / backend, backend=backend
        )
        summaries[backend] = run(options)
    assert_same_files(tmp_path / "anvil", tmp_path / "revm")
    assert summaries["anvil"]["events_sha256"] == summaries["revm"]["events_sha256"]
    summary = summaries["revm"]
    low = summary["min_price"]
    assert low["pool:bn_usde_usdt:USDe"] < 0.80 and low["pool:curve_usde_usdc:USDe"] > 0.97
    assert summary["cascade"]["max_wave"] >= 3 and summary["cascade"]["amplification"] > 1.5
    assert len((tmp_path / "anvil" / "liquidations.csv").read_text().splitlines()) > 10


@pytest.mark.slow
@pytest.mark.parametrize("name", ["calm", "funding_drain"])
def test_the_other_scenarios_give_the_same_files_on_both_backends(tmp_path: Path, name: str) -> None:
    for backend in ("anvil", "revm"):
        run(
            RunOptions(
                scenario=SCENARIOS / f"{name}.yaml", out_dir=tmp_path / backend, backend=backend, blocks=40
            )
        )
    assert_same_files(tmp_path / "anvil", tmp_path / "revm")


# -- the pyrevm behaviours the backend handles, pinned on both backends


@pytest.fixture(params=["anvil", "revm"])
def node(request: pytest.FixtureRequest) -> Iterator[Backend]:
    backend = open_backend(BackendOptions(kind=request.param, genesis_timestamp=GENESIS))
    try:
        yield backend
    finally:
        backend.close()


def _deploy(node: Backend, wallet: Wallet, initcode: bytes) -> bytes:
    block = node.send_block([TxRequest(wallet, None, initcode, gas=3_000_000)])
    address = block.txs[0].contract_address
    assert block.txs[0].success and address is not None
    return address


def _runtime(code: str) -> bytes:
    """Init code that deploys `code` (hex) as the runtime code."""
    runtime = bytes.fromhex(code)
    size = len(runtime)
    return bytes.fromhex(f"60{size:02x}600a5f3960{size:02x}5ff3") + runtime


def test_blocks_have_the_requested_numbers_timestamps_and_chain_id(node: Backend) -> None:
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    assert node.number == 0 and node.timestamp == GENESIS and node.chain_id == 31337
    # NUMBER, TIMESTAMP and CHAINID returned as three words.
    probe = _deploy(node, wallet, _runtime("435f5242602052466040526060" + "5ff3"))
    block = node.send_block([], timestamp=GENESIS + 100)
    assert (block.number, block.timestamp) == (2, GENESIS + 100)
    out = node.call(probe, b"")
    assert [int.from_bytes(out[i : i + 32], "big") for i in (0, 32, 64)] == [2, GENESIS + 100, 31337]


def test_deployments_land_where_the_senders_nonce_says(node: Backend) -> None:
    """pyrevm's message_call does not bump the caller's nonce; created addresses must still follow it."""
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    abi = ContractAbi.from_abi(load_artifact("MockERC20").abi)
    initcode = load_artifact("MockERC20").bytecode + abi.encode_constructor("T", "T", 18)
    first = _deploy(node, wallet, initcode)
    node.send_block([TxRequest(wallet, first, abi.fn("mint").encode(wallet.address, 10**20))] * 3)
    second = _deploy(node, wallet, initcode)
    assert (first, second) == (create_address(wallet.address, 0), create_address(wallet.address, 4))
    again = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(again)
    assert again.nonce == 5


def test_transient_storage_lives_for_one_transaction(node: Backend) -> None:
    """Logs TLOAD(0), then TSTORE(0, 1): every transaction must log 0 (EIP-1153)."""
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    contract = _deploy(node, wallet, _runtime("5f5c60015f5d5f5260205fa000"))
    block = node.send_block([TxRequest(wallet, contract, b"", gas=100_000)] * 3)
    assert [int.from_bytes(t.logs[0].data, "big") for t in block.txs] == [0, 0, 0]
    assert [log.log_index for t in block.txs for log in t.logs] == [0, 1, 2]


def test_reverts_carry_their_data_and_reads_leave_nothing_behind(node: Backend) -> None:
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    abi = ContractAbi.from_abi(load_artifact("MockERC20").abi)
    token = _deploy(node, wallet, load_artifact("MockERC20").bytecode + abi.encode_constructor("T", "T", 18))
    other = bytes.fromhex("22" * 20)
    transfer = abi.fn("transfer").encode(other, 1)
    block = node.send_block([TxRequest(wallet, token, transfer)])
    assert not block.txs[0].success
    reason = node.revert_data(block.txs[0].tx_hash)
    assert reason[:4] in abi.errors  # the ERC-6093 custom error, with its arguments
    with pytest.raises(RpcError) as caught:
        node.call(token, transfer, sender=wallet.address)
    assert bytes.fromhex(str(caught.value.data).removeprefix("0x")) == reason
    # A read of the slots a transaction then uses must not make it cheaper.
    node.send_block([TxRequest(wallet, token, abi.fn("mint").encode(wallet.address, 10**20))])
    cold = node.send_block([TxRequest(wallet, token, abi.fn("transfer").encode(other, 1))])
    node.calls([(token, abi.fn("balanceOf").encode(bytes.fromhex("33" * 20)))])
    read_first = node.send_block(
        [TxRequest(wallet, token, abi.fn("transfer").encode(bytes.fromhex("33" * 20), 1))]
    )
    assert cold.txs[0].gas_used == read_first.txs[0].gas_used


def test_a_used_nonce_is_refused_and_not_counted(node: Backend) -> None:
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    node.send_block([TxRequest(wallet, bytes(20), b"", gas=30_000)])
    wallet.nonce = 0
    with pytest.raises(ChainError, match=r"transaction 0 of the block .* was refused"):
        node.send_block([TxRequest(wallet, bytes(20), b"", gas=30_000)])
    assert wallet.nonce == 0


def test_gas_is_exact_on_anvil_only(node: Backend) -> None:
    """Two identical transfers: a fresh transaction pays the cold-access price each time on anvil; pyrevm's
    journal keeps the slots warm, so the second is cheaper there, and the backend says gas is not exact."""
    wallet = Wallet.from_hex(FUNDER_KEY)
    node.sync_nonce(wallet)
    abi = ContractAbi.from_abi(load_artifact("MockERC20").abi)
    token = _deploy(node, wallet, load_artifact("MockERC20").bytecode + abi.encode_constructor("T", "T", 18))
    node.send_block([TxRequest(wallet, token, abi.fn("mint").encode(wallet.address, 10**20))])
    transfer = abi.fn("transfer").encode(bytes.fromhex("44" * 20), 1)
    gas = [node.send_block([TxRequest(wallet, token, transfer)]).txs[0].gas_used for _ in range(3)]
    exact = node.describe()["gas_exact"]
    assert exact == (gas[1] == gas[2] and gas[1] > 30_000)


def test_state_survives_every_move_into_a_fresh_evm() -> None:
    """Compaction: balances, nonces, code and storage carry over, including accounts that were not touched
    between two compactions (they live in the fresh EVM's database, which pyrevm cannot list)."""
    node = InProcessBackend.create(
        GENESIS, [bytes.fromhex("f39fd6e51aad88f6f4ce6ab8827279cfffb92266")], 31337, 0
    )
    wallet = Wallet.from_hex(FUNDER_KEY)
    abi = ContractAbi.from_abi(load_artifact("MockERC20").abi)
    initcode = load_artifact("MockERC20").bytecode + abi.encode_constructor("T", "T", 18)
    first, second = _deploy(node, wallet, initcode), _deploy(node, wallet, initcode)
    node.send_block(
        [TxRequest(wallet, t, abi.fn("mint").encode(wallet.address, 10**20)) for t in (first, second)]
    )
    balance_of = abi.fn("balanceOf").encode(wallet.address)
    node.compact()
    node.send_block([TxRequest(wallet, second, abi.fn("transfer").encode(bytes.fromhex("55" * 20), 5))])
    node.compact()  # `first` was not touched since the last compaction
    assert node.compactions == 2
    assert int.from_bytes(node.call(first, balance_of), "big") == 10**20
    assert int.from_bytes(node.call(second, balance_of), "big") == 10**20 - 5
    third = _deploy(node, wallet, initcode)
    assert third == create_address(wallet.address, 5)
    assert abi.fn("symbol").decode(node.call(third, abi.fn("symbol").encode()))[0] == "T"


def test_a_compacted_run_writes_the_same_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, both: dict[str, tuple[Path, dict[str, Any]]]
) -> None:
    monkeypatch.setattr("sim.node.inprocess.COMPACT_EVERY", 97)
    run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path, backend="revm", trace_reverts=True))
    assert_same_files(both["revm"][0], tmp_path)


def test_an_in_process_run_replays_on_a_devnet_that_stays_up(tmp_path: Path) -> None:
    """`cascade devnet --scenario S` starts the devnet a run would; `cascade run S --rpc URL` then replays the
    in-process run block for block on a node ape, cast and tracers can still reach afterwards."""
    from sim.node.anvil import run_config
    from sim.node.devnet import Devnet
    from sim.run import genesis_timestamp
    from sim.scenario.loading import load_scenario

    fast = run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "fast", backend="revm", blocks=12))
    with Devnet(run_config(genesis_timestamp(load_scenario(DATA / "mini.yaml")), accounts=10)) as node:
        replay = run(
            RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "replay", rpc_url=node.url, blocks=12)
        )
        assert int(rpc_call(node.url, "eth_blockNumber"), 16) > replay["blocks"]  # still up, the run on it
    assert replay["backend"] == "anvil" and fast["blocks"] == replay["blocks"] == 12
    assert_same_files(tmp_path / "replay", tmp_path / "fast")
    assert fast["events_sha256"] == replay["events_sha256"]


def test_the_in_process_backend_has_no_endpoint(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["run", str(DATA / "mini.yaml"), "--backend", "revm", "--rpc", "http://127.0.0.1:8545",
         "--out", str(tmp_path / "o"), "--no-progress"],
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--rpc http://127.0.0.1:8545 needs the anvil backend" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "o").exists()


def _kill_when_running(target: Path, killed: list[int]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        attempts = target / ATTEMPTS_FILE
        if attempts.is_file() and (target / "timeseries.csv").is_file():
            pid = json.loads(attempts.read_text().splitlines()[0])["pid"]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.01)


def test_reused_workers_run_task_after_task_and_replace_a_killed_one(tmp_path: Path) -> None:
    tasks = [
        RunTask(f"t{i}", str(DATA / "mini.yaml"), str(tmp_path / f"t{i}"), {}, 42 + i, 40, backend="revm")
        for i in range(3)
    ]
    killed: list[int] = []
    killer = threading.Thread(target=_kill_when_running, args=(tmp_path / "t0", killed))
    killer.start()
    messages: list[str] = []
    outcomes = list(LocalExecutor(run_task, workers=1, retries=1, reuse=True).run(tasks, messages.append))
    killer.join()
    assert killed and sorted(o.task.id for o in outcomes) == ["t0", "t1", "t2"]
    assert all(o.status == "completed" for o in outcomes)
    assert any(f"process {killed[0]} died" in m for m in messages)
    pids = [json.loads(line)["pid"] for line in (tmp_path / "t0" / ATTEMPTS_FILE).read_text().splitlines()]
    later = {json.loads((tmp_path / t / ATTEMPTS_FILE).read_text())["pid"] for t in ("t1", "t2")}
    assert pids[0] == killed[0] and len(later) == 1 and pids[1] in later  # one new worker ran the rest
