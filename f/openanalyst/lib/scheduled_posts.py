"""The person's posts waiting to go out: their enabled `publish_post` schedules, soonest first.

`schedule_post` creates one schedule per post under `u/<user>/schedules/`, with the post in its
args; so the schedules themselves are the list (a post turned off or deleted in Windmill is gone
from it too). Windmill's `schedules/list` returns each schedule with its args
(https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/openapi.yaml,
operation listSchedules: `Schedule` items).
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel

import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.users import user_folder, validate_user_id

PUBLISH_SCRIPT = "f/openanalyst/social/publish_post"
PER_PAGE = 100  # a person with more waiting posts sees the first 100


class ScheduledPost(BaseModel):
    """One post waiting in a schedule."""

    path: str
    platform: str
    content: str
    at: dt.datetime
    timezone: str

    @property
    def local(self) -> dt.datetime:
        """When it goes out, in the timezone it was scheduled in (UTC when that is unknown)."""
        try:
            return self.at.astimezone(ZoneInfo(self.timezone or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            return self.at.astimezone(dt.UTC)

    @property
    def platform_name(self) -> str:
        rule = platforms.RULES.get(self.platform)
        return rule.name if rule else self.platform

    def cancel_example(self) -> str:
        """What the person would say to cancel it: “cancel the LinkedIn post for Tuesday”."""
        return f"“cancel the {self.platform_name} post for {self.local:%A}”"

    def line(self, clip: int = 90) -> str:
        """How a list shows it: "- Tue 08 Dec 2026, 09:00 (Europe/Paris), LinkedIn: “We're hiring…”"."""
        text = " ".join(self.content.split())
        if len(text) > clip:  # cut at a word boundary, never mid-word
            text = text[:clip].rsplit(" ", 1)[0].rstrip(",;:.!?") + "..."
        return f"- {self.local:%a %d %b %Y, %H:%M} ({self.timezone}), {self.platform_name}: “{text}”"


def counted(n: int) -> str:
    """ "1 post", "3 posts": how many posts, as a sentence says it."""
    return f"{n} post{'s' if n != 1 else ''}"


def scheduled_posts(user_id: str) -> list[ScheduledPost]:
    """The person's enabled post schedules, soonest first (only under their own folder)."""
    validate_user_id(user_id)
    folder = f"{user_folder(user_id)}/schedules/"
    found = windmill_rest.request(
        "GET",
        "schedules/list",
        params={"path_start": folder, "path": PUBLISH_SCRIPT, "per_page": PER_PAGE},
    ).json()
    posts = []
    for schedule in found:
        args = schedule.get("args") or {}
        if not schedule.get("enabled") or not str(schedule.get("path", "")).startswith(folder):
            continue
        try:
            at = dt.datetime.fromisoformat(str(args["scheduled_for"]))
        except (KeyError, ValueError):
            continue  # not a post schedule_post made
        posts.append(
            ScheduledPost(
                path=schedule["path"],
                platform=str(args.get("platform") or ""),
                content=str(args.get("content") or ""),
                at=at,
                timezone=str(schedule.get("timezone") or "UTC"),
            )
        )
    return sorted(posts, key=lambda p: p.at)
