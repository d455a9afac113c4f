"""Build things in a person's Windmill folder: validate first, then create through the REST API.

Every path is made by `users.user_path` from a validated user id and a plain name, so nothing
can be created outside `u/<user>/`. Whatever a flow, app or schedule runs must be the person's
own (`u/<user>/...`) or shared OpenAnalyst code (`f/openanalyst/...`). Validation happens before
the first write: a refused request creates nothing.

`ensure()` is idempotent: an item that exists with the same content is left alone ("unchanged"),
so provisioning twice changes nothing.
"""

from __future__ import annotations

import ast
import json
import re
import unicodedata
from typing import Any

from f.openanalyst.lib import schedules, windmill_rest
from f.openanalyst.lib.users import KINDS, InvalidPath, owner_of, user_path, validate_user_id

SHARED_PREFIX = "f/openanalyst/"
MAX_NAME_CHARS = 64
MAX_CONTENT_CHARS = 200_000
LANGUAGES = ("python3", "bun", "deno", "bash", "postgresql")
SKILL_RESOURCE_TYPE = "openanalyst_skill"


_HUMAN_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9 _-]*")


class BuildError(ValueError):
    """A request the builder refuses; nothing was created."""


# ------------------------------------------------------------------------------ paths


def item_path(user_id: str, kind: str, name: str) -> str:
    """`u/<user>/<kind>/<name>` with a clear refusal for names that try to leave the folder."""
    validate_user_id(user_id)
    if not isinstance(name, str) or not name:
        raise BuildError("a name is required, e.g. 'weekly_report'")
    if len(name) > MAX_NAME_CHARS * 2:
        raise BuildError(f"name is {len(name)} characters; keep it under {MAX_NAME_CHARS}")
    if name.startswith("/") or re.match(r"^[a-z]/", name) or ".." in name or "\\" in name:
        raise BuildError(
            f"name {name[:64]!r} must be a plain name inside your folder (no '/', '..', 'u/...' or 'f/...')"
        )
    if unicodedata.normalize("NFKC", name) != name or not name.isascii():
        raise BuildError(f"name {name[:64]!r} has non-ASCII or look-alike characters: use a-z, 0-9 and '_'")
    if _HUMAN_NAME_RE.fullmatch(name):  # "Weekly sales report" -> weekly_sales_report
        name = re.sub(r"_+", "_", re.sub(r"[ -]+", "_", name.strip().lower())).strip("_")
    if kind not in KINDS:
        raise BuildError(f"unknown kind {kind!r}")
    try:
        return user_path(user_id, kind, name)
    except InvalidPath as exc:
        raise BuildError(str(exc)) from exc


def check_reference(user_id: str, path: str, what: str = "path") -> str:
    """A runnable another item calls: the person's own or shared OpenAnalyst code only."""
    if not isinstance(path, str) or not path:
        raise BuildError(f"{what} is empty")
    if path.startswith(SHARED_PREFIX) and ".." not in path and path.isascii():
        return path
    owner = owner_of(path)
    if owner == user_id and ".." not in path and path.isascii():
        return path
    if owner is not None:
        raise BuildError(f"{what} {path[:80]!r} belongs to another person; use your own u/{user_id}/ items")
    raise BuildError(f"{what} {path[:80]!r} must be under u/{user_id}/ or {SHARED_PREFIX}")


# --------------------------------------------------------------------------- scripts

_PY_TYPES = {"str": "string", "int": "integer", "float": "number", "bool": "boolean", "dict": "object"}


def _annotation_schema(node: ast.expr | None) -> dict[str, Any]:
    if node is None:
        return {}
    if isinstance(node, ast.Name):
        if node.id in _PY_TYPES:
            return {"type": _PY_TYPES[node.id]} | ({"properties": {}} if node.id == "dict" else {})
        if node.id == "list":
            return {"type": "array", "items": {"type": "string"}}
        return {"type": "object", "format": f"resource-{node.id}"}
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        if node.value.id == "Literal":
            elts = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
            values = [e.value for e in elts if isinstance(e, ast.Constant)]
            return {"type": "string", "enum": values}
        if node.value.id in ("list", "List"):
            inner = _annotation_schema(node.slice)
            if inner.get("type") == "integer":
                inner = {"type": "number"}  # as Windmill's parser infers (REFERENCE 2.1)
            return {"type": "array", "items": inner or {"type": "string"}}
        if node.value.id == "Optional":
            return _annotation_schema(node.slice)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left = (
            node.left if not (isinstance(node.left, ast.Constant) and node.left.value is None) else node.right
        )
        return _annotation_schema(left)
    return {}


