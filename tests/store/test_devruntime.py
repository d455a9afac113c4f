"""load_context and record_history run as jobs on the dev runtime (the embedded Windmill stand-in).

Each job is its own process with the WM_* environment of a worker, importing the store modules
the way Windmill does, and reading resource f/openanalyst/db from the runtime's REST API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from f.openanalyst.lib.store.connect import DB_RESOURCE, open_store
from tests.store.conftest import PgDatabase
from tests.store.test_scripts import history_args
from tests.support.devruntime import DevRuntime

LOAD = "f/openanalyst/brain/load_context"
RECORD = "f/openanalyst/brain/record_history"


@pytest.fixture
def sqlite_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # the runtime passes OPENANALYST_* from its environment to every job it starts
    path = tmp_path / "jobs" / "openanalyst.sqlite3"
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(path))
    return path


@pytest.fixture
def db_resource_pointing_at(dev_runtime: DevRuntime) -> Iterator[Any]:
    """Point f/openanalyst/db at a database for one test, then delete it (the bundle ships none)."""

    def point(value: dict[str, Any]) -> None:
        dev_runtime.set_resource(DB_RESOURCE, value, "postgresql")

    yield point
    dev_runtime.client.delete(f"{dev_runtime.api}/resources/delete/{DB_RESOURCE}")


def test_the_store_steps_run_as_jobs_on_the_embedded_default(
    dev_runtime: DevRuntime, sqlite_path: Path
) -> None:
    # no resource f/openanalyst/db: the dev runtime's embedded SQLite store
    first = dev_runtime.wait(dev_runtime.run_script(LOAD, {"user_id": "alice", "request": "a twitter post"}))
    assert first["backend"] == "sqlite" and first["new_user"] is True
    assert sqlite_path.exists()

    recorded = dev_runtime.wait(dev_runtime.run_script(RECORD, history_args()))
    assert recorded["status"] == "success" and recorded["learnings"] == 1

    again = dev_runtime.wait(
        dev_runtime.run_script(
            LOAD, {"user_id": "alice", "request": "twitter again", "skill": "SOCIAL_MEDIA"}
        )
    )
    assert again["new_user"] is False
    assert [t["message_id"] for t in again["recent_tasks"]] == ["msg_1"]
    assert again["learnings"][0]["content"] == "Schedule twitter posts in the morning"


def test_a_bad_record_fails_the_job_with_a_clear_error(dev_runtime: DevRuntime, sqlite_path: Path) -> None:
    dev_runtime.wait(dev_runtime.run_script(LOAD, {"user_id": "alice"}))
    job = dev_runtime.wait_job(dev_runtime.run_script(RECORD, history_args(user_id="ghost")))
    assert job["success"] is False
    assert "unknown user 'ghost'" in str(job["result"])
    with open_store(None, sqlite_path=sqlite_path) as store:
        assert store.get_user("ghost") is None


@pytest.mark.postgres
def test_with_the_resource_set_the_jobs_use_postgresql(
    dev_runtime: DevRuntime, sqlite_path: Path, pg_database: PgDatabase, db_resource_pointing_at: Any
) -> None:
    db_resource_pointing_at(pg_database.resource())
    assert dev_runtime.wait(dev_runtime.run_script(LOAD, {"user_id": "alice"}))["backend"] == "postgres"
    assert dev_runtime.wait(dev_runtime.run_script(RECORD, history_args()))["backend"] == "postgres"
    assert not sqlite_path.exists()
    with open_store(pg_database.dsn, **pg_database.options()) as store:
        assert [t["message_id"] for t in store.recent_tasks("alice")] == ["msg_1"]


def test_the_dev_runtime_names_its_embedded_store_when_nothing_is_set(
    dev_runtime: DevRuntime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unlike a Windmill worker, the dev runtime gives every job a SQLite file beside its own
    # database, so the bundle's store works there with no resource and no setting.
    monkeypatch.delenv("OPENANALYST_SQLITE_PATH", raising=False)
    result = dev_runtime.wait(dev_runtime.run_script(LOAD, {"user_id": "alice"}))
    assert result["backend"] == "sqlite"
    assert dev_runtime.server.settings.store_sqlite_path.exists()
