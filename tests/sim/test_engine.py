"""The engine end to end on a short cascade: outputs, determinism, a dead devnet, the CLI's errors, and the
October 2025 scenario's signature."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.node.devnet import Devnet, DevnetConfig
from sim.run import RunFailed, RunOptions, run
from sim.scenario.loading import load_scenario

DATA = Path(__file__).parent / "data"
SCENARIOS = Path(__file__).parents[2] / "scenarios"
SUMMARY_KEYS = {
    "liquidations", "bad_debt_usd", "min_price", "backing_ratio", "blocks", "transactions", "wall_seconds",
    "events_sha256", "last_block_hash", "status", "seed", "agents",
}  # fmt: skip


@pytest.fixture(scope="module")
def mini_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    out = tmp_path_factory.mktemp("mini")
    return out, run(RunOptions(scenario=DATA / "mini.yaml", out_dir=out))


def test_run_writes_every_output_as_it_goes(mini_run: tuple[Path, dict[str, Any]]) -> None:
    out, summary = mini_run
    assert set(summary) >= SUMMARY_KEYS
    assert summary["status"] == "completed" and summary["blocks"] == 40
    assert json.loads((out / "summary.json").read_text())["events_sha256"] == summary["events_sha256"]
    assert hashlib.sha256((out / "events.jsonl").read_bytes()).hexdigest() == summary["events_sha256"]
    rows = list(csv.DictReader((out / "timeseries.csv").open()))
    assert [int(r["block"]) for r in rows] == list(range(40))
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 42 and manifest["solc"] == "0.8.37"
    assert len(manifest["bytecode_sha256"]["LendingPool"]) == 64
    first = json.loads((out / "events.jsonl").open().readline())
    assert set(first) == {
        "block",
        "chain_block",
        "tx_index",
        "log_index",
        "agent",
        "contract",
        "event",
        "args",
    }


def test_short_cascade_liquidates_on_both_sides(mini_run: tuple[Path, dict[str, Any]]) -> None:
    _, summary = mini_run
    assert summary["liquidations"]["lending:aave"]["count"] > 0
    assert summary["liquidations"]["venue"]["count"] > 0
    assert summary["min_price"]["oracle:aave:USDe"] == 1.0  # the lending pool's peg never moves
    events = [json.loads(line) for line in (mini_run[0] / "events.jsonl").open()]
    liquidators = {e["agent"].rsplit("-", 1)[0] for e in events if e["event"] == "LiquidationCall"}
    assert liquidators == {"liquidation_bot"}


def test_agent_counters_are_what_happened_on_chain(mini_run: tuple[Path, dict[str, Any]]) -> None:
    """Liquidation bots compete for the same accounts: their counted liquidations and repaid debt are the
    pool's, not their attempts; attempts and reverts are reported under names that say so."""
    out, summary = mini_run
    agents, lending, venue = (
        summary["agents"],
        summary["liquidations"]["lending:aave"],
        summary["liquidations"]["venue"],
    )
    bots = [k for k in ("liquidation_bot", "flash_liquidation_bot") if k in agents]
    assert sum(agents[k].get("liquidations", 0) for k in bots) == lending["count"]
    assert sum(agents[k].get("repaid_usd", 0) for k in bots) == pytest.approx(lending["usd"], abs=0.01)
    assert agents["venue_liquidator"]["liquidations"] == venue["count"]
    assert agents["venue_liquidator"]["proceeds_usd"] == pytest.approx(venue["usd"], abs=0.01)
    for kind, stats in agents.items():
        assert stats.get("reverted", 0) <= stats.get("txs", 0), kind
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    failed = sum(1 for e in events if e["event"] == "TxFailed")
    assert sum(s.get("reverted", 0) for s in agents.values()) == failed
    manifest = json.loads((out / "manifest.json").read_text())
    rows = list(csv.DictReader((out / "agents.csv").open()))
    assert {r["agent"] for r in rows} == set(manifest["agents"])
    assert all(a["address"].startswith("0x") and len(a["address"]) == 42 for a in manifest["agents"].values())


