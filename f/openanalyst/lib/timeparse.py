# extra_requirements:
# dateparser
"""Resolve the times people write ("tomorrow 9am", "next friday at 14:30", "in 2 hours",
ISO 8601, "yesterday at 3pm", "demain à 9h") into timezone-aware datetimes in the person's
timezone, and turn one moment into Windmill's 6-field cron (seconds first).

Used by `social/schedule_post` and by the brain's intent step (`find_time` scans a whole
request). The common English forms are matched by the rules below (they decide what a bare
"tomorrow" or "at 5" means); everything else (past times, other languages, written-out dates)
goes to dateparser (https://dateparser.readthedocs.io), searched in the person's timezone. A
time in the past is returned as such (`Resolved.past`): callers question it, never move it.
"""

from __future__ import annotations

import calendar
import dataclasses
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_HOUR = 9  # "tomorrow" alone means the start of a working day
_PARTS_OF_DAY = {
    "morning": 9,
    "noon": 12,
    "midday": 12,
    "afternoon": 14,
    "evening": 18,
    "tonight": 20,
    "night": 20,
    "midnight": 0,
}
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_WEEKDAY_RE = r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?"
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH_RE = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_UNITS = {"minute": 60, "min": 60, "hour": 3600, "hr": 3600, "day": 86400, "week": 604800}

_ISO_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b")
_RELATIVE_RE = re.compile(r"\bin\s+(\d{1,4}|an?|one)\s+(minute|min|hour|hr|day|week)s?\b")
_TIME_RE = re.compile(
    r"\b(?:at\s+)?(?:(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)|([01]?\d|2[0-3]):([0-5]\d)(?!\d))"
)
_DAY_RE = re.compile(
    rf"\b(day after tomorrow|tomorrow|today|tonight|next week|(?:this\s+)?weekend|"
    rf"(?:(next|this|on)\s+)?({_WEEKDAY_RE}))\b"
)
# "at 5" / "at 9 o'clock": a bare hour; 1-6 read as afternoon (nobody posts at 5am by default).
_BARE_HOUR_RE = re.compile(r"\bat\s+(\d{1,2})(?:\s*o'?clock)?\b(?![:.]\d)")
_MONTHDAY_RE = re.compile(
    rf"\b(?:({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?|(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH_RE}))"
    rf"(?:,?\s+(\d{{4}}))?\b"
)
_PART_RE = re.compile(r"\b(morning|noon|midday|afternoon|evening|night|midnight)\b")
# "tonight at 8", "this evening at 7", "tomorrow night at 9:30": an hour without am/pm after noon.
_LATE_RE = re.compile(r"\b(tonight|afternoon|evening|night)\b")
# "the 15th", "on the 3rd": a day of this month (of the next once it has passed).
# Not "our 5th anniversary" nor "the 3rd quarter": "the"/"on" before it and nothing but a time,
# a part of the day or the end of the clause after it.
_ORDINAL_DAY_RE = re.compile(
    r"\b(?:on\s+the|on|the)\s+([12]?\d|3[01])(?:st|nd|rd|th)\b"
    r"(?=\s*(?:$|[,.;:!?)]|(?:at|@|by|around)\b|\d"
    r"|(?:in the\s+)?(?:morning|noon|midday|afternoon|evening|night)\b))"
)


class TimeParseError(ValueError):
    """A time that cannot be understood, or a timezone that does not exist."""


@dataclass(frozen=True)
class Resolved:
    when: dt.datetime  # aware, in the person's timezone
    text: str  # the part of the input that named the time
    explicit_time: bool  # False when a default hour was assumed
    past: bool = False  # the time has already passed (to be questioned, never moved)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo((name or "UTC").strip())
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeParseError(
            f"unknown timezone {name!r}: use an IANA name such as 'Europe/Paris' or 'America/New_York'"
        ) from exc


def _hour(h: int, minute: int, ampm: str | None) -> tuple[int, int]:
    if ampm:
        if not 1 <= h <= 12:
            raise TimeParseError(f"{h}{ampm} is not a valid hour")
        h = h % 12 + (12 if ampm.startswith("p") else 0)
    return h, minute


def _weekday_index(word: str) -> int:
    return next(i for i, name in enumerate(_WEEKDAYS) if name.startswith(word[:3]))


def _month_index(word: str) -> int:
    return _MONTHS.index(word[:3]) + 1


def parse_clock(text: str) -> tuple[int, int] | None:
    """The time of day named in `text` ("9am", "14:30", "at 5", "noon", "evening"), or None."""
    low = text.lower()
    if m := _TIME_RE.search(low):
        if m.group(3):
            return _hour(int(m.group(1)), int(m.group(2) or 0), m.group(3).replace(".", ""))
        return int(m.group(4)), int(m.group(5))
    if (m := _BARE_HOUR_RE.search(low)) and 0 <= int(m.group(1)) <= 23:
        h = int(m.group(1))
        return (h + 12 if 1 <= h <= 6 else h, 0)
    if m := _PART_RE.search(low):
        return _PARTS_OF_DAY[m.group(1)], 0
    return None


