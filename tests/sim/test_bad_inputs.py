"""Every bad input a user can give `cascade run` (a scenario file, a price CSV, a flag, a node URL, values that
pass a type check but not the contracts) gets one paragraph naming the file, field or flag and the fix, a
non-zero exit, no traceback, and nothing deployed. One table, one test per row."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli

SCENARIOS = Path(__file__).parents[2] / "scenarios"
OCT10 = str(SCENARIOS / "oct10_2025_pools.yaml")
CSV_SCENARIO = """
name: csv_path
blocks: 5
assets:
  USDC: {decimals: 6, price: 1.0, kind: stable}
  WETH: {decimals: 18, price: 4000}
price_paths:
  WETH: {kind: csv, file: prices.csv}
pools:
  - {name: weth_usdc, kind: constant_product, tokens: [WETH, USDC], depth_usd: 1_000_000}
"""


@dataclass(frozen=True)
class Case:
    id: str
    args: Callable[[Path], list[str]]  # the command line, given a scratch folder (files made by `prepare`)
    fragment: str  # what the message must say
    prepare: Callable[[Path], None] = lambda folder: None


def write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(data if isinstance(data, bytes) else data.encode())

    return make


def csv_case(rows: str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / "s.yaml").write_text(CSV_SCENARIO)
        (folder / "prices.csv").write_text(rows)

    return make


def oct10(*extra: str) -> Callable[[Path], list[str]]:
    return lambda folder: ["run", OCT10, "--out", str(folder / "out"), *extra]


CASES = [
    # the scenario file
    Case("missing file", lambda f: ["run", str(f / "nope.yaml")], "no such scenario file"),
    Case(
        "binary file",
        lambda f: ["run", str(f / "s.yaml")],
        "binary file",
        write("s.yaml", b"\x00\x01\xffELF"),
    ),
    Case(
        "utf-16 file",
        lambda f: ["run", str(f / "s.yaml")],
        "UTF-16",
        write("s.yaml", "name: x".encode("utf-16")),
    ),
    Case(
        "latin-1 file", lambda f: ["run", str(f / "s.yaml")], "not UTF-8", write("s.yaml", b"name: caf\xe9\n")
    ),
    Case(
        "bad yaml",
        lambda f: ["run", str(f / "s.yaml")],
        "not valid YAML at line",
        write("s.yaml", "a: [1, 2\n"),
    ),
    Case("not a mapping", lambda f: ["run", str(f / "s.yaml")], "mapping", write("s.yaml", "- 1\n- 2\n")),
    # fields
    Case("unknown field", oct10("--set", "colour=red"), "colour"),
    Case("unknown agent kind", oct10("--set", "agents[0].kind=wizard"), "unknown agent kind 'wizard'"),
    Case("depth in the 1e70s", oct10("--set", "pools[0].depth_usd=1e70"), "more than the contracts can hold"),
    Case(
        "uint112 reserve",
        oct10("--set", "pools[1].depth_usd=1e14", "--set", "assets.WETH.decimals=36"),
        "uint112",
    ),
    Case("start in milliseconds", oct10("--set", "start_timestamp=1760129400000"), "start_timestamp"),
    Case(
        "blocks by --set",
        oct10("--set", "blocks=5000000"),
        "field `blocks`: Input should be less than or equal to 1000000",
    ),
    Case(
        "blocks by --blocks",
        oct10("--blocks", "5000000"),
        "field `blocks`: Input should be less than or equal to 1000000",
    ),
    Case("negative knot", oct10("--set", "price_paths.WETH.knots=[[0, 1.0], [10, -0.5]]"), "must be > 0"),
    Case(
        "spot on stableswap",
        oct10("--set", "lending[aave].oracle.USDe={kind: spot, pool: curve_usde_usdc}"),
        "is a stableswap pool",
    ),
    Case(
        "twap window over a day",
        oct10("--set", "lending[aave].oracle.WETH={kind: twap, pool: uni_weth_usdc, window_s: 999999}"),
        "window_s",
    ),
    Case(
        "distribution past a bound",
        oct10("--set", "agents[looper].params.leverage={uniform: [0.5, 3]}"),
        "outside what the parameter allows",
    ),
    Case(
        "unbounded draw past the USD ceiling",
        oct10("--set", "agents[looper].params.capital_usd={lognormal: {median: 1e14, sigma: 3}}"),
        "drew parameters its kind refuses",
    ),
    Case(
        "loop by rounds and leverage",
        oct10("--set", "agents[looper].params.rounds=5"),
        "give either `leverage`, or `ltv` with `rounds`, not both",
    ),
    Case(
        "pool that does not exist",
        oct10("--set", "agents[looper].params.sell_pools=[nowhere]"),
        "names pool 'nowhere'",
    ),
    Case("bad --set", oct10("--set", "blocks"), "is not KEY=VALUE"),
    Case("negative seed", oct10("--seed", "-1"), "--seed"),
    # price CSVs
    Case(
        "csv without the file",
        lambda f: ["run", str(f / "s.yaml")],
        "does not exist",
        write("s.yaml", CSV_SCENARIO),
    ),
    Case(
        "csv row without a price",
        lambda f: ["run", str(f / "s.yaml")],
        "line 3: price is empty",
        csv_case("block,price\n0,4000\n5,\n"),
    ),
    Case(
        "csv negative price",
        lambda f: ["run", str(f / "s.yaml")],
        "prices must be positive",
        csv_case("block,price\n0,4000\n3,-10\n"),
    ),
    Case(
        "csv text price",
        lambda f: ["run", str(f / "s.yaml")],
        "price a number",
        csv_case("block,price\n0,four\n"),
    ),
    # flags
    Case(
        "--out is a file",
        lambda f: ["run", OCT10, "--out", str(f / "taken")],
        "is a file, not a folder",
        write("taken", "x"),
    ),
    Case(
        "--out under a file",
        lambda f: ["run", OCT10, "--out", str(f / "taken" / "run")],
        "no folder can be made",
        write("taken", "x"),
    ),
    Case(
        "--out unwritable", lambda f: ["run", OCT10, "--out", "/proc/cascade-test-out"], "cannot be written"
    ),
    Case(
        "--rpc without a scheme",
        oct10("--rpc", "127.0.0.1:8545"),
        "give the node's full address with its scheme, such as http://127.0.0.1:8545",
    ),
    Case("--rpc bad port", oct10("--rpc", "http://127.0.0.1:99999"), "the port is not a number"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_a_bad_input_gets_one_paragraph_and_a_non_zero_exit(case: Case, tmp_path: Path) -> None:
    case.prepare(tmp_path)
    result = CliRunner().invoke(cli, case.args(tmp_path))
    assert result.exit_code != 0, result.output
    assert case.fragment in result.output, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    assert not (tmp_path / "out" / "events.jsonl").exists(), "nothing may run on a bad input"


@pytest.fixture
def not_a_node() -> Iterator[str]:
    """An HTTP server that answers every POST with 501, as a web server that is not an Ethereum node does."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_error(501, "Unsupported method")

        def log_message(self, *args: object) -> None:
            return None

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_rpc_to_a_server_that_is_not_a_node_names_the_url_and_the_flag(
    not_a_node: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(cli, ["run", OCT10, "--out", str(tmp_path / "out"), "--rpc", not_a_node])
    assert result.exit_code != 0
    assert f"--rpc {not_a_node} does not answer as an Ethereum JSON-RPC node" in result.output
    assert "Traceback" not in result.output


def test_a_price_csv_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    from sim.scenario.pricepaths import CsvTicks, realize

    (tmp_path / "prices.csv").write_bytes("block,price\n0,4000\n3,3000\n".encode("utf-8-sig"))
    path = realize(CsvTicks(kind="csv", file="prices.csv"), 4000.0, 5, 12.0, None, tmp_path)  # type: ignore[arg-type]
    assert list(path) == [4000.0, 4000.0, 4000.0, 3000.0, 3000.0, 3000.0]


def test_an_unexpected_error_names_the_run_folder_and_debug_shows_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sim.run

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("something nobody foresaw")

    monkeypatch.setattr(sim.run, "reference_paths", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["run", OCT10, "--out", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "unexpected error (ZeroDivisionError: something nobody foresaw)" in result.output
    assert str(out) in result.output and "--debug" in result.output
    debug = CliRunner().invoke(cli, ["run", OCT10, "--out", str(out), "--debug"])
    assert isinstance(debug.exception, ZeroDivisionError)
