# extra_requirements:
# PyStemmer
#
# The store is imported where the history is read (Windmill sees only top-level imports): its
# learning index stems words.
"""Fetch the metrics to analyse: a dataset the person provides (CSV or JSON upload, or a
read-only query on a `postgresql` resource they own), optionally with the platform's own task
history for them (tasks, success rates) from the OpenAnalyst store.
"""

from __future__ import annotations

import re
from typing import Any, Literal, TypedDict

import f.openanalyst.lib.datasets as datasets
from f.openanalyst.lib.needs_input import NeedsInput
from f.openanalyst.lib.users import validate_user_id
from f.openanalyst.lib.windmill.progress import report


class postgresql(TypedDict, total=False):  # the name is the resource type Windmill's form offers
    """A `postgresql` resource's value. Annotating an argument with a class of this name makes the
    Windmill form a picker of the person's postgresql resources (the parser turns an unknown class
    name into `format: resource-<name>`:
    https://github.com/windmill-labs/windmill/blob/main/backend/parsers/windmill-parser-py/src/lib.rs,
    `parse_typ`), and the worker passes the picked resource's value, resolving `$res:<path>` with the
    job's own rights: a person's job cannot read another person's resource
    (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs,
    `transform_json_value`). The platform's flow runs as the admin, so a plan's `$res:` is checked
    to be the person's before its job starts (`lib/planning/rules.py`)."""

    host: str
    port: int
    user: str
    password: str
    dbname: str
    sslmode: str


def _history(user_id: str, limit: int) -> dict[str, Any]:
    """The person's recent tasks and success rates, or why they are not available."""
    try:
        from f.openanalyst.lib.store.connect import open_store_from_windmill
    except ImportError:
        return {"available": False, "reason": "the store is not deployed"}
    try:
        with open_store_from_windmill() as store:
            tasks = store.recent_tasks(user_id, limit=limit)
            rates = store.success_rate(user_id)
    except Exception as exc:  # an unknown user has no history; any store failure is reported, not fatal
        return {"available": False, "reason": f"{exc.__class__.__name__}: {str(exc)[:200]}"}
    return {"available": True, "tasks": tasks, "success_rate": rates}


def _their_database(user_id: str) -> tuple[str, dict[str, Any]]:
    """(path, value) of the person's own postgresql resource, when they have exactly one. Only
    `u/<user>/` is listed, so another person's database is never found."""
    import f.openanalyst.lib.windmill.rest as windmill_rest
    from f.openanalyst.lib.users import user_folder

    folder = f"{user_folder(user_id)}/"
    found = [
        r["path"]
        for r in windmill_rest.list_resources("postgresql", path_start=folder)
        if str(r.get("path", "")).startswith(folder)
    ]
    if not found:
        raise NeedsInput(
            "To read that table I need your database: add it in Windmill as a PostgreSQL resource in "
            f"your folder ({folder}), then ask again. Or paste the rows here as CSV."
        )
    if len(found) > 1:
        names = ", ".join(p.rsplit("/", 1)[-1] for p in found)
        raise NeedsInput(
            f"You have several databases ({names}): pick one in the form of "
            "f/openanalyst/analytics/fetch_metrics, or paste the rows here as CSV."
        )
    value = windmill_rest.read_resource(found[0])
    if not isinstance(value, dict):
        raise NeedsInput(f"I could not read your database settings at {found[0]}: check the resource.")
    return found[0], value


def _whole_table(name: str) -> str:
    """SELECT * FROM the table `name` (or schema.table), quoted by psycopg: a name is never SQL."""
    from psycopg import sql

    parts = name.split(".")
    if not 1 <= len(parts) <= 2 or not all(re.fullmatch(r"[A-Za-z_][\w$]{0,62}", p) for p in parts):
        raise NeedsInput(f"“{name}” is not a table name: give it as table or schema.table.")
    return sql.SQL("SELECT * FROM {}").format(sql.Identifier(*parts)).as_string()


def history_table(tasks: list[dict[str, Any]]) -> datasets.Table:
    """One row per day of the person's OpenAnalyst tasks: counts, success rate, mean duration."""
    days: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        day = str(t.get("created_at") or "")[:10]
        if day:
            days.setdefault(day, []).append(t)
    columns = ["date", "tasks", "succeeded", "failed", "success_rate", "avg_duration_s", "avg_attempts"]
    table = datasets.Table(columns)
    for day in sorted(days):
        group = days[day]
        ok = sum(1 for t in group if t.get("status") == "success")
        durations = [t["duration_ms"] / 1000 for t in group if isinstance(t.get("duration_ms"), int | float)]
        attempts = [t["attempts"] for t in group if isinstance(t.get("attempts"), int | float)]
        table.rows.append(
            {
                "date": day,
                "tasks": len(group),
                "succeeded": ok,
                "failed": len(group) - ok,
                "success_rate": ok / len(group),
                "avg_duration_s": round(sum(durations) / len(durations), 3) if durations else None,
                "avg_attempts": round(sum(attempts) / len(attempts), 3) if attempts else None,
            }
        )
    return table


