"""The timezone a person's browser reports: used when they have none stored, recorded as theirs the
first time, and never over one they set ("set my timezone to ...").

The steps' main() against a real SQLite store, then the handle_request flow on the dev runtime as
the chat page starts it (flow input `timezone`), offline."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import f.openanalyst.brain.analyze_intent as analyze_intent
import f.openanalyst.brain.respond as respond
import f.openanalyst.lib.contracts as contracts
import f.openanalyst.lib.planning.offline as offline
from f.openanalyst.lib.store.connect import open_store
from tests.brain.scenarios import finish, run_request

NOON_THURSDAY = "Write a tweet about our bakery and schedule it for Thursday at noon"


@pytest.fixture
def store_path(tmp_path, monkeypatch, offline_env):
    path = tmp_path / "people.sqlite3"
    monkeypatch.setenv("OPENANALYST_SQLITE_PATH", str(path))
    return path


def stored_timezone(user: str) -> str:
    with open_store() as store:
        return store.get_context(user)["timezone"]


# ---------------------------------------------------------------------- analyze_intent


def test_with_none_stored_the_browser_timezone_reads_the_time(store_path):
    understood = analyze_intent.main("dora", NOON_THURSDAY, browser_timezone="Europe/Paris")
    context, entities = understood["context"], understood["intent"]["entities"]
    assert context["timezone"] == "Europe/Paris" and context["timezone_source"] == "browser"
    assert entities["timezone"] == "Europe/Paris"
    when = datetime.fromisoformat(entities["time"])
    assert (when.hour, when.minute) == (12, 0) and when.utcoffset().total_seconds() in (3600, 7200)
    assert when.strftime("%A") == "Thursday"


def test_a_stored_timezone_wins_over_the_browser(store_path):
    with open_store() as store:
        store.register_user("dora")
        store.set_context("dora", timezone="America/New_York")
    understood = analyze_intent.main("dora", NOON_THURSDAY, browser_timezone="Europe/Paris")
    assert understood["context"]["timezone"] == "America/New_York"
    assert understood["context"]["timezone_source"] == "stored"
    assert understood["intent"]["entities"]["timezone"] == "America/New_York"
    assert datetime.fromisoformat(understood["intent"]["entities"]["time"]).hour == 12


def test_utc_chosen_by_the_person_wins_too(store_path):
    """The store's UTC means "never chosen"; "set my timezone to UTC" is kept as Etc/UTC."""
    update = offline.context_update({"timezone": "UTC"}, {"timezone": "UTC"})
    assert update == {"timezone": "Etc/UTC"}
    with open_store() as store:
        store.register_user("dora")
        store.set_context("dora", timezone=update["timezone"])
    understood = analyze_intent.main("dora", NOON_THURSDAY, browser_timezone="Europe/Paris")
    assert understood["intent"]["entities"]["timezone"] == "Etc/UTC"


@pytest.mark.parametrize("reported", ["Mars/Olympus", "../../etc/passwd", "UTC", "localtime", "", "$var:x"])
def test_a_browser_timezone_that_is_not_a_real_place_is_ignored(store_path, reported):
    understood = analyze_intent.main("dora", NOON_THURSDAY, browser_timezone=reported)
    assert understood["context"]["timezone"] == "UTC" and understood["context"]["timezone_source"] is None
    assert understood["intent"]["entities"]["timezone"] == "UTC"


# ---------------------------------------------------------------------- respond


def conclusion(**fields) -> contracts.Conclusion:
    return contracts.Conclusion(**{"success": True, "skill": "SOCIAL_MEDIA", "content": "Done.", **fields})


def browser_context(zone: str = "Europe/Paris") -> contracts.Context:
    return contracts.Context(user_id="dora", timezone=zone, timezone_source="browser")


def test_respond_records_the_browser_timezone_and_says_so_when_it_scheduled():
    outputs = {"schedule": {"schedule_path": "u/dora/schedules/post", "timezone": "Europe/Paris"}}
    text = f"Scheduled for Thursday 10 December 2026, 12:00 (Europe/Paris).\n\n{offline_note()}"
    done = respond.with_browser_timezone(
        conclusion(content=text, result={"outputs": outputs}), browser_context()
    )
    assert done.context_update == {"timezone": "Europe/Paris"}
    assert "Europe/Paris, the timezone your browser reports" in done.content
    assert done.content.endswith(offline_note())  # the note stays last
    # nothing scheduled: recorded all the same, nothing said
    plain = respond.with_browser_timezone(conclusion(), browser_context())
    assert plain.context_update == {"timezone": "Europe/Paris"} and plain.content == "Done."


