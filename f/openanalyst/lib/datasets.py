# extra_requirements:
# psycopg[binary]
"""Tables a person provides: CSV or JSON uploads (text or base64) and read-only PostgreSQL
queries, parsed into one shape `{"columns": [...], "rows": [{col: value}]}` with numbers typed,
plus descriptive statistics computed from the values (never estimated).
"""

from __future__ import annotations

import base64
import binascii
import calendar
import csv
import datetime as dt
import io
import json
import math
import re
import statistics
from dataclasses import dataclass, field
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_COLUMNS = 200
# The label column of numbers given without labels ("12, 19, 7 and 22": point 1, point 2, ...).
BARE_SERIES = "point"
# Month and day names and their abbreviations, lower case: labels a sentence writes as names.
CALENDAR_NAMES = frozenset(
    n.lower()
    for n in (*calendar.month_name[1:], *calendar.month_abbr[1:], *calendar.day_name, *calendar.day_abbr)
)
_INT_RE = re.compile(r"^[+-]?\d+$")
_FLOAT_RE = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")
# "1,234" / "1,234.5" (thousands separators) and "12.5%" (kept in percent units).
_GROUPED_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERCENT_RE = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))\s?%$")


class DatasetError(ValueError):
    """Input that is not a table we can read; the message says what to fix."""


@dataclass
class Table:
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "columns": self.columns,
            "rows": self.rows,
            "row_count": len(self.rows),
            "truncated": self.truncated,
        }


def decode(data: str, encoding: str = "text") -> str:
    """The upload as text: `data` itself, or base64-decoded UTF-8 (a BOM is dropped)."""
    if encoding == "base64":
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise DatasetError("the upload is not valid base64") from exc
        if len(raw) > MAX_BYTES:
            raise DatasetError(f"the upload is {len(raw)} bytes; the limit is {MAX_BYTES}")
        try:
            return raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DatasetError("the upload is not UTF-8 text (export it as UTF-8 CSV or JSON)") from exc
    if len(data.encode()) > MAX_BYTES:
        raise DatasetError(f"the upload is larger than {MAX_BYTES} bytes")
    return data.lstrip("\ufeff")


def typed(value: Any) -> Any:
    """'42' -> 42, '3.5' -> 3.5, '1,234' -> 1234, '12.5%' -> 12.5, '' -> None; others unchanged."""
    if not isinstance(value, str):
        return value
    s = value.strip()
    if s == "" or s.lower() in {"na", "n/a", "null", "none", "nan"}:
        return None
    if _INT_RE.match(s):
        return int(s)
    if _FLOAT_RE.match(s):
        return float(s)
    if _GROUPED_RE.match(s):
        plain = s.replace(",", "")
        return float(plain) if "." in plain else int(plain)
    if m := _PERCENT_RE.match(s):
        return float(m.group(1))
    return s


def _check_columns(columns: list[str]) -> list[str]:
    if not columns:
        raise DatasetError("the table has no columns")
    if len(columns) > MAX_COLUMNS:
        raise DatasetError(f"the table has {len(columns)} columns; the limit is {MAX_COLUMNS}")
    seen: dict[str, int] = {}
    out = []
    for i, c in enumerate(columns):
        name = (c or "").strip() or f"column_{i + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def parse_csv(text: str, max_rows: int = MAX_ROWS) -> Table:
    if not text.strip():
        raise DatasetError("the CSV is empty")
    sample = text[:8192]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = next(reader, None)
    if header is None:
        raise DatasetError("the CSV has no header row")
    columns = _check_columns(header)
    table = Table(columns)
    for n, record in enumerate(reader, start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) > len(columns):
            raise DatasetError(f"CSV line {n} has {len(record)} fields but the header has {len(columns)}")
        if len(table.rows) >= max_rows:
            table.truncated = True
            break
        table.rows.append(
            {c: typed(v) for c, v in zip(columns, record + [""] * (len(columns) - len(record)), strict=True)}
        )
    return table


