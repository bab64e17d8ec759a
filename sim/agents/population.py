"""Scenario agent populations -> agent objects: one generic builder for every kind. Each agent gets a wallet
derived from the seed and its parameters drawn from the population's distributions."""

from __future__ import annotations

from eth_hash.auto import keccak
from pydantic import ValidationError

from sim.agents.base import AGENT_KINDS, AnyAgent, BuildContext
from sim.market.market import Market
from sim.node.chain import Wallet
from sim.scenario.schema import Scenario, ScenarioError
from sim.scenario.streams import Streams
from sim.world.world import World

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def derive_wallet(seed: int, name: str) -> Wallet:
    """A deterministic key per (seed, agent name), never one of anvil's funded test keys: an agent keeps its
    address when populations are added or removed around it."""
    key = int.from_bytes(keccak(b"cascade-sim/agent" + seed.to_bytes(8, "big") + name.encode()), "big")
    return Wallet.from_hex(f"{key % (SECP256K1_N - 1) + 1:064x}")


def draw_agents(scenario: Scenario, streams: Streams) -> list[AnyAgent]:
    """Every population's agents in scenario order, named `<population name or kind>-<k>`, with their drawn
    parameters and wallets (nothing looked up yet). A population draws from its own stream, so its agents
    are the same whatever populations stand beside it."""
    agents: list[AnyAgent] = []
    for index, population in enumerate(scenario.agents):
        label = population.name or population.kind
        cls = AGENT_KINDS[population.kind]
        spec = cls.Params.scenario_model().model_validate(population.params)
        rng = streams.population(label)
        for k in range(population.count):
            name = f"{label}-{k}"
            try:
                params = cls.Params.draw(spec, rng)
            except ValidationError as exc:  # a draw of an unbounded distribution past a parameter's bound
                problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
                raise ScenarioError(
                    f"agents[{index}] ({population.kind}): agent {name} drew parameters its kind refuses "
                    f"({problems}); give the distribution a `max` (or `min`) within the allowed range."
                ) from None
            agents.append(cls(name, derive_wallet(streams.seed, name), params))
    return agents + _rescue_fund_operator(scenario, streams)


def _rescue_fund_operator(scenario: Scenario, streams: Streams) -> list[AnyAgent]:
    """The rescue fund's operator, added when the mitigation is enabled and no population names one (a
    population of kind rescue_fund may set its priority; there is one fund, so at most one operator)."""
    operators = [p for p in scenario.agents if p.kind == "rescue_fund"]
    if sum(p.count for p in operators) > 1:
        raise ScenarioError(
            "agents: a scenario has one rescue fund and so at most one rescue_fund agent; set its count to 1"
        )
    if operators or not scenario.mitigations.rescue_fund.enabled or not scenario.venues:
        return []
    cls = AGENT_KINDS["rescue_fund"]
    name = "rescue_fund-0"
    return [cls(name, derive_wallet(streams.seed, name), cls.Params())]


def bind_agents(
    agents: list[AnyAgent], *, scenario: Scenario, market: Market, world: World, streams: Streams
) -> None:
    """Bind drawn agents to the deployed market (each agent's own choices at binding, such as a whale's
    margin mode, come from a stream of its own)."""
    context = BuildContext(scenario, market, world)
    for agent in agents:
        agent.bind(context, streams.get(f"bind:{agent.name}"))
