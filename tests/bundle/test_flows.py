"""Every flow.yaml is a valid OpenFlow (Windmill's spec, $refs resolved), with module keys in place."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.bundle_tools import checks, openflow

from .conftest import DATA

REFERENCE_FLOW: dict[str, Any] = yaml.safe_load((DATA / "reference_flow.yaml").read_text())


def _write_flow(root: Path, document: dict[str, Any], name: str = "analyze") -> Path:
    path = root / f"f/openanalyst/{name}__flow/flow.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def test_every_flow_in_the_repo_is_valid(repo_root: Path) -> None:
    assert checks.flows(repo_root) == []


def test_a_flow_using_every_module_kind_is_valid(mini_repo: Path) -> None:
    _write_flow(mini_repo, REFERENCE_FLOW)
    assert checks.flows(mini_repo) == []


def _set(doc: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = doc
    for key in parents:
        node = node[int(key)] if isinstance(node, list) else node[key]
    if value is _DELETE:
        del node[last]
    else:
        node[int(last) if isinstance(node, list) else last] = value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("summary", _DELETE, "'summary' is a required property"),
        ("value.modules.0.value.type", "scriptt", "unknown type 'scriptt'"),
        ("value.modules.0.value.input_transforms.request", {"type": "javascript"}, "'expr' is a required"),
        ("value.modules.1.retry.constant.attempts", "three", "'three' is not of type 'integer'"),
        ("value.modules.2.value.iterator", "results.normalize", "is not of type 'object'"),
        ("value.modules", {"id": "x"}, "is not of type 'array'"),
        ("schema", "request: string", "is not of type 'object'"),
    ],
)
def test_a_flow_breaking_the_spec_fails(mini_repo: Path, path: str, value: Any, expected: str) -> None:
    document = copy.deepcopy(REFERENCE_FLOW)
    _set(document, path, value)
    _write_flow(mini_repo, document)
    problems = checks.flows(mini_repo)
    assert any(expected in p for p in problems), problems
    assert all(p.startswith("f/openanalyst/analyze__flow/flow.yaml: ") for p in problems)


@pytest.mark.parametrize("key", sorted(openflow.MODULE_ONLY))
def test_module_keys_inside_value_fail(mini_repo: Path, key: str) -> None:
    # `wmill lint` accepts these inside `value`, where Windmill ignores them.
    document = copy.deepcopy(REFERENCE_FLOW)
    step = document["value"]["modules"][2]["value"]["modules"][0]
    step["value"][key] = {"expr": "true"}
    _write_flow(mini_repo, document)
    problems = checks.flows(mini_repo)
    assert any(f"value.modules[2].value.modules[0].value: ['{key}']" in p for p in problems), problems


def test_an_empty_description_fails(mini_repo: Path) -> None:
    document = copy.deepcopy(REFERENCE_FLOW)
    document["description"] = ""
    _write_flow(mini_repo, document)
    assert checks.flows(mini_repo) == ["f/openanalyst/analyze__flow/flow.yaml: empty description"]


def test_a_flow_pyyaml_cannot_read_fails(mini_repo: Path) -> None:
    # The CLI's YAML 1.2 parser takes `expr: a ?? b` in a flow mapping; PyYAML (dev runtime, these
    # checks) does not, so such a flow would not load outside Windmill.
    path = _write_flow(mini_repo, REFERENCE_FLOW)
    text = (DATA / "reference_flow.yaml").read_text()
    broken = text.replace("expr: flow_input.request}", "expr: flow_input.request ?? null}")
    assert broken != text
    path.write_text(broken)
    problems = checks.flows(mini_repo)
    assert len(problems) == 1 and "PyYAML cannot parse it at line 11" in problems[0], problems
