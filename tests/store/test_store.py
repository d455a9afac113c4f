"""The store's behaviour, identical on SQLite and PostgreSQL (every test runs on both)."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from f.openanalyst.lib.store.base import Store
from f.openanalyst.lib.store.migrations import LATEST_VERSION, MIGRATIONS, Migration, user_tables
from f.openanalyst.lib.store.models import (
    MAX_JSON_BYTES,
    MAX_PREFERENCES_BYTES,
    InvalidInput,
    PayloadTooLarge,
    StoreError,
    UnknownUser,
)
from f.openanalyst.lib.users import InvalidUserId


def entry(message_id: str, **overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "session_id": "sess_1",
        "message_id": message_id,
        "request": "Create a Twitter post about AI trends and schedule it for tomorrow",
        "skill": "SOCIAL_MEDIA",
        "success": True,
        "result": {"content": f"Done ({message_id}): your post is scheduled for 10:00."},
        "attempts": 1,
        "windmill_jobs": ["0192f1d2-1111-7000-8000-000000000001"],
        "tokens": {"input": 1200, "output": 300},
        "duration_ms": 2500,
    }
    return {**base, **overrides}


@pytest.fixture
def alice(store: Store) -> str:
    store.register_user("alice", "alice@example.com")
    return "alice"


@pytest.fixture
def bob(store: Store) -> str:
    store.register_user("bob", "bob@example.com")
    return "bob"


# ---------------------------------------------------------------------- migrations


def test_fresh_database_is_migrated_to_the_latest_version(store: Store) -> None:
    assert store.schema_version() == LATEST_VERSION
    # every table the migrations declare exists and is empty for a new person
    store.register_user("carol")
    counts = store.counts("carol")
    assert set(counts) == set(user_tables())
    assert counts["users"] == 1 and counts["tasks"] == 0


def test_migrations_are_idempotent_and_keep_data(open_db: Callable[..., Store]) -> None:
    first = open_db()
    first.register_user("alice")
    first.record_history("alice", entry("m1"))
    first.close()

    again = open_db()
    assert again.schema_version() == LATEST_VERSION
    assert again.migrate() == LATEST_VERSION  # a third run is a no-op too
    assert again.counts("alice")["tasks"] == 1
    with again.transaction("alice", write=False) as tx:
        versions = [r["version"] for r in tx.all("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [m.version for m in MIGRATIONS]


def test_a_new_migration_is_applied_once_on_start(open_db: Callable[..., Store]) -> None:
    open_db().register_user("alice")
    extra = Migration(
        version=LATEST_VERSION + 1,
        name="favourite colour",
        statements=("ALTER TABLE user_context ADD COLUMN colour TEXT",),
    )
    upgraded = open_db(migrations=(*MIGRATIONS, extra))
    assert upgraded.schema_version() == LATEST_VERSION + 1
    # applying it again would fail (duplicate column): reopening must not re-run it
    reopened = open_db(migrations=(*MIGRATIONS, extra))
    assert reopened.schema_version() == LATEST_VERSION + 1
    assert reopened.get_context("alice")["timezone"] == "UTC"


def test_a_database_from_a_newer_release_is_refused(open_db: Callable[..., Store]) -> None:
    extra = Migration(
        version=LATEST_VERSION + 1, name="future", statements=("CREATE TABLE future_t (x TEXT)",)
    )
    open_db(migrations=(*MIGRATIONS, extra)).close()
    with pytest.raises(RuntimeError, match="newer release"):
        open_db()


# ---------------------------------------------------------------------- users and context


def test_register_user_is_idempotent_and_records_the_windmill_folder(store: Store) -> None:
    first = store.register_user("alice", "alice@example.com")
    again = store.register_user("alice")
    assert first["windmill_folder"] == "u/alice"
    assert again["email"] == "alice@example.com"
    assert again["created_at"] == first["created_at"]
    assert store.counts("alice")["users"] == 1


@pytest.mark.parametrize("bad", ["Alice", "1abc", "a/../b", "", "x" * 49, "ali ce"])
def test_invalid_user_ids_are_refused_before_touching_the_database(store: Store, bad: str) -> None:
    with pytest.raises(InvalidUserId):
        store.register_user(bad)
    with pytest.raises(InvalidUserId):
        store.load_context(bad)


def test_an_email_of_another_user_is_refused(store: Store, alice: str) -> None:
    with pytest.raises(InvalidInput, match="already registered"):
        store.register_user("mallory", "alice@example.com")
    assert store.get_user("mallory") is None


def test_preferences_instructions_and_timezone_round_trip(store: Store, alice: str) -> None:
    store.set_context(alice, preferences={"tone": "casual", "platforms": ["twitter"]})
    store.set_context(alice, preferences='{"emoji": false}', merge=True)
    store.set_context(alice, custom_instructions="Always sign posts with -A", timezone="Europe/Paris")
    context = store.get_context(alice)
    assert context["preferences"] == {"tone": "casual", "platforms": ["twitter"], "emoji": False}
    assert context["custom_instructions"] == "Always sign posts with -A"
    assert context["timezone"] == "Europe/Paris"
    store.set_context(alice, preferences={"tone": "formal"})  # without merge: replaced
    assert store.get_context(alice)["preferences"] == {"tone": "formal"}


@pytest.mark.parametrize(
    ("change", "error", "message"),
    [
        ({"preferences": '{"tone": "casual"'}, InvalidInput, "not valid JSON"),
        ({"preferences": "[1, 2]"}, InvalidInput, "must be a JSON object"),
        ({"preferences": {"blob": "x" * MAX_PREFERENCES_BYTES}}, PayloadTooLarge, "limit"),
        ({"custom_instructions": "y" * 9000}, PayloadTooLarge, "limit"),
        ({"timezone": "Mars/Olympus"}, InvalidInput, "unknown timezone"),
        ({"preferences": {"x": float("nan")}}, InvalidInput, "JSON"),
    ],
)
def test_bad_context_input_is_refused_and_changes_nothing(
    store: Store, alice: str, change: dict[str, Any], error: type[Exception], message: str
) -> None:
    store.set_context(alice, preferences={"tone": "casual"}, custom_instructions="hi", timezone="Asia/Tokyo")
    before = store.get_context(alice)
    with pytest.raises(error, match=message):
        store.set_context(alice, **{"custom_instructions": "changed", **change})
    assert store.get_context(alice) == before


def test_merged_preferences_over_the_limit_are_refused(store: Store, alice: str) -> None:
    half = "z" * (MAX_PREFERENCES_BYTES // 2 + 10)
    store.set_context(alice, preferences={"a": half})
    with pytest.raises(PayloadTooLarge):
        store.set_context(alice, preferences={"b": half}, merge=True)
    assert store.get_context(alice)["preferences"] == {"a": half}


def test_unknown_users_get_a_clear_error_and_nothing_is_created(store: Store, alice: str) -> None:
    store.record_history(alice, entry("m1"))
    before = store.counts(alice)
    with pytest.raises(UnknownUser, match="unknown user 'ghost'"):
        store.set_context("ghost", preferences={"a": 1})
    with pytest.raises(UnknownUser):
        store.record_history("ghost", entry("m2"))
    with pytest.raises(UnknownUser):
        store.load_context("ghost")
    with pytest.raises(UnknownUser):
        store.add_learning("ghost", "something")
    assert store.get_user("ghost") is None
    assert store.counts("ghost") == dict.fromkeys(user_tables(), 0)
    assert store.counts(alice) == before


# ---------------------------------------------------------------------- history


def test_record_history_stores_task_session_conversation_and_success(store: Store, alice: str) -> None:
    recorded = store.record_history(
        alice,
        entry(
            "m1",
            windmill_job_id="0192f1d2-0000-7000-8000-00000000f10f",
            learnings=[{"content": "Twitter posts must stay under 280 characters", "tags": ["twitter"]}],
            research=[{"query": "twitter best practices 2025", "findings": [{"url": "https://x.test"}]}],
        ),
    )
    assert recorded["status"] == "success" and not recorded["replaced"]
    counts = store.counts(alice)
    assert counts["tasks"] == 1 and counts["successes"] == 1 and counts["failures"] == 0
    assert counts["learnings"] == 1 and counts["research"] == 1
    assert counts["sessions"] == 1 and counts["conversations"] == 1
    [task] = store.recent_tasks(alice)
    assert task["task_id"] == recorded["task_id"]
    assert task["request"].startswith("Create a Twitter post")
    assert task["summary"] == "Done (m1): your post is scheduled for 10:00."
    assert task["windmill_job_id"] == "0192f1d2-0000-7000-8000-00000000f10f"
    assert (task["skill"], task["status"], task["attempts"], task["duration_ms"]) == (
        "SOCIAL_MEDIA",
        "success",
        1,
        2500,
    )
    messages = store.messages(alice, "sess_1")
    assert [(m["role"], m["id"]) for m in messages] == [("user", "m1"), ("assistant", "m1:answer")]
    assert messages[1]["metadata"]["task_id"] == recorded["task_id"]
    [conversation] = store.conversations(alice)
    assert conversation["title"].startswith("Create a Twitter post")


def test_a_failed_request_records_each_failure(store: Store, alice: str) -> None:
    store.record_history(
        alice,
        entry(
            "m1",
            success=False,
            attempts=3,
            result={"error": "schedule_post returned no schedule path"},
            failures=[
                {"error": f"attempt {i} missing schedule", "attempt": i, "details": {"diff": ["x"]}}
                for i in (1, 2, 3)
            ],
        ),
    )
    store.record_history(alice, entry("m2", success=False, result={"error": "timeout"}))
    counts = store.counts(alice)
    assert counts["failures"] == 4  # three recorded attempts, plus one synthesised from the error
    assert counts["successes"] == 0
    assert [t["status"] for t in store.recent_tasks(alice)] == ["failure", "failure"]


def test_recording_the_same_message_again_replaces_it(store: Store, alice: str) -> None:
    first = store.record_history(
        alice, entry("m1", success=False, failures=[{"error": "bad"}], learnings=[{"content": "first try"}])
    )
    second = store.record_history(alice, entry("m1", learnings=[{"content": "second try worked"}]))
    assert second["task_id"] == first["task_id"] and second["replaced"]
    counts = store.counts(alice)
    assert (counts["tasks"], counts["successes"], counts["failures"], counts["learnings"]) == (1, 1, 0, 1)
    assert [lrn["content"] for lrn in store.relevant_learnings(alice)] == ["second try worked"]
    with store.transaction(alice, write=False) as tx:
        session = tx.one(
            "SELECT task_count, success_count, failure_count FROM sessions WHERE user_id = ?", (alice,)
        )
    assert session == {"task_count": 1, "success_count": 1, "failure_count": 0}
    assert store.success_rate(alice)["SOCIAL_MEDIA"]["total"] == 1

    # re-recorded under another session and skill: the counters move with it
    store.record_history(
        alice, entry("m1", session_id="sess_2", skill="ANALYTICS", success=False, attempts=3)
    )
    with store.transaction(alice, write=False) as tx:
        sessions = tx.all(
            "SELECT id, task_count, success_count, failure_count FROM sessions WHERE user_id = ? ORDER BY id",
            (alice,),
        )
    assert sessions == [
        {"id": "sess_1", "task_count": 0, "success_count": 0, "failure_count": 0},
        {"id": "sess_2", "task_count": 1, "success_count": 0, "failure_count": 1},
    ]
    assert store.success_rate(alice) == {
        "ANALYTICS": {
            "total": 1,
            "successes": 0,
            "failures": 1,
            "rate": 0.0,
            "avg_attempts": 3.0,
            "avg_duration_ms": 2500,
        }
    }


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        ({"result": {"content": "x" * (MAX_JSON_BYTES + 1)}}, PayloadTooLarge),
        ({"request": "r" * 9000}, PayloadTooLarge),
        ({"learnings": [{"content": "c" * 5000}]}, PayloadTooLarge),
        ({"research": [{"query": "q", "findings": ["f" * MAX_JSON_BYTES]}]}, PayloadTooLarge),
        ({"skill": "../../etc"}, InvalidInput),
        ({"attempts": -1}, InvalidInput),
        ({"message_id": "has space"}, InvalidInput),
        ({"learnings": [{"content": "ok", "unexpected": 1}]}, InvalidInput),
        ({"result": {"when": object()}}, InvalidInput),
    ],
)
def test_bad_history_is_refused_and_changes_nothing(
    store: Store, alice: str, overrides: dict[str, Any], error: type[Exception]
) -> None:
    store.record_history(alice, entry("m1"))
    before = store.counts(alice)
    with pytest.raises(error) as caught:
        store.record_history(alice, {**entry("m1"), **overrides})
    assert "history entry refused" in str(caught.value) or "JSON" in str(caught.value)
    assert store.counts(alice) == before
    assert store.recent_tasks(alice)[0]["summary"] == "Done (m1): your post is scheduled for 10:00."


def test_tasks_of_a_period_are_those_asked_in_it(store: Store, alice: str) -> None:
    """ "What did I ask you yesterday?" reads the tasks of [since, until) only."""
    from datetime import UTC, datetime, timedelta

    store.record_history(alice, entry("m1"))
    now = datetime.now(UTC)
    hour = timedelta(hours=1)
    assert [t["message_id"] for t in store.recent_tasks(alice, since=now - hour, until=now + hour)] == ["m1"]
    assert store.recent_tasks(alice, since=now + hour) == []
    assert store.recent_tasks(alice, until=now - hour) == []
    assert store.load_context(alice, since=now + hour)["recent_tasks"] == []


def test_a_conversations_results_are_its_own_newest_successes(store: Store, alice: str, bob: str) -> None:
    """What "post it now" refers to: this person's latest successful results in this conversation."""
    store.record_history(alice, entry("m1", result={"n": 1}))
    store.record_history(alice, entry("m2", result={"n": 2}))
    store.record_history(alice, entry("m3", success=False, result={"n": 3}))  # a failure is no draft
    store.record_history(alice, entry("m4", session_id="sess_2", result={"n": 4}))
    store.record_history(bob, entry("m5", result={"n": 5}))  # the same conversation id, someone else
    assert [r["n"] for r in store.session_results(alice, "sess_1")] == [2, 1]
    assert [r["n"] for r in store.session_results(alice, "sess_1", limit=1)] == [2]
    assert [r["n"] for r in store.session_results(bob, "sess_1")] == [5]
    loaded = store.load_context(alice, session_id="sess_2")
    assert [r["n"] for r in loaded["session_results"]] == [4]
    assert "session_results" not in store.load_context(alice)  # only asked for with a conversation


