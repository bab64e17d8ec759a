"""Scenario agent populations -> agent objects: one generic builder for every kind. Each agent gets a wallet
derived from the seed and its parameters drawn from the population's distributions."""

from __future__ import annotations

import numpy as np
from eth_hash.auto import keccak

from sim.agents.base import AGENT_KINDS, AnyAgent, BuildContext
from sim.market.builder import Market
from sim.node.chain import Wallet
from sim.scenario.schema import Scenario
from sim.world.world import World

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def derive_wallet(seed: int, index: int) -> Wallet:
    """A deterministic key per (seed, agent index), never one of anvil's funded test keys."""
    key = int.from_bytes(
        keccak(b"cascade-sim/agent" + seed.to_bytes(8, "big") + index.to_bytes(8, "big")), "big"
    )
    return Wallet.from_hex(f"{key % (SECP256K1_N - 1) + 1:064x}")


def build_agents(
    *, scenario: Scenario, market: Market, world: World, rng: np.random.Generator, seed: int
) -> list[AnyAgent]:
    """Every population's agents in scenario order, named `<population name or kind>-<k>`."""
    context = BuildContext(scenario, market, world)
    agents: list[AnyAgent] = []
    index = 0
    for population in scenario.agents:
        cls = AGENT_KINDS[population.kind]
        spec = cls.Params.scenario_model().model_validate(population.params)
        for k in range(population.count):
            name = f"{population.name or population.kind}-{k}"
            agent = cls(name, derive_wallet(seed, index), cls.Params.draw(spec, rng))
            agent.bind(context, rng)
            agents.append(agent)
            index += 1
    return agents
