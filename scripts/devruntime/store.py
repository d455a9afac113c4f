"""SQLite persistence: jobs (with results and logs) and workspace items (resources, variables,
scripts, flows, apps, schedules, folders, resource types, tokens).

One connection guarded by a lock; WAL so a crash or restart never loses a committed row.
The database is readable by its owner only (0600), and the values of secret variables are
encrypted at rest with a key kept in a 0600 file beside it, as Windmill encrypts secrets with a
workspace key (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-common/src/variables.rs).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

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
    value TEXT,
    PRIMARY KEY (kind, path)
);
"""


class Store:
    """Key-value style tables; values are JSON documents."""

    def __init__(self, path: Path | str) -> None:
        self._fernet = Fernet(Fernet.generate_key())
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # SQLite gives its -wal and -shm files the mode of the database file.
            os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
            os.chmod(path, 0o600)
            self._fernet = Fernet(_key(Path(f"{path}.key")))
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(items)")}
        if "value" not in columns:  # a store from before values had their own column
            self._db.execute("ALTER TABLE items ADD COLUMN value TEXT")

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
    # An item's `value` (a resource's, a variable's) is kept in its own column, as Windmill keeps
    # it (`value` of the `resource` table; `list_resources` selects `null::JSONB as value`:
    # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/resources.rs).
    # A list without values then never decodes them: the skills' embedding table is 10 MB of JSON,
    # and every resource list (route_skill makes three per request) decoded it again (30 ms).
    def put(self, kind: str, path: str, data: dict[str, Any]) -> None:
        if kind == "variable" and data.get("is_secret") and data.get("value") is not None:
            sealed = self._fernet.encrypt(json.dumps(data["value"]).encode()).decode()
            data = {**{k: v for k, v in data.items() if k != "value"}, "value_encrypted": sealed}
        meta = {k: v for k, v in data.items() if k != "value"}
        value = json.dumps(data["value"]) if "value" in data else None
        with self._lock:
            self._db.execute(
                "INSERT INTO items (kind, path, data, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, path) DO UPDATE SET data=excluded.data, value=excluded.value",
                (kind, path, json.dumps(meta), value),
            )

    def put_json(self, kind: str, path: str, meta: str, value: str) -> None:
        """`put` of an item already serialized: `meta` its JSON without the value, `value` the
        value's JSON (not a secret variable: those are sealed by `put`). An unchanged item is not
        written again (the bundle's 10 MB resource, at every start)."""
        if kind == "variable":
            raise ValueError("variables go through put, which seals secret values")
        with self._lock:
            self._db.execute(
                "INSERT INTO items (kind, path, data, value) VALUES (?, ?, ?, ?) "
                "ON CONFLICT(kind, path) DO UPDATE SET data=excluded.data, value=excluded.value "
                "WHERE data != excluded.data OR value IS NOT excluded.value",
                (kind, path, meta, value),
            )

    def _open(self, data: dict[str, Any]) -> dict[str, Any]:
        sealed = data.pop("value_encrypted", None)
        if sealed is not None:
            try:
                data["value"] = json.loads(self._fernet.decrypt(sealed.encode()))
            except InvalidToken:
                data["value"] = None  # sealed with a key that is gone: the value must be set again
        return data

    def get(self, kind: str, path: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data, value FROM items WHERE kind = ? AND path = ?", (kind, path)
            ).fetchone()
        return self._item(*row) if row else None

    def _item(self, data: str, value: str | None) -> dict[str, Any]:
        doc = json.loads(data)
        if value is not None:
            doc["value"] = json.loads(value)
        return self._open(doc)

    def delete(self, kind: str, path: str) -> bool:
        with self._lock:
            cur = self._db.execute("DELETE FROM items WHERE kind = ? AND path = ?", (kind, path))
        return cur.rowcount > 0

    def find(self, kind: str, field: str, value: str) -> dict[str, Any] | None:
        """The first item of `kind` (by path) whose `field` equals `value`, e.g. the user with an
        email: SQLite compares the field in each row (only the match is decoded here)."""
        with self._lock:
            row = self._db.execute(
                "SELECT data, value FROM items WHERE kind = ? AND json_extract(data, ?) = ? "
                "ORDER BY path LIMIT 1",
                (kind, f"$.{field}", value),
            ).fetchone()
        return self._item(*row) if row else None

    def paths(self, kind: str, path_start: str = "") -> list[str]:
        """The paths of the items of `kind` under `path_start`, without reading the items."""
        with self._lock:
            rows = self._db.execute(
                "SELECT path FROM items WHERE kind = ? AND substr(path, 1, ?) = ? ORDER BY path",
                (kind, len(path_start), path_start),
            ).fetchall()
        return [path for (path,) in rows]

    def list(self, kind: str, path_start: str | None = None, *, values: bool = True) -> list[dict[str, Any]]:
        """The items of `kind` (under `path_start`) by path; `values=False`: without their values."""
        query = f"SELECT data, {'value' if values else 'NULL'} FROM items WHERE kind = ?"
        args: list[Any] = [kind]
        if path_start:
            query += " AND substr(path, 1, ?) = ?"
            args += [len(path_start), path_start]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY path", args).fetchall()
        items = [self._item(data, value) for data, value in rows]
        if not values:
            for item in items:  # a row written before values had their own column
                item.pop("value", None)
        return items


def _key(path: Path) -> bytes:
    """The encryption key of a store, created 0600 on first use."""
    if path.exists():
        return path.read_bytes().strip()
    key = Fernet.generate_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key