def test_positions_csv_follows_every_position_that_changed(mini_run: tuple[Path, dict[str, Any]]) -> None:
    out, _ = mini_run
    rows = list(csv.DictReader((out / "positions.csv").open()))
    start = [r for r in rows if r["when"] == "start"]
    end = [r for r in rows if r["when"] == "end"]
    assert {r["agent"].rsplit("-", 1)[0] for r in start} >= {"looper", "borrower", "whale"}
    assert all(r["block"] == "0" for r in start) and all(r["block"] == "40" for r in end)
    # Every liquidated account shows a change row in the block of its liquidation.
    changes = {(r["market"], r["account"], int(r["block"])) for r in rows if r["when"] == "change"}
    for liquidation in csv.DictReader((out / "liquidations.csv").open()):
        assert (liquidation["market"], liquidation["account"], int(liquidation["block"])) in changes
    looper = next(r for r in start if r["agent"].startswith("looper"))
    assert float(looper["health_factor"]) > 1 and looper["liquidation_asset"] == "USDe"
    ratio = float(looper["debt_usd:USDC"]) / float(looper["collateral_usd:USDe"])
    assert float(looper["liquidation_price"]) == pytest.approx(ratio / 0.92, rel=1e-6)  # e-mode LT 92%
    whale = next(r for r in start if r["market"] == "venue")
    assert float(whale["equity_usd"]) > float(whale["maintenance_usd"]) > 0
    # Quiet blocks write nothing: far fewer rows than positions x blocks.
    assert len(rows) < len(start) * 10


def test_a_loop_at_exactly_the_emode_maximum_ltv_opens(tmp_path: Path) -> None:
    """10x at the e-mode's 90% LTV: the borrow is the whole headroom, to the unit, and the pool takes it."""
    overrides = {"agents[looper].params.leverage": 10, "agents[looper].params.risk_off_drawdown": 1.0}
    summary = run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path, blocks=2, overrides=overrides))
    assert summary["status"] == "completed"
    loops = [
        r
        for r in csv.DictReader((tmp_path / "positions.csv").open())
        if r["when"] == "start" and r["agent"].startswith("looper")
    ]
    assert len(loops) == 5
    for row in loops:
        assert float(row["debt_usd:USDC"]) / float(row["collateral_usd:USDe"]) == pytest.approx(
            0.9, abs=1e-6
        )  # plus 1 s of interest


def test_every_liquidation_is_attributed_and_adds_up(mini_run: tuple[Path, dict[str, Any]]) -> None:
    """liquidations.csv has one row per liquidation event, its USD agrees with the per-market totals, every
    row names the price move that pushed it under, and parents precede their children one wave up."""
    out, summary = mini_run
    rows = list(csv.DictReader((out / "liquidations.csv").open()))
    events = [json.loads(line) for line in (out / "events.jsonl").open()]
    starts = [e for e in events if e["event"] in ("LiquidationCall", "LiquidationStarted")]
    assert [(int(r["block"]), int(r["tx_index"])) for r in rows] == [
        (e["block"], e["tx_index"]) for e in starts
    ]
    for market, tally in summary["liquidations"].items():
        mine = [r for r in rows if r["market"] == market]
        assert len(mine) == tally["count"]
        assert sum(float(r["usd"]) for r in mine) == pytest.approx(tally["usd"], abs=0.05)
    by_id = {int(r["id"]): r for r in rows}
    for row in rows:
        assert row["cause"] != "unattributed" and row["trigger_asset"]
        assert int(row["trigger_block"]) < int(row["block"])
        if row["parent"]:
            parent = by_id[int(row["parent"])]
            assert int(parent["wave"]) + 1 == int(row["wave"]) and int(parent["block"]) <= int(
                row["trigger_block"]
            )
        else:
            assert row["wave"] == "1"
    cascade = summary["cascade"]
    assert sum(w["count"] for w in cascade["waves"]) == len(rows)
    assert cascade["total_usd"] == pytest.approx(sum(float(r["usd"]) for r in rows), abs=0.05)


def test_agent_pnl_covers_every_agent(mini_run: tuple[Path, dict[str, Any]]) -> None:
    out, summary = mini_run
    rows = list(csv.DictReader((out / "agents.csv").open()))
    by_kind = summary["agent_pnl_usd"]
    assert (
        len(rows)
        == sum(v["count"] for v in by_kind.values())
        == sum(v["count"] for k, v in summary["agents"].items())
    )
    for kind, figures in by_kind.items():
        mine = [float(r["pnl_usd"]) for r in rows if r["kind"] == kind]
        assert sum(mine) == pytest.approx(figures["total_usd"], abs=0.01 * len(mine) + 0.01)
        assert min(mine) == figures["min_usd"] and max(mine) == figures["max_usd"]
    keeper = next(r for r in rows if r["kind"] == "oracle_keeper")
    assert float(keeper["start_usd"]) == float(keeper["end_usd"]) == 0.0  # it holds nothing
    bots = [r for r in rows if r["kind"] == "liquidation_bot"]
    assert bots and all(float(r["start_usd"]) > 0 for r in bots)  # funded with stables at set-up


