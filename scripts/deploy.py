"""`ape run deploy`: deploy the default market to an ape network and record the addresses."""

from __future__ import annotations

from typing import Any

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand, network_option

from sim.deploy import deploy_default_market
from sim.deployments import write_deployment


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.option(
    "--sender", "sender_alias", default=None, help="Account alias to deploy from (default: test account 0)."
)
def cli(network: Any, sender_alias: str | None) -> None:
    """Deploy the default market and write deployments/<network>.json."""
    deployer = accounts.load(sender_alias) if sender_alias else accounts.test_accounts[0]
    addresses = deploy_default_market(project, deployer)
    path = write_deployment(network.name if hasattr(network, "name") else str(network), addresses)
    width = max(len(name) for name in addresses)
    for name, address in sorted(addresses.items()):
        click.echo(f"{name:<{width}}  {address}")
    click.echo(f"wrote {path}")
