"""The builder's templates: what it makes without a model.

A script that fetches a web address and returns its JSON; a flow composed of the shared steps a
description names by action ("drafts a post", "schedules it", "publishes it", "a report"); the app
is the person's dashboard (`drafts.starter_app`). Anything else needs a model, and says so.
"""

from __future__ import annotations

import re
from typing import Any, get_args

from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.platforms import Platform

_URL_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s<>\"')]+", re.I)
_FETCH_RE = re.compile(
    r"\b(fetch|fetches|get|gets|download|downloads|pull|pulls|poll|polls|call|calls|check|checks)\b", re.I
)
WEB_SCHEMES = ("http", "https")
PLATFORMS: tuple[str, ...] = get_args(Platform)


def fetch_url(description: str) -> str | None:
    """The one web address a description asks to fetch, or None when it asks for something else.
    Raises BuildError for an address that is not http(s)."""
    urls = [u.rstrip(".,;:!?") for u in _URL_RE.findall(description)]
    if len(urls) != 1 or not _FETCH_RE.search(description):
        return None
    scheme = urls[0].split("://", 1)[0].lower()
    if scheme not in WEB_SCHEMES:
        raise BuildError(
            f"I can only fetch web addresses (http:// or https://), and {urls[0]} is a {scheme}:// "
            "address. Send an https:// link to it instead (many file servers offer one)."
        )
    return urls[0]


def fetch_script(url: str) -> str:
    """A script that fetches `url` and returns its JSON (its text when it is not JSON)."""
    literal = url.replace("\\", "%5C").replace('"', "%22")
    return (
        f'"""Fetch {literal} and return its JSON."""\n\n'
        "import httpx\n\n\n"
        # \x28 is "(": Windmill reads a file's imports only up to the first main definition in its
        # text, even one inside a string (scripts/bundle_tools/windmill_deps.py).
        f'def main\x28url: str = "{literal}") -> dict:\n'
        '    """Fetch `url` and return its JSON, with the HTTP status.\n\n'
        "    Args:\n"
        "        url: the web address to fetch (http or https).\n"
        '    """\n'
        "    response = httpx.get(url, timeout=30, follow_redirects=True)\n"
        "    response.raise_for_status()\n"
        "    try:\n"
        "        body = response.json()\n"
        "    except ValueError:\n"
        '        return {"url": url, "status": response.status_code, "text": response.text[:100000]}\n'
        '    return {"url": url, "status": response.status_code, "json": body}\n'
    )


# ------------------------------------------------------------------------------- flows

_TOPIC = {"type": "string", "description": "what the post is about"}
_WHEN = {
    "type": "string",
    "default": "tomorrow 9am",
    "description": 'e.g. "tomorrow 9am" or 2026-12-01T09:00',
}
_ZONE = {"type": "string", "default": "UTC", "description": "IANA timezone"}
_DATA = {"type": "string", "default": "", "description": "CSV or JSON to report on (empty: my recent tasks)"}
_TITLE = {"type": "string", "default": "My report", "description": "the report's title"}


def _js(expr: str) -> dict[str, str]:
    return {"type": "javascript", "expr": expr}


def _actions(description: str) -> list[str]:
    """The shared actions a description names, in the order it names them."""
    low = description.lower()
    found: list[tuple[int, str]] = []
    for action, pattern in (
        (
            "draft",
            r"\b(draft|drafts|write|writes|compose|composes|create|creates)\b[^.;]*?\b(post|tweet|caption)",
        ),
        ("schedule", r"\b(schedule|schedules|scheduling|queue|queues)\b"),
        ("publish", r"\b(publish|publishes|post it|posts it)\b"),
        ("report", r"\b(report|reports|analy[sz]es?|chart|charts)\b"),
    ):
        if m := re.search(pattern, low):
            found.append((m.start(), action))
    return [a for _, a in sorted(found)]


def compose_flow(user_id: str, description: str) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """(OpenFlow value, input schema, step summaries) for the shared actions `description` names.
    Raises BuildError when it names none (composing other steps needs a model)."""
    actions = _actions(description)
    if "schedule" in actions or "publish" in actions:
        actions = ["draft", *[a for a in actions if a != "draft"]] if "draft" not in actions else actions
    if not actions:
        raise BuildError(
            "composing this flow needs a model, and none is configured (no Anthropic key). Without "
            "one I can build flows that draft a post, schedule or publish it, or make a report; or "
            "list the scripts it should run, one step each."
        )
    platform = next((p for p in PLATFORMS if re.search(rf"\b{p}\b", description, re.I)), "linkedin")
    user = {"type": "static", "value": user_id}
    modules: list[dict[str, Any]] = []
    props: dict[str, Any] = {}
    said: list[str] = []
    if "draft" in actions:
        props |= {
            "topic": _TOPIC,
            "platform": {"type": "string", "default": platform, "enum": list(PLATFORMS)},
        }
        modules.append(
            _module(
                "draft",
                "Write the post",
                "f/openanalyst/social/create_post",
                {"user_id": user, "platform": _js("flow_input.platform"), "topic": _js("flow_input.topic")},
            )
        )
        said.append(f"drafts a {platform} post about the topic you give")
    if "schedule" in actions:
        props |= {"when": _WHEN, "timezone": _ZONE}
        modules.append(
            _module(
                "schedule",
                "Schedule it",
                "f/openanalyst/social/schedule_post",
                {
                    "user_id": user,
                    "platform": _js("results.draft.platform"),
                    "content": _js("results.draft.content"),
                    "when": _js("flow_input.when"),
                    "timezone": _js("flow_input.timezone"),
                },
            )
        )
        said.append("schedules it for the time you give")
    elif "publish" in actions:
        modules.append(
            _module(
                "publish",
                "Publish it",
                "f/openanalyst/social/publish_post",
                {
                    "user_id": user,
                    "platform": _js("results.draft.platform"),
                    "content": _js("results.draft.content"),
                },
            )
        )
        said.append("publishes it")
    if "report" in actions and "draft" not in actions:
        props |= {"data": _DATA, "title": _TITLE}
        modules += [
            _module(
                "fetch",
                "Read the data",
                "f/openanalyst/analytics/fetch_metrics",
                {"user_id": user, "data": _js("flow_input.data || null")},
            ),
            _module(
                "report",
                "Make the report",
                "f/openanalyst/analytics/generate_report",
                {"user_id": user, "dataset": _js("results.fetch"), "title": _js("flow_input.title")},
            ),
        ]
        said.append("makes a report with charts from the data you give (or your recent tasks)")
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "required": [k for k in ("topic",) if k in props],
        "order": list(props),
    }
    return {"modules": modules}, schema, said


def _module(module_id: str, summary: str, path: str, inputs: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": module_id,
        "summary": summary,
        "value": {"type": "script", "path": path, "input_transforms": inputs},
    }
