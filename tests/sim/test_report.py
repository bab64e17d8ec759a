"""report.html: written from a real run, loaded in a real headless Chromium (screenshot and DOM)."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from sim.cli import cli
from sim.report.run_report import write_report
from sim.run import RunOptions, run

DATA = Path(__file__).parent / "data"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
IMG = '<img src="data:image/png;base64,'


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("report-run")
    run(RunOptions(scenario=DATA / "mini.yaml", out_dir=out, blocks=15))
    return write_report(out)


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's chromium; missing it fails under CI (which installs it) and skips elsewhere."""
    binary = shutil.which("chromium")
    if binary is None:
        reason = "chromium is not installed (Debian: apt-get install -y chromium); the browser test needs it"
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {reason}")
        pytest.skip(reason)
    return binary


def _chromium(binary: str, *args: str) -> subprocess.CompletedProcess[str]:
    with tempfile.TemporaryDirectory(prefix="chromium-profile-") as profile:
        result = subprocess.run(
            [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 0, f"chromium exited with {result.returncode}: {result.stderr[-2000:]}"
    return result


def test_report_is_self_contained(report: Path) -> None:
    page = report.read_text()
    assert report.name == "report.html"
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), (
        "the report loads something over the network"
    )
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) >= 4  # prices of the moving assets, liquidations, cumulative, backing
    assert all(base64.b64decode(data).startswith(b"\x89PNG\r\n\x1a\n") for data in images)


def test_report_renders_in_chromium(report: Path, chromium: str, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    _chromium(chromium, f"--screenshot={shot}", "--window-size=1280,2000", report.as_uri())
    assert shot.is_file()
    with Image.open(shot) as image:
        assert image.size == (1280, 2000)
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24)
    assert colours is not None
    assert len(colours) >= 256, f"only {len(colours)} distinct colours: the page looks blank"
    assert max(count for count, _ in colours) < 0.95 * 1280 * 2000, "one colour fills the page"


def test_report_dom_in_chromium(report: Path, chromium: str) -> None:
    dom = _chromium(chromium, "--dump-dom", report.as_uri()).stdout
    assert "<h1>cascade-sim report: mini" in dom
    for heading in (
        "Liquidations and bad debt", "Lowest prices", "Cascade", "Agent PnL", "Agent statistics", "Run parameters",
        "Health factors: lending:aave", "Pool depths",
    ):  # fmt: skip
        assert heading in dom
    assert "<th>market / venue</th>" in dom and "lending:aave" in dom
    assert "matches events.jsonl" in dom
    assert "Cascade graph: liquidations by block and wave" in dom and "Amplification" in dom
    assert "<th>trigger moved by</th>" in dom and "<td>liquidation_bot</td>" in dom
    # prices, liquidations, cumulative, HF bands, depths, backing, cascade graph, PnL
    assert dom.count(IMG) >= 8


def test_report_without_attribution_outputs_says_so(report: Path, tmp_path: Path) -> None:
    """A folder from before attribution (no liquidations.csv, no PnL) still renders, saying what is missing."""
    for name in ("summary.json", "timeseries.csv", "manifest.json"):
        (tmp_path / name).write_bytes((report.parent / name).read_bytes())
    summary = json.loads((tmp_path / "summary.json").read_text())
    summary.pop("agent_pnl_usd")
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    page = write_report(tmp_path).read_text()
    assert "No liquidations.csv in this folder" in page and "No agent PnL in summary.json" in page


def test_cli_report_prints_the_path(report: Path) -> None:
    result = CliRunner().invoke(cli, ["report", str(report.parent)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(report)


@pytest.mark.parametrize("missing", ["timeseries.csv", "summary.json"])
def test_cli_report_names_the_missing_file(tmp_path: Path, missing: str) -> None:
    present = {"timeseries.csv", "summary.json"} - {missing}
    for name in present:
        (tmp_path / name).write_text(
            "block\n0\n" if name.endswith(".csv") else json.dumps({"status": "completed"})
        )
    result = CliRunner().invoke(cli, ["report", str(tmp_path)])
    assert result.exit_code != 0
    message = result.output.strip()
    assert missing in message and "cascade run" in message
    assert "\n" not in message  # one paragraph
    assert not (tmp_path / "report.html").exists()
