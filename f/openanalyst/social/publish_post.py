"""Publish a post through the person's platform resource, or keep it as due and say so.

The platform credentials are a Windmill resource the person owns, `u/<user>/resources/<platform>`:
- twitter:   {"access_token": OAuth 2.0 user token with tweet.write} -> POST api.x.com/2/tweets
- linkedin:  {"access_token", "author_urn": "urn:li:person:..."} -> POST api.linkedin.com/rest/posts
- facebook:  {"page_id", "page_access_token"} -> POST graph.facebook.com/{page}/feed
- instagram: {"ig_user_id", "access_token"} and a media_url -> /media then /media_publish
Without one (or when the platform refuses), the post is kept in the person's outbox resource
`u/<user>/resources/outbox/<key>` with status "due". A schedule that ran it is disabled, so a
one-shot schedule fires once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any, Literal

import httpx

import f.openanalyst.lib.platforms as platforms
import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.log import get_logger, log
from f.openanalyst.lib.users import is_in_user_space, user_path, validate_user_id

GRAPH = "https://graph.facebook.com/v21.0"
_logger = get_logger(__name__)


class PublishError(RuntimeError):
    pass


def _post(url: str, **kwargs: Any) -> httpx.Response:
    try:
        resp = httpx.post(url, timeout=30.0, **kwargs)
    except httpx.HTTPError as exc:
        raise PublishError(f"could not reach {url.split('/')[2]}: {exc.__class__.__name__}") from exc
    if resp.status_code >= 400:
        raise PublishError(f"{url.split('/')[2]} answered {resp.status_code}: {resp.text[:200]}")
    return resp


def _need(cred: dict[str, Any], *keys: str) -> list[str]:
    missing = [k for k in keys if not cred.get(k)]
    if missing:
        raise PublishError(f"the platform resource lacks {', '.join(missing)}")
    return [str(cred[k]) for k in keys]


def publish_twitter(cred: dict[str, Any], content: str, media_url: str | None) -> dict[str, Any]:
    (token,) = _need(cred, *platforms.CREDENTIALS["twitter"])
    data = _post(
        "https://api.x.com/2/tweets", json={"text": content}, headers={"Authorization": f"Bearer {token}"}
    ).json()["data"]
    return {"post_id": data["id"], "url": f"https://x.com/i/web/status/{data['id']}"}


def publish_linkedin(cred: dict[str, Any], content: str, media_url: str | None) -> dict[str, Any]:
    token, author = _need(cred, *platforms.CREDENTIALS["linkedin"])
    resp = _post(
        "https://api.linkedin.com/rest/posts",
        json={
            "author": author,
            "commentary": content,
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": False,
        },
        headers={
            "Authorization": f"Bearer {token}",
            "LinkedIn-Version": str(cred.get("api_version") or "202411"),
            "X-Restli-Protocol-Version": "2.0.0",
        },
    )
    post_id = resp.headers.get("x-restli-id", "")
    return {"post_id": post_id, "url": f"https://www.linkedin.com/feed/update/{post_id}" if post_id else None}


def publish_facebook(cred: dict[str, Any], content: str, media_url: str | None) -> dict[str, Any]:
    page, token = _need(cred, *platforms.CREDENTIALS["facebook"])
    data = _post(f"{GRAPH}/{page}/feed", data={"message": content, "access_token": token}).json()
    return {"post_id": data["id"], "url": f"https://www.facebook.com/{data['id']}"}


def publish_instagram(cred: dict[str, Any], content: str, media_url: str | None) -> dict[str, Any]:
    ig_user, token = _need(cred, *platforms.CREDENTIALS["instagram"])
    if not media_url:
        raise PublishError("Instagram only publishes posts with an image: give a media_url")
    container = _post(
        f"{GRAPH}/{ig_user}/media", data={"image_url": media_url, "caption": content, "access_token": token}
    ).json()["id"]
    data = _post(
        f"{GRAPH}/{ig_user}/media_publish", data={"creation_id": container, "access_token": token}
    ).json()
    return {"post_id": data["id"], "url": None}


PUBLISHERS = {
    "twitter": publish_twitter,
    "linkedin": publish_linkedin,
    "facebook": publish_facebook,
    "instagram": publish_instagram,
}


def _keep_due(
    user_id: str, platform: str, content: str, scheduled_for: str | None, media_url: str | None, reason: str
) -> str:
    key = hashlib.sha256(f"{platform}\n{content}\n{scheduled_for}".encode()).hexdigest()[:12]
    path = user_path(user_id, "resources", f"outbox/post_{platform}_{key}")
    value = {
        "platform": platform,
        "content": content,
        "media_url": media_url,
        "scheduled_for": scheduled_for,
        "status": "due",
        "reason": reason,
        "kept_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    if windmill_rest.exists("resource", path):
        windmill_rest.update_resource(path, {"path": path, "value": value})
    else:
        windmill_rest.create(
            "resource",
            {"path": path, "value": value, "resource_type": "object", "description": f"Due {platform} post"},
        )
    return path


def main(
    user_id: str,
    platform: Literal["twitter", "linkedin", "instagram", "facebook"],
    content: str,
    scheduled_for: str | None = None,
    schedule_path: str | None = None,
    media_url: str | None = None,
) -> dict[str, Any]:
    """Publish `content` on `platform` for `user_id` (run by the schedule schedule_post made).

    Args:
        user_id: the person whose post and credentials these are.
        platform: twitter (x), linkedin, instagram or facebook.
        content: the post text.
        scheduled_for: when it was meant to go out (ISO), for the record.
        schedule_path: the one-shot schedule that ran this; it is disabled afterwards.
        media_url: an image URL (required by Instagram).
    """
    validate_user_id(user_id)
    platform = platforms.normalize(platform)
    if schedule_path and not is_in_user_space(schedule_path, user_id):
        raise ValueError(f"schedule_path {schedule_path[:80]!r} is not in u/{user_id}/")
    problems = platforms.problems(platform, content)
    if problems:
        raise ValueError(f"cannot publish this {platform} post: {'; '.join(problems)}")
    cred = windmill_rest.resource(user_path(user_id, "resources", platform))
    result: dict[str, Any] = {"platform": platform, "scheduled_for": scheduled_for}
    if cred:
        try:
            published = PUBLISHERS[platform](cred, content, media_url)
            result |= {"status": "published", **published, "message": f"published on {platform}"}
        except PublishError as exc:
            log(_logger, logging.WARNING, "publish failed", platform=platform, error=str(exc))
            outbox = _keep_due(user_id, platform, content, scheduled_for, media_url, str(exc))
            result |= {
                "status": "due",
                "outbox_path": outbox,
                "message": f"not published ({exc}); kept as due in {outbox}",
            }
    else:
        reason = f"no {platform} account connected (resource {user_path(user_id, 'resources', platform)})"
        outbox = _keep_due(user_id, platform, content, scheduled_for, media_url, reason)
        result |= {
            "status": "due",
            "outbox_path": outbox,
            "message": (
                f"Not published: no {platforms.RULES[platform].name} account is connected yet. The post is "
                f"kept in your outbox ({outbox}); connect the account (ask me “how do I connect my "
                f"{platforms.RULES[platform].name} account?”) and it can go out."
            ),
        }
    if schedule_path:
        try:
            windmill_rest.set_schedule_enabled(schedule_path, False)
            result["schedule_disabled"] = True
        except windmill_rest.WindmillError as exc:
            result["schedule_disabled"] = False
            result["schedule_note"] = str(exc)[:200]
    return result
