"""report.html: one self-contained page per run folder (inline CSS, PNG plots as data URIs, no scripts)."""

from __future__ import annotations

import csv
import hashlib
import html
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from matplotlib.axes import Axes

from sim.report.books_report import book_figures, books_section, by_kind_table, depeg_table, read_books
from sim.report.htmlpage import Row, page
from sim.report.htmlpage import fmt as _fmt
from sim.report.htmlpage import num as _num
from sim.report.htmlpage import plot as _plot
from sim.report.htmlpage import section as _section
from sim.report.htmlpage import table as _table
from sim.report.htmlpage import txt as _txt
from sim.report.plots import (
    Timeseries,
    draw_backing,
    draw_cumulative,
    draw_liquidations,
    draw_prices,
    is_flat,
    priced_assets,
    read_timeseries,
)
from sim.report.plots_analysis import draw_cascade, draw_depths, draw_health_bands, draw_pnl, hf_markets

REQUIRED = ("timeseries.csv", "summary.json")


class ReportError(Exception):
    """The folder cannot be reported on; the message names the missing or bad file and the fix."""


# -- reading ---------------------------------------------------------------------------------------------


def _check_folder(out_dir: Path) -> None:
    if not out_dir.is_dir():
        raise ReportError(
            f"{out_dir} is not a folder: `cascade report` needs the output folder of a run. "
            f"Run `cascade run SCENARIO --out {out_dir}` first, or pass the folder a run wrote."
        )
    for name in REQUIRED:
        if not (out_dir / name).is_file():
            raise ReportError(
                f"{out_dir} has no {name}, so there is nothing to report: report.html is drawn from a run's "
                f"timeseries.csv and summary.json. Pass the folder that `cascade run` wrote (its --out, "
                f"default out/<scenario>/), or run `cascade run SCENARIO --out {out_dir}` first."
            )


def _read_json(path: Path, required: bool) -> dict[str, Any]:
    if not path.is_file() and not required:
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(
            f"{path} is not readable JSON ({exc}); it may be from an interrupted write. "
            "Run the scenario again to rewrite the folder."
        ) from None
    if not isinstance(data, dict):
        raise ReportError(f"{path} holds no JSON object; run the scenario again to rewrite the folder.")
    return data


def _read_events(path: Path) -> tuple[str, Counter[tuple[str, str]]]:
    """events.jsonl's sha256 and its events counted by (contract, event); empty when the file is absent."""
    if not path.is_file():
        return "", Counter()
    raw = path.read_bytes()
    counts: Counter[tuple[str, str]] = Counter()
    for line in filter(bytes.strip, raw.splitlines()):
        try:
            event = json.loads(line)
        except json.JSONDecodeError:  # a line cut short by an interrupted run
            counts[("(unreadable line)", "")] += 1
            continue
        if isinstance(event, dict):
            counts[(str(event.get("contract", "")), str(event.get("event", "")))] += 1
    return hashlib.sha256(raw).hexdigest(), counts


def _read_liquidations(path: Path) -> list[dict[str, str]] | None:
    """liquidations.csv's complete rows (a last row cut short by an interrupted run is left out); None when
    the file is absent (a run from before attribution)."""
    if not path.is_file():
        return None
    with path.open(newline="") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        return [r for r in reader if all(r.get(f) is not None for f in fields) and r.get("wave")]


# -- sections --------------------------------------------------------------------------------------------


def _run_table(manifest: dict[str, Any], summary: dict[str, Any]) -> str:
    scenario = manifest.get("scenario", {})
    rows: list[tuple[str, Any]] = [
        ("scenario", scenario.get("name", summary.get("scenario", "?"))),
        ("seed", manifest.get("seed", summary.get("seed", "?"))),
        ("blocks run / planned", f"{summary.get('blocks', '?')} / {summary.get('blocks_planned', '?')}"),
        ("seconds per block", scenario.get("seconds_per_block", "?")),
    ]
    if "start_timestamp" in scenario:
        start = datetime.fromtimestamp(int(scenario["start_timestamp"]), UTC)
        rows.append(("start (UTC)", start.strftime("%Y-%m-%d %H:%M:%S")))
    agents = scenario.get("agents", [])
    if agents:
        rows.append(("agents", ", ".join(f"{a.get('count', 1)} {a.get('kind', '?')}" for a in agents)))
    for name, spec in scenario.get("mitigations", {}).items():
        rows.append((f"mitigation: {name}", "enabled" if spec.get("enabled") else "off"))
    rows += [(tool, manifest[tool]) for tool in ("cascade_sim", "solc", "anvil") if tool in manifest]
    rows += [(package, version) for package, version in manifest.get("packages", {}).items()]
    if not manifest:
        rows.append(("manifest.json", "not found: scenario parameters and versions are unknown"))
    return _table(["parameter", "value"], ([_txt(k), _txt(v)] for k, v in rows), cls="kv")


