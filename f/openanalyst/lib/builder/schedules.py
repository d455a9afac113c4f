"""A schedule item: a validated cron and a target in the person's space."""

from __future__ import annotations

from typing import Any

import f.openanalyst.lib.schedules as schedules
from f.openanalyst.lib.builder.paths import BuildError, check_reference, is_shared, item_path, require_owner

# ------------------------------------------------------------------------- schedules


def schedule_item(
    user_id: str,
    name: str,
    cron: str,
    script_path: str,
    timezone: str,
    args: dict[str, Any],
    is_flow: bool,
    enabled: bool,
    summary: str = "",
) -> dict[str, Any]:
    path = item_path(user_id, "schedules", name)
    check_reference(user_id, script_path, "script_path")
    # The schedule runs as its owner (owner.py); a shared script it runs acts for the owner alone.
    require_owner(user_id, (args or {}).get("user_id"), f"schedule {name}")
    if is_shared(script_path):
        args = {**(args or {}), "user_id": user_id}
    try:
        return schedules.schedule_body(
            path, cron, timezone, script_path, args, is_flow=is_flow, enabled=enabled, summary=summary or None
        )
    except ValueError as exc:
        raise BuildError(str(exc)) from exc
