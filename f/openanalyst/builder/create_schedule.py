"""Create a schedule in the person's folder (u/<user>/schedules/<name>), validated first:
Windmill's 6-field cron (seconds first), an IANA timezone, and a target script or flow that is
the person's own or shared OpenAnalyst code. All fields `wmill lint` requires are set.
"""

from __future__ import annotations

from typing import Any

import f.openanalyst.lib.schedules as schedules
from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.builder.schedules import schedule_item


def main(
    user_id: str,
    name: str,
    schedule: str = "",
    script_path: str = "",
    timezone: str = "UTC",
    is_flow: bool = False,
    args: dict | None = None,
    enabled: bool = True,
    summary: str = "",
    overwrite: bool = False,
    cron: str | None = None,
    target: str | None = None,
) -> dict[str, Any]:
    """Create u/<user_id>/schedules/<name> running `script_path` on `schedule`.

    Args:
        user_id: the person; the schedule is created in their folder only.
        name: a plain name, e.g. "monday_digest".
        schedule: a cron (6 fields, seconds first, or 5 fields) or words ("weekdays at 8:30").
        script_path: what to run: u/<user_id>/... or f/openanalyst/...
        timezone: IANA timezone the cron is read in, e.g. "Europe/Paris".
        is_flow: true when script_path is a flow.
        args: the arguments passed on each run.
        enabled: start enabled.
        summary: a short description.
        overwrite: replace an existing different schedule.
        cron: same as schedule (the name the skills' workflows use).
        target: same as script_path (the name the skills' workflows use).
    """
    expression = schedule or cron or ""
    if not expression.strip():
        raise BuildError("say when it runs: a cron or words like 'every monday at 9am'")
    try:
        expression = schedules.recurrence_to_cron(expression)
    except ValueError as exc:
        raise BuildError(str(exc)) from exc
    path = script_path or target or ""
    body = schedule_item(user_id, name, expression, path, timezone, args or {}, is_flow, enabled, summary)
    done = ensure("schedule", body, overwrite)
    upcoming = schedules.next_run(body["schedule"], timezone)
    return done | {
        "schedule_path": body["path"],
        "cron": body["schedule"],
        "timezone": timezone,
        "next_run": upcoming.isoformat() if upcoming else None,
    }
