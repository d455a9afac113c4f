"""Store fixtures: one test suite, run against SQLite and against the real PostgreSQL.

`open_db()` opens (and migrates) the backend's database for this test; calling it again
opens the same database anew, as a restarted process would. On PostgreSQL each test gets
its own schema plus an owner role (owns the tables) and an app role (what the store works
as: neither owner nor superuser), so row-level security really applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.connect import open_store


@dataclass(frozen=True)
class PgDatabase:
    dsn: str
    schema: str
    owner_role: str
    app_role: str

    def options(self) -> dict[str, Any]:
        return {"schema": self.schema, "owner_role": self.owner_role, "app_role": self.app_role}

    def resource(self) -> dict[str, Any]:
        """The same database as a Windmill `postgresql` resource value."""
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(self.dsn)
        return {
            "host": params.get("host", "127.0.0.1"),
            "port": int(params.get("port", 5432)),
            "user": params.get("user", "postgres"),
            "password": params.get("password", ""),
            "dbname": params.get("dbname", "test"),
            "sslmode": "disable",
            **self.options(),
        }


@pytest.fixture
def pg_database(postgres_dsn: str, postgres_schema: str) -> Iterator[PgDatabase]:
    """A test schema owned by a fresh owner role, plus a fresh app role; all dropped afterwards."""
    import psycopg
    from psycopg import sql

    owner, app = f"{postgres_schema}_owner", f"{postgres_schema}_app"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for role in (owner, app):
            conn.execute(
                sql.SQL("CREATE ROLE {} NOLOGIN NOSUPERUSER NOBYPASSRLS").format(sql.Identifier(role))
            )
        conn.execute(
            sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(
                sql.Identifier(postgres_schema), sql.Identifier(owner)
            )
        )
    try:
        yield PgDatabase(postgres_dsn, postgres_schema, owner, app)
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(postgres_schema)))
            for role in (app, owner):
                conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_config(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, Any]:
    """Arguments for open_store() naming this test's database (JSON-serialisable)."""
    if backend == "sqlite":
        return {"db": None, "sqlite_path": str(tmp_path / "store" / "openanalyst.sqlite3")}
    pg: PgDatabase = request.getfixturevalue("pg_database")
    return {"db": pg.dsn, **pg.options()}


@pytest.fixture
def open_db(db_config: dict[str, Any]) -> Iterator[Callable[..., Store]]:
    opened: list[Store] = []

    def _open(**overrides: Any) -> Store:
        config = {**db_config, **overrides}
        store = open_store(config.pop("db"), **config)
        opened.append(store)
        return store

    yield _open
    for store in opened:
        store.close()


@pytest.fixture
def store(open_db: Callable[..., Store]) -> Store:
    return open_db()
