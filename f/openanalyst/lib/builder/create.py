"""Create an item in a person's Windmill folder through the REST API, after the kind's own checks.

Every path is made by `users.user_path` from a validated user id and a plain name, so nothing
can be created outside `u/<user>/`. Whatever a flow, app or schedule runs must be the person's
own (`u/<user>/...`) or shared OpenAnalyst code (`f/openanalyst/...`). Validation happens before
the first write: a refused request creates nothing.

Every item runs as its owner, never as the platform that creates it (`owner.run_as_owner`): an
existing item that would run as anyone else is given back to its owner, whatever else happens.

`ensure()` is idempotent: an item that exists with the same content is left alone ("unchanged"),
so provisioning twice changes nothing.
"""

from __future__ import annotations

import json
from typing import Any

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.owner import run_as_owner, runs_as_owner
from f.openanalyst.lib.builder.paths import BuildError

# ---------------------------------------------------------------------------- create


def _same(kind: str, existing: dict[str, Any], body: dict[str, Any]) -> bool:
    """Does the existing item already hold what `body` would create?"""
    keys = {
        "script": ("content", "language", "summary"),
        "flow": ("value", "summary", "schema"),
        "app": ("value", "summary"),
        "schedule": ("schedule", "timezone", "script_path", "is_flow", "args"),
        "resource": ("value", "resource_type"),
    }[kind]
    return all(_norm(existing.get(k)) == _norm(body.get(k)) for k in keys)


def _norm(v: Any) -> Any:
    return json.loads(json.dumps(v, sort_keys=True, default=str)) if v is not None else None


def ensure(
    kind: str, body: dict[str, Any], overwrite: bool = False, keep_existing: bool = False
) -> dict[str, Any]:
    """Create `body` at body["path"]. If it exists: "unchanged" when equal; otherwise "kept" with
    keep_existing (a person's own edits survive re-provisioning), "updated" with overwrite, else refuse."""
    path = body["path"]
    body = run_as_owner(kind, body)
    existing = windmill_rest.get(kind, path) if windmill_rest.exists(kind, path) else None  # type: ignore[arg-type]
    if existing is None:
        windmill_rest.create(kind, body)  # type: ignore[arg-type]
        return {"path": path, "kind": kind, "action": "created"}
    same = _same(kind, existing, body)
    if not runs_as_owner(kind, existing, body) and (same or keep_existing or not overwrite):
        _give_back(kind, existing, body)
    if same:
        return {"path": path, "kind": kind, "action": "unchanged"}
    if keep_existing and not overwrite:
        return {"path": path, "kind": kind, "action": "kept"}
    if not overwrite:
        # said to a person in the chat as well as to a caller of the builder's scripts in Windmill
        raise BuildError(
            f"You already have `{path}`, and it holds something else, so I left it as it is. Ask for "
            "the new one under another name, or delete or rename the old one in Windmill first "
            "(a builder script run in Windmill replaces it with overwrite on)."
        )
    if kind == "script":
        windmill_rest.create("script", {**body, "parent_hash": existing.get("hash")})
    elif kind == "flow":
        windmill_rest.update_flow(path, body)
    elif kind == "app":
        windmill_rest.update_app(path, body)
    elif kind == "schedule":
        if (existing.get("script_path"), existing.get("is_flow")) != (body["script_path"], body["is_flow"]):
            raise BuildError(
                f"{path} runs another script; Windmill cannot retarget a schedule: pick a new name"
            )
        # EditSchedule's fields, with the identity it keeps
        edit = (
            "schedule",
            "timezone",
            "args",
            "summary",
            "description",
            "permissioned_as",
            "preserve_permissioned_as",
        )
        windmill_rest.update_schedule(path, {k: body[k] for k in edit if k in body})
    else:
        windmill_rest.update_resource(path, body)
    return {"path": path, "kind": kind, "action": "updated"}


def _give_back(kind: str, existing: dict[str, Any], body: dict[str, Any]) -> None:
    """Re-save the existing item as it is, running as the identity `body` names (its owner)."""
    path = body["path"]
    if kind == "script":
        keep = ("path", "summary", "description", "content", "language", "kind", "schema", "lock")
        again = {k: existing[k] for k in keep if existing.get(k) is not None}
        windmill_rest.create(
            "script",
            {
                **again,
                "parent_hash": existing.get("hash"),
                **_identity(body, "on_behalf_of_email", "preserve_on_behalf_of"),
            },
        )
    elif kind == "flow":
        keep = ("path", "summary", "description", "value", "schema")
        again = {k: existing[k] for k in keep if existing.get(k) is not None}
        windmill_rest.update_flow(
            path, {**again, **_identity(body, "on_behalf_of_email", "preserve_on_behalf_of")}
        )
    elif kind == "schedule":
        keep = ("schedule", "timezone", "args", "summary", "description")
        again = {k: existing[k] for k in keep if existing.get(k) is not None}
        windmill_rest.update_schedule(
            path, {**again, **_identity(body, "permissioned_as", "preserve_permissioned_as")}
        )
    elif kind == "app":
        policy = {
            **(existing.get("policy") or {}),
            **{k: body["policy"][k] for k in ("on_behalf_of", "on_behalf_of_email")},
        }
        windmill_rest.update_app(path, {"policy": policy, "preserve_on_behalf_of": True})


def _identity(body: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: body[k] for k in keys}
