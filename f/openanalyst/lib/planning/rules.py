# extra_requirements:
# jsonschema
# pyyaml
"""What a plan may do: the scripts it may call and the arguments those scripts accept.

A step may call a script its skill lists, or a script in the person's own folder `u/<user>/`.
Anything else (another person's folder, a script the skill does not list, the brain itself) is
refused before any step runs, whoever proposed it: the model, a workflow or the request text.
Arguments are validated against the script's own JSON schema (Windmill `scripts/get/p/{path}`,
or the bundle's `<path>.script.yaml` when no server is configured). `user_id` is never the
model's choice: it is always set to the person the request came from.

Steps pass results along with references: an argument whose whole value is the string
`$steps.<step_id>.<field>` receives that field of an earlier step's output at run time.

Windmill's worker replaces `$res:<path>` and `$var:<path>` in a job's arguments with the item's
value, read with the rights of the user the job runs as; the platform's flow and the plan's steps
run as the workspace admin, so a plan may name only the person's own items there (`u/<user>/`).
An argument Windmill's form shows as a resource picker (`format: resource-<type>`) takes
`$res:<path>`; a bare path given for one becomes that reference.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import f.openanalyst.lib.windmill.rest as windmill_rest
from f.openanalyst.lib.builder.scripts import python_schema
from f.openanalyst.lib.contracts import STEP_REF_RE, Plan, PlanStep
from f.openanalyst.lib.planning.checks import MISSING, field_value
from f.openanalyst.lib.users import is_in_user_space, owner_of

# Never callable from a plan, even if a skill lists them: the orchestration itself.
FORBIDDEN_PREFIXES = ("f/openanalyst/brain/", "f/openanalyst/handle_request", "f/openanalyst/core/")
RESOURCE_FORMAT = "resource-"
# What makes Windmill's worker look at an argument at all, and then replace every string of it
# that starts with `$` (at the top or inside objects, not inside lists): `$var:`, `$res:`,
# `$encrypted:`, and reserved variables such as `$WM_TOKEN`
# (https://github.com/windmill-labs/windmill/blob/main/backend/windmill-worker/src/common.rs,
# `transform_json` and `transform_json_value`).
_WORKER_REF_RE = re.compile(r"\$(?:var|res|encrypted):")
REPO_ROOT = Path(__file__).resolve().parents[4]

SchemaLookup = Callable[[str], dict[str, Any] | None]


class PlanRefused(ValueError):
    """A plan (or request) names a script outside what the person and the skill allow."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


def is_allowed(path: str, skill_scripts: Iterable[str], user_id: str) -> bool:
    """True for a script the skill lists or one in the person's own folder."""
    if any(path.startswith(prefix) for prefix in FORBIDDEN_PREFIXES):
        return False
    if path in set(skill_scripts):
        return True
    return owner_of(path) == user_id and is_in_user_space(path, user_id)


def refusal_reason(path: str, skill_scripts: Iterable[str], user_id: str) -> str | None:
    if is_allowed(path, skill_scripts, user_id):
        return None
    owner = owner_of(path)
    if owner is not None and owner != user_id:
        return f"'{path}' belongs to another person's folder"
    if path.startswith("u/"):
        return f"'{path}' is not a valid path in your folder"
    return f"'{path}' is not one of the scripts this skill may run"


def refusals(plan: Plan, skill_scripts: Iterable[str], user_id: str, named: Iterable[str] = ()) -> list[str]:
    """Why `plan` (or the scripts the request named explicitly) may not run; empty if it may."""
    scripts = list(skill_scripts)
    reasons = [refusal_reason(step.script, scripts, user_id) for step in plan.steps]
    reasons += [refusal_reason(path, scripts, user_id) for path in named]
    return list(dict.fromkeys(r for r in reasons if r))


# ----------------------------------------------------------------------------- schemas


def _local_schema(path: str) -> dict[str, Any] | None:
    file = REPO_ROOT / f"{path}.script.yaml"
    if not file.is_file():
        return None
    import yaml  # only without a Windmill server: a worker reads the schema from Windmill

    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    schema = data.get("schema")
    return schema if isinstance(schema, dict) else None


def _windmill_schema(path: str) -> dict[str, Any] | None:
    response = windmill_rest.windmill().client.get(
        f"/w/{os.environ.get('WM_WORKSPACE', 'openanalyst')}/scripts/get/p/{quote(path, safe='/')}"
    )
    if response.status_code == 404:
        return None
    response.raise_for_status()
    script = response.json()
    schema = script.get("schema")
    if not isinstance(schema, dict) and script.get("language") == "python3" and script.get("content"):
        # Created through the API without one (Windmill stores the schema its client sends): read
        # it from main() as Windmill's parser would.
        try:
            schema = python_schema(str(script["content"]))
        except ValueError:
            return None
    return schema if isinstance(schema, dict) else None


