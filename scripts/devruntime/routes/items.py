"""Scripts, flows, apps, schedules and folders: create, update, get, exists, list.

Items created through the API live in SQLite; the bundle's own scripts and flows are read from
disk (so edits show at once). Created items win over bundle files at the same path, so writing is
checked as Windmill checks it: `u/<user>/` is its owner's, `f/<folder>/` needs write access to the
folder (only admins may write `f/openanalyst/`); reading, listing and `exists` show only what the
caller may read (scripts.rs, flows.rs, folders.rs in
https://github.com/windmill-labs/windmill/tree/main/backend/windmill-api/src).
"""

from __future__ import annotations

import hashlib
from typing import Any

from starlette.responses import Response

from scripts.devruntime.acl import Forbidden
from scripts.devruntime.bundle import read_script_meta
from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.http import Call, NotSupported, Op, js, paginate, text
from scripts.devruntime.jobs import check_item_path, now_iso

_EPOCH = "2026-01-01T00:00:00Z"


def _on_behalf_of(call: Call, body: dict[str, Any]) -> str | None:
    """Who a script or flow runs as (see acl.py): None (the caller of each run) or an email."""
    return call.runtime.acl.resolve_on_behalf_of_email(
        call.who, body.get("on_behalf_of_email"), body.get("preserve_on_behalf_of")
    )


# ---- scripts
def _script_doc(call: Call, path: str) -> dict[str, Any]:
    rt = call.runtime
    stored = rt.store.get("script", path)
    if stored is not None:
        return stored
    source = rt.bundle.find_script(path)
    if source is None or source.file is None:
        raise NotFound(f"script not found at path {path}")
    meta_file = source.file.with_name(source.file.name.removesuffix(".py") + ".script.yaml")
    meta = read_script_meta(meta_file)
    return {
        "path": path,
        "summary": meta.get("summary") or "",
        "description": meta.get("description") or "",
        "content": source.content,
        "language": "python3",
        "kind": meta.get("kind") or "script",
        "schema": meta.get("schema"),
        "hash": hashlib.sha256(source.content.encode()).hexdigest()[:16],
        "created_by": rt.settings.username,
        "created_at": _EPOCH,
    }


def _api_script(call: Call, doc: dict[str, Any]) -> dict[str, Any]:
    out = {
        "workspace_id": call.runtime.settings.workspace,
        "archived": False,
        "deleted": False,
        "is_template": False,
        "extra_perms": {},
        "starred": False,
        "has_preprocessor": False,
        **doc,
    }
    if out.get("schema") is None:
        out.pop("schema", None)
    return out


async def script_create(call: Call) -> Response:
    body = call.json()
    check_item_path(body["path"])
    call.require_write(body["path"])
    content = body["content"]
    digest = hashlib.sha256(f"{body['path']}\n{content}".encode()).hexdigest()[:16]
    doc = {
        "path": body["path"],
        "summary": body.get("summary") or "",
        "description": body.get("description") or "",
        "content": content,
        "language": body["language"],
        "kind": body.get("kind") or "script",
        "schema": body.get("schema"),
        "lock": body.get("lock"),
        "hash": digest,
        "on_behalf_of_email": _on_behalf_of(call, body),
        "created_by": call.who.username,
        "created_at": now_iso(),
    }
    doc = {k: v for k, v in doc.items() if v is not None}
    call.runtime.store.put("script", body["path"], doc)
    return text(digest, 201)


async def script_get(call: Call) -> Response:
    call.require_read(call.params["path"])
    return js({**_api_script(call, _script_doc(call, call.params["path"])), "is_draft": False})


async def script_raw(call: Call) -> Response:
    path = call.params["path"]
    for suffix in (".py", ".ts"):
        path = path.removesuffix(suffix)
    call.require_read(path)
    return text(_script_doc(call, path)["content"])


async def script_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    try:
        _script_doc(call, call.params["path"])
    except NotFound:
        return js(False)
    return js(True)


