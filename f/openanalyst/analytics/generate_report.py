# extra_requirements:
# matplotlib
"""Generate a report from a table: statistics computed from the values, charts rendered as PNG
images (matplotlib, Agg), and a self-contained HTML version that prints cleanly to PDF.

Every number in the text comes from the data: summaries, correlations and least-squares fits.
The result is what Windmill's result renderers show (findings, tables, the charts, the page to
download); the brain reads it back as a typed report (`f/openanalyst/lib/reports.py`).
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import io
import itertools
import json
import re
from typing import Any, Literal

import f.openanalyst.lib.datasets as datasets
from f.openanalyst.lib.reports import Chart, Report, fmt
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report

MAX_SERIES = 6
MAX_BAR_CATEGORIES = 40
# Drawn for the chat: 640 x 360 px with 12-13 pt text, so a phone showing it ~320 px wide still
# has ~8 px letters (an 8 x 4.5 in figure at 110 dpi had ~5 px letters there).
FIGSIZE, DPI = (6.4, 3.6), 100
STYLE = {"font.size": 12, "axes.titlesize": 13, "axes.labelsize": 12, "legend.fontsize": 11}


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode()


def _charts(
    table: dict[str, Any], x: str | None, ys: list[str], kind: str, fits: dict[str, Any]
) -> list[Chart]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    with plt.rc_context(STYLE):
        return _drawn(plt, FuncFormatter(lambda v, _pos: fmt(v)), table, x, ys, kind, fits)


def _drawn(
    plt: Any,
    numbers: Any,
    table: dict[str, Any],
    x: str | None,
    ys: list[str],
    kind: str,
    fits: dict[str, Any],
) -> list[Chart]:
    charts = []
    xs = datasets.column(table, x) if x else list(range(1, len(table["rows"]) + 1))
    x_numeric = all(datasets.is_number(v) for v in xs if v is not None)
    chosen = kind
    if kind == "auto":
        chosen = "scatter" if x and x_numeric and len(set(xs)) > 1 and not _an_index(xs) else "line"
        if x and not x_numeric and len(xs) <= MAX_BAR_CATEGORIES and not _looks_temporal(xs):
            chosen = "bar"
    for y in ys:
        values = datasets.column(table, y)
        pairs = [(a, b) for a, b in zip(xs, values, strict=True) if a is not None and datasets.is_number(b)]
        if not pairs:
            continue
        fig, ax = plt.subplots(figsize=FIGSIZE)
        px, py = [p[0] for p in pairs], [p[1] for p in pairs]
        if kind == "pie":  # shares of a whole: parts of zero or more, few enough to tell apart
            chosen = "pie" if x and len(py) <= MAX_BAR_CATEGORIES and min(py) >= 0 < sum(py) else "bar"
        if chosen == "pie":
            ax.pie(py, labels=[str(v) for v in px], autopct="%1.0f%%", startangle=90, counterclock=False)
            ax.set_aspect("equal")
        elif chosen == "scatter":
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
            turned = len(labels) > 6
            align = "right" if turned else "center"
            ax.set_xticks(range(len(py)), labels, rotation=45 if turned else 0, ha=align)
        elif _looks_temporal(px):
            # real dates on a date axis: a few ticks, each said once ("Nov", "03", "05"), never
            # eight full dates on top of each other at chat size
            import matplotlib.dates as mdates

            moments = [_moment(v) for v in px]
            ax.plot(moments, py, marker="o", markersize=4, color="#2563eb", label=y)
            locator = _date_locator(moments)
            ax.xaxis.set_major_locator(locator)
            ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
        else:
            ax.plot(px, py, marker="o", markersize=4, color="#2563eb", label=y)
        title = f"{y} by {x}" if x else f"{y} by row"
        ax.set_title(title)
        if chosen != "pie":  # a pie has no axes to name
            ax.set_xlabel(x or "row")
            ax.set_ylabel(y)
            ax.grid(True, alpha=0.3)
            ax.yaxis.set_major_formatter(numbers)  # 50,000 as the text says it, not 50000
        if chosen == "scatter" and fits.get(y):
            ax.legend(loc="best")  # the fit's equation; one series alone needs no legend
        shown = (
            f"pie chart of {y} by {x} ({len(pairs)} parts)"
            if chosen == "pie"
            else f"{chosen} chart of {y} against {x or 'row number'} ({len(pairs)} points)"
        )
        charts.append(
            Chart(
                name=f"chart_{len(charts) + 1}.png",
                title=title,
                kind=chosen,  # type: ignore[arg-type]  # line, bar, scatter or pie by now
                alt=shown,
                png_base64=_png(fig),
            )
        )
        plt.close(fig)
    numeric = ys[:8]
    if len(numeric) >= 2:
        fig, ax = plt.subplots(figsize=FIGSIZE)
        data = [[float(v) for v in datasets.column(table, c) if datasets.is_number(v)] for c in numeric]
        ax.boxplot(data, tick_labels=numeric)
        ax.set_title("Distribution of the numeric columns")
        ax.grid(True, axis="y", alpha=0.3)
        charts.append(
            Chart(
                name=f"chart_{len(charts) + 1}.png",
                title="Distribution of the numeric columns",
                kind="box",
                alt=f"box plot of {', '.join(numeric)}",
                png_base64=_png(fig),
            )
        )
        plt.close(fig)
    return charts


def _an_index(values: list[Any]) -> bool:
    """Evenly spaced rising numbers (1, 2, 3... or 2019, 2020...): a sequence to draw as a line.
    Rising but uneven numbers (ad spend 500, 800, 1200) are a measured driver: a scatter."""
    nums = [v for v in values if v is not None]
    steps = [b - a for a, b in itertools.pairwise(nums)]
    return len(nums) > 2 and all(d > 0 for d in steps) and max(steps) - min(steps) <= 1e-9 * max(steps)


def _moment(value: str) -> dt.datetime:
    """An ISO date or date-time as a datetime (a value _looks_temporal accepted)."""
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        return dt.datetime.fromisoformat(value[:10])


def _date_locator(moments: list[dt.datetime]) -> Any:
    """Ticks for a date axis: days alone for whole dates over a week or less (never '12:00'
    between two days), else matplotlib's choice of at least three ticks ('Nov', '08', '15')."""
    import matplotlib.dates as mdates

    whole_days = all(m.time() == dt.time() for m in moments)
    if whole_days and (max(moments) - min(moments)).days <= 7:
        return mdates.DayLocator()
    return mdates.AutoDateLocator(minticks=3, maxticks=7)


