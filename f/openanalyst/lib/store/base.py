"""The memory and history store: one interface, SQLite (embedded default) and PostgreSQL.

`Store` holds every query the Brain needs, written once in SQL both backends run; a backend
only supplies connections, transactions and value conversions (`store.sqlite`, `store.postgres`).
Every method takes the acting user's id first and touches only that person's rows; on
PostgreSQL, row-level security enforces the same thing inside the database.

Opening one is `store.connect`.

Writes validate everything first and run in one transaction, so bad input changes nothing and
a crash mid-write loses nothing already committed.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar, Protocol

from f.openanalyst.lib.store.migrations import MIGRATIONS, Migration
from f.openanalyst.lib.store.models import (
    HistoryEntry,
    InvalidInput,
    UnknownUser,
    check_instructions,
    check_timezone,
    encode_json,
    parse_preferences,
    query_terms,
    tag_term,
    terms,
    validate_entry,
)
from f.openanalyst.lib.users import user_folder, validate_user_id

SUMMARY_CHARS = 280
SESSION_RESULTS = 3  # a conversation's latest results a follow-up can refer to
MAX_QUERY_TERMS = 12  # words of a request (plus its skill) used to find learnings
POSTINGS_PER_TERM = 100  # newest learnings read per term
_MAX_EMAIL = 254


class Tx(Protocol):
    """One open transaction; SQL uses `?` placeholders on every backend."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> dict[str, Any] | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]: ...


def _new_id() -> str:
    return uuid.uuid4().hex


