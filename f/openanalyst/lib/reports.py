"""A report with charts as Windmill's result renderers show it, and as the brain reads it back.

generate_report returns it; the brain reads its typed view (the chat's text with its charts, the
numbers the checks use).

Windmill renders a result `{"render_all": [...]}` (that one key) item by item. An item renders
when its only key is `markdown`, `png` (base64), `table-row-object` (a list of row objects) or
`file` (`{"content": base64, "filename"}`); an item that also names `wm_renderer` may carry other
keys beside what it renders; any other item, or one over ~100 kB (strings counted twice), is shown
as JSON. The markdown renderer reads CommonMark (no tables), so tables are their own items
(https://github.com/windmill-labs/windmill/blob/main/frontend/src/lib/components/DisplayResult.svelte,
`inferResultKind` and the `render_all` branch). So: the head (title, findings) is a `wm_renderer`
markdown item carrying the report's numbers for the brain, each chart is its own `png` item, and
the printable HTML page is a `file` to download.
"""

from __future__ import annotations

import base64
import html
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

RENDERED_KEY = "render_all"
_HEAD_RENDERER = "markdown"
_STAT_COLUMNS = ("count", "mean", "median", "std", "min", "max")


def fmt(v: Any) -> str:
    """A number as a person reads it: thousands separated, at most three decimals."""
    if isinstance(v, float):
        if v.is_integer() and abs(v) < 1e15:  # a sum of whole numbers: 2,580, not 2,580.0
            return f"{int(v):,}"
        if v != 0 and (abs(v) >= 1e6 or abs(v) < 1e-3):
            return f"{v:.3g}"
        return f"{v:,.3f}".rstrip("0").rstrip(".") if abs(v) < 1000 else f"{v:,.1f}"
    if isinstance(v, int):
        return f"{v:,}"
    return str(v)


class Chart(BaseModel):
    """One chart: a PNG image and what it shows."""

    name: str = Field(description="file name, e.g. chart_1.png")
    title: str
    kind: Literal["line", "bar", "scatter", "box", "pie"]
    alt: str = Field(description="what the image shows, for those who cannot see it")
    png_base64: str = ""


