"""JavaScript expressions of flows (input transforms, iterators, branch, skip and stop
conditions), evaluated by a real JS engine (QuickJS) as Windmill does."""

from __future__ import annotations

import json
import threading
from typing import Any

import quickjs

_TIME_LIMIT_S = 5
_MEMORY_LIMIT = 64 * 1024 * 1024
_local = threading.local()


class ExpressionError(Exception):
    """An expression failed to evaluate; the message names the expression and the JS error."""


def _context() -> quickjs.Context:
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = quickjs.Context()
        ctx.set_time_limit(_TIME_LIMIT_S)
        ctx.set_memory_limit(_MEMORY_LIMIT)
        _local.ctx = ctx
    return ctx


def evaluate(expr: str, scope: dict[str, Any]) -> Any:
    """Evaluate `expr` with the names of `scope` bound (flow_input, results, previous_result...).

    An expression is evaluated as one JS expression; one that does not parse as an expression
    runs as a function body (so `return` works). `undefined` comes back as None.
    """
    ctx = _context()
    names = list(scope)
    params = ", ".join(names)
    values = json.dumps(json.dumps([scope[n] for n in names], default=str))
    out: Any = None
    for body in (f"return ({expr}\n);", expr):
        source = f"(function({params}) {{ {body} \n}})(...JSON.parse({values}))"
        try:
            wrapped = f"const __v = {source}; return __v === undefined ? 'null' : JSON.stringify(__v);"
            out = ctx.eval(f"(() => {{ {wrapped} }})()")
            break
        except quickjs.JSException as exc:
            # An expression that is really a function body (uses `return`) gets a second try.
            if body == expr or not str(exc).startswith("SyntaxError"):
                raise ExpressionError(f"error evaluating `{expr}`: {exc}") from None
    if out is None:
        return None
    return json.loads(out)


def transform(spec: dict[str, Any] | None, scope: dict[str, Any]) -> Any:
    """One InputTransform: {type: static, value} or {type: javascript, expr}."""
    if spec is None:
        return None
    kind = spec.get("type")
    if kind == "static":
        return spec.get("value")
    if kind == "javascript":
        return evaluate(str(spec.get("expr", "")), scope)
    raise ExpressionError(f"input transform type {kind!r} is not supported by the dev runtime")


def transform_all(specs: dict[str, Any] | None, scope: dict[str, Any]) -> dict[str, Any]:
    return {name: transform(spec, scope) for name, spec in (specs or {}).items()}