def test_an_error_midway_through_a_write_rolls_all_of_it_back(
    store: Store, alice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.record_history(alice, entry("m1"))
    before = store.counts(alice)

    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk on fire")

    # the task row and session are written before the messages: all must vanish together
    monkeypatch.setattr(store, "_put_message", explode)
    with pytest.raises(RuntimeError, match="disk on fire"):
        store.record_history(alice, entry("m2", learnings=[{"content": "lost"}]))
    monkeypatch.undo()
    assert store.counts(alice) == before
    store.record_history(alice, entry("m3"))  # the store is still usable
    assert store.counts(alice)["tasks"] == 2


def test_record_histories_writes_many_in_one_transaction(store: Store, alice: str) -> None:
    results = store.record_histories(alice, [entry(f"m{i}", session_id=f"s{i % 3}") for i in range(30)])
    assert len({r["task_id"] for r in results}) == 30
    assert store.counts(alice)["sessions"] == 3
    with pytest.raises(InvalidInput):  # one bad entry refuses the whole batch
        store.record_histories(alice, [entry("m100"), entry("m101", attempts=-5)])
    assert store.counts(alice)["tasks"] == 30


# ---------------------------------------------------------------------- queries for the Brain


def test_recent_tasks_are_newest_first_limited_and_filterable(store: Store, alice: str) -> None:
    for i in range(8):
        store.record_history(alice, entry(f"m{i}", skill="ANALYTICS" if i % 2 else "SOCIAL_MEDIA"))
    recent = store.recent_tasks(alice, limit=5)
    assert [t["message_id"] for t in recent] == ["m7", "m6", "m5", "m4", "m3"]
    assert [t["message_id"] for t in store.recent_tasks(alice, limit=10, skill="ANALYTICS")] == [
        "m7",
        "m5",
        "m3",
        "m1",
    ]
    assert store.recent_tasks(alice, limit=0) == []
    with pytest.raises(InvalidInput):
        store.recent_tasks(alice, limit=-1)


def test_relevant_learnings_rank_tags_then_words_then_recency(store: Store, alice: str) -> None:
    store.add_learning(
        alice, "LinkedIn posts do best on Tuesday mornings", tags=["linkedin"], skill="SOCIAL_MEDIA"
    )
    store.add_learning(alice, "Keep twitter threads short; hashtags at the end", tags=["twitter"])
    store.add_learning(alice, "Revenue reports need a currency column", tags=["reports"], skill="ANALYTICS")
    store.add_learning(alice, "When scheduling a twitter post use the person's timezone")

    found = store.relevant_learnings(alice, "Write a twitter post about AI", skill="SOCIAL_MEDIA", limit=3)
    contents = [lrn["content"] for lrn in found]
    assert contents[0] == "Keep twitter threads short; hashtags at the end"  # tag match beats a word match
    assert "When scheduling a twitter post use the person's timezone" in contents
    assert "Revenue reports need a currency column" not in contents
    assert all(a["score"] >= b["score"] for a, b in itertools.pairwise(found))

    analytics = store.relevant_learnings(alice, "", skill="ANALYTICS")
    assert [lrn["content"] for lrn in analytics] == ["Revenue reports need a currency column"]
    newest = store.relevant_learnings(alice, limit=2)  # nothing to match on: the newest ones
    assert [lrn["content"] for lrn in newest] == [
        "When scheduling a twitter post use the person's timezone",
        "Revenue reports need a currency column",
    ]
    assert store.relevant_learnings(alice, "quantum chromodynamics") == []


def test_success_rate_per_skill(store: Store, alice: str) -> None:
    outcomes = [("SOCIAL_MEDIA", True), ("SOCIAL_MEDIA", True), ("SOCIAL_MEDIA", False), ("ANALYTICS", False)]
    for i, (skill, ok) in enumerate(outcomes):
        store.record_history(
            alice, entry(f"m{i}", skill=skill, success=ok, attempts=i + 1, duration_ms=1000 * (i + 1))
        )
    store.record_history(alice, entry("m9", skill=None))
    stats = store.success_rate(alice)
    assert stats["SOCIAL_MEDIA"] == {
        "total": 3,
        "successes": 2,
        "failures": 1,
        "rate": 0.6667,
        "avg_attempts": 2.0,
        "avg_duration_ms": 2000,
    }
    assert stats["ANALYTICS"]["rate"] == 0.0
    assert stats[""]["total"] == 1
    assert set(store.success_rate(alice, "ANALYTICS")) == {"ANALYTICS"}


def test_load_context_gathers_everything_for_the_planner(store: Store, alice: str) -> None:
    store.set_context(
        alice, preferences={"tone": "witty"}, custom_instructions="No emoji", timezone="America/New_York"
    )
    store.record_history(
        alice,
        entry("m1", learnings=[{"content": "Schedule twitter posts at 9am local", "tags": ["twitter"]}]),
    )
    context = store.load_context(alice, "another twitter post please", "SOCIAL_MEDIA")
    assert context["preferences"] == {"tone": "witty"}
    assert context["custom_instructions"] == "No emoji"
    assert context["timezone"] == "America/New_York"
    assert [t["message_id"] for t in context["recent_tasks"]] == ["m1"]
    assert context["learnings"][0]["content"] == "Schedule twitter posts at 9am local"
    assert context["skill_stats"]["SOCIAL_MEDIA"]["total"] == 1
    json.dumps(context)  # a Windmill step result must be JSON


def test_one_person_never_sees_another_persons_data(store: Store, alice: str, bob: str) -> None:
    store.set_context(bob, preferences={"secret": "bob's"}, custom_instructions="bob only")
    store.record_history(
        bob,
        entry(
            "m1", session_id="shared", learnings=[{"content": "bob's twitter secret", "tags": ["twitter"]}]
        ),
    )
    # alice uses the same session and message ids: ids are per person, nothing collides or leaks
    store.record_history(alice, entry("m1", session_id="shared"))
    context = store.load_context(alice, "twitter", "SOCIAL_MEDIA")
    assert context["preferences"] == {} and context["custom_instructions"] == ""
    assert context["learnings"] == []
    assert [t["task_id"] for t in context["recent_tasks"]] != [t["task_id"] for t in store.recent_tasks(bob)]
    assert [m["content"] for m in store.messages(alice, "shared") if m["role"] == "user"] == [
        entry("m1")["request"]
    ]
    assert store.success_rate(alice)["SOCIAL_MEDIA"]["total"] == 1
    assert store.counts(bob)["learnings"] == 1 and store.counts(alice)["learnings"] == 0


def test_add_message_and_conversation_listing(store: Store, alice: str) -> None:
    store.add_message(alice, "s1", "u1", "user", "hello")
    store.add_message(alice, "s1", "a1", "assistant", "hi there", {"model": "offline"})
    store.add_message(alice, "s2", "u2", "user", "second conversation")
    assert [m["content"] for m in store.messages(alice, "s1")] == ["hello", "hi there"]
    assert store.messages(alice, "s1")[1]["metadata"] == {"model": "offline"}
    assert {c["id"] for c in store.conversations(alice)} == {"s1", "s2"}
    with pytest.raises(InvalidInput):
        store.add_message(alice, "s1", "u3", "root", "x")
    with pytest.raises(StoreError):
        store.add_message(alice, "s1", "u3", "user", "x" * 9000)


def test_an_old_rare_learning_is_still_found_among_many_newer_common_ones(store: Store, alice: str) -> None:
    store.add_learning(alice, "Cluster deploys need the staging context first", tags=["kubernetes"])
    many = [
        entry(f"m{i}", learnings=[{"content": f"twitter tip number {i}-{j}"} for j in range(50)])
        for i in range(5)
    ]
    store.record_histories(alice, many)  # 250 newer learnings sharing the word "twitter"
    found = store.relevant_learnings(alice, "twitter and kubernetes", limit=3)
    assert found[0]["content"] == "Cluster deploys need the staging context first"
    newest = store.relevant_learnings(alice, "twitter", limit=2)
    assert all(lrn["content"].startswith("twitter tip number 4-") for lrn in newest)  # the latest request's


def test_concurrent_starts_and_writers_neither_fail_nor_lose_writes(
    db_config: dict[str, Any], open_db: Callable[..., Store]
) -> None:
    """Parallel Windmill jobs: each opens its own store (racing migrations) and records at once."""
    from concurrent.futures import ThreadPoolExecutor

    from f.openanalyst.lib.store.connect import open_store

    def job(n: int) -> int:
        config = dict(db_config)
        with open_store(config.pop("db"), **config) as own:
            own.register_user("alice")
            for i in range(5):
                own.record_history("alice", entry(f"w{n}_{i}", session_id=f"s{n}"))
            return own.schema_version()

    with ThreadPoolExecutor(max_workers=4) as pool:
        versions = list(pool.map(job, range(4)))
    assert versions == [LATEST_VERSION] * 4
    store = open_db()
    assert store.counts("alice")["tasks"] == 20
    assert store.success_rate("alice")["SOCIAL_MEDIA"]["total"] == 20
    with store.transaction("alice", write=False) as tx:
        assert tx.one("SELECT COUNT(*) AS n FROM schema_migrations") == {"n": len(MIGRATIONS)}


def test_the_sqlite_file_is_created_on_first_use_and_private(tmp_path: Path) -> None:
    import stat

    from f.openanalyst.lib.store.connect import open_store

    path = tmp_path / "new" / "dir" / "openanalyst.sqlite3"
    with open_store(None, sqlite_path=path) as store:
        store.register_user("alice")
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        with store.transaction("alice", write=False) as tx:
            assert tx.one("PRAGMA journal_mode") == {"journal_mode": "wal"}


def test_a_context_change_is_recorded_with_its_request_or_not_at_all(store: Store, alice: str) -> None:
    store.set_context(alice, preferences={"tone": "casual"})
    recorded = store.record_history(
        alice,
        entry("m1", context_update={"timezone": "Europe/Berlin", "preferences": {"emoji": False}}),
    )
    assert recorded["context_updated"]
    context = store.get_context(alice)
    assert context["timezone"] == "Europe/Berlin"
    assert context["preferences"] == {"tone": "casual", "emoji": False}

    before = store.counts(alice)
    with pytest.raises(InvalidInput, match="unknown timezone"):
        store.record_history(alice, entry("m2", context_update={"timezone": "EST5EDT-ish"}))
    with pytest.raises(InvalidInput, match="not valid JSON"):
        store.record_history(alice, entry("m3", context_update={"preferences": "{not json"}))
    assert store.counts(alice) == before
    assert store.get_context(alice) == context

    store.record_history(alice, entry("m4", context_update={"preferences": '{"emoji": true}'}))
    assert store.get_context(alice)["preferences"] == {"tone": "casual", "emoji": True}


def test_forget_user_removes_everything_of_that_person_only(store: Store, alice: str, bob: str) -> None:
    for person in (alice, bob):
        store.set_context(person, preferences={"tone": "dry"})
        store.record_history(
            person,
            entry(
                "m1",
                success=False,
                failures=[{"error": "x"}],
                learnings=[{"content": "twitter learning", "tags": ["twitter"]}],
                research=[{"query": "q"}],
            ),
        )
        store.record_history(person, entry("m2"))
    bobs = store.counts(bob)
    removed = store.forget_user(alice)
    assert removed["tasks"] == 2 and removed["learning_terms"] > 0
    assert store.counts(alice) == dict.fromkeys(user_tables(), 0)
    assert store.counts(bob) == bobs
    with pytest.raises(UnknownUser):
        store.forget_user(alice)