async def script_list(call: Call) -> Response:
    rt = call.runtime
    start = call.query.get("path_start") or ""
    exact = call.query.get("path_exact")
    # Windmill filters by path in its query (`list_scripts`,
    # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/scripts.rs):
    # so does this, rather than reading every person's scripts for each list.
    paths = sorted(set(rt.store.paths("script", start)) | set(rt.bundle.scripts(start)))
    out = []
    for path in paths:
        if (exact and path != exact) or not call.can_read(path):
            continue
        out.append(_api_script(call, _script_doc(call, path)))
    return js(paginate(call, out))


# ---- flows
def _flow_doc(call: Call, path: str) -> dict[str, Any]:
    flow = call.runtime.find_flow(path)
    return {
        "workspace_id": call.runtime.settings.workspace,
        "summary": flow.get("summary") or "",
        "description": flow.get("description") or "",
        "value": flow.get("value") or {"modules": []},
        "schema": flow.get("schema") or {},
        "path": path,
        "edited_by": flow.get("edited_by") or call.runtime.settings.username,
        "edited_at": flow.get("edited_at") or _EPOCH,
        "archived": False,
        "extra_perms": {},
        **({"on_behalf_of_email": flow["on_behalf_of_email"]} if flow.get("on_behalf_of_email") else {}),
    }


def _save_flow(call: Call, path: str, body: dict[str, Any]) -> None:
    doc = {
        "path": path,
        "summary": body.get("summary") or "",
        "description": body.get("description") or "",
        "value": body["value"],
        "schema": body.get("schema") or {},
        "edited_by": call.who.username,
        "edited_at": now_iso(),
        "visible_to_runner_only": bool(body.get("visible_to_runner_only")),
        "on_behalf_of_email": _on_behalf_of(call, body),
    }
    call.runtime.store.put("flow", path, {k: v for k, v in doc.items() if v is not None})


def _new_item(call: Call, kind: str) -> dict[str, Any]:
    """The create body of a script-like item, its path checked and not yet taken."""
    body = call.json()
    check_item_path(body["path"])
    call.require_write(body["path"])
    if call.runtime.store.get(kind, body["path"]) is not None:
        raise BadRequest(f"{kind} {body['path']} already exists")
    return body


async def flow_create(call: Call) -> Response:
    body = _new_item(call, "flow")
    _save_flow(call, body["path"], body)
    return text(body["path"], 201)


async def flow_update(call: Call) -> Response:
    body = call.json()
    call.require_write(call.params["path"])
    call.runtime.find_flow(call.params["path"])
    if body.get("path"):
        check_item_path(body["path"])
        call.require_write(body["path"])
    if body.get("path") and body["path"] != call.params["path"]:
        call.runtime.store.delete("flow", call.params["path"])
    _save_flow(call, body.get("path") or call.params["path"], body)
    return text(body.get("path") or call.params["path"])


async def flow_get(call: Call) -> Response:
    call.require_read(call.params["path"])
    return js({**_flow_doc(call, call.params["path"]), "is_draft": False})


async def flow_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    try:
        call.runtime.find_flow(call.params["path"])
    except NotFound:
        return js(False)
    return js(True)


async def flow_list(call: Call) -> Response:
    rt = call.runtime
    start = call.query.get("path_start") or ""
    paths = sorted(set(rt.store.paths("flow", start)) | set(rt.bundle.flows(start)))
    return js(paginate(call, [_flow_doc(call, p) for p in paths if call.can_read(p)]))


# ---- apps
def _app(call: Call, path: str) -> dict[str, Any]:
    call.require_read(path)
    doc = call.runtime.store.get("app", path)
    if doc is None:
        raise NotFound(f"app {path} not found")
    return doc


