"""Gas per operation, measured from receipts: deploys of the default market, then every call the agents made
in the mini cascade (tests/sim/data/mini.yaml) and in its flash-loan variant (tests/sim/data/flash.yaml, for
FlashLiquidator.liquidate), and the order book's operations (benchmarks/orderbook_gas.py). Prints the table and
writes docs/gas.md.

Run: .venv/bin/python benchmarks/gas_table.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from orderbook_gas import measure as measure_orderbook  # a sibling script: benchmarks/ is on sys.path
from orderbook_gas import table as orderbook_table

from sim.node.paths import REPO_ROOT
from sim.run import RunOptions, run

SCENARIO = REPO_ROOT / "tests" / "sim" / "data" / "mini.yaml"
FLASH = REPO_ROOT / "tests" / "sim" / "data" / "flash.yaml"
OUT = REPO_ROOT / "docs" / "gas.md"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        summary = run(RunOptions(scenario=SCENARIO, out_dir=Path(tmp) / "gas"))
        flash = run(RunOptions(scenario=FLASH, out_dir=Path(tmp) / "flash"))
    summary["gas_by_call"] |= {
        k: v for k, v in flash["gas_by_call"].items() if k.startswith("FlashLiquidator.")
    }
    lines = [
        "# Gas per operation",
        "",
        "Measured from receipts by `benchmarks/gas_table.py` (solc 0.8.37, optimizer 200 runs, cancun, anvil 1.7.1):",
        "deployments of the default market, then every successful call of the agents' set-up and of the mini cascade",
        f"({summary['blocks']} blocks, {summary['transactions']} transactions). Calls vary with state (cold or warm",
        "storage, how many collateral assets a liquidation sells), hence median and max. `FlashLiquidator.liquidate`",
        "comes from the cascade's flash-loan variant (tests/sim/data/flash.yaml): flash loan, liquidation, sale and",
        "repayment in one transaction.",
        "",
        "## Calls",
        "",
        "| call | count | median gas | max gas |",
        "|---|---:|---:|---:|",
    ]
    calls = dict(summary["gas_setup_by_call"])
    for call, stats in summary["gas_by_call"].items():
        if call in calls:
            merged = calls[call]
            stats = {
                "count": merged["count"] + stats["count"],
                "median": stats["median"],
                "max": max(merged["max"], stats["max"]),
            }
        calls[call] = stats
    for call, stats in sorted(calls.items()):
        lines.append(f"| `{call}` | {stats['count']} | {stats['median']:,} | {stats['max']:,} |")
    lines += ["", "## Deployments", "", "| contract | gas |", "|---|---:|"]
    for label, gas in sorted(summary["gas_deploy"].items()):
        lines.append(f"| `{label}` | {gas:,} |")
    lines += [
        "",
        "## Order book",
        "",
        "`OrderBook` (USDe/USDT, 0.0001 ticks, 0.1% maker and 0.2% taker fees) on a fresh anvil, one transaction per",
        "block, by `benchmarks/orderbook_gas.py`: makers already hold an order (warm owner list), except the first",
        "row; each market order takes whole levels of 1 USDe orders. See docs/orderbook.md.",
        "",
        *orderbook_table(measure_orderbook()),
    ]
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    print(f"\nwrote {OUT}")


if __name__ == "__main__":
    main()