def test_flash_loan_bots_liquidate_without_capital(tmp_path: Path) -> None:
    summary = run(RunOptions(scenario=DATA / "flash.yaml", out_dir=tmp_path))
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").open()]
    flashes = [e for e in events if e["event"] == "FlashLiquidation"]
    calls = [e for e in events if e["event"] == "LiquidationCall"]
    assert flashes and len(flashes) == len(calls) == summary["liquidations"]["lending:aave"]["count"]
    assert all(e["contract"].startswith("bot:flash_liquidation_bot-") for e in flashes)
    assert all(e["agent"].startswith("flash_liquidation_bot-") for e in calls)
    rows = list(csv.DictReader((tmp_path / "agents.csv").open()))
    bots = [r for r in rows if r["kind"] == "flash_liquidation_bot"]
    assert all(float(r["start_usd"]) == 0.0 for r in bots)  # no capital at all
    profit = sum(int(e["args"]["profit"]) for e in flashes) / 10**6
    assert sum(float(r["pnl_usd"]) for r in bots) == pytest.approx(profit, abs=0.01 * len(bots))
    assert profit > 0
    # Their sales happen inside the liquidation's transaction: the oracle here is pushed, so nothing cascades.
    assert summary["cascade"]["by_cause"]["exogenous"]["count"] == len(calls)


def test_same_seed_gives_identical_blocks_and_event_log(
    tmp_path: Path, mini_run: tuple[Path, dict[str, Any]]
) -> None:
    out, first = mini_run
    again = run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "again"))
    assert again["events_sha256"] == first["events_sha256"]
    assert again["last_block_hash"] == first["last_block_hash"]
    assert (tmp_path / "again" / "timeseries.csv").read_bytes() == (out / "timeseries.csv").read_bytes()


def test_another_seed_gives_another_run(tmp_path: Path, mini_run: tuple[Path, dict[str, Any]]) -> None:
    other = run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "other", seed=43, blocks=20))
    assert other["events_sha256"] != mini_run[1]["events_sha256"]


