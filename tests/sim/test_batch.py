"""`cascade compare` and `cascade sweep` end to end on a short scenario: parallel runs with their own devnets,
a worker killed mid-run (reported, retried, not dropped), a Dask cluster giving the same runs bit for bit."""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim.analysis.batch import ATTEMPTS_FILE, DaskExecutor, LocalExecutor, RunTask
from sim.analysis.compare import Variant, compare
from sim.analysis.sweep import plan, sweep
from sim.cli import cli
from sim.run import run_task
from sim.scenario.schema import ScenarioError
from sim.scenario.variants import SpecError, load_variants_file, parse_axis, parse_variant, split_top

DATA = Path(__file__).parent / "data"
MINI = DATA / "mini.yaml"
BLOCKS = 12


def test_specs_split_on_top_level_commas_only() -> None:
    assert split_top("a=1,b={kind: index, pool: p},c=[1, 2]") == [
        "a=1",
        "b={kind: index, pool: p}",
        "c=[1, 2]",
    ]
    assert parse_variant("cr:venue.collateral.USDe.oracle={kind: fixed},blocks=5") == (
        "cr",
        {"venue.collateral.USDe.oracle": {"kind": "fixed"}, "blocks": 5},
    )
    assert parse_axis("mitigations.circuit_breaker.drop=0.1,0.3") == (
        "mitigations.circuit_breaker.drop",
        [0.1, 0.3],
    )
    for bad in ("no-colon", "a b:x=1", "v:novalue"):
        with pytest.raises(SpecError):
            parse_variant(bad)
    with pytest.raises(SpecError, match="repeated"):
        parse_axis("x=1,1.0")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("variants: {a: {blocks: 3}}\nscenario: x.yaml\n", "unknown field(s) scenario"),
        ("seed: abc\nvariants: {a: {}}\n", "field `seed` must be a whole number >= 0 (got 'abc')"),
        ("blocks: 0\nvariants: {a: {}}\n", "field `blocks` must be a whole number >= 1 (got 0)"),
        ("variants: {a: [1, 2]}\n", "variants.a: expected a mapping"),
        ("variants: {}\n", "at least one"),
        ("variants: {a: {b: 1}\n", "not valid YAML"),
    ],
)
def test_a_bad_variants_file_is_named_with_its_field(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "variants.yaml"
    path.write_text(text)
    with pytest.raises(SpecError) as caught:
        load_variants_file(path)
    assert str(caught.value).startswith(str(path)) and message in str(caught.value)
    result = CliRunner().invoke(
        cli, ["compare", str(MINI), "--variants", str(path), "--out", str(tmp_path / "o")]
    )
    assert result.exit_code != 0 and message in result.output and not (tmp_path / "o").exists()


def test_a_bad_variant_or_grid_point_stops_everything_before_it_runs(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"(?s)variant 'bad'.*mitigations\.circuit_breaker\.drop"):
        compare(
            scenario=MINI,
            variants=[Variant("bad", {"mitigations.circuit_breaker.drop": 7})],
            out_dir=tmp_path,
            executor=LocalExecutor(run_task, 1),
            notify=print,
        )
    with pytest.raises(ScenarioError, match="runs every variant on one seed"):
        compare(
            scenario=MINI,
            variants=[Variant("reseeded", {"seed": 3})],
            out_dir=tmp_path,
            executor=LocalExecutor(run_task, 1),
            notify=print,
        )
    with pytest.raises(ScenarioError, match=r"grid point agents\[nobody\]\.count=1"):
        plan(scenario=MINI, axes=[("agents[nobody].count", [1])], seeds=1, out_dir=tmp_path)
    assert not (tmp_path / "baseline").exists() and not (tmp_path / "runs").exists()
    result = CliRunner().invoke(cli, ["sweep", str(MINI), "--grid", "seed"])
    assert result.exit_code != 0 and "expected key=v1,v2" in result.output
    result = CliRunner().invoke(cli, ["sweep", str(MINI), "--grid", "seed=1,2"])
    assert result.exit_code != 0 and "use --seeds N" in result.output


def test_compare_runs_variants_on_one_seed_side_by_side(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["compare", str(MINI), "--blocks", str(BLOCKS), "--out", str(tmp_path), "--workers", "2", "--no-progress",
         "--variant", "panic:agents[seller].params.amount_usd_per_block=80000"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "variants side by side" in result.output and "panic" in result.output
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert [v["name"] for v in data["variants"]] == ["baseline", "panic"]
    base, panic = (v["figures"] for v in data["variants"])
    assert base["status"] == panic["status"] == "completed"
    for name in ("baseline", "panic"):
        summary = json.loads((tmp_path / name / "summary.json").read_text())
        assert summary["seed"] == 42 and summary["blocks"] == BLOCKS
        assert (tmp_path / name / "report.html").is_file()
    assert base["events_sha256"] != panic["events_sha256"]  # the change reached the chain
    rows = list(csv.DictReader((tmp_path / "comparison.csv").open()))
    assert [r["variant"] for r in rows] == ["baseline", "panic"]
    assert (tmp_path / "comparison.png").read_bytes()[:4] == b"\x89PNG"
    page = (tmp_path / "comparison.html").read_text()
    assert 'href="panic/report.html"' in page and "data:image/png;base64," in page
    # The baseline of a comparison is the plain run of that seed: same event log as `cascade run`.
    alone = CliRunner().invoke(
        cli, ["run", str(MINI), "--blocks", str(BLOCKS), "--out", str(tmp_path / "alone"), "--no-progress"]
    )
    assert alone.exit_code == 0, alone.output
    assert (
        json.loads((tmp_path / "alone" / "summary.json").read_text())["events_sha256"]
        == base["events_sha256"]
    )


AXES: list[tuple[str, list[Any]]] = [
    ("agents[seller].params.amount_usd_per_block", [5_000, 60_000]),
    ("mitigations.circuit_breaker.enabled", [False, True]),
]


def _kill_first_worker(out: Path, killed: list[int]) -> None:
    """Wait until a run of point p000 has started and written its first blocks, then SIGKILL its worker."""
    target = out / "runs" / "p000-s42"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        attempts = target / ATTEMPTS_FILE
        if attempts.is_file() and (target / "timeseries.csv").is_file():
            pid = json.loads(attempts.read_text().splitlines()[0])["pid"]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
            return
        time.sleep(0.05)


def test_sweep_runs_the_grid_in_parallel_and_retries_a_killed_worker(tmp_path: Path) -> None:
    killed: list[int] = []
    messages: list[str] = []
    killer = threading.Thread(target=_kill_first_worker, args=(tmp_path, killed))
    killer.start()
    outcomes = sweep(
        scenario=MINI,
        axes=AXES,
        seeds=1,
        out_dir=tmp_path,
        executor=LocalExecutor(run_task, workers=3, retries=1),
        notify=messages.append,
        blocks=BLOCKS,
        show_progress=False,
    )
    killer.join()
    assert killed, "the worker was never seen running"
    assert [o.status for o in outcomes] == ["completed"] * 4
    first = next(o for o in outcomes if o.task.id == "p000-s42")
    assert first.attempts == 2
    assert any(f"process {killed[0]} died" in m and "retrying" in m for m in messages)
    rows = list(csv.DictReader((tmp_path / "sweep.csv").open()))
    assert [(r["point"], r["status"]) for r in rows] == [(f"p00{i}", "completed") for i in range(4)]
    assert rows[0]["attempts"] == "2" and all(r["attempts"] == "1" for r in rows[1:])
    assert {r[AXES[0][0]] for r in rows} == {"5000", "60000"}
    for row in rows:
        summary = json.loads((tmp_path / row["run_dir"] / "summary.json").read_text())
        assert summary["events_sha256"] == row["events_sha256"] and summary["blocks"] == BLOCKS
    # The breaker axis changed the runs: its check calls are on chain.
    with_breaker = json.loads((tmp_path / rows[1]["run_dir"] / "summary.json").read_text())
    assert "CircuitBreaker.checkAndPause" in with_breaker["gas_by_call"]
    for metric in ("bad_debt_usd", "liq_usd_total", "amplification", "max_wave"):
        assert (tmp_path / f"heatmap_{metric}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "data:image/png;base64," in (tmp_path / "sweep.html").read_text()


def test_a_run_that_keeps_failing_is_reported_not_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(Path(__file__).parent))
    from workerfaults import always_dies

    messages: list[str] = []
    task = RunTask("doomed", str(MINI), str(tmp_path / "doomed"), {}, 42, BLOCKS)
    bad = LocalExecutor(run_task, workers=1, retries=1, target=always_dies)
    outcomes = list(bad.run([task], messages.append))
    assert [(o.status, o.attempts) for o in outcomes] == [("failed", 2)]
    assert "died (exit code 3)" in outcomes[0].error
    assert "retrying" in messages[0] and "giving up after 2 attempt(s)" in messages[1]


def test_a_run_that_fails_on_its_own_is_not_retried(tmp_path: Path) -> None:
    """A scenario the contracts refuse fails the same way with the same seed: reported once, with its reason."""
    messages: list[str] = []
    task = RunTask("refused", str(MINI), str(tmp_path / "refused"), {"synthetic.supply_usd": 1000}, 42, 3)
    outcomes = list(LocalExecutor(run_task, workers=1, retries=2).run([task], messages.append))
    assert [(o.status, o.attempts) for o in outcomes] == [("failed", 1)]
    assert "InsufficientBalance" in outcomes[0].error and "retrying" not in " ".join(messages)
    summary = json.loads((tmp_path / "refused" / "summary.json").read_text())
    assert summary["status"] == "failed"


@pytest.fixture(scope="module")
def dask_cluster() -> Any:
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    yield cluster
    cluster.close()


def test_dask_cluster_runs_the_same_runs_bit_for_bit(tmp_path: Path, dask_cluster: Any) -> None:
    axes = AXES[:1]
    result = CliRunner().invoke(
        cli,
        ["sweep", str(MINI), "--grid", f"{axes[0][0]}=5000,60000", "--blocks", str(BLOCKS), "--no-progress",
         "--scheduler", dask_cluster.scheduler_address, "--out", str(tmp_path / "dask")],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    local = sweep(
        scenario=MINI,
        axes=axes,
        seeds=1,
        out_dir=tmp_path / "local",
        executor=LocalExecutor(run_task, workers=2),
        notify=print,
        blocks=BLOCKS,
        show_progress=False,
    )
    dask_rows = list(csv.DictReader((tmp_path / "dask" / "sweep.csv").open()))
    assert [r["status"] for r in dask_rows] == ["completed", "completed"]
    assert [r["events_sha256"] for r in dask_rows] == [o.summary["events_sha256"] for o in local]
    assert (tmp_path / "dask" / "heatmap_bad_debt_usd.png").is_file()


def test_dask_worker_killed_mid_run_is_rescheduled_and_reported(tmp_path: Path, dask_cluster: Any) -> None:
    killed: list[int] = []
    messages: list[str] = []
    killer = threading.Thread(target=_kill_first_worker, args=(tmp_path, killed))
    killer.start()
    executor = DaskExecutor(dask_cluster.scheduler_address, run_task)
    outcomes = sweep(
        scenario=MINI,
        axes=AXES[:1],
        seeds=1,
        out_dir=tmp_path,
        executor=executor,
        notify=messages.append,
        blocks=BLOCKS,
        show_progress=False,
    )
    killer.join()
    assert killed, "the worker was never seen running"
    assert [o.status for o in outcomes] == ["completed", "completed"]
    first = next(o for o in outcomes if o.task.id == "p000-s42")
    assert first.attempts == 2 and any("p000-s42" in m and "attempt 2" in m for m in messages)
    rows = list(csv.DictReader((tmp_path / "sweep.csv").open()))
    assert [r["attempts"] for r in rows] == ["2", "1"]


def test_unreachable_scheduler_is_a_clear_error(tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    result = CliRunner().invoke(
        cli,
        ["sweep", str(MINI), "--grid", "agents[seller].count=0,1", "--blocks", "3", "--scheduler", "tcp://127.0.0.1:9",
         "--out", str(tmp_path)],
    )  # fmt: skip
    assert result.exit_code != 0 and "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output
    bad = CliRunner().invoke(cli, ["sweep", str(MINI), "--grid", "blocks=3", "--scheduler", "localhost"])
    assert bad.exit_code != 0 and "tcp://HOST:PORT" in bad.output
