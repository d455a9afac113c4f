"""The embedded SQLite backend of the store (stdlib sqlite3): one file, created on first use.

WAL journal with synchronous=FULL, so a committed transaction survives a crash of the process
or the machine; every write transaction starts with BEGIN IMMEDIATE, so concurrent writers
(parallel Windmill jobs on one worker) queue on the busy timeout instead of failing midway.
SQLite has no row-level security: isolation comes from every query filtering on user_id.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.migrations import MIGRATIONS, VERSION_TABLE_SQL, Migration, pending
from f.openanalyst.lib.store.models import StoreConfigError

BUSY_TIMEOUT_MS = 10_000
# Tries at switching a new database to WAL while other connections open it (see _use_wal).
WAL_ATTEMPTS = 50


class _SQLiteTx:
    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        return self._conn.execute(sql, tuple(params)).rowcount

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._conn.executemany(sql, rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = self._conn.execute(sql, tuple(params)).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        return [dict(r) for r in self._conn.execute(sql, tuple(params)).fetchall()]


class SQLiteStore(Store):
    backend: ClassVar[str] = "sqlite"
    _integrity_errors: ClassVar[tuple[type[Exception], ...]] = (sqlite3.IntegrityError,)

    def __init__(self, path: str | os.PathLike[str], migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
        super().__init__(migrations)
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # People's history: readable by this account only (SQLite gives -wal/-shm the same mode).
            # Created so only when it does not exist: closing a descriptor of a database in use
            # drops every POSIX lock this process holds on it (another thread's connection too),
            # and another process closing its connection then took itself for the last one,
            # checkpointed and deleted the write-ahead log still being written to: those writes
            # were lost (https://www.sqlite.org/howtocorrupt.html, section 2.2).
            if not self.path.exists():
                with contextlib.suppress(FileExistsError):
                    os.close(os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600))
            # isolation_level=None: we issue BEGIN/COMMIT ourselves (DDL included).
            self._conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        except (OSError, sqlite3.Error) as exc:
            raise StoreConfigError(f"cannot open the SQLite store at {self.path}: {exc}") from None
        self._conn.row_factory = sqlite3.Row
        self._use_wal()
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        self.migrate()

    def _use_wal(self) -> None:
        """WAL mode, which the database keeps once set. Switching needs the database to itself, and
        SQLite answers "database is locked" at once, without its busy handler, when another
        connection holds it meanwhile (https://www.sqlite.org/wal.html#persistence_of_wal_mode):
        several jobs opening a new store at the same moment met that. So: skip it when already
        set, else retry briefly."""
        for attempt in range(WAL_ATTEMPTS):
            try:
                if self._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal":
                    return
                self._conn.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == WAL_ATTEMPTS - 1:
                    raise
                time.sleep(0.02 * (attempt + 1))

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self, user_id: str, *, write: bool = True) -> Iterator[_SQLiteTx]:
        self._conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        try:
            yield _SQLiteTx(self._conn)
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    def migrate(self) -> int:
        self._conn.execute("BEGIN IMMEDIATE")  # one migrator at a time; others wait, then see it done
        try:
            self._conn.execute(VERSION_TABLE_SQL.format(ts="TEXT"))
            applied = {r[0] for r in self._conn.execute("SELECT version FROM schema_migrations")}
            for migration in pending(applied, self.migrations):
                for statement in migration.render("sqlite"):
                    self._conn.execute(statement)
                self._conn.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (migration.version, migration.name, self._ts(datetime.now(UTC))),
                )
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")
        return self.schema_version()

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        return int(row[0])

    def _json(self, text: str) -> str:
        return text

    def _json_out(self, value: Any) -> Any:
        return json.loads(value) if value is not None else None

    def _ts(self, moment: datetime) -> str:
        return moment.astimezone(UTC).isoformat(timespec="microseconds")

    def _ts_out(self, value: Any) -> str | None:
        return value
