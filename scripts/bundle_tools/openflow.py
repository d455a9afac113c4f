"""Validate `flow.yaml` files against Windmill's OpenFlow spec (vendored in scripts/windmill_spec/).

The spec is OpenAPI 3.0, so we validate with openapi-schema-validator's OAS30Validator (a
`jsonschema` validator that knows `nullable` and `discriminator`) and resolve the spec's `$ref`s
with a `referencing` registry holding the whole document. A flow file is an `OpenFlow`: summary,
description, schema, and `value`, a `FlowValue`.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from scripts.windmill_spec import OPENFLOW_SPEC

SPEC_PATH = OPENFLOW_SPEC
SPEC_URI = "urn:windmill:openflow.openapi.yaml"
# Keys that belong on a flow module (beside id/value), never inside its `value`:
# `wmill lint` accepts them there and Windmill then silently ignores them.
MODULE_ONLY = {"stop_after_if", "stop_after_all_iters_if", "suspend", "retry", "skip_if", "sleep"}


@cache
def _validator(component: str) -> OAS30Validator:
    spec = yaml.safe_load(SPEC_PATH.read_text())
    registry: Registry = Registry().with_resource(SPEC_URI, Resource.from_contents(spec, DRAFT4))
    return OAS30Validator({"$ref": f"{SPEC_URI}#/components/schemas/{component}"}, registry=registry)


def spec_errors(document: Any, component: str = "OpenFlow") -> list[str]:
    """Human-readable validation errors of `document` against a spec component."""
    errors = sorted(_validator(component).iter_errors(document), key=lambda e: list(e.absolute_path))
    out = []
    for error in errors:
        # oneOf failures (input transforms) are easier to read through their best sub-error.
        detail = best_match(error.context) if error.context else error
        where = "/" + "/".join(str(p) for p in error.absolute_path)
        message = detail.message
        instance = error.instance
        if "could not be resolved" in message and isinstance(instance, dict) and "type" in instance:
            message = f"unknown type {instance['type']!r} (not one of the spec's types here)"
        out.append(f"{where}: {message}")
    return out


def misplaced_module_keys(node: Any, where: str = "value") -> Iterator[str]:
    if isinstance(node, dict):
        if "type" in node and MODULE_ONLY & node.keys():  # a module `value` carrying module keys
            yield f"{where}: {sorted(MODULE_ONLY & node.keys())} must sit beside id/value, not inside value"
        for key, child in node.items():
            yield from misplaced_module_keys(child, f"{where}.{key}")
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from misplaced_module_keys(child, f"{where}[{index}]")


def flow_problems(path: Path, root: Path) -> list[str]:
    name = path.relative_to(root).as_posix()
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        # The CLI's YAML 1.2 parser is laxer than PyYAML, which the project's Python tools use.
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return [
            f"{name}: PyYAML cannot parse it{where}: {problem} (quote expressions holding '?', ': ' or ' #')"
        ]
    if not isinstance(document, dict):
        return [f"{name}: not a mapping"]
    problems = [f"{name}: {e}" for e in spec_errors(document)]
    problems += [f"{name}: {p}" for p in misplaced_module_keys(document.get("value"))]
    for key in ("summary", "description"):
        if not str(document.get(key) or "").strip():
            problems.append(f"{name}: empty {key}")
    return problems
