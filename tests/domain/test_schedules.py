"""lib/schedules: 6-field cron validation, recurrence in words, the next run in a timezone."""

from __future__ import annotations

import datetime as dt

import pytest

from f.openanalyst.lib.schedules import (
    InvalidSchedule,
    describe_cron,
    next_run,
    recurrence_to_cron,
    validate_cron,
)

NOW = dt.datetime(2026, 11, 21, 10, 30, tzinfo=dt.UTC)  # Saturday


@pytest.mark.parametrize(
    ("text", "cron"),
    [
        ("every day at 9am", "0 0 9 * * *"),
        ("weekdays at 8:30", "0 30 8 * * 1-5"),
        ("every monday and friday at 17:00", "0 0 17 * * 1,5"),
        ("every 15 minutes", "0 */15 * * * *"),
        ("hourly", "0 0 * * * *"),
        ("every month on the 1st at 9", "0 0 9 1 * *"),
        ("every weekend at 10am", "0 0 10 * * 0,6"),
        ("0 9 * * *", "0 0 9 * * *"),
        ("0 0 9 * * mon", "0 0 9 * * mon"),
        ("every day at 8am and 8pm", "0 0 8,20 * * *"),
    ],
)
def test_recurrence_in_words_or_cron(text, cron):
    assert recurrence_to_cron(text) == cron


def test_several_times_a_day_are_one_schedule_said_in_words_or_asked_for_apart():
    assert describe_cron("0 0 8,20 * * *") == "every day at 08:00 and 20:00"
    assert next_run("0 0 8,20 * * *", "UTC", NOW) == dt.datetime(2026, 11, 21, 20, 0, tzinfo=dt.UTC)
    with pytest.raises(InvalidSchedule, match="need a schedule each"):
        recurrence_to_cron("daily at 8:00 and 20:30")


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 0 9 * *", "5 fields"),
        ("61 0 9 * * *", "second '61'"),
        ("0 0 9 * 13 *", "month '13'"),
        ("0 0 9 * * 1-0", "reversed"),
        ("0 */0 * * * *", "at least 1"),
        ("0 0 9 ? * *", "not valid cron"),
    ],
)
def test_invalid_cron_says_which_field(cron, message):
    with pytest.raises(InvalidSchedule, match=message):
        validate_cron(cron)


def test_next_run_in_the_schedules_timezone():
    assert next_run("0 0 9 * * 1-5", "Europe/Paris", NOW).isoformat() == "2026-11-23T09:00:00+01:00"
    assert next_run("0 */15 * * * *", "UTC", NOW).isoformat() == "2026-11-21T10:45:00+00:00"
    # Vixie semantics: with both day fields restricted, either matches (the 1st, or any Monday).
    assert next_run("0 0 9 1 * 1", "UTC", NOW).isoformat() == "2026-11-23T09:00:00+00:00"
    # Across the DST change: 09:00 Paris is 08:00 UTC in March 27, 07:00 UTC after the 29th.
    spring = dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC)
    assert next_run("0 0 9 * * *", "Europe/Paris", spring).astimezone(dt.UTC).hour == 7
    assert next_run("0 0 9 30 2 *", "UTC", NOW) is None  # 30 February never comes
