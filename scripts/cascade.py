"""`ape run cascade SCENARIO`: run a scenario on the ape-managed devnet (same engine as `cascade run`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from ape.cli import ConnectedProviderCommand, network_option

from sim.report.summary_table import print_summary
from sim.run import RunOptions, run


@click.command(cls=ConnectedProviderCommand)
@network_option()
@click.argument("scenario", type=click.Path(exists=True, path_type=Path))
@click.option("--seed", type=int, default=None)
@click.option("--blocks", type=int, default=None)
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None)
def cli(
    network: Any, provider: Any, scenario: Path, seed: int | None, blocks: int | None, out_dir: Path | None
) -> None:
    """Deploy SCENARIO's market on the connected network, run it and write the outputs."""
    target = out_dir or Path("out") / scenario.stem
    summary = run(
        RunOptions(scenario=scenario, out_dir=target, seed=seed, blocks=blocks, rpc_url=provider.http_uri)
    )
    print_summary(summary)
    click.echo(f"outputs: {target}")