def _looks_temporal(values: list[Any]) -> bool:
    sample = [v for v in values if isinstance(v, str)][:5]
    try:
        return bool(sample) and all(dt.date.fromisoformat(s[:10]) for s in sample)
    except ValueError:
        return False


def _shown(label: Any) -> Any:
    """A label as a sentence writes it: month and day names capitalised ("may" -> "May", "sep" -> "Sep")."""
    if isinstance(label, str) and label.strip().lower() in datasets.CALENDAR_NAMES:
        return label.strip().capitalize()
    return label


def _labelled(table: dict[str, Any], x: str, y: str) -> list[tuple[Any, Any]]:
    """(label, value) of each row with a label in `x` and a number in `y`."""
    return [
        (_shown(r.get(x)), r.get(y))
        for r in table["rows"]
        if datasets.is_number(r.get(y)) and r.get(x) is not None
    ]


def _sentence(finding: str) -> str:
    """A finding starts with a capital ("Monthly signups rose ..."), unless it starts with a column's
    identifier ("y1 rises ...", "q3_total is ...")."""
    first = finding.split(" ", 1)[0].rstrip(":,;.")
    return finding[:1].upper() + finding[1:] if first.isalpha() and len(first) > 1 else finding


def _plural(measure: str) -> bool:
    """ "sales", "open rates", "signups" are plural; "revenue", "status", "ad_spend" are not."""
    last = measure.split()[-1].lower() if measure.split() else ""
    return last.isalpha() and last.endswith("s") and not last.endswith(("ss", "us", "is"))


def _is(measure: str) -> str:
    return "are" if _plural(measure) else "is"


# A column of percentages is named "<measure> (%)" (as the chat reads "jan 21%, feb 23%"): its
# values are said with "%", and a change between two of them in points, not as a share of a share.
PERCENT = " (%)"


def _measure(y: str) -> str:
    """The column as a sentence names it ("open rates", not "open rates (%)")."""
    return y.removesuffix(PERCENT)


def _amount(y: str, value: Any) -> str:
    return f"{fmt(value)}%" if y.endswith(PERCENT) else fmt(value)


def _difference(y: str, value: Any) -> str:
    return f"{fmt(value)} points" if y.endswith(PERCENT) else fmt(value)


