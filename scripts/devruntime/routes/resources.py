"""Variables, resources and resource types.

Reading a variable or resource (its value above all) needs read access to its path, writing needs
write access, as Windmill's variables.rs and resources.rs check through the folder ACLs
(https://github.com/windmill-labs/windmill/tree/main/backend/windmill-api/src).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from scripts.devruntime.errors import BadRequest, NotFound
from scripts.devruntime.http import Call, Op, js, paginate, text
from scripts.devruntime.jobs import check_item_path, now_iso
from scripts.devruntime.values import Missing, interpolate


def _get(call: Call, kind: str) -> dict[str, Any]:
    if kind != "resource_type":
        call.require_read(call.params["path"])
    item = call.runtime.store.get(kind, call.params["path"])
    if item is None:
        raise NotFound(f"{kind} {call.params['path']} not found")
    return item


# ---- variables
def _update(call: Call, kind: str, fields: tuple[str, ...]) -> Response:
    """Apply the body's `fields` to a variable or resource, moving it when `path` changes."""
    item = _get(call, kind)
    call.require_write(item["path"])
    body = call.json() or {}
    if body.get("path"):
        check_item_path(body["path"])
        call.require_write(body["path"])
    for key in fields:
        if key in body:
            item[key] = body[key]
    if kind == "resource":
        item["edited_at"] = now_iso()
    new_path = body.get("path") or item["path"]
    if new_path != item["path"]:
        call.runtime.store.delete(kind, item["path"])
        item["path"] = new_path
    call.runtime.store.put(kind, new_path, item)
    return text(new_path)


def _listable_variable(call: Call, var: dict[str, Any], with_value: bool) -> dict[str, Any]:
    out = {
        "workspace_id": call.runtime.settings.workspace,
        "path": var["path"],
        "is_secret": bool(var.get("is_secret")),
        "description": var.get("description") or "",
        "extra_perms": {},
        "is_oauth": False,
        "is_linked": False,
        "is_refreshed": False,
        "is_draft": False,
    }
    if with_value:
        out["value"] = var.get("value")
    return out


async def variable_get_value(call: Call) -> Response:
    return js(_get(call, "variable").get("value"))


async def variable_get(call: Call) -> Response:
    var = _get(call, "variable")
    return js(_listable_variable(call, var, call.query.get("decrypt_secret") != "false"))


async def variable_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    return js(call.runtime.store.get("variable", call.params["path"]) is not None)


async def variable_create(call: Call) -> Response:
    body = call.json()
    check_item_path(body["path"])
    call.require_write(body["path"])
    store = call.runtime.store
    if store.get("variable", body["path"]) is not None:
        raise BadRequest(f"variable {body['path']} already exists")
    store.put(
        "variable",
        body["path"],
        {
            "path": body["path"],
            "value": body["value"],
            "is_secret": bool(body.get("is_secret")),
            "description": body.get("description") or "",
        },
    )
    return text(body["path"], 201)


async def variable_update(call: Call) -> Response:
    return _update(call, "variable", ("value", "is_secret", "description"))


async def variable_list(call: Call) -> Response:
    items = [
        v
        for v in call.runtime.store.list("variable", call.query.get("path_start"))
        if call.can_read(v["path"])
    ]
    return js(paginate(call, [_listable_variable(call, v, not v.get("is_secret")) for v in items]))


# ---- resources
def _resource(call: Call, res: dict[str, Any], with_value: bool = True) -> dict[str, Any]:
    out = {
        "workspace_id": call.runtime.settings.workspace,
        "path": res["path"],
        "description": res.get("description") or "",
        "resource_type": res.get("resource_type") or "any",
        "value": res.get("value") if with_value else None,
        "is_oauth": False,
        "is_linked": False,
        "is_refreshed": False,
        "is_draft": False,
        "extra_perms": {},
    }
    if res.get("edited_at"):
        out["edited_at"] = res["edited_at"]
    return out


async def resource_get(call: Call) -> Response:
    return js(_resource(call, _get(call, "resource")))


async def resource_get_value(call: Call) -> Response:
    return js(_get(call, "resource").get("value"))


async def resource_get_value_interpolated(call: Call) -> Response:
    res = _get(call, "resource")
    try:
        return js(interpolate(call.runtime.store, res.get("value"), 0, call.can_read))
    except Missing as exc:
        raise NotFound(str(exc)) from None