def _liquidation_tables(summary: dict[str, Any]) -> str:
    markets = summary.get("liquidations", {})
    rows = [
        [
            _txt(m),
            _num(v.get("count", 0)),
            _num(v.get("usd", 0.0), "usd"),
            _num(v.get("bad_debt_usd", 0.0), "usd"),
        ]
        for m, v in markets.items()
    ]
    total = [
        "<td><b>total</b></td>",
        _num(sum(v.get("count", 0) for v in markets.values())),
        _num(sum(v.get("usd", 0.0) for v in markets.values()), "usd"),
        _num(summary.get("bad_debt_usd", 0.0), "usd"),
    ]
    parts = [
        _table(
            ["market / venue", "liquidations", "volume (USD)", "bad debt (USD)"], [*rows, total], (1, 2, 3)
        )
    ]
    by_collateral = [
        [_txt(m), _txt(asset), _num(usd, "usd")]
        for m, assets in summary.get("lending_liquidations_by_collateral_usd", {}).items()
        for asset, usd in assets.items()
    ]
    if by_collateral:
        parts.append(_table(["lending market", "collateral seized", "volume (USD)"], by_collateral, (2,)))
    by_mode = [
        [
            _txt(mode),
            _num(v.get("count", 0)),
            _num(v.get("usd", 0.0), "usd"),
            _num(v.get("bad_debt_usd", 0.0), "usd"),
        ]
        for mode, v in summary.get("venue_liquidations_by_margin_mode", {}).items()
    ]
    if by_mode:
        parts.append(
            _table(
                ["venue margin mode", "liquidations", "volume (USD)", "bad debt (USD)"], by_mode, (1, 2, 3)
            )
        )
    return '<div class="tables">' + "".join(parts) + "</div>"


def _min_price_table(summary: dict[str, Any]) -> str:
    prices: dict[str, float] = summary.get("min_price", {})
    rows = []
    for asset in sorted({k.split(":")[-1] for k in prices}):
        reference = prices.get(f"ref:{asset}")
        columns = sorted((k for k in prices if k.split(":")[-1] == asset), key=lambda k: (k[:3] != "ref", k))
        for i, column in enumerate(columns):
            value = prices[column]
            versus = _percent(value / reference - 1) if reference and column[:3] != "ref" else ""
            source = column.removesuffix(f":{asset}")
            first = f'<td class="group">{html.escape(asset)}</td>' if i == 0 else "<td></td>"
            rows.append([first, _txt(source), _num(value), f'<td class="num">{versus}</td>'])
    return _table(["asset", "source", "lowest price (USD)", "vs lowest reference"], rows, (2, 3))


def _percent(change: float) -> str:
    rounded = round(change * 100, 1)
    return f"{rounded + 0.0:+.1f}%"  # + 0.0 turns -0.0 into 0.0


def _state_table(summary: dict[str, Any]) -> str:
    rows = []
    for key, label in (("backing_ratio", "backing ratio"), ("reserve_fund_usd", "reserve fund (USD)")):
        stats = summary.get(key, {})
        rows.append(
            [
                _txt(label),
                *(_num(stats[s], key) if s in stats else _txt("") for s in ("peak", "min", "final")),
            ]
        )
    return _table(["synthetic dollar", "peak", "min", "final"], rows, (1, 2, 3))


def _throughput_table(summary: dict[str, Any], events_sha: str) -> str:
    keys = [
        ("blocks", "blocks"),
        ("transactions", "transactions"),
        ("failed_transactions", "reverted transactions"),
        ("events", "events"),
        ("wall_seconds", "wall time (s)"),
        ("loop_seconds", "block loop (s)"),
        ("tx_per_second", "transactions per second (loop)"),
    ]
    rows = [[_txt(label), _num(summary[key])] for key, label in keys if key in summary]
    recorded = str(summary.get("events_sha256", ""))
    check = "events.jsonl not found"
    if events_sha:
        check = (
            "matches events.jsonl" if events_sha == recorded else f"differs from events.jsonl ({events_sha})"
        )
    rows.append(
        [_txt("events sha256"), f'<td class="hash">{html.escape(recorded)}<br><small>{check}</small></td>']
    )
    rows.append(
        [
            _txt("last block hash"),
            f'<td class="hash">{html.escape(str(summary.get("last_block_hash", "")))}</td>',
        ]
    )
    return _table(["run", "value"], rows, (1,), cls="kv")


