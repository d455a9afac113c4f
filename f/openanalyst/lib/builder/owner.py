"""Who a person's items run as: the person, never the platform.

The builder runs inside the platform's flow, as its admin. Windmill would make what an admin creates
run as that admin: a schedule's `permissioned_as` is its creator, an app in publisher mode runs as its
publisher, and an admin's flow step runs a person's script as the admin. So every item the builder
creates in `u/<user>/` names its owner as the identity it runs as, which only an admin (or a member
of `wm_deployers`) may do:
- scripts and flows: `on_behalf_of_email` = the owner's email, `preserve_on_behalf_of: true`
  (`resolve_on_behalf_of_email`, https://github.com/windmill-labs/windmill/blob/main/backend/windmill-common/src/lib.rs);
  a job of the item then runs as the owner whoever starts it, the platform's flow included
  (the `on_behalf_of` branch in https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs);
- schedules: `permissioned_as: u/<owner>`, `preserve_permissioned_as: true`
  (https://github.com/windmill-labs/windmill/blob/main/backend/tests/folder_default_permissioned_as.rs);
- apps: `policy.on_behalf_of: u/<owner>` with its email, `preserve_on_behalf_of: true`.
The owner is a member of the workspace (added once, not an admin), so their jobs see only what
Windmill lets that member see: their own folder, never the platform's secrets or another person's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.paths import BuildError
from f.openanalyst.lib.users import owner_of, validate_user_id

# The address a person gets when they join the workspace through OpenAnalyst (no sign-in of their
# own): a reserved domain (RFC 2606), so it can never reach anyone. A person who already is a member
# (signed in to Windmill) keeps their own address.
MEMBER_EMAIL_DOMAIN = "people.openanalyst.invalid"


# Each member's email, looked up once per job (a person's first request creates six items for them).
_emails: dict[tuple[tuple[str | None, ...], str], str] = {}


def member_email(user_id: str) -> str:
    """The email of workspace member `user_id`, who is added (not an admin) when missing."""
    validate_user_id(user_id)
    scope = windmill_rest.job_scope()
    if scope is not None and (scope, user_id) in _emails:
        return _emails[(scope, user_id)]
    email = _member_email(user_id)
    if scope is not None:
        _emails[(scope, user_id)] = email
    return email


def _member_email(user_id: str) -> str:
    try:
        return str(windmill_rest.request("GET", f"users/whois/{quote(user_id)}").json()["email"])
    except windmill_rest.WindmillError as exc:
        if exc.status != 404:
            raise BuildError(f"could not look up {user_id} in the workspace ({exc.status})") from exc
    email = f"{user_id}@{MEMBER_EMAIL_DOMAIN}"
    body = {"email": email, "username": user_id, "is_admin": False, "operator": False}
    try:
        windmill_rest.request("POST", "workspaces/add_user", json=body)
    except windmill_rest.WindmillError as exc:
        raise BuildError(
            f"{user_id} is not a member of the workspace and could not be added ({exc.status}): "
            "ask an admin to add them"
        ) from exc
    return email


def run_as_owner(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """`body` with the identity its runs take: the owner of its `u/<user>/` path."""
    owner = owner_of(str(body.get("path") or ""))
    if owner is None:
        raise BuildError(f"{body.get('path')!r} is not in a person's folder")
    if kind in ("script", "flow"):
        return {**body, "on_behalf_of_email": member_email(owner), "preserve_on_behalf_of": True}
    if kind == "schedule":
        member_email(owner)
        return {**body, "permissioned_as": f"u/{owner}", "preserve_permissioned_as": True}
    if kind == "app":
        policy = {**(body.get("policy") or {}), "on_behalf_of": f"u/{owner}"}
        policy["on_behalf_of_email"] = member_email(owner)
        return {**body, "policy": policy, "preserve_on_behalf_of": True}
    return body


def runs_as_owner(kind: str, existing: dict[str, Any], body: dict[str, Any]) -> bool:
    """Does the existing item already run as the identity `body` names?"""
    if kind in ("script", "flow"):
        return existing.get("on_behalf_of_email") == body.get("on_behalf_of_email")
    if kind == "schedule":
        return existing.get("permissioned_as") == body.get("permissioned_as")
    if kind == "app":
        return (existing.get("policy") or {}).get("on_behalf_of") == body["policy"].get("on_behalf_of")
    return True


def ensure_runs_as_owner(path: str, is_flow: bool = False) -> None:
    """Refuse (BuildError) to start a person's script or flow that does not run as them.

    The platform's flows run as the admin, and a job of an item that names no identity runs as
    whoever starts it, so the person's own code would run with the platform's rights. Items the
    builder saves run as their owner (`run_as_owner`); one the person saved themselves may not."""
    kind = "flow" if is_flow else "script"
    wanted = run_as_owner(kind, {"path": path})  # the builder's identity for it
    if not runs_as_owner(kind, windmill_rest.get(kind, path) or {}, wanted):
        raise BuildError(
            f"`{path}` runs as whoever starts it, and I start jobs with the platform's rights, so I only "
            "run your items that run as you (the ones I create for you do): run it from its page in "
            "Windmill, or ask me to create it."
        )