def parse_json(text: str, max_rows: int = MAX_ROWS) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DatasetError(f"the JSON is not valid: {exc.msg} at line {exc.lineno}") from exc
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        rows = data["rows"]
        if rows and isinstance(rows[0], list):
            cols = data.get("columns") or []
            rows = [dict(zip(cols, r, strict=False)) for r in rows]
        data = rows
    elif isinstance(data, dict):
        lists = [v for v in data.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        if len(lists) != 1:
            raise DatasetError(
                'JSON must be a list of objects, or {"rows": [...]} (with "columns" for lists)'
            )
        data = lists[0]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise DatasetError("JSON must be a list of objects, one per row")
    columns: list[str] = []
    for r in data:
        columns.extend(k for k in r if k not in columns)
    table = Table(_check_columns([str(c) for c in columns]) if data else [])
    if data and table.columns != columns:
        raise DatasetError("JSON keys must be non-empty and unique")
    for r in data[:max_rows]:
        table.rows.append({c: typed(r.get(c)) if isinstance(r.get(c), str) else r.get(c) for c in columns})
    table.truncated = len(data) > max_rows
    return table


def parse(text: str, fmt: str = "auto", max_rows: int = MAX_ROWS) -> Table:
    if fmt == "auto":
        fmt = "json" if text.lstrip()[:1] in ("[", "{") else "csv"
    if fmt == "json":
        return parse_json(text, max_rows)
    if fmt == "csv":
        return parse_csv(text, max_rows)
    raise DatasetError(f"unknown format {fmt!r}: use csv, json or auto")


def is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


# A column named like an identifier ("id", "order_id", "user-id", "userId", "ID") holds labels, not amounts:
# its mean or chart answers nothing a person asked.
_IDENTIFIER = re.compile(r"(?i:(?:^|[_\s-])id$|^#$|^(?:index|row)$)|[a-z]Id$")


def numeric_columns(table: Table | dict[str, Any]) -> list[str]:
    """Columns whose non-empty values are all numbers (and there is at least one), identifiers
    (by name) left out."""
    columns, rows = _cols_rows(table)
    out = []
    for c in columns:
        values = [r.get(c) for r in rows if r.get(c) is not None]
        if values and all(is_number(v) for v in values) and not _IDENTIFIER.search(c.strip()):
            out.append(c)
    return out


def _cols_rows(table: Table | dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    if isinstance(table, Table):
        return table.columns, table.rows
    return list(table.get("columns") or []), list(table.get("rows") or [])


def column(table: Table | dict[str, Any], name: str) -> list[Any]:
    columns, rows = _cols_rows(table)
    if name not in columns:
        raise DatasetError(f"no column {name!r}; the columns are {', '.join(columns)}")
    return [r.get(name) for r in rows]


def describe(values: list[Any]) -> dict[str, Any]:
    """count, missing, mean, median, std (sample), min, max, sum of the numeric values."""
    nums = [float(v) for v in values if is_number(v)]
    out: dict[str, Any] = {"count": len(nums), "missing": len(values) - len(nums)}
    if nums:
        out |= {
            "mean": statistics.fmean(nums),
            "median": statistics.median(nums),
            "std": statistics.stdev(nums) if len(nums) > 1 else 0.0,
            "min": min(nums),
            "max": max(nums),
            "sum": math.fsum(nums),
        }
    return out


def correlation(xs: list[Any], ys: list[Any]) -> float | None:
    pairs = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True) if is_number(x) and is_number(y)]
    if len(pairs) < 3:
        return None
    try:
        return statistics.correlation([p[0] for p in pairs], [p[1] for p in pairs])
    except statistics.StatisticsError:  # a constant column
        return None


def linear_fit(xs: list[Any], ys: list[Any]) -> dict[str, float] | None:
    """Least-squares y = intercept + slope * x, with r^2."""
    pairs = [(float(x), float(y)) for x, y in zip(xs, ys, strict=True) if is_number(x) and is_number(y)]
    if len(pairs) < 3:
        return None
    try:
        slope, intercept = statistics.linear_regression([p[0] for p in pairs], [p[1] for p in pairs])
    except statistics.StatisticsError:
        return None
    r = correlation([p[0] for p in pairs], [p[1] for p in pairs])
    return {"slope": slope, "intercept": intercept, "r2": r * r if r is not None else 0.0, "n": len(pairs)}


_PERIOD_RE = re.compile(r"^(?:last|past)[_ ](\d{1,4})[_ ](day|week|month)s?$")