@cache
def script_schema(path: str) -> dict[str, Any] | None:
    """The JSON schema of a script's main(): from Windmill when a server is configured, else
    from the bundle; None when the script does not exist."""
    if windmill_rest.configured():
        return _windmill_schema(path)
    return _local_schema(path)


def schema_summary(path: str, schema: dict[str, Any] | None) -> str:
    """One line per argument, for the planner's prompt."""
    if not schema:
        return f"- {path}: (schema unknown)"
    required = set(schema.get("required") or [])
    parts = []
    for name, prop in (schema.get("properties") or {}).items():
        if name == "user_id":  # bound to the person by bind_user, never the planner's choice
            continue
        kind = prop.get("type") or "any"
        if str(prop.get("format") or "").startswith(RESOURCE_FORMAT):
            kind = f"$res:<path of your {prop['format'][len(RESOURCE_FORMAT) :]} resource>"
        elif enum := prop.get("enum"):
            kind = "|".join(map(str, enum))
        parts.append(f"{name}: {kind}{'' if name in required else '?'}")
    return f"- {path}({', '.join(parts)})"


# ------------------------------------------------------------------------------- args


def is_ref(value: Any) -> bool:
    return isinstance(value, str) and STEP_REF_RE.match(value) is not None


def resolve_refs(args: Mapping[str, Any], outputs: Mapping[str, Any]) -> dict[str, Any]:
    """Replace `$steps.<id>.<field>` values with the outputs of earlier steps."""
    resolved: dict[str, Any] = {}
    for name, value in args.items():
        m = STEP_REF_RE.match(value) if isinstance(value, str) else None
        if m is None:
            resolved[name] = value
            continue
        step_id, dotted = m.groups()
        if step_id not in outputs:
            raise ValueError(f"argument '{name}' refers to step '{step_id}', which has not run")
        found = outputs[step_id] if dotted is None else field_value(outputs[step_id], dotted)
        if found is MISSING:
            raise ValueError(f"argument '{name}': step '{step_id}' returned no field '{dotted}'")
        resolved[name] = found
    return resolved


def _resource_args(schema: dict[str, Any] | None) -> set[str]:
    """The arguments Windmill's form shows as resource pickers."""
    properties = (schema or {}).get("properties") or {}
    return {n for n, p in properties.items() if str(p.get("format") or "").startswith(RESOURCE_FORMAT)}


def _worker_strings(value: Any) -> list[str]:
    """The strings of one argument Windmill's worker would replace before the script sees them."""
    if not _WORKER_REF_RE.search(json.dumps(value, default=str)):
        return []
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, str) and v.startswith("$"):
            found.append(v)
        elif isinstance(v, Mapping):
            for item in v.values():
                walk(item)

    walk(value)
    return found


def reference_errors(path: str, args: Mapping[str, Any], user_id: str) -> list[str]:
    """Arguments Windmill would fill from items the person may not read: the job runs as the
    admin, so only `$res:`/`$var:` references into `u/<user_id>/` may pass."""
    errors = []
    for name, value in args.items():
        for ref in _worker_strings(value):
            kind, _, item = ref[1:].partition(":")
            if kind in ("res", "var") and is_in_user_space(item, user_id):
                continue
            what = f"'{item}'" if kind in ("res", "var") else f"'{ref[:40]}'"
            errors.append(f"'{path}' argument {name} names {what}, which is not in your folder")
    return errors


def as_resource_refs(step: PlanStep, schema: dict[str, Any] | None) -> PlanStep:
    """A bare path given for a resource picker becomes `$res:<path>`, what Windmill's form sends."""
    fixed = {
        name: f"$res:{value}"
        for name in _resource_args(schema)
        if isinstance(value := step.args.get(name), str) and value and not value.startswith("$")
    }
    return step.model_copy(update={"args": {**step.args, **fixed}}) if fixed else step


# JSON Schema 2020-12's validating keywords; jsonschema ignores every other one (`description`,
# `default`, Windmill's `originalType`, `order`, `resourceType`...). Without a format checker,
# `format` only annotates.
_VALIDATING = frozenset(
    {
        "type", "enum", "const", "multipleOf", "maximum", "exclusiveMaximum", "minimum",
        "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
        "maxContains", "minContains", "contains", "maxProperties", "minProperties", "required",
        "dependentRequired", "properties", "patternProperties", "additionalProperties",
        "propertyNames", "items", "prefixItems", "unevaluatedItems", "unevaluatedProperties", "allOf",
        "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas", "$ref", "$dynamicRef",
        "$schema", "$id", "$anchor", "$dynamicAnchor", "$vocabulary",
    }
)  # fmt: skip
# What Windmill's script schemas use, and all `certainly_valid` reads.
_PLAIN = frozenset({"type", "enum", "properties", "required", "items", "additionalProperties"})
_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: type(v) is int or (type(v) is float and v.is_integer()),
    "number": lambda v: type(v) in (int, float),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
}


