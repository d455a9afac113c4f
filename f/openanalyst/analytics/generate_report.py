# extra_requirements:
# matplotlib
"""Generate a report from a table: statistics computed from the values, charts rendered as PNG
images (matplotlib, Agg), a markdown version and a self-contained HTML version that prints
cleanly to PDF (charts embedded as data URIs, print CSS).

Every number in the text comes from the data: summaries, correlations and least-squares fits.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import itertools
import json
from typing import Any, Literal

import f.openanalyst.lib.datasets as datasets
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

MAX_SERIES = 6
MAX_BAR_CATEGORIES = 40


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _charts(
    table: dict[str, Any], x: str | None, ys: list[str], kind: str, fits: dict[str, Any]
) -> list[dict[str, Any]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    charts = []
    xs = datasets.column(table, x) if x else list(range(1, len(table["rows"]) + 1))
    x_numeric = all(datasets.is_number(v) for v in xs if v is not None)
    chosen = kind
    if kind == "auto":
        chosen = "scatter" if x and x_numeric and len(set(xs)) > 1 and not _ordered(xs) else "line"
        if x and not x_numeric and len(xs) <= MAX_BAR_CATEGORIES and not _looks_temporal(xs):
            chosen = "bar"
    for y in ys:
        values = datasets.column(table, y)
        pairs = [(a, b) for a, b in zip(xs, values, strict=True) if a is not None and datasets.is_number(b)]
        if not pairs:
            continue
        fig, ax = plt.subplots(figsize=(8, 4.5))
        px, py = [p[0] for p in pairs], [p[1] for p in pairs]
        if chosen == "scatter":
            ax.scatter(px, py, color="#2563eb", s=36, zorder=3, label=y)
            fit = fits.get(y)
            if fit:
                lo, hi = min(px), max(px)
                ax.plot(
                    [lo, hi],
                    [fit["intercept"] + fit["slope"] * lo, fit["intercept"] + fit["slope"] * hi],
                    color="#dc2626",
                    linewidth=1.5,
                    label=f"fit: {y} = {fit['intercept']:.2f} + {fit['slope']:.3f}·{x} "
                    f"(r² = {fit['r2']:.3f})",
                )
        elif chosen == "bar":
            labels = [str(v) for v in px]
            ax.bar(range(len(py)), py, color="#2563eb", label=y)
            ax.set_xticks(range(len(py)), labels, rotation=45 if len(labels) > 8 else 0, ha="right")
        else:
            ax.plot(px, py, marker="o", markersize=3, color="#2563eb", label=y)
        title = f"{y} by {x}" if x else f"{y} by row"
        ax.set_title(title)
        ax.set_xlabel(x or "row")
        ax.set_ylabel(y)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="best", fontsize=8)
        charts.append(
            {
                "name": f"chart_{len(charts) + 1}.png",
                "title": title,
                "kind": chosen,
                "alt": f"{chosen} chart of {y} against {x or 'row number'} ({len(pairs)} points)",
                "png_base64": _png(fig),
            }
        )
        plt.close(fig)
    numeric = ys[:8]
    if len(numeric) >= 2:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        data = [[float(v) for v in datasets.column(table, c) if datasets.is_number(v)] for c in numeric]
        ax.boxplot(data, tick_labels=numeric)
        ax.set_title("Distribution of the numeric columns")
        ax.grid(True, axis="y", alpha=0.3)
        charts.append(
            {
                "name": f"chart_{len(charts) + 1}.png",
                "title": "Distribution of the numeric columns",
                "kind": "box",
                "alt": f"box plot of {', '.join(numeric)}",
                "png_base64": _png(fig),
            }
        )
        plt.close(fig)
    return charts


def _ordered(values: list[Any]) -> bool:
    nums = [v for v in values if v is not None]
    return len(nums) > 2 and all(a < b for a, b in itertools.pairwise(nums))


def _looks_temporal(values: list[Any]) -> bool:
    sample = [v for v in values if isinstance(v, str)][:5]
    try:
        return bool(sample) and all(dt.date.fromisoformat(s[:10]) for s in sample)
    except ValueError:
        return False


def _findings(
    x: str | None, ys: list[str], summary: dict[str, Any], fits: dict[str, Any], corr: dict[str, float | None]
) -> list[str]:
    out = []
    for y in ys:
        s = summary.get(y) or {}
        if not s.get("count"):
            continue
        out.append(
            f"{y}: mean {_fmt(s['mean'])}, median {_fmt(s['median'])}, "
            f"range {_fmt(s['min'])} to {_fmt(s['max'])} "
            f"over {s['count']} values" + (f" ({s['missing']} missing)" if s["missing"] else "") + "."
        )
        fit, r = fits.get(y), corr.get(y)
        if x and fit and r is not None:
            strength = "strong" if abs(r) >= 0.7 else "moderate" if abs(r) >= 0.4 else "weak"
            direction = "rises" if fit["slope"] > 0 else "falls"
            out.append(
                f"{y} {direction} by {_fmt(abs(fit['slope']))} per unit of {x}: a {strength} linear relation "
                f"(r = {r:.3f}, r² = {fit['r2']:.3f}, n = {fit['n']})."
            )
    return out


def _markdown(
    title: str,
    meta: str,
    findings: list[str],
    summary: dict[str, Any],
    fits: dict[str, Any],
    x: str | None,
    charts: list[dict[str, Any]],
) -> str:
    lines = [f"# {title}", "", meta, "", "## Key findings", ""]
    lines += [f"- {f}" for f in findings] or ["- No numeric values to summarise."]
    lines += [
        "",
        "## Summary statistics",
        "",
        "| column | count | mean | median | std | min | max |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for c, s in summary.items():
        if s.get("count"):
            lines.append(
                f"| {c} | {s['count']} | {_fmt(s['mean'])} | {_fmt(s['median'])} | {_fmt(s['std'])} "
                f"| {_fmt(s['min'])} | {_fmt(s['max'])} |"
            )
    if fits:
        lines += [
            "",
            f"## Linear fits against {x}",
            "",
            "| series | intercept | slope | r² | n |",
            "|---|---:|---:|---:|---:|",
        ]
        for y, f in fits.items():
            lines.append(f"| {y} | {f['intercept']:.4f} | {f['slope']:.4f} | {f['r2']:.4f} | {f['n']} |")
    if charts:
        lines += ["", "## Charts", ""]
        lines += [f"![{c['alt']}]({c['name']})\n\n*{c['title']}*\n" for c in charts]
    return "\n".join(lines).rstrip() + "\n"


def _chat_message(
    title: str, findings: list[str], summary: dict[str, Any], x: str | None, charts: list[dict[str, Any]]
) -> str:
    """What the chat shows: the charts as images with the key numbers beside them."""
    lines = [f"**{title}**", ""]
    lines += [f"- {f}" for f in findings[:6]]
    for column, stats in list(summary.items())[:4]:
        if column != x and stats.get("count"):
            lines.append(
                f"- {column}: total {_fmt(stats.get('sum', 0))}, mean {_fmt(stats['mean'])}, "
                f"min {_fmt(stats['min'])}, max {_fmt(stats['max'])}"
            )
    for c in charts:
        lines += ["", f"![{c['alt']}](data:image/png;base64,{c['png_base64']})", f"*{c['title']}*"]
    return "\n".join(lines).strip()


_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#111827;max-width:900px;
  margin:2rem auto;padding:0 1rem;line-height:1.5}
h1{font-size:1.6rem;margin-bottom:.2rem} .meta{color:#6b7280}
table{border-collapse:collapse;width:100%;margin:1rem 0;font-size:.9rem}
th,td{border:1px solid #e5e7eb;padding:.35rem .5rem;text-align:right}
th:first-child,td:first-child{text-align:left}
th{background:#f3f4f6} figure{margin:1.5rem 0;page-break-inside:avoid;break-inside:avoid}
figure img{max-width:100%} figcaption{color:#4b5563;font-size:.9rem}
@page{size:A4;margin:16mm} @media print{body{margin:0;max-width:none}}
"""


