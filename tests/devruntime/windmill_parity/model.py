"""The shape of a ported Windmill engine test case, and helpers to write OpenFlow compactly.

A case is data: the OpenFlow value (modules, failure_module...), the flow input, and what
Windmill's own test asserts (a result, or an error). `src` names the Windmill test it was read
from: file under backend/tests/ and the test function, at WINDMILL_COMMIT of that file.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

EMPTY_SCHEMA: dict[str, Any] = {"type": "object", "properties": {}}


@dataclass(frozen=True)
class JS:
    """A javascript input transform / iterator (as opposed to a static value)."""

    expr: str


def js(expr: str) -> JS:
    return JS(expr)


def tf(value: Any) -> dict[str, Any]:
    """One InputTransform."""
    if isinstance(value, JS):
        return {"type": "javascript", "expr": value.expr}
    return {"type": "static", "value": value}


def py(mid: str, code: str, /, **inputs: Any) -> dict[str, Any]:
    """A python3 rawscript step; `inputs` are its input transforms (js(...) or static values)."""
    return {
        "id": mid,
        "value": {
            "type": "rawscript",
            "language": "python3",
            "content": textwrap.dedent(code).strip() + "\n",
            "input_transforms": {k: tf(v) for k, v in inputs.items()},
        },
    }


def ret(mid: str, expr: str, /, **inputs: Any) -> dict[str, Any]:
    """A step whose main(**inputs) returns the Python expression `expr`."""
    params = ", ".join(inputs)
    return py(mid, f"def main({params}):\n    return {expr}", **inputs)


def with_(module: dict[str, Any], **keys: Any) -> dict[str, Any]:
    """The module with extra module-level keys (skip_if, stop_after_if, retry, suspend...)."""
    return {**module, **keys}


def with_value(module: dict[str, Any], **keys: Any) -> dict[str, Any]:
    """The module with extra keys in its value (tag, ...)."""
    return {**module, "value": {**module["value"], **keys}}


def forloop(mid: str, iterator: Any, modules: list[dict[str, Any]], **opts: Any) -> dict[str, Any]:
    return {
        "id": mid,
        "value": {
            "type": "forloopflow",
            "iterator": tf(iterator),
            "modules": modules,
            "skip_failures": False,
            **opts,
        },
    }


def whileloop(mid: str, modules: list[dict[str, Any]], **opts: Any) -> dict[str, Any]:
    return {"id": mid, "value": {"type": "whileloopflow", "modules": modules, **opts}}


def branchone(
    mid: str, branches: list[tuple[str, list[dict[str, Any]]]], default: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "id": mid,
        "value": {
            "type": "branchone",
            "branches": [{"expr": e, "modules": m} for e, m in branches],
            "default": default,
        },
    }


def branchall(
    mid: str, branches: list[list[dict[str, Any]]], parallel: bool = False, **opts: Any
) -> dict[str, Any]:
    return {
        "id": mid,
        "value": {
            "type": "branchall",
            "branches": [{"modules": m, "skip_failure": False, **opts} for m in branches],
            "parallel": parallel,
        },
    }


def identity(mid: str) -> dict[str, Any]:
    return {"id": mid, "value": {"type": "identity"}}


@dataclass
class Case:
    """One Windmill test case expressed for the dev runtime."""

    name: str
    src: tuple[str, str]  # (backend/tests/<file>, test function)
    modules: list[dict[str, Any]]
    args: dict[str, Any] = field(default_factory=dict)
    result: Any = None
    # What Windmill asserts when the test checks only part of the result, or an error.
    check: Callable[[Any], None] | None = None
    # A check of the completed flow's flow_status, when Windmill's test asserts on it.
    status_check: Callable[[dict[str, Any]], None] | None = None
    success: bool = True
    failure_module: dict[str, Any] | None = None
    flow_extra: dict[str, Any] = field(default_factory=dict)
    # Other flows the case deploys first (path -> flow value), e.g. for a `flow` step.
    subflows: dict[str, dict[str, Any]] = field(default_factory=dict)
    # A TCP test server (worker.rs retry::Server): each attempt sends one byte, the server records it
    # and answers with the paired byte, or closes without answering (None). Its port is `port`.
    server: list[tuple[int, int | None]] | None = None
    # Set when the dev runtime refuses the feature the case needs: the feature's name.
    not_implemented: str | None = None

    def flow(self) -> dict[str, Any]:
        value: dict[str, Any] = {"modules": self.modules, **self.flow_extra}
        if self.failure_module is not None:
            value["failure_module"] = self.failure_module
        return {
            "summary": f"windmill parity: {self.name}",
            "value": value,
            "schema": {"type": "object", "properties": {}},
        }
