"""Throughput benchmark: prints figures, asserts nothing.

On anvil:
1. The raw ceiling of one anvil: 500 ERC-20 transfers signed locally and sent as one JSON-RPC batch, then mined.
2. The engine's achieved transactions per second on oct10_2025 on the same anvil, and the ratio to (1).
3. Per-block wall time of the block loop with 100, 1,000 and 10,000 open lending positions and the same
   transactions per block, and the 10,000 / 100 ratio.
On the in-process EVM (`--backend revm`), measured in the same run:
4. pyrevm's raw ceiling (500 transfers per block through the backend) and the engine on oct10_2025 against it;
   the oct10 block loop and the whole `cascade run` command (set-up and report included) against anvil's.
5. Per-block wall time with 100, 10,000 and 100,000 positions and the same transactions, each run in a fresh
   process whose peak RSS is printed (the 100,000-position run executes over 400,000 transactions).
Sweeps (`--sweep-runs N`, default 10; the issue's figure is 100, about 40 minutes on anvil here):
6. `cascade sweep` of oct10_2025 over N seeds on 2 workers, on anvil and in process, and the ratio.

Run: .venv/bin/python benchmarks/throughput.py [--quick] [--revm-only] [--sweep-runs N] [--sweep-only]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

from sim.node.abi import ContractAbi
from sim.node.artifacts import load_artifact
from sim.node.backend import FUNDER_ADDRESS, FUNDER_KEY, Backend
from sim.node.chain import Chain, TxRequest, Wallet
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.inprocess import InProcessBackend
from sim.node.paths import REPO_ROOT
from sim.run import RunOptions, run

# The constant-product October market: the figures in benchmarks/README.md were measured on it.
SCENARIO = REPO_ROOT / "scenarios" / "oct10_2025_pools.yaml"
START = 1_760_129_400


def devnet() -> Devnet:
    return Devnet(
        DevnetConfig(accounts=2, genesis_timestamp=START - 7 * 86_400, base_fee=0, gas_limit=30_000_000_000)
    ).start()


def raw_ceiling(url: str, private_key: str, rounds: int = 5, batch: int = 500) -> float:
    """Median tx/s of `batch` transfers per block, signed locally, one batch request, one evm_mine."""
    chain = Chain(url).connect()
    wallet = Wallet.from_hex(private_key)
    chain.sync_nonce(wallet)
    return transfers_per_second(chain, wallet, rounds, batch)


def revm_raw_ceiling(rounds: int = 5, batch: int = 500) -> float:
    """The same block of transfers on a fresh in-process EVM (pyrevm), through the backend."""
    backend = InProcessBackend.create(START - 7 * 86_400, [FUNDER_ADDRESS], 31337)
    return transfers_per_second(backend, Wallet.from_hex(FUNDER_KEY), rounds, batch)


def transfers_per_second(chain: Backend | Chain, wallet: Wallet, rounds: int, batch: int) -> float:
    artifact = load_artifact("MockERC20")
    abi = ContractAbi.from_abi(artifact.abi)
    deployed = chain.send_block(
        [TxRequest(wallet, None, artifact.bytecode + abi.encode_constructor("B", "B", 18), gas=3_000_000)]
    )
    token = deployed.txs[0].contract_address
    assert token is not None
    chain.send_block([TxRequest(wallet, token, abi.fn("mint").encode(wallet.address, 10**30))])
    transfer = abi.fn("transfer")
    rates = []
    for r in range(rounds):
        txs = [
            TxRequest(wallet, token, transfer.encode((i + 1 + r * batch).to_bytes(20, "big"), 1), gas=100_000)
            for i in range(batch)
        ]
        started = time.perf_counter()
        block = chain.send_block(txs)
        rates.append(batch / (time.perf_counter() - started))
        assert all(t.success for t in block.txs)
    return statistics.median(rates)


def scaling_scenario(positions: int, blocks: int) -> dict[str, object]:
    """The oct10 market with `positions` passive borrowers far from liquidation, a slow ETH drift (so oracle
    pushes keep querying the liquidation index) and a fixed number of transactions per block."""
    capital = 50_000 * min(
        1.0, 10_000 / positions
    )  # beyond 10,000 borrowers the reserves could not lend more
    return {
        "extends": str(SCENARIO),
        "name": f"scaling_{positions}",
        "seed": 5,
        "blocks": blocks,
        "price_paths": {
            "WETH": {"kind": "piecewise", "knots": [[0, 1.0], [blocks, 0.9]]},
            "WBTC": {"kind": "piecewise", "knots": [[0, 1.0], [blocks, 0.9]]},
            "ALT": {"kind": "piecewise", "knots": [[0, 1.0], [blocks, 1.0]]},
        },
        "agents": [
            {"kind": "oracle_keeper", "count": 1},
            {"kind": "borrower", "count": positions, "params": {"market": "aave", "collateral": ["WETH", "WBTC"],
             "capital_usd": capital, "health_factor": {"uniform": [1.8, 3.0]}}},
            {"kind": "liquidation_bot", "count": 1, "params": {"market": "aave", "stables": ["USDC"], "capital_usd": 1_000_000}},
            {"kind": "seller", "count": 5, "params": {"pool": "uni_alt_usdc", "asset": "ALT", "amount_usd_per_block": 1_000}},
        ],
    }  # fmt: skip


def process_cpu_seconds(pid: int | None) -> float:
    """CPU seconds (user + system) a process has used so far; 0 without one."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class LoopCpu:
    """CPU seconds of the block loop after its first block, this process plus the node's (if any): on a shared
    machine wall time penalises the in-process run, which needs the CPU all the time, while the anvil run's
    Python waits for anvil (and anvil waits for Python) half the time."""

    def __init__(self, node_pid: int | None = None) -> None:
        self.node_pid = node_pid
        self.start = 0.0
        self.seconds = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.process_time() + process_cpu_seconds(self.node_pid)
        if done == 1:
            self.start = now
        if done == total:
            self.seconds = now - self.start


