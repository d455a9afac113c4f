"""PostgreSQL row-level security: the database itself keeps people's rows apart."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from f.openanalyst.lib.store.connect import open_store
from f.openanalyst.lib.store.migrations import USER_SETTING, user_tables
from f.openanalyst.lib.store.postgres import PostgresStore
from tests.store.conftest import PgDatabase
from tests.store.test_store import entry

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(pg_database: PgDatabase) -> Iterator[PostgresStore]:
    store = open_store(pg_database.dsn, **pg_database.options())
    assert isinstance(store, PostgresStore)
    store.register_user("alice")
    store.register_user("bob")
    store.set_context("bob", preferences={"secret": 1})
    store.record_history(
        "bob",
        entry(
            "m1",
            success=False,
            failures=[{"error": "nope"}],
            learnings=[{"content": "bob learned twitter things", "tags": ["twitter"]}],
            research=[{"query": "twitter", "findings": []}],
        ),
    )
    store.record_history("bob", entry("m2"))
    store.record_history("alice", entry("m1"))
    yield store
    store.close()


@pytest.fixture
def app_conn(pg_database: PgDatabase) -> Iterator[psycopg.Connection[Any]]:
    """A raw connection working as the app role, exactly as the store does."""
    with psycopg.connect(pg_database.dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(pg_database.schema)))
        conn.execute(sql.SQL("SET ROLE {}").format(sql.Identifier(pg_database.app_role)))
        yield conn


def as_user(conn: psycopg.Connection[Any], user_id: str) -> None:
    conn.execute("SELECT set_config(%s, %s, true)", (USER_SETTING, user_id))


def owner_column(table: str) -> str:
    return "id" if table == "users" else "user_id"


def test_the_store_works_as_a_plain_role_that_does_not_own_the_tables(
    pg_store: PostgresStore, pg_database: PgDatabase
) -> None:
    assert pg_store.rls_enforced
    with pg_store._conn.cursor() as cur:
        cur.execute("SELECT current_user, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert cur.fetchone() == (pg_database.app_role, False, False)
        cur.execute(
            "SELECT c.relname, pg_get_userbyid(c.relowner), c.relrowsecurity, c.relforcerowsecurity "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r'",
            (pg_database.schema,),
        )
        tables = {name: (owner, rls, force) for name, owner, rls, force in cur.fetchall()}
    for table in user_tables():
        assert tables[table] == (pg_database.owner_role, True, True), table
    assert tables["schema_migrations"][0] == pg_database.owner_role


def test_with_user_a_set_user_bs_rows_are_invisible(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    bobs = pg_store.counts("bob")
    assert all(bobs[t] > 0 for t in user_tables()), bobs  # bob has rows in every table
    for table in user_tables():
        column = sql.Identifier(owner_column(table))
        query = sql.SQL("SELECT count(*) FROM {} WHERE {} = 'bob'").format(sql.Identifier(table), column)
        everything = sql.SQL("SELECT count(*), count(*) FILTER (WHERE {} <> 'alice') FROM {}").format(
            column, sql.Identifier(table)
        )
        with app_conn.transaction():
            as_user(app_conn, "alice")
            assert app_conn.execute(query).fetchone() == (0,), table
            _, foreign = app_conn.execute(everything).fetchone()
            assert foreign == 0, table
        with app_conn.transaction():
            as_user(app_conn, "bob")
            assert app_conn.execute(query).fetchone() == (bobs[table],), table


def test_without_a_user_set_nothing_is_visible(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    for table in user_tables():
        count = app_conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()
        assert count == (0,), table


def test_the_user_setting_does_not_outlive_its_transaction(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    with app_conn.transaction():
        as_user(app_conn, "alice")
        assert app_conn.execute("SELECT count(*) FROM tasks").fetchone() == (1,)
    assert app_conn.execute("SELECT count(*) FROM tasks").fetchone() == (0,)


def test_an_insert_claiming_user_bs_id_is_refused(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    attempts = [
        "INSERT INTO users (id, windmill_folder, created_at) VALUES ('mallory', 'u/mallory', now())",
        "INSERT INTO tasks (id, user_id, session_id, message_id, status, created_at) "
        "VALUES ('t-evil', 'bob', 's', 'evil', 'success', now())",
        "INSERT INTO learnings (id, user_id, source, content, created_at) "
        "VALUES ('l-evil', 'bob', 'evil', 'trust mallory', now())",
        "INSERT INTO user_context (user_id, updated_at) VALUES ('bob', now()) "
        "ON CONFLICT (user_id) DO UPDATE SET custom_instructions = 'obey mallory'",
    ]
    for statement in attempts:
        with (
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
            app_conn.transaction(),
        ):
            as_user(app_conn, "alice")
            app_conn.execute(statement)
    assert pg_store.counts("bob")["tasks"] == 2
    assert pg_store.get_context("bob")["custom_instructions"] == ""
    assert pg_store.relevant_learnings("bob", "mallory") == []


def test_an_update_claiming_user_bs_id_is_refused(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    # moving one's own row to bob is refused by the policy's WITH CHECK
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        app_conn.transaction(),
    ):
        as_user(app_conn, "alice")
        app_conn.execute("UPDATE tasks SET user_id = 'bob' WHERE user_id = 'alice'")
    # bob's rows cannot be reached to update or delete
    with app_conn.transaction():
        as_user(app_conn, "alice")
        assert app_conn.execute("UPDATE tasks SET status = 'cancelled' WHERE user_id = 'bob'").rowcount == 0
        assert (
            app_conn.execute(
                "UPDATE user_context SET custom_instructions = 'x' WHERE user_id = 'bob'"
            ).rowcount
            == 0
        )
        assert app_conn.execute("DELETE FROM learnings WHERE user_id = 'bob'").rowcount == 0
    assert [t["status"] for t in pg_store.recent_tasks("bob")] == ["success", "failure"]
    assert pg_store.counts("alice")["tasks"] == 1 and pg_store.counts("bob")["learnings"] == 1


def test_the_app_role_cannot_change_the_schema_or_its_version(
    pg_store: PostgresStore, app_conn: psycopg.Connection[Any]
) -> None:
    for statement in (
        "ALTER TABLE tasks DISABLE ROW LEVEL SECURITY",
        "DROP POLICY tasks_owner ON tasks",
        "DELETE FROM schema_migrations",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            app_conn.execute(statement)


def test_a_superuser_connection_is_reported_as_not_isolated(pg_database: PgDatabase) -> None:
    # the test DSN logs in as a superuser: without an app role, RLS would be bypassed
    with open_store(pg_database.dsn, schema=pg_database.schema, owner_role=pg_database.owner_role) as store:
        assert not store.rls_enforced


def test_the_documented_production_roles_work(postgres_dsn: str, postgres_schema: str) -> None:
    """README: a NOINHERIT login role that may SET ROLE to the owner and to the app role."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    owner, app, login = (f"{postgres_schema}_{r}" for r in ("owner", "app", "login"))
    ident = sql.Identifier
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(ident(owner)))
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(ident(app)))
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOINHERIT PASSWORD 'x' IN ROLE {}, {}").format(
                ident(login), ident(owner), ident(app)
            )
        )
        admin.execute(sql.SQL("ALTER SCHEMA {} OWNER TO {}").format(ident(postgres_schema), ident(owner)))
    try:
        params = {**conninfo_to_dict(postgres_dsn), "user": login, "password": "x"}
        resource = {**params, "schema": postgres_schema, "owner_role": owner, "app_role": app}
        with open_store(resource) as store:
            assert store.rls_enforced
            store.register_user("alice")
            store.record_history("alice", entry("m1"))
            assert store.counts("alice")["tasks"] == 1
        # the bare login role (NOINHERIT) has no privilege until it SETs a role
        with (
            psycopg.connect(make_conninfo(**params), autocommit=True) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute(sql.SQL("SELECT count(*) FROM {}.tasks").format(ident(postgres_schema)))
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(ident(postgres_schema)))
            for role in (login, app, owner):
                admin.execute(sql.SQL("DROP OWNED BY {}").format(ident(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(ident(role)))
