"""Create a schedule in the person's folder (u/<user>/schedules/<name>), validated first:
Windmill's 6-field cron (seconds first), an IANA timezone, and a target script or flow that is
the person's own or shared OpenAnalyst code. All fields `wmill lint` requires are set.
"""

from __future__ import annotations

from typing import Any

from f.openanalyst.lib import builder


def main(
    user_id: str,
    name: str,
    schedule: str,
    script_path: str,
    timezone: str = "UTC",
    is_flow: bool = False,
    args: dict | None = None,
    enabled: bool = True,
    summary: str = "",
    overwrite: bool = False,
) -> dict[str, Any]:
    """Create u/<user_id>/schedules/<name> running `script_path` on `schedule`.

    Args:
        user_id: the person; the schedule is created in their folder only.
        name: a plain name, e.g. "monday_digest".
        schedule: 6-field cron, seconds first: "0 0 9 * * 1" = Mondays 09:00:00.
        script_path: what to run: u/<user_id>/... or f/openanalyst/...
        timezone: IANA timezone the cron is read in, e.g. "Europe/Paris".
        is_flow: true when script_path is a flow.
        args: the arguments passed on each run.
        enabled: start enabled.
        summary: a short description.
        overwrite: replace an existing different schedule.
    """
    body = builder.schedule_item(
        user_id, name, schedule, script_path, timezone, args or {}, is_flow, enabled, summary
    )
    return builder.ensure("schedule", body, overwrite)
