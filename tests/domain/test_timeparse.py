"""lib/timeparse: natural and ISO times resolved in the person's timezone; 6-field cron."""

from __future__ import annotations

import datetime as dt

import pytest

from f.openanalyst.lib.timeparse import TimeParseError, find_period, find_time, resolve, to_cron

# Saturday 21 November 2026, 10:30 UTC = 05:30 in New York (EST, UTC-5).
NOW = dt.datetime(2026, 11, 21, 10, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "tz", "expected", "explicit"),
    [
        ("tomorrow 9am", "America/New_York", "2026-11-22T09:00:00-05:00", True),
        ("tomorrow", "America/New_York", "2026-11-22T09:00:00-05:00", False),
        ("next monday at 14:30", "Europe/Paris", "2026-11-23T14:30:00+01:00", True),
        ("friday 5:30pm", "UTC", "2026-11-27T17:30:00+00:00", True),
        ("in 2 hours", "Asia/Tokyo", "2026-11-21T21:30:00+09:00", True),
        ("at 3pm", "America/New_York", "2026-11-21T15:00:00-05:00", True),
        ("at 4am", "America/New_York", "2026-11-22T04:00:00-05:00", True),  # already past today
        ("Dec 5 at 9am", "UTC", "2026-12-05T09:00:00+00:00", True),
        ("5th of january", "UTC", "2027-01-05T09:00:00+00:00", False),
        ("2026-12-01T09:00", "Europe/Paris", "2026-12-01T09:00:00+01:00", True),
        ("2026-12-01T09:00:00Z", "Europe/Paris", "2026-12-01T10:00:00+01:00", True),
        ("tonight", "UTC", "2026-11-21T20:00:00+00:00", True),
        ("tomorrow at 5", "UTC", "2026-11-22T17:00:00+00:00", True),
        ("monday at 10 o'clock", "UTC", "2026-11-23T10:00:00+00:00", True),
        ("next week", "UTC", "2026-11-23T09:00:00+00:00", False),
        ("this weekend at 11am", "UTC", "2026-11-21T11:00:00+00:00", True),
        ("in 30 mins", "UTC", "2026-11-21T11:00:00+00:00", True),
    ],
)
def test_resolves_in_the_persons_timezone(text, tz, expected, explicit):
    got = resolve(text, tz, NOW)
    assert got.when.isoformat() == expected
    assert got.explicit_time is explicit


def test_find_time_scans_a_whole_request():
    found = find_time("Create a Twitter post about AI trends and schedule it for tomorrow", "UTC", NOW)
    assert found is not None and found.text == "tomorrow" and found.when.hour == 9
    assert find_time("Write a post about AI", "UTC", NOW) is None


def test_daylight_saving_is_respected():
    # 29 March 2026: Paris switches to CEST (UTC+2); "tomorrow 9am" on the 28th is 07:00 UTC.
    got = resolve("tomorrow 9am", "Europe/Paris", dt.datetime(2026, 3, 28, 12, 0, tzinfo=dt.UTC))
    assert got.when.astimezone(dt.UTC).isoformat() == "2026-03-29T07:00:00+00:00"


def test_unknown_inputs_say_what_to_write():
    with pytest.raises(TimeParseError, match="tomorrow 9am"):
        resolve("whenever you like", "UTC", NOW)
    with pytest.raises(TimeParseError, match="IANA"):
        resolve("tomorrow", "Mars/Olympus", NOW)
    with pytest.raises(TimeParseError, match="valid hour"):
        resolve("tomorrow 13pm", "UTC", NOW)


def test_cron_has_six_fields_seconds_first():
    assert to_cron(dt.datetime(2026, 11, 22, 9, 5, 7)) == "7 5 9 22 11 *"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("post it at 3pm EST", "2026-11-21T15:00:00-05:00"),
        ("tomorrow 9am London time", "2026-11-22T09:00:00+00:00"),
        ("at 10:00 CET", "2026-11-22T10:00:00+01:00"),  # 10:00 Paris has passed (11:30 there)
        ("friday at 5pm PT", "2026-11-27T17:00:00-08:00"),
        (
            "at 3pm about our AI plans",
            "2026-11-22T15:00:00+09:00",
        ),  # no zone said: the person's (passed today)
    ],
)
def test_a_zone_said_beside_the_time_is_the_one_meant(text, expected):
    found = find_time(text, "Asia/Tokyo", NOW)
    assert found is not None and found.when == dt.datetime.fromisoformat(expected)


def test_summer_time_applies_to_the_zone_said():
    july = dt.datetime(2026, 7, 1, 8, 0, tzinfo=dt.UTC)
    found = find_time("at 3pm EST", "UTC", july)  # people write EST all year round
    assert found is not None and found.when == dt.datetime(2026, 7, 1, 19, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected", "past"),
    [
        # NOW is Saturday 21 November 2026, 10:30 UTC
        ("Post on Instagram tonight at 8", "2026-11-21 20:00", False),  # was 08:00, already gone
        ("this evening at 7", "2026-11-21 19:00", False),
        ("tomorrow night at 9:30", "2026-11-22 21:30", False),
        ("tomorrow morning at 8", "2026-11-22 08:00", False),
        ("schedule it for the 25th at noon", "2026-11-25 12:00", False),
        ("on the 3rd at 3pm", "2026-12-03 15:00", False),  # the 3rd of this month has passed
        ("today at 9am", "2026-11-21 09:00", True),  # said, not moved: the person is asked again
    ],
)
def test_evenings_and_days_of_the_month_are_read_as_meant(text, expected, past):
    found = find_time(text, "UTC", NOW)
    assert found is not None and found.when.strftime("%Y-%m-%d %H:%M") == expected, found
    assert found.past is past


@pytest.mark.parametrize("text", ["our 5th anniversary", "the 3rd quarter results", "the 21st century"])
def test_an_ordinal_that_is_no_date_is_left_alone(text):
    assert find_time(text, "UTC", NOW) is None


@pytest.mark.parametrize(
    ("text", "start", "days"),
    [
        ("what did I ask you yesterday?", "2026-11-20", 1),
        ("my tasks today", "2026-11-21", 1),
        ("what did you do for me this week", "2026-11-16", 7),  # Monday to Sunday
        ("what did I ask last week", "2026-11-09", 7),
        ("what did I ask you on friday?", "2026-11-20", 1),  # the latest Friday
        ("what did I ask on saturday", "2026-11-21", 1),  # today is a Saturday
        ("what did I ask last saturday", "2026-11-14", 1),  # "last": before today
    ],
)
def test_a_question_about_the_past_names_whole_days_in_the_persons_zone(text, start, days):
    span = find_period(text, "Europe/Paris", NOW)
    assert span is not None
    assert span.start == dt.datetime.fromisoformat(start).replace(tzinfo=span.start.tzinfo)
    assert str(span.start.tzinfo) == "Europe/Paris" and span.start.hour == 0
    assert (span.end.date() - span.start.date()).days == days and span.end.hour == 0


def test_a_day_across_a_clock_change_is_still_one_calendar_day():
    # Paris leaves summer time on Sunday 25 October 2026: that day has 25 hours
    span = find_period(
        "what did I ask yesterday", "Europe/Paris", dt.datetime(2026, 10, 26, 12, tzinfo=dt.UTC)
    )
    assert span is not None and span.end.astimezone(dt.UTC) - span.start.astimezone(dt.UTC) == dt.timedelta(
        hours=25
    )
    assert find_period("write a post about our week", "UTC", NOW) is None