def child_run(scenario: Path, out: Path, backend: str, blocks: int | None = None) -> dict[str, Any]:
    """One run in a fresh interpreter (so its peak RSS is its own): the summary plus `peak_rss_mb`."""
    command = [sys.executable, __file__, "--child", str(scenario), str(out), backend, str(blocks or 0)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"child run failed: {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def child_main(scenario: str, out: str, backend: str, blocks: str) -> None:
    summary = run(
        RunOptions(scenario=Path(scenario), out_dir=Path(out), backend=backend, blocks=int(blocks) or None)
    )
    setup_txs = sum(c["count"] for c in summary["gas_setup_by_call"].values()) + len(summary["gas_deploy"])
    keep = (
        "loop_seconds",
        "wall_seconds",
        "blocks",
        "transactions",
        "tx_per_second",
        "loop_seconds_by_phase",
    )
    out_json = {k: summary[k] for k in keep} | {
        "setup_transactions": setup_txs,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    print(json.dumps(out_json))


def cli_seconds(backend: str, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (the command and its anvil) of the whole `cascade run` command on oct10_2025
    (interpreter start, set-up, loop, report)."""
    command = [
        str(Path(sys.executable).with_name("cascade")), "run", str(SCENARIO), "--backend", backend,
        "--no-progress", "--out", str(out),
    ]  # fmt: skip
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=os.environ.copy())
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def revm_figures(quick: bool, anvil_loop: float | None, figures: dict[str, object]) -> None:
    """The in-process backend's figures, next to anvil's (ratios measured in this same run)."""
    ceiling = revm_raw_ceiling()
    with tempfile.TemporaryDirectory() as tmp:
        blocks = 60 if quick else None
        meter = LoopCpu()
        summary = run(
            RunOptions(
                scenario=SCENARIO, out_dir=Path(tmp) / "oct", backend="revm", blocks=blocks, on_block=meter
            )
        )
        engine = summary["tx_per_second"]
        figures["revm_raw_tx_per_s"] = round(ceiling, 1)
        figures["revm_engine_tx_per_s_oct10"] = engine
        figures["revm_engine_over_raw"] = round(engine / ceiling, 3)
        figures["revm_oct10_loop_seconds"] = summary["loop_seconds"]
        figures["revm_oct10_loop_seconds_by_phase"] = summary["loop_seconds_by_phase"]
        print(f"pyrevm raw ceiling: {ceiling:,.0f} tx/s (500 transfers per block, through the backend)")
        print(
            f"engine on oct10_2025 in process: {engine:,.0f} tx/s ({engine / ceiling:.2f} of the raw ceiling), "
            f"loop {summary['loop_seconds']:.2f} s (phases: {summary['loop_seconds_by_phase']})"
        )
        figures["revm_oct10_loop_cpu_seconds"] = round(meter.seconds, 3)
        if anvil_loop is not None:
            figures["revm_over_anvil_loop"] = round(anvil_loop / summary["loop_seconds"], 2)
            print(f"oct10 block loop, anvil / in-process: {figures['revm_over_anvil_loop']}x (target >= 10)")
        anvil_cpu = figures.get("anvil_oct10_loop_cpu_seconds")
        if isinstance(anvil_cpu, float) and meter.seconds > 0:
            figures["revm_over_anvil_loop_cpu"] = round(anvil_cpu / meter.seconds, 2)
            print(
                f"  in CPU seconds (Python + anvil): anvil {anvil_cpu:.2f}, in process {meter.seconds:.2f}: "
                f"{figures['revm_over_anvil_loop_cpu']}x"
            )
        if not quick:
            measured = {b: cli_seconds(b, Path(tmp) / f"cli_{b}") for b in ("anvil", "revm")}
            walls = {b: m[0] for b, m in measured.items()}
            cpus = {b: m[1] for b, m in measured.items()}
            figures["anvil_cli_seconds_oct10"] = round(walls["anvil"], 2)
            figures["revm_cli_seconds_oct10"] = round(walls["revm"], 2)
            figures["revm_over_anvil_wall"] = round(walls["anvil"] / walls["revm"], 2)
            figures["anvil_cli_cpu_seconds_oct10"] = round(cpus["anvil"], 2)
            figures["revm_cli_cpu_seconds_oct10"] = round(cpus["revm"], 2)
            figures["revm_over_anvil_wall_cpu"] = round(cpus["anvil"] / cpus["revm"], 2)
            print(
                f"`cascade run scenarios/oct10_2025.yaml` end to end: anvil {walls['anvil']:.1f} s, in process "
                f"{walls['revm']:.1f} s: {figures['revm_over_anvil_wall']}x (target >= 5); in CPU seconds "
                f"(the command and its anvil): {cpus['anvil']:.1f} / {cpus['revm']:.1f} = "
                f"{figures['revm_over_anvil_wall_cpu']}x"
            )
    sizes = (100, 1_000, 10_000) if quick else (100, 10_000, 100_000)
    scale_blocks = 20 if quick else 60
    timings: dict[int, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            path = Path(tmp) / f"scaling_{n}.yaml"
            path.write_text(yaml.safe_dump(scaling_scenario(n, scale_blocks)))
            timings[n] = child_run(path, Path(tmp) / f"out_{n}", "revm")
    for n, result in timings.items():
        ms = result["loop_seconds"] / result["blocks"] * 1000
        total = result["setup_transactions"] + result["transactions"]
        print(
            f"{n:>7,} positions in process: {ms:6.2f} ms per block ({result['transactions']:,} transactions in "
            f"{scale_blocks} blocks; {total:,} with the set-up); set-up and run {result['wall_seconds']:.1f} s; "
            f"peak RSS {result['peak_rss_mb']:,.0f} MB"
        )
        figures[f"revm_ms_per_block_{n}_positions"] = round(ms, 3)
        figures[f"revm_transactions_{n}_positions"] = total
        figures[f"revm_peak_rss_mb_{n}_positions"] = result["peak_rss_mb"]
    largest = timings[sizes[-1]]
    ratio = (largest["loop_seconds"] / largest["blocks"]) / (
        timings[sizes[0]]["loop_seconds"] / timings[sizes[0]]["blocks"]
    )
    figures["revm_largest_over_smallest"] = round(ratio, 3)
    figures["revm_peak_rss_mb"] = largest["peak_rss_mb"]
    print(f"per-block time in process, {sizes[-1]:,} / {sizes[0]:,} positions: {ratio:.2f} (target <= 1.5)")
    print(
        f"peak RSS of the {sizes[-1]:,}-position run ({figures[f'revm_transactions_{sizes[-1]}_positions']:,} "
        f"transactions): {largest['peak_rss_mb']:,.0f} MB (target < 2,048)"
    )


def sweep_seconds(backend: str, runs: int, out: Path) -> float:
    """Wall seconds of `cascade sweep` over `runs` seeds of oct10_2025 on 2 reused local workers."""
    command = [
        str(Path(sys.executable).with_name("cascade")), "sweep", str(SCENARIO),
        "--grid", "agents[market_maker].params.residual=0.05", "--seeds", str(runs), "--workers", "2",
        "--backend", backend, "--no-progress", "--out", str(out),
    ]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=os.environ.copy())
    seconds = time.perf_counter() - started
    if done.returncode != 0 or f"{runs} of {runs} runs completed" not in done.stdout:
        raise RuntimeError(f"the {backend} sweep failed: {done.stdout[-1000:]}{done.stderr[-1000:]}")
    return seconds


def sweep_figures(runs: int, figures: dict[str, object]) -> None:
    """A sweep of `runs` oct10 runs on 2 workers on each backend (the same seeds), and anvil / in process."""
    with tempfile.TemporaryDirectory() as tmp:
        seconds = {b: sweep_seconds(b, runs, Path(tmp) / b) for b in ("revm", "anvil")}
    figures["sweep_runs"] = runs
    figures["sweep_seconds_anvil"] = round(seconds["anvil"], 1)
    figures["sweep_seconds_revm"] = round(seconds["revm"], 1)
    figures["revm_over_anvil_sweep"] = round(seconds["anvil"] / seconds["revm"], 2)
    print(
        f"sweep of {runs} oct10_2025 runs on 2 workers: anvil {seconds['anvil']:.1f} s, in process "
        f"{seconds['revm']:.1f} s: {figures['revm_over_anvil_sweep']}x (target >= 5 at 100 runs)"
    )


def per_block_seconds(positions: int, blocks: int, workdir: Path) -> tuple[float, float, int]:
    """(wall seconds per block, seconds per block outside the chain round trips, transactions)."""
    path = workdir / f"scaling_{positions}.yaml"
    path.write_text(yaml.safe_dump(scaling_scenario(positions, blocks)))
    summary = run(RunOptions(scenario=path, out_dir=workdir / f"out_{positions}"))
    phases = summary["loop_seconds_by_phase"]
    engine_side = sum(v for k, v in phases.items() if k != "chain")
    return (
        summary["loop_seconds"] / summary["blocks"],
        engine_side / summary["blocks"],
        summary["transactions"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer blocks and positions (a smoke run, not the figures)"
    )
    parser.add_argument("--revm-only", action="store_true", help="only the in-process figures")
    parser.add_argument(
        "--sweep-runs", type=int, default=10, help="runs in the sweep comparison (0: no sweep) [10]"
    )
    parser.add_argument("--sweep-only", action="store_true", help="only the sweep comparison")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child_main(*args.child)
        return
    figures: dict[str, object] = {}
    if args.sweep_only:
        sweep_figures(args.sweep_runs, figures)
        print(json.dumps(figures, indent=2))
        return
    if args.revm_only:
        revm_figures(args.quick, None, figures)
        print(json.dumps(figures, indent=2))
        return
    node = devnet()
    try:
        ceiling_fresh = raw_ceiling(node.url, node.accounts[1].private_key)
        with tempfile.TemporaryDirectory() as tmp:
            blocks = 60 if args.quick else None
            meter = LoopCpu(node.pid)
            summary = run(
                RunOptions(
                    scenario=SCENARIO,
                    out_dir=Path(tmp) / "oct",
                    rpc_url=node.url,
                    blocks=blocks,
                    on_block=meter,
                )
            )
            figures["anvil_oct10_loop_cpu_seconds"] = round(meter.seconds, 3)
        # The same anvil again, now holding the scenario's state: anvil 1.7.1 rebuilds the whole state trie for
        # every block, so its ceiling drops as state grows; this is the like-for-like ceiling for the run.
        ceiling = raw_ceiling(node.url, node.accounts[1].private_key)
    finally:
        node.stop()
    engine = summary["tx_per_second"]
    phases = summary["loop_seconds_by_phase"]
    figures["raw_batched_tx_per_s_fresh_anvil"] = round(ceiling_fresh, 1)
    figures["raw_batched_tx_per_s_after_run"] = round(ceiling, 1)
    figures["engine_tx_per_s_oct10"] = engine
    figures["engine_over_raw"] = round(engine / ceiling, 3)
    figures["engine_over_raw_fresh"] = round(engine / ceiling_fresh, 3)
    figures["oct10_blocks"] = summary["blocks"]
    figures["oct10_transactions"] = summary["transactions"]
    figures["oct10_loop_seconds_by_phase"] = phases
    print(
        f"raw batched ceiling: {ceiling_fresh:,.0f} tx/s on the fresh anvil, {ceiling:,.0f} tx/s on it after the run"
    )
    print(
        f"engine on oct10_2025: {engine:,.0f} tx/s over {summary['transactions']:,} transactions in {summary['blocks']} blocks"
        f" (loop seconds by phase: {phases})"
    )
    print(
        f"ratio engine / raw: {engine / ceiling:.2f} against the same anvil after the run, "
        f"{engine / ceiling_fresh:.2f} against it fresh (target >= 0.5)"
    )
    sizes = (100, 300, 1_000) if args.quick else (100, 1_000, 10_000)
    scale_blocks = 20 if args.quick else 60
    with tempfile.TemporaryDirectory() as tmp:
        timings = {n: per_block_seconds(n, scale_blocks, Path(tmp)) for n in sizes}
    for n, (seconds, engine_side, txs) in timings.items():
        print(
            f"{n:>6,} positions: {seconds * 1000:7.1f} ms per block, {engine_side * 1000:5.2f} ms of it outside the "
            f"chain round trips ({txs:,} transactions in {scale_blocks} blocks)"
        )
        figures[f"ms_per_block_{n}_positions"] = round(seconds * 1000, 2)
        figures[f"engine_ms_per_block_{n}_positions"] = round(engine_side * 1000, 3)
        figures[f"transactions_{n}_positions"] = txs
    ratio = timings[sizes[-1]][0] / timings[sizes[0]][0]
    engine_ratio = timings[sizes[-1]][1] / timings[sizes[0]][1]
    figures["largest_over_smallest"] = round(ratio, 3)
    figures["engine_largest_over_smallest"] = round(engine_ratio, 3)
    print(f"per-block time, {sizes[-1]:,} / {sizes[0]:,} positions: {ratio:.2f} in all (target <= 1.5)")
    print(f"  outside the chain round trips (agents, decoding, reads, recording): {engine_ratio:.2f}")
    revm_figures(args.quick, summary["loop_seconds"], figures)
    if args.sweep_runs > 0:
        sweep_figures(args.sweep_runs, figures)
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
