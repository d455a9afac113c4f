"""load_context and record_history as the flow calls them: main() with Windmill's HTTP mocked.

The scripts look up the resource f/openanalyst/db through the real `wmill` client; respx
answers as Windmill does (404 when the resource is not defined, the value when it is).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from f.openanalyst.brain import load_context, record_history
from f.openanalyst.lib.store.connect import open_store
from f.openanalyst.lib.store.models import InvalidInput, StoreConfigError, StoreNotConfigured, UnknownUser
from tests.store.conftest import PgDatabase

BASE = "http://windmill.test"
RESOURCE_URL = f"{BASE}/api/w/openanalyst/resources/get_value_interpolated/f/openanalyst/db"
FLOW_JOB = "0192f1d2-7c3e-7000-8000-0000000000aa"


@pytest.fixture
def windmill_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """The environment a Windmill worker gives a flow step; returns the SQLite fallback path."""
    sqlite_path = tmp_path / "var" / "openanalyst.sqlite3"
    monkeypatch.setenv("BASE_INTERNAL_URL", BASE)
    monkeypatch.setenv("WM_TOKEN", "job-token")
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    monkeypatch.setenv("WM_ROOT_FLOW_JOB_ID", FLOW_JOB)
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(sqlite_path))
    monkeypatch.delenv("WM_MOCKED_API_FILE", raising=False)
    return sqlite_path


def not_found() -> httpx.Response:
    return httpx.Response(404, text="Not found: resource f/openanalyst/db not found")


def history_args(**overrides: Any) -> dict[str, Any]:
    """record_history's arguments: the request's ids and conclude's result (`conclusion`).

    Overrides name the request's fields or the conclusion's; `answer` is the conclusion's
    `content` (default: the result's content).
    """
    args: dict[str, Any] = {
        "user_id": "alice",
        "session_id": "sess_1",
        "message_id": "msg_1",
        "request": "Create a Twitter post about AI trends and schedule it for tomorrow",
        "skill": "SOCIAL_MEDIA",
        "success": True,
        "result": {"content": "Done! Your post is scheduled for 10:00 tomorrow.", "done": True},
        "attempts": 2,
        "research": None,
        "learnings": [
            {"content": "Schedule twitter posts in the morning", "source": "eval", "tags": ["twitter"]}
        ],
        "failures": [{"error": "no schedule path", "attempt": 1, "differences": ["schedule_path missing"]}],
        "windmill_jobs": ["0192f1d2-7c3e-7000-8000-0000000000b1", "0192f1d2-7c3e-7000-8000-0000000000b2"],
        "tokens": {"input": 1500, "output": 420},
        "duration_ms": 4200,
        **overrides,
    }
    request = {k: args.pop(k) for k in ("user_id", "session_id", "message_id", "request")}
    answer = args.pop("answer", None)
    conclusion = {
        **args,
        "content": answer if answer is not None else str(args["result"].get("content") or ""),
        "research": args["research"] or [],
    }
    return {**request, "conclusion": conclusion}


def test_without_the_db_resource_the_scripts_use_sqlite(
    respx_mock: respx.MockRouter, windmill_env: Path
) -> None:
    route = respx_mock.get(RESOURCE_URL).mock(return_value=not_found())

    first = load_context.main("alice", "Create a Twitter post about AI trends")
    assert first["new_user"] and first["backend"] == "sqlite"
    assert first["recent_tasks"] == [] and first["preferences"] == {} and first["timezone"] == "UTC"
    assert windmill_env.exists()  # created on first use

    recorded = record_history.main(**history_args())
    assert recorded["status"] == "success" and recorded["failures"] == 1 and recorded["learnings"] == 1

    again = load_context.main("alice", "another twitter post", "SOCIAL_MEDIA")
    assert not again["new_user"]
    [task] = again["recent_tasks"]
    assert task["message_id"] == "msg_1" and task["windmill_job_id"] == FLOW_JOB
    assert task["summary"] == "Done! Your post is scheduled for 10:00 tomorrow."
    assert again["learnings"][0]["content"] == "Schedule twitter posts in the morning"
    assert again["skill_stats"]["SOCIAL_MEDIA"]["successes"] == 1
    assert route.call_count == 3
    assert route.calls[0].request.headers["authorization"] == "Bearer job-token"

    with open_store(None, sqlite_path=windmill_env) as store:
        with store.transaction("alice", write=False) as tx:
            failure = tx.one("SELECT error, attempt, details FROM failures")
        assert failure is not None
        assert failure["error"] == "no schedule path"
        assert '"differences"' in failure["details"]  # unknown failure keys kept in details


def test_with_the_db_resource_the_scripts_use_postgresql(
    respx_mock: respx.MockRouter, windmill_env: Path, pg_database: PgDatabase
) -> None:
    respx_mock.get(RESOURCE_URL).mock(return_value=httpx.Response(200, json=pg_database.resource()))

    assert load_context.main("alice")["backend"] == "postgres"
    assert record_history.main(**history_args())["backend"] == "postgres"
    assert not windmill_env.exists()  # no SQLite file was created

    with open_store(pg_database.dsn, **pg_database.options()) as store:
        assert [t["message_id"] for t in store.recent_tasks("alice")] == ["msg_1"]
        assert store.rls_enforced


def test_an_unreadable_resource_is_an_error_not_a_silent_fallback(
    respx_mock: respx.MockRouter, windmill_env: Path
) -> None:
    respx_mock.get(RESOURCE_URL).mock(
        return_value=httpx.Response(403, text="not authorized to read f/openanalyst/db")
    )
    with pytest.raises(StoreConfigError, match="HTTP 403"):
        load_context.main("alice")
    assert not windmill_env.exists()


def test_record_history_for_an_unknown_user_is_refused(
    respx_mock: respx.MockRouter, windmill_env: Path
) -> None:
    respx_mock.get(RESOURCE_URL).mock(return_value=not_found())
    load_context.main("alice")
    with pytest.raises(UnknownUser, match="unknown user 'ghost'"):
        record_history.main(**history_args(user_id="ghost"))
    with open_store(None, sqlite_path=windmill_env) as store:
        assert store.get_user("ghost") is None
        assert store.counts("alice")["tasks"] == 0


def test_record_history_refuses_an_oversized_result_and_keeps_what_was_recorded(
    respx_mock: respx.MockRouter, windmill_env: Path
) -> None:
    respx_mock.get(RESOURCE_URL).mock(return_value=not_found())
    load_context.main("alice")
    record_history.main(**history_args())
    with pytest.raises(InvalidInput, match="result"):
        record_history.main(**history_args(result={"content": "x" * 300_000}))
    context = load_context.main("alice")
    assert context["recent_tasks"][0]["summary"] == "Done! Your post is scheduled for 10:00 tomorrow."


def test_outside_windmill_the_scripts_use_sqlite_without_any_http(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name in ("BASE_INTERNAL_URL", "WM_BASE_URL", "WM_TOKEN", "WM_MOCKED_API_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("OPENANALYST_SQLITE_PATH", raising=False)
    with respx.mock(assert_all_mocked=True):  # any HTTP request would fail the test
        assert load_context.main("alice")["backend"] == "sqlite"
    assert (tmp_path / "var" / "openanalyst.sqlite3").exists()


@pytest.fixture
def mocked_api_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "wm_mock.json"
    monkeypatch.setenv("WM_MOCKED_API_FILE", str(path))
    monkeypatch.setenv("WM_WORKSPACE", "openanalyst")
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(tmp_path / "mocked.sqlite3"))
    yield path


def test_windmills_offline_mock_file_is_honoured(mocked_api_file: Path) -> None:
    mocked_api_file.write_text('{"variables": {}, "resources": {}}')
    assert load_context.main("alice")["backend"] == "sqlite"


def test_on_a_worker_without_the_db_resource_the_first_step_says_what_to_set(
    respx_mock: respx.MockRouter, windmill_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A Windmill worker names no SQLite file (its job directory is deleted after each job):
    # load_context, in the flow's first step, fails with what to set instead of a throwaway store.
    monkeypatch.delenv("OPENANALYST_SQLITE_PATH")
    monkeypatch.chdir(tmp_path)
    respx_mock.get(RESOURCE_URL).mock(return_value=not_found())
    with pytest.raises(StoreNotConfigured) as raised:
        load_context.main("alice", "Create a Twitter post about AI trends")
    message = str(raised.value)
    assert "f/openanalyst/db" in message and "'postgresql'" in message
    assert "host, port, user, password, dbname" in message and "README" in message
    assert "Traceback" not in message and "sqlite" not in message.lower()
    assert not list(tmp_path.rglob("*.sqlite3"))  # no store was opened in the job directory


def test_on_a_worker_a_resource_without_a_host_is_the_same_error(
    respx_mock: respx.MockRouter, windmill_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENANALYST_SQLITE_PATH")
    empty = {"host": "", "port": 5432, "user": "openanalyst", "password": "", "dbname": "openanalyst"}
    respx_mock.get(RESOURCE_URL).mock(return_value=httpx.Response(200, json=empty))
    with pytest.raises(StoreNotConfigured, match="has no host"):
        load_context.main("alice")


def test_the_flows_first_step_is_the_one_that_opens_the_store() -> None:
    import yaml

    flow = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "f/openanalyst/handle_request__flow/flow.yaml").read_text()
    )
    first = flow["value"]["modules"][0]
    assert first["value"]["path"] == "f/openanalyst/brain/analyze_intent"
    from f.openanalyst.brain import analyze_intent

    assert analyze_intent.load_context is load_context  # it reads the context first


def test_the_store_connection_is_a_workspace_postgresql_resource_never_synced_from_git() -> None:
    """The operator creates f/openanalyst/db (type postgresql) in the workspace once; git ships no
    host or password variables, and `wmill sync push` must neither overwrite nor delete it."""
    import yaml

    repo = Path(__file__).resolve().parents[2]
    root = repo / "f" / "openanalyst"
    assert not (root / "db.resource.yaml").exists()
    assert not list(root.glob("db_*.variable.yaml"))
    config = yaml.safe_load((repo / "wmill.yaml").read_text())
    assert "f/openanalyst/db.resource.yaml" in config["excludes"]
    assert "f/openanalyst/anthropic.resource.yaml" in config["excludes"]


def test_record_history_takes_the_conclude_steps_shapes(
    respx_mock: respx.MockRouter, windmill_env: Path
) -> None:
    """What f/openanalyst/brain/conclude returns (lib/outcome.py, lib/research.py) records as is."""
    respx_mock.get(RESOURCE_URL).mock(return_value=not_found())
    learning = {
        "content": "Schedules need an explicit timezone",
        "sources": [{"url": "https://docs.example/schedules", "title": "Schedules"}],
        "tags": ["SOCIAL_MEDIA", "schedule"],
        "source": "web_research",
    }
    research = {
        "query": "SOCIAL_MEDIA best practices 2026: schedule a post. Failures: no schedule path",
        "learnings": [learning],
        "sources": learning["sources"],
        "searched": True,
        "reason": "",
    }
    failures = [
        {"attempt": 1, "phase": "loop", "differences": ["schedule_post: missing schedule_path"]},
        {"attempt": 2, "phase": "loop", "differences": []},
    ]
    load_context.main("alice")
    recorded = record_history.main(
        **history_args(
            success=True,
            result={"plan": {"steps": []}, "outputs": {"s1": {"ok": True}}, "differences": []},
            answer="Done! Your post is scheduled.",
            research=[research],
            learnings=[learning],
            failures=failures,
        )
    )
    assert (recorded["failures"], recorded["learnings"], recorded["research"]) == (2, 1, 1)
    context = load_context.main("alice", "schedule a post", "SOCIAL_MEDIA")
    assert context["recent_tasks"][0]["summary"] == "Done! Your post is scheduled."
    [found] = context["learnings"]
    assert found["sources"] == learning["sources"] and found["source"] == "web_research"
    with open_store(None, sqlite_path=windmill_env) as store:
        with store.transaction("alice", write=False) as tx:
            errors = [r["error"] for r in tx.all("SELECT error FROM failures ORDER BY attempt")]
            findings = tx.one("SELECT query, findings FROM research")
        assert errors == ["schedule_post: missing schedule_path", "attempt 2 failed"]
        assert findings is not None and '"searched":true' in findings["findings"]


def test_record_history_applies_a_preference_change(respx_mock: respx.MockRouter, windmill_env: Path) -> None:
    respx_mock.get(RESOURCE_URL).mock(return_value=not_found())
    load_context.main("alice")
    recorded = record_history.main(
        **history_args(
            request="set my timezone to Europe/Berlin and stop using emoji",
            skill="CORE",
            context_update={"timezone": "Europe/Berlin", "preferences": {"emoji": False}},
        )
    )
    assert recorded["context_updated"]
    context = load_context.main("alice")
    assert context["timezone"] == "Europe/Berlin" and context["preferences"] == {"emoji": False}
    with pytest.raises(InvalidInput, match="unknown timezone"):
        record_history.main(**history_args(message_id="msg_2", context_update={"timezone": "EST-ish"}))
    assert [t["message_id"] for t in load_context.main("alice")["recent_tasks"]] == ["msg_1"]
