"""Cancel posts waiting to go out: turn off the person's post schedules that match.

A scheduled post is a one-shot schedule of publish_post under u/<user>/schedules/ (schedule_post
makes it). Turning the schedule off (operation `setScheduleEnabled`,
https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/openapi.yaml) means it never
fires, and the person can turn it on again in Windmill: nothing is deleted. When the words fit
several posts and the person did not say "all", none is cancelled: the answer lists them and says how
to name one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.scheduled_posts import ScheduledPost, counted, scheduled_posts
from f.openanalyst.lib.users import validate_user_id


def _which_words(day: dt.date | None, platform: str | None) -> str:
    """ "LinkedIn post for Tue 08 Dec" / "post" : how the answer names what was asked for."""
    name = platforms.RULES[platform].name if platform in platforms.RULES else ""
    on = f" for {day:%a %d %b}" if day else ""
    return f"{name + ' ' if name else ''}post{on}"


def _answer(
    cancelled: list[ScheduledPost], matching: list[ScheduledPost], waiting: list[ScheduledPost], asked: str
) -> str:
    if cancelled:
        them = "it" if len(cancelled) == 1 else "they"
        lines = [
            f"Cancelled {counted(len(cancelled))}: {them} will not be published.",
            *map(ScheduledPost.line, cancelled),
        ]
        lines.append(
            "\nEach one's schedule is turned off in your Windmill folder (Schedules), not deleted: "
            "turn it on again there to bring a post back."
        )
        return "\n".join(lines)
    if matching:  # several fit and the person did not say "all": which one?
        days = {post.local.date() for post in matching}
        every = (
            f"“cancel all my posts for {matching[0].local:%A}”" if len(days) == 1 else "“cancel all my posts”"
        )
        lines = [
            f"You have {counted(len(matching))} that fit, so I cancelled none yet:",
            *map(ScheduledPost.line, matching),
        ]
        lines.append(
            f"\nSay which one, for example {matching[0].cancel_example()}, or {every} to cancel every one."
        )
        return "\n".join(lines)
    if not waiting:
        return "You have no posts scheduled, so there is nothing to cancel."
    lines = [f"I found no {asked} among your scheduled posts, so nothing was cancelled. You have:"]
    lines += map(ScheduledPost.line, waiting)
    lines.append(f"\nTo cancel one, name it, for example {waiting[0].cancel_example()}.")
    return "\n".join(lines)


def main(
    user_id: str,
    day: str | None = None,
    platform: Literal["twitter", "linkedin", "instagram", "facebook"] | None = None,
    which: Literal["one", "next", "all"] = "one",
) -> dict[str, Any]:
    """Cancel `user_id`'s scheduled posts that match `day` and `platform` (all of them when neither).

    Args:
        user_id: the person whose scheduled posts these are (only u/<user_id>/schedules/ is read).
        day: only posts going out that day, in the timezone each was scheduled in (ISO date, "2026-12-08").
        platform: only posts for twitter (x), linkedin, instagram or facebook.
        which: one (the post that fits; several are listed, none cancelled), next (the soonest) or all.
    """
    validate_user_id(user_id)
    on = dt.date.fromisoformat(day[:10]) if day else None
    wanted = platforms.normalize(platform) if platform else None
    waiting = scheduled_posts(user_id)
    matching = [
        post
        for post in waiting
        if (on is None or post.local.date() == on) and (wanted is None or post.platform == wanted)
    ]
    chosen = matching if which == "all" or len(matching) == 1 else matching[:1] if which == "next" else []
    for post in chosen:
        windmill_rest.set_schedule_enabled(post.path, False)
    return {
        "cancelled": [post.path for post in chosen],
        "matching": len(matching),
        "message": _answer(chosen, matching, waiting, _which_words(on, wanted)),
    }
