"""Windmill schedules: 6-field cron validation (seconds first) and the schedules/create body.

`wmill lint` requires schedule, script_path, timezone, is_flow and enabled; the REST API's
NewSchedule also requires path and args. `schedule_body` always sets all of them.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from f.openanalyst.lib.timeparse import parse_clocks, zone

_FIELDS = (  # name, min, max, names
    ("second", 0, 59, None),
    ("minute", 0, 59, None),
    ("hour", 0, 23, None),
    ("day of month", 1, 31, None),
    ("month", 1, 12, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
    ("day of week", 0, 7, ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
)
_ATOM_RE = re.compile(r"^(\*|[a-z0-9]+(?:-[a-z0-9]+)?)(?:/(\d+))?$")


class InvalidSchedule(ValueError):
    """A cron expression or schedule that Windmill would refuse."""


def _value(token: str, lo: int, hi: int, names: list[str] | None, field: str) -> int:
    if names and token in names:
        return names.index(token) + (1 if field == "month" else 0)
    if not token.isdigit() or not lo <= int(token) <= hi:
        raise InvalidSchedule(f"{field} {token!r} is out of range {lo}-{hi}")
    return int(token)


def validate_cron(expr: str) -> str:
    """Return the normalised expression, or raise InvalidSchedule saying which field is wrong."""
    parts = (expr or "").strip().lower().split()
    if len(parts) != 6:
        raise InvalidSchedule(
            f"cron {expr!r} has {len(parts)} fields; Windmill uses 6 with seconds first, "
            "e.g. '0 0 9 * * 1-5' = weekdays at 09:00:00"
        )
    for part, (field, lo, hi, names) in zip(parts, _FIELDS, strict=True):
        for atom in part.split(","):
            m = _ATOM_RE.match(atom)
            if not m:
                raise InvalidSchedule(f"{field} {atom!r} is not valid cron syntax")
            base, step = m.group(1), m.group(2)
            if step is not None and int(step) == 0:
                raise InvalidSchedule(f"{field} step must be at least 1")
            if base != "*":
                bounds = [_value(t, lo, hi, names, field) for t in base.split("-")]
                if len(bounds) == 2 and bounds[0] > bounds[1]:
                    raise InvalidSchedule(f"{field} range {base!r} is reversed")
    return " ".join(parts)


def schedule_body(
    path: str,
    cron: str,
    timezone: str,
    script_path: str,
    args: dict[str, Any],
    *,
    is_flow: bool = False,
    enabled: bool = True,
    summary: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    zone(timezone)  # raises TimeParseError on an unknown zone
    body: dict[str, Any] = {
        "path": path,
        "schedule": validate_cron(cron),
        "timezone": timezone,
        "script_path": script_path,
        "is_flow": is_flow,
        "args": args,
        "enabled": enabled,
    }
    if summary:
        body["summary"] = summary[:200]
    if description:
        body["description"] = description
    return body


# ------------------------------------------------------------------ recurrence and next run

_CRONISH_RE = re.compile(r"^[\d*/,a-z-]+(\s+[\d*/,a-z-]+){4,5}$")
_DAY_NAMES = {
    d: i for i, d in enumerate(["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"])
}


def recurrence_to_cron(text: str) -> str:
    """Windmill's 6-field cron from a cron expression (5 fields get seconds prepended) or from
    plain words: "every day at 9am", "weekdays at 8:30", "every monday and friday at 17:00",
    "every 15 minutes", "hourly", "every month on the 1st at 9". Raises InvalidSchedule."""
    raw = (text or "").strip().lower()
    if _CRONISH_RE.match(raw) and not re.search(r"[a-z]{4,}", raw):
        fields = raw.split()
        return validate_cron(" ".join(["0", *fields]) if len(fields) == 5 else raw)
    if m := re.search(r"every\s+(\d{1,2})\s+min(?:ute)?s?", raw):
        n = int(m.group(1))
        if not 1 <= n <= 59:
            raise InvalidSchedule("every N minutes needs N between 1 and 59")
        return f"0 */{n} * * * *"
    if m := re.search(r"every\s+(\d{1,2})\s+hours?", raw):
        return f"0 0 */{int(m.group(1))} * * *"
    if re.search(r"\b(hourly|every hour)\b", raw):
        return "0 0 * * * *"
    clocks = parse_clocks(raw) or [(9, 0)]
    minute = clocks[0][1]
    if any(m != minute for _, m in clocks):  # one cron holds one minute for all its hours
        raise InvalidSchedule(
            "times at different minutes past the hour need a schedule each: ask for each time "
            "(e.g. 'every day at 8:00' and 'every day at 20:30')"
        )
    h = ",".join(str(hour) for hour in sorted({hour for hour, _ in clocks}))
    days = [i for name, i in _DAY_NAMES.items() if re.search(rf"\b{name[:3]}(?:{name[3:]})?s?\b", raw)]
    if re.search(r"\bweekdays?\b|\bevery work ?day\b", raw):
        return f"0 {minute} {h} * * 1-5"
    if re.search(r"\bweekends?\b", raw):
        return f"0 {minute} {h} * * 0,6"
    if days:
        return f"0 {minute} {h} * * {','.join(map(str, sorted(days)))}"
    if re.search(r"\b(monthly|every month)\b", raw):
        m = re.search(r"\b(\d{1,2})(?:st|nd|rd|th)\b", raw)
        return f"0 {minute} {h} {int(m.group(1)) if m else 1} * *"
    if re.search(r"\b(weekly|every week)\b", raw):
        return f"0 {minute} {h} * * 1"
    if re.search(r"\b(daily|every day|each day|every (morning|evening|night|afternoon))\b", raw):
        return f"0 {minute} {h} * * *"
    raise InvalidSchedule(
        f"could not read {text[:80]!r} as a schedule: say e.g. 'every day at 9am', 'weekdays at 8:30', "
        "'every monday at 17:00', 'every 15 minutes', or give a cron like '0 0 9 * * *'"
    )


def _expand(part: str, lo: int, hi: int, names: list[str] | None, field: str) -> set[int]:
    out: set[int] = set()
    for atom in part.split(","):
        m = _ATOM_RE.match(atom)
        assert m is not None  # validated before
        base, step = m.group(1), int(m.group(2) or 1)
        if base == "*":
            first, last = lo, hi
        else:
            bounds = [_value(t, lo, hi, names, field) for t in base.split("-")]
            first, last = bounds[0], bounds[-1] if len(bounds) == 2 else (hi if m.group(2) else bounds[0])
        out.update(range(first, last + 1, step))
    return out


def next_run(cron: str, timezone: str, after: dt.datetime | None = None) -> dt.datetime | None:
    """The first time after `after` that `cron` fires in `timezone` (within a year), else None."""
    parts = validate_cron(cron).split()
    sets = [_expand(p, lo, hi, names, f) for p, (f, lo, hi, names) in zip(parts, _FIELDS, strict=True)]
    seconds, minutes, hours, mdays, months, wdays = sets
    wdays = {d % 7 for d in wdays}
    dom_any, dow_any = parts[3] == "*", parts[5] == "*"
    tz = zone(timezone)
    now = (after or dt.datetime.now(dt.UTC)).astimezone(tz)
    day = now.date()
    for _ in range(370):
        dom_ok, dow_ok = day.day in mdays, (day.weekday() + 1) % 7 in wdays
        # Vixie cron: with both day fields restricted, either may match.
        day_ok = (dom_ok and dow_ok) if (dom_any or dow_any) else (dom_ok or dow_ok)
        if day.month in months and day_ok:
            for h in sorted(hours):
                for mi in sorted(minutes):
                    for sec in sorted(seconds):
                        candidate = dt.datetime(day.year, day.month, day.day, h, mi, sec, tzinfo=tz)
                        if candidate > now:
                            return candidate
        day += dt.timedelta(days=1)
    return None


_DAY_WORDS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def describe_cron(cron: str) -> str:
    """A 6-field cron in words, for the forms people ask for ("every weekday (Monday to Friday) at
    07:00", "every Monday at 08:00", "every hour"); others as "on the schedule `<cron>`"."""
    sec, minute, hour, dom, month, dow = validate_cron(cron).split()
    plain = sec == "0" and month == "*" and minute.isdigit()
    if sec == "0" and minute.startswith("*/") and hour == dom == month == dow == "*":
        return f"every {minute[2:]} minutes"
    if plain and minute == "0" and hour == "*" and dom == month == dow == "*":
        return "every hour"
    if plain and minute == "0" and hour.startswith("*/") and dom == dow == "*":
        return f"every {hour[2:]} hours"
    if not (plain and re.fullmatch(r"\d{1,2}(,\d{1,2})*", hour)):
        return f"on the schedule `{cron}`"
    at = "at " + " and ".join(f"{int(h):02d}:{int(minute):02d}" for h in hour.split(","))
    if dom == "*" and dow == "*":
        return f"every day {at}"
    if dom == "*" and dow == "1-5":
        return f"every weekday (Monday to Friday) {at}"
    if dom == "*" and dow in ("0,6", "6,0"):
        return f"every weekend day (Saturday and Sunday) {at}"
    if dom == "*" and re.fullmatch(r"[0-7](,[0-7])*", dow):
        days = [_DAY_WORDS[int(d) % 7] for d in dow.split(",")]
        return f"every {' and '.join(days)} {at}"
    if dow == "*" and dom.isdigit():
        n = int(dom)
        suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
        return f"on the {n}{suffix} of every month {at}"
    return f"on the schedule `{cron}`"
