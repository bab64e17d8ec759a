"""Deploy a scenario's market (tokens, pools, oracles, lending, synthetic dollar, venue) to any node we can
sign for, and record the addresses; `ape run deploy` is a thin wrapper over this."""

from __future__ import annotations

from pathlib import Path

from sim.market.builder import MarketBuilder
from sim.market.market import Market
from sim.node.anvil import AnvilBackend
from sim.node.chain import Wallet
from sim.node.paths import REPO_ROOT
from sim.scenario.loading import load_scenario
from sim.scenario.streams import Streams

DEFAULT_SCENARIO = REPO_ROOT / "scenarios" / "oct10_2025.yaml"


def deploy_market(
    url: str, private_key: str, scenario_path: Path = DEFAULT_SCENARIO, automine_after: bool = True
) -> Market:
    """Build the scenario's market on the node at `url` from the account of `private_key`."""
    scenario = load_scenario(scenario_path)
    node = AnvilBackend.attach(url)
    funder = Wallet.from_hex(private_key)
    node.sync_nonce(funder)
    try:
        builder = MarketBuilder(scenario, node, funder, Streams(scenario.seed))
        market = builder.build()
        builder.prime_twaps()
        return market
    finally:
        if automine_after:
            node.close()  # automine back on, as the node was