def _ranking(table: dict[str, Any], x: str, ys: list[str]) -> list[str]:
    """For a category column: which category has the highest and the lowest value of each series."""
    out = []
    for y in ys:
        pairs = _labelled(table, x, y)
        if len(pairs) < 2:
            continue
        top, bottom = max(pairs, key=lambda p: p[1]), min(pairs, key=lambda p: p[1])
        measure = _measure(y)
        if len(pairs) == 2 and top[1] != bottom[1]:  # two compared: by how much one leads
            gap = top[1] - bottom[1]
            share = f" ({gap / bottom[1]:+.0%})" if bottom[1] > 0 and not y.endswith(PERCENT) else ""
            out.append(
                f"{measure} {_is(measure)} higher for {top[0]} ({_amount(y, top[1])}) than for {bottom[0]} "
                f"({_amount(y, bottom[1])}), by {_difference(y, gap)}{share}."
            )
            continue
        out.append(
            f"{measure} {_is(measure)} highest for {top[0]} ({_amount(y, top[1])}) and lowest for "
            f"{bottom[0]} ({_amount(y, bottom[1])})."
        )
    return out


_NUMBERED = re.compile(r"^(?:q|quarter |month |week |w|wk|day |year |point )(\d+)$")  # "w1": week 1


def _whole_years(values: list[Any]) -> bool:
    """Two or more different whole years (1900-2100) and nothing else: a column of years."""
    if not values or not all(datasets.is_number(v) and float(v).is_integer() for v in values):
        return False
    found = [int(float(v)) for v in values]
    return len(set(found)) == len(found) >= 2 and all(1900 <= v <= 2100 for v in found)


def _calendar_sequence(values: list[Any]) -> bool:
    """Two or more weekday or month names in calendar order ("mon, tue, wed", "March, April"),
    numbered periods in order ("Q1, Q2, Q3", "month 1, month 2"), years in order, or "last week,
    this week"."""
    if _whole_years(values):
        return True
    said = [str(v).strip().lower() for v in values]
    if len(said) == 2 and said[0].startswith(("last ", "previous ", "yesterday")):
        return said[1].startswith(("this ", "today"))  # "last week, this week": the earlier first
    numbered = [_NUMBERED.match(str(v).strip().lower()) for v in values]
    if len(values) >= 2 and all(numbered):
        steps = [int(m[1]) for m in numbered if m]
        return all(b == a + 1 for a, b in itertools.pairwise(steps))
    names = [str(v).strip().lower()[:3] for v in values]
    days = [d.lower() for d in calendar.day_abbr]
    months = [m.lower() for m in calendar.month_abbr[1:]]
    for cycle in (days, months):
        if len(names) >= 2 and all(n in cycle for n in names):
            spots = [cycle.index(n) for n in names]
            return all(b == (a + 1) % len(cycle) for a, b in itertools.pairwise(spots))
    return False


# "Which day of the week gets the most signups?": dated rows compared by weekday, not told as a trend.
_WEEKDAY_QUESTION = re.compile(
    r"\b(?:day of (?:the )?week|weekdays?|which day|what day|best day|busiest day|quietest day)\b", re.I
)


# "What's the average of 12, 19, 7 and 22?": the statistic asked for is the first finding.
_STAT_QUESTION = (
    (re.compile(r"\b(?:average|avg|mean)\b", re.I), "mean", "average"),
    (re.compile(r"\bmedian\b", re.I), "median", "median"),
    (re.compile(r"\b(?:total|sum|add(?:ed)? up)\b", re.I), "sum", "total"),
)


# "What was our best month?", "which region sold the least?": the row asked for is the first finding.
_HIGHEST_QUESTION = re.compile(r"\b(?:best|highest|top|most|biggest|largest|peak|strongest|busiest)\b", re.I)
_LOWEST_QUESTION = re.compile(r"\b(?:worst|lowest|least|fewest|smallest|weakest|quietest)\b", re.I)


# Words for money in a question, and the columns that hold it.
_MONEY_QUESTION = re.compile(
    r"\b(?:money|earn(?:s|ed|ing)?|income|brings? in|makes? the most|revenue|sales)\b", re.I
)
_MONEY_COLUMN = re.compile(r"revenue|sales|income|amount|turnover|gmv|earnings|money|profit", re.I)


