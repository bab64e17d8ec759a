"""The `cascade` command line."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType
from typing import Any

import click
import yaml

from sim.devnet import Devnet, DevnetConfig, DevnetError
from sim.paths import ToolchainMissing
from sim.versions import version_banner


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    click.echo(version_banner())
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=_print_version,
    help="Print the package, solc and anvil versions.",
)
def cli() -> None:
    """cascade-sim: drive DeFi protocols through a depeg on a local devnet."""


@cli.command()
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=8545,
    show_default=True,
    help="Port to listen on; a taken port falls back to a free one.",
)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--accounts", type=click.IntRange(1, 10_000), default=10, show_default=True)
@click.option(
    "--balance", type=click.IntRange(1), default=1_000_000, show_default=True, help="ETH per account."
)
@click.option(
    "--block-time",
    type=click.FloatRange(min=0.001),
    default=None,
    help="Mine on an interval (seconds) instead of on every transaction.",
)
def devnet(port: int, host: str, accounts: int, balance: int, block_time: float | None) -> None:
    """Start a local anvil with deterministic funded accounts; Ctrl-C stops it."""
    config = DevnetConfig(host=host, port=port, accounts=accounts, balance_eth=balance, block_time=block_time)
    node = Devnet(config)
    try:
        node.start()
    except (DevnetError, ToolchainMissing) as exc:
        raise click.ClickException(str(exc)) from exc

    signal.signal(signal.SIGTERM, _interrupt)
    if node.requested_port_taken:
        click.echo(f"port {port} is taken: using {node.port} instead", err=True)
    click.echo(f"RPC URL: {node.url}")
    click.echo(f"chain id: {config.chain_id}; mnemonic: {config.mnemonic}")
    click.echo("accounts (address, private key):")
    for i, account in enumerate(node.accounts):
        click.echo(f"  ({i}) {account.address}  {account.private_key}")
    click.echo("Ctrl-C stops the devnet.", err=True)
    try:
        code = node.wait()
        raise click.ClickException(f"anvil exited on its own with code {code}.")
    except KeyboardInterrupt:
        click.echo("\nstopping anvil", err=True)
    finally:
        node.stop()


def _parse_sets(values: tuple[str, ...]) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    for item in values:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} is not KEY=VALUE (e.g. --set blocks=100)", param_hint="--set")
        overrides[key] = yaml.safe_load(raw)
    return overrides


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--seed", type=click.IntRange(min=0), default=None, help="Override the scenario's seed.")
@click.option("--blocks", type=click.IntRange(min=1), default=None, help="Run this many blocks instead.")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder [out/<scenario>]."
)
@click.option(
    "--rpc", "rpc_url", default=None, help="Use a running devnet (anvil) at this URL instead of starting one."
)
@click.option(
    "--set", "sets", multiple=True, metavar="KEY=VALUE", help="Override a scenario field (repeatable)."
)
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@click.option(
    "--trace-reverts", is_flag=True, help="Record each reverted transaction's decoded reason (slower)."
)
def run(
    scenario: Path,
    seed: int | None,
    blocks: int | None,
    out_dir: Path | None,
    rpc_url: str | None,
    sets: tuple[str, ...],
    no_progress: bool,
    trace_reverts: bool,
) -> None:
    """Deploy SCENARIO's market on a devnet, run its agents block by block and write the outputs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from sim.pricepaths import CsvPathError
    from sim.run import RunFailed, RunOptions
    from sim.run import run as run_scenario
    from sim.scenario import ScenarioError
    from sim.summary_table import print_summary

    # SIGTERM stops a run like Ctrl-C: the devnet is stopped and the summary written.
    signal.signal(signal.SIGTERM, _interrupt)
    target = out_dir or Path("out") / scenario.stem
    options = RunOptions(
        scenario=scenario,
        out_dir=target,
        seed=seed,
        blocks=blocks,
        rpc_url=rpc_url,
        overrides=_parse_sets(sets),
        trace_reverts=trace_reverts,
    )
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        disable=no_progress,
    )
    task = progress.add_task(f"running {scenario.stem}", total=None)
    options.on_block = lambda done, total: progress.update(task, completed=done, total=total)
    try:
        with progress:
            summary = run_scenario(options)
    except (ScenarioError, CsvPathError) as exc:
        raise click.ClickException(str(exc)) from None
    except RunFailed as exc:
        raise click.ClickException(str(exc)) from None
    except (DevnetError, ToolchainMissing) as exc:
        raise click.ClickException(str(exc)) from None
    print_summary(summary)
    from sim.plots import plot_overview
    from sim.report import write_report

    click.echo(f"outputs: {target} (overview: {plot_overview(target)})")
    click.echo(f"report: {write_report(target)}")


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
def report(out_dir: Path) -> None:
    """Write OUT_DIR/report.html (tables and plots of a run's outputs, self-contained) and print its path."""
    from sim.report import ReportError, write_report

    try:
        click.echo(write_report(out_dir))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
