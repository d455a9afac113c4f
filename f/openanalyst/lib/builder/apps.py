"""An app item: what its runnables may call, its execution policy, and its API body."""

from __future__ import annotations

import copy
import re
from typing import Any

from f.openanalyst.lib.builder.code import check_code
from f.openanalyst.lib.builder.paths import BuildError, check_reference, is_shared, item_path, require_owner

# ------------------------------------------------------------------------------ apps


def _runnables(node: Any) -> list[dict[str, Any]]:
    out = []
    if isinstance(node, dict):
        if node.get("type") in ("runnableByPath", "runnableByName") and (
            "path" in node or "inlineScript" in node
        ):
            out.append(node)
        for v in node.values():
            out += _runnables(v)
    elif isinstance(node, list):
        for v in node:
            out += _runnables(v)
    return out


def _fixed_owner(node: Any, path: str) -> dict[str, Any]:
    """The fixed `user_id` a component input gives the runnable at `path` (see _check_inputs)."""
    if isinstance(node, dict):
        if isinstance(node.get("runnable"), dict) and node["runnable"].get("path") == path:
            given = (node.get("fields") or {}).get("user_id")
            if isinstance(given, dict) and given.get("type") == "static":
                return {"user_id": given.get("value")}
        for v in node.values():
            if found := _fixed_owner(v, path):
                return found
    elif isinstance(node, list):
        for v in node:
            if found := _fixed_owner(v, path):
                return found
    return {}


def app_policy(value: dict[str, Any], execution_mode: str = "viewer") -> dict[str, Any]:
    """The policy Windmill needs to let the app's components run their path runnables. Windmill
    runs a path runnable with the policy's `static_inputs` over whatever the viewer sends, so a
    shared script's `user_id` stays the owner's."""
    triggerables: dict[str, Any] = {}
    for item in value.get("grid") or []:
        cid = item.get("id")
        for r in _runnables(item.get("data")):
            if r.get("type") == "runnableByPath":
                kind = "flow" if r.get("runType") == "flow" else "script"
                triggerables[f"{cid}:{kind}/{r['path']}"] = {
                    "static_inputs": _fixed_owner(item.get("data"), r["path"])
                    if is_shared(r["path"])
                    else {},
                    "one_of_inputs": {},
                    "allow_user_resources": [],
                }
    return {"execution_mode": execution_mode, "triggerables_v2": triggerables}


def validate_app_value(user_id: str, value: dict[str, Any]) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("grid"), list) or not value["grid"]:
        raise BuildError("an app value needs a non-empty 'grid' list of components")
    seen: set[str] = set()
    for item in value["grid"]:
        data = item.get("data") if isinstance(item, dict) else None
        if not isinstance(data, dict) or not isinstance(data.get("type"), str):
            raise BuildError("each grid item needs 'id' and 'data' with a component 'type'")
        cid = item.get("id")
        if not isinstance(cid, str) or not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", cid) or cid in seen:
            raise BuildError(f"component id {cid!r} must be unique lower-case letters, digits and '_'")
        if data.get("id") != cid:
            raise BuildError(f"component {cid}: data.id must equal the grid item's id")
        if not any(isinstance(item.get(k), dict) for k in ("3", "12")):
            raise BuildError(f"component {cid}: needs a layout ('12' and/or '3': x, y, w, h)")
        seen.add(cid)
        _check_inputs(user_id, data, cid)
        for r in _runnables(data):
            if r.get("type") == "runnableByPath":
                check_reference(user_id, r.get("path", ""), f"component {cid} runnable")
            else:
                inline = r.get("inlineScript") or {}
                if not inline.get("language"):
                    raise BuildError(f"component {cid}: an inline runnable needs inlineScript.language")
                where = f"component {cid}"
                check_code(
                    user_id,
                    str(inline.get("content") or ""),
                    inline["language"],
                    f"u/{user_id}/apps/x",
                    where,
                )


def _check_inputs(user_id: str, node: Any, cid: str) -> None:
    """A component input running a shared script passes `user_id` as the owner, a fixed value:
    never one the viewer types or another component computes."""
    if isinstance(node, dict):
        runnable = node.get("runnable")
        if isinstance(runnable, dict) and is_shared(str(runnable.get("path") or "")):
            fields = node.setdefault("fields", {})
            given = fields.get("user_id")
            if given is not None and (not isinstance(given, dict) or given.get("type") != "static"):
                raise BuildError(f"component {cid}: user_id is always you ({user_id}); it cannot be an input")
            require_owner(user_id, (given or {}).get("value"), f"component {cid}")
            fields["user_id"] = {"type": "static", "value": user_id, "fieldType": "string"}
        for v in node.values():
            _check_inputs(user_id, v, cid)
    elif isinstance(node, list):
        for v in node:
            _check_inputs(user_id, v, cid)


def app_body(
    user_id: str,
    name: str,
    summary: str,
    value: dict[str, Any],
    execution_mode: str = "viewer",
) -> dict[str, Any]:
    path = item_path(user_id, "apps", name)
    if execution_mode not in ("viewer", "publisher"):
        raise BuildError("execution_mode must be viewer or publisher")
    value = copy.deepcopy(value)
    validate_app_value(user_id, value)
    return {
        "path": path,
        "summary": (summary or name)[:200],
        "value": value,
        "policy": app_policy(value, execution_mode),
    }