def _asked_first(question: str | None, ys: list[str]) -> list[str]:
    """The measures with the one the question names first ("which product sold the most units?":
    units), or the money column when it asks about money; else as they were."""
    if not question or len(ys) < 2:
        return ys
    # the question's words, not a table pasted with it ("product,units,revenue" names every column)
    asked = " ".join(
        line for line in question.lower().splitlines() if not re.fullmatch(r"\S*[,;\t]\S*", line.strip())
    )
    named = [y for y in ys if _measure(y).lower() in asked]
    if not named and _MONEY_QUESTION.search(asked):
        named = [y for y in ys if _MONEY_COLUMN.search(y)]
    return [named[0], *(y for y in ys if y != named[0])] if named else ys


def _asked_extreme(
    question: str | None, table: dict[str, Any], x: str | None, y: str, several: bool = False
) -> list[str]:
    """The row with the highest (or lowest) `y` when the question asks which one, else nothing;
    `several`: the table has other measures, so the answer names this one."""
    if not question or not x:
        return []
    pairs = _labelled(table, x, y)
    if len(pairs) < 2:
        return []
    highest = bool(_HIGHEST_QUESTION.search(question))
    if not highest and not _LOWEST_QUESTION.search(question):
        return []
    ranked = sorted(pairs, key=lambda p: float(p[1]), reverse=highest)
    (label, value), (next_label, next_value) = ranked[0], ranked[1]
    gap = abs(float(value) - float(next_value))
    if gap == 0:
        return [
            f"{label} and {next_label} are tied {'highest' if highest else 'lowest'}, at {_amount(y, value)}."
        ]
    # "which day was best and by how much?": the margin over the runner-up, as a number and a share
    change = (float(value) - float(next_value)) / abs(float(next_value)) if float(next_value) else None
    share = f", {change:+.0%}" if change is not None and not y.endswith(PERCENT) else ""
    return [
        f"{label} is {'highest' if highest else 'lowest'}{f' in {_measure(y)}' if several else ''}, with "
        f"{_amount(y, value)}: {_difference(y, gap)} "
        f"{'more' if highest else 'less'} than {next_label} ({_amount(y, next_value)}{share})."
    ]


def _asked_statistics(question: str | None, y: str, summary: dict[str, Any]) -> list[str]:
    """The statistics of `y` the question names, as one finding ("The average of signups is 15
    (4 values)."), or nothing."""
    s = summary.get(y) or {}
    if not question or not s.get("count"):
        return []
    told = [(said, _amount(y, s[key])) for pattern, key, said in _STAT_QUESTION if pattern.search(question)]
    if not told:
        return []
    of = "" if y == "value" else f" of {_measure(y)}"
    parts = [f"The {told[0][0]}{of} is {told[0][1]}", *(f"the {said} {value}" for said, value in told[1:])]
    listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return [f"{listed} ({s['count']} values)."]


def _by_weekday(table: dict[str, Any], x: str, y: str) -> tuple[list[str], dict[str, Any]] | None:
    """The average of `y` per weekday of the dates in `x` (Monday first), as a finding and a table."""
    per_day: dict[int, list[float]] = {}
    for row in table["rows"]:
        day, value = datasets.as_date(row.get(x)), row.get(y)
        if day is not None and datasets.is_number(value):
            per_day.setdefault(day.weekday(), []).append(float(value))
    if len(per_day) < 2:
        return None
    means = {d: sum(v) / len(v) for d, v in sorted(per_day.items())}
    ranked = sorted(means, key=lambda d: -means[d])
    told = ", ".join(
        f"{calendar.day_name[d]} {fmt(means[d])} ({len(per_day[d])} day{'s' if len(per_day[d]) > 1 else ''})"
        for d in ranked
    )
    best, worst = calendar.day_name[ranked[0]], calendar.day_name[ranked[-1]]
    finding = f"{y} {_is(y)} highest on {best}s and lowest on {worst}s (average per day: {told})."
    column = f"average {y}"
    rows = [{"weekday": calendar.day_name[d], column: round(means[d], 2)} for d in means]
    return [finding], {"columns": ["weekday", column], "rows": rows}


def _points(table: dict[str, Any], x: str, y: str, in_row_order: bool) -> list[tuple[str, Any]]:
    """(label, value) of `y` over time: in `x` order, or as given for named days and months."""
    given = [
        (str(_shown(r.get(x))), r.get(y))
        for r in table["rows"]
        if r.get(x) is not None and datasets.is_number(r.get(y))
    ]
    return given if in_row_order else sorted(given)