class Report(BaseModel):
    """A report's content: every number computed from the data."""

    model_config = ConfigDict(extra="forbid")

    title: str
    meta: str = Field(description="the question, the table's size and when it was made")
    findings: list[str]
    summary: dict[str, dict[str, Any]] = Field(description="datasets.describe of each numeric column")
    fits: dict[str, dict[str, Any]] = Field(description="least-squares fit of each series against x")
    correlations: dict[str, float | None]
    x: str | None
    row_count: int
    charts: list[Chart]

    # ------------------------------------------------------------------ what people read

    def head_markdown(self) -> str:
        lines = [f"# {self.title}", "", self.meta, "", "## Key findings", ""]
        lines += [f"- {f}" for f in self.findings] or ["- No numeric values to summarise."]
        return "\n".join(lines) + "\n"

    def _stat_rows(self) -> list[dict[str, Any]]:
        return [
            {"column": c, **{k: fmt(s[k]) if k != "count" else s[k] for k in _STAT_COLUMNS}}
            for c, s in self.summary.items()
            if s.get("count")
        ]

    def markdown(self) -> str:
        """The whole report as one Markdown document (tables included), charts by file name."""
        lines = [self.head_markdown().rstrip(), "", "## Summary statistics", ""]
        lines += ["| column | count | mean | median | std | min | max |", "|---|" + "---:|" * 6]
        lines += ["| " + " | ".join(str(v) for v in row.values()) + " |" for row in self._stat_rows()]
        if self.fits:
            lines += ["", f"## Linear fits against {self.x}", ""]
            lines += ["| series | intercept | slope | r² | n |", "|---|---:|---:|---:|---:|"]
            lines += [
                f"| {y} | {f['intercept']:.4f} | {f['slope']:.4f} | {f['r2']:.4f} | {f['n']} |"
                for y, f in self.fits.items()
            ]
        if self.charts:
            lines += ["", "## Charts", ""]
            lines += [f"![{c.alt}]({c.name})\n\n*{c.title}*\n" for c in self.charts]
        return "\n".join(lines).rstrip() + "\n"

    def message(self) -> str:
        """What the chat shows: the charts as images with the key numbers beside them."""
        lines = [f"**{self.title}**", ""]
        lines += [f"- {f}" for f in self.findings[:8]]  # the findings hold each series' totals
        for c in self.charts:
            lines += ["", f"![{c.alt}](data:image/png;base64,{c.png_base64})", f"*{c.title}*"]
        return "\n".join(lines).strip()

    def html(self) -> str:
        """A self-contained page (charts as data URIs) that prints cleanly to PDF."""
        e = html.escape
        rows = "".join(
            "<tr>" + "".join(f"<td>{e(str(v))}</td>" for v in row.values()) + "</tr>"
            for row in self._stat_rows()
        )
        fit_rows = "".join(
            f"<tr><td>{e(y)}</td><td>{f['intercept']:.4f}</td><td>{f['slope']:.4f}</td>"
            f"<td>{f['r2']:.4f}</td><td>{f['n']}</td></tr>"
            for y, f in self.fits.items()
        )
        figs = "".join(
            f'<figure><img alt="{e(c.alt)}" src="data:image/png;base64,{c.png_base64}">'
            f"<figcaption>{e(c.title)}</figcaption></figure>"
            for c in self.charts
        )
        items = (
            "".join(f"<li>{e(f)}</li>" for f in self.findings) or "<li>No numeric values to summarise.</li>"
        )
        fits_html = (
            f"<h2>Linear fits against {e(self.x or '')}</h2><table><tr><th>series</th><th>intercept</th>"
            f"<th>slope</th><th>r²</th><th>n</th></tr>{fit_rows}</table>"
            if self.fits
            else ""
        )
        return (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(self.title)}</title>'
            f"<style>{_CSS}</style></head><body><h1>{e(self.title)}</h1><p class=meta>{e(self.meta)}</p>"
            f"<h2>Key findings</h2><ul>{items}</ul><h2>Summary statistics</h2>"
            f"<table><tr><th>column</th><th>count</th>"
            f"<th>mean</th><th>median</th><th>std</th><th>min</th><th>max</th></tr>{rows}</table>{fits_html}"
            f"{'<h2>Charts</h2>' + figs if figs else ''}</body></html>"
        )

    # ------------------------------------------------------------ Windmill's result and back

    def rendered(self) -> dict[str, list[dict[str, Any]]]:
        """The result Windmill renders: head, tables, each chart with its caption, the HTML file."""
        data = self.model_dump(mode="json", exclude={"charts": {"__all__": {"png_base64"}}})
        items: list[dict[str, Any]] = [
            {"wm_renderer": _HEAD_RENDERER, "markdown": self.head_markdown(), "report": data},
            {"markdown": "## Summary statistics"},
            {"table-row-object": self._stat_rows()},
        ]
        if self.fits:
            items += [
                {"markdown": f"## Linear fits against {self.x}"},
                {
                    "table-row-object": [
                        {"series": y, **{k: round(f[k], 4) for k in ("intercept", "slope", "r2", "n")}}
                        for y, f in self.fits.items()
                    ]
                },
            ]
        for c in self.charts:
            items += [{"png": c.png_base64}, {"markdown": f"*{c.title}*"}]
        page = base64.b64encode(self.html().encode()).decode()
        items += [
            {"markdown": "Printable version (open it in a browser and print to PDF):"},
            {"file": {"content": page, "filename": f"{_slug(self.title)}.html"}},
        ]
        return {RENDERED_KEY: items}

    @classmethod
    def from_rendered(cls, result: Any) -> Report | None:
        """The report in a result `rendered` made, or None for any other result."""
        items = result.get(RENDERED_KEY) if isinstance(result, dict) and len(result) == 1 else None
        if not isinstance(items, list):
            return None
        head = next((i for i in items if isinstance(i, dict) and "report" in i), None)
        if head is None:
            return None
        images = [i["png"] for i in items if isinstance(i, dict) and set(i) == {"png"}]
        report = cls.model_validate(head["report"])
        if len(images) != len(report.charts):
            raise ValueError(f"the report lists {len(report.charts)} charts but carries {len(images)} images")
        pairs = zip(report.charts, images, strict=True)
        charts = [c.model_copy(update={"png_base64": png}) for c, png in pairs]
        return report.model_copy(update={"charts": charts})

    def for_brain(self) -> dict[str, Any]:
        """What the brain's checks and answer read of a report step (the chat text with its charts)."""
        return {
            "title": self.title,
            "message": self.message(),
            "markdown": self.markdown(),
            "charts": [c.model_dump() for c in self.charts],
            "summary": self.summary,
            "fits": self.fits,
            "correlations": self.correlations,
            "findings": self.findings,
            "row_count": self.row_count,
        }


def as_read_by_the_brain(result: Any) -> Any:
    """A step's result as the brain reads it: a report's typed view, any other result as it is."""
    report = Report.from_rendered(result)
    return result if report is None else report.for_brain()


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "report"


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
