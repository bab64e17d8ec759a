"""The block loop: reference prices -> agents (keepers first) -> one ordered batch -> mine -> decode -> world ->
record. Per-block cost grows with the transactions sent and the events they emit, not with positions held."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from sim.agents.base import AnyAgent
from sim.analysis.attribution import Attribution
from sim.node.backend import Backend
from sim.node.chain import TxRequest
from sim.node.events import Decoder
from sim.outputs.metrics import Metrics
from sim.outputs.outcomes import AgentOutcomes
from sim.outputs.positions import Positions
from sim.outputs.recorder import Recorder, signals_deferred
from sim.scenario.streams import Streams
from sim.world.liquidations import liquidations_in
from sim.world.world import World


@dataclass(kw_only=True)
class Engine:
    chain: Backend
    world: World
    agents: Sequence[AnyAgent]
    decoder: Decoder
    metrics: Metrics
    recorder: Recorder
    reference: dict[str, npt.NDArray[np.float64]]
    start_timestamp: int
    seconds_per_block: float
    streams: Streams
    trace_reverts: bool = False
    attribution: Attribution | None = None
    outcomes: AgentOutcomes | None = None
    positions: Positions | None = None
    txs_sent: int = 0
    last_block_hash: str = ""
    gas: dict[str, list[int]] = field(default_factory=dict)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    blocks_done: int = 0
    on_block: Callable[[int], None] | None = None
    _order: list[AnyAgent] = field(default_factory=list)

    def __post_init__(self) -> None:
        # Stable order: priority (bots bidding gas, keepers) first, then the population order.
        self._order = sorted((a for a in self.agents if not a.passive), key=lambda a: -a.priority)
        self._rngs = [self.streams.agent(a.name) for a in self._order]

    def timestamp_of(self, block: int) -> int:
        return self.start_timestamp + round(block * self.seconds_per_block)

    def step(self, block: int) -> None:
        """One block, each step one call into one room: prices -> agents -> chain -> decode -> world ->
        liquidations -> attribution and metrics -> recorder."""
        world = self.world
        world.begin(
            block,
            self.timestamp_of(block),
            {asset: float(path[block]) for asset, path in self.reference.items()},
        )
        clock = time.perf_counter()
        txs: list[TxRequest] = []
        for agent, rng in zip(self._order, self._rngs, strict=True):
            txs.extend(agent.act(world, rng))
        clock = self._lap("agents", clock)
        result = self.chain.send_block(txs, timestamp=world.timestamp)
        clock = self._lap("chain", clock)
        failed = [r.tx_hash for r in result.txs if not r.success]
        reasons = (
            dict(zip(failed, self.chain.revert_data_many(failed), strict=True))
            if self.trace_reverts
            else None
        )
        # From here the block is folded in and recorded as a whole: Ctrl-C or SIGTERM wait for its end.
        with signals_deferred():
            events = self.decoder.decode(result, reasons, step=block)
            world.apply(events)
            clock = self._lap("decode", clock)
            world.refresh(self.chain)
            clock = self._lap("reads", clock)
            liquidations = liquidations_in(events, world)
            records = (
                self.attribution.observe(block, events, liquidations=liquidations, prices=world.oracle_prices)
                if self.attribution is not None
                else []
            )
            self.metrics.observe(block, world, events, liquidations, len(txs))
            if self.outcomes is not None:
                self.outcomes.sent(tx.tag for tx in txs)
                self.outcomes.observe(events, liquidations, world)
            positions = self.positions.changed(block, world) if self.positions is not None else []
            self.recorder.block(
                [e.record() for e in events],
                self.metrics.row(),
                [r.row() for r in records],
                positions,
                self.metrics.book_rows(),
            )
            self.blocks_done += 1
        self._lap("record", clock)
        for tx in result.txs:
            if tx.success:
                self.gas.setdefault(self.decoder.call_name(tx.request.to, tx.request.data), []).append(
                    tx.gas_used
                )
        self.txs_sent += len(txs)
        self.last_block_hash = result.hash

    def _lap(self, phase: str, since: float) -> float:
        now = time.perf_counter()
        self.phase_seconds[phase] = self.phase_seconds.get(phase, 0.0) + now - since
        return now

    def run(self, blocks: int) -> None:
        # What exists before the loop (agents, positions, the world) lives for the whole run: frozen, the cyclic
        # garbage collector stops rescanning it on every full pass, which grew per-block cost with positions.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        try:
            for block in range(blocks):
                self.step(block)
                if self.on_block is not None:
                    self.on_block(block)
        finally:
            self.wall_seconds += time.perf_counter() - started
            gc.unfreeze()