def _agents_table(summary: dict[str, Any]) -> str:
    rows: list[Row] = []
    for kind, stats in sorted(summary.get("agents", {}).items()):
        metrics = [(k, v) for k, v in stats.items() if k != "count"] or [("", "")]
        span = len(metrics)
        for i, (metric, value) in enumerate(metrics):
            head = (
                [
                    f'<td rowspan="{span}">{html.escape(kind)}</td>',
                    _num(stats.get("count", 0)).replace("<td", f'<td rowspan="{span}"'),
                ]
                if i == 0
                else []
            )
            rows.append([*head, _txt(metric.replace("_", " ")), _num(value, metric) if metric else _txt("")])
    return _table(["agent kind", "agents", "statistic", "value"], rows, (1, 3), cls="agents")


def _pnl_section(summary: dict[str, Any]) -> str:
    by_kind = summary.get("agent_pnl_usd")
    if not by_kind:
        return "<p>No agent PnL in summary.json (the run stopped before its agents were set up, or predates it).</p>"
    rows: list[Row] = [
        [
            _txt(kind),
            _num(v.get("count", 0)),
            _num(v.get("total_usd", 0.0), "usd"),
            _num(v.get("median_usd", 0.0), "usd"),
            _num(v.get("min_usd", 0.0), "usd"),
            _num(v.get("max_usd", 0.0), "usd"),
            _num(v.get("vs_hold_total_usd", float("nan")), "usd"),
        ]
        for kind, v in sorted(by_kind.items())
    ]
    table = _table(
        ["agent kind", "agents", "PnL total", "median", "worst", "best", "vs holding"], rows, range(1, 7)
    )
    return (
        '<p class="lead">Holdings (wallet, LP shares, lending and venue positions) marked at the reference prices '
        "when the loop starts and ends. <i>vs holding</i> takes the market's move out: the end value minus what "
        "the starting holdings are worth at the end prices. Per agent: agents.csv.</p>"
        + table
        + _plot("PnL per agent kind (USD m)", lambda ax: draw_pnl(ax, by_kind))
    )


def _cascade_section(summary: dict[str, Any], rows: list[dict[str, str]] | None) -> str:
    cascade = summary.get("cascade") or {}
    if rows is None:
        return "<p>No liquidations.csv in this folder: the run predates cascade attribution.</p>"
    if not rows:
        return "<p>No liquidations: nothing cascaded.</p>"
    amplification = cascade.get("amplification")
    lead = (
        '<p class="lead">Each liquidation is charged to the oracle move that pushed its account under water, and '
        "that move to what caused it. Wave 1: the trigger was not a liquidation's sale; wave n+1: triggered by a "
        "sale of a wave-n liquidation. Amplification: everything liquidated over what the exogenous moves alone "
        f"liquidated = <b>{_fmt(amplification) if amplification is not None else 'n/a (nothing exogenous)'}</b>."
        " Method: docs/attribution.md.</p>"
    )
    waves = _table(
        ["wave", "liquidations", "USD", "amplification through"],
        [
            [
                _num(w["wave"]),
                _num(w["count"]),
                _num(w["usd"], "usd"),
                _num(w["amplification_through"])
                if w.get("amplification_through") is not None
                else _txt("n/a"),
            ]
            for w in cascade.get("waves", [])
        ],
        (0, 1, 2, 3),
    )
    causes = _table(
        ["trigger moved by", "liquidations", "USD"],
        [
            [_txt(c.replace("_", " ")), _num(v["count"]), _num(v["usd"], "usd")]
            for c, v in sorted(cascade.get("by_cause", {}).items())
        ],
        (1, 2),
    )
    graph = _plot(
        "Cascade graph: liquidations by block and wave (area ~ USD), linked to the liquidation whose sale "
        "pushed them under; cross-venue links (a liquidation on one venue triggered from another) in magenta, "
        "labelled with the venues",
        lambda ax: draw_cascade(ax, rows),
        height_in=3.6,
    )
    return lead + f'<div class="tables"><div>{waves}</div><div class="side">{causes}</div></div>' + graph


def _events_table(counts: Counter[tuple[str, str]]) -> str:
    if not counts:
        return "<p>events.jsonl not found or empty.</p>"
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    rows = [[_txt(c or "(reverted transaction)"), _txt(e), _num(n)] for (c, e), n in ranked]
    return _table(["contract", "event", "count"], rows, (2,))


def _prices_drawer(ts: Timeseries, asset: str) -> Callable[[Axes], None]:
    return lambda ax: draw_prices(ax, ts, asset, legend_outside=True)


