"""The `cascade` command line."""

from __future__ import annotations

import functools
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import click
import yaml

from sim.node.devnet import Devnet, DevnetConfig, DevnetError
from sim.node.paths import ToolchainMissing
from sim.node.versions import version_banner


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


def unexpected(exc: BaseException, out_dir: Path) -> str:
    """One paragraph for an error nobody foresaw: what it was, where the results so far are, what to do."""
    state = (
        f"the outputs written so far are in {out_dir} (its summary.json says how far the run got)"
        if (out_dir / "summary.json").exists()
        else f"nothing was written to {out_dir}"
    )
    return (
        f"the run stopped on an unexpected error ({type(exc).__name__}: {exc}); {state}. Run again with --debug "
        "for the traceback, and report it with the scenario file if it looks like a bug."
    )


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
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
def run(
    scenario: Path,
    seed: int | None,
    blocks: int | None,
    out_dir: Path | None,
    rpc_url: str | None,
    sets: tuple[str, ...],
    no_progress: bool,
    trace_reverts: bool,
    debug: bool,
) -> None:
    """Deploy SCENARIO's market on a devnet, run its agents block by block and write the outputs."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from sim.report.summary_table import print_summary
    from sim.run import RunFailed, RunInputError, RunOptions
    from sim.run import run as run_scenario
    from sim.scenario.pricepaths import CsvPathError
    from sim.scenario.schema import ScenarioError

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
    except (ScenarioError, CsvPathError, RunInputError, RunFailed, DevnetError, ToolchainMissing) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt:
        raise click.ClickException(
            f"interrupted: the finished blocks are in {target} and its summary.json says how far the run got."
        ) from None
    except Exception as exc:
        if debug:
            raise
        raise click.ClickException(unexpected(exc, target)) from None
    print_summary(summary)
    from sim.report.plots import plot_overview
    from sim.report.run_report import write_report

    click.echo(f"outputs: {target} (overview: {plot_overview(target)})")
    click.echo(f"report: {write_report(target)}")


@cli.command()
@click.argument("out_dir", type=click.Path(path_type=Path))
def report(out_dir: Path) -> None:
    """Write OUT_DIR/report.html (tables and plots of a run's outputs, self-contained) and print its path."""
    from sim.report.run_report import ReportError, write_report

    try:
        click.echo(write_report(out_dir))
    except ReportError as exc:
        raise click.ClickException(str(exc)) from None


@dataclass(frozen=True)
class BatchSettings:
    """The options `compare` and `sweep` share."""

    seed: int | None
    blocks: int | None
    out_dir: Path | None
    workers: int | None
    scheduler: str | None
    retries: int
    no_progress: bool

    def executor(self) -> Any:
        from sim.analysis.batch import make_executor
        from sim.run import run_task

        scheduler = self.scheduler
        if scheduler is not None and not scheduler.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
            raise click.BadParameter(
                f"{scheduler!r} is not a Dask scheduler address; give it as tcp://HOST:PORT "
                "(e.g. tcp://10.0.0.5:8786).",
                param_hint="--scheduler",
            )
        return make_executor(runner=run_task, workers=self.workers, scheduler=scheduler, retries=self.retries)


def _batch_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the shared options; the command receives them as one `batch: BatchSettings`."""

    @functools.wraps(command)
    def wrapper(**kwargs: Any) -> None:
        names = ("seed", "blocks", "out_dir", "workers", "scheduler", "retries", "no_progress")
        batch = BatchSettings(**{name: kwargs.pop(name) for name in names})
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            command(batch=batch, **kwargs)
        except _batch_errors() as exc:
            raise click.ClickException(str(exc)) from None

    options = [
        click.option(
            "--seed", type=click.IntRange(min=0), default=None, help="Seed (default: the scenario's)."
        ),
        click.option(
            "--blocks", type=click.IntRange(min=1), default=None, help="Run this many blocks instead."
        ),
        click.option(
            "--out", "out_dir", type=click.Path(path_type=Path), default=None, help="Output folder."
        ),
        click.option(
            "--workers",
            type=click.IntRange(min=1),
            default=None,
            help="Runs at a time on this machine, each with its own anvil [half the CPUs].",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="tcp://HOST:PORT",
            help="Run on a Dask distributed cluster instead of local processes.",
        ),
        click.option(
            "--retries",
            type=click.IntRange(min=0, max=10),
            default=1,
            show_default=True,
            help="Times a run is retried after its worker or its devnet died.",
        ),
        click.option("--no-progress", is_flag=True, help="No progress bar."),
    ]
    decorated: Callable[..., None] = wrapper
    for option in reversed(options):
        decorated = option(decorated)
    return decorated


def _batch_errors() -> tuple[type[Exception], ...]:
    """Bad input to compare and sweep (one paragraph each), and a cluster that cannot be used."""
    from sim.analysis.batch import BatchError
    from sim.scenario.pricepaths import CsvPathError
    from sim.scenario.schema import ScenarioError
    from sim.scenario.variants import SpecError

    return (ScenarioError, CsvPathError, SpecError, BatchError)


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--variant",
    "variant_specs",
    multiple=True,
    metavar="NAME:KEY=VALUE,...",
    help="A variant: scenario fields to change (repeatable); the unchanged scenario runs as `baseline`.",
)
@click.option(
    "--variants",
    "variants_file",
    type=click.Path(path_type=Path),
    default=None,
    help="A YAML file of variants (see scenarios/compare/oct10_2025_mitigations.yaml).",
)
@_batch_options
def compare(
    scenario: Path, variant_specs: tuple[str, ...], variants_file: Path | None, batch: BatchSettings
) -> None:
    """Run SCENARIO's variants on the same seed and compare them side by side."""
    from sim.analysis.compare import Variant, print_comparison
    from sim.analysis.compare import compare as run_compare
    from sim.scenario.variants import load_variants_file, parse_variant

    variants = [Variant(*parse_variant(spec)) for spec in variant_specs]
    seed, blocks = batch.seed, batch.blocks
    if variants_file is not None:
        settings, listed = load_variants_file(variants_file)
        variants = [Variant(name, changes) for name, changes in listed] + variants
        seed = settings.get("seed") if seed is None else seed
        blocks = settings.get("blocks") if blocks is None else blocks
    if not variants:
        raise click.UsageError("give at least one --variant NAME:KEY=VALUE,... or a --variants FILE.")
    target = batch.out_dir or Path("out") / f"{scenario.stem}_compare"
    shown, outcomes = run_compare(
        scenario=scenario,
        variants=variants,
        out_dir=target,
        executor=batch.executor(),
        notify=lambda message: None,
        seed=seed,
        blocks=blocks,
        show_progress=not batch.no_progress,
    )
    print_comparison(shown, outcomes)
    click.echo(f"comparison: {target / 'comparison.html'} (data: comparison.csv, comparison.json)")
    if any(o.status != "completed" for o in outcomes):
        raise click.ClickException(
            "some variants failed (see their error in comparison.csv and each run's summary.json); "
            "the others' results are written."
        )


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option(
    "--grid",
    "grid_specs",
    multiple=True,
    required=True,
    metavar="KEY=V1,V2,...",
    help="An axis of the grid: a scenario field and its values (repeatable; the grid is their product).",
)
@click.option(
    "--seeds", type=click.IntRange(min=1), default=1, show_default=True, help="Seeds per grid point."
)
@_batch_options
def sweep(scenario: Path, grid_specs: tuple[str, ...], seeds: int, batch: BatchSettings) -> None:
    """Run SCENARIO over a grid of parameter values and seeds in parallel; write sweep.csv and heatmaps."""
    from sim.analysis.sweep import sweep as run_sweep
    from sim.scenario.variants import parse_axis

    target = batch.out_dir or Path("out") / f"{scenario.stem}_sweep"
    axes = [parse_axis(spec) for spec in grid_specs]
    outcomes = run_sweep(
        scenario=scenario,
        axes=axes,
        seeds=seeds,
        out_dir=target,
        executor=batch.executor(),
        notify=lambda message: None,
        blocks=batch.blocks,
        seed=batch.seed,
        show_progress=not batch.no_progress,
    )
    failed = [o for o in outcomes if o.status != "completed"]
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} runs completed")
    click.echo(f"sweep: {target / 'sweep.csv'} (heatmaps and sweep.html beside it)")
    if failed:
        raise click.ClickException(
            f"{len(failed)} run(s) failed: {', '.join(o.task.id for o in failed)}; their errors are in "
            "sweep.csv, the completed runs' figures are written."
        )


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
