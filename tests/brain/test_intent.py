from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from f.openanalyst.lib import intent

NOW = datetime(2026, 11, 21, 15, 30, tzinfo=ZoneInfo("America/New_York"))


def test_seed_example_is_create_and_schedule_for_tomorrow_morning_in_the_persons_zone():
    found = intent.extract(
        "Create a Twitter post about AI trends and schedule it for tomorrow", "America/New_York", NOW
    )
    assert found.name == "create_and_schedule"
    assert found.entities.platform == "twitter"
    assert found.entities.topic == "AI trends"
    assert found.entities.time == "2026-11-22T09:00:00-05:00"
    assert found.source == "rules"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9am", "2026-11-22T09:00:00-05:00"),
        ("tomorrow at 5:30pm", "2026-11-22T17:30:00-05:00"),
        ("next tuesday 10am", "2026-11-24T10:00:00-05:00"),
        ("at 9am", "2026-11-22T09:00:00-05:00"),  # already past today: the next one
        ("in 2 hours", "2026-11-21T17:30:00-05:00"),
        ("2026-12-01 14:00", "2026-12-01T14:00:00-05:00"),
    ],
)
def test_times_resolve_in_the_persons_timezone(text, expected):
    assert intent.resolve_time(text, "America/New_York", NOW).isoformat() == expected


def test_unknown_timezone_falls_back_to_utc():
    assert intent.resolve_time("tomorrow 9am", "Mars/Olympus", NOW).isoformat() == "2026-11-22T09:00:00+00:00"


def test_help_linkedin_and_named_scripts():
    assert intent.extract("help", None).name == "help"
    post = intent.extract("Write a LinkedIn post about our Q3 launch", "UTC", NOW)
    assert (post.name, post.entities.platform, post.entities.topic) == (
        "create_post",
        "linkedin",
        "our Q3 launch",
    )
    named = intent.extract("please run u/bob/scripts/export_all now", "UTC", NOW)
    assert named.entities.extra["scripts_named"] == ["u/bob/scripts/export_all"]
    assert named.entities.time is None


def test_model_refinement_only_fills_what_rules_left_open():
    rules = intent.extract("hmm, something for my followers on linkedin", "UTC", NOW)
    assert rules.confidence < 0.6
    refined = intent.Intent(
        name="create_post",
        confidence=0.8,
        source="model",
        entities=intent.Entities(platform="twitter", topic="followers"),
    )
    merged = intent.merge(rules, refined)
    assert merged.name == "create_post" and merged.source == "model"
    assert merged.entities.platform == "linkedin"  # the rules saw it; the model does not override
    assert merged.entities.topic == "followers"