class Store(ABC):
    """The memory and history of every person, each reachable only with their own id."""

    backend: ClassVar[str]
    #: True when the database itself enforces per-user isolation (PostgreSQL RLS, not bypassed).
    rls_enforced: bool = False

    def __init__(self, migrations: tuple[Migration, ...] = MIGRATIONS) -> None:
        self.migrations = migrations

    # ------------------------------------------------------------------ backend hooks

    @abstractmethod
    def transaction(self, user_id: str, *, write: bool = True) -> AbstractContextManager[Tx]:
        """A transaction acting as `user_id`: committed on exit, rolled back on any error."""

    @abstractmethod
    def migrate(self) -> int:
        """Apply pending migrations (idempotent, safe to race); return the schema version."""

    @abstractmethod
    def schema_version(self) -> int:
        """The highest migration version recorded in the database (0 when none)."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def _json(self, text: str) -> Any:
        """A query parameter for a JSON column, from already-encoded JSON text."""

    @abstractmethod
    def _json_out(self, value: Any) -> Any: ...

    @abstractmethod
    def _ts(self, moment: datetime) -> Any: ...

    @abstractmethod
    def _ts_out(self, value: Any) -> str | None: ...

    _integrity_errors: ClassVar[tuple[type[Exception], ...]] = ()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ users

    def register_user(self, user_id: str, email: str | None = None) -> dict[str, Any]:
        """Create the person (idempotent; a given email replaces the stored one)."""
        validate_user_id(user_id)
        if email is not None and (len(email) > _MAX_EMAIL or email.count("@") != 1 or " " in email):
            raise InvalidInput(f"invalid email {email[:64]!r}")
        now = self._ts(datetime.now(UTC))
        try:
            with self.transaction(user_id) as tx:
                tx.execute(
                    "INSERT INTO users (id, email, windmill_folder, created_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (id) DO UPDATE SET email = COALESCE(excluded.email, users.email)",
                    (user_id, email, user_folder(user_id), now),
                )
                tx.execute(
                    "INSERT INTO user_context (user_id, updated_at) VALUES (?, ?) "
                    "ON CONFLICT (user_id) DO NOTHING",
                    (user_id, now),
                )
        except self._integrity_errors:
            raise InvalidInput("that email is already registered to another user") from None
        user = self.get_user(user_id)
        assert user is not None
        return user

    def get_user(self, user_id: str) -> dict[str, Any] | None:
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            row = tx.one("SELECT id, email, windmill_folder, created_at FROM users WHERE id = ?", (user_id,))
        if row is not None:
            row["created_at"] = self._ts_out(row["created_at"])
        return row

    def forget_user(self, user_id: str) -> dict[str, int]:
        """Delete the person and everything stored about them; returns the rows removed per table."""
        removed = self.counts(user_id)
        with self.transaction(user_id) as tx:
            self._require_user(tx, user_id)
            tx.execute("DELETE FROM users WHERE id = ?", (user_id,))  # every table cascades from users
        return removed

    def _require_user(self, tx: Tx, user_id: str) -> None:
        if tx.one("SELECT 1 AS known FROM users WHERE id = ?", (user_id,)) is None:
            raise UnknownUser(
                f"unknown user {user_id!r}: register them first (Store.register_user; the "
                "load_context step does it on a person's first request)"
            )

    # ------------------------------------------------------------------ user context

    def get_context(self, user_id: str) -> dict[str, Any]:
        """Preferences (a JSON object), custom instructions and timezone of the person."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            self._require_user(tx, user_id)
            return self._context(tx, user_id)

    def _context(self, tx: Tx, user_id: str) -> dict[str, Any]:
        row = tx.one(
            "SELECT preferences, custom_instructions, timezone, updated_at FROM user_context "
            "WHERE user_id = ?",
            (user_id,),
        )
        if row is None:
            return {"preferences": {}, "custom_instructions": "", "timezone": "UTC", "updated_at": None}
        return {
            "preferences": self._json_out(row["preferences"]),
            "custom_instructions": row["custom_instructions"],
            "timezone": row["timezone"],
            "updated_at": self._ts_out(row["updated_at"]),
        }

    def set_context(
        self,
        user_id: str,
        *,
        preferences: dict[str, Any] | str | None = None,
        custom_instructions: str | None = None,
        timezone: str | None = None,
        merge: bool = False,
    ) -> dict[str, Any]:
        """Update what is given; `merge=True` merges preferences into the stored object."""
        validate_user_id(user_id)
        prefs = parse_preferences(preferences) if preferences is not None else None
        if custom_instructions is not None:
            check_instructions(custom_instructions)
        if timezone is not None:
            check_timezone(timezone)
        with self.transaction(user_id) as tx:
            self._require_user(tx, user_id)
            self._apply_context(tx, user_id, prefs, custom_instructions, timezone, merge)
            return self._context(tx, user_id)

    def _apply_context(
        self,
        tx: Tx,
        user_id: str,
        prefs: dict[str, Any] | None,
        custom_instructions: str | None,
        timezone: str | None,
        merge: bool,
    ) -> None:
        current = self._context(tx, user_id)
        if prefs is not None and merge:
            prefs = {**current["preferences"], **prefs}
        new_prefs = prefs if prefs is not None else current["preferences"]
        encoded = encode_json(new_prefs, "preferences")
        parse_preferences(encoded)  # the merged object is held to the same size limit
        tx.execute(
            "INSERT INTO user_context (user_id, preferences, custom_instructions, timezone, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET "
            "preferences = excluded.preferences, custom_instructions = excluded.custom_instructions, "
            "timezone = excluded.timezone, updated_at = excluded.updated_at",
            (
                user_id,
                self._json(encoded),
                custom_instructions if custom_instructions is not None else current["custom_instructions"],
                timezone if timezone is not None else current["timezone"],
                self._ts(datetime.now(UTC)),
            ),
        )

    # ------------------------------------------------------------------ conversations

    def add_message(
        self,
        user_id: str,
        session_id: str,
        message_id: str,
        role: str,
        content: str,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Append a message to the person's conversation `session_id` (idempotent per message id)."""
        validate_user_id(user_id)
        entry = validate_entry(
            {"session_id": session_id, "message_id": message_id, "request": content, "success": True}
        )
        if role not in ("user", "assistant", "system"):
            raise InvalidInput(f"role must be user, assistant or system, got {role!r}")
        meta = encode_json(metadata or {}, "message metadata")
        now = datetime.now(UTC)
        with self.transaction(user_id) as tx:
            self._require_user(tx, user_id)
            self._touch_conversation(tx, user_id, entry.session_id, content, now)
            self._put_message(tx, user_id, entry.session_id, entry.message_id, role, content, meta, now)

    def messages(self, user_id: str, session_id: str, limit: int = 50) -> list[dict[str, Any]]:
        """The last `limit` messages of a conversation, oldest first."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            rows = tx.all(
                "SELECT id, role, content, metadata, created_at FROM messages "
                "WHERE user_id = ? AND conversation_id = ? ORDER BY created_at DESC, id DESC LIMIT ?",
                (user_id, session_id, _limit(limit)),
            )
        return [
            {**r, "metadata": self._json_out(r["metadata"]), "created_at": self._ts_out(r["created_at"])}
            for r in reversed(rows)
        ]

    def conversations(self, user_id: str, limit: int = 20) -> list[dict[str, Any]]:
        """The person's conversations, most recently active first."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            rows = tx.all(
                "SELECT id, title, created_at, updated_at FROM conversations WHERE user_id = ? "
                "ORDER BY updated_at DESC LIMIT ?",
                (user_id, _limit(limit)),
            )
        return [
            {**r, "created_at": self._ts_out(r["created_at"]), "updated_at": self._ts_out(r["updated_at"])}
            for r in rows
        ]

    def _touch_conversation(self, tx: Tx, user_id: str, session_id: str, title: str, now: datetime) -> None:
        tx.execute(
            "INSERT INTO conversations (user_id, id, title, created_at, updated_at) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (user_id, id) DO UPDATE SET updated_at = excluded.updated_at",
            (user_id, session_id, title[:120], self._ts(now), self._ts(now)),
        )

    def _put_message(
        self,
        tx: Tx,
        user_id: str,
        session_id: str,
        message_id: str,
        role: str,
        content: str,
        metadata: str,
        now: datetime,
    ) -> None:
        tx.execute(
            "INSERT INTO messages (user_id, id, conversation_id, role, content, metadata, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, id) DO UPDATE SET "
            "content = excluded.content, metadata = excluded.metadata",
            (user_id, message_id, session_id, role, content, self._json(metadata), self._ts(now)),
        )

    # ------------------------------------------------------------------ history

    def record_history(self, user_id: str, entry: HistoryEntry | Mapping[str, Any]) -> dict[str, Any]:
        """Record one answered request: task, session, conversation, success or failures,
        learnings and research, in one transaction. Recording the same message id again
        replaces what was recorded for it (a retried flow step never duplicates history).
        """
        return self.record_histories(user_id, [entry])[0]

    def record_histories(
        self, user_id: str, entries: Sequence[HistoryEntry | Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """`record_history` for many requests of one person in one transaction (imports)."""
        validate_user_id(user_id)
        checked = [validate_entry(dict(e) if isinstance(e, Mapping) else e) for e in entries]
        encoded = [self._encode_entry(e) for e in checked]
        with self.transaction(user_id) as tx:
            self._require_user(tx, user_id)
            return [self._record(tx, user_id, e, enc) for e, enc in zip(checked, encoded, strict=True)]

    def _encode_entry(self, e: HistoryEntry) -> dict[str, Any]:
        content = e.answer if e.answer is not None else e.result.get("content")
        return {
            "input": encode_json({"request": e.request}, "input"),
            "output": encode_json(e.result, "result"),
            "jobs": encode_json(e.windmill_jobs, "windmill_jobs"),
            "tokens": encode_json(e.tokens, "tokens"),
            "answer": content if isinstance(content, str) else "",
            "failures": [encode_json(f.details, "failure details") for f in e.failures],
            "research": [encode_json(r.findings, "research findings") for r in e.research],
            "learning_tags": [encode_json(lrn.tags, "learning tags") for lrn in e.learnings],
            "learning_sources": [encode_json(lrn.sources, "learning sources") for lrn in e.learnings],
        }

    def _record(self, tx: Tx, user_id: str, e: HistoryEntry, enc: dict[str, Any]) -> dict[str, Any]:
        now = datetime.now(UTC)
        status = "success" if e.success else "failure"
        summary = (enc["answer"] or str(e.result.get("error", "")))[:SUMMARY_CHARS]
        started = now - timedelta(milliseconds=e.duration_ms)
        existing = tx.one(
            "SELECT id, status, session_id, skill, attempts, duration_ms FROM tasks "
            "WHERE user_id = ? AND message_id = ?",
            (user_id, e.message_id),
        )
        task_values = (
            e.session_id,
            e.windmill_job_id,
            self._json(enc["jobs"]),
            status,
            e.skill,
            self._json(enc["input"]),
            self._json(enc["output"]),
            summary,
            e.attempts,
            self._ts(started),
            self._ts(now),
            e.duration_ms,
            self._json(enc["tokens"]),
        )
        if existing is None:
            task_id = _new_id()
            tx.execute(
                "INSERT INTO tasks (id, user_id, message_id, session_id, windmill_job_id, windmill_jobs, "
                "status, skill, input, output, summary, attempts, started_at, finished_at, duration_ms, "
                "tokens, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (task_id, user_id, e.message_id, *task_values, self._ts(now)),
            )
        else:
            task_id = existing["id"]
            for table in ("successes", "failures", "research", "learnings"):
                tx.execute(f"DELETE FROM {table} WHERE task_id = ?", (task_id,))
            tx.execute(
                "UPDATE tasks SET session_id = ?, windmill_job_id = ?, windmill_jobs = ?, status = ?, "
                "skill = ?, input = ?, output = ?, summary = ?, attempts = ?, started_at = ?, "
                "finished_at = ?, duration_ms = ?, tokens = ? WHERE id = ?",
                (*task_values, task_id),
            )
            # take the earlier outcome out of the counters; the new one is added below
            was_success = int(existing["status"] == "success")
            tx.execute(
                "UPDATE sessions SET task_count = task_count - 1, success_count = success_count - ?, "
                "failure_count = failure_count - ? WHERE user_id = ? AND id = ?",
                (was_success, 1 - was_success, user_id, existing["session_id"]),
            )
            self._count_outcome(
                tx,
                user_id,
                existing["skill"],
                -1,
                -was_success,
                -existing["attempts"],
                -(existing["duration_ms"] or 0),
                now,
            )

        ts = self._ts(now)
        deltas = (1, int(e.success), int(not e.success))
        self._count_outcome(tx, user_id, e.skill, 1, int(e.success), e.attempts, e.duration_ms, now)
        tx.execute(
            "INSERT INTO sessions (user_id, id, started_at, last_active_at, task_count, success_count, "
            "failure_count, last_skill) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, id) DO UPDATE "
            "SET last_active_at = excluded.last_active_at, last_skill = excluded.last_skill, "
            "task_count = sessions.task_count + ?, success_count = sessions.success_count + ?, "
            "failure_count = sessions.failure_count + ?",
            (user_id, e.session_id, self._ts(started), ts, *deltas, e.skill, *deltas),
        )
        self._touch_conversation(tx, user_id, e.session_id, e.request, now)
        self._put_message(tx, user_id, e.session_id, e.message_id, "user", e.request, "{}", started)
        if enc["answer"]:
            meta = encode_json({"task_id": task_id, "skill": e.skill, "success": e.success}, "metadata")
            self._put_message(
                tx, user_id, e.session_id, f"{e.message_id}:answer", "assistant", enc["answer"], meta, now
            )

        if e.success:
            tx.execute(
                "INSERT INTO successes (id, user_id, task_id, skill, summary, result, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (_new_id(), user_id, task_id, e.skill, summary, self._json(enc["output"]), ts),
            )
        failures = [(f.error, f.attempt, enc["failures"][i]) for i, f in enumerate(e.failures)]
        if not e.success and not failures:
            error = str(e.result.get("error") or "the request did not succeed")[:4000]
            failures = [(error, e.attempts, "{}")]
        tx.executemany(
            "INSERT INTO failures (id, user_id, task_id, skill, attempt, error, details, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [(_new_id(), user_id, task_id, e.skill, a, err, self._json(d), ts) for err, a, d in failures],
        )
        tx.executemany(
            "INSERT INTO research (id, user_id, task_id, query, findings, applied, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (_new_id(), user_id, task_id, r.query, self._json(enc["research"][i]), r.applied, ts)
                for i, r in enumerate(e.research)
            ],
        )
        learning_rows: list[tuple[Any, ...]] = []
        term_rows: list[tuple[Any, ...]] = []
        for i, lrn in enumerate(e.learnings):
            learning_id = _new_id()
            skill = lrn.skill or e.skill
            learning_rows.append(
                (
                    learning_id,
                    user_id,
                    task_id,
                    skill,
                    lrn.source,
                    lrn.content,
                    self._json(enc["learning_tags"][i]),
                    self._json(enc["learning_sources"][i]),
                    ts,
                )
            )
            term_rows += [
                (user_id, t, learning_id, w, ts) for t, w in _learning_terms(lrn.content, lrn.tags, skill)
            ]
        tx.executemany(
            "INSERT INTO learnings (id, user_id, task_id, skill, source, content, tags, sources, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            learning_rows,
        )
        tx.executemany(
            "INSERT INTO learning_terms (user_id, term, learning_id, weight, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            term_rows,
        )
        update = e.context_update
        if update is not None:
            self._apply_context(
                tx, user_id, update.preferences, update.custom_instructions, update.timezone, update.merge
            )
        return {
            "task_id": task_id,
            "status": status,
            "context_updated": update is not None,
            "session_id": e.session_id,
            "message_id": e.message_id,
            "replaced": existing is not None,
            "failures": len(failures),
            "learnings": len(learning_rows),
            "research": len(e.research),
        }

    def _count_outcome(
        self,
        tx: Tx,
        user_id: str,
        skill: str | None,
        total: int,
        successes: int,
        attempts: int,
        duration_ms: int,
        now: datetime,
    ) -> None:
        tx.execute(
            "INSERT INTO skill_stats (user_id, skill, total, successes, attempts_sum, duration_ms_sum, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, skill) DO UPDATE SET "
            "total = skill_stats.total + excluded.total, "
            "successes = skill_stats.successes + excluded.successes, "
            "attempts_sum = skill_stats.attempts_sum + excluded.attempts_sum, "
            "duration_ms_sum = skill_stats.duration_ms_sum + excluded.duration_ms_sum, "
            "updated_at = excluded.updated_at",
            (user_id, skill or "", total, successes, attempts, duration_ms, self._ts(now)),
        )

    def add_learning(
        self,
        user_id: str,
        content: str,
        *,
        source: str = "user",
        tags: Sequence[str] = (),
        skill: str | None = None,
        sources: Sequence[Mapping[str, Any]] = (),
    ) -> str:
        """Record a learning not tied to a task (e.g. a person's correction); returns its id."""
        from f.openanalyst.lib.store.models import LearningIn

        validate_user_id(user_id)
        try:
            lrn = LearningIn(
                content=content,
                source=source,
                tags=list(tags),
                skill=skill,
                sources=[dict(x) for x in sources],
            )
        except ValueError as exc:
            raise InvalidInput(f"learning refused: {exc}") from None
        encoded_sources = encode_json(lrn.sources, "learning sources")
        learning_id = _new_id()
        ts = self._ts(datetime.now(UTC))
        with self.transaction(user_id) as tx:
            self._require_user(tx, user_id)
            tx.execute(
                "INSERT INTO learnings (id, user_id, task_id, skill, source, content, tags, sources, "
                "created_at) VALUES (?, ?, NULL, ?, ?, ?, ?, ?, ?)",
                (
                    learning_id,
                    user_id,
                    skill,
                    source,
                    lrn.content,
                    self._json(encode_json(lrn.tags, "tags")),
                    self._json(encoded_sources),
                    ts,
                ),
            )
            tx.executemany(
                "INSERT INTO learning_terms (user_id, term, learning_id, weight, created_at) "
                "VALUES (?, ?, ?, ?, ?)",
                [(user_id, t, learning_id, w, ts) for t, w in _learning_terms(lrn.content, lrn.tags, skill)],
            )
        return learning_id

    # ------------------------------------------------------------------ queries for the Brain

    def recent_tasks(
        self,
        user_id: str,
        limit: int = 10,
        skill: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """The person's latest tasks, newest first (request, skill, status, short summary); with
        `since`/`until`, only those asked in [since, until)."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            return self._recent_tasks(tx, user_id, limit, skill, since, until)

    def _recent_tasks(
        self,
        tx: Tx,
        user_id: str,
        limit: int,
        skill: str | None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[dict[str, Any]]:
        where, params = "user_id = ?", [user_id]
        if skill is not None:
            where, params = where + " AND skill = ?", [*params, skill]
        if since is not None:
            where, params = where + " AND created_at >= ?", [*params, self._ts(since)]
        if until is not None:
            where, params = where + " AND created_at < ?", [*params, self._ts(until)]
        rows = tx.all(
            "SELECT id, message_id, session_id, skill, status, input, summary, attempts, duration_ms, "
            f"windmill_job_id, created_at FROM tasks WHERE {where} ORDER BY created_at DESC LIMIT ?",
            (*params, _limit(limit)),
        )
        return [
            {
                "task_id": r["id"],
                "message_id": r["message_id"],
                "session_id": r["session_id"],
                "request": (self._json_out(r["input"]) or {}).get("request", ""),
                "skill": r["skill"],
                "status": r["status"],
                "summary": r["summary"],
                "attempts": r["attempts"],
                "duration_ms": r["duration_ms"],
                "windmill_job_id": r["windmill_job_id"],
                "created_at": self._ts_out(r["created_at"]),
            }
            for r in rows
        ]

    def relevant_learnings(
        self, user_id: str, request: str = "", skill: str | None = None, limit: int = 5
    ) -> list[dict[str, Any]]:
        """Learnings whose tags, skill or words match the request, best match then newest first.
        With nothing to match on, the newest learnings.
        """
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            return self._relevant_learnings(tx, user_id, request, skill, limit)

    def _relevant_learnings(
        self, tx: Tx, user_id: str, request: str, skill: str | None, limit: int
    ) -> list[dict[str, Any]]:
        wanted = ([tag_term(skill)] if skill else []) + query_terms(request, MAX_QUERY_TERMS)
        wanted = list(dict.fromkeys(wanted))
        cols = "l.id, l.skill, l.source, l.content, l.tags, l.sources, l.created_at"
        if wanted:
            # Only the newest postings of each term are scored, so the cost stays flat as the
            # history grows; a rare term's postings are all read.
            postings = " UNION ALL ".join(
                "SELECT * FROM (SELECT learning_id, weight, created_at FROM learning_terms "
                f"WHERE user_id = ? AND term = ? ORDER BY created_at DESC LIMIT ?) AS t{i}"
                for i in range(len(wanted))
            )
            params: list[Any] = []
            for term in wanted:
                params += [user_id, term, POSTINGS_PER_TERM]
            rows = tx.all(
                f"SELECT {cols}, s.score FROM (SELECT learning_id, SUM(weight) AS score, "
                f"MAX(created_at) AS newest FROM ({postings}) AS p GROUP BY learning_id "
                "ORDER BY score DESC, newest DESC, learning_id LIMIT ?) AS s "
                "JOIN learnings l ON l.id = s.learning_id ORDER BY s.score DESC, l.created_at DESC, l.id",
                (*params, _limit(limit)),
            )
        else:
            rows = tx.all(
                f"SELECT {cols}, 0 AS score FROM learnings l WHERE l.user_id = ? "
                "ORDER BY l.created_at DESC LIMIT ?",
                (user_id, _limit(limit)),
            )
        return [
            {
                "id": r["id"],
                "skill": r["skill"],
                "source": r["source"],
                "content": r["content"],
                "tags": self._json_out(r["tags"]),
                "sources": self._json_out(r["sources"]),
                "score": int(r["score"]),
                "created_at": self._ts_out(r["created_at"]),
            }
            for r in rows
        ]

    def success_rate(self, user_id: str, skill: str | None = None) -> dict[str, dict[str, Any]]:
        """Per skill: finished tasks, successes, failures, success rate, mean attempts and duration.
        Tasks without a skill are counted under "".
        """
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            return self._success_rate(tx, user_id, skill)

    def _success_rate(self, tx: Tx, user_id: str, skill: str | None) -> dict[str, dict[str, Any]]:
        where, params = "user_id = ? AND total > 0", [user_id]
        if skill is not None:
            where, params = where + " AND skill = ?", [*params, skill]
        rows = tx.all(
            f"SELECT skill, total, successes, attempts_sum, duration_ms_sum FROM skill_stats WHERE {where}",
            params,
        )
        stats: dict[str, dict[str, Any]] = {}
        for r in rows:
            total, ok = int(r["total"]), int(r["successes"])
            stats[r["skill"]] = {
                "total": total,
                "successes": ok,
                "failures": total - ok,
                "rate": round(ok / total, 4),
                "avg_attempts": round(int(r["attempts_sum"]) / total, 2),
                "avg_duration_ms": round(int(r["duration_ms_sum"]) / total),
            }
        return stats

    def load_context(
        self,
        user_id: str,
        request: str = "",
        skill: str | None = None,
        recent_limit: int = 5,
        learnings_limit: int = 5,
        session_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, Any]:
        """Everything the Brain needs before planning, read in one transaction; with `session_id`,
        also `session_results`: what that conversation's latest successful requests produced;
        with `since`/`until`, the recent tasks are those asked in [since, until)."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            self._require_user(tx, user_id)
            context = self._context(tx, user_id)
            loaded = {
                "user_id": user_id,
                "preferences": context["preferences"],
                "custom_instructions": context["custom_instructions"],
                "timezone": context["timezone"],
                "recent_tasks": self._recent_tasks(tx, user_id, recent_limit, None, since, until),
                "learnings": self._relevant_learnings(tx, user_id, request, skill, learnings_limit),
                "skill_stats": self._success_rate(tx, user_id, skill) if skill else {},
            }
            if session_id is not None:
                loaded["session_results"] = self._session_results(tx, user_id, session_id, SESSION_RESULTS)
            return loaded

    def session_results(self, user_id: str, session_id: str, limit: int = 3) -> list[dict[str, Any]]:
        """The recorded results (plan, outputs) of the person's latest successful requests in one
        conversation, newest first: what a follow-up ("post it now") refers to."""
        validate_user_id(user_id)
        with self.transaction(user_id, write=False) as tx:
            return self._session_results(tx, user_id, session_id, limit)

    def _session_results(self, tx: Tx, user_id: str, session_id: str, limit: int) -> list[dict[str, Any]]:
        rows = tx.all(
            "SELECT output FROM tasks WHERE user_id = ? AND session_id = ? AND status = 'success' "
            "ORDER BY created_at DESC LIMIT ?",
            (user_id, session_id, _limit(limit)),
        )
        return [out for r in rows if isinstance(out := self._json_out(r["output"]), dict)]

    def counts(self, user_id: str) -> dict[str, int]:
        """How many rows of each table belong to the person (diagnostics, tests, benchmarks)."""
        from f.openanalyst.lib.store.migrations import user_tables

        validate_user_id(user_id)
        out: dict[str, int] = {}
        with self.transaction(user_id, write=False) as tx:
            for m in self.migrations:
                for table, column in m.user_tables.items():
                    row = tx.one(f"SELECT COUNT(*) AS n FROM {table} WHERE {column} = ?", (user_id,))
                    out[table] = int(row["n"]) if row else 0
        assert set(out) == set(user_tables(self.migrations))
        return out


def _limit(n: int) -> int:
    if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= 1000:
        raise InvalidInput(f"limit must be an integer from 0 to 1000, got {n!r}")
    return n


def _learning_terms(content: str, tags: Sequence[str], skill: str | None) -> Iterator[tuple[str, int]]:
    """Index terms of a learning with weights: tags 3, skill 2, content words 1."""
    weights: dict[str, int] = {}
    for word in terms(content):
        weights[word] = 1
    if skill:
        weights[tag_term(skill)] = max(weights.get(tag_term(skill), 0), 2)
    for tag in tags:
        for term in {tag_term(tag), *terms(tag)}:
            if term:
                weights[term] = 3
    return iter(weights.items())
