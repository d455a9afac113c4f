"""SQLite persistence: jobs (with results and logs) and workspace items (resources, variables,
scripts, flows, apps, schedules, folders, resource types, tokens).

One connection guarded by a lock; WAL so a crash or restart never loses a committed row.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    completed INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (kind, path)
);
"""


class Store:
    """Key-value style tables; values are JSON documents."""

    def __init__(self, path: Path | str) -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # jobs
    def save_job(self, job: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO jobs (id, data, completed, created_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET data=excluded.data, completed=excluded.completed",
                (job["id"], json.dumps(job), int(bool(job.get("completed"))), job["created_at"]),
            )

    def load_job(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute("SELECT data FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return json.loads(row[0]) if row else None

    def job_exists(self, job_id: str) -> bool:
        with self._lock:
            return self._db.execute("SELECT 1 FROM jobs WHERE id = ?", (job_id,)).fetchone() is not None

    def iter_jobs(self, completed: bool | None = None) -> Iterator[dict[str, Any]]:
        query = "SELECT data FROM jobs"
        args: tuple[Any, ...] = ()
        if completed is not None:
            query += " WHERE completed = ?"
            args = (int(completed),)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created_at DESC", args).fetchall()
        for (data,) in rows:
            yield json.loads(data)

    # items
    def put(self, kind: str, path: str, data: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO items (kind, path, data) VALUES (?, ?, ?) "
                "ON CONFLICT(kind, path) DO UPDATE SET data=excluded.data",
                (kind, path, json.dumps(data)),
            )

    def get(self, kind: str, path: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM items WHERE kind = ? AND path = ?", (kind, path)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def delete(self, kind: str, path: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM items WHERE kind = ? AND path = ?", (kind, path))
        return cur.rowcount > 0

    def list(self, kind: str, path_start: str | None = None) -> list[dict[str, Any]]:
        query = "SELECT data FROM items WHERE kind = ?"
        args: list[Any] = [kind]
        if path_start:
            query += " AND substr(path, 1, ?) = ?"
            args += [len(path_start), path_start]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY path", args).fetchall()
        return [json.loads(data) for (data,) in rows]
