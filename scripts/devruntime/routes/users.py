"""Users, groups and tokens of the workspace (Windmill's user, workspace and group APIs), and version.

Windmill: https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/users.rs
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from scripts.devruntime.acl import USERNAME, Forbidden, Identity
from scripts.devruntime.auth import new_token
from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.http import Call, NotSupported, Op, js, text
from scripts.devruntime.jobs import now_iso

VERSION = "v1.743.0-openanalyst-dev"


def _folders(call: Call, who: Identity) -> dict[str, list[str]]:
    acl = call.runtime.acl
    access = {f["name"]: acl.folder_access(who, f["name"]) for f in call.runtime.store.list("folder")}
    return {
        "folders_read": sorted(n for n, a in access.items() if a),
        "folders": sorted(n for n, a in access.items() if a in ("write", "owner")),
        "folders_owners": sorted(n for n, a in access.items() if a == "owner"),
    }


def _workspace_user(call: Call, who: Identity) -> dict[str, Any]:
    return {
        "email": who.email,
        "username": who.username,
        "is_admin": who.is_admin,
        "is_super_admin": who.super_admin,
        "created_at": "2026-01-01T00:00:00Z",
        "operator": False,
        "disabled": False,
        "groups": [g for g in who.groups if g != "all"],
        **_folders(call, who),
    }


async def whoami(call: Call) -> Response:
    who = call.who
    return js(
        {
            # GlobalUserInfo fields, plus the User fields the CLI's whoami also reads.
            **_workspace_user(call, who),
            "login_type": "password",
            "super_admin": who.super_admin,
            "verified": True,
            "first_time_user": False,
            "role_source": "manual",
            "name": who.username,
        }
    )


async def ws_whoami(call: Call) -> Response:
    return js(_workspace_user(call, call.who))


def _unenforced_scope(scope: str) -> str | None:
    """Scopes Windmill has that the dev runtime would not enforce: refused rather than ignored
    (jobs_read_auth.rs: SCOPED_DENO_TOKEN `if_jobs:filter_tags:deno`, APP_RUNNER_TOKEN `apps:run:<app>`)."""
    if scope.startswith("if_"):
        return "tag-filter scopes"
    if scope.startswith("apps:run"):
        return "app run scopes"
    return None


async def edit_error_handler(call: Call) -> Response:
    """Windmill runs a workspace error handler script after any failed job (an Enterprise
    feature, backend/tests/error_handler.rs); the dev runtime has none and says so."""
    raise NotSupported(
        "the workspace error handler (a script run after any failed job) is not supported by the dev runtime"
    )


async def create_token(call: Call) -> Response:
    """A token of the caller, optionally narrowed by scopes. A job's token cannot mint tokens:
    what a job may do ends with the job."""
    body = call.json() or {}
    who = call.who
    if who.kind == "job":
        raise Forbidden("a job's token cannot create tokens")
    scopes = body.get("scopes")
    for scope in scopes or ():
        refused = _unenforced_scope(str(scope))
        if refused:
            raise NotSupported(f"{refused} ({scope}) are not supported by the dev runtime")
    if who.scopes is not None:
        scopes = list(who.scopes) if scopes is None else [s for s in scopes if s in who.scopes]
    token = new_token(call.runtime, who.username, body.get("label"), body.get("expiration"), scopes)
    return text(token, 201)


async def impersonate(call: Call) -> Response:
    """A token acting as another user (super admin only): how the operator, tests and the hub get
    a person's token. Windmill: `/users/tokens/impersonate` requires a super admin."""
    who = call.who
    if not who.super_admin or who.kind != "operator":
        raise Forbidden("only the super admin may create a token for another user")
    body = call.json() or {}
    email = body["impersonate_email"]
    user = call.runtime.store.find("user", "email", email)
    if user is None:
        if email != call.runtime.settings.email:
            raise NotFound(f"no user with email {email} in the workspace")
        user = {"username": call.runtime.settings.username}
    token = new_token(call.runtime, user["username"], body.get("label"), body.get("expiration"))
    return text(token, 201)


async def add_user(call: Call) -> Response:
    """`workspaces/add_user` (admin only): a member, optionally admin."""
    call.require_admin()
    body = call.json() or {}
    email = body["email"]
    username = body.get("username") or email.split("@")[0]
    if not USERNAME.match(username) or username == call.runtime.settings.username:
        raise BadRequest(f"invalid or reserved username {username!r}")
    if call.runtime.store.get("user", username) is not None:
        raise BadRequest(f"user {username} already exists")
    call.runtime.store.put(
        "user",
        username,
        {
            "username": username,
            "email": email,
            "is_admin": bool(body.get("is_admin")),
            "operator": bool(body.get("operator")),
            "disabled": False,
            "created_at": now_iso(),
        },
    )
    return text(f"user {username} added")


async def whois(call: Call) -> Response:
    username = call.params["username"]
    identity = call.runtime.acl.identity_of(username, "token")
    if identity is None:
        raise NotFound(f"user {username} not found")
    return js(_workspace_user(call, identity))


async def group_create(call: Call) -> Response:
    call.require_admin()
    body = call.json() or {}
    name = body["name"]
    if not USERNAME.match(name) or name == "all":
        raise BadRequest(f"invalid or reserved group name {name!r}")
    if call.runtime.store.get("group", name) is not None:
        raise BadRequest(f"group {name} already exists")
    call.runtime.store.put("group", name, {"name": name, "summary": body.get("summary") or "", "members": []})
    return text(f"created group {name}")


async def group_adduser(call: Call) -> Response:
    call.require_admin()
    group = call.runtime.store.get("group", call.params["name"])
    if group is None:
        raise NotFound(f"group {call.params['name']} not found")
    username = (call.json() or {})["username"]
    if call.runtime.acl.user(username) is None:
        raise NotFound(f"user {username} not found")
    group["members"] = sorted({*group.get("members", []), username})
    call.runtime.store.put("group", group["name"], group)
    return text(f"added {username} to group {group['name']}")


async def version(call: Call) -> Response:
    return text(VERSION)


OPS = [
    Op("GET", "/users/whoami", whoami),
    Op("GET", "/w/{workspace}/users/whoami", ws_whoami),
    Op("GET", "/w/{workspace}/users/whois/{username}", whois),
    Op("POST", "/users/tokens/create", create_token),
    Op("POST", "/users/tokens/impersonate", impersonate),
    Op("POST", "/w/{workspace}/workspaces/add_user", add_user),
    Op("POST", "/w/{workspace}/workspaces/edit_error_handler", edit_error_handler, validate=False),
    Op("POST", "/w/{workspace}/groups/create", group_create),
    Op("POST", "/w/{workspace}/groups/adduser/{name}", group_adduser),
    Op("GET", "/version", version, public=True),
]