def parse_clocks(text: str) -> list[tuple[int, int]]:
    """Every written time of day in `text`, in order ("at 8am and 8pm" -> [(8, 0), (20, 0)]); a
    bare hour or a part of the day alone counts as one (see parse_clock)."""
    low = text.lower()
    found = []
    for m in _TIME_RE.finditer(low):
        if m.group(3):
            found.append(_hour(int(m.group(1)), int(m.group(2) or 0), m.group(3).replace(".", "")))
        else:
            found.append((int(m.group(4)), int(m.group(5))))
    if not found and (one := parse_clock(text)):
        found.append(one)
    return list(dict.fromkeys(found))


def is_part_of_day(text: str) -> bool:
    """Whether `text` is only a part of the day ("evening"): in a whole request such a word is
    more often a topic ("a post about evening routines") than a time."""
    return bool(_PART_RE.fullmatch(text.strip().lower()))


# Words that point back in time: the rules below only look ahead, so these go to dateparser.
_PAST_RE = re.compile(r"\b(yesterday|ago|last\s+(?:week|night|month|" + _WEEKDAY_RE + r"))\b", re.I)
# Languages dateparser may read a request in (English first); more cost more time per search.
LANGUAGES = ["en", "fr", "de", "es", "it", "pt", "nl"]
# dateparser reads many words as dates ("set" = September, "Sam" = Saturday, "by 30%"): in free
# text a span counts only when it names a day in words people use for one, or a clock time.
_DAY_WORDS = {
    "yesterday",
    "ago",
    "last",
    "demain",
    "après-demain",
    "aujourd'hui",
    "hier",
    "morgen",
    "übermorgen",
    "heute",
    "gestern",
    "mañana",
    "hoy",
    "ayer",
    "domani",
    "oggi",
    "ieri",
    "amanhã",
    "hoje",
    "ontem",
    "vandaag",
    "gisteren",
}
_CLOCK_RE = re.compile(r"\d{1,2}\s*(?:h|uhr|heures?|am|pm)\b|\b\d{1,2}:\d{2}\b", re.I)


def _names_a_time(span: str) -> bool:
    words = set(re.findall(r"[\w'-]+", span.lower()))
    return bool(words & _DAY_WORDS or _CLOCK_RE.search(span))


def _dateparser_time(text: str, tz: ZoneInfo, now: dt.datetime) -> Resolved | None:
    """dateparser's search over `text` in the person's timezone: the first span that names a
    day or an hour (not a lone number or word such as "now")."""
    settings = {
        "TIMEZONE": str(tz),
        "TO_TIMEZONE": str(tz),
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": now.replace(tzinfo=None),
    }
    if not _names_a_time(text):
        return None  # no part of it could pass the filter below: no need to load dateparser
    # Imported here: loading dateparser's language data costs a process 0.3-0.6 s, and the rules
    # above answer the common requests without it.
    from dateparser.search import search_dates

    try:
        found = search_dates(text, languages=LANGUAGES, settings=settings) or []
    except Exception:  # dateparser gives up on odd input; a request without a time is fine
        return None
    for span, value in found:
        if not _names_a_time(span):
            continue
        when = value.astimezone(tz).replace(microsecond=0)
        # dateparser fills a missing hour with the current one: a day alone means the start
        # of the working day, as in the rules above.
        explicit = bool(re.search(r"\d", span)) and (when.hour, when.minute) != (now.hour, now.minute)
        if not explicit:
            when = when.replace(hour=DEFAULT_HOUR, minute=0, second=0)
        return Resolved(when, span, explicit, past=when < now)
    return None


# A zone said beside the time ("3pm EST", "9:00 CET"): the abbreviations people write, as the IANA
# zones they mean, so summer time is applied (EST in July is New York's EDT, as the person meant).
_ABBREVIATIONS = {
    "utc": "UTC",
    "gmt": "UTC",
    "et": "America/New_York",
    "est": "America/New_York",
    "edt": "America/New_York",
    "ct": "America/Chicago",
    "cst": "America/Chicago",
    "cdt": "America/Chicago",
    "mt": "America/Denver",
    "mst": "America/Denver",
    "mdt": "America/Denver",
    "pt": "America/Los_Angeles",
    "pst": "America/Los_Angeles",
    "pdt": "America/Los_Angeles",
    "bst": "Europe/London",
    "cet": "Europe/Paris",
    "cest": "Europe/Paris",
    "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo",
    "aest": "Australia/Sydney",
    "aedt": "Australia/Sydney",
}
_STATED_ZONE_RE = re.compile(
    r"(?:\d|am|pm|noon|midnight)\s*\(?(?!(?:am|pm)\b)(?P<abbr>[A-Za-z]{2,4})\)?(?![\w-])"
    r"|\b(?P<city>[A-Z][a-z]+(?:[ _][A-Z][a-z]+)?)\s+time\b"
)