def period_start(period: str | None, today: dt.date | None = None) -> dt.date | None:
    """First day of a period such as "last_30_days", "last 2 weeks", "today", "this_month";
    None for "all" / empty. Raises DatasetError for anything else."""
    if not period or period.strip().lower() in ("all", "any", "all_time"):
        return None
    p = period.strip().lower().replace("-", "_")
    today = today or dt.datetime.now(dt.UTC).date()
    if p == "today":
        return today
    if p == "yesterday":
        return today - dt.timedelta(days=1)
    if p in ("this_week", "this week"):
        return today - dt.timedelta(days=today.weekday())
    if p in ("this_month", "this month"):
        return today.replace(day=1)
    if p in ("this_year", "this year"):
        return today.replace(month=1, day=1)
    m = _PERIOD_RE.match(p)
    if not m:
        raise DatasetError(
            f"unknown period {period!r}: use e.g. last_7_days, last_4_weeks, this_month or all"
        )
    days = int(m.group(1)) * {"day": 1, "week": 7, "month": 30}[m.group(2)]
    return today - dt.timedelta(days=days - 1)


def as_date(value: Any) -> dt.date | None:
    if isinstance(value, dt.date):
        return value if not isinstance(value, dt.datetime) else value.date()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError:
            return None
    if isinstance(value, str) and _MONTH_RE.match(value):  # "2026-09": a month, from its first day
        return dt.date(int(value[:4]), int(value[5:7]), 1)
    return None


_MONTH_RE = re.compile(r"^\d{4}-(?:0[1-9]|1[0-2])$")


def date_column(table: Table | dict[str, Any]) -> str | None:
    """The first column whose non-empty values are all ISO dates (or date-times)."""
    columns, rows = _cols_rows(table)
    for c in columns:
        values = [r.get(c) for r in rows if r.get(c) is not None]
        if values and all(as_date(v) for v in values):
            return c
    return None


def filter_since(table: Table, column: str, start: dt.date) -> Table:
    kept = [r for r in table.rows if (d := as_date(r.get(column))) is not None and d >= start]
    return Table(table.columns, kept, table.truncated)


def select_columns(table: Table, wanted: list[str], keep: list[str]) -> Table:
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise DatasetError(
            f"no column {', '.join(map(repr, missing))}; the columns are {', '.join(table.columns)}"
        )
    cols = [c for c in table.columns if c in wanted or c in keep]
    return Table(cols, [{c: r.get(c) for c in cols} for r in table.rows], table.truncated)


_SELECT_RE = re.compile(r"^\s*(select|with)\b", re.I | re.S)


def check_read_query(query: str) -> str:
    """One SELECT (or WITH ... SELECT) statement; the query also runs in a read-only transaction."""
    q = (query or "").strip().rstrip(";").strip()
    if not q:
        raise DatasetError("no query given: write a SELECT")
    if ";" in q:
        raise DatasetError("one statement only: remove the ';' separated statements")
    if not _SELECT_RE.match(q):
        raise DatasetError("only SELECT queries are allowed on your database")
    return q


def query_postgres(
    resource: dict[str, Any], query: str, max_rows: int = MAX_ROWS, timeout_s: int = 30
) -> Table:
    """Run `query` read-only against a Windmill `postgresql` resource value."""
    import psycopg  # only when a database is used

    q = check_read_query(query)
    params = {
        "host": resource.get("host"),
        "port": int(resource.get("port") or 5432),
        "user": resource.get("user"),
        "password": resource.get("password") or None,
        "dbname": resource.get("dbname"),
        "sslmode": resource.get("sslmode") or "prefer",
        "connect_timeout": 10,
    }
    try:
        with psycopg.connect(**{k: v for k, v in params.items() if v is not None}) as conn:
            conn.read_only = True
            with conn.cursor() as cur:
                cur.execute(f"SET LOCAL statement_timeout = {int(timeout_s) * 1000}")
                cur.execute(q)  # type: ignore[arg-type]  # checked above; read-only transaction
                columns = _check_columns([d.name for d in cur.description or []])
                fetched = cur.fetchmany(max_rows + 1)
            conn.rollback()
    except psycopg.Error as exc:
        raise DatasetError(f"the database refused the query: {str(exc).strip()[:300]}") from exc
    table = Table(columns, truncated=len(fetched) > max_rows)
    for rec in fetched[:max_rows]:
        table.rows.append({c: _plain(v) for c, v in zip(columns, rec, strict=True)})
    return table


def _plain(v: Any) -> Any:
    """Database values as JSON-friendly values (Decimal -> float, dates -> ISO)."""
    from decimal import Decimal

    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    if isinstance(v, bytes | memoryview):
        return None
    return v