def _html(
    title: str,
    meta: str,
    findings: list[str],
    summary: dict[str, Any],
    fits: dict[str, Any],
    x: str | None,
    charts: list[dict[str, Any]],
) -> str:
    e = html.escape
    rows = "".join(
        f"<tr><td>{e(c)}</td><td>{s['count']}</td><td>{_fmt(s['mean'])}</td><td>{_fmt(s['median'])}</td>"
        f"<td>{_fmt(s['std'])}</td><td>{_fmt(s['min'])}</td><td>{_fmt(s['max'])}</td></tr>"
        for c, s in summary.items()
        if s.get("count")
    )
    fit_rows = "".join(
        f"<tr><td>{e(y)}</td><td>{f['intercept']:.4f}</td><td>{f['slope']:.4f}</td><td>{f['r2']:.4f}</td><td>{f['n']}</td></tr>"
        for y, f in fits.items()
    )
    figs = "".join(
        f'<figure><img alt="{e(c["alt"])}" src="data:image/png;base64,{c["png_base64"]}">'
        f"<figcaption>{e(c['title'])}</figcaption></figure>"
        for c in charts
    )
    items = "".join(f"<li>{e(f)}</li>" for f in findings) or "<li>No numeric values to summarise.</li>"
    fits_html = (
        f"<h2>Linear fits against {e(x or '')}</h2><table><tr><th>series</th><th>intercept</th><th>slope</th>"
        f"<th>r²</th><th>n</th></tr>{fit_rows}</table>"
        if fits
        else ""
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>'
        f"<style>{_CSS}</style></head><body><h1>{e(title)}</h1><p class=meta>{e(meta)}</p>"
        f"<h2>Key findings</h2><ul>{items}</ul><h2>Summary statistics</h2>"
        f"<table><tr><th>column</th><th>count</th>"
        f"<th>mean</th><th>median</th><th>std</th><th>min</th><th>max</th></tr>{rows}</table>{fits_html}"
        f"{'<h2>Charts</h2>' + figs if figs else ''}</body></html>"
    )


