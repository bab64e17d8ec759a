"""One simulation run: devnet -> market -> agents -> block loop -> outputs. Used by `cascade run`,
`ape run cascade` and the benchmarks."""

from __future__ import annotations

import contextlib
import hashlib
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sim import __version__
from sim.agents.base import AnyAgent, SetupContext
from sim.agents.population import build_agents
from sim.analysis.probes import build_attribution
from sim.engine import Engine
from sim.market.builder import FEE_DENOMINATOR, QUOTE_LOAN_MARGIN_BPS, Market, MarketBuilder
from sim.mirrors.lending import EModeCategory, ReserveParams
from sim.node import rpc
from sim.node.abi import describe_revert
from sim.node.artifacts import load_artifact
from sim.node.chain import Chain, TxRequest, Wallet
from sim.node.devnet import Devnet, DevnetConfig
from sim.node.events import Decoder
from sim.node.npm_artifacts import package_version
from sim.node.rpc import DevnetUnreachable
from sim.node.versions import anvil_version, package_versions, solc_version
from sim.outputs.metrics import Metrics
from sim.outputs.pnl import PnlBook
from sim.outputs.recorder import Recorder, write_json
from sim.scenario.pricepaths import realize
from sim.scenario.schema import Scenario, load_scenario
from sim.world.lending import LendingView
from sim.world.synthetic import SyntheticView
from sim.world.venue import VenueView
from sim.world.world import World

SETUP_BLOCK_TXS = 1_500
# anvil's first account: the funder that deploys and owns everything (anvil's standard test mnemonic).
FUNDER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


class RunFailed(RuntimeError):
    """The run stopped; the message says why and where its finished blocks are."""


@dataclass
class RunOptions:
    scenario: Path
    out_dir: Path
    seed: int | None = None
    blocks: int | None = None
    rpc_url: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    on_block: Callable[[int, int], None] | None = None  # (done, total)
    trace_reverts: bool = False  # decode every revert's reason into events.jsonl (one trace per failed tx)


def reference_paths(
    scenario: Scenario, blocks: int, rng: np.random.Generator, base_dir: Path
) -> dict[str, npt.NDArray[np.float64]]:
    """Each asset's reference USD price per block: its path, else its underlying's path times its rate (an LST),
    else flat at its start price."""
    paths: dict[str, npt.NDArray[np.float64]] = {}
    for asset in sorted(scenario.price_paths):
        path = scenario.price_paths[asset]
        paths[asset] = realize(
            path, scenario.assets[asset].price, blocks, scenario.seconds_per_block, rng, base_dir
        )
    for asset, spec in scenario.assets.items():
        if asset in paths:
            continue
        if spec.kind == "lst" and spec.underlying in paths and spec.rate is not None:
            paths[asset] = paths[spec.underlying] * spec.rate
        else:
            paths[asset] = np.full(blocks + 1, spec.price)
    return paths


def _views(scenario: Scenario, market: Market, world: World) -> None:
    for spec in scenario.lending:
        params = {
            r.asset: ReserveParams(
                decimals=market.decimals[r.asset],
                ltv=round(r.ltv * 10_000) if r.collateral else 0,
                liquidation_threshold=round(r.liquidation_threshold * 10_000) if r.collateral else 0,
                liquidation_bonus=round(r.liquidation_bonus * 10_000) if r.collateral else 0,
                liquidation_protocol_fee=round(r.protocol_fee * 10_000),
            )
            for r in spec.reserves
        }
        emodes = {
            e.id: EModeCategory(
                round(e.ltv * 10_000),
                round(e.liquidation_threshold * 10_000),
                round(e.liquidation_bonus * 10_000),
                frozenset(e.assets),
                frozenset(e.assets),
            )
            for e in spec.emodes
        }
        view = LendingView(
            spec.name,
            market.contracts[f"lending:{spec.name}"],
            spec.name,
            [r.asset for r in spec.reserves],
            params,
            emodes,
            world,
        )
        world.lending[spec.name] = view
        world.protocols.append(view)
        world.oracle_assets[spec.name] = sorted(spec.oracle)
    if scenario.venue is not None:
        v = scenario.venue
        world.venue = VenueView(
            market.contracts["venue"], v.quote, v.name,
            {a: round(c.ratio * 10_000) for a, c in v.collateral.items()} | {v.quote: 10_000},
            {m.asset: (round(m.initial_margin * 10_000), round(m.maintenance_margin * 10_000)) for m in v.markets.values()},
            {v.quote: QUOTE_LOAN_MARGIN_BPS}, world,
        )  # fmt: skip
        world.protocols.append(world.venue)
        world.oracle_assets[v.name] = sorted({v.quote, *v.collateral, *(m.asset for m in v.markets.values())})
    if scenario.synthetic is not None:
        s = scenario.synthetic
        world.synthetic = SyntheticView(
            market.contracts["synthetic"], s.symbol, int(s.max_redeem_per_block_usd * 10**18)
        )
        world.protocols.append(world.synthetic)
        world.oracle_assets["synthetic"] = sorted(s.collateral)