def main(
    user_id: str,
    source: Literal["default", "upload", "postgresql", "history"] = "default",
    data: str | None = None,
    format: Literal["auto", "csv", "json"] = "auto",
    encoding: Literal["text", "base64"] = "text",
    database: postgresql | None = None,
    query: str | None = None,
    metrics: list[str] | None = None,
    period: str | None = None,
    include_history: bool = False,
    max_rows: int = 10000,
    session_id: str | None = None,
    db_table: str | None = None,
) -> dict[str, Any]:
    """Load a table of metrics for `user_id`.

    Args:
        user_id: the person; their task history is the one read.
        source: upload (CSV/JSON in data), postgresql (a SELECT), history (their tasks per day), or default.
        data: the uploaded file's content, as text or base64 (see encoding).
        format: csv, json, or auto (JSON when it starts with '[' or '{').
        encoding: text, or base64 for a file sent as bytes.
        database: one of your postgresql resources (e.g. $res:u/alice/sales_db), for source postgresql.
        query: one SELECT statement, run in a read-only transaction.
        metrics: keep only these columns (plus the date column).
        period: rows of a period by the date column: last_7_days, last_4_weeks, this_month, today, all.
        include_history: also return the person's task history from the store.
        max_rows: rows kept at most (1-100000); `truncated` says if more were there.
        session_id: when given, progress is pushed to that websocket session.
        db_table: a table (or schema.table) to read whole instead of a query (default: your only database).
    """
    validate_user_id(user_id)
    if not 1 <= max_rows <= datasets.MAX_ROWS:
        raise ValueError(f"max_rows must be between 1 and {datasets.MAX_ROWS}")
    if source == "default":
        source = "upload" if data else "postgresql" if db_table else "history"
    start = datasets.period_start(period)
    report("fetch_metrics", 10, f"Reading {source} data", user_id=user_id, session_id=session_id)
    result: dict[str, Any] = {"source": source}
    if source == "upload":
        if not data:  # their numbers, not given yet: the person is asked for them
            raise NeedsInput(
                "To analyse this I need your numbers: paste them here (for example `2025 48000, "
                "2024 41000`, or as CSV or JSON), or attach the file."
            )
        table = datasets.parse(datasets.decode(data, encoding), format, max_rows)
    elif source == "postgresql":
        if db_table and not query:
            query = _whole_table(db_table)
            if database is None:
                where, database = _their_database(user_id)
                result["database"] = where
        if not database or not query:
            raise ValueError("postgresql needs a database (one of your postgresql resources) and a query")
        if not isinstance(database, dict):  # a path Windmill did not resolve: not a `$res:` reference
            raise ValueError("database must be one of your postgresql resources: pick it in the form")
        table = datasets.query_postgres(dict(database), query, max_rows=max_rows)
    elif source == "history":
        history = _history(user_id, limit=min(max_rows, 500))
        result["history"] = history
        table = history_table(history.get("tasks", []))
        if not table.rows:
            raise NeedsInput(
                "To analyse this I need the numbers: paste them here as CSV or JSON, or attach the "
                "file (there is no history of your requests to analyse yet)."
            )
    else:
        raise ValueError(f"unknown source {source!r}")
    if not table.rows:
        raise ValueError("the dataset has a header but no rows")
    date_col = datasets.date_column(table)
    if start is not None:
        if date_col is None:
            raise ValueError(
                f"period {period!r} needs a date column; the columns are {', '.join(table.columns)}"
            )
        table = datasets.filter_since(table, date_col, start)
        result["period"] = {"name": period, "since": start.isoformat(), "column": date_col}
    if metrics:
        table = datasets.select_columns(table, list(metrics), [date_col] if date_col else [])
    numeric = datasets.numeric_columns(table)
    result |= table.as_dict() | {
        "date_column": date_col,
        "numeric_columns": numeric,
        "summary": {c: datasets.describe(datasets.column(table, c)) for c in numeric},
    }
    if include_history and "history" not in result:
        result["history"] = _history(user_id, limit=min(max_rows, 200))
    report("fetch_metrics", 100, f"Loaded {result['row_count']} rows", user_id=user_id, session_id=session_id)
    return result
