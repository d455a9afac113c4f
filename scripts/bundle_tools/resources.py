"""Resources, resource types and variables: well-formed, typed, and free of committed secrets.

`wmill lint` validates none of them. A resource of a custom type (`<type>.resource-type.yaml` at the
repo root, the only place the CLI syncs types from) must match that type's JSON schema; a value
may stand in for any field as a `$var:`/`$res:` reference. A secret variable must be committed empty
(skipSecrets keeps it out of `wmill sync` anyway), and a secret-looking resource field must be a
`$var:` reference, so no credential ever sits in the repository.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from . import repo

_SECRET_KEY = re.compile(r"(^|_)(password|passwd|secret|token|api_?key|private_?key)($|_)", re.I)
_REFERENCE = re.compile(r"^\$(var|res):[a-z0-9_/]+$")


def _load(path: Path, root: Path, problems: list[str]) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        problems.append(f"{repo.rel(path, root)}: not YAML: {str(exc).splitlines()[0]}")
        return None


def resource_types(root: Path, problems: list[str]) -> dict[str, dict[str, Any]]:
    types: dict[str, dict[str, Any]] = {}
    for path in sorted(root.glob("*.resource-type.yaml")):
        document = _load(path, root, problems)
        name = path.name.removesuffix(".resource-type.yaml")
        schema = document.get("schema") if isinstance(document, dict) else None
        if not isinstance(schema, dict):
            problems.append(f"{path.name}: needs a `schema` mapping")
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            problems.append(f"{path.name}: schema is not a valid JSON schema: {exc.message}")
            continue
        types[name] = schema
    for path in sorted((root / repo.SYNCED_DIR).rglob("*.resource-type.yaml")):
        problems.append(f"{repo.rel(path, root)}: resource types are synced only from the repository root")
    return types


def _without_references(value: Any) -> Any:
    """The value with `$var:`/`$res:` references dropped, so schema checks see only literal fields."""
    if isinstance(value, dict):
        return {k: _without_references(v) for k, v in value.items() if not _is_reference(v)}
    if isinstance(value, list):
        return [_without_references(v) for v in value if not _is_reference(v)]
    return value


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name)  # apiKey -> api_Key


def _is_reference(value: Any) -> bool:
    return isinstance(value, str) and bool(_REFERENCE.match(value))


def _literal_secrets(value: Any, where: str = "value") -> list[str]:
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            if (
                _SECRET_KEY.search(_snake(str(key)))
                and isinstance(child, str)
                and child
                and not _is_reference(child)
            ):
                found.append(f"{where}.{key}")
            found += _literal_secrets(child, f"{where}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _literal_secrets(child, f"{where}[{index}]")
    return found


def problems(root: Path) -> list[str]:
    out: list[str] = []
    types = resource_types(root, out)
    for path in repo.walk_yaml(root):
        name = repo.rel(path, root)
        if path.name.endswith(".resource.yaml"):
            document = _load(path, root, out)
            if not isinstance(document, dict) or "value" not in document or not document.get("resource_type"):
                out.append(f"{name}: needs `value` and `resource_type`")
                continue
            value, kind = document["value"], str(document["resource_type"])
            out += [
                f"{name}: {field} holds a literal secret; use $var:<secret variable>"
                for field in _literal_secrets(value)
            ]
            if kind in types:
                # Partial values are fine (references fill the rest): check only the fields present.
                schema = {**types[kind], "required": []}
                for error in Draft202012Validator(schema).iter_errors(_without_references(value)):
                    where = "/".join(str(p) for p in error.absolute_path) or "value"
                    out.append(f"{name}: {where}: {error.message} (resource type {kind})")
        elif path.name.endswith(".variable.yaml"):
            document = _load(path, root, out)
            if not isinstance(document, dict) or "value" not in document or "is_secret" not in document:
                out.append(f"{name}: needs `value` and `is_secret`")
                continue
            if document["is_secret"] and document["value"] not in ("", None):
                out.append(f"{name}: a secret variable must be committed empty (set it in the workspace)")
            if not document["is_secret"] and _SECRET_KEY.search(path.name.removesuffix(".variable.yaml")):
                out.append(f"{name}: looks like a secret but is_secret is false")
    return out