def _optional(node: ast.expr | None) -> bool:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return any(isinstance(s, ast.Constant) and s.value is None for s in (node.left, node.right))
    return (
        isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id == "Optional"
    )


def python_schema(content: str) -> dict[str, Any]:
    """The input schema of `main()` (as Windmill's parser infers it, for the common annotations)."""
    try:
        tree = ast.parse(content)
    except SyntaxError as exc:
        raise BuildError(f"the Python code does not parse: line {exc.lineno}: {exc.msg}") from exc
    mains = [
        n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == "main"
    ]
    if not mains:
        raise BuildError("a Windmill Python script needs a top-level `def main(...)`")
    fn = mains[0]
    args = fn.args.args
    defaults = [None] * (len(args) - len(fn.args.defaults)) + list(fn.args.defaults)
    props: dict[str, Any] = {}
    required = []
    for arg, default in zip(args, defaults, strict=True):
        schema: dict[str, Any] = {"description": ""} | _annotation_schema(arg.annotation)
        if default is not None:
            if isinstance(default, ast.Constant) and default.value is not None:
                schema["default"] = default.value
                if "type" not in schema:
                    schema["type"] = _PY_TYPES.get(type(default.value).__name__, "string")
        elif not _optional(arg.annotation):
            required.append(arg.arg)
        props[arg.arg] = schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "properties": props,
        "required": required,
        "order": [a.arg for a in args],
    }


def script_body(
    user_id: str,
    name: str,
    content: str,
    language: str,
    summary: str,
    description: str = "",
) -> dict[str, Any]:
    path = item_path(user_id, "scripts", name)
    if language not in LANGUAGES:
        raise BuildError(f"unsupported language {language!r}: use one of {', '.join(LANGUAGES)}")
    if not content or not content.strip():
        raise BuildError("the script is empty")
    if len(content) > MAX_CONTENT_CHARS:
        raise BuildError(f"the script is {len(content)} characters; the limit is {MAX_CONTENT_CHARS}")
    body: dict[str, Any] = {
        "path": path,
        "summary": (summary or name)[:200],
        "description": description or "",
        "content": content,
        "language": language,
        "kind": "script",
    }
    if language == "python3":
        body["schema"] = python_schema(content)
        for mod in re.findall(r"^\s*(?:from|import)\s+((?:u|f)\.[\w.]+)", content, re.M):
            check_reference(user_id, mod.replace(".", "/"), "import")
    return body


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


MODULE_ONLY_KEYS = {"stop_after_if", "stop_after_all_iters_if", "suspend", "retry", "skip_if", "sleep"}


