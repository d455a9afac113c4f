"""Benchmark of the memory and history store: what one request costs on top of a bare table.

    uv run scripts/bench/store.py                   # 5,000 history rows, both backends (< 60 s)
    uv run scripts/bench/store.py --full            # 100,000 history rows
    uv run scripts/bench/store.py --backend sqlite --rows 20000 --requests 500

For each backend it fills a fresh database with `--rows` recorded requests (spread over
`--users` people, with learnings, failures and research like real ones), prints the row count
of every table, then times `--requests` requests of the flow's two store steps:
load_context (context, recent tasks, relevant learnings, skill stats) and record_history (task,
session, conversation, messages, success/failures, learnings, research), each in one
transaction. The baseline, measured in the same run on the same database and durability
settings, is a bare table holding the same task rows: one INSERT per request and one SELECT of
the person's 5 latest rows. Ratios = store / baseline (lower is better).

PostgreSQL: the DSN of --postgres (default OPENANALYST_TEST_POSTGRES, else
postgresql://postgres@127.0.0.1:5432/test); the run creates its own schema, owner role and app
role (so RLS applies, as in production) and drops them afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The repo root, not this folder: its requests.py would shadow the `requests` package.
sys.path[0] = str(Path(__file__).resolve().parents[2])

from f.openanalyst.lib.store.base import Store  # noqa: E402
from f.openanalyst.lib.store.connect import open_store  # noqa: E402

SKILLS = ("SOCIAL_MEDIA", "ANALYTICS", "WORKFLOW_BUILDER", "CORE")
TOPICS = ("ai trends", "q3 revenue", "product launch", "hiring", "weekly report", "churn", "pricing", "seo")
PLATFORMS = ("twitter", "linkedin", "instagram", "facebook")
BATCH = 500


def fake_entry(rng: random.Random, n: int, message_id: str | None = None) -> dict[str, Any]:
    skill = rng.choice(SKILLS)
    topic, platform = rng.choice(TOPICS), rng.choice(PLATFORMS)
    success = rng.random() < 0.8
    request = f"Create a {platform} post about {topic} and schedule it for tomorrow 9am (#{n})"
    entry: dict[str, Any] = {
        "session_id": f"sess_{n // 20}",
        "message_id": message_id or f"msg_{n}",
        "request": request,
        "skill": skill,
        "success": success,
        "result": {"content": f"Done: your {platform} post about {topic} is scheduled." + " lorem" * 40}
        if success
        else {"error": "schedule_post returned no schedule path"},
        "attempts": 1 if success else 3,
        "windmill_jobs": [str(uuid.UUID(int=rng.getrandbits(128))) for _ in range(2)],
        "tokens": {"input": 1500, "output": 400},
        "duration_ms": rng.randint(800, 9000),
    }
    if not success:
        entry["failures"] = [
            {"error": f"attempt {a}: missing schedule path", "attempt": a} for a in (1, 2, 3)
        ]
    if n % 5 == 0:
        entry["learnings"] = [
            {
                "content": f"For {platform} posts about {topic}, post before 10am in the person's timezone",
                "source": "eval",
                "tags": [platform, topic.split()[0]],
            }
        ]
    if n % 10 == 0:
        entry["research"] = [
            {"query": f"{platform} {topic} best practices 2025", "findings": [{"url": "https://x.test"}]}
        ]
    return entry


# ---------------------------------------------------------------------- databases


@contextmanager
def sqlite_database() -> Iterator[tuple[Callable[[], Store], Callable[[], Any]]]:
    import sqlite3

    with tempfile.TemporaryDirectory(prefix="oa-bench-") as tmp:
        path = Path(tmp) / "openanalyst.sqlite3"

        def bare() -> Any:
            conn = sqlite3.connect(path, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # the store's durability, for a fair baseline
            return conn

        yield (lambda: open_store(None, sqlite_path=path)), bare


@contextmanager
def postgres_database(dsn: str) -> Iterator[tuple[Callable[[], Store], Callable[[], Any]]]:
    import psycopg
    from psycopg import sql

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    owner, app = f"{schema}_owner", f"{schema}_app"
    with psycopg.connect(dsn, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(owner)))
        admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(app)))
        admin.execute(
            sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(owner))
        )
    try:

        def bare() -> Any:
            conn = psycopg.connect(dsn, autocommit=True, options=f"-c search_path={schema}")
            return conn

        yield (lambda: open_store(dsn, schema=schema, owner_role=owner, app_role=app)), bare
    finally:
        with psycopg.connect(dsn, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
            for role in (app, owner):
                admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
                admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


# ---------------------------------------------------------------------- the run


def populate(store: Store, users: list[str], rows: int, rng: random.Random) -> float:
    started = time.perf_counter()
    for user in users:
        store.register_user(user)
    per_user = [rows // len(users) + (1 if i < rows % len(users) else 0) for i in range(len(users))]
    n = 0
    for user, count in zip(users, per_user, strict=True):
        for start in range(0, count, BATCH):
            batch = [fake_entry(rng, n + i) for i in range(min(BATCH, count - start))]
            store.record_histories(user, batch)
            n += len(batch)
    return time.perf_counter() - started


def table_counts(store: Store, users: list[str]) -> dict[str, int]:
    total: dict[str, int] = {}
    for user in users:
        for table, count in store.counts(user).items():
            total[table] = total.get(table, 0) + count
    return total


def bare_setup(conn: Any, backend: str) -> None:
    """The baseline table, filled with the same task rows the store holds."""
    ts, js = ("TEXT", "TEXT") if backend == "sqlite" else ("TIMESTAMPTZ", "JSONB")
    conn.execute(
        f"CREATE TABLE bare_tasks (id TEXT PRIMARY KEY, user_id TEXT NOT NULL, message_id TEXT NOT NULL, "
        f"request TEXT NOT NULL, skill TEXT, status TEXT NOT NULL, output {js}, created_at {ts} NOT NULL)"
    )
    conn.execute("CREATE INDEX bare_recent ON bare_tasks (user_id, created_at)")
    # copied inside the database: the same rows, no Python round trip
    src = "(input->>'request')" if backend == "postgres" else "json_extract(input, '$.request')"
    conn.execute(
        f"INSERT INTO bare_tasks SELECT id, user_id, message_id, {src}, skill, status, output, created_at "
        "FROM tasks"
    )


def timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def run_backend(
    name: str, database: Any, rows: int, requests: int, n_users: int, seed: int
) -> dict[str, float] | None:
    rng = random.Random(seed)
    users = [f"user_{i:03d}" for i in range(n_users)]
    with database as (open_db, bare_connect):
        store = open_db()
        fill = populate(store, users, rows, rng)
        print(
            f"\n== {name}: {rows:,} history rows over {n_users} users, filled in {fill:.1f}s "
            f"({rows / fill:,.0f} requests/s, batches of {BATCH})"
        )
        counts = table_counts(store, users)
        print("   rows: " + ", ".join(f"{t} {c:,}" for t, c in counts.items()))
        isolation = "row-level security" if store.rls_enforced else "queries filter on user_id (no RLS)"
        print(f"   isolation: {isolation}")

        bare = bare_connect()
        bare_setup(bare, name)

        load_t: list[float] = []
        record_t: list[float] = []
        bare_insert_t: list[float] = []
        bare_select_t: list[float] = []
        for i in range(requests):
            user = users[i % n_users]
            entry = fake_entry(rng, rows + i, message_id=f"bench_{i}")
            load_t.append(timed(lambda u=user, e=entry: store.load_context(u, e["request"], e["skill"])))
            record_t.append(timed(lambda u=user, e=entry: store.record_history(u, e)))

            now = time.time()
            params = (
                uuid.uuid4().hex,
                user,
                f"bare_{i}",
                entry["request"],
                entry["skill"],
                "success",
                '{"content": "done"}',
                _ts(name, now),
            )
            ph = "?" if name == "sqlite" else "%s"
            bare_insert_t.append(
                timed(
                    lambda p=params, ph=ph: bare.execute(
                        f"INSERT INTO bare_tasks VALUES ({', '.join([ph] * 8)})", p
                    )
                )
            )
            bare_select_t.append(
                timed(
                    lambda u=user, ph=ph: bare.execute(
                        f"SELECT id, message_id, request, skill, status, created_at FROM bare_tasks "
                        f"WHERE user_id = {ph} ORDER BY created_at DESC LIMIT 5",
                        (u,),
                    ).fetchall()
                )
            )
        bare.close()
        store.close()

    load, record = statistics.mean(load_t), statistics.mean(record_t)
    b_ins, b_sel = statistics.mean(bare_insert_t), statistics.mean(bare_select_t)
    ms = 1000
    print(f"   per request over {requests} requests (mean; median in brackets):")
    print(
        f"     load_context   {load * ms:7.2f} ms [{statistics.median(load_t) * ms:.2f}]"
        f"   vs bare select {b_sel * ms:6.2f} ms  -> ratio {load / b_sel:5.1f}x"
    )
    print(
        f"     record_history {record * ms:7.2f} ms [{statistics.median(record_t) * ms:.2f}]"
        f"   vs bare insert {b_ins * ms:6.2f} ms  -> ratio {record / b_ins:5.1f}x"
    )
    both, bare_both = load + record, b_ins + b_sel
    print(
        f"     both           {both * ms:7.2f} ms"
        f"   vs bare both   {bare_both * ms:6.2f} ms  -> ratio {both / bare_both:5.1f}x"
    )
    return {"load": load, "record": record, "bare_insert": b_ins, "bare_select": b_sel}


def _ts(backend: str, epoch: float) -> Any:
    from datetime import UTC, datetime

    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.isoformat(timespec="microseconds") if backend == "sqlite" else moment


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--rows", type=int, default=5_000, help="history rows (recorded requests) to fill in first"
    )
    parser.add_argument("--full", action="store_true", help="fill 100,000 history rows (several minutes)")
    parser.add_argument("--requests", type=int, default=200, help="requests to time")
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("OPENANALYST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"),
        help="PostgreSQL DSN (a superuser or a role that may create roles and schemas)",
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    # a terminated run still drops its PostgreSQL schema and roles (the `finally` blocks run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    rows = 100_000 if args.full else args.rows

    if args.backend in ("sqlite", "both"):
        run_backend("sqlite", sqlite_database(), rows, args.requests, args.users, args.seed)
    if args.backend in ("postgres", "both"):
        try:
            import psycopg

            psycopg.connect(args.postgres, connect_timeout=3).close()
        except Exception as exc:
            print(f"\n== postgres: skipped, cannot connect: {str(exc).strip().splitlines()[0]}")
            return 1 if args.backend == "postgres" else 0
        run_backend("postgres", postgres_database(args.postgres), rows, args.requests, args.users, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