def certainly_valid(schema: Any, value: Any) -> bool:
    """True only when jsonschema would find `value` valid against `schema`, decided for the plain
    keywords of Windmill's script schemas (type, enum, properties, required, items,
    additionalProperties). False means "ask jsonschema": an invalid value, or a schema, value or
    enum this reading does not cover, so every error message still comes from jsonschema."""
    if schema is True or schema == {}:
        return True
    if not isinstance(schema, dict) or (_VALIDATING & schema.keys()) - _PLAIN:
        return False
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(name in _TYPES and _TYPES[name](value) for name in names):
            return False
    enum = schema.get("enum")
    if "enum" in schema and not (isinstance(value, str) and isinstance(enum, list) and value in enum):
        return False  # strings only: jsonschema's equality tells true from 1, which `in` does not
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        if not isinstance(properties, dict) or not isinstance(schema.get("required", []), list):
            return False
        if any(name not in value for name in schema.get("required", [])):
            return False
        for name, item in value.items():
            if not certainly_valid(properties.get(name, extra), item):
                return False
    if isinstance(value, list) and "items" in schema:
        return all(certainly_valid(schema["items"], item) for item in value)
    return True


def arg_errors(path: str, args: Mapping[str, Any], schema: dict[str, Any] | None) -> list[str]:
    """Problems of `args` against `schema`; references are checked for presence, not type (a
    `$res:` reference stands for the resource picker's object)."""
    if schema is None:
        return [f"script '{path}' was not found"]
    properties = schema.get("properties") or {}
    pickers = _resource_args(schema)
    errors = [
        f"'{path}' has no argument '{name}' (it takes: {', '.join(properties) or 'nothing'})"
        for name in args
        if name not in properties
    ]
    concrete = {
        k: v
        for k, v in args.items()
        if not is_ref(v) and k in properties and not (k in pickers and str(v).startswith("$res:"))
    }
    required = [name for name in schema.get("required") or [] if name not in args]
    errors += [f"'{path}' needs argument '{name}'" for name in required]
    check = {**schema, "required": [r for r in schema.get("required") or [] if r in concrete]}
    check.pop("$schema", None)
    if certainly_valid(check, concrete):
        return errors  # the usual case, decided without importing jsonschema (30-60 ms a process)
    from jsonschema import Draft202012Validator

    for error in Draft202012Validator(check).iter_errors(concrete):
        where = ".".join(str(p) for p in error.absolute_path) or "args"
        errors.append(f"'{path}' argument {where}: {error.message[:200]}")
    return errors


def bind_user(step: PlanStep, schema: dict[str, Any] | None, user_id: str) -> PlanStep:
    """The step with `user_id` set to the requesting person when the script takes one."""
    if schema and "user_id" in (schema.get("properties") or {}):
        return step.model_copy(update={"args": {**step.args, "user_id": user_id}})
    return step


def check_plan(
    plan: Plan,
    skill_scripts: Iterable[str],
    user_id: str,
    lookup: SchemaLookup = script_schema,
) -> tuple[Plan, list[str]]:
    """Bind `user_id`, then validate every step's arguments and references.

    Raises PlanRefused when a step names a script that may not run. Returns the bound plan and
    the argument problems (a plan with problems is sent back to the planner, never run).
    """
    if reasons := refusals(plan, skill_scripts, user_id):
        raise PlanRefused(reasons)
    problems: list[str] = []
    seen: set[str] = set()
    steps: list[PlanStep] = []
    for step in plan.steps:
        if step.id in seen:
            problems.append(f"step id '{step.id}' is used twice")
        schema = lookup(step.script)
        step = as_resource_refs(bind_user(step, schema, user_id), schema)
        problems += [f"step '{step.id}': {e}" for e in arg_errors(step.script, step.args, schema)]
        problems += [f"step '{step.id}': {e}" for e in reference_errors(step.script, step.args, user_id)]
        for name, value in step.args.items():
            m = STEP_REF_RE.match(value) if isinstance(value, str) else None
            if m and m.group(1) not in seen:
                problems.append(
                    f"step '{step.id}': argument '{name}' refers to '{m.group(1)}', not an earlier step"
                )
        seen.add(step.id)
        steps.append(step)
    return plan.model_copy(update={"steps": steps}), problems