def stated_zone(text: str) -> ZoneInfo | None:
    """The timezone a request names beside its time ("3pm EST", "9am London time"), or None."""
    for m in _STATED_ZONE_RE.finditer(text):
        if m["abbr"] and (name := _ABBREVIATIONS.get(m["abbr"].lower())):
            return zone(name)
        if m["city"]:
            from zoneinfo import available_timezones

            city = m["city"].replace(" ", "_")
            for name in sorted(available_timezones()):
                if name.rsplit("/", 1)[-1] == city:
                    return zone(name)
    return None


def find_time(text: str, timezone: str = "UTC", now: dt.datetime | None = None) -> Resolved | None:
    """The first time expression in `text` resolved in `timezone` (or in the zone the text names
    beside it, "3pm EST", then given in `timezone`), or None if there is none."""
    tz = zone(timezone)
    said = stated_zone(text) or tz
    now = (now or dt.datetime.now(dt.UTC)).astimezone(said)
    found = _rules_time(text, said, now) if not _PAST_RE.search(text) else None
    if found is None:
        found = _dateparser_time(text, said, now)
    if found is not None and said is not tz:
        found = dataclasses.replace(found, when=found.when.astimezone(tz))
    return found


# The days a question about the past names ("what did I ask you yesterday?").
_PERIOD_RE = re.compile(
    rf"\b(today|this morning|yesterday|this week|last week|(?:on|last)\s+({_WEEKDAY_RE}))\b", re.I
)


@dataclass(frozen=True)
class Span:
    """Whole days in the person's timezone: [start, end)."""

    start: dt.datetime
    end: dt.datetime
    text: str  # the words that named it


def find_period(text: str, timezone: str = "UTC", now: dt.datetime | None = None) -> Span | None:
    """The past days `text` asks about: today, yesterday, this or last week, (last) Monday; None
    when it names none. A weekday is its latest one up to today ("last": before today)."""
    found = _PERIOD_RE.search(text)
    if found is None:
        return None
    now = (now or dt.datetime.now(dt.UTC)).astimezone(zone(timezone))
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    said = found[1].lower()
    monday = today - dt.timedelta(days=today.weekday())
    if said in ("today", "this morning"):
        start, days = today, 1
    elif said == "yesterday":
        start, days = today - dt.timedelta(days=1), 1
    elif said == "this week":
        start, days = monday, 7
    elif said == "last week":
        start, days = monday - dt.timedelta(days=7), 7
    else:
        back = (today.weekday() - _weekday_index(found[2].lower())) % 7
        start, days = today - dt.timedelta(days=back or (7 if said.startswith("last") else 0)), 1
    # a day is a calendar day: a DST change makes it 23 or 25 hours, so the end is built, not added
    last = (start + dt.timedelta(days=days)).date()
    end = dt.datetime.combine(last, dt.time(), tzinfo=start.tzinfo)
    return Span(start=start, end=end, text=found[0])


