"""Windmill's permission model on the dev runtime: who a caller is, and what they may see and change.

- Users live in the workspace (`workspaces/add_user`); the operator is the workspace admin. Every user
  is in group `all`; admins add users to other groups (`groups/create`, `groups/adduser`).
- An item's path decides who owns it: `u/<user>/...` is that user's, `f/<folder>/...` follows the
  folder's ACL (`owners` and `extra_perms`: `true` = may write, `false` = may read); admins pass.
  Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-auth/src/permissions.rs
- A job is readable by admins, by who created it, by whom it runs as (`permissioned_as`, or one of their
  groups), and by whoever may read its runnable's path; a step inherits from its parent flows.
  Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/tests/jobs_read_auth.rs
- Who a runnable runs as: the caller, unless the item names another identity. Scripts and flows
  keep `on_behalf_of_email` and apps `policy.on_behalf_of`; a schedule keeps `permissioned_as`. Each
  is the caller's own identity unless an admin or a member of `wm_deployers` creates or updates it with
  `preserve_on_behalf_of` / `preserve_permissioned_as` (`can_preserve_on_behalf_of` and
  `resolve_on_behalf_of_email` in
  https://github.com/windmill-labs/windmill/blob/main/backend/windmill-common/src/lib.rs; schedules:
  https://github.com/windmill-labs/windmill/blob/main/backend/tests/folder_default_permissioned_as.rs).
  A job of such an item runs as that identity whoever starts it (the `on_behalf_of` branch of the
  run-by-path handlers in
  https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/jobs.rs and of a flow
  step's push in https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/worker_flow.rs).
- Tokens may carry scopes `{domain}:{action}[:{resource}]` (`jobs:run:flows:f/x/*`); a scoped token
  reaches only the routes its scopes name.
  Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api-auth/src/scopes.rs
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.devruntime.store import Store

USERNAME = re.compile(r"^[A-Za-z0-9_-]{1,50}$")


class Forbidden(Exception):
    """The caller is known but may not do this (HTTP 403)."""


@dataclass(frozen=True)
class Identity:
    """Who is calling: the operator, a user's token, or a job acting as the user it runs as."""

    kind: str  # "operator" | "token" | "job"
    username: str
    email: str
    is_admin: bool = False
    super_admin: bool = False
    groups: tuple[str, ...] = ("all",)
    job_id: str | None = None
    # None: unscoped (everything the user may do); otherwise only what the scopes name.
    scopes: tuple[str, ...] | None = None

    @property
    def permissioned_as(self) -> str:
        return f"u/{self.username}"

    @property
    def principals(self) -> set[str]:
        return {f"u/{self.username}", *(f"g/{g}" for g in self.groups)}


