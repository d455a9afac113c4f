"""Schedule a post: a one-shot Windmill schedule under u/<user>/schedules/ that runs
f/openanalyst/social/publish_post at the requested time in the person's timezone.

Natural times ("tomorrow 9am", "next friday at 14:30") are resolved in that timezone. The
schedule's cron is Windmill's 6-field form (seconds first); publish_post disables the schedule
after it ran, so it fires once. Scheduling the same post for the same time twice is a no-op.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Literal

import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.owner import run_as_owner
from f.openanalyst.lib.scheduled_posts import PUBLISH_SCRIPT
from f.openanalyst.lib.schedules import schedule_body
from f.openanalyst.lib.timeparse import resolve, to_cron
from f.openanalyst.lib.users import user_path, validate_user_id

GRACE_S = 60  # a time a few seconds ago ("now") is still accepted


def main(
    user_id: str,
    platform: Literal["twitter", "linkedin", "instagram", "facebook"],
    content: str,
    when: str,
    timezone: str = "UTC",
    media_url: str | None = None,
) -> dict[str, Any]:
    """Schedule `content` to be published on `platform` at `when` in `timezone`.

    Args:
        user_id: the person whose post it is; the schedule lives in u/<user_id>/schedules/.
        platform: twitter (x), linkedin, instagram or facebook.
        content: the post text, already within the platform's limits.
        when: an ISO time ("2026-12-01T09:00") or natural ("tomorrow 9am", "in 2 hours").
        timezone: the person's IANA timezone, e.g. "Europe/Paris".
        media_url: an image URL (Instagram needs one to publish).
    """
    validate_user_id(user_id)
    platform = platforms.normalize(platform)
    problems = platforms.problems(platform, content)
    if problems:
        raise ValueError(f"cannot schedule this {platform} post: {'; '.join(problems)}")
    resolved = resolve(when, timezone)
    at = resolved.when
    now = dt.datetime.now(dt.UTC)
    if at < now - dt.timedelta(seconds=GRACE_S):
        raise ValueError(f"{when!r} resolves to {at.isoformat()}, which is in the past: pick a later time")
    digest = hashlib.sha256(f"{platform}\n{content}\n{media_url or ''}".encode()).hexdigest()[:8]
    name = f"post_{platform}_{at:%Y%m%d_%H%M}_{digest}"
    path = user_path(user_id, "schedules", name)
    cron = to_cron(at)
    result = {
        "schedule_path": path,
        "cron": cron,
        "timezone": timezone,
        "next_run": at.isoformat(),
        "next_run_utc": at.astimezone(dt.UTC).isoformat(),
        "script_path": PUBLISH_SCRIPT,
        "platform": platform,
        "resolved_from": resolved.text,
        "assumed_time": not resolved.explicit_time,
    }
    if windmill_rest.exists("schedule", path):
        return {**result, "created": False, "message": f"already scheduled for {at:%a %d %b %Y %H:%M %Z}"}
    args = {
        "user_id": user_id,
        "platform": platform,
        "content": content,
        "scheduled_for": at.isoformat(),
        "schedule_path": path,
        "media_url": media_url,
    }
    body = schedule_body(
        path,
        cron,
        timezone,
        PUBLISH_SCRIPT,
        args,
        summary=f"{platforms.RULES[platform].name} post at {at:%Y-%m-%d %H:%M} {timezone}",
        description=content[:500],
    )
    # It runs as the person, with their resources only, never as the platform (lib/builder/owner.py).
    windmill_rest.create("schedule", run_as_owner("schedule", body))
    return {**result, "created": True, "message": f"scheduled for {at:%a %d %b %Y %H:%M %Z}"}
