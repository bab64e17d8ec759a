"""`ape run deploy`: deploy the default market (the October 2025 scenario's) and write deployments/<network>.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape import accounts
from ape.cli import ConnectedProviderCommand, network_option

from sim.market.deploy import DEFAULT_SCENARIO, deploy_market
from sim.market.deployments import write_deployment


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option(
    "--scenario", type=click.Path(exists=True, path_type=Path), default=DEFAULT_SCENARIO, show_default=True
)
def cli(network: Any, provider: Any, scenario: Path) -> None:
    """Deploy a scenario's market from test account 0 and record the addresses."""
    sender = accounts.test_accounts[0]
    market = deploy_market(provider.http_uri, sender.private_key, scenario)
    addresses = market.addresses()
    path = write_deployment(network.name, addresses)
    width = max(len(name) for name in addresses)
    for name, address in addresses.items():
        click.echo(f"{name:<{width}}  {address}")
    click.echo(f"{len(addresses)} contracts; wrote {path}")