def _plots(ts: Timeseries) -> str:
    if not ts.rows:
        return "<p>timeseries.csv has no blocks yet: no plots.</p>"
    parts = ["<h3>Prices per pool and oracle against the reference (dashed)</h3>"]
    flat = [asset for asset in priced_assets(ts) if is_flat(ts, asset)]
    for asset in priced_assets(ts):
        if asset not in flat:
            parts.append(_plot(f"{asset}: price per pool and oracle", _prices_drawer(ts, asset)))
    if flat:
        parts.append(
            f"<p>Not plotted, every pool and oracle price constant: {html.escape(', '.join(flat))}.</p>"
        )
    parts.append("<h3>Liquidations</h3>")
    parts.append(
        _plot(
            "Liquidated USD per block, by market and venue",
            lambda ax: draw_liquidations(ax, ts, stacked=True),
        )
    )
    parts.append(_plot("Cumulative liquidation volume and bad debt", lambda ax: draw_cumulative(ax, ts)))
    for market in hf_markets(ts):
        parts.append(f"<h3>Health factors: {html.escape(market)}</h3>")
        parts.append(
            _plot(
                f"Borrowers per health-factor band, {market} (from the liquidation-price index)",
                partial(draw_health_bands, ts=ts, market=market),
            )
        )
    if ts.with_prefix("depth_usd:"):
        parts.append("<h3>Pool depths</h3>")
        parts.append(_plot("Reserves at reference prices, % of block 0", lambda ax: draw_depths(ax, ts)))
    if "backing_ratio" in ts.columns and "reserve_fund_usd" in ts.columns:
        parts.append("<h3>Synthetic dollar</h3>")
        parts.append(_plot("Backing ratio and reserve fund", lambda ax: draw_backing(ax, ts)))
    return "".join(parts)


def _header(manifest: dict[str, Any], summary: dict[str, Any]) -> str:
    scenario = manifest.get("scenario", {})
    name = str(scenario.get("name", summary.get("scenario", "run")))
    status = str(summary.get("status", "unknown"))
    badge = f'<span class="status {"completed" if status == "completed" else "other"}">{html.escape(status)}</span>'
    parts = [f"<h1>cascade-sim report: {html.escape(name)} {badge}</h1>"]
    if scenario.get("description"):
        parts.append(f'<p class="lead">{html.escape(str(scenario["description"]))}</p>')
    if summary.get("error"):
        parts.append(f'<div class="error"><b>The run stopped:</b> {html.escape(str(summary["error"]))}</div>')
    links = (
        ("summary", "Summary"),
        ("cascade", "Cascade"),
        *((("books", "Books"),) if summary.get("books") else ()),
        ("plots", "Plots"),
        ("pnl", "Agent PnL"),
        ("agents", "Agents"),
        ("events", "Events"),
        ("run", "Run"),
    )
    parts.append("<nav>" + "".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>")
    return "".join(parts)


def render_report(out_dir: Path) -> str:
    """The report's HTML for a run folder; raises ReportError when timeseries.csv or summary.json is missing."""
    return _render(out_dir)[0]


def _render(out_dir: Path) -> tuple[str, list[tuple[str, str, bytes]]]:
    """The report's HTML, and the figures also written as PNG files (the order books')."""
    _check_folder(out_dir)
    summary = _read_json(out_dir / "summary.json", required=True)
    manifest = _read_json(out_dir / "manifest.json", required=False)
    events_sha, event_counts = _read_events(out_dir / "events.jsonl")
    ts = read_timeseries(out_dir / "timeseries.csv")
    books = read_books(out_dir / "books.csv")
    figures = book_figures(books) if books else []
    summary_body = (
        "<h3>Liquidations and bad debt</h3>"
        + _liquidation_tables(summary)
        + '<div class="tables"><div><h3>Lowest prices</h3>'
        + _min_price_table(summary)
        + '</div><div class="side"><h3>Backing</h3>'
        + _state_table(summary)
        + "<h3>Liquidated by agent kind</h3>"
        + by_kind_table(summary)
        + "<h3>Time below the peg</h3>"
        + depeg_table(summary)
        + "<h3>Throughput and identity</h3>"
        + _throughput_table(summary, events_sha)
        + "</div></div>"
    )
    body = "".join(
        [
            _header(manifest, summary),
            _section("Summary", summary_body, "summary"),
            _section(
                "Cascade",
                _cascade_section(summary, _read_liquidations(out_dir / "liquidations.csv")),
                "cascade",
            ),
            _section("Order books", books_section(summary, figures), "books") if books else "",
            _section("Plots", _plots(ts), "plots"),
            _section("Agent PnL", _pnl_section(summary), "pnl"),
            _section("Agent statistics", _agents_table(summary), "agents"),
            _section("Events by contract", _events_table(event_counts), "events"),
            _section("Run parameters", _run_table(manifest, summary), "run"),
        ]
    )
    title = f"cascade-sim report: {manifest.get('scenario', {}).get('name', out_dir.name)}"
    return page(title, body), figures


def write_report(out_dir: Path) -> Path:
    """Write OUT_DIR/report.html from the run's outputs and return its path."""
    page, figures = _render(out_dir)
    for name, _, png in figures:
        (out_dir / name).write_bytes(png)
    target = out_dir / "report.html"
    target.write_text(page, encoding="utf-8")
    return target
