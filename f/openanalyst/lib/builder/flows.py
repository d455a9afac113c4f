"""A flow item: checked against the OpenFlow schema and the person's space, then its API body."""

from __future__ import annotations

import copy
import re
from typing import Any

from f.openanalyst.lib.builder.code import check_code
from f.openanalyst.lib.builder.paths import BuildError, check_reference, is_shared, item_path, require_owner
from f.openanalyst.lib.windmill.openflow_schema import validator

# ----------------------------------------------------------------------------- flows


def _walk_modules(modules: list[Any]) -> list[dict[str, Any]]:
    out = []
    for m in modules or []:
        if not isinstance(m, dict):
            continue
        out.append(m)
        v = m.get("value") or {}
        out += _walk_modules(v.get("modules") or [])
        for b in v.get("branches") or []:
            out += _walk_modules(b.get("modules") or [])
        out += _walk_modules(v.get("default") or [])
    return out


def _explain(error: Any) -> Any:
    """For a oneOf/anyOf failure, the error inside the branch the value meant (its `type` matched)."""
    while error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        meant = [
            errs for errs in branches.values() if not any(list(e.relative_path)[:1] == ["type"] for e in errs)
        ]
        if not meant:
            break
        error = min(meant, key=len)[0]
    return error


def _runnables(node: Any, where: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every runnable anywhere in a flow value, with the id of the module holding it: steps, loop and
    branch bodies, the failure and preprocessor modules, an AI agent's tools: whatever has a `type`
    of script, flow or rawscript."""
    out = []
    if isinstance(node, dict):
        if isinstance(node.get("id"), str) and "value" in node:
            where = node["id"]
        if node.get("type") in ("script", "flow", "rawscript") and ("path" in node or "content" in node):
            out.append((where, node))
        for v in node.values():
            out += _runnables(v, where)
    elif isinstance(node, list):
        for v in node:
            out += _runnables(v, where)
    return out


def bind_transforms(user_id: str, runnable: dict[str, Any], what: str) -> None:
    """A shared script runs for the owner: its `user_id` input is the owner, as a fixed value."""
    transforms = runnable.setdefault("input_transforms", {})
    given = transforms.get("user_id")
    if given is not None:
        if not isinstance(given, dict) or given.get("type") != "static":
            raise BuildError(f"{what}: user_id is always you ({user_id}); it cannot be computed")
        require_owner(user_id, given.get("value"), what)
    transforms["user_id"] = {"type": "static", "value": user_id}


def check_runnables(user_id: str, value: dict[str, Any], flow_path: str) -> None:
    """The one reference rule over every runnable of a flow value (bound in place)."""
    for where, r in _runnables(value):
        what = f"step {where}".strip()
        if r["type"] == "rawscript":
            check_code(user_id, str(r.get("content") or ""), str(r.get("language") or ""), flow_path, what)
            continue
        path = check_reference(user_id, r.get("path", ""), f"{what} path")
        if is_shared(path):
            bind_transforms(user_id, r, what)


MODULE_ONLY_KEYS = {"stop_after_if", "stop_after_all_iters_if", "suspend", "retry", "skip_if", "sleep"}


def validate_flow_value(user_id: str, value: dict[str, Any], flow_path: str = "") -> None:
    """OpenFlow schema (vendored spec, $refs resolved) + lint rules + referenced paths."""
    if not isinstance(value, dict) or not isinstance(value.get("modules"), list):
        raise BuildError("a flow value needs a 'modules' list")
    errors = sorted(validator("FlowValue").iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        first = _explain(errors[0])
        where = "/".join(str(p) for p in first.absolute_path) or "value"
        raise BuildError(f"the flow does not match the OpenFlow schema at {where}: {first.message[:300]}")
    ids: set[str] = set()
    special = [value[k] for k in ("failure_module", "preprocessor_module") if isinstance(value.get(k), dict)]
    for m in _walk_modules(value["modules"]) + _walk_modules(special):
        mid = m.get("id")
        if not isinstance(mid, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", mid):
            raise BuildError(f"module id {mid!r} must be lower-case letters, digits and '_'")
        reserved = mid in ("failure", "preprocessor", "Input") and not any(m is x for x in special)
        if mid in ids or reserved:
            raise BuildError(f"module id {mid!r} is duplicated or reserved")
        ids.add(mid)
        v = m.get("value") or {}
        misplaced = MODULE_ONLY_KEYS & set(v)
        if misplaced:
            raise BuildError(
                f"module {mid}: {', '.join(sorted(misplaced))} belong beside id/value, not inside value"
            )
        t = v.get("type")
        if t == "rawscript":
            for key in ("content", "language", "input_transforms"):
                if key not in v:
                    raise BuildError(f"module {mid}: rawscript needs {key!r}")
        if t in ("forloopflow", "whileloopflow") and "skip_failures" not in v:
            raise BuildError(f"module {mid}: {t} needs 'skip_failures'")
        if t == "branchone" and ("branches" not in v or "default" not in v):
            raise BuildError(f"module {mid}: branchone needs 'branches' and 'default'")
    check_runnables(user_id, value, flow_path or f"u/{user_id}/flows/flow")


def flow_body(
    user_id: str,
    name: str,
    summary: str,
    value: dict[str, Any],
    schema: dict[str, Any] | None,
    description: str = "",
) -> dict[str, Any]:
    path = item_path(user_id, "flows", name)
    value = copy.deepcopy(value)
    validate_flow_value(user_id, value, path)
    schema = schema or {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": {},
        "required": [],
    }
    if schema.get("type") != "object" or not isinstance(schema.get("properties", {}), dict):
        raise BuildError("the flow's input schema must be a JSON schema of type object")
    return {
        "path": path,
        "summary": (summary or name)[:200],
        "description": description or "",
        "value": value,
        "schema": schema,
    }