def _setup_agents(
    chain: Chain,
    world: World,
    decoder: Decoder,
    agents: list[AnyAgent],
    funder: Wallet,
    gas: dict[str, list[int]],
) -> None:
    context = SetupContext(world.market, world, funder)
    txs: list[TxRequest] = [tx for agent in agents for tx in agent.setup(context)]
    for agent in agents:
        for label, handle in agent.contracts().items():
            decoder.register(label, handle)
    for start in range(0, len(txs), SETUP_BLOCK_TXS):
        block = chain.send_block(txs[start : start + SETUP_BLOCK_TXS])
        for result in block.txs:
            if not result.success:
                reason = describe_revert(
                    chain.revert_data(result.tx_hash), [h.abi for h in world.market.labelled().values()]
                )
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


def _manifest(
    scenario: Scenario, seed: int, blocks: int, market: Market, options: RunOptions
) -> dict[str, Any]:
    names = sorted({h.name for h in market.labelled().values()})
    return {
        "scenario": scenario.model_dump(mode="json"),
        "seed": seed,
        "blocks": blocks,
        "cascade_sim": __version__,
        "solc": solc_version(),
        "anvil": anvil_version(),
        "anvil_args": list(anvil_args()) if options.rpc_url is None else None,
        "rpc_url": options.rpc_url,
        "trace_reverts": options.trace_reverts,
        "packages": package_versions(),
        "bytecode_sha256": {n: load_artifact(n).runtime_sha256 for n in names},
        "addresses": market.addresses(),
        **_real_bytecode(scenario),
    }


def _real_bytecode(scenario: Scenario) -> dict[str, Any]:
    """Which pools run a real protocol's bytecode from npm instead of ours (absent when none does)."""
    pools = [p.name for p in scenario.all_pools() if p.implementation == "uniswap_v2"]
    if not pools:
        return {}
    package = f"@uniswap/v2-core@{package_version('@uniswap/v2-core')}"
    return {"real_bytecode": {f"pool:{name}": f"{package} UniswapV2Pair" for name in pools}}


def _stableswap_params(scenario: Scenario) -> dict[str, tuple[int, int, int]]:
    return {
        p.name: (
            p.amplification,
            round(p.fee_bps * FEE_DENOMINATOR / 10_000),
            round(p.offpeg_fee_multiplier * FEE_DENOMINATOR),
        )
        for p in scenario.all_pools()
        if p.kind == "stableswap"
    }


OUTPUT_FILES = (
    "summary.json",
    "events.jsonl",
    "timeseries.csv",
    "liquidations.csv",
    "agents.csv",
    "manifest.json",
    "overview.png",
    "report.html",
)