def main(
    user_id: str,
    dataset: dict | None = None,
    data: str | None = None,
    format: Literal["auto", "csv", "json"] = "auto",
    title: str = "Report",
    x: str | None = None,
    y: list[str] | None = None,
    chart: Literal["auto", "line", "bar", "scatter"] = "auto",
    question: str | None = None,
    session_id: str | None = None,
) -> dict[str, Any]:
    """Build a report with charts from `dataset` (fetch_metrics' result) or raw CSV/JSON `data`.

    Args:
        user_id: the person the report is for.
        dataset: {"columns": [...], "rows": [{...}]}, e.g. the result of fetch_metrics.
        data: CSV or JSON text (or a list of row objects), when no dataset is given.
        format: the format of `data`: csv, json or auto.
        title: the report's title.
        x: the column on the horizontal axis (e.g. a date, a category, or a numeric driver).
        y: the numeric columns to chart (default: every numeric column but x, at most 6).
        chart: auto, line, bar or scatter (scatter adds the least-squares line).
        question: what the person asked; shown at the top of the report.
        session_id: when given, progress is pushed to that websocket session.
    """
    validate_user_id(user_id)
    if dataset is None:
        if not data:
            raise ValueError("give a dataset (from fetch_metrics) or CSV/JSON data")
        if isinstance(data, list):  # rows passed straight from a previous step
            data = json.dumps(data, default=str)
        dataset = datasets.parse(datasets.decode(data), format).as_dict()
    table = {"columns": list(dataset.get("columns") or []), "rows": list(dataset.get("rows") or [])}
    if not table["columns"]:
        for row in table["rows"]:
            table["columns"].extend(k for k in row if k not in table["columns"])
    if not table["rows"]:
        raise ValueError("the dataset has no rows")
    title = " ".join((title or "Report").split())[:200]
    numeric = datasets.numeric_columns(table)
    if x is not None and x not in table["columns"]:
        raise ValueError(f"no column {x!r}; the columns are {', '.join(table['columns'])}")
    if x is None:  # a date or category column reads best on the x axis
        x = datasets.date_column(table) or next((c for c in table["columns"] if c not in numeric), None)
    ys = list(y) if y else [c for c in numeric if c != x][:MAX_SERIES]
    bad = [c for c in ys if c not in numeric]
    if bad:
        raise ValueError(f"not numeric columns: {', '.join(bad)} (numeric: {', '.join(numeric) or 'none'})")
    if not ys:
        raise ValueError("the dataset has no numeric column to chart")
    report("generate_report", 20, "Computing statistics", user_id=user_id, session_id=session_id)

    summary = {c: datasets.describe(datasets.column(table, c)) for c in numeric}
    fits: dict[str, Any] = {}
    corr: dict[str, float | None] = {}
    if x and x in numeric:
        xs = datasets.column(table, x)
        for c in ys:
            fit = datasets.linear_fit(xs, datasets.column(table, c))
            if fit:
                fits[c] = fit
            corr[c] = datasets.correlation(xs, datasets.column(table, c))
    report("generate_report", 50, "Drawing charts", user_id=user_id, session_id=session_id)
    charts = _charts(table, x, ys, chart, fits)
    findings = _findings(x, ys, summary, fits, corr)
    meta = (
        (f"Question: {' '.join(question.split())[:300]}. " if question else "")
        + f"{len(table['rows'])} rows, {len(table['columns'])} columns"
        + (" (truncated at the row limit)" if dataset.get("truncated") else "")
        + f". Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
    )
    md = _markdown(title, meta, findings, summary, fits, x, charts)
    page = _html(title, meta, findings, summary, fits, x, charts)
    report(
        "generate_report",
        100,
        f"Report ready with {len(charts)} charts",
        user_id=user_id,
        session_id=session_id,
    )
    return {
        "title": title,
        "message": _chat_message(title, findings, summary, x, charts),
        "markdown": md,
        "html": page,
        "charts": charts,
        "summary": summary,
        "fits": fits,
        "correlations": corr,
        "findings": findings,
        "row_count": len(table["rows"]),
    }
