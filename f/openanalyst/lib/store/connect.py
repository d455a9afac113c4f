# extra_requirements:
# psycopg[binary]
"""Opening the memory and history store: SQLite by default, PostgreSQL from a Windmill resource.

store = open_store()                        # SQLite at OPENANALYST_SQLITE_PATH
store = open_store({"host": ..., ...})      # a Windmill `postgresql` resource value
store = open_store_from_windmill()          # resource f/openanalyst/db; SQLite only off a worker
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import get_logger
from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.migrations import MIGRATIONS, Migration
from f.openanalyst.lib.store.models import StoreConfigError, StoreNotConfigured

DB_RESOURCE = "f/openanalyst/db"
DEFAULT_SQLITE_PATH = "var/openanalyst.sqlite3"

log = get_logger(__name__)


def sqlite_path_from_env() -> Path:
    """OPENANALYST_SQLITE_PATH, else var/openanalyst.sqlite3 relative to the working directory."""
    return Path(os.environ.get("OPENANALYST_SQLITE_PATH") or DEFAULT_SQLITE_PATH)


def open_store(
    db: Mapping[str, Any] | str | None = None,
    *,
    sqlite_path: str | os.PathLike[str] | None = None,
    migrations: tuple[Migration, ...] = MIGRATIONS,
    **postgres_options: Any,
) -> Store:
    """Open (and migrate) a store.

    `db` is a Windmill `postgresql` resource value (host, port, user, password, dbname, sslmode,
    optional schema/owner_role/app_role) or a `postgresql://` DSN; None means SQLite at
    `sqlite_path` (default: `sqlite_path_from_env()`), created on first use.
    """
    if db is None:
        from f.openanalyst.lib.store.sqlite import SQLiteStore

        return SQLiteStore(sqlite_path or sqlite_path_from_env(), migrations=migrations)
    from f.openanalyst.lib.store.postgres import PostgresStore

    return PostgresStore(db, migrations=migrations, **postgres_options)


def open_store_from_windmill(resource_path: str = DB_RESOURCE) -> Store:
    """The store a Windmill script should use: the PostgreSQL of resource `f/openanalyst/db`
    when it is defined with a host, else the embedded SQLite store where one can live.

    SQLite is used outside Windmill (no WM_TOKEN / base URL: tests, the CLI) and where the
    runtime names a file in OPENANALYST_SQLITE_PATH (the dev runtime does). A Windmill worker
    names none: it runs each job in a directory it deletes when the job ends (`KEEP_JOB_DIR`,
    https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker.rs)
    and passes a job only the environment in WHITELIST_ENVS, so a SQLite file there would lose
    every person's history after each step. Without the resource that is one clear error at
    the first step, saying what to set. A resource that exists but cannot be read (auth,
    server error) is an error too, never a silent fallback.
    """
    value = windmill_db_resource(resource_path)
    if value is not None and value.get("host"):
        log.info("store: using PostgreSQL from resource %s", resource_path)
        return open_store(value)
    explicit = os.environ.get("OPENANALYST_SQLITE_PATH")
    if on_windmill_worker() and not explicit:
        raise StoreNotConfigured(resource_path, defined=value is not None)
    path = sqlite_path_from_env()
    reason = "is not defined" if value is None else "has no host"
    log.info("store: resource %s %s, using SQLite at %s", resource_path, reason, path)
    return open_store(None, sqlite_path=path)


def on_windmill_worker() -> bool:
    """True in a job Windmill runs: a server to call and a job token (not its offline mock file)."""
    if os.environ.get("WM_MOCKED_API_FILE"):
        return False
    return windmill_rest.configured() and bool(os.environ.get("WM_TOKEN"))


def windmill_db_resource(resource_path: str = DB_RESOURCE) -> dict[str, Any] | None:
    """The resource value, None when it is not defined (HTTP 404) or when not run by Windmill."""
    try:
        value = windmill_rest.read_resource(resource_path)
    except windmill_rest.WindmillError as exc:
        if not exc.status:
            raise StoreConfigError(f"cannot reach Windmill to read resource {resource_path}: {exc}") from None
        raise StoreConfigError(
            f"reading resource {resource_path} failed with HTTP {exc.status}: "
            f"{exc.detail[:200]}; check the job's permissions on the resource"
        ) from None
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise StoreConfigError(f"resource {resource_path} is not a postgresql object")
    return dict(value)
