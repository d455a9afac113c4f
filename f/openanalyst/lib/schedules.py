"""Windmill schedules: 6-field cron validation (seconds first) and the schedules/create body.

`wmill lint` requires schedule, script_path, timezone, is_flow and enabled; the REST API's
NewSchedule also requires path and args. `schedule_body` always sets all of them.
"""

from __future__ import annotations

import re
from typing import Any

from f.openanalyst.lib.timeparse import zone

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
