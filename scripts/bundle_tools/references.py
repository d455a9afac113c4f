"""What flows, schedules and triggers call exists in the bundle, with the arguments it takes.

`wmill lint` checks neither: a typo in a step's `path`, an argument main() does not
take, or a missing required one only shows up when the job runs on Windmill.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from . import repo

_TRIGGER_SUFFIX = "_trigger.yaml"


def _load(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError:
        return None  # the flows check reports unreadable flows


def _schema(root: Path, target: str, is_flow: bool) -> tuple[bool, dict[str, Any] | None]:
    """(exists, input schema or None when unknown) of a workspace path in this repository."""
    if is_flow:
        flow = root / f"{target}__flow" / "flow.yaml"
        if not flow.exists():
            return False, None
        document = _load(flow)
        return True, (document or {}).get("schema") if isinstance(document, dict) else None
    meta = root / f"{target}.script.yaml"
    code = [p for p in (root / target).parent.glob((root / target).name + ".*") if p.suffix != ".yaml"]
    if not meta.exists() and not any(p.suffix in {".py", ".ts", ".sh", ".sql", ".go"} for p in code):
        return False, None
    data = _load(meta) if meta.exists() else None
    return True, (data or {}).get("schema") if isinstance(data, dict) else None


def _argument_problems(where: str, target: str, schema: dict[str, Any] | None, given: set[str]) -> list[str]:
    if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
        return []
    known = set(schema["properties"])
    required = set(schema.get("required") or [])
    out = []
    if unknown := sorted(given - known):
        out.append(f"{where}: passes {unknown} to {target}, which does not take them (takes {sorted(known)})")
    if missing := sorted(required - given):
        out.append(f"{where}: does not pass required {missing} to {target}")
    return out


def _modules(node: Any, where: str) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        value = node.get("value")
        if "id" in node and isinstance(value, dict) and "type" in value:
            yield f"{where}(id {node['id']})", value
        for key, child in node.items():
            yield from _modules(child, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for index, child in enumerate(node):
            yield from _modules(child, f"{where}[{index}]")


def flow_problems(root: Path, flow: Path) -> list[str]:
    document = _load(flow)
    if not isinstance(document, dict):
        return []
    name = repo.rel(flow, root)
    problems = []
    for where, value in _modules(document.get("value"), "value"):
        kind, path = value.get("type"), value.get("path")
        if kind == "rawscript":
            for key in ("content", "lock"):
                ref = value.get(key)
                inline = isinstance(ref, str) and ref.startswith(repo.INLINE)
                if inline and not (flow.parent / ref[len(repo.INLINE) :].strip()).exists():
                    problems.append(f"{name}: {where}: {key} {ref!r} names a missing file")
        elif kind in {"script", "flow"} and isinstance(path, str) and path.startswith("f/"):
            exists, schema = _schema(root, path, kind == "flow")
            if not exists:
                problems.append(f"{name}: {where}: {kind} {path} is not in the bundle")
                continue
            given = set(value.get("input_transforms") or {})
            problems += _argument_problems(f"{name}: {where}", path, schema, given)
    return problems


def scheduled_problems(root: Path, path: Path) -> list[str]:
    document = _load(path)
    if not isinstance(document, dict):
        return []
    name = repo.rel(path, root)
    target, is_flow = document.get("script_path"), bool(document.get("is_flow"))
    if not isinstance(target, str) or not target.startswith("f/"):
        return []
    exists, schema = _schema(root, target, is_flow)
    if not exists:
        return [f"{name}: {'flow' if is_flow else 'script'} {target} is not in the bundle"]
    if path.name.endswith(".schedule.yaml"):
        return _argument_problems(name, target, schema, set(document.get("args") or {}))
    return []


def problems(root: Path) -> list[str]:
    out = []
    for flow in repo.flows(root):
        out += flow_problems(root, flow)
    for path in repo.walk_yaml(root):
        if path.name.endswith((".schedule.yaml", _TRIGGER_SUFFIX)):
            out += scheduled_problems(root, path)
    return out