# "are we growing?", "did sales drop?": a yes or no about the direction, said first.
_DIRECTION_QUESTION = re.compile(
    r"\b(?:are|is|was|were|did|do|does|has|have|am)\b[^.?!]*?\b(?:"
    r"(?P<up>grow(?:ing|n)?|increas(?:e|ed|ing)|going up|ris(?:e|en|ing)|(?P<better>improv(?:e|ed|ing))|"
    r"climb(?:ed|ing)?)|"
    # not "slowing down": growth that slows is still growth, which a first-to-last change cannot tell
    r"(?P<down>declin(?:e|ed|ing)|drop(?:ped|ping)?|shrink(?:ing)?|shrunk|going down|fall(?:en|ing)?))\b"
    r"[^.!?]*\?",
    re.I,
)


# Measures that are better when they fall: "is churn improving?" asks whether it went down.
_LOWER_IS_BETTER = re.compile(
    r"churn|cost|expense|bounce|error|complaint|return|refund|cancel|unsubscrib|latency|downtime|defect|"
    r"debt|loss|wait|response time|resolution time|attrition|turnover rate",
    re.I,
)


def _asked_direction(question: str | None, table: dict[str, Any], x: str, y: str, in_row_order: bool) -> str:
    """ "Yes" or "No" when the question asks whether `y` went up (or down) over time, else ""."""
    asked = _DIRECTION_QUESTION.search(question or "")
    points = _points(table, x, y, in_row_order)
    if not asked or len(points) < 2:
        return ""
    went_up, went_down = points[-1][1] > points[0][1], points[-1][1] < points[0][1]
    wants_up = bool(asked["up"])
    if asked["better"] and _LOWER_IS_BETTER.search(y):  # "is churn improving?": improving is falling
        wants_up = False
    return "Yes" if (went_up if wants_up else went_down) else "No"


def _trend(table: dict[str, Any], x: str, ys: list[str], in_row_order: bool = False) -> list[str]:
    """Over time (rows in `x` order, or as given for named days and months): where each series
    started and ended, the change, its biggest step up and down: what a person asking for a chart
    of it wants said first."""
    out = []
    for y in ys:
        points = _points(table, x, y, in_row_order)
        if len(points) < 2:
            continue
        (start, first), (end, last) = points[0], points[-1]
        change = last - first
        verb = "rose" if change > 0 else "fell" if change < 0 else "stayed"
        if y.endswith(PERCENT):
            share = f", {'+' if change > 0 else ''}{_difference(y, change)}" if change else ""
        else:
            share = f", {change / first:+.0%}" if first else ""
        line = (
            f"{_measure(y)} {verb} from {_amount(y, first)} ({start}) to {_amount(y, last)} ({end}){share}."
        )
        steps = [(b[1] - a[1], a[0], b[0]) for a, b in itertools.pairwise(points)]
        if len(steps) == 1:  # two points: the change says it all
            out.append(line)
            continue
        up, down = max(steps), min(steps)
        if up[0] > 0:
            line += f" Biggest rise: {_difference(y, up[0])}, {up[1]} to {up[2]}."
        if down[0] < 0:
            falls = sum(1 for d, *_ in steps if d < 0)
            times = "once" if falls == 1 else f"{falls} times"
            line += f" It fell {times}; most: {_difference(y, -down[0])}, {down[1]} to {down[2]}."
        out.append(line)
    return out


def _findings(
    x: str | None, ys: list[str], summary: dict[str, Any], fits: dict[str, Any], corr: dict[str, float | None]
) -> list[str]:
    out = []
    for y in ys:
        s = summary.get(y) or {}
        if s.get("count", 0) < 3:  # the mean and range of two numbers say nothing the two do not
            continue
        total = "" if y.endswith(PERCENT) else f"total {fmt(s['sum'])}, "  # no sum of rates
        out.append(
            f"{_measure(y)}: {total}mean {_amount(y, s['mean'])}, median {_amount(y, s['median'])}, "
            f"range {_amount(y, s['min'])} to {_amount(y, s['max'])} "
            f"over {s['count']} values" + (f" ({s['missing']} missing)" if s["missing"] else "") + "."
        )
        fit, r = fits.get(y), corr.get(y)
        if x and fit and r is not None:
            strength = "strong" if abs(r) >= 0.7 else "moderate" if abs(r) >= 0.4 else "weak"
            direction = ("rise" if fit["slope"] > 0 else "fall") + ("" if _plural(y) else "s")
            out.append(
                f"{y} {direction} by {fmt(abs(fit['slope']))} per unit of {x}: a {strength} linear relation "
                f"(r = {r:.3f}, r² = {fit['r2']:.3f}, n = {fit['n']})."
            )
    return out