def _clear_outputs(out_dir: Path) -> None:
    """A run owns its folder: outputs of an earlier run there are removed first, so none can pass for this one's."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in OUTPUT_FILES:
        (out_dir / name).unlink(missing_ok=True)


def run(options: RunOptions) -> dict[str, Any]:
    """Run a scenario end to end; returns the summary (also written to OUT_DIR/summary.json).

    Everything that can be checked before a devnet starts is checked first (the scenario, its price paths);
    whatever stops the run later, OUT_DIR keeps every finished block and a summary.json whose `status` and
    `error` say what happened, and a devnet this run started is stopped."""
    scenario = load_scenario(options.scenario, options.overrides)
    seed = scenario.seed if options.seed is None else options.seed
    blocks = options.blocks or scenario.blocks
    rng = np.random.default_rng(seed)
    paths = reference_paths(scenario, blocks, rng, options.scenario.parent)
    _clear_outputs(options.out_dir)
    started = time.perf_counter()
    devnet: Devnet | None = None
    url = options.rpc_url or ""
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
        if options.rpc_url is None:
            devnet = Devnet(
                DevnetConfig(
                    accounts=1,
                    genesis_timestamp=scenario.start_timestamp - 7 * 86_400,
                    base_fee=0,
                    gas_limit=30_000_000_000,
                    extra_args=anvil_args(),
                )
            )
            devnet.start()
            url = devnet.url
        chain = Chain(url).connect()
        funder = Wallet.from_hex(FUNDER_KEY)
        chain.sync_nonce(funder)
        builder = MarketBuilder(scenario, chain, funder, rng)
        market = builder.build()
        deploy_gas = dict(builder.deployer.deploy_gas)
        world = World.create(market)
        world.reference = {a: s.price for a, s in scenario.assets.items()}
        world.timestamp = chain.timestamp
        world.seconds_per_block = scenario.seconds_per_block
        _views(scenario, market, world)
        decoder = Decoder()
        for label, handle in market.labelled().items():
            decoder.register(label, handle)
        agents = build_agents(scenario=scenario, market=market, world=world, rng=rng, seed=seed)
        # Gas money for every agent, set directly (no transactions, so no nonces or blocks spent on it).
        rpc.batch(url, [("anvil_setBalance", ["0x" + a.wallet.address.hex(), hex(10**24)]) for a in agents])
        for agent in agents:
            world.track(agent.wallet.address)
        world.track(funder.address, preexisting=True)
        for view in world.lending.values():  # each reserve's cash: what a flash loan can borrow
            world.track(view.pool.address, preexisting=True)
        world.load(chain, _stableswap_params(scenario))
        _setup_agents(chain, world, decoder, agents, funder, setup_gas)
        world.refresh(chain)
        pnl = PnlBook(agents)
        pnl.open(world)
        metrics = Metrics(world)
        recorder = Recorder(options.out_dir, metrics.columns)
        recorder.manifest(_manifest(scenario, seed, blocks, market, options))
        engine = Engine(
            chain,
            world,
            agents,
            decoder,
            metrics,
            recorder,
            paths,
            # A node we did not start may already be past the scenario's date: then the run starts an hour on.
            max(scenario.start_timestamp, chain.timestamp + 3600),
            scenario.seconds_per_block,
            rng,
        )
        engine.trace_reverts = options.trace_reverts
        engine.attribution = build_attribution(scenario, world, agents)
        if options.on_block is not None:
            callback = options.on_block
            engine.on_block = lambda b: callback(b + 1, blocks)
        engine.run(blocks)
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
        if devnet is not None:
            devnet.stop()
        elif url and options.rpc_url is not None:
            _hand_back(url)
    return summary


def anvil_args() -> tuple[str, ...]:
    """Extra anvil flags from $CASCADE_ANVIL_ARGS (recorded in the manifest)."""
    return tuple(os.environ.get("CASCADE_ANVIL_ARGS", "").split())


def _hand_back(url: str) -> None:
    """A node we did not start goes back to mining on every transaction, as it was."""
    with contextlib.suppress(DevnetUnreachable, rpc.RpcError):
        rpc.call(url, "evm_setAutomine", [True])
    rpc.close(url)


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
    out.update(
        {
            "scenario": scenario.name,
            "seed": seed,
            "status": status,
            "error": error,
            "blocks": engine.blocks_done,
            "blocks_planned": blocks,
            "wall_seconds": round(wall, 3),
            "loop_seconds": round(engine.wall_seconds, 3),
            "tx_per_second": round(engine.txs_sent / engine.wall_seconds, 1)
            if engine.wall_seconds > 0
            else 0.0,
            "loop_seconds_by_phase": {k: round(v, 3) for k, v in engine.phase_seconds.items()},
            "events_sha256": recorder.events_sha256,
            "last_block_hash": engine.last_block_hash,
            "agents": _agent_stats(engine.agents),
            "cascade": engine.attribution.summary() if engine.attribution is not None else {},
            "gas_by_call": _gas_stats(engine.gas),
        }
    )
    return out


def _agent_stats(agents: Any) -> dict[str, dict[str, float]]:
    totals: dict[str, dict[str, float]] = {}
    for agent in agents:
        bucket = totals.setdefault(agent.kind, {"count": 0})
        bucket["count"] += 1
        for key, value in agent.stats.items():
            bucket[key] = round(bucket.get(key, 0.0) + value, 4)
    return totals


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""


def _gas_stats(gas: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    return {
        call: {"count": len(used), "median": int(statistics.median(used)), "max": max(used)}
        for call, used in sorted(gas.items())
    }
