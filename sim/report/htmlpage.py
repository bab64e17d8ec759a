"""Self-contained HTML pages (inline CSS, PNG plots as data URIs, no scripts): the shared pieces of
report.html, comparison.html and sweep.html."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterable
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.report.plots import report_figure

Row = list[str]  # cells already rendered as HTML


def fmt(value: Any, key: str = "") -> str:
    """A number for a table cell: integers with separators, USD whole, ratios and prices to 6 digits."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return html.escape(str(value))
    if value != value:  # NaN
        return "n/a"
    if key.endswith("ratio"):
        return f"{value:.4f}"
    if isinstance(value, int) or (float(value).is_integer() and abs(value) < 1e15):
        return f"{int(value):,}"
    if key.endswith("usd") or abs(value) >= 1e5:
        return f"{value:,.0f}"
    if abs(value) >= 1000:
        return f"{value:,.2f}"
    return f"{value:.6g}"


def num(value: Any, key: str = "") -> str:
    return f'<td class="num">{fmt(value, key)}</td>'


def txt(value: Any) -> str:
    return f"<td>{html.escape(str(value))}</td>"


def table(headers: Iterable[str], rows: Iterable[Row], numeric: Iterable[int] = (), cls: str = "") -> str:
    """A table; `numeric` are the indexes of the right-aligned columns (their headers too)."""
    right = set(numeric)
    heads = "".join(
        f"<th{' class=num' if i in right else ''}>{html.escape(h)}</th>" for i, h in enumerate(headers)
    )
    body = "".join(f"<tr>{''.join(row)}</tr>" for row in rows)
    return f'<table class="{cls}"><thead><tr>{heads}</tr></thead><tbody>{body}</tbody></table>'


def section(title: str, body: str, anchor: str) -> str:
    return f'<section id="{anchor}"><h2>{html.escape(title)}</h2>{body}</section>'


def figure_png(figure: Figure) -> bytes:
    """The figure as PNG bytes (laid out, no timestamp metadata); the figure is closed."""
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=100, metadata={"Software": None})
    plt.close(figure)
    return buffer.getvalue()


def plot(title: str, draw: Callable[[Axes], None], height_in: float = 3.2) -> str:
    figure, ax = report_figure(height_in)
    draw(ax)
    return image(title, figure_png(figure))


def image(title: str, png: bytes) -> str:
    """A captioned <figure> with the PNG inline as a data: URI."""
    data = base64.b64encode(png).decode("ascii")
    alt = html.escape(title)
    return (
        f'<figure><img src="data:image/png;base64,{data}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'
    )


CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1d2330;
 margin:0;background:#f5f6f8}
main{max-width:1120px;margin:0 auto;padding:24px 28px 48px;background:#fff}
h1{font-size:26px;margin:0 0 4px}h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;
 border-bottom:2px solid #d9dde5}h3{font-size:15px;margin:20px 0 6px;color:#3a4252}
p.lead{color:#4a5365;margin:0 0 12px}
.status{display:inline-block;padding:2px 10px;border-radius:10px;font-weight:600;font-size:12px}
.status.completed{background:#dff3e4;color:#17612d}.status.other{background:#fde2e1;color:#8c1d18}
.error{background:#fde2e1;border-left:4px solid #c0392b;padding:8px 12px;margin:10px 0}
table{border-collapse:collapse;margin:8px 0 18px;font-size:13px}
th,td{padding:4px 10px;border-bottom:1px solid #e3e6ec;vertical-align:top;text-align:left}
th{background:#eef1f5;font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.hash{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12px;word-break:break-all;max-width:300px}
.hash small{font-family:system-ui,sans-serif;color:#4a5365}
table.kv td:first-child{color:#4a5365;white-space:nowrap}
td.group{font-weight:600}
.tables{display:flex;flex-wrap:wrap;gap:0 28px;align-items:flex-start}
.tables>div.side{flex:1 1 320px;min-width:0}
figure{margin:6px 0 18px}figure img{width:100%;height:auto;display:block;border:1px solid #e3e6ec}
figcaption{font-size:12px;color:#4a5365;margin-top:3px}
nav a{margin-right:14px;color:#2458a6;text-decoration:none}
.wide{overflow-x:auto}
"""


def page(title: str, body: str) -> str:
    """A whole HTML document around `body`."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
        f"<body><main>{body}</main></body></html>\n"
    )