def validate_flow_value(user_id: str, value: dict[str, Any]) -> None:
    """OpenFlow schema (vendored spec, $refs resolved) + lint rules + referenced paths."""
    from f.openanalyst.lib.openflow_schema import validator

    if not isinstance(value, dict) or not isinstance(value.get("modules"), list):
        raise BuildError("a flow value needs a 'modules' list")
    errors = sorted(validator("FlowValue").iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        first = _explain(errors[0])
        where = "/".join(str(p) for p in first.absolute_path) or "value"
        raise BuildError(f"the flow does not match the OpenFlow schema at {where}: {first.message[:300]}")
    ids: set[str] = set()
    for m in _walk_modules(value["modules"]):
        mid = m.get("id")
        if not isinstance(mid, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", mid):
            raise BuildError(f"module id {mid!r} must be lower-case letters, digits and '_'")
        if mid in ids or mid in ("failure", "preprocessor", "Input"):
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
        if t in ("script", "flow"):
            check_reference(user_id, v.get("path", ""), f"module {mid} path")


def flow_body(
    user_id: str,
    name: str,
    summary: str,
    value: dict[str, Any],
    schema: dict[str, Any] | None,
    description: str = "",
) -> dict[str, Any]:
    path = item_path(user_id, "flows", name)
    validate_flow_value(user_id, value)
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


def app_policy(value: dict[str, Any], execution_mode: str = "viewer") -> dict[str, Any]:
    """The policy Windmill needs to let the app's components run their path runnables."""
    triggerables: dict[str, Any] = {}
    for item in value.get("grid") or []:
        cid = item.get("id")
        for r in _runnables(item.get("data")):
            if r.get("type") == "runnableByPath":
                kind = "flow" if r.get("runType") == "flow" else "script"
                triggerables[f"{cid}:{kind}/{r['path']}"] = {
                    "static_inputs": {},
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
        for r in _runnables(data):
            if r.get("type") == "runnableByPath":
                check_reference(user_id, r.get("path", ""), f"component {cid} runnable")
            elif not (r.get("inlineScript") or {}).get("language"):
                raise BuildError(f"component {cid}: an inline runnable needs inlineScript.language")


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
    validate_app_value(user_id, value)
    return {
        "path": path,
        "summary": (summary or name)[:200],
        "value": value,
        "policy": app_policy(value, execution_mode),
    }


# ------------------------------------------------------------------------- schedules


def schedule_item(
    user_id: str,
    name: str,
    cron: str,
    script_path: str,
    timezone: str,
    args: dict[str, Any],
    is_flow: bool,
    enabled: bool,
    summary: str = "",
) -> dict[str, Any]:
    path = item_path(user_id, "schedules", name)
    check_reference(user_id, script_path, "script_path")
    try:
        return schedules.schedule_body(
            path, cron, timezone, script_path, args, is_flow=is_flow, enabled=enabled, summary=summary or None
        )
    except ValueError as exc:
        raise BuildError(str(exc)) from exc


# ---------------------------------------------------------------------------- skills


def skill_schema() -> dict[str, Any]:
    """The workspace's `openanalyst_skill` resource type schema (the skills engineer's contract)."""
    try:
        rt = windmill_rest.request("GET", f"resources/type/get/{SKILL_RESOURCE_TYPE}").json()
    except windmill_rest.WindmillError as exc:
        raise BuildError(f"resource type {SKILL_RESOURCE_TYPE} is not in the workspace ({exc})") from exc
    schema = rt.get("schema")
    return json.loads(schema) if isinstance(schema, str) else schema


def skill_body(user_id: str, name: str, value: dict[str, Any], description: str = "") -> dict[str, Any]:
    from jsonschema import Draft202012Validator

    path = item_path(user_id, "skills", name)
    name = path.rsplit("/", 1)[1]
    value = {**value, "name": name, "source": "custom"}
    if value.get("triggers") == [""] or not value.get("triggers"):
        value["triggers"] = [name.replace("_", " ")]
    errors = sorted(
        Draft202012Validator(skill_schema()).iter_errors(value), key=lambda e: list(e.absolute_path)
    )
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "skill"
        raise BuildError(f"the skill is not valid at {where}: {errors[0].message[:300]}")
    for p in value.get("scripts") or []:
        check_reference(user_id, p, "skill script")
    return {
        "path": path,
        "value": value,
        "resource_type": SKILL_RESOURCE_TYPE,
        "description": description or value.get("description", "")[:200],
    }


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
    existing = windmill_rest.get(kind, path) if windmill_rest.exists(kind, path) else None  # type: ignore[arg-type]
    if existing is None:
        windmill_rest.create(kind, body)  # type: ignore[arg-type]
        return {"path": path, "kind": kind, "action": "created"}
    if _same(kind, existing, body):
        return {"path": path, "kind": kind, "action": "unchanged"}
    if keep_existing and not overwrite:
        return {"path": path, "kind": kind, "action": "kept"}
    if not overwrite:
        raise BuildError(f"{path} already exists with different content: pass overwrite=true to replace it")
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
        edit = ("schedule", "timezone", "args", "summary", "description")  # EditSchedule's fields
        windmill_rest.update_schedule(path, {k: body[k] for k in edit if k in body})
    else:
        windmill_rest.update_resource(path, body)
    return {"path": path, "kind": kind, "action": "updated"}


# ---------------------------------------------------------------- drafts from a description

_CODE_RE = re.compile(r"```(?:python|json)?\s*\n(.*?)```", re.S)
SHARED_SCRIPTS = (
    "f/openanalyst/social/create_post",
    "f/openanalyst/social/schedule_post",
    "f/openanalyst/social/publish_post",
    "f/openanalyst/social/analyze_engagement",
    "f/openanalyst/analytics/fetch_metrics",
    "f/openanalyst/analytics/generate_report",
    "f/openanalyst/core/log_activity",
)


def _extract(text: str) -> str:
    m = _CODE_RE.search(text)
    return (m.group(1) if m else text).strip() + "\n"


def starter_script(name: str, description: str) -> str:
    """A runnable, typed starting point when no model can write the code (mode "starter")."""
    doc = " ".join(description.split())[:300].replace("\\", "/").replace('"', "'") or f"{name} script"
    return (
        f'"""{doc}"""\n\n\n'
        'def main(text: str = "", count: int = 1) -> dict:\n'
        f'    """{doc}\n\n'
        '    A starter created without a model: replace the body with the logic you need.\n    """\n'
        '    return {"text": text, "count": count, "words": len(text.split())}\n'
    )


def draft_script(user_id: str, name: str, description: str) -> tuple[str, str, list[str]]:
    """(code, mode, notes): model-written and validated when a model is configured, else a starter."""
    from f.openanalyst.lib.writer_model import ModelUnavailable, complete

    system = (
        "You write Windmill Python scripts. Exactly one top-level `def main(...)` with a typed signature "
        "(str, int, float, bool, dict, list[str], Literal[...] for choices; never Enum), a docstring, and a "
        "JSON-serialisable return value. Use only the standard library, `wmill` and `httpx`. Answer with one "
        "```python code block and nothing else."
    )
    prompt = f"Script name: {name}\nWhat it must do: {description}"
    notes: list[str] = []
    try:
        for _ in range(2):
            code = _extract(complete(system, prompt, max_tokens=4096).text)
            try:
                script_body(user_id, name, code, "python3", name)
                return code, "model", notes
            except BuildError as exc:
                prompt += f"\n\nYour code was refused: {exc}. Fix it."
        notes.append("the model's code failed validation twice; created a starter instead")
    except ModelUnavailable as exc:
        notes.append(f"offline: {exc}; created a starter to fill in")
    return starter_script(name, description), "starter", notes


def draft_flow(user_id: str, description: str) -> tuple[dict[str, Any], list[str]]:
    """An OpenFlow value written by the model from `description`, validated (one retry)."""
    from f.openanalyst.lib.writer_model import ModelUnavailable, complete

    system = (
        "You compose Windmill flows. Answer with one ```json block holding an OpenFlow value: "
        '{"modules": [{"id": "snake_case", "value": {"type": "script", "path": "<script path>", '
        '"input_transforms": {"<arg>": {"type": "static", "value": ...} | {"type": "javascript", "expr": '
        '"flow_input.x or results.<id>.<field>"}}}}]}. Use only these scripts: '
        + ", ".join(SHARED_SCRIPTS)
        + f", or the person's own under u/{user_id}/. Pass user_id as the static value {user_id!r}."
    )
    prompt = f"The flow must: {description}"
    try:
        for _ in range(2):
            text = _extract(complete(system, prompt, max_tokens=4096).text)
            try:
                value = json.loads(text)
                validate_flow_value(user_id, value)
                return value, []
            except (ValueError, BuildError) as exc:
                prompt += f"\n\nYour flow was refused: {str(exc)[:300]}. Fix it."
        raise BuildError(
            "the model could not write a valid flow from this description; list the steps instead"
        )
    except ModelUnavailable as exc:
        raise BuildError(
            f"no flow steps given and no model to compose them ({exc}): pass `value` with the modules, "
            "e.g. one script step per action"
        ) from exc


def starter_app(user_id: str, title: str) -> dict[str, Any]:
    """The person's dashboard app (from the templates), titled `title`: a working starting point."""
    from f.openanalyst.lib.user_templates import render

    app = next(t for t in render(user_id) if t["kind"] == "app")["value"]
    for item in app["grid"]:
        if item["data"]["type"] == "textcomponent":
            item["data"]["componentInput"]["value"] = " ".join(title.split())[:120]
            break
    return app