def main(
    user_id: str,
    dataset: dict | None = None,
    data: str | None = None,
    format: Literal["auto", "csv", "json"] = "auto",
    title: str = "Report",
    x: str | None = None,
    y: list[str] | None = None,
    chart: Literal["auto", "line", "bar", "scatter", "pie"] = "auto",
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
        chart: auto, line, bar, scatter (with its least-squares line) or pie (parts of a whole).
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
    if years := next((c for c in numeric if _whole_years(datasets.column(table, c))), None):
        # "2025 48000, 2024 41000, 2023 39500": the years label the rows (in time order), they are
        # not a measure to fit against
        numeric = [c for c in numeric if c != years]
        table["rows"] = sorted(table["rows"], key=lambda row: float(row[years]))
    if x is not None and x not in table["columns"]:
        raise ValueError(f"no column {x!r}; the columns are {', '.join(table['columns'])}")
    if x is None:  # a date or category column reads best on the x axis
        x = datasets.date_column(table) or next((c for c in table["columns"] if c not in numeric), None)
    if x is None and len(numeric) >= 2:  # paired numbers only: the first is the driver (scatter + fit)
        x = numeric[0]
    ys = list(y) if y else [c for c in numeric if c != x][:MAX_SERIES]
    ys = _asked_first(question, ys)  # "which product brings the most money?": revenue first
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
    statistics = _findings(x, ys, summary, fits, corr)
    findings = statistics
    # "are we growing?": the first series' trend line (moved[0]), with its yes or no, comes first
    verdict, moved = "", []
    if x and x not in numeric and _calendar_sequence(datasets.column(table, x)):
        # mon..fri, Jan..Apr: a sequence over time whose labels are names: how it moved, then the extremes
        moved = _trend(table, x, ys, in_row_order=True)
        findings = [*moved, *_ranking(table, x, ys), *findings]
        verdict = _asked_direction(question, table, x, ys[0], in_row_order=True)
    elif x and x not in numeric and x != datasets.date_column(table):
        findings = [*_ranking(table, x, ys), *findings]  # "which X has the most Y" first
    elif x and x == datasets.date_column(table):
        moved = _trend(table, x, ys)
        findings = [*moved, *findings]  # how it moved over time first
        verdict = _asked_direction(question, table, x, ys[0], in_row_order=False)
        weekdays = _by_weekday(table, x, ys[0]) if _WEEKDAY_QUESTION.search(question or "") else None
        if weekdays:  # the question asked by weekday: that answer and its chart come first
            findings = [*weekdays[0], *findings]
            by_day = _charts(weekdays[1], "weekday", weekdays[1]["columns"][1:], "bar", {})
            charts = [
                c.model_copy(update={"name": f"chart_{i}.png"}) for i, c in enumerate([*by_day, *charts], 1)
            ]
    if ys:
        asked = _asked_statistics(question, ys[0], summary)
        if asked and x == datasets.BARE_SERIES:
            # "what's the total of 1200, 850 and 430?": numbers to add up, not a series that moved
            findings = statistics
        if x and x not in numeric:  # "which month was best?": a row of a category or a date
            asked += _asked_extreme(question, table, x, ys[0], several=len(ys) > 1)
        findings = [*asked, *findings]
        if verdict:  # a verdict means ys[0] had a trend, so moved[0] is its line
            findings = [f"{verdict}: {moved[0]}", *(f for f in findings if f is not moved[0])]
    findings = [_sentence(f) for f in findings]
    asked_line = " ".join((question or "").split())[:300]
    if asked_line and not asked_line.endswith(("?", "!", ".")):
        asked_line += "."  # "Question: are we growing? 3 rows", not "growing?. 3 rows"
    meta = (
        (f"Question: {asked_line} " if asked_line else "")
        + f"{len(table['rows'])} rows, {len(table['columns'])} columns"
        + (" (truncated at the row limit)" if dataset.get("truncated") else "")
        + f". Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC."
    )
    built = Report(
        title=title,
        meta=meta,
        findings=findings,
        summary=summary,
        fits=fits,
        correlations=corr,
        x=x,
        row_count=len(table["rows"]),
        charts=charts,
    )
    report(
        "generate_report",
        100,
        f"Report ready with {len(charts)} charts",
        user_id=user_id,
        session_id=session_id,
    )
    # Windmill renders it (head, tables, charts, printable page); the brain reads it back typed
    return built.rendered()
