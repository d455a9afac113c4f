"""Versioned schema migrations of the memory and history store, as Python data.

One list for both backends: column types are written as `{json}`, `{ts}` and `{bool}` and
rendered per dialect, so SQLite and PostgreSQL get the same tables, keys and indexes. The
PostgreSQL rendering adds row-level security on every table that holds a person's rows.
Migrations are append-only: never edit a released one, add the next version.

(Kept as Python, not .sql files, because the wmill CLI would deploy any .sql under f/ as a
SQL script.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Dialect = Literal["sqlite", "postgres"]

# The per-transaction setting that PostgreSQL policies compare `user_id` with.
USER_SETTING = "openanalyst.user_id"

_TYPES: dict[Dialect, dict[str, str]] = {
    "sqlite": {"json": "TEXT", "ts": "TEXT", "bool": "INTEGER"},
    "postgres": {"json": "JSONB", "ts": "TIMESTAMPTZ", "bool": "BOOLEAN"},
}


@dataclass(frozen=True)
class Migration:
    """One schema version: statements for both dialects, plus the tables it puts under RLS."""

    version: int
    name: str
    statements: tuple[str, ...]
    # table -> the column naming its owner; PostgreSQL gets ENABLE + FORCE RLS and a policy.
    user_tables: dict[str, str] = field(default_factory=dict)

    def render(self, dialect: Dialect) -> list[str]:
        """The SQL statements of this migration for `dialect`, in order."""
        sql = [s.format(**_TYPES[dialect]).strip() for s in self.statements]
        if dialect == "postgres":
            for table, column in self.user_tables.items():
                sql += rls_statements(table, column)
        return sql


def rls_statements(table: str, column: str) -> list[str]:
    """Row-level security for `table`: rows are visible and writable only for their owner.

    FORCE makes the policy apply to the table owner too; only superusers and BYPASSRLS roles
    escape it, and the store refuses to call itself isolated when connected as one.
    """
    owner = f"{column} = current_setting('{USER_SETTING}', true)"
    return [
        f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY",
        f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY",
        f"CREATE POLICY {table}_owner ON {table} FOR ALL USING ({owner}) WITH CHECK ({owner})",
    ]


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        name="users, conversations, context, tasks and history",
        statements=(
            # User ids are Windmill usernames
            # (users.USER_ID_PATTERN), not UUIDs: they name the person's u/<user> folder.
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY,
                email TEXT UNIQUE,
                windmill_folder TEXT NOT NULL,
                created_at {ts} NOT NULL
            )
            """,
            """
            CREATE TABLE user_context (
                user_id TEXT PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
                preferences {json} NOT NULL DEFAULT '{{}}',
                custom_instructions TEXT NOT NULL DEFAULT '',
                timezone TEXT NOT NULL DEFAULT 'UTC',
                updated_at {ts} NOT NULL
            )
            """,
            # Ids chosen by clients (session, message) are unique per person only, so that one
            # person can never learn about another's ids through a key conflict.
            """
            CREATE TABLE conversations (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                title TEXT NOT NULL DEFAULT '',
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (user_id, id)
            )
            """,
            """
            CREATE TABLE messages (
                user_id TEXT NOT NULL,
                id TEXT NOT NULL,
                conversation_id TEXT NOT NULL,
                role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'system')),
                content TEXT NOT NULL,
                metadata {json} NOT NULL DEFAULT '{{}}',
                created_at {ts} NOT NULL,
                PRIMARY KEY (user_id, id),
                FOREIGN KEY (user_id, conversation_id)
                    REFERENCES conversations(user_id, id) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX messages_by_conversation ON messages (user_id, conversation_id, created_at)",
            """
            CREATE TABLE tasks (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                session_id TEXT NOT NULL,
                message_id TEXT NOT NULL,
                windmill_job_id TEXT,
                windmill_jobs {json} NOT NULL DEFAULT '[]',
                status TEXT NOT NULL
                    CHECK (status IN ('queued', 'running', 'success', 'failure', 'cancelled')),
                skill TEXT,
                input {json} NOT NULL DEFAULT '{{}}',
                output {json},
                summary TEXT NOT NULL DEFAULT '',
                attempts INTEGER NOT NULL DEFAULT 0,
                started_at {ts},
                finished_at {ts},
                duration_ms INTEGER,
                tokens {json} NOT NULL DEFAULT '{{}}',
                created_at {ts} NOT NULL,
                UNIQUE (user_id, message_id)
            )
            """,
            "CREATE INDEX tasks_recent ON tasks (user_id, created_at)",
            "CREATE INDEX tasks_by_skill ON tasks (user_id, skill, created_at)",
            # Per-skill outcome totals, kept by record_history, so a success rate costs one row
            # read however long the history grows. skill '' = requests without a skill.
            """
            CREATE TABLE skill_stats (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                skill TEXT NOT NULL,
                total INTEGER NOT NULL DEFAULT 0,
                successes INTEGER NOT NULL DEFAULT 0,
                attempts_sum INTEGER NOT NULL DEFAULT 0,
                duration_ms_sum BIGINT NOT NULL DEFAULT 0,
                updated_at {ts} NOT NULL,
                PRIMARY KEY (user_id, skill)
            )
            """,
            # History: sessions, successes, failures, learnings, research.
            """
            CREATE TABLE sessions (
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                id TEXT NOT NULL,
                started_at {ts} NOT NULL,
                last_active_at {ts} NOT NULL,
                task_count INTEGER NOT NULL DEFAULT 0,
                success_count INTEGER NOT NULL DEFAULT 0,
                failure_count INTEGER NOT NULL DEFAULT 0,
                last_skill TEXT,
                PRIMARY KEY (user_id, id)
            )
            """,
            """
            CREATE TABLE successes (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
                skill TEXT,
                summary TEXT NOT NULL DEFAULT '',
                result {json},
                created_at {ts} NOT NULL
            )
            """,
            "CREATE INDEX successes_by_task ON successes (task_id)",
            """
            CREATE TABLE failures (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                task_id TEXT NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
                skill TEXT,
                attempt INTEGER NOT NULL DEFAULT 0,
                error TEXT NOT NULL,
                details {json} NOT NULL DEFAULT '{{}}',
                created_at {ts} NOT NULL
            )
            """,
            "CREATE INDEX failures_by_task ON failures (task_id)",
            "CREATE INDEX failures_recent ON failures (user_id, skill, created_at)",
            """
            CREATE TABLE learnings (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                task_id TEXT REFERENCES tasks(id) ON DELETE SET NULL,
                skill TEXT,
                source TEXT NOT NULL,
                content TEXT NOT NULL,
                tags {json} NOT NULL DEFAULT '[]',
                sources {json} NOT NULL DEFAULT '[]',
                created_at {ts} NOT NULL
            )
            """,
            "CREATE INDEX learnings_by_task ON learnings (task_id)",
            "CREATE INDEX learnings_recent ON learnings (user_id, created_at)",
            # A small inverted index (tags, skill, content words) so that relevant learnings are
            # found with the same indexed SQL on both backends; created_at lets a lookup read only
            # the newest postings of each term, so its cost does not grow with the history.
            """
            CREATE TABLE learning_terms (
                user_id TEXT NOT NULL,
                term TEXT NOT NULL,
                learning_id TEXT NOT NULL REFERENCES learnings(id) ON DELETE CASCADE,
                weight INTEGER NOT NULL,
                created_at {ts} NOT NULL,
                PRIMARY KEY (user_id, term, learning_id)
            )
            """,
            # covering: a term's newest postings are read from the index alone
            "CREATE INDEX learning_terms_newest ON learning_terms "
            "(user_id, term, created_at, learning_id, weight)",
            "CREATE INDEX learning_terms_by_learning ON learning_terms (learning_id)",
            """
            CREATE TABLE research (
                id TEXT PRIMARY KEY,
                user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                task_id TEXT REFERENCES tasks(id) ON DELETE CASCADE,
                query TEXT NOT NULL,
                findings {json} NOT NULL DEFAULT '[]',
                applied {bool} NOT NULL DEFAULT FALSE,
                created_at {ts} NOT NULL
            )
            """,
            "CREATE INDEX research_by_task ON research (task_id)",
        ),
        user_tables={
            "users": "id",
            "user_context": "user_id",
            "conversations": "user_id",
            "messages": "user_id",
            "tasks": "user_id",
            "skill_stats": "user_id",
            "sessions": "user_id",
            "successes": "user_id",
            "failures": "user_id",
            "learnings": "user_id",
            "learning_terms": "user_id",
            "research": "user_id",
        },
    ),
    Migration(
        version=2,
        name="a conversation's latest tasks",
        statements=(
            # A follow-up ("post it now") reads its conversation's latest results: without this,
            # a person with a long history would have every task of theirs scanned.
            "CREATE INDEX tasks_by_session ON tasks (user_id, session_id, created_at)",
        ),
    ),
)

LATEST_VERSION = MIGRATIONS[-1].version

# Records which versions were applied; no user rows, so no RLS (the app role may only read it).
VERSION_TABLE_SQL = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at {ts} NOT NULL
)
"""


def user_tables(migrations: tuple[Migration, ...] = MIGRATIONS) -> list[str]:
    """Every table holding a person's rows, in creation order."""
    return [table for m in migrations for table in m.user_tables]


def pending(applied: set[int], migrations: tuple[Migration, ...] = MIGRATIONS) -> list[Migration]:
    """The migrations not yet applied, in version order; refuses a gap or a duplicate version."""
    versions = [m.version for m in migrations]
    if versions != sorted(set(versions)):
        raise ValueError(f"migration versions must be unique and increasing, got {versions}")
    unknown = applied - set(versions)
    if unknown:
        raise RuntimeError(
            f"the database has schema versions {sorted(unknown)} this code does not know: "
            "it was migrated by a newer release; deploy that release (or newer)"
        )
    return [m for m in migrations if m.version not in applied]
