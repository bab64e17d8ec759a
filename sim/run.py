"""One simulation run: devnet -> market -> agents -> block loop -> outputs. Used by `cascade run`,
`ape run cascade` and the benchmarks."""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np
import numpy.typing as npt

from sim import __version__
from sim.agents.base import AnyAgent, SetupContext
from sim.agents.population import bind_agents, draw_agents
from sim.analysis.batch import RunTask
from sim.analysis.probes import build_attribution
from sim.engine import Engine
from sim.market.builder import MarketBuilder, twap_sources
from sim.market.market import Market
from sim.node.artifacts import load_artifact
from sim.node.backend import FUNDER_KEY, Backend
from sim.node.backends import BackendOptions, check_kind, open_backend
from sim.node.chain import TxRequest, Wallet, checksum
from sim.node.contracts import revert_reason
from sim.node.devnet import DevnetError
from sim.node.events import Decoder
from sim.node.npm_artifacts import package_version
from sim.node.rpc import DevnetUnreachable, RpcError
from sim.node.versions import package_versions, solc_version
from sim.outputs.metrics import Metrics, labels_of
from sim.outputs.outcomes import AgentOutcomes
from sim.outputs.pnl import PnlBook
from sim.outputs.positions import Positions
from sim.outputs.recorder import Recorder, write_json
from sim.scenario.loading import load_scenario
from sim.scenario.pricepaths import realize
from sim.scenario.schema import Scenario
from sim.scenario.streams import Streams
from sim.world.build import build_world
from sim.world.world import World

SETUP_BLOCK_TXS = 1_500
# The devnet's genesis comes this long (plus the longest TWAP window) before the scenario's start: room for
# the deployment's blocks, one second apart.
GENESIS_ROOM_S = 3_600


class RunFailed(RuntimeError):
    """The run stopped; the message says why and where its finished blocks are."""


@dataclass
class RunOptions:
    scenario: Path
    out_dir: Path
    seed: int | None = None
    blocks: int | None = None
    rpc_url: str | None = None
    backend: str = "anvil"  # or "revm": the in-process EVM (no --rpc); see sim/node/backends.py
    overrides: dict[str, Any] = field(default_factory=dict)
    on_block: Callable[[int, int], None] | None = None  # (done, total)
    trace_reverts: bool = False  # decode every revert's reason into events.jsonl (one trace per failed tx)


def reference_paths(
    scenario: Scenario, blocks: int, streams: Streams, base_dir: Path
) -> dict[str, npt.NDArray[np.float64]]:
    """Each asset's reference USD price per block: its path (drawn from the asset's own stream), else its
    underlying's path times its rate (an LST), else flat at its start price."""
    paths: dict[str, npt.NDArray[np.float64]] = {}
    for asset in sorted(scenario.price_paths):
        path = scenario.price_paths[asset]
        paths[asset] = realize(
            path,
            scenario.assets[asset].price,
            blocks,
            scenario.seconds_per_block,
            streams.price_path(asset),
            base_dir,
        )
    for asset, spec in scenario.assets.items():
        if asset in paths:
            continue
        if spec.kind == "lst" and spec.underlying in paths and spec.rate is not None:
            paths[asset] = paths[spec.underlying] * spec.rate
        else:
            paths[asset] = np.full(blocks + 1, spec.price)
    return paths


def genesis_lead(scenario: Scenario) -> int:
    """How long before the scenario's start our devnet begins: room for the deployment's blocks (one second
    apart), a full window for the TWAP sources to average over, and the window before the start that their
    first average covers."""
    return 2 * max_twap_window(scenario) + GENESIS_ROOM_S


def max_twap_window(scenario: Scenario) -> int:
    return max((w for _, _, w in twap_sources(scenario)), default=0)


def _setup_agents(
    chain: Backend,
    world: World,
    decoder: Decoder,
    agents: list[AnyAgent],
    funder: Wallet,
    gas: dict[str, list[int]],
    start: int,
) -> dict[str, int]:
    """Open every agent's position one second before the scenario's start: every set-up block carries that
    same timestamp, so no interest, funding or vesting accrues between them, the mirrors size positions
    exactly, and block 0 follows a second later. Returns the timeline: `loop_start` (block 0's time: the
    scenario's start, or a second after the node's clock if it is already past it) and the set-up's blocks."""
    context = SetupContext(world.market, world, funder)
    txs: list[TxRequest] = [tx for agent in agents for tx in agent.setup(context)]
    for agent in agents:
        for label, handle in agent.contracts().items():
            decoder.register(label, handle)
    loop_start = max(start, chain.timestamp + 2)
    blocks = math.ceil(len(txs) / SETUP_BLOCK_TXS)
    for first in range(0, len(txs), SETUP_BLOCK_TXS):
        block = chain.send_block(txs[first : first + SETUP_BLOCK_TXS], timestamp=loop_start - 1)
        for result in block.txs:
            if not result.success:
                reason = revert_reason(chain.revert_data(result.tx_hash))
                raise RunFailed(
                    f"agent set-up transaction of {result.request.tag or 'the funder'} reverted in block {block.number} "
                    f"with {reason}: the scenario gives it a position the contracts refuse (check its capital, leverage "
                    "or the pool and market parameters, and that the synthetic dollar's supply_usd covers what pools "
                    "and agents hold)."
                )
            gas.setdefault(decoder.call_name(result.request.to, result.request.data), []).append(
                result.gas_used
            )
        world.apply(decoder.decode(block))
    return {"setup_blocks": blocks, "setup_at": loop_start - 1, "loop_start": loop_start}