def _app_policy(call: Call, body: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    """An app's components run as the viewer, or (publisher mode) as the policy's `on_behalf_of`:
    the caller, unless an admin or deployer preserves the one given (apps.rs, `should_preserve`)."""
    policy = dict(body.get("policy") or (previous or {}).get("policy") or {})
    who = call.who
    named = policy.get("on_behalf_of")
    if named and body.get("preserve_on_behalf_of") and call.runtime.acl.can_preserve(who):
        call.runtime.acl.resolve_permissioned_as(who, named, True)
        user = call.runtime.acl.user(str(named).removeprefix("u/")) or {}
        policy.update(on_behalf_of=named, on_behalf_of_email=user.get("email"))
    else:
        policy.update(on_behalf_of=who.permissioned_as, on_behalf_of_email=who.email)
    return policy


def _save_app(call: Call, path: str, body: dict[str, Any], previous: dict[str, Any] | None) -> dict[str, Any]:
    version = (previous or {}).get("version", -1) + 1
    doc = {
        "id": (previous or {}).get("id") or abs(hash(path)) % 2**31,
        "workspace_id": call.runtime.settings.workspace,
        "path": path,
        "summary": body.get("summary", (previous or {}).get("summary", "")),
        "value": body.get("value", (previous or {}).get("value")),
        "policy": _app_policy(call, body, previous),
        "version": version,
        "versions": [*((previous or {}).get("versions") or []), version],
        "created_by": call.who.username,
        "created_at": (previous or {}).get("created_at") or now_iso(),
        "edited_at": now_iso(),
        "execution_mode": (body.get("policy") or {}).get("execution_mode", "publisher"),
        "extra_perms": {},
        "raw_app": False,
    }
    call.runtime.store.put("app", path, doc)
    return doc


async def app_create(call: Call) -> Response:
    body = _new_item(call, "app")
    _save_app(call, body["path"], body, None)
    return text(body["path"], 201)


async def app_update(call: Call) -> Response:
    call.require_write(call.params["path"])
    previous = _app(call, call.params["path"])
    body = call.json() or {}
    new_path = check_item_path(body.get("path") or previous["path"])
    call.require_write(new_path)
    if new_path != previous["path"]:
        call.runtime.store.delete("app", previous["path"])
    _save_app(call, new_path, body, previous)
    return text(new_path)


async def app_get(call: Call) -> Response:
    doc = dict(_app(call, call.params["path"]))
    doc.pop("version", None)
    doc.pop("edited_at", None)
    return js({**doc, "is_draft": False})


async def app_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    return js(call.runtime.store.get("app", call.params["path"]) is not None)


async def app_list(call: Call) -> Response:
    keys = (
        "id",
        "workspace_id",
        "path",
        "summary",
        "version",
        "extra_perms",
        "edited_at",
        "execution_mode",
        "raw_app",
    )
    docs = [
        d for d in call.runtime.store.list("app", call.query.get("path_start")) if call.can_read(d["path"])
    ]
    return js(paginate(call, [{k: d[k] for k in keys} for d in docs]))


# ---- schedules
def _schedule(call: Call, path: str) -> dict[str, Any]:
    call.require_read(path)
    doc = call.runtime.store.get("schedule", path)
    if doc is None:
        raise NotFound(f"schedule {path} not found")
    return doc


def _save_schedule(call: Call, path: str, body: dict[str, Any], previous: dict[str, Any] | None) -> None:
    who = call.who
    call.require_write(path)
    asked = {k: body.pop(k, None) for k in ("permissioned_as", "preserve_permissioned_as")}
    doc = {**(previous or {}), **{k: v for k, v in body.items() if v is not None}}
    # A schedule runs as its last editor (schedule.rs sets permissioned_as to the caller on create and
    # update), unless an admin or deployer preserves the identity it names
    # (https://github.com/windmill-labs/windmill/blob/main/backend/tests/folder_default_permissioned_as.rs).
    call.require_read(check_item_path(doc["script_path"]))
    runs_as = call.runtime.acl.resolve_permissioned_as(
        who, asked["permissioned_as"], asked["preserve_permissioned_as"]
    )
    owner = call.runtime.acl.user(runs_as.removeprefix("u/")) or {}
    doc.update(
        path=path,
        edited_by=who.username,
        edited_at=now_iso(),
        enabled=bool(doc.get("enabled", True)),
        extra_perms={},
        email=owner.get("email") or who.email,
        permissioned_as=runs_as,
    )
    doc.setdefault("args", {})
    call.runtime.store.put("schedule", path, doc)


async def schedule_create(call: Call) -> Response:
    body = _new_item(call, "schedule")
    _save_schedule(call, body["path"], body, None)
    return text(body["path"], 201)


async def schedule_update(call: Call) -> Response:
    previous = _schedule(call, call.params["path"])
    _save_schedule(call, previous["path"], call.json() or {}, previous)
    return text(previous["path"])


async def schedule_setenabled(call: Call) -> Response:
    doc = _schedule(call, call.params["path"])
    call.require_write(doc["path"])
    doc["enabled"] = bool((call.json() or {})["enabled"])
    doc["edited_at"] = now_iso()
    call.runtime.store.put("schedule", doc["path"], doc)
    return text(f"schedule {doc['path']} enabled: {doc['enabled']}")


async def schedule_get(call: Call) -> Response:
    return js({**_schedule(call, call.params["path"]), "is_draft": False})


async def schedule_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    return js(call.runtime.store.get("schedule", call.params["path"]) is not None)


async def schedule_list(call: Call) -> Response:
    q = call.query
    docs = [d for d in call.runtime.store.list("schedule", q.get("path_start")) if call.can_read(d["path"])]
    if q.get("path"):
        docs = [d for d in docs if d.get("script_path") == q["path"]]
    if q.get("is_flow") in ("true", "false"):
        docs = [d for d in docs if bool(d.get("is_flow")) == (q["is_flow"] == "true")]
    return js(paginate(call, docs))


# ---- folders
def _folder(call: Call, name: str) -> dict[str, Any]:
    doc = call.runtime.store.get("folder", name)
    if doc is None or (not call.runtime.acl.folder_access(call.who, name) and not call.who.is_admin):
        raise NotFound(f"folder {name} not found")
    return doc


async def folder_create(call: Call) -> Response:
    body = call.json()
    if call.runtime.store.get("folder", body["name"]) is not None:
        raise BadRequest(f"folder {body['name']} already exists")
    if call.who.kind == "job" and not call.who.is_admin:
        raise Forbidden("a job of a non-admin user cannot create folders")
    # The creator owns the new folder (Windmill's folders.rs).
    owner = call.who.permissioned_as
    doc = {
        "name": body["name"],
        "summary": body.get("summary") or "",
        "owners": body.get("owners") or [owner],
        "extra_perms": body.get("extra_perms") or {owner: True},
        "created_by": call.who.username,
        "edited_at": now_iso(),
    }
    call.runtime.store.put("folder", body["name"], doc)
    return text(f"created folder {body['name']}")


async def folder_update(call: Call) -> Response:
    """`folders/update/{name}`: summary, owners, extra_perms, labels, by an admin or an owner of
    the folder (Windmill's folders.rs). Folder `default_permissioned_as` rules (the identity new
    items deployed in the folder run as) are refused: the dev runtime does not apply them
    (backend/tests/folder_default_permissioned_as.rs)."""
    name = call.params["name"]
    doc = _folder(call, name)
    body = call.json() or {}
    if "default_permissioned_as" in body:
        raise NotSupported(
            "folder default_permissioned_as rules (who items deployed in a folder run as)"
            " are not supported by the dev runtime"
        )
    if not call.who.is_admin and call.runtime.acl.folder_access(call.who, name) != "owner":
        raise Forbidden(f"only an admin or an owner of folder {name} may change it")
    for key in ("summary", "owners", "extra_perms", "labels"):
        if key in body:
            doc[key] = body[key]
    doc["edited_at"] = now_iso()
    call.runtime.store.put("folder", name, doc)
    return text(f"updated folder {name}")


async def folder_get(call: Call) -> Response:
    return js(_folder(call, call.params["name"]))


async def folder_exists(call: Call) -> Response:
    name = call.params["name"]
    visible = call.who.is_admin or bool(call.runtime.acl.folder_access(call.who, name))
    return js(visible and call.runtime.store.get("folder", name) is not None)


async def folder_list(call: Call) -> Response:
    who = call.who
    docs = [
        f
        for f in call.runtime.store.list("folder")
        if who.is_admin or call.runtime.acl.folder_access(who, f["name"])
    ]
    return js(paginate(call, docs))


# ---- granular ACLs: an item shared with a user or group
async def acl_get(call: Call) -> Response:
    call.require_read(call.params["path"])
    return js(call.runtime.acl.item_perms(call.params["path"]))


def _acl_change(call: Call) -> tuple[str, dict[str, bool], dict[str, Any]]:
    path = call.params["path"]
    if not call.runtime.acl.is_owner_of_path(call.who, path):
        raise Forbidden(f"only an owner of {path} (or an admin) may share it")
    return path, call.runtime.acl.item_perms(path), call.json() or {}


async def acl_add(call: Call) -> Response:
    path, perms, body = _acl_change(call)
    perms[str(body["owner"])] = bool(body.get("write"))
    call.runtime.store.put("acl", path, {"path": path, "extra_perms": perms})
    return text(f"acl added to {path}")


async def acl_remove(call: Call) -> Response:
    path, perms, body = _acl_change(call)
    perms.pop(str(body["owner"]), None)
    call.runtime.store.put("acl", path, {"path": path, "extra_perms": perms})
    return text(f"acl removed from {path}")


OPS = [
    Op("GET", "/w/{workspace}/acls/get/{kind}/{path}", acl_get),
    Op("POST", "/w/{workspace}/acls/add/{kind}/{path}", acl_add),
    Op("POST", "/w/{workspace}/acls/remove/{kind}/{path}", acl_remove),
    Op("POST", "/w/{workspace}/scripts/create", script_create),
    Op("GET", "/w/{workspace}/scripts/get/p/{path}", script_get),
    Op("GET", "/w/{workspace}/scripts/raw/p/{path}", script_raw),
    Op("GET", "/w/{workspace}/scripts/exists/p/{path}", script_exists),
    Op("GET", "/w/{workspace}/scripts/list", script_list),
    Op("POST", "/w/{workspace}/flows/create", flow_create),
    Op("POST", "/w/{workspace}/flows/update/{path}", flow_update),
    Op("GET", "/w/{workspace}/flows/get/{path}", flow_get),
    Op("GET", "/w/{workspace}/flows/exists/{path}", flow_exists),
    Op("GET", "/w/{workspace}/flows/list", flow_list),
    Op("POST", "/w/{workspace}/apps/create", app_create),
    Op("POST", "/w/{workspace}/apps/update/{path}", app_update),
    Op("GET", "/w/{workspace}/apps/get/p/{path}", app_get),
    Op("GET", "/w/{workspace}/apps/exists/{path}", app_exists),
    Op("GET", "/w/{workspace}/apps/list", app_list),
    Op("POST", "/w/{workspace}/schedules/create", schedule_create),
    Op("POST", "/w/{workspace}/schedules/update/{path}", schedule_update),
    Op("POST", "/w/{workspace}/schedules/setenabled/{path}", schedule_setenabled),
    Op("GET", "/w/{workspace}/schedules/get/{path}", schedule_get),
    Op("GET", "/w/{workspace}/schedules/exists/{path}", schedule_exists),
    Op("GET", "/w/{workspace}/schedules/list", schedule_list),
    Op("POST", "/w/{workspace}/folders/create", folder_create),
    Op("POST", "/w/{workspace}/folders/update/{name}", folder_update),
    Op("GET", "/w/{workspace}/folders/get/{name}", folder_get),
    Op("GET", "/w/{workspace}/folders/exists/{name}", folder_exists),
    Op("GET", "/w/{workspace}/folders/list", folder_list),
]