async def resource_exists(call: Call) -> Response:
    if not call.can_read(call.params["path"]):
        return js(False)
    return js(call.runtime.store.get("resource", call.params["path"]) is not None)


async def resource_create(call: Call) -> Response:
    body = call.json()
    check_item_path(body["path"])
    call.require_write(body["path"])
    store = call.runtime.store
    if store.get("resource", body["path"]) is not None and not call.flag("update_if_exists"):
        raise BadRequest(f"resource {body['path']} already exists")
    store.put(
        "resource",
        body["path"],
        {
            "path": body["path"],
            "value": body.get("value"),
            "resource_type": body["resource_type"],
            "description": body.get("description") or "",
            "edited_at": now_iso(),  # Windmill stamps every create and update (resources.rs)
        },
    )
    return text(body["path"], 201)


async def resource_update(call: Call) -> Response:
    return _update(call, "resource", ("value", "description", "resource_type"))


async def resource_update_value(call: Call) -> Response:
    res = _get(call, "resource")
    call.require_write(res["path"])
    res["value"] = (call.json() or {}).get("value")
    res["edited_at"] = now_iso()
    call.runtime.store.put("resource", res["path"], res)
    return text(res["path"])


async def resource_list(call: Call) -> Response:
    q = call.query
    listed = call.runtime.store.list("resource", q.get("path_start"), values=False)
    items = [r for r in listed if call.can_read(r["path"])]
    types = set((q.get("resource_type") or "").split(",")) - {""}
    excluded = set((q.get("resource_type_exclude") or "").split(",")) - {""}
    # Windmill lists resources without their values (`null::JSONB as value` in list_resources,
    # https://github.com/windmill-labs/windmill/blob/main/backend/windmill-api/src/resources.rs).
    out = [
        _resource(call, r, with_value=False)
        for r in items
        if (not types or r.get("resource_type") in types) and r.get("resource_type") not in excluded
    ]
    return js(paginate(call, out))


async def resource_type_list(call: Call) -> Response:
    ws = call.runtime.settings.workspace
    return js([{"workspace_id": ws, **rt} for rt in call.runtime.store.list("resource_type")])


async def resource_type_get(call: Call) -> Response:
    rt = _get(call, "resource_type")
    return js({"workspace_id": call.runtime.settings.workspace, **rt})


async def resource_type_exists(call: Call) -> Response:
    return js(call.runtime.store.get("resource_type", call.params["path"]) is not None)


async def resource_type_create(call: Call) -> Response:
    body = call.json()
    call.runtime.store.put(
        "resource_type",
        body["name"],
        {"name": body["name"], "schema": body.get("schema"), "description": body.get("description") or ""},
    )
    return text(body["name"], 201)


OPS = [
    Op("GET", "/w/{workspace}/variables/get_value/{path}", variable_get_value),
    Op("GET", "/w/{workspace}/variables/get/{path}", variable_get),
    Op("GET", "/w/{workspace}/variables/exists/{path}", variable_exists),
    Op("POST", "/w/{workspace}/variables/create", variable_create),
    Op("POST", "/w/{workspace}/variables/update/{path}", variable_update),
    Op("GET", "/w/{workspace}/variables/list", variable_list),
    Op("GET", "/w/{workspace}/resources/get/{path}", resource_get),
    Op("GET", "/w/{workspace}/resources/get_value/{path}", resource_get_value),
    Op("GET", "/w/{workspace}/resources/get_value_interpolated/{path}", resource_get_value_interpolated),
    Op("GET", "/w/{workspace}/resources/exists/{path}", resource_exists),
    Op("POST", "/w/{workspace}/resources/create", resource_create),
    Op("POST", "/w/{workspace}/resources/update/{path}", resource_update),
    Op("POST", "/w/{workspace}/resources/update_value/{path}", resource_update_value),
    Op("GET", "/w/{workspace}/resources/list", resource_list),
    Op("GET", "/w/{workspace}/resources/type/list", resource_type_list),
    Op("GET", "/w/{workspace}/resources/type/get/{path}", resource_type_get),
    Op("GET", "/w/{workspace}/resources/type/exists/{path}", resource_type_exists),
    Op("POST", "/w/{workspace}/resources/type/create", resource_type_create),
]
