"""Create a schedule in the person's folder (u/<user>/schedules/<name>), validated first:
Windmill's 6-field cron (seconds first), an IANA timezone, and a target script or flow that is
the person's own or shared OpenAnalyst code. All fields `wmill lint` requires are set.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import f.openanalyst.lib.builder.targets as targets
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
        script_path: what to run: u/<user_id>/..., f/openanalyst/..., or one of yours in words ("my report").
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
        raise BuildError("say when it should run, e.g. 'every Monday at 9am' or 'every hour'")
    try:
        expression = schedules.recurrence_to_cron(expression)
    except ValueError as exc:
        raise BuildError(str(exc)) from exc
    path = script_path or target or ""
    if not path.strip():
        raise BuildError(
            "say which of your scripts or flows should run, "
            "e.g. 'every Monday at 8am run my analytics report'"
        )
    unset: list[str] = []
    added = False
    if "/" not in path:  # named in words: one of the person's own scripts or flows
        found = targets.find_runnable(user_id, path)
        path, is_flow, added = found.path, found.is_flow, found.template is not None
        unset = targets.unset_inputs(found, args or {})
    body = schedule_item(user_id, name, expression, path, timezone, args or {}, is_flow, enabled, summary)
    done = ensure("schedule", body, overwrite)
    upcoming = schedules.next_run(body["schedule"], timezone)
    return done | {
        "schedule_path": body["path"],
        "cron": body["schedule"],
        "timezone": timezone,
        "next_run": upcoming.isoformat() if upcoming else None,
        "answer": answer(done, path, body["schedule"], timezone, upcoming, unset, added),
    }


def answer(
    done: dict[str, Any],
    target: str,
    cron: str,
    timezone: str,
    upcoming: dt.datetime | None,
    unset: list[str],
    added: bool = False,
) -> str:
    """What the person reads: what runs, when (in words and as the cron), the next run, what is missing."""
    when = schedules.describe_cron(cron)
    head = "Your schedule" if done["action"] == "unchanged" else "Created the schedule"
    text = f"{head} `{done['path']}`: runs `{target}` {when} ({timezone}; cron `{cron}`)."
    if upcoming:
        text += f" Next run: {upcoming:%A %d %B %Y, %H:%M} {timezone}."
    text += " Each run's result is kept with its runs in your Windmill folder."
    if added:
        text += f" `{target}` was not in your folder yet, so I added it from your starting templates."
    if unset:
        text += (
            f" Note: `{target}` needs {', '.join(unset)} on every run and the schedule gives none yet: "
            "set them in the schedule's arguments in Windmill, or the runs will fail."
        )
    return text