def test_respond_keeps_what_the_person_set_in_the_same_request():
    said = conclusion(context_update={"timezone": "America/New_York"})
    assert respond.with_browser_timezone(said, browser_context()) == said
    stored = contracts.Context(user_id="dora", timezone="Asia/Tokyo", timezone_source="stored")
    assert respond.with_browser_timezone(conclusion(), stored).context_update is None
    assert respond.with_browser_timezone(conclusion(), None).context_update is None


def test_naming_the_browser_timezone_makes_it_the_persons():
    context = {"timezone": "Europe/Paris", "timezone_source": "browser"}
    assert offline.context_update({"timezone": "Europe/Paris"}, context) == {"timezone": "Europe/Paris"}
    stored = {"timezone": "Europe/Paris", "timezone_source": "stored"}
    assert offline.context_update({"timezone": "Europe/Paris"}, stored) == {}


def offline_note() -> str:
    from f.openanalyst.lib.planning.outcome import OFFLINE_NOTE

    return OFFLINE_NOTE


# ---------------------------------------------------------------------- the flow


SCHEDULED = re.compile(
    r"Scheduled for (\w+) (\d+ \w+ \d{4}, \d\d:\d\d) \(([\w/]+)\) as `(u/\w+/schedules/\w+)`"
)


def scheduled(content: str) -> tuple[str, tuple[int, int], str, str]:
    found = SCHEDULED.search(content)
    assert found, content
    when = datetime.strptime(found.group(2), "%d %B %Y, %H:%M")
    return found.group(1), (when.hour, when.minute), found.group(3), found.group(4)


@pytest.mark.timeout(600)
def test_the_flow_schedules_in_the_browser_timezone_and_keeps_it(dev_runtime, hub, no_model):
    # 1. No timezone stored: the browser's reads "Thursday at noon", and becomes the person's.
    job, _ = run_request(dev_runtime, NOON_THURSDAY, user="dora", timezone="Europe/Paris")
    content = finish(dev_runtime, job)["content"]
    day, at, zone, path = scheduled(content)
    assert (day, at, zone) == ("Thursday", (12, 0), "Europe/Paris"), content
    assert "Times are in Europe/Paris, the timezone your browser reports" in content
    schedule = dev_runtime.client.get(f"{dev_runtime.api}/schedules/get/{path}").json()
    assert schedule["timezone"] == "Europe/Paris" and schedule["schedule"].startswith("0 0 12 "), schedule
    assert stored_timezone("dora") == "Europe/Paris"

    # 2. From a browser elsewhere: the stored one wins, and nothing more is said about it.
    job, _ = run_request(dev_runtime, NOON_THURSDAY, user="dora", timezone="America/New_York")
    content = finish(dev_runtime, job)["content"]
    assert scheduled(content)[1:3] == ((12, 0), "Europe/Paris") and "browser" not in content
    assert stored_timezone("dora") == "Europe/Paris"

    # 3. What the person says wins over any browser.
    job, _ = run_request(dev_runtime, "set my timezone to Asia/Tokyo", user="dora", timezone="Europe/Paris")
    assert "timezone: Europe/Paris -> Asia/Tokyo" in finish(dev_runtime, job)["content"]
    assert stored_timezone("dora") == "Asia/Tokyo"
    job, _ = run_request(dev_runtime, NOON_THURSDAY, user="dora", timezone="Europe/Paris")
    assert scheduled(finish(dev_runtime, job)["content"])[1:3] == ((12, 0), "Asia/Tokyo")


@pytest.mark.timeout(600)
def test_the_flow_a_first_request_setting_a_timezone_beats_the_browser(dev_runtime, hub, no_model):
    job, _ = run_request(
        dev_runtime, "set my timezone to America/New_York", user="erin", timezone="Europe/Paris"
    )
    content = finish(dev_runtime, job)["content"]
    assert "timezone: Europe/Paris (from your browser) -> America/New_York" in content, content
    assert stored_timezone("erin") == "America/New_York"


@pytest.mark.timeout(600)
def test_the_flow_ignores_a_timezone_that_is_not_real(dev_runtime, hub, no_model):
    job, _ = run_request(dev_runtime, NOON_THURSDAY, user="fern", timezone="Mars/Olympus_Mons")
    content = finish(dev_runtime, job)["content"]
    assert scheduled(content)[1:3] == ((12, 0), "UTC") and "browser" not in content, content
    assert stored_timezone("fern") == "UTC"  # still never chosen