def _rules_time(text: str, tz: ZoneInfo, now: dt.datetime) -> Resolved | None:
    low = text.lower()

    if m := _ISO_RE.search(text):
        raw = m.group(0).replace(" ", "T").replace("Z", "+00:00")
        try:
            value = dt.datetime.fromisoformat(raw)
        except ValueError as exc:
            raise TimeParseError(f"{m.group(0)!r} is not a valid ISO date/time") from exc
        has_time = "T" in raw
        if not has_time:
            value = value.replace(hour=DEFAULT_HOUR)
        value = value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
        return Resolved(value, m.group(0), has_time, past=value < now)

    if m := _RELATIVE_RE.search(low):
        n = m.group(1)
        count = 1 if n in ("a", "an", "one") else int(n)
        unit = m.group(2)
        value = now + dt.timedelta(seconds=count * _UNITS[unit])
        # Minute precision: "in 2 hours" at 10:30:41 is 12:30, a time a person would write.
        return Resolved(value.replace(second=0, microsecond=0), m.group(0), True)

    spans: list[str] = []
    day: dt.date | None = None
    # A bare weekday naming today ("friday" on a Friday) means next week once its time has passed.
    weekday_today = False
    named_day, dated = _DAY_RE.search(low), _MONTHDAY_RE.search(low)
    # "sunday may 10", "friday, march 14th": the weekday only names the date's day; the date counts
    date_after_weekday = (
        named_day is not None
        and dated is not None
        and named_day.group(3) is not None
        and re.fullmatch(r"[\s,]*", low[named_day.end() : dated.start()]) is not None
    )
    if (m := named_day) and not date_after_weekday:
        spans.append(m.group(0))
        word = m.group(1)
        if word == "today" or word == "tonight":
            day = now.date()
        elif word == "tomorrow":
            day = now.date() + dt.timedelta(days=1)
        elif word == "day after tomorrow":
            day = now.date() + dt.timedelta(days=2)
        elif word == "next week":  # the coming Monday
            day = now.date() + dt.timedelta(days=(7 - now.weekday()) or 7)
        elif word.endswith("weekend"):  # the coming Saturday (today if it is Saturday)
            day = now.date() + dt.timedelta(days=(5 - now.weekday()) % 7)
        else:
            target = _weekday_index(m.group(3))
            ahead = (target - now.weekday()) % 7
            if m.group(2) == "next" and ahead == 0:
                ahead = 7
            weekday_today = ahead == 0 and m.group(2) != "this"
            day = now.date() + dt.timedelta(days=ahead)
    elif m := dated:
        spans.append(low[named_day.start() : m.end()] if named_day and date_after_weekday else m.group(0))
        month = _month_index(m.group(1) or m.group(4))
        mday = int(m.group(2) or m.group(3))
        year = int(m.group(5)) if m.group(5) else now.year
        try:
            day = dt.date(year, month, mday)
        except ValueError as exc:
            raise TimeParseError(f"{m.group(0)!r} is not a valid date") from exc
        if not m.group(5) and day < now.date():
            day = day.replace(year=year + 1)
    elif m := _ORDINAL_DAY_RE.search(low):
        spans.append(m.group(0))
        day = _day_of_month(int(m.group(1)), now.date())

    hour_minute: tuple[int, int] | None = None
    if m := _TIME_RE.search(low):
        spans.append(m.group(0))
        if m.group(3):
            hour_minute = _hour(int(m.group(1)), int(m.group(2) or 0), m.group(3).replace(".", ""))
        else:
            h = int(m.group(4))
            hour_minute = (h + 12 if _LATE_RE.search(low) and 1 <= h <= 11 else h, int(m.group(5)))
    elif (m := _BARE_HOUR_RE.search(low)) and 0 <= int(m.group(1)) <= 23:
        spans.append(m.group(0))
        h = int(m.group(1))
        late = 1 <= h <= 6 or (_LATE_RE.search(low) and 1 <= h <= 11)  # "tonight at 8" is 20:00
        hour_minute = (h + 12 if late else h, 0)
    elif m := _PART_RE.search(low):
        spans.append(m.group(0))
        hour_minute = (_PARTS_OF_DAY[m.group(1)], 0)
    elif day is not None and "tonight" in low:
        hour_minute = (_PARTS_OF_DAY["tonight"], 0)

    if day is None and hour_minute is None:
        return None
    explicit = hour_minute is not None
    h, minute = hour_minute or (DEFAULT_HOUR, 0)
    if day is None:  # a bare time: the next time the clock shows it
        day = now.date()
        if (h, minute) <= (now.hour, now.minute):
            day += dt.timedelta(days=1)
    value = dt.datetime(day.year, day.month, day.day, h, minute, tzinfo=tz)
    if weekday_today and value <= now:
        value += dt.timedelta(days=7)
    # a day that was said ("today at 9am" at noon) is not moved: the person is asked again
    return Resolved(value, " ".join(spans), explicit, past=value < now)


def _day_of_month(mday: int, today: dt.date) -> dt.date:
    """Day `mday` of this month, or of the next month once it has passed (the 31st of a shorter
    month is its last day)."""
    year, month = today.year, today.month
    if mday < today.day:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(year, month, min(mday, calendar.monthrange(year, month)[1]))


def resolve(text: str, timezone: str = "UTC", now: dt.datetime | None = None) -> Resolved:
    """Like find_time, but the whole of `text` is meant to be a time; raises TimeParseError."""
    if not text or not text.strip():
        raise TimeParseError("no time given: say e.g. 'tomorrow 9am' or '2026-12-01T09:00'")
    found = find_time(text.strip(), timezone, now)
    if found is None:
        raise TimeParseError(
            f"could not understand the time {text.strip()[:80]!r}: "
            "try 'tomorrow 9am', 'next monday at 14:30', "
            "'in 2 hours' or an ISO time like '2026-12-01T09:00'"
        )
    return found


def to_cron(when: dt.datetime) -> str:
    """Windmill's 6-field cron (seconds first) firing at `when` (read in the schedule's timezone).

    Cron has no year: the caller makes the schedule one-shot (publish_post disables it after it ran).
    """
    return f"{when.second} {when.minute} {when.hour} {when.day} {when.month} *"