def _manifest(
    scenario: Scenario,
    seed: int,
    blocks: int,
    market: Market,
    options: RunOptions,
    agents: list[AnyAgent],
    timeline: dict[str, int],
    backend: Backend,
) -> dict[str, Any]:
    names = sorted({h.name for h in market.labelled().values()})
    described = backend.describe()
    anvil = (
        {"anvil": described["version"], "anvil_args": described["args"]}
        if described["name"] == "anvil"
        else {}
    )
    return {
        "scenario": scenario.model_dump(mode="json"),
        "seed": seed,
        "blocks": blocks,
        "cascade_sim": __version__,
        "solc": solc_version(),
        "backend": described,
        **anvil,
        "rpc_url": options.rpc_url,
        "trace_reverts": options.trace_reverts,
        "packages": package_versions(),
        "bytecode_sha256": {n: load_artifact(n).runtime_sha256 for n in names},
        "addresses": market.addresses(),
        **_real_bytecode(scenario),
        "agents": {
            a.name: {
                "kind": a.kind,
                "address": checksum(a.wallet.address),
                "contracts": {label: h.hex for label, h in a.contracts().items()},
                **({"wallets": [checksum(w.address) for w in a.wallets()]} if len(a.wallets()) > 1 else {}),
            }
            for a in agents
        },
        "timeline": timeline,
    }


def _real_bytecode(scenario: Scenario) -> dict[str, Any]:
    """Which pools run a real protocol's bytecode from npm instead of ours (absent when none does)."""
    pools = [p.name for p in scenario.all_pools() if p.implementation == "uniswap_v2"]
    if not pools:
        return {}
    package = f"@uniswap/v2-core@{package_version('@uniswap/v2-core')}"
    return {"real_bytecode": {f"pool:{name}": f"{package} UniswapV2Pair" for name in pools}}


OUTPUT_FILES = (
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "liquidations.csv",
    "positions.csv",
    "books.csv",
    "agents.csv",
    "manifest.json",
    "overview.png",
    "report.html",
)


class RunInputError(ValueError):
    """A run's option is unusable (its output folder, its node URL); the message names the flag and the fix."""