def test_killed_devnet_fails_clearly_and_keeps_finished_blocks(tmp_path: Path) -> None:
    node = Devnet(
        DevnetConfig(accounts=1, genesis_timestamp=1_760_000_000, base_fee=0, gas_limit=30_000_000_000)
    ).start()

    def kill_after_ten(done: int, _total: int) -> None:
        if done == 10:
            node.stop()

    options = RunOptions(
        scenario=DATA / "mini.yaml", out_dir=tmp_path / "killed", rpc_url=node.url, on_block=kill_after_ten
    )
    with pytest.raises(RunFailed, match=r"did not answer .*The 10 blocks finished before the failure are in"):
        run(options)
    rows = list(csv.DictReader((tmp_path / "killed" / "timeseries.csv").open()))
    assert len(rows) == 10
    summary = json.loads((tmp_path / "killed" / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["blocks"] == 10


def test_calm_market_has_no_liquidations(tmp_path: Path) -> None:
    summary = run(RunOptions(scenario=SCENARIOS / "calm.yaml", out_dir=tmp_path / "calm", blocks=50))
    assert all(t["count"] == 0 for t in summary["liquidations"].values())
    assert summary["failed_transactions"] == 0


def test_cli_reports_a_bad_scenario_in_one_paragraph(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nblocks: 0\nassets: {}\n")
    result = CliRunner().invoke(cli, ["run", str(bad), "--out", str(tmp_path / "o"), "--no-progress"])
    assert result.exit_code == 1
    assert "field `blocks`" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_cli_rejects_a_malformed_set_flag(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(DATA / "mini.yaml"), "--set", "blocks", "--no-progress"])
    assert result.exit_code == 2
    assert "is not KEY=VALUE" in result.output


def test_cli_runs_and_prints_the_summary(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["run", str(DATA / "mini.yaml"), "--blocks", "5", "--out", str(tmp_path / "cli"), "--no-progress"],
    )
    assert result.exit_code == 0, result.output
    assert "lending:aave" in result.output and "events sha256" in result.output
    assert (tmp_path / "cli" / "summary.json").is_file()


@pytest.fixture(scope="module")
def october_2025(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The shipped October 2025 run (its folder and summary), shared by the tests that need it."""
    out = tmp_path_factory.mktemp("oct10") / "ours"
    return out, run(RunOptions(scenario=SCENARIOS / "oct10_2025_pools.yaml", out_dir=out))


@pytest.mark.slow
def test_october_2025_shows_the_events_signature(october_2025: tuple[Path, dict[str, Any]]) -> None:
    summary = october_2025[1]
    low = summary["min_price"]
    assert low["pool:bn_usde_usdt:USDe"] < 0.80  # USDe printed ~0.65 on the venue...
    assert low["pool:curve_usde_usdc:USDe"] > 0.97  # ...while staying near $1 on-chain
    assert low["pool:bn_wbeth_usdt:wBETH"] < 0.5 * low["ref:wBETH"]  # the LST depegs on the venue only
    modes = summary["venue_liquidations_by_margin_mode"]
    assert modes["cross"]["usd"] > 3 * modes.get("isolated", {"usd": 0.0})["usd"]
    by_collateral = summary["lending_liquidations_by_collateral_usd"]["lending:aave"]
    lending_total = sum(by_collateral.values())
    assert lending_total > 1_000_000
    assert (
        by_collateral.get("USDe", 0.0) < 0.01 * lending_total
    )  # USDe loops on the lending pool barely touched
    cascade = summary["cascade"]  # the venue cascades: its own forced sales push the next accounts under
    assert cascade["max_wave"] >= 3 and cascade["amplification"] > 1.5
    assert cascade["by_cause"]["liquidation_sale"]["usd"] > 0.5 * summary["liquidations"]["venue"]["usd"]


@pytest.fixture(scope="module")
def october_2025_books(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The shipped October 2025 run on order books (two venues), in process: the same events as on anvil."""
    out = tmp_path_factory.mktemp("oct10_books") / "ours"
    return out, run(RunOptions(scenario=SCENARIOS / "oct10_2025.yaml", out_dir=out, backend="revm"))


@pytest.mark.slow
def test_october_2025_on_books_shows_the_events_signature(
    october_2025_books: tuple[Path, dict[str, Any]],
) -> None:
    """Issue 13's figures: the venue depeg and its length, the books emptying, market makers among the
    liquidated, and the second venue's liquidations caused by the first venue's crash."""
    out, summary = october_2025_books
    low = summary["min_price"]
    assert low["oracle:binance:USDe"] < 0.80  # USDe printed ~0.65 on the venue...
    assert low["pool:curve_usde_usdc:USDe"] > 0.97  # ...while staying near $1 on-chain
    books_csv = list(csv.DictReader((out / "books.csv").open()))
    wbeth_prints = [
        float(r["last_trade"]) for r in books_csv if r["book"] == "bn_wbeth_usdt" and r["last_trade"]
    ]
    assert min(wbeth_prints) < 0.5 * low["ref:wBETH"]  # the LST crashes in the venue's book only...
    assert low["pool:uni_wbeth_weth:wBETH"] > 0.9 * low["ref:wBETH"]
    # ...while its 20% book / 80% conversion-rate index mark (Binance's) moves by the book's fifth at most
    assert 0.7 * low["ref:wBETH"] < low["oracle:binance:wBETH"] < low["ref:wBETH"]
    assert summary["depeg_seconds"]["binance:USDe"]["below_0.90"] >= 30 * 60  # ~21:40 -> 22:45 in the event
    assert summary["depeg_seconds"]["pool:curve_usde_usdc:USDe"]["below_0.95"] == 0
    modes = summary["venue_liquidations_by_margin_mode"]
    assert modes["cross"]["usd"] > 3 * modes.get("isolated", {"usd": 0.0})["usd"]
    by_collateral = summary["lending_liquidations_by_collateral_usd"]["lending:aave"]
    assert by_collateral.get("USDe", 0.0) < 0.01 * sum(by_collateral.values())
    books = summary["books"]
    for book in ("binance:bn_alt_usdt", "okx:okx_alt_usdt"):  # the altcoin books empty out
        assert books[book]["depth_drop"] >= 0.8, (book, books[book])
    for book in ("binance:bn_usde_usdt", "binance:bn_alt_usdt", "binance:bn_weth_usdt"):
        assert books[book]["spread_ratio_max"] >= 3, (book, books[book])
    share = summary["liquidations_by_agent_kind"]["book_market_maker"]["share"]
    assert 0.2 <= share <= 0.5  # market makers ~35% of liquidations in the event
    assert summary["cascade"]["by_cause"]["cross_venue"]["usd"] > 0
    rows = list(csv.DictReader((out / "liquidations.csv").open()))
    okx = [r for r in rows if r["market"] == "venue:okx"]
    assert okx and any(r["cause"] == "cross_venue" and r["trigger_venue"] == "binance" for r in okx)


def test_mitigations_switch_on_from_the_command_line(tmp_path: Path) -> None:
    overrides = {"mitigations.circuit_breaker.enabled": True, "mitigations.gradual_liquidation.enabled": True}
    summary = run(
        RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "mitigated", overrides=overrides)
    )
    assert summary["status"] == "completed"
    assert (
        summary["gas_by_call"]["CircuitBreaker.checkAndPause"]["count"] >= 40
    )  # the keeper pokes it every block
    manifest = json.loads((tmp_path / "mitigated" / "manifest.json").read_text())
    assert manifest["scenario"]["mitigations"]["circuit_breaker"]["enabled"] is True


def test_trace_reverts_names_why_each_transaction_failed(tmp_path: Path) -> None:
    run(RunOptions(scenario=DATA / "mini.yaml", out_dir=tmp_path / "traced", blocks=12, trace_reverts=True))
    failed = [
        json.loads(line) for line in (tmp_path / "traced" / "events.jsonl").open() if '"TxFailed"' in line
    ]
    assert failed, "the mini cascade has bots losing races in its first blocks"
    assert all(f["args"]["reason"] and not f["args"]["reason"].startswith("unknown") for f in failed)


def test_a_failure_before_the_first_block_is_recorded_and_clears_old_outputs(tmp_path: Path) -> None:
    out = tmp_path / "early"
    run(RunOptions(scenario=DATA / "mini.yaml", out_dir=out, blocks=3))
    assert json.loads((out / "summary.json").read_text())["status"] == "completed"
    # A lending market without any lender: the looper's set-up borrow cannot be served.
    overrides = {"lending[0].reserves[0].liquidity_usd": 0, "lending[0].reserves[1].liquidity_usd": 0}
    with pytest.raises(RunFailed, match=r"set-up transaction of looper-\d+ reverted"):
        run(RunOptions(scenario=DATA / "mini.yaml", out_dir=out, overrides=overrides))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["blocks"] == 0
    assert not (out / "events.jsonl").exists()  # the earlier run's outputs cannot pass for this one's


def _events_by_role(out: Path) -> list[dict[str, Any]]:
    """events.jsonl with every deployed address replaced by its role (the real Uniswap v2 factory and the router
    in front of it play the roles of ours)."""
    addresses = json.loads((out / "manifest.json").read_text())["addresses"]
    roles = {address.lower(): label.removesuffix(":uniswap_v2") for label, address in addresses.items()}
    events = []
    for line in (out / "events.jsonl").open():
        for address, role in roles.items():
            line = line.replace(address, role)
        events.append(json.loads(line))
    return events


@pytest.mark.slow
def test_october_2025_on_the_real_uniswap_v2_pair_bytecode_gives_identical_results(
    october_2025: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    """Every constant-product pool of the shipped run deployed from npm @uniswap/v2-core (the mainnet pair) instead
    of ours: the same events, block by block, and the same figures; only gas (solc 0.5.16 against ours) and the
    contracts' addresses differ."""
    ours, baseline = october_2025
    scenario = load_scenario(SCENARIOS / "oct10_2025_pools.yaml")
    assert scenario.venue is not None
    overrides: dict[str, Any] = {
        f"{where}[{p.name}].implementation": "uniswap_v2"
        for where, pools in (("pools", scenario.pools), ("venue.pools", scenario.venue.pools))
        for p in pools
        if p.kind == "constant_product"
    }
    real = tmp_path / "uniswap_v2"
    summary = run(RunOptions(scenario=SCENARIOS / "oct10_2025_pools.yaml", out_dir=real, overrides=overrides))
    manifest = json.loads((real / "manifest.json").read_text())
    pairs = [f"pool:{p.name}" for p in scenario.all_pools() if p.kind == "constant_product"]
    assert sorted(manifest["real_bytecode"]) == sorted(pairs) and len(pairs) == 8
    for name in ("timeseries.csv", "liquidations.csv", "agents.csv", "positions.csv"):
        assert (real / name).read_bytes() == (ours / name).read_bytes(), name
    assert _events_by_role(real) == _events_by_role(ours)
    gas_and_clock = {
        "events_sha256",
        "last_block_hash",
        "wall_seconds",
        "loop_seconds",
        "loop_seconds_by_phase",
    }
    gas_and_clock |= {"tx_per_second", "gas_by_call", "gas_deploy", "gas_setup_by_call"}
    assert {k: v for k, v in summary.items() if k not in gas_and_clock} == {
        k: v for k, v in baseline.items() if k not in gas_and_clock
    }
