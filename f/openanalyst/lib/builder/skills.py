"""A skill item: a resource of type `openanalyst_skill` in the person's folder."""

from __future__ import annotations

import json
from typing import Any

from jsonschema import Draft202012Validator

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.paths import SKILL_RESOURCE_TYPE, BuildError, check_reference, item_path

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