def _clear_outputs(out_dir: Path) -> None:
    """A run owns its folder: outputs of an earlier run there are removed first, so none can pass for this one's.
    A folder that cannot be written is refused now, before anything runs."""
    where = f"--out {out_dir}"
    if out_dir.exists() and not out_dir.is_dir():
        raise RunInputError(
            f"{where} is a file, not a folder; give a folder path (it is created if missing)."
        )
    blocking = next((p for p in out_dir.parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise RunInputError(
            f"{where}: {blocking} is a file, so no folder can be made under it; choose another path."
        )
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name in OUTPUT_FILES:
            (out_dir / name).unlink(missing_ok=True)
        probe = out_dir / ".cascade-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise RunInputError(
            f"{where} cannot be written ({exc.strerror or exc}); choose a folder you can write to, or fix its "
            "permissions."
        ) from None


def _open(options: BackendOptions) -> Backend:
    """Start or connect to the backend; a URL the user gave that is not a JSON-RPC node is named with its flag."""
    try:
        return open_backend(options)
    except (RpcError, DevnetUnreachable) as exc:
        if options.rpc_url is None:
            raise
        raise RunFailed(
            f"--rpc {options.rpc_url} does not answer as an Ethereum JSON-RPC node ({exc}); point --rpc at a "
            "running anvil (`cascade devnet` starts one and prints its URL), or leave --rpc out to let cascade "
            "start one."
        ) from exc


def check_rpc_url(url: str) -> None:
    """A node URL must name its scheme, host and port, as anvil prints it (http://127.0.0.1:8545)."""
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise RunInputError(
            f"--rpc {url} is not an http(s) URL; give the node's full address with its scheme, such as "
            f"http://{url if '://' not in url else '127.0.0.1:8545'} (`cascade devnet` prints one)."
        )
    try:
        parsed.port  # noqa: B018 - raises on a port that is not a number in range
    except ValueError:
        raise RunInputError(f"--rpc {url}: the port is not a number from 1 to 65535; fix it.") from None


def run(options: RunOptions) -> dict[str, Any]:
    """Run a scenario end to end; returns the summary (also written to OUT_DIR/summary.json).

    Everything that can be checked before a devnet starts is checked first (the scenario, its price paths);
    whatever stops the run later, OUT_DIR keeps every finished block and a summary.json whose `status` and
    `error` say what happened, and a devnet this run started is stopped."""
    check_kind(options.backend, options.rpc_url)
    # --blocks is the scenario's `blocks` field set from the command line: one limit, one message.
    blocks_set = {"blocks": options.blocks} if options.blocks is not None else {}
    scenario = load_scenario(options.scenario, {**options.overrides, **blocks_set})
    seed = scenario.seed if options.seed is None else options.seed
    blocks = scenario.blocks
    streams = Streams(seed)
    paths = reference_paths(scenario, blocks, streams, options.scenario.parent)
    agents = draw_agents(scenario, streams)  # every drawn parameter checked before anything starts
    if options.rpc_url is not None:
        check_rpc_url(options.rpc_url)
    _clear_outputs(options.out_dir)
    started = time.perf_counter()
    chain: Backend | None = None
    recorder: Recorder | None = None
    engine: Engine | None = None
    metrics: Metrics | None = None
    pnl: PnlBook | None = None
    world: World | None = None
    status, error = "completed", ""
    summary: dict[str, Any] = {}
    deploy_gas: dict[str, int] = {}
    setup_gas: dict[str, list[int]] = {}
    try:
        chain = _open(
            BackendOptions(
                kind=options.backend,
                rpc_url=options.rpc_url,
                genesis_timestamp=genesis_timestamp(scenario),
                anvil_args=anvil_args(),
            )
        )
        funder = Wallet.from_hex(FUNDER_KEY)
        chain.sync_nonce(funder)
        builder = MarketBuilder(scenario, chain, funder, streams)
        market = builder.build()
        deployed_at = chain.timestamp
        builder.prime_twaps(at=scenario.start_timestamp - max_twap_window(scenario))
        deploy_gas = dict(builder.deployer.deploy_gas)
        world = build_world(scenario=scenario, market=market, chain=chain, funder=funder.address)
        decoder = Decoder()
        for label, handle in market.labelled().items():
            decoder.register(label, handle)
        bind_agents(agents, scenario=scenario, market=market, world=world, streams=streams)
        # Gas money for every agent, set directly (no transactions, so no nonces or blocks spent on it).
        wallets = [w.address for a in agents for w in a.wallets()]
        chain.fund(wallets, 10**24)
        for address in wallets:
            world.track(address)
        timeline = {"deployed": deployed_at}
        timeline |= _setup_agents(chain, world, decoder, agents, funder, setup_gas, scenario.start_timestamp)
        loop_start = timeline["loop_start"]
        world.refresh(chain)
        # Every "at start" figure is the chain's at block 0: positions valued at its time and prices.
        world.begin(0, loop_start, {asset: float(path[0]) for asset, path in paths.items()})
        pnl = PnlBook(agents)
        pnl.open(world)
        metrics = Metrics.for_world(world, **labels_of(scenario, agents, funder.address))
        positions = Positions.for_world(world, {w.address: a.name for a in agents for w in a.wallets()})
        recorder = Recorder(options.out_dir, metrics.columns, positions.columns, metrics.book_columns)
        recorder.manifest(_manifest(scenario, seed, blocks, market, options, agents, timeline, chain))
        recorder.block([], None, positions=positions.every("start", 0, world))
        engine = Engine(
            chain=chain,
            world=world,
            agents=agents,
            decoder=decoder,
            metrics=metrics,
            recorder=recorder,
            reference=paths,
            start_timestamp=loop_start,
            seconds_per_block=scenario.seconds_per_block,
            streams=streams,
        )
        engine.trace_reverts = options.trace_reverts
        engine.positions = positions
        engine.attribution = build_attribution(scenario, world, agents)
        engine.outcomes = AgentOutcomes(
            {
                a.name: frozenset(
                    [*(w.address for w in a.wallets()), *(h.address for h in a.contracts().values())]
                )
                for a in agents
            }
        )
        if options.on_block is not None:
            callback = options.on_block
            engine.on_block = lambda b: callback(b + 1, blocks)
        engine.run(blocks)
        recorder.block([], None, positions=positions.every("end", engine.blocks_done, world))
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted by the user"
        raise
    except RunFailed as exc:
        status, error = "failed", str(exc)
        raise
    except Exception as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        done = engine.blocks_done if engine is not None else 0
        where = (
            f"The {done} blocks finished before the failure are in {options.out_dir}."
            if done
            else f"It stopped before the first block; {options.out_dir}/summary.json says why."
        )
        raise RunFailed(f"{exc} {where}") from exc
    finally:
        if recorder is not None and metrics is not None and engine is not None:
            summary = _summary(
                scenario,
                seed,
                blocks,
                engine,
                metrics,
                recorder,
                time.perf_counter() - started,
                status,
                error,
            )
            summary["backend"] = options.backend
            summary["gas_exact"] = chain is not None and bool(chain.describe()["gas_exact"])
            summary["gas_deploy"] = deploy_gas
            summary["gas_setup_by_call"] = _gas_stats(setup_gas)
            if pnl is not None and world is not None:
                pnl.close(world)
                pnl.write(options.out_dir / "agents.csv")
                summary["agent_pnl_usd"] = pnl.by_kind()
            recorder.summary(summary)
            recorder.close()
        elif status != "completed":
            summary = {"scenario": scenario.name, "seed": seed, "status": status, "error": error, "blocks": 0}
            write_json(options.out_dir / "summary.json", summary)
        if chain is not None:
            chain.close()
    return summary


def run_task(task: RunTask) -> dict[str, Any]:
    """One run of a batch (compare, sweep) in this process: its summary, with `retryable` set when it failed
    in a way another try may fix (the devnet or the connection to it); anything else (a contract refusing the
    scenario's set-up, a bug) would fail the same way again with the same seed."""
    options = RunOptions(
        scenario=Path(task.scenario),
        out_dir=Path(task.out_dir),
        seed=task.seed,
        blocks=task.blocks,
        overrides=dict(task.overrides),
        backend=task.backend,
    )
    try:
        return run(options)
    except RunFailed as exc:
        retryable = isinstance(exc.__cause__, DevnetUnreachable | DevnetError | OSError)
        return {"status": "failed", "error": str(exc), "retryable": retryable}


def genesis_timestamp(scenario: Scenario) -> int:
    """The chain's genesis, the same on every backend (block times repeat): `genesis_lead` before the start."""
    return scenario.start_timestamp - genesis_lead(scenario)


def anvil_args() -> tuple[str, ...]:
    """Extra anvil flags from $CASCADE_ANVIL_ARGS (recorded in the manifest)."""
    return tuple(os.environ.get("CASCADE_ANVIL_ARGS", "").split())


def _summary(
    scenario: Scenario,
    seed: int,
    blocks: int,
    engine: Engine,
    metrics: Metrics,
    recorder: Recorder,
    wall: float,
    status: str,
    error: str,
) -> dict[str, Any]:
    out = metrics.summary()
    out.update(recorder.counts())  # what the files hold: blocks, transactions, events and their hash
    out.update(
        {
            "scenario": scenario.name,
            "seed": seed,
            "status": status,
            "error": error,
            "blocks_planned": blocks,
            "wall_seconds": round(wall, 3),
            "loop_seconds": round(engine.wall_seconds, 3),
            "tx_per_second": round(engine.txs_sent / engine.wall_seconds, 1)
            if engine.wall_seconds > 0
            else 0.0,
            "loop_seconds_by_phase": {k: round(v, 3) for k, v in engine.phase_seconds.items()},
            "last_block_hash": engine.last_block_hash,
            "agents": _agent_stats(engine.agents, engine.outcomes),
            "cascade": engine.attribution.summary() if engine.attribution is not None else {},
            "gas_by_call": _gas_stats(engine.gas),
        }
    )
    return out


def _agent_stats(agents: Any, outcomes: AgentOutcomes | None) -> dict[str, dict[str, float]]:
    """Per agent kind: how many, what their transactions did on chain (outcomes from receipts and events) and
    what they attempted (each agent's own counters, named `attempts`, `attempted_...`, `expected_...`)."""
    totals: dict[str, dict[str, float]] = {}
    for agent in agents:
        bucket = totals.setdefault(agent.kind, {"count": 0})
        bucket["count"] += 1
        done = outcomes.of(agent.name) if outcomes is not None else {}
        for key, value in sorted((agent.stats | done).items()):
            bucket[key] = round(bucket.get(key, 0.0) + value, 4)
    return totals


def _gas_stats(gas: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    return {
        call: {"count": len(used), "median": int(statistics.median(used)), "max": max(used)}
        for call, used in sorted(gas.items())
    }