@dataclass
class Acl:
    """Permission checks against the users, groups and folders of the store."""

    store: Store
    admin_username: str
    admin_email: str

    # ---- users and groups
    def user(self, username: str) -> dict[str, Any] | None:
        if username == self.admin_username:
            return {
                "username": username,
                "email": self.admin_email,
                "is_admin": True,
                "operator": False,
                "disabled": False,
            }
        return self.store.get("user", username)

    def groups_of(self, username: str) -> tuple[str, ...]:
        named = [g["name"] for g in self.store.list("group") if username in (g.get("members") or [])]
        return ("all", *sorted(named))

    def identity_of(
        self, username: str, kind: str, job_id: str | None = None, scopes: tuple[str, ...] | None = None
    ) -> Identity | None:
        user = self.user(username)
        if user is None or user.get("disabled"):
            return None
        return Identity(
            kind=kind,
            username=username,
            email=user["email"],
            is_admin=bool(user.get("is_admin")),
            super_admin=username == self.admin_username,
            groups=self.groups_of(username),
            job_id=job_id,
            scopes=scopes,
        )

    def user_by_email(self, email: str) -> dict[str, Any] | None:
        if email == self.admin_email:
            return self.user(self.admin_username)
        return self.store.find("user", "email", email)

    # ---- who a runnable runs as
    def can_preserve(self, who: Identity) -> bool:
        """Windmill's can_preserve_on_behalf_of: admins and members of `wm_deployers`."""
        return who.is_admin or "wm_deployers" in who.groups

    def resolve_on_behalf_of_email(self, who: Identity, email: Any, preserve: Any) -> str | None:
        """None when none is asked for; the given email when `who` may preserve it (and it names a
        member); otherwise the caller's own email (Windmill's resolve_on_behalf_of_email)."""
        if not email:
            return None
        if preserve and self.can_preserve(who):
            if self.user_by_email(str(email)) is None:
                raise Forbidden(f"no member of the workspace has the email {email}")
            return str(email)
        return who.email

    def resolve_permissioned_as(self, who: Identity, permissioned_as: Any, preserve: Any) -> str:
        """A schedule's identity: the caller, or the `u/<user>` an admin or deployer preserves."""
        if permissioned_as and preserve and self.can_preserve(who):
            name = str(permissioned_as)
            if not name.startswith("u/") or self.user(name.removeprefix("u/")) is None:
                raise Forbidden(f"{name} is not a member of the workspace")
            return name
        return who.permissioned_as

    # ---- paths
    def folder_access(self, who: Identity, folder: str) -> str:
        """'owner', 'write', 'read' or '' for `who` on folder `folder`."""
        doc = self.store.get("folder", folder)
        if doc is None:
            return ""
        mine = who.principals
        if mine & set(doc.get("owners") or []):
            return "owner"
        perms = {k: bool(v) for k, v in (doc.get("extra_perms") or {}).items() if k in mine}
        if any(perms.values()):
            return "write"
        return "read" if perms else ""

    def item_perms(self, path: str) -> dict[str, bool]:
        """An item's own ACL (`extra_perms`, granular_acls.rs): principal -> may write."""
        doc = self.store.get("acl", path) or {}
        return {str(k): bool(v) for k, v in (doc.get("extra_perms") or {}).items()}

    def _path_access(self, who: Identity, path: str, levels: tuple[str, ...]) -> bool:
        """Admins pass; `u/<user>/...` is its user's; `f/<folder>/...` needs one of `levels`; an item
        shared with one of the caller's principals (its own extra_perms) passes too: `false` = read,
        `true` = write (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/granular_acls.rs)."""
        if who.is_admin:
            return True
        shared = [w for k, w in self.item_perms(path).items() if k in who.principals]
        if shared and (any(shared) or "read" in levels):
            return True
        kind, _, rest = path.partition("/")
        owner = rest.split("/", 1)[0]
        if kind == "u":
            return owner == who.username
        return kind == "f" and self.folder_access(who, owner) in levels

    def can_read_path(self, who: Identity, path: str) -> bool:
        return self._path_access(who, path, ("owner", "write", "read"))

    def can_write_path(self, who: Identity, path: str) -> bool:
        return self._path_access(who, path, ("owner", "write"))

    def require_read(self, who: Identity, path: str) -> None:
        if not self.can_read_path(who, path):
            raise Forbidden(
                f"you may not read {path}: it belongs to another user or to a folder you cannot read"
            )

    def require_write(self, who: Identity, path: str) -> None:
        if not self.can_write_path(who, path):
            owner = path.split("/")[1] if path.count("/") >= 1 else path
            if path.startswith("u/"):
                raise Forbidden(f"only the owner {owner} may write {path}")
            raise Forbidden(f"you may not write {path}: only an admin or a writer of folder {owner} may")

    def is_owner_of_path(self, who: Identity, path: str) -> bool:
        """Windmill's require_owner_of_path: admin, the `u/<user>` owner, or an owner of the folder."""
        return self._path_access(who, path, ("owner",))

    # ---- jobs
    def can_read_job(
        self, who: Identity, doc: dict[str, Any], parent: Callable[[str], dict[str, Any] | None]
    ) -> bool:
        if who.is_admin:
            return True
        seen: set[str] = set()
        current: dict[str, Any] | None = doc
        while current is not None and current["id"] not in seen:
            seen.add(current["id"])
            if current.get("created_by") == who.username or current.get("permissioned_as") in who.principals:
                return True
            path = current.get("script_path")
            if path and current.get("visible_to_owner", True) and self.can_read_path(who, path):
                return True
            parent_id = current.get("parent_job")
            current = parent(parent_id) if parent_id else None
        return False


# ---- scopes
def _parse_scope(scope: str) -> tuple[str, str, str | None, list[str] | None]:
    parts = scope.split(":")
    if len(parts) == 2:
        return parts[0], parts[1], None, None
    if len(parts) == 3:
        if parts[0] == "jobs" and parts[1] == "run":
            return parts[0], parts[1], parts[2], None
        return parts[0], parts[1], None, parts[2].split(",")
    if len(parts) == 4 and parts[0] == "jobs" and parts[1] == "run":
        return parts[0], parts[1], parts[2], parts[3].split(",")
    raise ValueError(f"invalid scope {scope!r}")


def _resource_matches(pattern: str, resource: str) -> bool:
    if pattern in ("*", resource):
        return True
    if pattern.endswith("/*"):
        prefix = pattern[:-2]
        return resource == prefix or resource.startswith(prefix + "/")
    return False


def scope_allows(
    scopes: tuple[str, ...], domain: str, action: str, kind: str | None, resource: str | None
) -> bool:
    """Whether one of `scopes` includes the required `{domain}:{action}[:{kind}][:{resource}]`."""
    for scope in scopes:
        if scope == "*":
            return True
        try:
            s_domain, s_action, s_kind, s_resources = _parse_scope(scope)
        except ValueError:
            continue
        if s_domain != domain:
            continue
        # write and run include read
        if s_action != action and not (action == "read" and s_action in ("write", "run")):
            continue
        if (
            domain == "jobs"
            and s_action == "run"
            and action == "run"
            and s_kind is not None
            and s_kind != kind
        ):
            continue
        if s_resources is None:
            return True
        if resource is not None and any(_resource_matches(p, resource) for p in s_resources):
            return True
    return False


def route_scope(
    method: str, template: str, params: dict[str, str]
) -> tuple[str, str, str | None, str | None]:
    """The scope a route needs: domain from its first segment, action from the method."""
    rest = template.split("/w/{workspace}/", 1)[1] if "/w/{workspace}/" in template else template.lstrip("/")
    segment = rest.split("/", 1)[0]
    domain = {"jobs_u": "jobs", "job_metrics": "jobs", "apps_u": "apps"}.get(segment, segment)
    if domain == "workspaces" and "add_user" in rest:
        domain = "users"
    resource = params.get("path")
    if domain == "jobs" and method == "POST" and "/run" in rest and "{path}" in rest:
        kind = "flows" if "/f/{path}" in rest else "scripts"
        return "jobs", "run", kind, resource
    return domain, ("read" if method in ("GET", "HEAD") else "write"), None, resource
