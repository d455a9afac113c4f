# requirements:
# psycopg[binary]
# pydantic
# PyStemmer
#
# All of this module's requirements (its imports included): Windmill would read `import psycopg` as
# psycopg[binary,pool] (scripts/bundle_tools/windmill_deps.py), and the pool is not used;
# PyStemmer for the store's learning index (lib/store/models.py).
"""The PostgreSQL backend of the store (psycopg 3), with row-level security.

Every table holding a person's rows has ENABLE + FORCE row-level security and a policy
comparing its user column with `current_setting('openanalyst.user_id')`, which each
transaction sets (`set_config(..., true)`: local to the transaction, gone at commit).

Roles: migrations run as `owner_role` (it owns the tables) and the store then works as
`app_role` (`SET ROLE`), which has only SELECT/INSERT/UPDATE/DELETE and is neither owner nor
superuser, so the policies really apply. Without roles configured the store uses the login
role for both; `rls_enforced` is False (and a warning logged) when that role is a superuser
or has BYPASSRLS.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from f.openanalyst.lib.log import get_logger
from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.migrations import (
    MIGRATIONS,
    USER_SETTING,
    VERSION_TABLE_SQL,
    Migration,
    pending,
)
from f.openanalyst.lib.store.models import StoreConfigError
from f.openanalyst.lib.users import validate_user_id

DEFAULT_SCHEMA = "openanalyst"
_NAME_RE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
# Keys of Windmill's `postgresql` resource type that map to libpq parameters.
_RESOURCE_KEYS = ("host", "port", "user", "password", "dbname", "sslmode")

log = get_logger(__name__)


def _name(value: str | None, what: str) -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not _NAME_RE.fullmatch(value):
        raise StoreConfigError(f"{what} {str(value)[:64]!r} is not a plain lower-case SQL name")
    return value


@dataclass(frozen=True)
class PostgresSettings:
    """Where and as whom the store connects. Secrets live only in `conninfo`."""

    conninfo: str
    schema: str = DEFAULT_SCHEMA
    owner_role: str | None = None
    app_role: str | None = None
    root_certificate_pem: str | None = None

    @classmethod
    def from_config(cls, db: Mapping[str, Any] | str, **options: Any) -> PostgresSettings:
        """From a `postgresql` resource value or a DSN. `schema`, `owner_role` and `app_role`
        come from keyword options, else the resource, else OPENANALYST_DB_SCHEMA /
        OPENANALYST_DB_OWNER_ROLE / OPENANALYST_DB_APP_ROLE.
        """
        extra = dict(db) if isinstance(db, Mapping) else {}

        def pick(key: str, env: str, default: str | None = None) -> str | None:
            return options.get(key) or extra.get(key) or os.environ.get(env) or default

        if isinstance(db, str):
            conninfo = db
        else:
            params = {k: str(extra[k]) for k in _RESOURCE_KEYS if extra.get(k) not in (None, "")}
            if "host" not in params or "dbname" not in params:
                raise StoreConfigError("the postgresql resource needs at least host and dbname")
            conninfo = make_conninfo(**params)
        return cls(
            conninfo=conninfo,
            schema=_name(pick("schema", "OPENANALYST_DB_SCHEMA", DEFAULT_SCHEMA), "schema") or DEFAULT_SCHEMA,
            owner_role=_name(pick("owner_role", "OPENANALYST_DB_OWNER_ROLE"), "owner_role"),
            app_role=_name(pick("app_role", "OPENANALYST_DB_APP_ROLE"), "app_role"),
            root_certificate_pem=extra.get("root_certificate_pem") or None,
        )


class _PgTx:
    _sql_cache: ClassVar[dict[str, str]] = {}

    def __init__(self, cur: psycopg.Cursor[dict[str, Any]]) -> None:
        self._cur = cur

    @classmethod
    def _sql(cls, query: str) -> str:
        converted = cls._sql_cache.get(query)
        if converted is None:
            converted = cls._sql_cache[query] = query.replace("?", "%s")
        return converted

    def execute(self, query: str, params: Sequence[Any] = ()) -> int:
        self._cur.execute(self._sql(query), tuple(params))
        return self._cur.rowcount

    def executemany(self, query: str, rows: Sequence[Sequence[Any]]) -> None:
        if rows:
            self._cur.executemany(self._sql(query), rows)

    def one(self, query: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        self._cur.execute(self._sql(query), tuple(params))
        return self._cur.fetchone()

    def all(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        self._cur.execute(self._sql(query), tuple(params))
        return self._cur.fetchall()


def _identity(text: str) -> str:
    return text


class PostgresStore(Store):
    backend: ClassVar[str] = "postgres"
    _integrity_errors: ClassVar[tuple[type[Exception], ...]] = (psycopg.errors.IntegrityError,)

    def __init__(
        self,
        db: Mapping[str, Any] | str | PostgresSettings,
        migrations: tuple[Migration, ...] = MIGRATIONS,
        **options: Any,
    ) -> None:
        super().__init__(migrations)
        self.settings = (
            db if isinstance(db, PostgresSettings) else PostgresSettings.from_config(db, **options)
        )
        self._certfile: str | None = None
        conninfo = self.settings.conninfo
        extra: dict[str, str] = {"options": f"-c search_path={self.settings.schema} -c TimeZone=UTC"}
        if self.settings.root_certificate_pem:
            fd, self._certfile = tempfile.mkstemp(prefix="openanalyst-ca-", suffix=".pem")
            with os.fdopen(fd, "w") as f:
                f.write(self.settings.root_certificate_pem)
            extra["sslrootcert"] = self._certfile
        try:
            self._conn = psycopg.connect(
                make_conninfo(conninfo, **extra), autocommit=True, connect_timeout=10
            )
        except psycopg.Error as exc:
            self._drop_certfile()
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise StoreConfigError(f"cannot connect to the PostgreSQL store: {reason}") from None
        try:
            self.migrate()
            self.rls_enforced = self._check_rls()
        except BaseException:
            self.close()
            raise

    # ------------------------------------------------------------------ connection and roles

    def _set_role(self, role: str | None) -> None:
        if role:
            self._conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        else:
            self._conn.execute("RESET ROLE")

    def _check_rls(self) -> bool:
        row = self._conn.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user"
        ).fetchone()
        bypass = bool(row and row[0])
        if bypass:
            log.warning(
                "store: PostgreSQL role bypasses row-level security (superuser or BYPASSRLS); "
                "set app_role (OPENANALYST_DB_APP_ROLE) to a plain role so RLS applies"
            )
        return not bypass

    def close(self) -> None:
        conn = getattr(self, "_conn", None)
        if conn is not None:
            conn.close()
        self._drop_certfile()

    def _drop_certfile(self) -> None:
        if self._certfile:
            with suppress(OSError):
                os.unlink(self._certfile)
            self._certfile = None

    @contextmanager
    def transaction(self, user_id: str, *, write: bool = True) -> Iterator[_PgTx]:
        validate_user_id(user_id)  # the RLS key: never set anything unchecked
        with self._conn.transaction():
            cur = self._conn.cursor(row_factory=dict_row)
            if not write:
                cur.execute("SET TRANSACTION READ ONLY")  # must come before any query
            cur.execute("SELECT set_config(%s, %s, true)", (USER_SETTING, user_id))
            yield _PgTx(cur)

    # ------------------------------------------------------------------ migrations

    def _applied(self) -> set[int]:
        row = self._conn.execute("SELECT to_regclass('schema_migrations')").fetchone()
        if row is None or row[0] is None:
            return set()
        return {r[0] for r in self._conn.execute("SELECT version FROM schema_migrations")}

    def migrate(self) -> int:
        s = self.settings
        self._set_role(s.app_role)
        if not pending(self._applied(), self.migrations):
            return self.schema_version()
        self._set_role(s.owner_role)
        try:
            with self._conn.transaction():
                # One migrator per schema; a racing process waits here, then finds nothing to do.
                self._conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"openanalyst:{s.schema}",))
                exists = self._conn.execute(
                    "SELECT 1 FROM pg_namespace WHERE nspname = %s", (s.schema,)
                ).fetchone()
                if not exists:
                    self._conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(s.schema)))
                self._conn.execute(VERSION_TABLE_SQL.format(ts="TIMESTAMPTZ"))
                todo = pending(self._applied(), self.migrations)
                for migration in todo:
                    for statement in migration.render("postgres"):
                        self._conn.execute(statement)
                    self._conn.execute(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, now())",
                        (migration.version, migration.name),
                    )
                if s.app_role:
                    self._grant(s.app_role)
                if todo:
                    log.info("store: applied migrations %s", [m.version for m in todo])
        except psycopg.errors.InsufficientPrivilege as exc:
            raise StoreConfigError(
                f"cannot migrate schema {s.schema!r}: {str(exc).strip().splitlines()[0]}; "
                "set owner_role (OPENANALYST_DB_OWNER_ROLE) to the role owning the schema"
            ) from None
        finally:
            self._set_role(s.app_role)
        return self.schema_version()

    def _grant(self, role: str) -> None:
        schema, app = sql.Identifier(self.settings.schema), sql.Identifier(role)
        for statement in (
            "GRANT USAGE ON SCHEMA {schema} TO {app}",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {app}",
            "REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM {app}",
        ):
            self._conn.execute(sql.SQL(statement).format(schema=schema, app=app))

    def schema_version(self) -> int:
        row = self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()
        return int(row[0]) if row else 0

    # ------------------------------------------------------------------ values

    def _json(self, text: str) -> Jsonb:
        return Jsonb(text, dumps=_identity)  # already encoded (and size-checked) by the caller

    def _json_out(self, value: Any) -> Any:
        return value

    def _ts(self, moment: datetime) -> datetime:
        return moment

    def _ts_out(self, value: Any) -> str | None:
        if value is None:
            return None
        return value.astimezone(UTC).isoformat(timespec="microseconds")
