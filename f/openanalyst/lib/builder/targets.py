"""Which of the person's own scripts or flows a request names in words ("my analytics report" is
`u/<user>/scripts/analytics_report`): listed from their folder only, matched by name words first.

A person whose folder was never provisioned still has their starting items by name: one named that
is missing is created from its template (as `provision_user` would, validated, kept if present)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.create import ensure
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.builder.starting_folder import item_body
from f.openanalyst.lib.user_templates import render
from f.openanalyst.lib.users import user_folder

_NOISE = frozenset(
    [
        "a",
        "an",
        "the",
        "my",
        "our",
        "your",
        "of",
        "for",
        "to",
        "and",
        "script",
        "scripts",
        "flow",
        "flows",
        "job",
        "report's",
    ]
)


@dataclass(frozen=True)
class Runnable:
    path: str
    is_flow: bool
    summary: str
    schema: dict[str, Any]
    template: dict[str, Any] | None = None  # a starting item not yet in the folder


def _starting_items(user_id: str, present: set[str]) -> list[Runnable]:
    """The person's starting scripts and flows (u_templates) that are not in their folder."""
    out = []
    for t in render(user_id):
        path = f"{user_folder(user_id)}/{t['kind']}s/{t['name']}"
        if t["kind"] in ("script", "flow") and path not in present:
            out.append(Runnable(path, t["kind"] == "flow", str(t.get("summary") or ""), {}, t))
    return out


def _create_from_template(user_id: str, item: Runnable) -> Runnable:
    body = item_body(user_id, item.template or {})
    ensure("flow" if item.is_flow else "script", body, keep_existing=True)
    return Runnable(item.path, item.is_flow, item.summary, body.get("schema") or {}, item.template)


# Words people use for a report: "send me a summary of my week" runs their analytics report.
_SAME_AS = {"summary": "report", "recap": "report", "digest": "report", "overview": "report"}


def _words(text: str) -> set[str]:
    # "reports" and "report" are one word here; so are "posts" and "post"
    words = {w.removesuffix("s") if len(w) > 3 else w for w in re.findall(r"[a-z0-9]+", text.lower())}
    return {_SAME_AS.get(w, w) for w in words} - _NOISE


def own_runnables(user_id: str) -> list[Runnable]:
    """The person's scripts and flows (their folder only)."""
    prefix = f"{user_folder(user_id)}/"
    found: list[Runnable] = []
    for kind, is_flow in (("scripts", False), ("flows", True)):
        items = windmill_rest.request(
            "GET", f"{kind}/list", params={"path_start": prefix, "per_page": 100}
        ).json()
        for item in items if isinstance(items, list) else []:
            path = str(item.get("path") or "")
            if path.startswith(prefix):
                found.append(
                    Runnable(path, is_flow, str(item.get("summary") or ""), item.get("schema") or {})
                )
    return found


def find_runnable(user_id: str, words: str) -> Runnable:
    """The person's script or flow `words` names; BuildError listing theirs when none or several fit."""
    wanted = _words(words)
    own = own_runnables(user_id)
    candidates = own + _starting_items(user_id, {i.path for i in own})
    scored: list[tuple[float, Runnable]] = []
    for item in candidates:
        name = item.path.rsplit("/", 1)[1]
        exact = name == re.sub(r"[\s-]+", "_", words.strip().lower())
        named, summarised = _words(name.replace("_", " ")), _words(item.summary)
        by_name = len(wanted & named)
        by_summary = len(wanted & summarised)
        # every word said is in its name or summary: "scheduled posts" is the script summarised
        # "My scheduled posts" (scheduler), not social_post, which only shares "post"
        whole = 3.0 * (len(wanted) > 1 and wanted <= named | summarised)
        if exact or by_name or whole:
            scored.append((100.0 * exact + 2.0 * by_name + by_summary + whole - 0.01 * len(name), item))
    scored.sort(key=lambda s: -s[0])
    names = ", ".join(sorted(i.path.rsplit("/", 1)[1] for i in own)) or "none yet"
    if not scored:
        raise BuildError(
            f"I found no script or flow of yours called {words!r} (yours: {names}). Say which one "
            "should run, or ask me to create it first."
        )
    best = scored[0][1]
    if best.template is not None:
        return _create_from_template(user_id, best)
    full = windmill_rest.get("flow" if best.is_flow else "script", best.path) or {}  # the list omits schemas
    return Runnable(best.path, best.is_flow, best.summary, full.get("schema") or {})


def unset_inputs(target: Runnable, args: dict[str, Any]) -> list[str]:
    """The target's required inputs that have no default and no value in `args`."""
    props = target.schema.get("properties") or {}
    return [
        k
        for k in target.schema.get("required") or []
        if k not in args and "default" not in (props.get(k) or {})
    ]
