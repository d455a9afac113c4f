"""Real PostgreSQL and Redis for tests.

Outside CI a test that cannot reach a service is skipped with the reason; with CI=true it
fails, so a CI run can never pass by skipping them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

POSTGRES_DSN = os.environ.get("OPENANALYST_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("OPENANALYST_TEST_REDIS", "redis://127.0.0.1:6379/0")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def unavailable(service: str, reason: str) -> None:
    """Skip (outside CI) or fail (in CI) a test whose service cannot be reached."""
    message = f"{service} not reachable: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: required)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_dsn() -> str:
    """The DSN of the test PostgreSQL, checked reachable."""
    import psycopg

    try:
        with psycopg.connect(POSTGRES_DSN, connect_timeout=3) as conn:
            conn.execute("select 1")
    except Exception as exc:  # any failure to connect means the same thing here
        unavailable("PostgreSQL at " + POSTGRES_DSN.split("@")[-1], str(exc).strip().splitlines()[0])
    return POSTGRES_DSN


@pytest.fixture
def postgres_schema(postgres_dsn: str) -> Iterator[str]:
    """A fresh schema for one test, dropped afterwards, so runs never collide."""
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        conn.execute(f'create schema "{schema}"')
    try:
        yield schema
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as conn:
            conn.execute(f'drop schema if exists "{schema}" cascade')


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The URL of the test Redis, checked reachable."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except Exception as exc:
        unavailable("Redis at " + REDIS_URL, str(exc))
    return REDIS_URL
